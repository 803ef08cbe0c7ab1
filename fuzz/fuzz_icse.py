"""Fuzz the ICSE-style CSV hash-list reader: `parse_icse(bytes)` raises only KnownHashError."""
from __future__ import annotations

from _harness import run


def check(data: bytes) -> None:
    from clueextract.deconflict import KnownHashError, parse_icse

    try:
        parse_icse(data)
    except KnownHashError:
        pass


if __name__ == "__main__":
    run(check, ["clueextract.deconflict.icse", "clueextract.deconflict.known"])
