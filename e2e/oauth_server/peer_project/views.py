"""Protected API (/api/...) and test-control endpoints (/testing/...) of the test peer."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.settings import oauth2_settings

from peer_project.runtime import DEFAULT_CONFIG, ID_TOKEN_FORGERIES, STATE

log = logging.getLogger("peer")

REALM = "latchkey-test-peer"


def apply_settings():
    """Push the runtime knobs into DOT's settings object (read by DOT at request time)."""
    cfg = STATE.get_config()
    oauth2_settings.ROTATE_REFRESH_TOKEN = bool(cfg["rotate"])
    oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS = int(cfg["access_ttl"])
    oauth2_settings.REFRESH_TOKEN_GRACE_PERIOD_SECONDS = int(cfg["refresh_grace_seconds"])
    oauth2_settings.REFRESH_TOKEN_REUSE_PROTECTION = bool(cfg["reuse_protection"])


# ---------------------------------------------------------------------------------------
# Protected resource
# ---------------------------------------------------------------------------------------


def _bearer(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def _unauthorized(request, oauthlib_request):
    token = _bearer(request)
    if token is None:
        error, description = "invalid_request", "no bearer access token in the Authorization header"
        challenge = f'Bearer realm="{REALM}"'
    else:
        error = "invalid_token"
        row = get_access_token_model().objects.filter(token_checksum=hashlib.sha256(token.encode()).hexdigest()).first()
        if row is None:
            description = "the access token is unknown or revoked"
        elif row.is_expired():
            description = "the access token expired"
        else:
            description = "the access token is not valid here"
        challenge = f'Bearer realm="{REALM}", error="invalid_token", error_description="{description}"'
    response = JsonResponse({"error": error, "error_description": description}, status=401)
    response["WWW-Authenticate"] = challenge
    return response


def _verify(request):
    valid, r = get_oauthlib_core().verify_request(request, scopes=[])
    return (r.access_token if valid else None), r


@csrf_exempt
def me(request):
    if request.method not in ("GET", "HEAD"):
        return JsonResponse({"error": "method_not_allowed"}, status=405)
    token, r = _verify(request)
    if token is None:
        return _unauthorized(request, r)
    return JsonResponse(
        {
            "user": token.user.get_username() if token.user else None,
            "scope": token.scope,
            "client_id": token.application.client_id if token.application else None,
            "expires": token.expires.isoformat(),
        }
    )


@csrf_exempt
def echo(request):
    """Echoes the request body verbatim (same Content-Type), for body-resend tests."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return JsonResponse({"error": "method_not_allowed"}, status=405)
    token, r = _verify(request)
    if token is None:
        return _unauthorized(request, r)
    response = HttpResponse(request.body, content_type=request.content_type or "application/json", status=200)
    response["X-Echo-User"] = token.user.get_username() if token.user else ""
    response["X-Echo-Scope"] = token.scope
    response["X-Echo-Method"] = request.method
    response["X-Echo-Query"] = request.META.get("QUERY_STRING", "")
    return response


# ---------------------------------------------------------------------------------------
# /testing/ control endpoints (loopback only, enforced by the middleware)
# ---------------------------------------------------------------------------------------


class BadInput(Exception):
    pass


def _json_body(request) -> dict:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError as e:
        raise BadInput(f"body is not JSON: {e}")
    if not isinstance(data, dict):
        raise BadInput("body must be a JSON object")
    return data


def _control(methods=("POST",)):
    def wrap(fn):
        @csrf_exempt
        def view(request, *args, **kwargs):
            if request.method not in methods:
                return JsonResponse({"error": "method_not_allowed", "allowed": list(methods)}, status=405)
            try:
                return JsonResponse(fn(request, _json_body(request), *args, **kwargs))
            except BadInput as e:
                return JsonResponse({"error": "bad_request", "error_description": str(e)}, status=400)

        view.__name__ = fn.__name__
        return view

    return wrap


_CONFIG_TYPES = {
    "token_delay_ms": (int, float),
    "token_delay_phase": (str,),
    "rotate": (bool,),
    "access_ttl": (int,),
    "refresh_grace_seconds": (int,),
    "reuse_protection": (bool,),
    "token_error": (str, type(None)),
    "token_error_count": (int,),
    "token_error_status": (int, type(None)),
    "token_error_grant": (str, type(None)),
    "token_error_description": (str,),
    "id_token_forge": (str, type(None)),
}


def _config_changes(data: dict, allow_other: tuple = ()) -> dict:
    changes = {}
    for key, value in data.items():
        if key in allow_other:
            continue
        if key not in _CONFIG_TYPES:
            raise BadInput(f"unknown key {key!r}; known: {sorted(_CONFIG_TYPES)}")
        types = _CONFIG_TYPES[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise BadInput(f"{key}: wrong type {type(value).__name__}")
        if key in ("token_delay_ms", "access_ttl", "refresh_grace_seconds", "token_error_count") and value < 0:
            raise BadInput(f"{key} must not be negative")
        if key == "token_delay_phase" and value not in ("before", "after"):
            raise BadInput("token_delay_phase is 'before' or 'after'")
        if key == "id_token_forge" and value is not None and value not in ID_TOKEN_FORGERIES:
            raise BadInput(f"id_token_forge is one of {sorted(ID_TOKEN_FORGERIES)} or null")
        changes[key] = value
    return changes


@_control(methods=("GET", "POST"))
def config(request, data):
    """POST {knob: value, ..., "reset": bool} -> the whole config. GET -> the config."""
    if request.method == "GET":
        return {"config": STATE.get_config()}
    reset = data.pop("reset", False)
    cfg = STATE.update_config(_config_changes(data), reset=bool(reset))
    apply_settings()
    return {"config": cfg}


_GRANTS = {"authorization-code": "authorization-code", "client-credentials": "client-credentials"}


def _upsert_application(data: dict, user_result: dict | None) -> dict:
    """Create the application, or update only the given fields of an existing one."""
    Application = get_application_model()
    app = Application.objects.filter(client_id=data["client_id"]).first()
    created = app is None
    if created:
        if "client_secret" not in data:
            raise BadInput("client_secret is required to create an application")
        app = Application(
            client_id=data["client_id"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            algorithm="",
        )
    if "grant" in data or created:
        grant = str(data.get("grant", "authorization-code")).replace("_", "-")
        if grant not in _GRANTS:
            raise BadInput("grant is 'authorization-code' or 'client-credentials'")
        app.authorization_grant_type = _GRANTS[grant]
    if "redirect_uris" in data or "redirect_uri" in data:
        uris = data.get("redirect_uris") or data.get("redirect_uri") or ""
        app.redirect_uris = " ".join(uris.split() if isinstance(uris, str) else uris)
    if app.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE and not app.redirect_uris:
        raise BadInput("redirect_uri is required for the authorization-code grant")
    if "client_type" in data or created:
        app.client_type = (
            Application.CLIENT_PUBLIC if data.get("client_type") == "public" else Application.CLIENT_CONFIDENTIAL
        )
    if "name" in data or created:
        app.name = data.get("name") or f"Test app {app.client_id}"
    if "skip_authorization" in data:
        app.skip_authorization = bool(data["skip_authorization"])
    if "algorithm" in data:
        if data["algorithm"] not in ("", "RS256", "HS256"):
            raise BadInput("algorithm is '', 'RS256' or 'HS256' (the id_token signing algorithm)")
        app.algorithm = data["algorithm"]
    if "client_secret" in data:
        # DOT hashes client secrets on save (hash_client_secret defaults to True); the caller
        # keeps the plaintext. hash_secret=false stores it as is.
        app.hash_client_secret = bool(data.get("hash_secret", True))
        app.client_secret = data["client_secret"]
    if app.user_id is None and user_result:
        app.user = get_user_model().objects.get(username=user_result["username"])
    app.save()
    if "pkce_required" in data or created:
        STATE.set_app(app.client_id, pkce_required=bool(data.get("pkce_required", True)))
    return {
        "client_id": app.client_id,
        "created": created,
        "grant": app.authorization_grant_type,
        "redirect_uris": app.redirect_uris.split(),
        "pkce_required": bool(STATE.app_option(app.client_id, "pkce_required", True)),
        "client_type": app.client_type,
        "secret_hashed": app.hash_client_secret,
        "skip_authorization": app.skip_authorization,
        "algorithm": app.algorithm,
    }


@_control()
def setup(request, data):
    """Create or update the client application and/or the user (idempotent)."""
    result = {}
    known = {
        "client_id",
        "client_secret",
        "redirect_uri",
        "redirect_uris",
        "pkce_required",
        "grant",
        "username",
        "password",
        "name",
        "skip_authorization",
        "hash_secret",
        "rotate",
        "access_ttl",
        "client_type",
        "algorithm",
        "claims",
    }
    unknown = set(data) - known
    if unknown:
        raise BadInput(f"unknown keys {sorted(unknown)}; known: {sorted(known)}")
    changes = _config_changes({k: data[k] for k in ("rotate", "access_ttl") if k in data})

    User = get_user_model()
    with transaction.atomic():
        if data.get("username"):
            user, created = User.objects.get_or_create(username=data["username"])
            if "password" in data:
                user.set_password(data["password"])
            elif created:
                user.set_unusable_password()
            user.is_active = True
            user.save()
            if "claims" in data:
                if not isinstance(data["claims"], dict):
                    raise BadInput("claims must be an object (extra id_token claims of the user)")
                STATE.set_user_claims(user.username, data["claims"])
            result["user"] = {"username": user.username, "created": created, "password_set": "password" in data}

        if data.get("client_id"):
            result["application"] = _upsert_application(data, result.get("user"))

    if changes:
        STATE.update_config(changes)
        apply_settings()
    result["config"] = STATE.get_config()
    return result


@_control(methods=("GET",))
def stats(request, data):
    return STATE.get_stats()


@_control()
def stats_reset(request, data):
    STATE.reset_stats()
    return STATE.get_stats()


@_control(methods=("GET",))
def request_log(request, data):
    """GET /testing/log?path=/o/token/&since=SEQ -> {"entries": [...]} (oldest first)."""
    path = request.GET.get("path") or None
    since = int(request.GET.get("since") or 0)
    return {"entries": STATE.get_log(path, since)}


def _token_filter(data):
    flt = {}
    if data.get("username"):
        flt["user__username"] = data["username"]
    if data.get("client_id"):
        flt["application__client_id"] = data["client_id"]
    return flt


@_control()
def revoke_grant(request, data):
    """Revoke every access and refresh token (and pending code) of the user (/client)."""
    flt = _token_filter(data)
    if not flt:
        raise BadInput("username (and/or client_id) is required")
    AccessToken = get_access_token_model()
    RefreshToken = get_refresh_token_model()
    Grant = get_grant_model()
    with transaction.atomic():
        n_access = AccessToken.objects.filter(**flt).count()
        refresh = list(RefreshToken.objects.filter(revoked__isnull=True, **flt))
        for rt in refresh:
            rt.revoke()  # marks it revoked and deletes its access token
        AccessToken.objects.filter(**flt).delete()
        codes, _ = Grant.objects.filter(**flt).delete()
    log.info("revoke-grant %s: %d refresh, %d access tokens", flt, len(refresh), n_access)
    return {"refresh_tokens_revoked": len(refresh), "access_tokens_revoked": n_access, "codes_deleted": codes}


@_control()
def expire_access_tokens(request, data):
    """Set the expiry of every (matching) access token into the past."""
    past = timezone.now() - timedelta(seconds=int(data.get("seconds_ago", 1)))
    n = get_access_token_model().objects.filter(expires__gt=past, **_token_filter(data)).update(expires=past)
    return {"expired": n}


@_control(methods=("GET",))
def tokens(request, data):
    """Live token counts: GET /testing/tokens?username=alice&client_id=..."""
    flt = _token_filter(request.GET)
    now = timezone.now()
    AccessToken = get_access_token_model()
    RefreshToken = get_refresh_token_model()
    return {
        "access_tokens": AccessToken.objects.filter(expires__gt=now, **flt).count(),
        "expired_access_tokens": AccessToken.objects.filter(expires__lte=now, **flt).count(),
        "refresh_tokens": RefreshToken.objects.filter(revoked__isnull=True, **flt).count(),
        "revoked_refresh_tokens": RefreshToken.objects.filter(revoked__isnull=False, **flt).count(),
    }


@_control(methods=("GET",))
def health(request, data):
    return {"ok": True, "defaults": DEFAULT_CONFIG}


def profile(request):
    """Where a login without ?next= lands."""
    user = request.user
    return JsonResponse({"user": user.get_username() if user.is_authenticated else None})
