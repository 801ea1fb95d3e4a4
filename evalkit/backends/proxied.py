"""Model calls through an HTTP(S) proxy: aiohttp with trust_env, behind http1's interface.

evalkit's own HTTP/1.1 client (http1.py) speaks to servers directly. When HTTP(S)_PROXY
applies to a URL (and NO_PROXY does not exempt it), aiohttp does the call: it handles CONNECT
tunnels and proxy authentication (from the proxy URL or ~/.netrc), as litellm and httpx honour
the same variables. aiohttp is imported only then (it costs 0.2-0.3 s to import).
"""
from __future__ import annotations

import os
import sys
from typing import Any, Mapping
from urllib.parse import urlsplit

from ..errors import MissingExtraError
from .http1 import (
    ConnectionFailed,
    Headers,
    HTTP1Client,
    HTTPClient,
    Response,
    declared_too_large,
    streamed_too_large,
)


def proxy_applies(url: str) -> bool:
    """Whether HTTP(S)_PROXY applies to `url` (urllib's reading of the environment and
    NO_PROXY, which aiohttp's trust_env uses too)."""
    if sys.platform not in ("darwin", "win32") and not any(
            name.lower().endswith("_proxy") for name in os.environ):
        return False  # the usual case, without importing urllib.request (~40 ms)
    from urllib.request import getproxies, proxy_bypass

    parts = urlsplit(url)
    return bool(getproxies().get(parts.scheme)) and not (parts.hostname
                                                         and proxy_bypass(parts.hostname))


def open_client(url: str) -> HTTPClient:
    """The client for calls to `url`'s origin: direct, or through the proxy that applies."""
    return ProxiedClient() if proxy_applies(url) else HTTP1Client()


class ProxiedClient:
    """`post`/`close` as HTTP1Client, over one aiohttp session (one connection pool)."""

    def __init__(self) -> None:
        try:
            import aiohttp
        except ImportError:  # pragma: no cover - aiohttp is a core dependency
            raise MissingExtraError("aiohttp", "all", "calls through a proxy") from None
        self._errors = (aiohttp.ClientError,)
        self._session: Any = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300),
            timeout=aiohttp.ClientTimeout(total=None), trust_env=True)

    async def post(self, url: str, body: bytes, headers: Mapping[str, str],
                   max_body: int) -> Response:
        try:
            async with self._session.post(url, data=body, headers=dict(headers),
                                          allow_redirects=False) as reply:
                found = Headers()
                for name, value in reply.headers.items():
                    found.add(name, value)
                declared = reply.content_length
                if declared is not None and declared > max_body:
                    return Response(reply.status, found, b"", declared_too_large(declared, max_body))
                chunks, size = [], 0
                async for chunk in reply.content.iter_chunked(2**16):
                    size += len(chunk)
                    if size > max_body:
                        return Response(reply.status, found, b"", streamed_too_large(max_body))
                    chunks.append(chunk)
                return Response(reply.status, found, b"".join(chunks))
        except self._errors as exc:
            raise ConnectionFailed(str(exc) or type(exc).__name__) from None

    async def close(self) -> None:
        await self._session.close()
