"""HTTP/1.1 message parsing and building, shared by the fake peers and the raw client."""

from __future__ import annotations

from typing import Iterable

MiB = 1024 * 1024


class HTTPParseError(Exception):
    pass


def read_head(f, limit: int = 4 * MiB) -> bytes:
    """Read the start line and headers up to and including the blank line. b'' on EOF."""
    lines = []
    total = 0
    while True:
        line = f.readline(65537 * 4)
        if not line:
            if lines:
                raise HTTPParseError("EOF inside the header block")
            return b""
        if not lines and line in (b"\r\n", b"\n"):
            continue  # tolerate stray CRLF between messages
        lines.append(line)
        total += len(line)
        if total > limit:
            raise HTTPParseError("header block too large")
        if line in (b"\r\n", b"\n"):
            return b"".join(lines)


def parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    text = head.decode("latin-1")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    start = lines[0]
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and headers:  # obsolete folding
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return start, headers


def header_values(headers: list[tuple[str, str]], name: str) -> list[str]:
    name = name.lower()
    return [v for (n, v) in headers if n.lower() == name]


def read_exact(f, n: int) -> bytes:
    chunks = []
    remaining = n
    while remaining > 0:
        chunk = f.read(min(remaining, 1 << 20))
        if not chunk:
            raise HTTPParseError(f"EOF with {remaining} of {n} body bytes missing")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_body(f, headers: list[tuple[str, str]], *, response: bool, status: int = 0, method: str = "GET") -> bytes:
    if response and (100 <= status < 200 or status in (204, 304) or method == "HEAD"):
        return b""
    te = ",".join(header_values(headers, "transfer-encoding")).lower()
    if "chunked" in te:
        out = []
        while True:
            size_line = f.readline(1024)
            if not size_line:
                raise HTTPParseError("EOF inside chunked body")
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                # trailers
                while True:
                    line = f.readline(65536)
                    if not line or line in (b"\r\n", b"\n"):
                        break
                break
            out.append(read_exact(f, size))
            f.readline(16)  # CRLF after the chunk
        return b"".join(out)
    cl = header_values(headers, "content-length")
    if cl:
        return read_exact(f, int(cl[0]))
    if response:
        return f.read()
    return b""


def build_head(method: str, target: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1"] + [f"{n}: {v}" for (n, v) in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunked(chunks: Iterable[bytes]) -> Iterable[bytes]:
    for c in chunks:
        if c:
            yield f"{len(c):x}\r\n".encode() + c + b"\r\n"
    yield b"0\r\n\r\n"
