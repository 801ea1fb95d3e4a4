"""Human review benchmark: export a page, import ratings, agreement, and what review data
adds to a comparison, on two runs of 10,000 cases (bench_report.py's setup).

Measured, after a warm-up call: `collect` + `pick` + `render_review` of a 2,000-output page
(the most one page holds) and its size; `import_reviews` of 3 reviewers × 10,000 ratings
(two rubrics, the candidate's outputs; 1,000 outputs rated by all three); `rubric_agreement`
over them; `compare()` before any review data and after the ratings plus 200 adjudications
(the cost the human scores and the waivers add).

    python benchmarks/bench_review.py [N] [REPEATS]
"""
from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.bench_report import build  # noqa: E402
from evalkit.compare import compare  # noqa: E402
from evalkit.compare.human_agreement import rubric_agreement  # noqa: E402
from evalkit.report.review_import import import_reviews  # noqa: E402
from evalkit.report.review_items import collect, pick  # noqa: E402
from evalkit.report.review_page import ReviewPage, case_ref, render_review  # noqa: E402
from evalkit.store import Store  # noqa: E402
from evalkit.suite.human_spec import HumanRubric  # noqa: E402

RUBRICS = (HumanRubric(name="tone", scale="1-5", question="polite?"),
           HumanRubric(name="safe", scale="pass/fail", question="safe?"))


def timed(fn, repeats: int) -> tuple[float, object]:
    fn()  # warm-up
    times, value = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def review_files(folder: Path, n: int) -> list[Path]:
    rng, files = random.Random(0), []
    for index, reviewer in enumerate(("ann", "ben", "cat")):
        cases = [f"c{i:06d}" for i in range(n)]
        mine = cases[:1000] + cases[1000 + index * (n - 1000) // 3:1000 + (index + 1) * (n - 1000) // 3]
        ratings = [{"run_id": "cand", "case_ref": case_ref(c), "sample": 0, "rubric": r,
                    "score": rng.randint(1, 5) if r == "tone" else rng.randint(0, 1),
                    "comment": "fine" if rng.random() < 0.1 else ""}
                   for c in mine for r in ("tone", "safe")]
        decisions = [{"case_ref": case_ref(c), "sample": 0, "candidate_run": "cand",
                      "baseline_run": "base", "decision": "acceptable", "reason": "ok"}
                     for c in cases[:200]] if index == 0 else []
        path = folder / f"{reviewer}.json"
        path.write_text(json.dumps({"evalkit_review": 1, "review_id": "bench",
                                    "reviewer": reviewer, "rubrics": [r.public() for r in RUBRICS],
                                    "ratings": ratings, "adjudications": decisions}))
        files.append(path)
    return files


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        build(path, n)
        figures = {}
        with Store(path, read_only=True) as store:
            cand, base = store.run("cand"), store.run("base")
            figures["compare(), no review data"], _ = timed(
                lambda: compare(store, "base", "cand"), repeats)

            def page() -> str:
                items = pick(collect(store, cand, base), 2000, "flips")
                return render_review(ReviewPage("bench", cand, base, RUBRICS, tuple(items)))

            figures["review page of 2,000 outputs (collect, pick, render)"], html = timed(
                page, repeats)
        files = review_files(Path(folder), n)
        ratings = sum(len(json.loads(f.read_text())["ratings"]) for f in files)
        with Store(path) as store:
            figures[f"import {ratings:,} ratings + 200 adjudications"], _ = timed(
                lambda: import_reviews(store, files), repeats)
        with Store(path, read_only=True) as store:
            figures["rubric_agreement (2 rubrics, 3 reviewers)"], _ = timed(
                lambda: rubric_agreement(store, ["cand", "base"]), repeats)
            figures["compare(), with the ratings and adjudications"], _ = timed(
                lambda: compare(store, "base", "cand"), repeats)
        print(f"{n:,} cases per run, median of {repeats}:")
        for name, seconds in figures.items():
            print(f"| {name} | {seconds:.2f} s |")
        print(f"| review page size | {len(html.encode()) / 2**20:.2f} MB |")


if __name__ == "__main__":
    main()
