"""summary.html: the expert summary as one self-contained page. Text only.

Same view model as summary.md (summary_model), rendered through a Jinja2 template with
autoescape forced ON (the template's .j2 suffix would leave select_autoescape off), so every
value read from evidence is escaped. The page has no script, no external URL and no image,
audio or video element, and its Content-Security-Policy forbids them all: an expert can open
it on an air-gapped workstation and nothing is fetched or run. Internal links are in-page
anchors only.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional, TextIO

import jinja2
from markupsafe import Markup, escape

from ..store import CaseStore
from . import atomic_write
from .published import iter_records
from .summary_model import CaseView, Limits, build_case_view, pct

LIMITS = Limits(support=5, against=5, discounted=5, text=30, signals=30)


def _finalize(value: object) -> object:
    """Text from evidence is escaped by autoescape; a URL in it is also written with "&#58;//" so the page
    source holds no literal "scheme://" (the text reads the same; nothing to fetch or follow)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(str(escape(value)).replace("://", "&#58;//"))
    return value


def _w(x: Optional[float]) -> str:
    return "" if x is None else f"{x:.2f}"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("clueextract", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True, finalize=_finalize)
    env.filters["pct"] = pct
    env.filters["w"] = _w
    return env


def render_html(view: CaseView) -> str:
    return _env().get_template("summary.html.j2").render(v=view)


def dump_summary_html(store: CaseStore, out: TextIO) -> None:
    out.write(render_html(build_case_view(iter_records(store), store.case_dir.resolve().name, LIMITS)))


def write_summary_html(store: CaseStore, path: Path) -> None:
    atomic_write(path, lambda f: dump_summary_html(store, f))
