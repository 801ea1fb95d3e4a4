"""Native async client for OpenAI-compatible endpoints (OpenAI, vLLM and llama.cpp servers,
Ollama, most hosted open-model APIs).

litellm covers every provider but costs seconds to import and milliseconds of CPU per
call; this fast path is one HTTP client (one keep-alive connection pool) per model: evalkit's
own HTTP/1.1 client (http1.py), or aiohttp when a proxy applies (proxied.py).
`litellm/openai/...` models use it unless `-M via=litellm`.
"""
from __future__ import annotations

import json
import os
import time
from functools import cached_property
from typing import Any

from pydantic import Field, SecretStr

from ..redact import redact
from ..types import Call, Completion
from . import redirects
from .base import (
    RETRYABLE_STATUS,
    Backend,
    BackendOptions,
    TransientError,
    completion_field_problem,
    parse_retry_after,
)
from .costs import priced, unit_prices
from .http1 import MalformedResponse
from .proxied import open_client
from .redirects import RedirectPolicy

DEFAULT_API_BASE = "https://api.openai.com/v1"
DEFAULT_MAX_REPLY_MB = 8.0


class OpenAIOptions(BackendOptions):
    api_base: str | None = Field(None, description="base URL, e.g. http://127.0.0.1:8000/v1; "
                                 "defaults to $OPENAI_BASE_URL or OpenAI's")
    api_key: SecretStr | None = Field(None, description="defaults to $OPENAI_API_KEY; never stored")
    organization: str | None = None
    headers: dict[str, SecretStr] = Field(default_factory=dict, description="extra HTTP headers "
                                          "(their values are secrets: masked everywhere)")
    max_reply_mb: float = Field(DEFAULT_MAX_REPLY_MB, gt=0, le=1024, description=(
        "largest reply body read, in MB; a larger one is an error on its case"))
    follow_redirects: RedirectPolicy = Field(
        "none", description="none: a redirect is an error on the case; same-host: follow "
                            "307/308 within the same scheme, host and port")


def json_schema_format(schema) -> dict[str, Any]:
    """OpenAI's `response_format` asking for JSON in `schema`'s shape (vLLM's and llama.cpp's
    servers take the same form). Strict: the schema must stay in the subset OpenAI enforces
    (every property required, no extra properties, no length or range bounds)."""
    return {"type": "json_schema", "json_schema": {"name": "verdict", "strict": True,
                                                   "schema": dict(schema)}}


def resolve_api_base(api_base: str | None) -> str:
    base = api_base or os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE")
    return (base or DEFAULT_API_BASE).rstrip("/")


def endpoint(api_base: str, path: str) -> str:
    """api_base + path, with a query string in api_base (`?api-version=`, `?api-key=`) kept
    after the path."""
    base, sep, query = api_base.partition("?")
    return base.rstrip("/") + path + sep + query


