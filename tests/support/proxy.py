"""A forward proxy on 127.0.0.1 that counts what passes through it: plain HTTP requests in
absolute form (`POST http://host:port/path`) and CONNECT tunnels (HTTPS). Loopback targets
only; it refuses anything else, so a test can never send traffic off this machine."""
from __future__ import annotations

import http.client
import select
import socket
import socketserver
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _count(self, key: str) -> None:
        with self.server.lock:
            self.server.counts[key] += 1

    def do_CONNECT(self) -> None:
        host, _, port = self.path.rpartition(":")
        if host.strip("[]") not in LOOPBACK:
            self.send_error(403, "loopback only")
            return
        self._count("CONNECT")
        upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        self.send_response(200, "Connection established")
        self.end_headers()
        sockets = [self.connection, upstream]
        try:
            while True:
                readable, _, broken = select.select(sockets, [], sockets, 10)
                if broken or not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is self.connection else self.connection).sendall(data)
        finally:
            upstream.close()
            self.close_connection = True

    def _forward(self) -> None:
        target = urlsplit(self.path)
        if not target.scheme or target.hostname not in LOOPBACK:
            self.send_error(403, "absolute loopback URLs only")
            return
        self._count(self.command)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-connection", "proxy-authorization", "connection")}
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        try:
            upstream.request(self.command, target.path + (f"?{target.query}" if target.query
                                                          else ""), body=body, headers=headers)
            reply = upstream.getresponse()
            payload = reply.read()
        finally:
            upstream.close()
        self.send_response(reply.status, reply.reason)
        for key, value in reply.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _forward


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class CountingProxy:
    """`with CountingProxy() as proxy:` then proxy.url, proxy.counts (Counter by method)."""

    def __enter__(self) -> "CountingProxy":
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.counts, self._server.lock = Counter(), threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def counts(self) -> Counter:
        with self._server.lock:
            return Counter(self._server.counts)

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
