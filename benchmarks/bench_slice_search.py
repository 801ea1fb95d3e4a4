"""What slice discovery adds to `compare()`: a 2,000-case pair (and larger), timed.

Setup (not measured): benchmarks/bench_compare.py's two runs (scorers `exact` and `rouge`,
declared slices `lang` and `tier`, varying output tokens), with two undeclared metadata
fields added to every case (`topic`: 8 values; `length`: a number 0–999), so the search
has categorical and numeric fields, lengths and combinations to go through. Measured after
a warm-up: `compare()` end to end and its `slice_search_s` part (the query of per-case
features, the membership columns, the tests and the weighted Holm procedure), median of
REPEATS.

    python benchmarks/bench_slice_search.py [N ...] [--repeats 5]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.bench_compare import build  # noqa: E402
from evalkit.compare import compare  # noqa: E402
from evalkit.store import Store  # noqa: E402

MORE_METADATA = """UPDATE results SET metadata = json_merge_patch(metadata, json_object(
    'topic', 't' || (hash(case_id, 'topic') % 8)::VARCHAR,
    'length', (hash(case_id, 'length') % 1000)::INTEGER))"""


def measure(n: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        build(path, n)
        with Store(path) as store:
            store.query(MORE_METADATA)
        with Store(path, read_only=True) as store:
            compare(store, "base", "cand")  # warm-up
            totals, searches = [], []
            for _ in range(repeats):
                started = time.perf_counter()
                diff = compare(store, "base", "cand")
                totals.append(time.perf_counter() - started)
                searches.append(diff.timings["slice_search_s"])
    found = diff.slice_search
    return {"n": n, "total": statistics.median(totals), "search": statistics.median(searches),
            "searched": found.searched, "found": len(found.found), "fields": len(found.fields)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[2000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("| cases | fields | slices searched | found | slice discovery s | compare() total s "
          "| share |\n|-|-|-|-|-|-|-|")
    for n in args.sizes:
        r = measure(n, args.repeats)
        print(f"| {r['n']:,} | {r['fields']} | {r['searched']} | {r['found']} | "
              f"{r['search']:.3f} | {r['total']:.3f} | {r['search'] / r['total']:.0%} |")


if __name__ == "__main__":
    main()
