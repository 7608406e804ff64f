"""The forms of an HTML page, for the test peers' consent helpers (e2e/oauth_server, e2e/mcp_peer), which submit a
login or consent form over plain HTTP."""

from __future__ import annotations

import html.parser


class Forms(html.parser.HTMLParser):
    """After `feed(page)`: `forms`, each `{id, action, method, inputs: [{tag, type, name, value, id}]}`."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._cur = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._cur = {
                "id": a.get("id"),
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "inputs": [],
            }
            self.forms.append(self._cur)
        elif tag in ("input", "button") and self._cur is not None:
            self._cur["inputs"].append(
                {
                    "tag": tag,
                    "type": (a.get("type") or "text").lower(),
                    "name": a.get("name"),
                    "value": a.get("value") or "",
                    "id": a.get("id"),
                }
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self._cur = None
