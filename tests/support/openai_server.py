"""A small but real OpenAI-compatible HTTP server for tests and benchmarks.

Run it as a process::

    python -m tests.support.openai_server --port 0 [--latency 0.1] [--seed 0]

It binds 127.0.0.1 only, prints one line ``PORT <n>`` once it listens and
serves until SIGTERM/SIGINT.  Clients (litellm, openai, aiohttp, httpx) talk
to it exactly as they would to OpenAI, with ``base_url`` =
``http://127.0.0.1:<n>/v1``.

Answer rule: if ``answers`` maps the last user message (chat) or the prompt
(completions) to a reply, that reply is sent; otherwise the text is echoed.

Hostile settings (for the redirect and secret tests): ``redirect`` answers every /v1
completion call with that status and Location (``/v2/...`` serves the same API, a GET there
an empty completion, as a server that turned a redirected POST into a GET would);
``echo_headers`` appends the named request headers to each reply.

Control endpoints (JSON):
    POST /_config   merge settings (top-level keys; ``answers`` and ``replies`` are
                    replaced wholesale, setting ``seed`` re-seeds the fault RNG);
                    returns the current config.
    GET  /_stats    {"total", "by_prompt", "statuses", "auth", "sent_bytes", "methods",
                     "headers"}
    POST /_reset    zero the stats.

In tests, use :func:`serve`, which starts the server as a subprocess.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import queue
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiohttp import web

DEFAULTS: dict[str, Any] = {
    "latency": 0.0,  # seconds slept before every answer (errors included)
    "answers": {},  # prompt -> reply
    "model_id": None,  # if set, overrides the model echoed in responses
    "fail_rate": 0.0,  # fraction of requests answered with an error status
    "fail_statuses": [429, 500],  # error status picked uniformly from these
    "retry_after": None,  # if not None, 429s carry this Retry-After header
    "timeout_rate": 0.0,  # fraction of requests that hang for hang_s first
    "hang_s": 30.0,
    "require_key": None,  # if set, demand "Authorization: Bearer <key>"
    "replies": {},  # prompt -> hostile reply for that prompt only (see HOSTILE_KEYS)
    "echo_headers": [],  # request headers (by name) whose values are appended to each reply
    "redirect": None,  # {"status": 307, "location": URL or path}: answer /v1 calls with it
    "refuse_response_format": False,  # answer 400 to a request with response_format (old server)
}
# What a "replies" entry may set: `content` (any JSON value as the message content or text),
# `usage` (any JSON value as the usage object), `pad_bytes` (a padding field making the body
# this much bigger), `stream_mb` (a chunked body of this many MB, sent until the client
# hangs up, with no Content-Length), `delay` (seconds before answering).
HOSTILE_KEYS = {"content", "usage", "pad_bytes", "stream_mb", "delay"}
# Request headers every client sends; the others are counted in stats()["headers"].
_COMMON_HEADERS = {"host", "content-type", "content-length", "accept", "accept-encoding",
                   "user-agent", "connection", "authorization"}

# (type, code) of the OpenAI-style error body for each status we may emit.
_ERROR_KINDS = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    502: ("server_error", None),
    503: ("server_error", None),
}


def _words(text: str) -> int:
    return max(1, len(text.split()))


def _content_text(content: Any) -> str:
    """Message content is a string or a list of parts ({"type": "text", ...})."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def error_response(status: int, message: str, headers: dict | None = None) -> web.Response:
    etype, code = _ERROR_KINDS.get(status, ("server_error", None))
    body = {"error": {"message": message, "type": etype, "param": None, "code": code}}
    return web.json_response(body, status=status, headers=headers)


