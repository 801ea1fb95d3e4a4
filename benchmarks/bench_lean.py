"""What one evalkit process costs (every CI shard pays it), side by side with a raw aiohttp
client in the same session: N loopback calls against the test server, each in a fresh process.

  - launch → first request: from just before the process is started to the server's receipt
    of its first request (interpreter start-up, imports, suite load, DuckDB open, first call);
  - CPU per call: (user + sys CPU of an N-call run − that of a 1-call run) ÷ (N − 1), so
    start-up is left out and DuckDB writes, scoring and the writer thread are in;
  - peak RSS of the N-call run (ru_maxrss of that child, from wait4).

Runs alternate raw / evalkit; figures are medians of REPEATS. Measure with the bytecode
compiled, as an installed wheel has it (`python -m compileall -q evalkit`, and
PYTHONDONTWRITEBYTECODE unset): otherwise every process compiles evalkit's modules again.

    python benchmarks/bench_lean.py [N] [CONCURRENCY] [LATENCY] [REPEATS]
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.bench_runner import write_suite  # noqa: E402
from tests.support.openai_server import serve  # noqa: E402

TARGETS = {"first_s": 0.35, "cpu_ms": 0.3, "rss_mb": 100.0}


def measure(cmd: list[str], srv, calls: int) -> dict:
    """One process: launch → first request, CPU, peak RSS, wall."""
    srv.reset()
    started = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.time() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    error = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.returncode == 0, error
    stats = srv.stats()
    assert stats["total"] == calls, stats
    return {"first_s": stats["first_at"] - started, "cpu_s": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024, "wall_s": wall}


def main(n: int = 1000, concurrency: int = 32, latency: float = 0.1, repeats: int = 5) -> None:
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set: the children recompile evalkit's modules "
              "every launch (unset it and run `python -m compileall -q evalkit` first)\n")
    work = Path(tempfile.mkdtemp(prefix="evalkit-lean-"))
    suites = {}
    for size in (1, n):
        folder = work / f"n{size}"
        folder.mkdir()
        suites[size] = write_suite(folder, size)
    evalkit = shutil.which("evalkit") or "evalkit"
    samples: dict[str, dict[int, list[dict]]] = {"raw aiohttp client": {1: [], n: []},
                                                 "evalkit run": {1: [], n: []}}
    with serve(latency=latency) as srv:
        def raw(size: int) -> list[str]:
            return [sys.executable, str(REPO_ROOT / "benchmarks" / "raw_clients.py"), "aiohttp",
                    srv.base_url, str(size), str(concurrency)]

        def run(size: int, index: int) -> list[str]:
            return [evalkit, "run", str(suites[size]), "--model", "openai/bench-model",
                    "-M", f"api_base={srv.base_url}", "-M", "api_key=sk-bench",
                    "--db", str(work / f"r{size}-{index}.duckdb"), "--max-concurrency",
                    str(concurrency), "--no-progress"]

        for index in range(repeats):
            for size in (1, n):
                samples["raw aiohttp client"][size].append(measure(raw(size), srv, size))
                samples["evalkit run"][size].append(measure(run(size, index), srv, size))
    shutil.rmtree(work, ignore_errors=True)

    print(f"N={n}, concurrency={concurrency}, latency={latency * 1000:.0f} ms, "
          f"median of {repeats}, each run in a fresh process\n")
    print(f"| what | launch → first request s | CPU per call ms | peak RSS MB (N={n}) "
          f"| CPU s (N={n}) | CPU s (N=1) | wall s (N={n}) |")
    print("|---|---|---|---|---|---|---|")
    rows = {}
    for name, by_size in samples.items():
        big, one = by_size[n], by_size[1]
        per_call = [(b["cpu_s"] - o["cpu_s"]) / (n - 1) * 1000 for b, o in zip(big, one)]
        row = {"first_s": statistics.median(s["first_s"] for s in big + one),
               "cpu_ms": statistics.median(per_call),
               "rss_mb": statistics.median(s["rss_mb"] for s in big),
               "cpu_big": statistics.median(s["cpu_s"] for s in big),
               "cpu_one": statistics.median(s["cpu_s"] for s in one),
               "wall": statistics.median(s["wall_s"] for s in big)}
        rows[name] = row
        print(f"| {name} | {row['first_s']:.3f} | {row['cpu_ms']:.3f} | {row['rss_mb']:.0f} | "
              f"{row['cpu_big']:.2f} | {row['cpu_one']:.2f} | {row['wall']:.2f} |")
    ours = rows["evalkit run"]
    print("\ntargets: " + ", ".join(
        f"{key} ≤ {limit:g}: {'met' if ours[key] <= limit else 'not met'} ({ours[key]:.3g})"
        for key, limit in TARGETS.items()))
    print("every sample (first_s, cpu_s, rss_mb):")
    for name, by_size in samples.items():
        for size, runs in by_size.items():
            print(f"  {name} N={size}: " + "; ".join(
                f"{s['first_s']:.3f}, {s['cpu_s']:.2f}, {s['rss_mb']:.0f}" for s in runs))


if __name__ == "__main__":
    args = sys.argv[1:]
    defaults = [1000, 32, 0.1, 5]
    kinds = [int, int, float, int]
    values = [k(a) for k, a in zip(kinds, args)] + defaults[len(args):]
    main(*values)
