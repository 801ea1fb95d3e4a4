"""Compare benchmark: the diff of two 100,000-case runs (2 scorers, 2 slice keys).

Setup (not measured): two runs' results and scores written straight into a new DuckDB
file with INSERT … SELECT over range() — the store's own schema and migrations, no runner.
Measured, in one process after a warm-up call: `compare()` end to end, split into the
SQL diff (alignment, classification, aggregates per metric × slice, McNemar, cases /
scores / worst-case tables, operations, manifest) and the resampling (bootstrap intervals
and sign-flip tests, 2,000 resamples each).

    python benchmarks/bench_compare.py [N] [REPEATS] [continuous|binary]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from evalkit.compare import compare
from evalkit.store import Store

RUN = """INSERT INTO runs (run_id, suite, suite_hash, cases_hash, prompt_hash, model_ref, backend,
    options, fingerprint, samples, n_cases, status, started_at, provenance, scorers, slices)
VALUES (?, 'bench', 'h', 'c', 'p', ?, 'python', '{"backend": {}, "generation": {}}', ?, 1, ?,
        'completed', current_timestamp, '{}', '[]', '["lang", "tier"]')"""

# `shift` moves the candidate: a few points of pass rate and of the continuous score.
RESULTS = """INSERT INTO results (run_id, case_id, sample, output, latency_s, tokens_in, tokens_out,
    cost_usd, cached, metadata, passed)
SELECT $run, printf('c%07d', i), 0, 'answer ' || i, 0.2 + (hash(i, $run) % 1000) / 1000.0,
       100, 20 + hash(i, $run) % 30, 0.0001, false,
       json_object('lang', ['en', 'fr', 'de', 'ja'][1 + i % 4], 'tier', ['free', 'pro'][1 + i % 2]),
       (hash(i, 'q') % 100)::INTEGER >= 15 + $shift * (hash(i, $run) % 2)::INTEGER
FROM range($n) t(i)"""

SCORES = """INSERT INTO scores (run_id, case_id, sample, scorer, value, passed)
SELECT run_id, case_id, 0, 'exact', CASE WHEN passed THEN 1.0 ELSE 0.0 END, passed
FROM results WHERE run_id = $run
UNION ALL
SELECT run_id, case_id, 0, 'rouge', v, v >= 0.5 FROM (
    SELECT run_id, case_id, least(1.0, greatest(0.0, (hash(case_id) % 1000) / 1000.0
           - $shift / 100.0 + ((hash(case_id, run_id) % 200)::INTEGER - 100) / 1000.0)) AS v
    FROM results WHERE run_id = $run)"""


def build(path: Path, n: int, continuous: bool = True) -> None:
    with Store(path) as store:
        for run_id, shift in (("base", 0), ("cand", 3)):
            store.query(RUN, [run_id, f"python/{run_id}:answer", run_id, n])
            store.query(RESULTS, {"run": run_id, "n": n, "shift": shift})
            store.query(SCORES, {"run": run_id, "shift": shift})
            if not continuous:  # pass/fail scorers only: McNemar and counts, no index resampling
                store.query("DELETE FROM scores WHERE scorer = 'rouge'")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    continuous = (sys.argv[3] if len(sys.argv) > 3 else "continuous") != "binary"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        started = time.perf_counter()
        build(path, n, continuous)
        print(f"setup: 2 runs × {n:,} cases, {'exact + rouge' if continuous else 'exact only'}:"
              f" {time.perf_counter() - started:.2f} s")
        with Store(path, read_only=True) as store:
            compare(store, "base", "cand")  # warm-up: imports, DuckDB caches
            timings, cpu = [], []
            for _ in range(repeats):
                started = time.process_time()  # all threads (DuckDB's too): robust to load
                diff = compare(store, "base", "cand")
                cpu.append(time.process_time() - started)
                timings.append(diff.timings)
    total = statistics.median(t["total_s"] for t in timings)
    resampling = statistics.median(t["resampling_s"] for t in timings)
    diff_only = statistics.median(t["total_s"] - t["resampling_s"] for t in timings)
    tests = sum(1 for r in diff.metrics if r.p is not None and not r.is_duplicate)
    print(f"metrics × slices: {len(diff.metrics)} rows ({tests} tests); cases table "
          f"{len(diff.cases):,} rows; scores table {len(diff.scores):,} rows")
    print(f"| what | wall, median of {repeats} (s) |\n|---|---|")
    print(f"| diff (SQL: align, classify, aggregate, tables) | {diff_only:.2f} |")
    print(f"| resampling (bootstrap + sign-flip, {diff.policy.compare.resamples} each) | "
          f"{resampling:.2f} |")
    print(f"| slice discovery (inside the total; {diff.slice_search.searched} slices searched, "
          f"{len(diff.slice_search.found)} found) | "
          f"{statistics.median(t['slice_search_s'] for t in timings):.2f} |")
    print(f"| compare() total | {total:.2f} |")
    print(f"| compare() total, CPU time (all threads) | {statistics.median(cpu):.2f} |")
    print("verdicts:", diff.row().verdict,
          diff.row("rouge", "mean").verdict if continuous else "")


if __name__ == "__main__":
    main()
