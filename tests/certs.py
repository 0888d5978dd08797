"""A throwaway self-signed certificate for tests that need TLS files (nginx, STARTTLS)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def self_signed(cert: Path, key: Path, name: str, ip: str | None = None) -> None:
    """Write a one-day certificate for `name` (with `ip` as its address, if given) and its key."""
    extra = ["-addext", f"subjectAltName=IP:{ip}"] if ip else []
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}",
         *extra, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
