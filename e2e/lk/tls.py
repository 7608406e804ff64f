"""Test certificates (made with the openssl CLI) and an HTTPS upstream that counts its TLS handshakes."""

from __future__ import annotations

import socket
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .peers import RecordingUpstream


@dataclass
class Authority:
    """A throwaway certificate authority: `pem` is what a client is told to trust."""

    pem: Path
    key: Path


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_authority(directory: Path, name: str) -> Authority:
    directory.mkdir(parents=True, exist_ok=True)
    pem, key = directory / f"{name}.pem", directory / f"{name}.key"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(pem), "-days", "2", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return Authority(pem, key)


def make_server_certificate(directory: Path, authority: Authority, dns_name: str) -> tuple[Path, Path]:
    """A leaf certificate for `dns_name` (its only subjectAltName) signed by `authority`: (cert, key) paths."""
    stem = directory / f"{dns_name}-{authority.pem.stem}"
    key, csr, cert, ext = (stem.with_suffix(s) for s in (".key", ".csr", ".pem", ".ext"))
    ext.write_text(f"subjectAltName=DNS:{dns_name}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={dns_name}",
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(authority.pem), "-CAkey", str(authority.key),
        "-CAcreateserial", "-out", str(cert), "-days", "2", "-extfile", str(ext),
    )  # fmt: skip
    return cert, key


class TLSUpstream(RecordingUpstream):
    """`RecordingUpstream` behind TLS with the given certificate: counts handshakes that completed and ones the
    client broke off (a client that refuses the certificate never sends a request)."""

    def __init__(self, cert: Path, key: Path):
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(str(cert), str(key))
        self.handshakes = 0
        self.refused_handshakes = 0
        super().__init__()

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.port}"

    def _serve_conn(self, conn: socket.socket, addr):
        conn.settimeout(10)
        try:
            tls = self._context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            with self._lock:
                self.refused_handshakes += 1
            conn.close()
            return
        with self._lock:
            self.handshakes += 1
            self._conns.append(tls)
        super()._serve_conn(tls, addr)
