"""Compatibility re-exports of the e2e kit (the `lk` package, one module per job): test modules written
against `from harness import ...` keep working. New code may import from `lk.<module>` directly."""

from __future__ import annotations

from lk.assertions import describe_response, error_of, expect_error
from lk.clients import Agent, Api, Captured, signed_in_browser
from lk.http1 import (
    MiB,
    HTTPParseError,
    build_head,
    chunked,
    header_values,
    parse_head,
    read_body,
    read_exact,
    read_head,
)
from lk.leaks import find_leaks, secret_encodings
from lk.net import free_port
from lk.peers import Blackhole, Recorded, RecordingUpstream, Sink, big_body
from lk.providers import injected_ok, load_providers, provider_files
from lk.rawclient import RawResponse, RawResult, raw_exchange
from lk.server import DEFAULT_BIN, REPO_ROOT, Latchkey, latchkey_binary
from lk.waiting import wait_until

__all__ = [
    "MiB",
    "REPO_ROOT",
    "DEFAULT_BIN",
    "Agent",
    "Api",
    "Blackhole",
    "Captured",
    "HTTPParseError",
    "Latchkey",
    "RawResponse",
    "RawResult",
    "Recorded",
    "RecordingUpstream",
    "Sink",
    "big_body",
    "build_head",
    "chunked",
    "describe_response",
    "error_of",
    "expect_error",
    "find_leaks",
    "free_port",
    "header_values",
    "injected_ok",
    "latchkey_binary",
    "load_providers",
    "parse_head",
    "provider_files",
    "raw_exchange",
    "read_body",
    "read_exact",
    "read_head",
    "secret_encodings",
    "signed_in_browser",
    "wait_until",
]
