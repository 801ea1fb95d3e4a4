"""Raw baseline clients: N chat completions with bounded concurrency.

These are the floor an eval harness is compared against: one shared
session/client, a pool of ``concurrency`` workers, nothing else.

    python benchmarks/raw_clients.py aiohttp|httpx|http1 BASE_URL N CONCURRENCY
    python benchmarks/raw_clients.py compare [N] [CONCURRENCY] [LATENCY]

The first form runs one client (so it can be timed as its own process); the
second starts the fake OpenAI server (tests/support/openai_server.py) and
measures every client, each in a fresh process. `http1` is evalkit's own HTTP/1.1 client
(evalkit/backends/http1.py, what the native backend uses for direct calls). Each client's
library is imported only by its own run, so its import cost is its own.
"""

from __future__ import annotations

import asyncio
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def _payload(model: str, prompt: str) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": prompt}]}


async def _pool(
    prompts: Sequence[str], concurrency: int, call: Callable[[str], Awaitable[str]]
) -> list[str]:
    """Run ``call`` over prompts with ``concurrency`` workers; keep input order.

    A fixed worker pool (rather than one task per prompt behind a semaphore)
    keeps the number of live tasks at ``concurrency`` whatever N is.
    """
    results: list[str] = [""] * len(prompts)
    todo = iter(range(len(prompts)))

    async def worker() -> None:
        for i in todo:  # shared iterator: each index is taken exactly once
            results[i] = await call(prompts[i])

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(prompts)))))
    return results


async def run_aiohttp(
    base_url: str, prompts: Sequence[str], concurrency: int, model: str = "bench-model"
) -> list[str]:
    """Chat-complete every prompt with one aiohttp session; return reply texts."""
    import aiohttp

    url = base_url.rstrip("/") + "/chat/completions"
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def call(prompt: str) -> str:
            async with session.post(url, json=_payload(model, prompt)) as resp:
                resp.raise_for_status()
                body = await resp.json()
            return body["choices"][0]["message"]["content"]

        return await _pool(prompts, concurrency, call)


async def run_httpx(
    base_url: str, prompts: Sequence[str], concurrency: int, model: str = "bench-model"
) -> list[str]:
    """Chat-complete every prompt with one httpx.AsyncClient; return reply texts."""
    import httpx

    url = base_url.rstrip("/") + "/chat/completions"
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # trust_env=False: never route 127.0.0.1 through an environment proxy.
    async with httpx.AsyncClient(limits=limits, timeout=60, trust_env=False) as client:

        async def call(prompt: str) -> str:
            resp = await client.post(url, json=_payload(model, prompt))
            resp.raise_for_status()
            return resp.json()["choices"][0]["message"]["content"]

        return await _pool(prompts, concurrency, call)


async def run_http1(
    base_url: str, prompts: Sequence[str], concurrency: int, model: str = "bench-model"
) -> list[str]:
    """Chat-complete every prompt with evalkit's HTTP/1.1 client; return reply texts."""
    import json

    sys.path.insert(0, str(REPO_ROOT))
    from evalkit.backends.http1 import HTTP1Client

    url = base_url.rstrip("/") + "/chat/completions"
    client = HTTP1Client()
    headers = {"Content-Type": "application/json"}

    async def call(prompt: str) -> str:
        resp = await client.post(url, json.dumps(_payload(model, prompt)).encode(), headers, 2**23)
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}")
        return json.loads(resp.body)["choices"][0]["message"]["content"]

    try:
        return await _pool(prompts, concurrency, call)
    finally:
        await client.close()


CLIENTS = {"aiohttp": run_aiohttp, "httpx": run_httpx, "http1": run_http1}


def measure(cmd: list[str]) -> dict[str, float]:
    """Run ``cmd`` to completion; return its wall time and user+sys CPU time.

    CPU comes from the RUSAGE_CHILDREN delta, which covers the child (and its
    own waited-for children) once it has been reaped by subprocess.run.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}


def _compare(n: int, concurrency: int, latency: float) -> None:
    sys.path.insert(0, str(REPO_ROOT))  # for tests.support when run as a script
    from tests.support.openai_server import serve

    print(
        f"N={n} concurrency={concurrency} latency={latency}s ideal={n / concurrency * latency:.2f}s wall"
    )
    with serve(latency=latency) as srv:
        for name in CLIENTS:
            srv.reset()
            m = measure([sys.executable, __file__, name, srv.base_url, str(n), str(concurrency)])
            assert srv.stats()["statuses"] == {"200": n}, srv.stats()
            print(f"{name:8s} wall {m['wall_s']:.2f} s  cpu {m['cpu_s']:.2f} s")


def main(argv: list[str]) -> None:
    if argv and argv[0] == "compare":
        given = argv[1:4]
        n, c, lat = given + ["1000", "32", "0.1"][len(given) :]  # defaults for the rest
        _compare(int(n), int(c), float(lat))
        return
    if len(argv) != 4 or argv[0] not in CLIENTS:
        sys.exit(__doc__)
    name, base_url, n, concurrency = argv
    prompts = [f"prompt {i}" for i in range(int(n))]
    replies = asyncio.run(CLIENTS[name](base_url, prompts, int(concurrency)))
    # The server echoes unknown prompts, so this checks every reply arrived
    # and landed in the right slot.
    assert replies == prompts, "replies do not match prompts"
    print(f"{name}: {len(replies)} replies")


if __name__ == "__main__":
    main(sys.argv[1:])
