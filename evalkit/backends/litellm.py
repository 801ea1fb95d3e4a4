"""Any provider litellm knows (`litellm/anthropic/claude-...`, `litellm/bedrock/...`).

`litellm/openai/...` goes through evalkit's native OpenAI-compatible client (same
requests, much less overhead) unless `-M via=litellm`. litellm is imported only when
a model needs it, with its price map read locally (no network fetch at import).
"""
from __future__ import annotations

import os
import time
from typing import Any, Literal

from pydantic import ConfigDict, Field, SecretStr

from ..errors import MissingExtraError
from ..redact import redact
from ..types import Call, Completion, sha256_hex
from .base import (
    RETRYABLE_STATUS,
    Backend,
    BackendOptions,
    TransientError,
    parse_retry_after,
)
from .openai_compat import (
    OpenAICompatBackend,
    OpenAIOptions,
    json_schema_format,
    resolve_api_base,
)
from .redirects import RedirectPolicy


class LiteLLMOptions(BackendOptions):
    # Providers take many arguments of their own: unknown keys pass through to litellm.
    model_config = ConfigDict(extra="allow", frozen=True)
    api_base: str | None = None
    api_key: SecretStr | None = Field(None, description="never stored; or the provider's env var")
    via: Literal["auto", "litellm"] = Field(
        "auto", description="auto: openai/* models use evalkit's native client")
    follow_redirects: RedirectPolicy = Field(
        "none", description="none: a redirect is an error on the case; same-host (native "
                            "client only): follow 307/308 within the same host")


def import_litellm():
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch at import
    try:
        import litellm
    except ImportError:
        raise MissingExtraError("litellm", "litellm", "the litellm backend") from None
    litellm.suppress_debug_info = True
    litellm.telemetry = False
    litellm.drop_params = True
    return litellm


class LiteLLMBackend(Backend):
    """Any provider litellm supports; openai/* models take the native fast path."""
    Options = LiteLLMOptions
    default_concurrency = 16

    def __init__(self, model, options, env):
        super().__init__(model, options, env)
        provider, _, name = model.partition("/")
        self._native: OpenAICompatBackend | None = None
        if provider == "openai" and name and options.via == "auto" and not options.model_extra:
            native_options = OpenAIOptions(api_base=options.api_base, api_key=options.api_key,
                                           follow_redirects=options.follow_redirects)
            self._native = OpenAICompatBackend(name, native_options, env)

    def structured_output(self, schema):
        return {"response_format": json_schema_format(schema)}  # litellm maps it per provider

    def fingerprint(self) -> str:
        provider, _, name = self.model.partition("/")
        if provider == "openai":  # same identity whichever client makes the call
            identity = ("openai-compatible", resolve_api_base(self.options.api_base), name)
            extra = self.options.model_extra
            if not extra:
                return sha256_hex(*identity)
            # `-M` args litellm passes on (temperature, top_p, ...) can change the outputs
            public = self.options.public()  # secret-named args masked
            return sha256_hex(*identity, {key: public[key] for key in extra})
        return sha256_hex("litellm", self.model, self.options.api_base, self.options.model_extra)

    async def start(self) -> None:
        if self._native is not None:
            await self._native.start()
        else:
            self._litellm = import_litellm()
            self._client = self._openai_client()

    def _openai_client(self):
        """For openai/* models through litellm: an OpenAI client that never follows redirects
        (the SDK's default client follows them, custom headers included, to any host).
        Other providers go through litellm's own HTTP client."""
        provider = self.model.partition("/")[0]
        key = (self.options.api_key.get_secret_value() if self.options.api_key
               else os.environ.get("OPENAI_API_KEY"))
        if provider != "openai" or not key:
            return None
        import httpx
        import openai

        return openai.AsyncOpenAI(api_key=key, base_url=resolve_api_base(self.options.api_base),
                                  max_retries=0,  # the runner retries
                                  http_client=httpx.AsyncClient(follow_redirects=False))

    async def close(self) -> None:
        if self._native is not None:
            await self._native.close()
        client, self._client = getattr(self, "_client", None), None
        if client is not None:
            await client.close()

    async def generate(self, call: Call) -> Completion:
        if self._native is not None:
            return await self._native.generate(call)
        return await self._generate_litellm(call)

    def _kwargs(self, call: Call) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"model": self.model, **call.options, **(self.options.model_extra or {})}
        kwargs["num_retries"] = 0  # the runner retries, with backoff and Retry-After
        if self.options.api_base:
            kwargs["api_base"] = self.options.api_base
        if self.options.api_key:
            kwargs["api_key"] = self.options.api_key.get_secret_value()
        if getattr(self, "_client", None) is not None:
            kwargs["client"] = self._client
        return kwargs

    async def _generate_litellm(self, call: Call) -> Completion:
        litellm = self._litellm
        kwargs = self._kwargs(call)
        started = time.perf_counter()
        try:
            if call.request.messages is not None:
                kwargs["messages"] = [{"role": m.role, "content": m.content}
                                      for m in call.request.messages]
                response = await litellm.acompletion(**kwargs)
                text = response.choices[0].message.content
            else:
                response = await litellm.atext_completion(prompt=call.request.prompt, **kwargs)
                text = response.choices[0].text
        except Exception as exc:
            return self._failure(exc, time.perf_counter() - started)
        latency = time.perf_counter() - started
        usage = getattr(response, "usage", None)
        try:
            cost = litellm.completion_cost(completion_response=response)
        except Exception:  # models missing from the price map have no cost
            cost = None
        return Completion(text=text or "", latency_s=latency,
                          tokens_in=getattr(usage, "prompt_tokens", None),
                          tokens_out=getattr(usage, "completion_tokens", None),
                          finish_reason=response.choices[0].finish_reason,
                          model_id=getattr(response, "model", None), cost_usd=cost)

    def _failure(self, exc: Exception, latency: float) -> Completion:
        litellm = self._litellm
        status = getattr(exc, "status_code", None)
        message = redact(f"{type(exc).__name__}: {exc}")[:500]
        transient = (litellm.RateLimitError, litellm.APIConnectionError, litellm.Timeout,
                     litellm.InternalServerError, litellm.ServiceUnavailableError)
        if isinstance(exc, transient) or status in RETRYABLE_STATUS:
            response = getattr(exc, "response", None)
            headers = getattr(response, "headers", None) or {}
            raise TransientError(message, parse_retry_after(headers.get("retry-after")), status)
        return Completion(text=None, error=message, latency_s=latency)
