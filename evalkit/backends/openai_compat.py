"""Native async client for OpenAI-compatible endpoints (OpenAI, vLLM and llama.cpp servers,
Ollama, most hosted open-model APIs).

litellm covers every provider but costs seconds to import and milliseconds of CPU per
call; this fast path is one aiohttp session (one shared connection pool) per model.
`litellm/openai/...` models use it unless `-M via=litellm`.
"""
from __future__ import annotations

import os
import time
from typing import Any

from pydantic import Field, SecretStr

from ..errors import MissingExtraError
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
from .costs import call_cost
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
        self._session = None

    def fingerprint(self) -> str:
        # Same identity as the litellm path for the same endpoint and model.
        from ..types import sha256_hex
        extra = {"organization": self.options.organization, "headers": sorted(self.options.headers)}
        return sha256_hex("openai-compatible", self.api_base, self.model,
                          *([extra] if self.options.organization or self.options.headers else []))

    async def start(self) -> None:
        try:
            import aiohttp
        except ImportError:  # pragma: no cover - aiohttp is a core dependency
            raise MissingExtraError("aiohttp", "all", "the OpenAI-compatible backend") from None
        from urllib.request import getproxies  # here: aiohttp imports it anyway (~40 ms)
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
        # trust_env: HTTP(S)_PROXY and NO_PROXY apply, as they do through litellm and httpx.
        # Only when a proxy is set: aiohttp then reads the environment (and ~/.netrc) on every
        # request, which doubled the CPU of a call without any proxy in sight.
        self._session = aiohttp.ClientSession(connector=connector, headers=self._headers,
                                              timeout=aiohttp.ClientTimeout(total=None),
                                              trust_env=bool(getproxies()))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

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
        import aiohttp

        path, body = self._payload(call)
        started = time.perf_counter()
        try:
            async with redirects.post(self._session, endpoint(self.api_base, path), body,
                                      self.options.follow_redirects) as response:
                status = response.status
                text, too_large = await _read_capped(response, int(self.options.max_reply_mb * 2**20))
                retry_after = response.headers.get("Retry-After")
        except redirects.RedirectRefused as exc:  # an error on the case, never retried or cached
            return Completion(text=None, error=redact(str(exc)),
                              latency_s=time.perf_counter() - started)
        except (aiohttp.ClientError, OSError) as exc:
            raise TransientError(f"connection error: {redact(str(exc)) or type(exc).__name__}") from None
        latency = time.perf_counter() - started
        if too_large:
            return Completion(text=None, error=too_large, latency_s=latency)
        if status != 200:
            message = f"HTTP {status}: {redact(_error_message(text))}"
            if status in RETRYABLE_STATUS:
                raise TransientError(message, parse_retry_after(retry_after), status)
            return Completion(text=None, error=message, latency_s=latency)
        return self._completion(text, latency, chat=call.request.messages is not None)

    def _completion(self, raw: str, latency: float, chat: bool) -> Completion:
        import json

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
                          cost_usd=call_cost(self.model, tokens_in, tokens_out, "openai"))


async def _read_capped(response, limit: int) -> tuple[str, str | None]:
    """(the body as text, None), or ("", why) when it is over `limit` bytes: a reply's size is
    untrusted, so the rest of a large one is never read."""
    hint = "raise the limit with -M max_reply_mb=..."
    declared = response.content_length
    if declared is not None and declared > limit:
        return "", f"reply too large: {declared:,} bytes declared, over the limit of {limit:,}; {hint}"
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(2**16):
        size += len(chunk)
        if size > limit:
            return "", f"reply too large: over the limit of {limit:,} bytes (not read further); {hint}"
        chunks.append(chunk)
    return b"".join(chunks).decode(response.charset or "utf-8", errors="replace"), None


def _error_message(body: str) -> str:
    import json

    try:
        error = json.loads(body).get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
    except (ValueError, AttributeError):
        pass
    return body[:300]
