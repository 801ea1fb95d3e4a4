"""Redirects of model calls: refused by default, same-host ones on request.

An HTTP client that follows redirects sends the request, custom headers included (an
`api-key` or `x-api-key` header), wherever a server points it, and turns a POST into a
body-less GET on 301/302/303. For a model call neither is ever wanted: a redirect is an
error on its case (never a cached success). `follow_redirects: same-host` follows 307 and
308 (which resend the same POST) within the same scheme, host and port, up to MAX_HOPS.
"""
from __future__ import annotations

from typing import Literal, Mapping
from urllib.parse import urljoin, urlsplit

from .http1 import HTTPClient, Response

RedirectPolicy = Literal["none", "same-host"]
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RESENDS_BODY = frozenset({307, 308})
MAX_HOPS = 5


class RedirectRefused(Exception):
    """The server answered with a redirect evalkit does not follow (the case's error)."""


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, parts.hostname, parts.port or default


def next_url(url: str, status: int, location: str | None, policy: RedirectPolicy) -> str:
    """Where to resend the request, or RedirectRefused saying why not."""
    if not location:
        raise RedirectRefused(f"HTTP {status} redirect without a Location header")
    target = urljoin(url, location)
    if policy != "same-host":
        raise RedirectRefused(f"HTTP {status} redirect to {target} not followed: model calls "
                              "never follow redirects (set api_base to the final URL, or "
                              "-M follow_redirects=same-host for redirects within the host)")
    if _origin(target) != _origin(url):
        raise RedirectRefused(f"HTTP {status} redirect to another host ({target}) refused: "
                              "the request and its headers would go there (set api_base to "
                              "that URL if you trust it)")
    if status not in RESENDS_BODY:
        raise RedirectRefused(f"HTTP {status} redirect to {target} refused: it would resend the "
                              "call as a GET without its body (set api_base to that URL)")
    return target


async def post(client: HTTPClient, url: str, body: bytes, headers: Mapping[str, str],
               max_body: int, policy: RedirectPolicy) -> Response:
    """`client.post(...)` with redirects handled by `policy` (neither client follows any)."""
    for _ in range(MAX_HOPS + 1):
        response = await client.post(url, body, headers, max_body)
        if response.status not in REDIRECT_STATUSES:
            return response
        url = next_url(url, response.status, response.headers.get("Location"), policy)
    raise RedirectRefused(f"more than {MAX_HOPS} redirects")
