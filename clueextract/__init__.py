"""clueextract: offline text, speech and metadata clues from benign media, with explained country votes."""
from __future__ import annotations

__version__ = "0.1.0"
TOOL = f"clueextract {__version__}"

__all__ = ["__version__", "TOOL", "scan"]


def scan(*args, **kwargs):
    """Scan evidence paths into a case folder (see clueextract.api.scan)."""
    from .api import scan as _scan  # noqa: PLC0415 (heavy: the scan pipeline, +235 ms at import; import cycle with clueextract.api)

    return _scan(*args, **kwargs)
