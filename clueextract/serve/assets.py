"""The review application's static files: its own stylesheet and htmx, vendored from a pinned
npm package (scripts/vendor_htmx.py), each third-party file checked against the SHA-256 recorded
in static/assets.json before the server starts. No CDN, no external asset, nothing fetched."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources

OWN = ("app.css",)


class AssetError(RuntimeError):
    """A vendored file is missing or differs from its pinned hash."""


def _static():
    return resources.files("clueextract.serve").joinpath("static")


def pins(folder=None) -> dict[str, dict]:
    data = json.loads((folder or _static()).joinpath("assets.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


@lru_cache(maxsize=2)
def verify(folder=None) -> dict[str, bytes]:
    """Every servable file's bytes (from the package, or `folder`), third-party ones verified
    against their pinned SHA-256; AssetError naming the file otherwise."""
    folder = folder or _static()
    out = {}
    for name, pin in pins(folder).items():
        try:
            data = folder.joinpath(name).read_bytes()
        except FileNotFoundError:
            raise AssetError(f"{name} ({pin['package']} {pin['version']}) is missing from the package") from None
        got = hashlib.sha256(data).hexdigest()
        if got != pin["sha256"]:
            raise AssetError(f"{name} has SHA-256 {got}, not the pinned {pin['sha256']} "
                             f"({pin['package']} {pin['version']}); reinstall clueextract")
        out[name] = data
    for name in OWN:
        out[name] = folder.joinpath(name).read_bytes()
    return out
