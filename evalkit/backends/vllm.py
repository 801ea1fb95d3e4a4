"""vLLM's offline engine, in process: `vllm/<folder-or-hub-id>` (extra `vllm`, a CUDA GPU).

The runner hands up to `batch_size` calls to `generate_batch`; they go to vLLM in one
`generate` (raw prompts) and one `chat` (messages) call, each request with its own
SamplingParams (and so its own seed), and vLLM schedules them itself.

To evaluate a model that vLLM serves elsewhere, use its OpenAI-compatible server and the
`litellm/openai/...` backend instead (docs/local-models.md).
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from ..errors import MissingExtraError, UsageError
from ..types import Call, Completion, sha256_hex
from .local import (
    STANDARD,
    BatchEngineBackend,
    LocalOptions,
    check_options,
    effective_seed,
    local_path,
    max_tokens,
    messages_json,
    require_modules,
    stop_list,
    temperature,
)
from .weights import folder_hashes, hub_commit, package_version

EXTRA_SAMPLING = ("presence_penalty", "frequency_penalty", "repetition_penalty", "min_p")
GUIDED_JSON = "guided_json"  # a JSON schema the output must follow (guided decoding)
PERFORMANCE_ONLY = ("batch_size", "gpu_memory_utilization", "enforce_eager",
                    "distributed_executor_backend")


class VLLMOptions(LocalOptions):
    tensor_parallel_size: int = Field(1, ge=1, description="GPUs to shard the model over")
    dtype: str = Field("auto", description="auto, float16, bfloat16, float32")
    gpu_memory_utilization: float = Field(0.9, gt=0, le=1)
    max_model_len: int | None = Field(None, ge=1, description="context length (default: the model's)")
    quantization: str | None = Field(None, description="e.g. awq, gptq, fp8")
    revision: str | None = None
    trust_remote_code: bool = False
    enforce_eager: bool = Field(False, description="no CUDA graphs (less memory, slower)")
    batch_size: int = Field(256, ge=1, description="calls handed to vLLM at once")
    distributed_executor_backend: Literal["ray", "mp"] | None = Field(
        None, description="how vLLM runs tensor-parallel workers (default: vLLM's choice; "
        "--executor ray sets ray for a replica spanning several GPUs)")


@dataclass(frozen=True)
class VLLMRequest:
    """One call as vLLM takes it: a raw prompt or a conversation, and SamplingParams kwargs."""

    kind: str  # "generate" | "chat"
    prompt: str | None
    messages: list[dict[str, str]] | None
    sampling: dict[str, Any]


def to_vllm_request(call: Call, options: VLLMOptions) -> VLLMRequest:
    """Map an evalkit call to vLLM's terms (pure: tested without vLLM installed)."""
    check_options(call.options, STANDARD + EXTRA_SAMPLING + (GUIDED_JSON,), "vllm")
    sampling: dict[str, Any] = {
        "temperature": temperature(call),
        "max_tokens": max_tokens(call, options.default_length),
        "seed": effective_seed(call, options.seed),
    }
    stop = stop_list(call)
    if stop:
        sampling["stop"] = stop
    for key in ("top_p", "top_k") + EXTRA_SAMPLING:
        if call.options.get(key) is not None:
            sampling[key] = call.options[key]
    if call.options.get(GUIDED_JSON) is not None:  # made into vLLM's params in _run_batch
        sampling[GUIDED_JSON] = dict(call.options[GUIDED_JSON])
    if call.request.messages is not None and not options.raw:
        return VLLMRequest("chat", None, messages_json(call), sampling)
    return VLLMRequest("generate", call.request.text(), None, sampling)


def guided_params(schema: dict[str, Any]) -> dict[str, Any]:
    """SamplingParams keywords for JSON-schema guided decoding: `structured_outputs` since
    vLLM 0.10.2, `guided_decoding` before (removed in later releases)."""
    from vllm import sampling_params

    if hasattr(sampling_params, "StructuredOutputsParams"):
        return {"structured_outputs": sampling_params.StructuredOutputsParams(json=schema)}
    return {"guided_decoding": sampling_params.GuidedDecodingParams(json=schema)}


class VLLMBackend(BatchEngineBackend):
    """vLLM's offline engine on a GPU, batched."""
    Options = VLLMOptions
    default_concurrency = 1  # one engine; vLLM schedules the batch itself

    def __init__(self, model, options, env):
        super().__init__(model, options, env)
        require_modules("vllm", "the vllm backend", {"vllm": "vllm"})
        self.batch_size = options.batch_size
        path = local_path(model, env.cwd)
        if path is None and model.startswith((".", "/", "~")):
            raise UsageError(f"vllm: no model folder at '{model}' (relative to {env.cwd})")
        self.folder = path.resolve() if path is not None else None
        self._llm: Any = None
        self._sampling_params: Any = None

    def fingerprint(self) -> str:
        identity = (folder_hashes(self.folder) if self.folder is not None
                    else hub_commit(self.model, self.options.revision))
        options = {k: v for k, v in self.options.public().items() if k not in PERFORMANCE_ONLY}
        return sha256_hex("vllm", identity, options, package_version("vllm"))

    async def start(self) -> None:
        try:
            import vllm
        except ImportError:
            raise MissingExtraError("vllm", "vllm", "the vllm backend") from None
        o = self.options
        self._sampling_params = vllm.SamplingParams
        self._llm = await asyncio.to_thread(
            vllm.LLM, model=str(self.folder or self.model), revision=o.revision, dtype=o.dtype,
            tensor_parallel_size=o.tensor_parallel_size, seed=o.seed,
            gpu_memory_utilization=o.gpu_memory_utilization, max_model_len=o.max_model_len,
            quantization=o.quantization, trust_remote_code=o.trust_remote_code,
            enforce_eager=o.enforce_eager,
            **({"distributed_executor_backend": o.distributed_executor_backend}
               if o.distributed_executor_backend else {}))

    async def close(self) -> None:
        self._llm = None

    def structured_output(self, schema):
        return {GUIDED_JSON: dict(schema)}

    def _params(self, sampling: dict[str, Any]) -> Any:
        sampling = dict(sampling)
        schema = sampling.pop(GUIDED_JSON, None)
        if schema is not None:
            sampling.update(guided_params(schema))
        return self._sampling_params(**sampling)

    def _run_batch(self, calls: Sequence[Call]) -> list[Completion]:
        results: list[Completion | None] = [None] * len(calls)
        kinds: dict[str, list[tuple[int, VLLMRequest]]] = {"generate": [], "chat": []}
        for index, call in enumerate(calls):
            try:
                request = to_vllm_request(call, self.options)
            except ValueError as exc:
                results[index] = Completion(text=None, error=f"UnsupportedOption: {exc}")
                continue
            kinds[request.kind].append((index, request))
        for kind, members in kinds.items():
            if not members:
                continue
            params = [self._params(r.sampling) for _, r in members]
            started = time.perf_counter()
            if kind == "chat":
                outputs = self._llm.chat([r.messages for _, r in members], params, use_tqdm=False)
            else:
                outputs = self._llm.generate([r.prompt for _, r in members], params, use_tqdm=False)
            latency = time.perf_counter() - started
            for (index, _), output in zip(members, outputs):
                best = output.outputs[0]
                results[index] = Completion(
                    text=best.text, latency_s=latency, tokens_in=len(output.prompt_token_ids or ()),
                    tokens_out=len(best.token_ids), finish_reason=best.finish_reason,
                    model_id=self.model)
        return results  # type: ignore[return-value]
