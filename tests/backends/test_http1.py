"""evalkit's HTTP/1.1 client (evalkit/backends/http1.py) against real loopback servers.

Each test starts asyncio servers on 127.0.0.1 that answer with scripted bytes (well-formed,
malformed, endless, dying mid-reply), on the same event loop as the client.
"""
from __future__ import annotations

import asyncio
import base64
import gzip
import json
import ssl
import subprocess
import sys
import zlib

import pytest

from evalkit.backends.http1 import (
    ConnectionFailed,
    HTTP1Client,
    MalformedResponse,
    streamed_too_large,
)
from evalkit.backends.openai_compat import _decode
from tests.cli.helpers import clean_env

CAP = 2**20


async def read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    """(request line, headers by lower-case name, body) of one request."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    line, *fields = head[:-4].split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
    body = await reader.readexactly(int(headers.get("content-length", 0)))
    return line, headers, body


def reply(body: bytes, status: str = "200 OK", extra: str = "") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{extra}\r\n").encode() + body


class Loopback:
    """A TCP server on 127.0.0.1 running `script(reader, writer, server)` per connection."""

    def __init__(self, script, ssl_context=None):
        self.script, self.ssl = script, ssl_context
        self.connections = 0
        self.requests = 0
        self.sent = 0
        self.closed = asyncio.Event()

    async def __aenter__(self):
        async def handle(reader, writer):
            self.connections += 1
            try:
                await self.script(reader, writer, self)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()
                self.closed.set()

        self.server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=self.ssl,
                                                 backlog=512)  # 200 at once, no SYN retry
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc):
        self.server.close()

    def url(self, path="/v1/chat/completions", scheme="http", host="127.0.0.1"):
        return f"{scheme}://{host}:{self.port}{path}"


async def echo_forever(reader, writer, server):
    """Answers every request on the connection with its own body, kept alive."""
    while True:
        _, _, body = await read_request(reader)
        server.requests += 1
        writer.write(reply(b"echo:" + body))
        await writer.drain()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 10))


async def call(client, server, body=b"{}", cap=CAP, **kw):
    return await client.post(server.url(**kw), body, {"Authorization": "Bearer sk-x"}, cap)


def sequential(script, count: int):
    """(the server, the responses) of `count` calls one after another on one client."""
    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            responses = [await call(client, server, b'{"q": %d}' % i) for i in range(count)]
            await client.close()
            return server, responses

    return run(main())


def test_sequential_calls_share_one_kept_alive_connection():
    seen = []

    async def script(reader, writer, server):
        while True:
            line, headers, body = await read_request(reader)
            seen.append((line, headers, body))
            writer.write(reply(b'{"n": %d}' % len(seen), extra="Content-Type: application/json; "
                               'charset="utf-8"\r\nX-Twice: a\r\nx-twice: b\r\n'))

    server, answers = sequential(script, 3)
    assert server.connections == 1
    assert [a.body for a in answers] == [b'{"n": 1}', b'{"n": 2}', b'{"n": 3}']
    first = answers[0]
    assert (first.status, first.charset, first.too_large) == (200, "utf-8", None)
    assert first.headers.get("CONTENT-TYPE") == 'application/json; charset="utf-8"'
    assert first.headers.get("X-Twice") == "a, b"
    line, headers, body = seen[2]
    assert line == "POST /v1/chat/completions HTTP/1.1" and body == b'{"q": 2}'
    assert headers["host"] == f"127.0.0.1:{server.port}"
    assert headers["content-length"] == "8" and headers["accept-encoding"] == "identity"
    assert headers["authorization"] == "Bearer sk-x"


def test_chunked_body_with_extensions_and_trailer_then_reuse():
    async def script(reader, writer, server):
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n")

    server, responses = sequential(script, 2)
    assert [r.body for r in responses] == [b"hello 0123456789"] * 2 and server.connections == 1


def test_a_body_delimited_by_the_close_is_read_whole_and_its_connection_not_reused():
    async def script(reader, writer, server):
        await read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n")
        for part in (b"part one, ", b"part two"):
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(0.01)

    server, responses = sequential(script, 2)
    assert [r.body for r in responses] == [b"part one, part two"] * 2
    assert server.connections == 2


def test_a_declared_too_large_body_is_not_read():
    async def script(reader, writer, server):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3145728\r\n\r\n" + b"x" * 1000)
        await reader.read()  # until the client hangs up

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            response = await call(client, server, cap=CAP)
            await asyncio.wait_for(server.closed.wait(), 2)  # the client hung up
            await client.close()
            return response

    response = run(main())
    assert response.body == b"" and response.status == 200
    assert response.too_large == "3,145,728 bytes declared, over the limit of 1,048,576"


def test_a_streamed_body_past_the_cap_stops_the_reading_and_the_connection():
    async def script(reader, writer, server):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 2**14
        while True:  # endless, until the client hangs up
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            server.sent += len(chunk)
            await writer.drain()

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            response = await call(client, server, cap=CAP)
            sent = server.sent  # when the client gave up
            await asyncio.wait_for(server.closed.wait(), 2)  # and hung up
            await client.close()
            return sent, response

    sent, response = run(main())
    assert response.too_large == "over the limit of 1,048,576 bytes (not read further)"
    assert sent < 32 * CAP  # what loopback's socket buffers took, not an endless read


def test_an_endless_close_delimited_body_is_cut_at_the_cap():
    async def script(reader, writer, server):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n\r\n")
        while True:
            writer.write(b"y" * 2**16)
            await writer.drain()

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            response = await call(client, server, cap=2**17)
            await client.close()
            return response

    assert run(main()).too_large == "over the limit of 131,072 bytes (not read further)"


@pytest.mark.parametrize("answer, message", [
    (b"HTTX/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "bad status line b'HTTX/1.1 200 OK'"),
    (b"HTTP/1.1 2000 OK\r\n\r\n", "bad status line"),
    (b"garbage\r\n\r\n", "bad status line b'garbage'"),
    (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "bad header line b'no colon here'"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", "bad Content-Length '12abc'"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\n", "bad Content-Length '3, 4'"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
     "bad chunk size b'zz'"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
     "bad chunk size b'-5'"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n",
     "chunk data not followed by CRLF"),
    (b"HTTP/1.1 200 OK" + b"".join(b"\r\nX-%d: %s" % (i, b"f" * 1000) for i in range(80))
     + b"\r\n\r\n", "status line and headers over 64 KiB"),  # complete, but too long
])
def test_malformed_replies_are_errors(answer, message):
    async def script(reader, writer, server):
        await read_request(reader)
        writer.write(answer)
        await writer.drain()
        await reader.read()

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            with pytest.raises(MalformedResponse) as caught:
                await call(client, server)
            await client.close()
            return str(caught.value)

    assert run(main()).startswith(message)


def test_a_header_flood_is_refused_without_waiting_for_its_end():
    async def script(reader, writer, server):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        while True:  # headers that never end
            writer.write(b"X-Flood: " + b"f" * 4000 + b"\r\n")
            server.sent += 4000
            await writer.drain()

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            with pytest.raises(MalformedResponse, match="over 64 KiB"):
                await call(client, server)
            sent = server.sent  # when the client gave up
            await client.close()
            return sent

    assert run(main()) < 32 * 2**20  # what loopback's socket buffers took, not an endless read


def test_an_idle_connection_the_server_closed_is_replaced():
    async def script(reader, writer, server):
        await read_request(reader)
        writer.write(reply(b"one and done"))  # keep-alive promised, then closed while idle
        await writer.drain()

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            first = await call(client, server)
            await asyncio.wait_for(server.closed.wait(), 2)
            await asyncio.sleep(0.05)
            second = await call(client, server)
            await client.close()
            return server, first, second

    server, first, second = run(main())
    assert first.body == second.body == b"one and done" and server.connections == 2


def test_a_reused_connection_closed_on_the_request_is_retried_once_on_a_fresh_one():
    """The race the pool cannot see: the server closes an idle connection just as the next
    request goes out on it (no reply byte). That request is sent again, once."""
    async def drops_its_second_request(reader, writer, server):
        await read_request(reader)
        writer.write(reply(b"first"))
        await read_request(reader)  # then hangs up without a byte

    async def drops_every_later_request(reader, writer, server):
        server.requests += 1
        if server.requests == 1:
            await drops_its_second_request(reader, writer, server)
        else:
            await read_request(reader)

    async def main(script):
        async with Loopback(script) as server:
            client = HTTP1Client()
            first = await call(client, server)
            try:
                second = await call(client, server)
            except ConnectionFailed as exc:
                second = exc
            await client.close()
            return server, first, second

    server, first, second = run(main(drops_its_second_request))
    assert first.body == second.body == b"first" and server.connections == 2
    server, first, second = run(main(drops_every_later_request))
    assert isinstance(second, ConnectionFailed) and "before replying" in str(second)
    assert server.connections == 2, "retried once, not again"


def test_a_fresh_connection_is_not_retried():
    async def hangs_up(reader, writer, server):
        await read_request(reader)

    async def main():
        async with Loopback(hangs_up) as server:
            client = HTTP1Client()
            with pytest.raises(ConnectionFailed, match="closed the connection before replying"):
                await call(client, server)
            await client.close()
            return server

    assert run(main()).connections == 1


def test_a_server_dying_mid_body_is_an_error_not_a_hang():
    async def script(reader, writer, server):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            with pytest.raises(ConnectionFailed, match="mid-reply"):
                await asyncio.wait_for(call(client, server), 2)
            await client.close()

    run(main())


def test_a_refused_connection_is_a_connection_error():
    async def main():
        async with Loopback(echo_forever) as server:
            url = server.url()
        client = HTTP1Client()
        with pytest.raises(ConnectionFailed, match="cannot connect to 127.0.0.1:"):
            await client.post(url, b"{}", {}, CAP)
        await client.close()

    run(main())


def test_a_cancelled_call_never_gives_its_connection_back():
    async def script(reader, writer, server):
        while True:
            _, _, body = await read_request(reader)
            if body == b"slow":
                await asyncio.sleep(0.3)
            writer.write(reply(b"echo:" + body))
            await writer.drain()

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(call(client, server, b"slow"), 0.05)
            after = await call(client, server, b"next")
            await asyncio.sleep(0.35)  # the slow reply would have come by now
            again = await call(client, server, b"again")
            await client.close()
            return server, after, again

    server, after, again = run(main())
    assert (after.body, again.body) == (b"echo:next", b"echo:again")
    assert server.connections == 2, "the cancelled call's connection was closed, not pooled"


def test_200_concurrent_calls_get_their_own_answers():
    async def script(reader, writer, server):
        while True:
            _, _, body = await read_request(reader)
            server.requests += 1
            await asyncio.sleep(0.001 * (int(json.loads(body)["i"]) % 7))
            writer.write(reply(b"echo:" + body))
            await writer.drain()

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            bodies = [json.dumps({"i": i}).encode() for i in range(200)]
            answers = await asyncio.gather(*(call(client, server, b) for b in bodies))
            more = await asyncio.gather(*(call(client, server, b) for b in bodies[:50]))
            await client.close()
            return server, bodies, answers, more

    server, bodies, answers, more = run(main())
    assert [a.body for a in answers] == [b"echo:" + b for b in bodies]
    assert [a.body for a in more] == [b"echo:" + b for b in bodies[:50]]
    assert server.requests == 250 and server.connections == 200, "the second wave reused them"


def test_a_line_break_in_a_header_is_refused():
    async def main():
        client = HTTP1Client()
        with pytest.raises(ValueError, match="line break"):
            await client.post("http://127.0.0.1:9/x", b"", {"X-A": "1\r\nX-Injected: 2"}, CAP)

    run(main())


def test_non_utf8_bodies_are_decoded_with_replacement():
    bodies = iter([
        (b"caf\xe9 \xff", "text/plain"),
        (b"caf\xe9", "text/plain; charset=latin-1"),
        (b"caf\xc3\xa9 \xff", "text/plain; charset=no-such-charset"),
    ])

    async def script(reader, writer, server):
        while True:
            await read_request(reader)
            body, kind = next(bodies)
            writer.write(reply(body, extra=f"Content-Type: {kind}\r\n"))

    _, answers = sequential(script, 3)
    texts = [_decode(a.body, a.charset) for a in answers]
    assert texts == ["caf\ufffd \ufffd", "café", "café \ufffd"]


# HTTPS, with a CA made for the test ---------------------------------------------------------

@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """A CA and a server certificate it signed for `localhost` (not for 127.0.0.1)."""
    folder = tmp_path_factory.mktemp("tls")

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=evalkit test CA")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (folder / "ext.cnf").write_text("subjectAltName=DNS:localhost\n"
                                    "basicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    return folder


def _server_context(tls):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls / "server.pem", tls / "server.key")
    return context


def test_https_with_the_ca_from_ssl_cert_file(tls, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls / "ca.pem"))

    async def main():
        async with Loopback(echo_forever, _server_context(tls)) as server:
            client = HTTP1Client()
            answers = [await call(client, server, b"%d" % i, scheme="https", host="localhost")
                       for i in range(3)]
            await client.close()
            return server, answers

    server, answers = run(main())
    assert [a.body for a in answers] == [b"echo:0", b"echo:1", b"echo:2"]
    assert server.connections == 1


def test_https_refuses_a_certificate_for_another_name_and_an_unknown_ca(tls):
    trusting = ssl.create_default_context(cafile=str(tls / "ca.pem"))

    async def main():
        async with Loopback(echo_forever, _server_context(tls)) as server:
            for client, host, why in ((HTTP1Client(trusting), "127.0.0.1", "mismatch"),
                                      (HTTP1Client(ssl.create_default_context()), "localhost",
                                       "unable to get local issuer certificate")):
                with pytest.raises(ConnectionFailed, match="certificate verify failed") as caught:
                    await call(client, server, scheme="https", host=host)
                assert why in str(caught.value).lower() or why in str(caught.value)
                await client.close()
            return server

    assert run(main()).requests == 0


def test_only_an_https_call_builds_an_ssl_context(tls):
    async def main():
        async with Loopback(echo_forever) as server:
            client = HTTP1Client()
            await call(client, server)
            await client.close()
            return client._ssl

    assert run(main()) is None



def test_credentials_in_the_url_are_sent_as_basic_auth():
    seen = []

    async def script(reader, writer, server):
        while True:
            _, headers, _ = await read_request(reader)
            seen.append(headers.get("authorization"))
            writer.write(reply(b"ok"))

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            url = f"http://us%40er:p%C3%A4ss@127.0.0.1:{server.port}/v1/completions"
            await client.post(url, b"{}", {}, CAP)
            with pytest.raises(ValueError, match="Authorization header and credentials"):
                await client.post(url, b"{}", {"authorization": "Bearer x"}, CAP)
            await client.close()

    run(main())
    assert seen == ["Basic " + base64.b64encode("us@er:päss".encode("latin-1")).decode()]


def test_a_compressed_reply_is_decoded_within_the_cap():
    """evalkit asks for identity; a server that compresses anyway is still read, and a
    body that inflates past the cap is too large, not inflated whole."""
    plain = b'{"text": "' + b"z" * 5000 + b'"}'
    answers = iter([(gzip.compress(plain), "gzip"), (zlib.compress(plain), "deflate"),
                    (gzip.compress(b"0" * (4 * CAP)), "gzip"), (b"not gzip", "gzip")])

    async def script(reader, writer, server):
        while True:
            await read_request(reader)
            body, coding = next(answers)
            writer.write(reply(body, extra=f"Content-Encoding: {coding}\r\n"))

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            got = [await call(client, server) for _ in range(3)]
            with pytest.raises(MalformedResponse, match="bad gzip body"):
                await call(client, server)
            await client.close()
            return got

    first, second, bomb = run(main())
    assert first.body == second.body == plain
    assert bomb.body == b"" and bomb.too_large == streamed_too_large(CAP)


def test_the_request_target_is_escaped_and_keeps_its_query():
    seen = []

    async def script(reader, writer, server):
        line, _, _ = await read_request(reader)
        seen.append(line)
        writer.write(reply(b"ok"))

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            await client.post(server.url("/my models/v1%2Fx/chat?api-version=1&k=a b"), b"", {},
                              CAP)
            await client.close()

    run(main())
    assert seen == ["POST /my%20models/v1%2Fx/chat?api-version=1&k=a%20b HTTP/1.1"]


def test_the_callers_headers_replace_the_defaults_and_never_the_framing():
    seen = []

    async def script(reader, writer, server):
        while True:
            _, headers, body = await read_request(reader)
            seen.append((headers, body))
            writer.write(reply(b"ok"))

    async def main():
        async with Loopback(script) as server:
            client = HTTP1Client()
            await client.post(server.url(), b"abc", {"User-Agent": "mine", "Host": "api.example",
                                                     "Content-Length": "999"}, CAP)
            await client.post(server.url(), b"abcd", {"X-A": "1"}, CAP)
            await client.close()

    run(main())
    (first, body), (second, _) = seen
    assert (first["user-agent"], first["host"], first["content-length"], body) == (
        "mine", "api.example", "3", b"abc")
    assert second["user-agent"] == "evalkit" and second["x-a"] == "1"
    assert second["content-length"] == "4" and "x-a" not in first


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",  # bytes past the reply
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"2\r\nok\r\n0\r\n\r\n",  # both framings: never trusted for another request
])
def test_a_connection_is_not_reused_after(answer):
    async def script(reader, writer, server):
        while True:
            await read_request(reader)
            writer.write(answer)

    server, responses = sequential(script, 2)
    assert [r.body for r in responses] == [b"ok", b"ok"] and server.connections == 2


# which client: direct, or aiohttp through a proxy -------------------------------------------

@pytest.mark.parametrize("env, url, proxied", [
    ({}, "https://api.example.com/v1", False),
    ({"HTTPS_PROXY": "http://127.0.0.1:3128"}, "https://api.example.com/v1", True),
    ({"HTTPS_PROXY": "http://127.0.0.1:3128"}, "http://api.example.com/v1", False),  # http: none
    ({"http_proxy": "http://127.0.0.1:3128"}, "http://api.example.com/v1", True),
    ({"HTTPS_PROXY": "http://127.0.0.1:3128", "NO_PROXY": ".example.com"},
     "https://api.example.com/v1", False),
    ({"HTTP_PROXY": "http://127.0.0.1:3128", "no_proxy": "127.0.0.1,localhost"},
     "http://127.0.0.1:8000/v1", False),
])
def test_a_proxy_applies_as_urllib_reads_the_environment(monkeypatch, env, url, proxied):
    from evalkit.backends.proxied import proxy_applies

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert proxy_applies(url) is proxied


def test_aiohttp_is_imported_only_for_a_proxied_backend():
    code = """if True:
        import asyncio, sys
        from pathlib import Path
        from evalkit.backends.base import BackendEnv
        from evalkit.backends.openai_compat import OpenAICompatBackend, OpenAIOptions

        async def main():
            backend = OpenAICompatBackend("m", OpenAIOptions(api_base=sys.argv[1]),
                                          BackendEnv(cwd=Path(".")))
            await backend.start()
            kind = type(backend._client).__name__
            await backend.close()
            print(kind, "aiohttp" in sys.modules)

        asyncio.run(main())
    """

    def client_for(url, **env):
        done = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True,
                              env=clean_env(**env), timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert client_for("https://api.example.com/v1") == ["HTTP1Client", "False"]
    assert client_for("https://api.example.com/v1", HTTPS_PROXY="http://127.0.0.1:9") == [
        "ProxiedClient", "True"]
