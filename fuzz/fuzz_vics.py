"""Fuzz the Project VIC VICS JSON reader: `parse_vics(bytes)` raises only KnownHashError."""
from __future__ import annotations

from _harness import run


def check(data: bytes) -> None:
    from clueextract.deconflict import KnownHashError, parse_vics

    try:
        parse_vics(data)
    except KnownHashError:
        pass


if __name__ == "__main__":
    run(check, ["clueextract.deconflict.vics", "clueextract.deconflict.known"])
