"""The test providers (YAML files under e2e/fixtures/providers, all on loopback) and how each injects."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .peers import Recorded

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "providers"


def load_providers(directory: Path, **placeholders: object) -> dict[str, str]:
    """Every `<id>.yaml` of `directory` as {id: text}, each `@NAME@` replaced by placeholders[NAME] (so `{{field}}`
    templates stay literal for Latchkey). A placeholder left unreplaced is an error, not a silent bad file."""
    out = {}
    for path in sorted(directory.glob("*.yaml")):
        text = path.read_text()
        for name, value in placeholders.items():
            text = text.replace(f"@{name.upper()}@", str(value))
        left = re.findall(r"@[A-Z_]+@", text)
        assert not left, f"{path.name}: no value given for {left}"
        out[path.stem] = text
    return out


def provider_files(upstream_port: int, closed_port: int, blackhole_port: int) -> dict[str, str]:
    """The test providers of e2e/fixtures/providers: `echo*` at the recording upstream (under /base/v1),
    `closed-port` where nothing listens, `black-hole` at a listener that never answers."""
    return load_providers(FIXTURES, upstream_port=upstream_port, closed_port=closed_port, blackhole_port=blackhole_port)


def api_key_provider(name: str, base: str) -> str:
    """A provider file for an API-key provider at `base` that injects the key as a bearer header."""
    return (
        f"name: {name}\nauth:\n  mode: api_key\n  fields:\n"
        "    - {name: api_key, label: API key, secret: true, required: true}\n"
        f'proxy:\n  base_url: {base}\n  inject:\n    headers: {{Authorization: "Bearer {{{{api_key}}}}"}}\n'
    )


def injected_ok(provider: str, fields: dict, rec: "Recorded") -> bool:
    """Whether `rec` carries the credential `fields` the way the test providers inject it: `echo` as a bearer
    header, `echo-basic` as HTTP basic, `echo-query` as the `appid` query parameter."""
    if provider == "echo":
        return rec.values("authorization") == [f"Bearer {fields['api_key']}"]
    if provider == "echo-basic":
        pair = base64.b64encode(f"{fields['username']}:{fields['password']}".encode()).decode()
        return rec.values("authorization") == [f"Basic {pair}"]
    return f"appid={fields['api_key']}" in rec.query.split("&")