class OpenAICompatBackend(Backend):
    """Any OpenAI-compatible HTTP endpoint, through evalkit's native async client."""
    Options = OpenAIOptions
    default_concurrency = 16

    def __init__(self, model, options, env):
        super().__init__(model, options, env)
        self.api_base = resolve_api_base(options.api_base)
        key = options.api_key.get_secret_value() if options.api_key else os.environ.get("OPENAI_API_KEY")
        self._headers = {"Content-Type": "application/json"}
        if key:
            self._headers["Authorization"] = f"Bearer {key}"
        if options.organization:
            self._headers["OpenAI-Organization"] = options.organization
        self._headers.update({k: v.get_secret_value() for k, v in options.headers.items()})
        self._urls = {path: endpoint(self.api_base, path) for path in ("/chat/completions",
                                                                        "/completions")}
        self._max_body = int(options.max_reply_mb * 2**20)
        self._client = None

    def fingerprint(self) -> str:
        # Same identity as the litellm path for the same endpoint and model.
        from ..types import sha256_hex
        extra = {"organization": self.options.organization, "headers": sorted(self.options.headers)}
        return sha256_hex("openai-compatible", self.api_base, self.model,
                          *([extra] if self.options.organization or self.options.headers else []))

    async def start(self) -> None:
        self._client = open_client(self.api_base)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def structured_output(self, schema):
        return {"response_format": json_schema_format(schema)}

    def _payload(self, call: Call) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {**call.options, "model": self.model}  # the model reports name
        if call.request.messages is not None:
            body["messages"] = [{"role": m.role, "content": m.content} for m in call.request.messages]
            return "/chat/completions", body
        body["prompt"] = call.request.prompt
        return "/completions", body

    async def generate(self, call: Call) -> Completion:
        path, body = self._payload(call)
        data = json.dumps(body).encode()  # (no arguments: json's cached encoder)
        started = time.perf_counter()
        try:
            response = await redirects.post(self._client, self._urls[path], data, self._headers,
                                             self._max_body, self.options.follow_redirects)
        except redirects.RedirectRefused as exc:  # an error on the case, never retried or cached
            return Completion(text=None, error=redact(str(exc)),
                              latency_s=time.perf_counter() - started)
        except MalformedResponse as exc:  # not HTTP: an error on the case
            return Completion(text=None, error=f"malformed response: {redact(str(exc))}",
                              latency_s=time.perf_counter() - started)
        except OSError as exc:  # http1.ConnectionFailed, and the OS's own
            raise TransientError(f"connection error: {redact(str(exc)) or type(exc).__name__}") from None
        latency = time.perf_counter() - started
        if response.too_large:
            return Completion(text=None, latency_s=latency, error=(
                f"reply too large: {response.too_large}; raise the limit with -M max_reply_mb=..."))
        text = _decode(response.body, response.charset)
        status = response.status
        if status != 200:
            message = f"HTTP {status}: {redact(_error_message(text))}"
            if status in RETRYABLE_STATUS:
                raise TransientError(message, parse_retry_after(response.headers.get("Retry-After")),
                                     status)
            return Completion(text=None, error=message, latency_s=latency)
        return self._completion(text, latency, chat=call.request.messages is not None)

    def _completion(self, raw: str, latency: float, chat: bool) -> Completion:
        try:
            data = json.loads(raw)
            choice = data["choices"][0]
            text = choice["message"]["content"] if chat else choice["text"]
            usage = data.get("usage") or {}
            tokens_in, tokens_out = usage.get("prompt_tokens"), usage.get("completion_tokens")
            model_id, finish = data.get("model") or self.model, choice.get("finish_reason")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            return Completion(text=None, error=f"malformed response: {redact(raw[:200])!r}",
                              latency_s=latency)
        # Everything the server sent is checked before it goes anywhere (masking, the store).
        problem = (f"'content' must be a string, got {type(text).__name__}"
                   if text is not None and not isinstance(text, str) else completion_field_problem(
                       {"tokens_in": tokens_in, "tokens_out": tokens_out, "model_id": model_id,
                        "finish_reason": finish}))
        if problem:
            return Completion(text=None, error=f"malformed response: {problem}", latency_s=latency)
        return Completion(text=text or "", latency_s=latency, tokens_in=tokens_in,
                          tokens_out=tokens_out, finish_reason=finish, model_id=model_id,
                          cost_usd=self._cost(tokens_in, tokens_out))

    @cached_property
    def _prices(self) -> tuple[float, float] | None:
        return unit_prices(self.model, "openai")  # once per backend, not per call

    def _cost(self, tokens_in: int | None, tokens_out: int | None) -> float | None:
        return priced(self._prices, tokens_in, tokens_out)


def _decode(body: bytes, charset: str | None) -> str:
    """The body as text: its declared charset (UTF-8 when none or an unknown one), bad bytes
    replaced."""
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _error_message(body: str) -> str:
    try:
        error = json.loads(body).get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
    except (ValueError, AttributeError):
        pass
    return body[:300]
