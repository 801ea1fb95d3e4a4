"""A lean HTTP/1.1 client for model calls: POST a body, read a capped reply.

Why not aiohttp on this path: importing it cost 0.2-0.3 s and ~15 MB per process (its
connector builds SSL contexts at import) and its request machinery was over half of a call's
CPU. A model call needs little: one POST, keep-alive connections per origin, replies framed by
Content-Length, chunked or the end of the connection, a cap on the body. This is built on
asyncio protocols (a callback per batch of bytes, no StreamReader), stdlib only; `ssl` is
imported and a context built (once per client) only when an https URL is called.

Proxies are not handled here: when HTTP(S)_PROXY applies, the backend uses `proxied.py`
(aiohttp with trust_env), which has the same `post`/`close` interface. The reply record, the
request line and headers and the errors are in http_messages.py.
"""
from __future__ import annotations

import asyncio
from typing import Any, Mapping

from .http_messages import (  # noqa: F401 - the client's interface, importable from here
    ConnectionFailed,
    Headers,
    HTTPClient,
    MalformedResponse,
    Response,
    Target,
    declared_too_large,
    decoded,
    header_block,
    request_target,
    streamed_too_large,
)

HEAD_LIMIT = 64 * 1024  # status line + headers
_LINE_LIMIT = 4096  # a chunk-size line
_HEX = b"0123456789abcdefABCDEF"
_NO_BODY = frozenset({204, 304})
# parser states
_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _TRAILER, _UNTIL_CLOSE, _DONE = range(7)


