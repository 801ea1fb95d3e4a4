"""The messages of evalkit's HTTP/1.1 client (http1.py): the reply record and its errors,
the request line and headers built from a URL, a compressed body decoded within its cap.
The proxied client (proxied.py) returns the same Response."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Protocol
from urllib.parse import quote, urlsplit

_SAFE = "/%:@!$&'()*+,;=-._~"  # left as they are in a request target (%: already escaped)


class MalformedResponse(Exception):
    """The reply is not HTTP/1.1 evalkit can read (status line, headers or chunk framing)."""


class ConnectionFailed(ConnectionError):
    """The connection could not be made, or broke before the reply was complete."""


class Headers(dict):
    """Reply headers by lower-case name (`get` takes any case); a repeated header's values
    are joined with ', '."""
    __slots__ = ()

    def get(self, name: str, default: Any = None) -> Any:
        return dict.get(self, name.lower(), default)

    def add(self, name: str, value: str) -> None:
        key = name.lower()
        self[key] = f"{self[key]}, {value}" if key in self else value


@dataclass(slots=True)
class Response:
    """One complete reply. `too_large` says why the body was not read (over `max_body`); the
    body is then empty."""
    status: int
    headers: Headers
    body: bytes
    too_large: str | None = None

    @property
    def charset(self) -> str | None:
        """The charset parameter of Content-Type, or None."""
        for param in (self.headers.get("content-type") or "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                return value.strip().strip('"') or None
        return None


class HTTPClient(Protocol):
    """What the backend and the redirect policy use: this module's client or the proxied one."""

    async def post(self, url: str, body: bytes, headers: Mapping[str, str],
                   max_body: int) -> Response: ...

    async def close(self) -> None: ...


def declared_too_large(declared: int, limit: int) -> str:
    return f"{declared:,} bytes declared, over the limit of {limit:,}"


def streamed_too_large(limit: int) -> str:
    return f"over the limit of {limit:,} bytes (not read further)"


@dataclass(slots=True, frozen=True)
class Target:
    origin: tuple[str, str, int]
    host: str
    port: int
    https: bool
    head: bytes  # the request line
    host_line: bytes  # the Host header
    auth: bytes = b""  # an Authorization header line from user:password in the URL


def request_target(url: str) -> Target:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if scheme == "https" else 80)
    host = parts.hostname
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    shown = f"[{host}]" if ":" in host else host
    if port != (443 if scheme == "https" else 80):
        shown += f":{port}"
    path = quote(parts.path or "/", safe=_SAFE) + (
        f"?{quote(parts.query, safe=_SAFE + '?')}" if parts.query else "")
    return Target((scheme, host, port), host, port, scheme == "https",
                   f"POST {path} HTTP/1.1\r\n".encode("ascii"),
                   f"Host: {shown}\r\n".encode("ascii"), _basic_auth(parts))


def _basic_auth(parts) -> bytes:
    """`user:password@` in a URL as HTTP Basic auth (as aiohttp and httpx send it)."""
    if parts.username is None:
        return b""
    import base64
    from urllib.parse import unquote

    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    try:
        raw = pair.encode("latin-1")
    except UnicodeEncodeError:
        raw = pair.encode("utf-8")
    return b"Authorization: Basic " + base64.b64encode(raw) + b"\r\n"


_DEFAULT_HEADERS = {"user-agent": "User-Agent: evalkit\r\n",
                    "accept-encoding": "Accept-Encoding: identity\r\n"}
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})  # the client's


def header_block(headers: Mapping[str, str]) -> tuple[bytes, frozenset[str]]:
    """The caller's headers as lines (framing headers left out: the client sets those), the
    defaults it did not set, and the lower-case names it set."""
    lines, names = [], set()
    for name, value in headers.items():
        if "\r" in name or "\n" in name or "\r" in value or "\n" in value or ":" in name:
            raise ValueError(f"HTTP header {name!r} has a line break or a colon in it")
        key = name.lower()
        if key not in _FRAMING:
            lines.append(f"{name}: {value}\r\n")
            names.add(key)
    lines.extend(line for key, line in _DEFAULT_HEADERS.items() if key not in names)
    return "".join(lines).encode("utf-8"), frozenset(names)


def decoded(response: Response, max_body: int) -> Response:
    """A gzip or deflate body decompressed (evalkit asks for identity, but a server may not
    listen), no larger than `max_body` decompressed: a small bomb stays small."""
    coding = response.headers.get("content-encoding").strip().lower()
    if coding not in ("gzip", "x-gzip", "deflate"):
        return response  # identity, or one evalkit cannot read (then JSON parsing says so)
    import zlib

    inflater = zlib.decompressobj(wbits=47)  # a gzip or zlib header, detected
    try:
        body = inflater.decompress(response.body, max_body + 1)
    except zlib.error as exc:
        raise MalformedResponse(f"bad {coding} body ({exc})") from None
    if len(body) > max_body:
        return Response(response.status, response.headers, b"", streamed_too_large(max_body))
    return Response(response.status, response.headers, body)
