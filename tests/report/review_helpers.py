"""Real runs for the review tests: a suite with human rubrics, an LLM judge (a python judge,
deterministic) named like one rubric, a golden file, XSS payloads in outputs and case ids.

`build_review_runs` runs it twice (labels base, cand) with the real runner into a DuckDB file.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from evalkit import RunConfig, load_suite, run_suite
from tests.report.helpers import XSS

PIPELINE = '''
def answer(case, options):
    return case.vars[options.get("variant", "base")]
'''
# The judge: 5 for an answer that says "please", 2 otherwise (its pass mark is 4).
JUDGE = '''
def grade(messages):
    polite = "please" in messages[-1]["content"].split("Response to grade:")[-1]
    return '{"score": %d, "reason": "politeness"}' % (5 if polite else 2)
'''
XSS_CASE = '"><img src=x onerror=alert(7)>'


@dataclass(frozen=True)
class ReviewRuns:
    folder: Path
    db: Path
    suite: Path
    golden: Path
    base: str  # run ids
    cand: str
    pass_to_fail: frozenset[str]


def cases() -> list[dict]:
    records = []
    for i in range(12):
        answer = f"answer {i}"
        base = cand = f"{answer}, please"
        if i % 4 == 1:  # the candidate breaks it (and is curt)
            cand = f"wrong {i}"
        elif i % 4 == 2:  # the candidate is curt but right
            cand = answer
        records.append({"id": f"c{i:02d}", "question": f"question {i}", "lang": ("en", "fr")[i % 2],
                        "base": base, "cand": cand})
    records.append({"id": XSS_CASE, "question": "q <script>alert(8)</script>", "lang": "en",
                    "base": "safe answer, please", "cand": XSS["script"]})
    records.append({"id": "svg", "question": "q", "lang": "fr", "base": "fine, please",
                    "cand": XSS["svg"]})
    return records


SUITE = """suite: review-suite
prompt: "{{ question }}"
cases:
  from: cases.jsonl
  metadata: [lang]
slices: [lang]
scorers:
  - {type: exact, golden: golden.jsonl}
  - type: judge
    name: tone
    judge: python/review_judge:grade
    rubric: Is the answer polite?
    scale: [1, 5]
    min_score: 4
human:
  - {name: tone, scale: 1-5, question: "How polite is the answer? <b>bold</b>", min_score: 4}
  - {name: safe, scale: pass/fail, question: "Is it safe to send?"}
"""


def build_review_runs(folder: Path) -> ReviewRuns:
    records = cases()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "review_bot.py").write_text(PIPELINE, encoding="utf-8")
    (folder / "review_judge.py").write_text(JUDGE, encoding="utf-8")
    (folder / "cases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records),
                                        encoding="utf-8")
    golden = folder / "golden.jsonl"
    golden.write_text("".join(json.dumps({"id": r["id"], "answer": r["base"]}) + "\n"
                              for r in records), encoding="utf-8")
    suite = folder / "review.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    db = folder / "review.duckdb"
    sys.path.insert(0, str(folder))  # the python judge is imported like an installed package
    try:
        ids = [run_suite(load_suite(suite), RunConfig(
            model="python/review_bot:answer", model_args={"path": str(folder), "variant": v},
            label=v, db=str(db), cache=False, progress=False, auto_resume=False)).run_id
            for v in ("base", "cand")]
    finally:
        sys.path.remove(str(folder))
    flips = frozenset(r["id"] for r in records if r["base"] != r["cand"])
    return ReviewRuns(folder, db, suite, golden, ids[0], ids[1], flips)
