"""The native backend's CPU per call, by transport: evalkit's HTTP/1.1 client (direct calls)
against aiohttp (what proxied calls use, and what every call used before).

One process, the test server in a background thread (10 ms latency); N calls of
`OpenAICompatBackend.generate` with 32 in flight; the event loop thread's CPU clock
(RUSAGE_THREAD) divided by N, so the server's CPU is left out. Median of REPEATS, runs
alternating.

    python benchmarks/bench_http1.py [N] [REPEATS]
"""
from __future__ import annotations

import asyncio
import resource
import statistics
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from evalkit.backends.base import BackendEnv  # noqa: E402
from evalkit.backends.openai_compat import OpenAICompatBackend, OpenAIOptions  # noqa: E402
from evalkit.backends.proxied import ProxiedClient  # noqa: E402
from evalkit.types import Call, Case, Message, Request  # noqa: E402
from tests.support.openai_server import serve  # noqa: E402


def thread_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


async def calls(base_url: str, n: int, transport: str) -> float:
    """Main-thread CPU seconds per call for n calls."""
    backend = OpenAICompatBackend("bench-model", OpenAIOptions(api_base=base_url, api_key="sk-b"),
                                  BackendEnv(cwd=Path(".")))
    await backend.start()
    if transport == "aiohttp":
        await backend._client.close()
        backend._client = ProxiedClient()  # the proxied path's client, here without a proxy
    todo = iter([Call(Case(f"c{i}", {}), 0, Request(messages=(Message("user", f"prompt {i}"),)),
                      {"temperature": 0}) for i in range(n)])

    async def worker():
        for call in todo:
            reply = await backend.generate(call)
            assert reply.text == call.request.messages[0].content, reply

    started = thread_cpu()
    await asyncio.gather(*(worker() for _ in range(32)))
    spent = thread_cpu() - started
    await backend.close()
    return spent / n


def main(n: int = 2000, repeats: int = 5) -> None:
    samples: dict[str, list[float]] = {"http1 (direct calls)": [], "aiohttp": []}
    with serve(latency=0.01) as srv:
        asyncio.run(calls(srv.base_url, 64, "aiohttp"))  # warm-up: imports, first connections
        for _ in range(repeats):
            for name in samples:
                samples[name].append(asyncio.run(calls(srv.base_url, n, name.split()[0])))
    print(f"N={n}, 32 in flight, median of {repeats}\n")
    print("| transport | event-loop CPU per call ms | every sample |")
    print("|---|---|---|")
    for name, values in samples.items():
        shown = ", ".join(f"{v * 1000:.3f}" for v in values)
        print(f"| {name} | {statistics.median(values) * 1000:.3f} | {shown} |")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
