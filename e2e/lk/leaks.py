"""Secret leak detection: every encoding of a secret we look for (plain, base64 std/urlsafe at all three
alignments, percent-encoded, hex, UTF-16)."""

from __future__ import annotations

import base64
from urllib.parse import quote


def secret_encodings(secret: str) -> dict[str, bytes]:
    """Every form in which a secret could leak. Base64 forms are the 'stable middle' of the
    encoding with 0/1/2 bytes in front, i.e. the characters that do not depend on what
    precedes or follows the secret in a larger encoded blob."""
    b = secret.encode("utf-8")
    out = {
        "plain": b,
        "percent(quote)": quote(secret, safe="").encode(),
        "percent(all,upper)": "".join("%%%02X" % c for c in b).encode(),
        "percent(all,lower)": "".join("%%%02x" % c for c in b).encode(),
        "hex": b.hex().encode(),
        "hex(upper)": b.hex().upper().encode(),
        "utf-16-le": secret.encode("utf-16-le"),
        "utf-16-be": secret.encode("utf-16-be"),
    }
    for name, fn in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
        for shift in (0, 1, 2):
            enc = fn(b"\x00" * shift + b)
            start = {0: 0, 1: 2, 2: 3}[shift]
            end = ((shift + len(b)) // 3) * 4
            out[f"{name}(+{shift})"] = enc[start:end]
    return out


def find_leaks(haystacks: dict[str, bytes], secrets: dict[str, str]) -> list[str]:
    found = []
    for sname, secret in secrets.items():
        for ename, needle in secret_encodings(secret).items():
            assert len(needle) >= 16, (sname, ename)
            for hname, hay in haystacks.items():
                if needle in hay:
                    i = hay.find(needle)
                    ctx = hay[max(0, i - 80) : i + len(needle) + 80]
                    found.append(f"{sname} as {ename} in {hname}: ...{ctx!r}...")
    return found
