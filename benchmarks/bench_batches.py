"""What dispatching in batches costs (`--max-calls`, `--sequential`; runner/batches.py): the
same 1,000 cases against the test server (100 ms latency, concurrency 32) streamed as usual,
and in batches of 50 and 200 cases under a cap that never binds. A batch waits for its
slowest call before the next starts, so the workers idle at each batch's end.

    python benchmarks/bench_batches.py [N] [CONCURRENCY] [LATENCY] [REPEATS]

Prints a Markdown table (the run's own time as `evalkit run` prints it, median of REPEATS,
each run a fresh database with --no-cache); the figures go into benchmarks/RESULTS.md.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.bench_runner import measure_run, write_suite  # noqa: E402
from tests.support.openai_server import serve  # noqa: E402


def main() -> None:
    n, concurrency, latency, repeats = (int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
                                        int(sys.argv[2]) if len(sys.argv) > 2 else 32,
                                        float(sys.argv[3]) if len(sys.argv) > 3 else 0.1,
                                        int(sys.argv[4]) if len(sys.argv) > 4 else 3)
    evalkit = str(Path(sys.executable).parent / "evalkit")
    modes = {"streamed (no cap)": [], "batches of 50 (--max-calls, not binding)":
             ["--max-calls", str(10 * n), "--batch-size", "50"],
             "batches of 200": ["--max-calls", str(10 * n), "--batch-size", "200"]}
    rows = []
    with serve(latency=latency) as server, tempfile.TemporaryDirectory() as folder:
        suite = write_suite(Path(folder), n)
        for name, extra in modes.items():
            times = []
            for repeat in range(repeats):
                db = Path(folder) / f"{len(rows)}-{repeat}.duckdb"
                times.append(measure_run([
                    evalkit, "run", str(suite), "-m", "openai/bench", "-M",
                    f"api_base={server.base_url}", "-M", "api_key=sk-bench", "--db", str(db),
                    "--no-cache", "--no-progress", "--max-concurrency", str(concurrency),
                    *extra])["run_s"])
            rows.append((name, statistics.median(times)))
    ideal = n / concurrency * latency
    print(f"{n:,} cases, {latency * 1000:.0f} ms latency, concurrency {concurrency}, "
          f"median of {repeats} (ideal {ideal:.2f} s)\n")
    print("| dispatch | run time | vs streamed |\n|-|-|-|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} s | {seconds / rows[0][1]:.2f}× |")


if __name__ == "__main__":
    main()
