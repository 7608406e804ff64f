"""DOT validator whose PKCE requirement (per client), refresh-token rotation and id_tokens follow the
peer's runtime knobs instead of the frozen OAUTH2_PROVIDER settings."""

import base64
import json
import time

from jwcrypto import jwk, jwt
from oauth2_provider.oauth2_validators import OAuth2Validator

from peer_project.runtime import STATE


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def forge_id_token(token: str, how: str, key) -> str:
    """The id_token `token` spoilt the way the `id_token_forge` knob says (runtime.ID_TOKEN_FORGERIES)."""
    header_text, payload_text, _ = token.split(".")
    header, claims = json.loads(_unb64(header_text)), json.loads(_unb64(payload_text))
    now = int(time.time())
    if how == "alg_none":
        header = {"typ": "JWT", "alg": "none"}
        return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."
    if how == "signature":
        key = jwk.JWK.generate(kty="RSA", size=2048)  # a stranger's key, presented under the real kid
    elif how == "expired":
        claims.update(exp=now - 3600, iat=now - 7200, auth_time=now - 7200)
    elif how == "audience":
        claims["aud"] = "another-client"
    elif how == "issuer":
        claims["iss"] = "http://127.0.0.1:1/not-the-issuer"
    elif how == "nonce":
        claims["nonce"] = "not-the-nonce-that-was-sent"
    forged = jwt.JWT(header=json.dumps(header), claims=json.dumps(claims))
    forged.make_signed_token(key)
    return forged.serialize()


class PeerValidator(OAuth2Validator):
    # Every claim set for a user goes into the id_token, whatever scopes were granted (the test decides).
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        return STATE.user_claims(request.user.get_username() if request.user else "")

    def finalize_id_token(self, id_token, token, token_handler, request):
        issued = super().finalize_id_token(id_token, token, token_handler, request)
        how = STATE.get_config().get("id_token_forge")
        return forge_id_token(issued, how, request.client.jwk_key) if how else issued

    def is_pkce_required(self, client_id, request):
        return bool(STATE.app_option(client_id, "pkce_required", True))

    def rotate_refresh_token(self, request):
        return STATE.rotate()