class _Connection(asyncio.Protocol):
    """One keep-alive connection: sends a request, parses the reply as its bytes arrive and
    resolves the request's future with a Response (or an exception)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: Any = None
        self.closed = False
        self.reused = False
        self.got_bytes = False  # any byte of the current reply
        self.keep = False  # may go back to the pool after the current reply
        self._waiter: asyncio.Future | None = None
        self._buf = bytearray()

    # asyncio callbacks
    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if self._state == _UNTIL_CLOSE and exc is None:
            self._finish(bytes(self._buf), keep=False)
            return
        where = "before replying" if not self.got_bytes else "mid-reply"
        reason = f": {exc}" if exc else ""
        waiter.set_exception(ConnectionFailed(f"the server closed the connection {where}{reason}"))

    def eof_received(self) -> bool:
        return False  # close our side too

    def data_received(self, data: bytes) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():  # bytes nobody asked for: unusable
            self.keep = False
            self.transport.abort()
            return
        self.got_bytes = True
        try:
            self._feed(data)
        except MalformedResponse as exc:
            self.transport.abort()
            waiter.set_exception(exc)

    # the request
    def request(self, data: bytes, max_body: int) -> asyncio.Future:
        self._waiter = waiter = self.loop.create_future()
        self._max_body = max_body
        self._state, self._scan, self._size = _HEAD, 0, 0
        self._parts: list[bytes] = []
        self.got_bytes = self.keep = False
        self._buf.clear()
        self.transport.write(data)
        return waiter

    def abort(self) -> None:
        self.keep = False
        if self.transport is not None:
            self.transport.abort()

    def _finish(self, body: bytes, keep: bool = True, too_large: str | None = None) -> None:
        self._state = _DONE
        self.keep = keep and self._keep_alive and not self._buf and not self.closed
        if not self.keep:
            self.transport.abort() if too_large else self.transport.close()
        self._waiter.set_result(Response(self._status, self._headers, body, too_large))

    def _too_large(self, reason: str) -> None:
        self._buf.clear()
        self._finish(b"", keep=False, too_large=reason)

    def _feed(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        while True:
            state = self._state
            if state == _HEAD:
                end = buf.find(b"\r\n\r\n", self._scan)
                if end < 0 or end > HEAD_LIMIT:
                    if len(buf) > HEAD_LIMIT:
                        raise MalformedResponse(f"status line and headers over "
                                                f"{HEAD_LIMIT // 1024} KiB")
                    self._scan = max(0, len(buf) - 3)
                    return
                head = bytes(buf[:end])
                del buf[:end + 4]
                self._scan = 0
                self._parse_head(head)
            elif state == _LENGTH:
                remaining = self._remaining
                if len(buf) < remaining:
                    return
                body = bytes(buf[:remaining])
                del buf[:remaining]
                return self._finish(body)
            elif state == _CHUNK_SIZE:
                eol = buf.find(b"\r\n")
                if eol < 0:
                    if len(buf) > _LINE_LIMIT:
                        raise MalformedResponse("chunk size line too long")
                    return
                line = bytes(buf[:eol]).split(b";", 1)[0].strip()
                if not line or line.strip(_HEX) or len(line) > 16:
                    raise MalformedResponse(f"bad chunk size {bytes(buf[:eol])[:40]!r}")
                del buf[:eol + 2]
                size = int(line, 16)
                if size == 0:
                    self._state = _TRAILER
                elif self._size + size > self._max_body:
                    return self._too_large(streamed_too_large(self._max_body))
                else:
                    self._remaining, self._state = size, _CHUNK_DATA
            elif state == _CHUNK_DATA:
                remaining = self._remaining
                if len(buf) < remaining + 2:
                    return
                if buf[remaining:remaining + 2] != b"\r\n":
                    raise MalformedResponse("chunk data not followed by CRLF")
                self._parts.append(bytes(buf[:remaining]))
                self._size += remaining
                del buf[:remaining + 2]
                self._state = _CHUNK_SIZE
            elif state == _TRAILER:
                end = 0 if buf.startswith(b"\r\n") else buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(buf) > HEAD_LIMIT:
                        raise MalformedResponse("chunked trailer over 64 KiB")
                    return
                del buf[:end + (2 if end == 0 else 4)]
                return self._finish(b"".join(self._parts))
            elif state == _UNTIL_CLOSE:
                if len(buf) > self._max_body:
                    return self._too_large(streamed_too_large(self._max_body))
                return
            else:  # _DONE (_finish decided whether bytes left over forbid reuse)
                return

    def _parse_head(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        status_line = lines[0]
        parts = status_line.split(b" ", 2)
        if (len(parts) < 2 or parts[0] not in (b"HTTP/1.1", b"HTTP/1.0")
                or len(parts[1]) != 3 or not parts[1].isdigit()):
            raise MalformedResponse(f"bad status line {status_line[:100]!r}")
        status = int(parts[1])
        if 100 <= status < 200 and status != 101:  # interim (100 Continue): the reply follows
            return
        headers = Headers()
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or not name or name.strip(b" \t") != name or b" " in name:
                raise MalformedResponse(f"bad header line {line[:100]!r}")
            headers.add(name.decode("latin-1"), value.strip(b" \t").decode("latin-1"))
        self._status, self._headers = status, headers
        connection = headers.get("connection", "").lower()
        self._keep_alive = parts[0] == b"HTTP/1.1" and "close" not in connection
        encoding = headers.get("transfer-encoding")
        length = headers.get("content-length")
        if status in _NO_BODY:
            self._finish(b"")
        elif encoding is not None:
            if length is not None:  # both: a smuggling risk, never reuse the connection
                self._keep_alive = False
            if encoding.rsplit(",", 1)[-1].strip().lower() == "chunked":
                self._state = _CHUNK_SIZE
            else:
                self._state, self._keep_alive = _UNTIL_CLOSE, False
        elif length is not None:
            values = {v.strip() for v in length.split(",")}
            declared = values.pop() if len(values) == 1 else ""
            if not declared.isdigit() or not declared.isascii():
                raise MalformedResponse(f"bad Content-Length {length[:40]!r}")
            size = int(declared)
            if size > self._max_body:
                self._buf.clear()
                self._finish(b"", keep=False, too_large=declared_too_large(size, self._max_body))
            elif size == 0:
                self._finish(b"")
            else:
                self._remaining, self._state = size, _LENGTH
        else:
            self._state, self._keep_alive = _UNTIL_CLOSE, False


class HTTP1Client:
    """POSTs over keep-alive HTTP/1.1 connections, pooled per (scheme, host, port) without a
    bound (the runner bounds concurrency). Not thread-safe: one event loop."""

    def __init__(self, ssl_context: Any = None) -> None:
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._targets: dict[str, Target] = {}
        self._headers: tuple[dict, bytes, frozenset[str]] | None = None  # the last encoded
        self._ssl = ssl_context
        self._closed = False

    async def post(self, url: str, body: bytes, headers: Mapping[str, str],
                   max_body: int) -> Response:
        target = self._targets.get(url)
        if target is None:
            if len(self._targets) > 64:
                self._targets.clear()
            target = self._targets[url] = request_target(url)
        encoded = self._headers
        if encoded is None or encoded[0] != headers:  # (a backend sends the same each call)
            encoded = self._headers = (dict(headers), *header_block(headers))
        _, block, names = encoded
        if target.auth and "authorization" in names:
            raise ValueError("an Authorization header and credentials in the URL: use one")
        data = b"".join((target.head, b"" if "host" in names else target.host_line, target.auth,
                         block, b"Content-Length: ", str(len(body)).encode(), b"\r\n\r\n",
                         body))
        conn = self._pooled(target.origin)
        if conn is None:
            conn = await self._connect(target)
        try:
            try:
                response = await conn.request(data, max_body)
            except ConnectionFailed:
                # A kept-alive connection the server had closed while idle: once, anew.
                if not (conn.reused and not conn.got_bytes):
                    raise
                conn = await self._connect(target)
                response = await conn.request(data, max_body)
        except BaseException:  # errors, and cancellation (a timeout): never pooled again
            conn.abort()
            raise
        if conn.keep and not self._closed:
            conn.reused = True
            self._idle.setdefault(target.origin, []).append(conn)
        elif not conn.closed:
            conn.transport.close()
        if "content-encoding" in response.headers and response.body:
            return decoded(response, max_body)
        return response

    def _pooled(self, origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            if not conn.closed and not conn.transport.is_closing():
                return conn
        return None

    async def _connect(self, target: Target) -> _Connection:
        loop = asyncio.get_running_loop()
        context = self._ssl_context() if target.https else None
        try:
            _, conn = await loop.create_connection(
                lambda: _Connection(loop), target.host, target.port, ssl=context,
                server_hostname=target.host if context is not None else None)
        except OSError as exc:
            raise ConnectionFailed(f"cannot connect to {target.host}:{target.port}: "
                                   f"{exc}") from exc
        return conn

    def _ssl_context(self):
        if self._ssl is None:
            import ssl  # only for https: importing it and building a context costs ~10 ms

            self._ssl = ssl.create_default_context()  # honours SSL_CERT_FILE / SSL_CERT_DIR
        return self._ssl

    async def close(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                conn.transport.close()
        self._idle.clear()