class FakeOpenAI:
    """Holds config, stats and the fault RNG; builds the aiohttp app."""

    def __init__(self, latency: float = 0.0, seed: int = 0) -> None:
        self.config: dict[str, Any] = {**DEFAULTS, "answers": {}, "latency": latency}
        self.rng = random.Random(seed)
        self.reset()

    def reset(self) -> None:
        self.sent_bytes: Counter[str] = Counter()  # streamed hostile bodies, by prompt
        self.total = 0
        self.by_prompt: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.auth: Counter[str] = Counter()
        self.methods: Counter[str] = Counter()  # "GET /v2/chat/completions": count
        self.headers: Counter[str] = Counter()  # "x-api-key: value": count (uncommon headers)
        self.first_at: float | None = None  # time.time() of the first request since reset
        self.response_formats: Counter[str] = Counter()  # canonical JSON of response_format

    def stats(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_prompt": dict(self.by_prompt),
            "statuses": dict(self.statuses),
            "auth": dict(self.auth),
            "sent_bytes": dict(self.sent_bytes),
            "methods": dict(self.methods),
            "headers": dict(self.headers),
            "first_at": self.first_at,
            "response_formats": dict(self.response_formats),
        }

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 2**20)  # big configs: hostile replies
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/completions", self._completions)
        app.router.add_post("/v2/chat/completions", self._chat)
        app.router.add_post("/v2/completions", self._completions)
        app.router.add_get("/v2/chat/completions", self._get_after_redirect)
        app.router.add_get("/v2/completions", self._get_after_redirect)
        app.router.add_get("/v1/models", self._models)
        app.router.add_post("/_config", self._config)
        app.router.add_get("/_stats", self._stats)
        app.router.add_post("/_reset", self._reset)
        return app

    # ---- completion endpoints -------------------------------------------

    async def _chat(self, request: web.Request) -> web.Response:
        return await self._handle(request, chat=True)

    async def _completions(self, request: web.Request) -> web.Response:
        return await self._handle(request, chat=False)

    def _count(self, request: web.Request) -> str:
        self.total += 1
        self.methods[f"{request.method} {request.path}"] += 1
        for name, value in request.headers.items():
            if name.lower() not in _COMMON_HEADERS:
                self.headers[f"{name.lower()}: {value}"] += 1
        if self.first_at is None:
            self.first_at = time.time()
        auth = request.headers.get("Authorization", "")  # "" = header absent
        self.auth[auth] += 1
        return auth

    async def _handle(self, request: web.Request, chat: bool) -> web.Response:
        auth = self._count(request)
        redirect = self.config["redirect"]
        if redirect and request.path.startswith("/v1/"):
            resp = web.Response(status=int(redirect["status"]),
                                headers={"Location": str(redirect["location"])})
        else:
            resp = await self._answer(request, chat, auth)
        self.statuses[str(resp.status)] += 1
        return resp

    async def _get_after_redirect(self, request: web.Request) -> web.Response:
        """What a POST turned into a GET by a 302 gets: a valid, empty completion."""
        self._count(request)
        self.statuses["200"] += 1
        return web.json_response({"id": "chatcmpl-get", "object": "chat.completion",
                                  "model": "fake-model", "choices": [
                                      {"index": 0, "message": {"role": "assistant", "content": ""},
                                       "text": "", "finish_reason": "stop"}]})

    async def _answer(self, request: web.Request, chat: bool, auth: str) -> web.Response:
        cfg = self.config
        try:
            body = await request.json()
        except ValueError as exc:
            return error_response(400, f"invalid JSON body: {exc}")
        if not isinstance(body, dict):
            return error_response(400, "request body must be a JSON object")

        if chat:
            messages = body.get("messages") or []
            users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
            if not users:
                return error_response(400, "messages must contain a user message")
            key = _content_text(users[-1].get("content"))
            prompt_tokens = sum(
                _words(_content_text(m.get("content"))) for m in messages if isinstance(m, dict)
            )
        else:
            prompt = body.get("prompt")
            if isinstance(prompt, list) and len(prompt) == 1:
                prompt = prompt[0]
            if not isinstance(prompt, str):
                return error_response(400, "prompt must be a string")
            key = prompt
            prompt_tokens = _words(key)
        self.by_prompt[key] += 1

        require = cfg["require_key"]
        if require is not None and auth != f"Bearer {require}":
            return error_response(401, "Incorrect API key provided.")
        if body.get("stream"):
            return error_response(400, "stream=true is not supported by this test server")
        if "response_format" in body:
            self.response_formats[json.dumps(body["response_format"], sort_keys=True)] += 1
            if cfg["refuse_response_format"]:
                return error_response(400, "Unrecognized request argument: response_format")

        # Draw from the seeded RNG only when a fault is configured, so that
        # a run without faults leaves the sequence untouched.
        fail_status = None
        if cfg["fail_rate"] and self.rng.random() < cfg["fail_rate"]:
            fail_status = int(self.rng.choice(cfg["fail_statuses"]))
        hang = bool(cfg["timeout_rate"]) and self.rng.random() < cfg["timeout_rate"]

        if hang:
            await asyncio.sleep(cfg["hang_s"])
        if cfg["latency"]:
            await asyncio.sleep(cfg["latency"])

        if fail_status is not None:
            headers = None
            if fail_status == 429 and cfg["retry_after"] is not None:
                headers = {"Retry-After": str(cfg["retry_after"])}
            return error_response(fail_status, f"injected fault ({fail_status})", headers)

        hostile = cfg["replies"].get(key)
        if hostile is not None:
            return await self._hostile(request, hostile, key, chat)

        reply = cfg["answers"].get(key, key)
        if cfg["echo_headers"]:  # a server that reflects request headers into its answer
            echoed = {name: request.headers.get(name) for name in cfg["echo_headers"]}
            reply = f"{reply} {json.dumps(echoed)}"
        finish = "stop"
        # newer OpenAI clients send max_completion_tokens instead
        max_tokens = body.get("max_tokens", body.get("max_completion_tokens"))
        if isinstance(max_tokens, int) and max_tokens >= 0:
            words = reply.split()
            if len(words) > max_tokens:
                reply, finish = " ".join(words[:max_tokens]), "length"

        n = body.get("n") or 1
        if chat:
            prefix, obj = "chatcmpl-", "chat.completion"
            choices = [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": reply},
                    "logprobs": None,
                    "finish_reason": finish,
                }
                for i in range(n)
            ]
        else:
            prefix, obj = "cmpl-", "text_completion"
            choices = [
                {"index": i, "text": reply, "logprobs": None, "finish_reason": finish}
                for i in range(n)
            ]
        completion_tokens = _words(reply) * n
        return web.json_response(
            {
                "id": prefix + uuid.uuid4().hex[:24],
                "object": obj,
                "created": int(time.time()),
                "model": cfg["model_id"] or body.get("model") or "fake-model",
                "choices": choices,
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
        )

    async def _hostile(self, request: web.Request, spec: dict, key: str,
                       chat: bool) -> web.StreamResponse:
        """A reply built to break clients: wrong types, huge or endless bodies, slow answers."""
        if spec.get("delay"):
            await asyncio.sleep(spec["delay"])
        if spec.get("stream_mb"):
            response = web.StreamResponse(headers={"Content-Type": "application/json"})
            response.enable_chunked_encoding()
            await response.prepare(request)
            chunk = b'{"pad": "' + b"x" * (2**16 - 9)
            try:
                for _ in range(int(spec["stream_mb"] * 16)):
                    await response.write(chunk)
                    self.sent_bytes[key] += len(chunk)
            except (ConnectionError, RuntimeError):  # the client hung up: what we wanted
                pass
            return response
        content = spec.get("content", key)
        choice: dict[str, Any] = {"index": 0, "finish_reason": "stop"}
        if chat:
            choice["message"] = {"role": "assistant", "content": content}
        else:
            choice["text"] = content
        body: dict[str, Any] = {
            "id": "chatcmpl-hostile", "object": "chat.completion", "created": int(time.time()),
            "model": self.config["model_id"] or "fake-model", "choices": [choice],
            "usage": spec.get("usage", {"prompt_tokens": 1, "completion_tokens": 1}),
        }
        if spec.get("pad_bytes"):
            body["pad"] = "x" * int(spec["pad_bytes"])
        return web.json_response(body)

    async def _models(self, request: web.Request) -> web.Response:
        model = self.config["model_id"] or "fake-model"
        return web.json_response(
            {
                "object": "list",
                "data": [
                    {"id": model, "object": "model", "created": 0, "owned_by": "evalkit-tests"}
                ],
            }
        )

    # ---- control endpoints ----------------------------------------------

    async def _config(self, request: web.Request) -> web.Response:
        try:
            update = await request.json()
        except ValueError as exc:
            return error_response(400, f"invalid JSON body: {exc}")
        if not isinstance(update, dict):
            return error_response(400, "config must be a JSON object")
        update = dict(update)
        if "seed" in update:
            self.rng.seed(update.pop("seed"))
        unknown = set(update) - set(DEFAULTS)
        unknown |= {k for spec in (update.get("replies") or {}).values() for k in spec
                    if k not in HOSTILE_KEYS}
        if unknown:  # catch typos in tests early instead of silently ignoring
            return error_response(400, f"unknown config keys: {sorted(unknown)}")
        self.config.update(update)
        return web.json_response(self.config)

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response(self.stats())


async def _main(port: int, latency: float, seed: int) -> None:
    server = FakeOpenAI(latency=latency, seed=seed)
    # access_log=None: per-request logging would cost more than the handler.
    # Short shutdown_timeout: don't wait for hanging (timeout_rate) requests.
    runner = web.AppRunner(server.app(), access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    bound = runner.addresses[0][1]
    print(f"PORT {bound}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="OpenAI-compatible fake server (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault-injection RNG")
    args = parser.parse_args(argv)
    asyncio.run(_main(args.port, args.latency, args.seed))


# ---- test helper ----------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[2]
# No proxies: control calls go straight to 127.0.0.1 whatever the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerHandle:
    """A running server subprocess, as yielded by :func:`serve`."""

    def __init__(self, proc: subprocess.Popen, port: int) -> None:
        self.proc = proc
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.url}/v1"

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with _opener.open(req, timeout=10) as resp:
            return json.loads(resp.read())

    def config(self, **kw: Any) -> dict:
        return self._call("POST", "/_config", kw)

    def stats(self) -> dict:
        return self._call("GET", "/_stats")

    def reset(self) -> dict:
        return self._call("POST", "/_reset", {})


@contextlib.contextmanager
def serve(latency: float = 0.0, seed: int = 0, **config: Any) -> Iterator[ServerHandle]:
    """Start the server in a subprocess, apply ``config``, yield a handle."""
    cmd = [sys.executable, "-m", "tests.support.openai_server", "--port", "0",
           "--latency", str(latency), "--seed", str(seed)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        # readline() blocks, so read in a thread to be able to time out.
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=20)
        except queue.Empty:
            raise RuntimeError("fake OpenAI server did not report its port within 20 s") from None
        if not line.startswith("PORT "):
            raise RuntimeError(f"fake OpenAI server failed to start (exit {proc.poll()}): {line!r}")
        handle = ServerHandle(proc, int(line.split()[1]))
        if config:
            handle.config(**config)
        yield handle
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


if __name__ == "__main__":
    main()
