"""Counts and logs requests on the real endpoints, applies the token-endpoint knobs
(delay, injected errors) and serialises database writes.

It is the outermost middleware, so an injected error never reaches DOT, and the counts are
of requests *received* (the token requests by their `grant_type` form field)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from urllib.parse import parse_qs, unquote_plus

from django.http import JsonResponse

from peer_project.runtime import GRANT_KEYS, STATE

log = logging.getLogger("peer")

LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


def _form(request) -> dict:
    ctype = request.META.get("CONTENT_TYPE", "")
    if "application/x-www-form-urlencoded" not in ctype:
        return {}
    try:
        parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    except Exception:  # noqa: BLE001 - a test peer must not die on odd input
        return {}
    return {k: v[0] for k, v in parsed.items()}


def _client_auth(request, form) -> tuple[str, str | None]:
    """(method, client_id) of a token-endpoint request."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:6].lower() == "basic ":
        try:
            user = base64.b64decode(header[6:].strip()).decode("utf-8", "replace").split(":", 1)[0]
            return "client_secret_basic", unquote_plus(user)
        except Exception:  # noqa: BLE001
            return "client_secret_basic", None
    if "client_secret" in form:
        return "client_secret_post", form.get("client_id")
    return "none", form.get("client_id")


def _oauth_error(response) -> str | None:
    if response.status_code < 400:
        return None
    try:
        return json.loads(response.content).get("error")
    except Exception:  # noqa: BLE001
        return None


def _sha(value: str | None) -> str | None:
    return hashlib.sha256(value.encode()).hexdigest()[:16] if value else None


class PeerMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/testing/"):
            if request.META.get("REMOTE_ADDR") not in LOOPBACK:
                return JsonResponse({"error": "forbidden", "error_description": "loopback only"}, status=403)
            return self._locked(request)
        if path == "/o/token/":
            return self._token(request)

        started = time.time()
        entry = {"method": request.method, "path": path, "started": started}
        if path == "/o/revoke_token/":
            STATE.bump("revocations")
            form = _form(request)
            entry["auth_method"], entry["client_id"] = _client_auth(request, form)
            entry["token_type_hint"] = form.get("token_type_hint")
            entry["token_sha"] = _sha(form.get("token"))
        elif path == "/o/introspect/":
            STATE.bump("introspections")
        elif path == "/o/authorize/":
            STATE.bump("authorize_requests")
        elif path == "/api/me":
            STATE.bump("me_requests")
        elif path == "/api/echo":
            STATE.bump("echo_requests")
            body = request.body
            entry["body_length"] = len(body)
            entry["body_sha256"] = hashlib.sha256(body).hexdigest()
        elif path == "/accounts/login/" and request.method == "POST":
            STATE.bump("logins")

        response = self._locked(request)

        if response.status_code == 401:
            if path == "/api/me":
                STATE.bump("me_unauthorized")
            elif path == "/api/echo":
                STATE.bump("echo_unauthorized")
        entry.update(status=response.status_code, duration_ms=round((time.time() - started) * 1000, 1))
        if path.startswith(("/o/", "/api/", "/accounts/")):
            STATE.log_request(entry)
            log.info("%s %s -> %s (%.0f ms)", request.method, path, response.status_code, entry["duration_ms"])
        return response

    def _locked(self, request):
        """Requests that may write to the database run one at a time."""
        if request.method in ("GET", "HEAD", "OPTIONS") and not request.path_info.startswith("/testing/"):
            return self.get_response(request)
        if request.path_info.startswith("/testing/") and request.method == "GET":
            return self.get_response(request)
        with STATE.db_write_lock:
            return self.get_response(request)

    def _token(self, request):
        started = time.time()
        form = _form(request)
        grant_type = form.get("grant_type", "")
        key = grant_type if grant_type in GRANT_KEYS[:-1] else "other"
        auth_method, client_id = _client_auth(request, form)
        STATE.bump("token_requests", key)
        STATE.bump("token_auth_methods", auth_method)
        entry = {
            "method": request.method,
            "path": "/o/token/",
            "started": started,
            "grant_type": grant_type,
            "auth_method": auth_method,
            "client_id": client_id,
            "refresh_token_sha": _sha(form.get("refresh_token")),
            "injected": False,
        }
        cfg = STATE.get_config()
        delay = max(0, float(cfg["token_delay_ms"] or 0)) / 1000.0
        if delay and cfg["token_delay_phase"] != "after":
            time.sleep(delay)

        injected = STATE.take_injected_error(grant_type)
        if injected:
            error, status, description = injected
            response = JsonResponse({"error": error, "error_description": description}, status=status)
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
            response._has_been_logged = True  # not a server fault: keep django.request quiet
            entry["injected"] = True
            STATE.bump("token_injected_errors")
        else:
            response = self._locked(request)

        if delay and cfg["token_delay_phase"] == "after":
            time.sleep(delay)
        if response.status_code >= 400:
            STATE.bump("token_failures")
        entry.update(
            status=response.status_code,
            error=_oauth_error(response),
            duration_ms=round((time.time() - started) * 1000, 1),
        )
        STATE.log_request(entry)
        log.info(
            "POST /o/token/ grant_type=%s auth=%s -> %s%s (%.0f ms)",
            grant_type,
            auth_method,
            response.status_code,
            f" {entry['error']}" if entry["error"] else "",
            entry["duration_ms"],
        )
        return response
