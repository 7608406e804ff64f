"""DOT validator whose PKCE requirement (per client) and refresh-token rotation follow the
peer's runtime knobs instead of the frozen OAUTH2_PROVIDER settings."""

from oauth2_provider.oauth2_validators import OAuth2Validator

from peer_project.runtime import STATE


class PeerValidator(OAuth2Validator):
    def is_pkce_required(self, client_id, request):
        return bool(STATE.app_option(client_id, "pkce_required", True))

    def rotate_refresh_token(self, request):
        return STATE.rotate()
