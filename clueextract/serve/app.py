"""The review application's pages (Starlette, server-rendered with Jinja2; htmx only swaps them).

GET  /             the queue: series per regional desk and status, search, filters
GET  /series?name= one series: ranked countries, their clues, competing evidence, languages
                   heard with spans and transcripts, the decision form and the decision log
POST /review       append a decision (CSRF-checked) through clueextract.review.add_review
GET  /decisions    every decision in the case, newest first
GET  /static/NAME  the stylesheet and the vendored htmx (hash-checked at start)

Everything shown comes from the case store; no page reads an evidence file, and no page holds an
image, audio or video element (the CSP forbids them too). Jinja2 autoescape is on for every
template: text read from evidence is escaped wherever it appears.
"""
from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import TOOL
from ..countries import country_name
from ..export.summary_model import pct
from ..regions import desk_for
from ..review import STATUSES, ReviewError, add_review
from ..store import CaseStore, ReadOnlyStore
from . import assets
from .index import CaseIndex
from .security import csrf_for, same

FILTERS = ("q", "country", "kind", "lang", "desk", "status")
REVIEWER_COOKIE = "clueextract_reviewer"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("clueextract", "templates/serve"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = pct
    env.filters["w"] = lambda x: "" if x is None else f"{x:.2f}"
    env.globals["country_name"] = country_name
    env.globals["desk_for"] = desk_for
    env.globals["STATUSES"] = STATUSES
    return env


def create_app(case_dir: str | Path, token: str) -> Starlette:
    """The application for one case (wrap it in security.Guard before serving it)."""
    static = assets.verify()  # a vendored file that does not match its pin stops the start
    index = CaseIndex(case_dir)
    csrf = csrf_for(token)

    def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.update(tool=TOOL, case_name=index.case_name, csrf=csrf, request_path=request.url.path)
        return HTMLResponse(_env().get_template(template).render(**ctx), status_code=status)

    async def queue(request: Request) -> Response:
        f = {k: request.query_params.get(k, "").strip() for k in FILTERS}
        if f["status"] not in ("", *STATUSES):
            f["status"] = ""
        page = _int(request.query_params.get("page"), 1)
        result = index.queue(page=page, **f)

        def link(**change: Any) -> str:
            """The queue's address with these filters changed (a changed filter starts at page 1)."""
            params = {**f, "page": 1, **change}
            pairs = [(k, v) for k, v in params.items() if v not in ("", None) and not (k == "page" and v == 1)]
            return "/?" + urlencode(pairs) if pairs else "/"

        return render(request, "queue.html.j2", f=f, result=result, link=link,
                      desk_label=dict((c, label) for c, label, _ in result.desks).get(f["desk"], f["desk"]))

    async def series(request: Request) -> Response:
        name = request.query_params.get("name")
        page = index.series_page(name) if name is not None else None
        if page is None:
            return render(request, "missing.html.j2", status=404, name=name or "")
        return render(request, "series.html.j2", p=page, s=page.view, error=None, form={},
                      reviewer=request.cookies.get(REVIEWER_COOKIE, ""),
                      preselect=(request.query_params.get("country") or "").upper())

    async def review(request: Request) -> Response:
        form = await request.form()
        if not same(str(form.get("csrf") or ""), csrf):
            return HTMLResponse("Refused: this form is stale or came from elsewhere (CSRF token missing or wrong). "
                                "Reload the page and try again.", status_code=403)
        name = str(form.get("series") or "")
        decision = str(form.get("decision") or "")
        country = str(form.get("country_other") or "").strip() or str(form.get("country") or "")
        reviewer, note = str(form.get("reviewer") or ""), str(form.get("note") or "")
        try:
            await run_in_threadpool(_record, index.case_dir, name, country, decision, reviewer, note)
        except (ReviewError, ReadOnlyStore) as e:
            page = index.series_page(name)
            if page is None:
                return render(request, "missing.html.j2", status=404, name=name)
            return render(request, "series.html.j2", status=400, p=page, s=page.view, error=str(e),
                          form={"country_other": "" if country.upper() in {r.country for r in page.view.ranked}
                                else country, "note": note}, reviewer=reviewer,
                          preselect=country.upper())
        index.refresh()
        resp = RedirectResponse("/series?" + urlencode({"name": name}) + "#decisions", status_code=303)
        resp.set_cookie(REVIEWER_COOKIE, " ".join(reviewer.split())[:200], httponly=True, samesite="strict",
                        path="/")
        return resp

    async def decisions(request: Request) -> Response:
        return render(request, "decisions.html.j2", log=index.decision_log())

    async def static_file(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in static:
            return Response("not found", status_code=404, media_type="text/plain")
        media = "text/css" if name.endswith(".css") else "text/javascript"
        return Response(static[name], media_type=media)

    app = Starlette(routes=[Route("/", queue), Route("/series", series), Route("/review", review, methods=["POST"]),
                            Route("/decisions", decisions), Route("/static/{name}", static_file)])
    app.state.index = index
    return app


def _record(case_dir: Path, series: str, country: str, decision: str, reviewer: str, note: str) -> None:
    """The one write the application makes: a decision, through the same path as `clueextract review`."""
    try:
        store = CaseStore(case_dir)
    except (sqlite3.OperationalError, OSError) as e:
        raise ReadOnlyStore(f"the case store cannot be written here ({e}); decisions cannot be recorded") from None
    try:
        add_review(store, series, country, decision, reviewer, note or None)
    except sqlite3.OperationalError as e:
        raise ReadOnlyStore(f"the case store cannot be written here ({e}); decisions cannot be recorded") from None
    finally:
        store.close()


def _int(v: Optional[str], default: int) -> int:
    try:
        return max(1, int(v or default))
    except ValueError:
        return default
