"""`clueextract serve CASE`: a local review application over the case store.

Regional experts review from a browser: a queue of series per regional desk (UN M49 sub-region)
with their review status, search and filters, a page per series with the ranked countries and
the clues behind each, and confirm/exclude decisions appended to the same store `clueextract
review` writes. Server-rendered (Starlette + Jinja2, served by uvicorn); htmx (vendored, pinned,
hash-checked) only swaps parts of pages. Text only: no imagery, no audio; the server never opens
an evidence file, it reads the case store.

Secure by default (security.py): bound to 127.0.0.1, a fresh random access token at every start
(printed with the address; a cookie after the first request), CSRF tokens on every form, a strict
Content-Security-Policy. Works while a scan writes the case (SQLite WAL: the reader never blocks
the scan; a decision waits for the scan's current transaction at most).
"""
from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path
from typing import Callable, Optional

from .security import LOOPBACK, Guard, new_token


class ServeError(RuntimeError):
    """The server cannot start as asked (the CLI exits 2 with the message)."""


def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def build(case_dir: str | Path, host: str = "127.0.0.1", token: Optional[str] = None, port: int = 0):
    """(ASGI application, token): the review application for one case behind the Guard."""
    from .app import create_app  # noqa: PLC0415 (heavy: Starlette and Jinja2, +95 ms at import; loaded when the server is built)

    token = token or new_token()
    app = create_app(case_dir, token)
    hosts = None if not is_loopback(host) else set(LOOPBACK) | {host.lower()}
    cookie = f"clueextract_token_{port}" if port else "clueextract_token"
    return Guard(app, token, cookie, hosts), token


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as e:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {e.strerror or e}"
                         + ("; choose another --port (0: any free port)" if port else "")) from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(case_dir: str | Path, host: str = "127.0.0.1", port: int = 8765,
          say: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)) -> None:
    """Run the review application until Ctrl-C. The address with the token goes to stdout (one
    line, for scripts), everything else through `say` (stderr)."""
    import uvicorn  # noqa: PLC0415 (heavy: +39 ms at import; only when serving)

    sock = bind(host, port)
    real_port = sock.getsockname()[1]
    app, token = build(case_dir, host, port=real_port)
    shown = f"[{host}]" if ":" in host else host
    if not is_loopback(host):
        say(f"WARNING: serving on {host}, reachable from other machines: anyone who has the token can read this "
            "case and record decisions, and the traffic is not encrypted (plain HTTP). Prefer the default "
            "127.0.0.1 with an SSH tunnel.")
        shown = socket.gethostname() if host in ("0.0.0.0", "::") else shown
    index = app.app.state.index
    say(f"clueextract serve: case {Path(case_dir).resolve()} ({len(index.series_names())} series), "
        f"text only; decisions are appended to {Path(case_dir).resolve() / 'case.sqlite'}")
    print(f"http://{shown}:{real_port}/?token={token}", flush=True)
    say("Open the address above (the token is needed, and changes at every start). Ctrl-C stops.")
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False,
                            date_header=False, proxy_headers=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        index.close()
