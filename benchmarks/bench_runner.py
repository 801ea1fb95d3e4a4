"""Runner benchmark: 1,000 cases against the test server (100 ms latency, concurrency 32).

Measures, each in its own process, wall and CPU time (start-up, imports and DuckDB
writes included) of:
  - a raw aiohttp client and a raw httpx client making the same calls (baselines),
  - `evalkit run` on the native OpenAI-compatible path (cold: empty cache, new DB),
  - the same command again (cached rerun: must make 0 requests),
  - `evalkit run -M via=litellm --no-cache` (litellm's own client).
Prints a Markdown table; the figures go into benchmarks/RESULTS.md.

    python benchmarks/bench_runner.py [N] [CONCURRENCY] [LATENCY] [REPEATS]
"""
from __future__ import annotations

import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.raw_clients import measure  # noqa: E402
from tests.support.openai_server import serve  # noqa: E402

SUITE = """suite: bench
prompt: "{{ question }}"
cases:
  from: cases.jsonl
  target: answer
scorers:
  - type: exact
"""


def write_suite(folder: Path, n: int) -> Path:
    with (folder / "cases.jsonl").open("w") as handle:
        for i in range(n):
            handle.write(json.dumps({"id": f"c{i}", "question": f"prompt {i}",
                                     "answer": f"prompt {i}"}) + "\n")
    (folder / "bench.yaml").write_text(SUITE)
    return folder / "bench.yaml"


def measure_run(cmd: list[str]) -> dict:
    """Like raw_clients.measure, plus the run's own time as evalkit prints it ("in X s")."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    in_run = float(re.search(r" in ([0-9.]+) s", done.stdout).group(1))
    return {"wall_s": wall, "cpu_s": cpu, "run_s": in_run}


def median_of(repeats: int, run) -> dict:
    samples = [run(i) for i in range(repeats)]
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def main(n: int = 1000, concurrency: int = 32, latency: float = 0.1, repeats: int = 3) -> None:
    ideal = n * latency / concurrency
    work = Path(tempfile.mkdtemp(prefix="evalkit-bench-"))
    suite = write_suite(work, n)
    evalkit = shutil.which("evalkit") or "evalkit"
    rows = {}
    with serve(latency=latency) as srv:
        raw = [sys.executable, str(REPO_ROOT / "benchmarks" / "raw_clients.py")]

        def client(name):
            def run(_):
                srv.reset()
                figures = measure(raw + [name, srv.base_url, str(n), str(concurrency)])
                assert srv.stats()["total"] == n
                return figures
            return run

        rows["raw aiohttp client"] = median_of(repeats, client("aiohttp"))
        rows["raw httpx client"] = median_of(repeats, client("httpx"))

        def evalkit_cmd(db: Path, *extra: str) -> list[str]:
            return [evalkit, "run", str(suite), "--model", "litellm/openai/bench-model",
                    "-M", f"api_base={srv.base_url}", "-M", "api_key=sk-bench", "--db", str(db),
                    "--max-concurrency", str(concurrency), "--no-progress", *extra]

        dbs = []

        def cold(i):
            srv.reset()
            db = work / f"cold-{i}.duckdb"
            dbs.append(db)
            figures = measure_run(evalkit_cmd(db))
            assert srv.stats()["total"] == n, srv.stats()
            return figures

        rows["evalkit run, native path (cold)"] = median_of(repeats, cold)

        def cached(_):
            srv.reset()
            figures = measure_run(evalkit_cmd(dbs[0]))
            assert srv.stats()["total"] == 0, srv.stats()
            return figures

        rows["evalkit run, cached rerun"] = median_of(repeats, cached)

        def litellm_path(_):
            srv.reset()
            figures = measure_run(evalkit_cmd(work / "litellm.duckdb", "-M", "via=litellm",
                                              "--no-cache"))
            assert srv.stats()["total"] == n
            return figures

        rows["evalkit run, litellm path"] = median_of(1, litellm_path)

    aio, hx = rows["raw aiohttp client"], rows["raw httpx client"]
    cold_wall = rows["evalkit run, native path (cold)"]["wall_s"]
    print(f"N={n}, concurrency={concurrency}, latency={latency * 1000:.0f} ms, "
          f"ideal {ideal:.2f} s, median of {repeats} (litellm path: 1)\n")
    print("| what | process wall s | CPU s | run's own time s | wall ÷ ideal | wall ÷ aiohttp "
          "| CPU ÷ httpx |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        run_s = f"{r['run_s']:.2f}" if "run_s" in r else "-"
        print(f"| {name} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {run_s} | "
              f"{r['wall_s'] / ideal:.2f} | {r['wall_s'] / aio['wall_s']:.2f} | "
              f"{r['cpu_s'] / hx['cpu_s']:.2f} |")
    cached = rows["evalkit run, cached rerun"]
    cold = rows["evalkit run, native path (cold)"]
    print(f"\ncached rerun ÷ cold run: whole process {cached['wall_s'] / cold_wall:.1%}, "
          f"the run itself {cached['run_s'] / cold['run_s']:.1%}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    defaults = [1000, 32, 0.1, 3]
    kinds = [int, int, float, int]
    values = [k(a) for k, a in zip(kinds, args)] + defaults[len(args):]
    main(*values)
