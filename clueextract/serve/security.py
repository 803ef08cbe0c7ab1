"""Secure by default: an access token on every request, CSRF on every POST, a strict CSP.

- **Token.** `clueextract serve` makes a random token (secrets.token_urlsafe, 256 bits) at every
  start and prints the address with it (`/?token=…`). The first request that carries it gets
  the token back as a cookie (HttpOnly, SameSite=Strict, Path=/) and is redirected to the same
  address without it, so it does not stay in the address bar; every later request must carry
  the cookie. Without it: 401 and a page that says where the address is printed. Compared in
  constant time.
- **CSRF.** Forms carry a token derived from the access token (HMAC-SHA256); a POST without the
  right one is refused (403), and so is one whose Origin is another site's. SameSite=Strict
  already keeps the cookie off requests other sites start; this is the second lock.
- **Headers.** `Content-Security-Policy: default-src 'self'` with no inline script or style,
  no images or media at all, no framing, forms only to this server; `no-store` caching (case
  text stays out of the disk cache), `nosniff`, no referrer, no framing.
- **Host.** Bound to 127.0.0.1, only the loopback names are accepted as Host (a DNS-rebinding
  page gets 400). On another address the token is the only gate: the server says so at start.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Iterable, Optional
from urllib.parse import parse_qsl, urlencode

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'none'; media-src 'none'; "
       "object-src 'none'; frame-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
SAFE_METHODS = ("GET", "HEAD")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"clueextract-serve csrf", hashlib.sha256).hexdigest()


def same(a: Optional[str], b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


class Guard:
    """ASGI middleware in front of the whole application (static files included)."""

    def __init__(self, app, token: str, cookie: str, hosts: Optional[Iterable[str]] = LOOPBACK):
        self.app = app
        self.token = token
        self.cookie = cookie
        self.hosts = None if hosts is None else {h.lower() for h in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}

        async def send_secured(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
            await send(message)

        host = _hostname(headers.get("host", ""))
        if self.hosts is not None and host not in self.hosts:
            return await _plain(send_secured, 400, "Bad Host header: open the address clueextract serve printed.")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        if "token" in query:
            if not same(query["token"], self.token):
                return await _plain(send_secured, 401, DENIED, html=True)
            rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
            path = (scope.get("raw_path") or scope.get("path", "/").encode("utf-8")).decode("latin-1")
            location = path + ("?" + rest if rest else "")
            cookie = f"{self.cookie}={self.token}; HttpOnly; SameSite=Strict; Path=/"
            return await _redirect(send_secured, location, cookie)
        if not same(_cookie(headers.get("cookie", ""), self.cookie), self.token):
            return await _plain(send_secured, 401, DENIED, html=True)
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None and _hostname(origin.split("://", 1)[-1]) != host:
                return await _plain(send_secured, 403, "Refused: a request from another site.")
            if headers.get("sec-fetch-site") == "cross-site":
                return await _plain(send_secured, 403, "Refused: a request from another site.")
        return await self.app(scope, receive, send_secured)


DENIED = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Access token required</title>"
          "<link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main><h1>Access token required</h1>"
          "<p>Open the address that <code>clueextract serve</code> printed when it started (it ends in "
          "<code>?token=…</code>). The token changes at every start.</p></main></body></html>")


def _hostname(hostport: str) -> str:
    hostport = hostport.strip().lower()
    if hostport.startswith("["):
        return hostport[: hostport.find("]") + 1]
    return hostport.rsplit(":", 1)[0] if hostport.count(":") == 1 else hostport


def _cookie(header: str, name: str) -> Optional[str]:
    for part in header.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None


async def _plain(send, status: int, body: str, html: bool = False) -> None:
    data = body.encode("utf-8")
    ctype = b"text/html; charset=utf-8" if html else b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


async def _redirect(send, location: str, cookie: str) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode("latin-1", "replace")), (b"set-cookie", cookie.encode()),
                            (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
