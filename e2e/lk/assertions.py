"""Assertions on responses: a readable description and the JSON error shape."""

from __future__ import annotations

import json
from typing import Optional


def describe_response(resp) -> str:
    if resp is None:
        return "<no response>"
    body = getattr(resp, "content", b"") or b""
    text = body[:2000].decode("utf-8", "replace")
    return f"HTTP {resp.status_code}: {text}"


def error_of(resp) -> Optional[dict]:
    """The `error` object of a JSON error body, or None."""
    try:
        data = json.loads(resp.content.decode("utf-8"))
    except Exception:  # noqa: BLE001
        return None
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return data["error"]
    return None


def expect_error(resp, status, code=None, field=None) -> dict:
    statuses = status if isinstance(status, (tuple, list, set)) else (status,)
    assert resp.status_code in statuses, f"expected HTTP {status}, got {describe_response(resp)}"
    err = error_of(resp)
    assert err is not None, f'expected a JSON error body {{"error": {{...}}}}, got {describe_response(resp)}'
    assert isinstance(err.get("code"), str) and err["code"], f"error.code missing: {describe_response(resp)}"
    assert isinstance(err.get("message"), str), f"error.message missing: {describe_response(resp)}"
    if code is not None:
        codes = code if isinstance(code, (tuple, list, set)) else (code,)
        assert err["code"] in codes, f"expected error.code {code}, got {describe_response(resp)}"
    if field is not None:
        assert err.get("field") == field, f"expected error.field {field!r}, got {describe_response(resp)}"
    return err
