"""Real runs for the report tests.

`build_runs` writes a suite whose cases carry each run's answer (`base_answer`,
`cand_answer`), a Python pipeline that returns the answer of the variant it is told
(`-M variant=base`), and runs it twice with the real runner into a DuckDB file. Outputs,
case ids and slice values include XSS payloads; one output carries an API key and an
e-mail address; scorers disagree on some cases (exact fails, contains passes).
`store_toxicity_runs` writes runs with toxicity scores through the store's bulk path
(detoxify's weights cannot be downloaded in tests).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from evalkit import RunConfig, load_suite, run_suite
from evalkit.store import Store
from evalkit.store.store import utcnow
from evalkit.types import Case, Completion, Request, Result, Score

PIPELINE = '''
def answer(case, options):
    """The recorded answer of this variant; `cost` and `tokens` set the accounting."""
    variant = options.get("variant", "base")
    return {"text": case.vars[variant + "_answer"], "cost_usd": float(options.get("cost", 0.001)),
            "tokens_in": 12, "tokens_out": int(options.get("tokens", 6))}
'''

XSS = {
    "script": "<script>alert(1)</script>",
    "img": "<img src=x onerror=alert(1)>",
    "js-link": '<a href="javascript:alert(1)">javascript:alert(1)</a>',
    "svg": "<svg><script>alert(1)</script></svg>",
    "close": "</script><script>alert(1)</script>",
    "attr": '"><b onmouseover=alert(1)>hover</b>',
}
XSS_IDS = ("</script><script>alert(2)</script>", '"><img src=x onerror=alert(3)>')
XSS_SLICE = "<img src=x onerror=alert(4)>"
SECRET = "sk-" + "A1b2C3d4E5" * 4  # an API-key shape: sk- and 40 characters
EMAIL = "jane.doe@example.com"
N_PLAIN = 60


@dataclass(frozen=True)
class Runs:
    """A database with runs of one suite (read it read-only: the fixture is shared)."""
    db: Path
    suite: Path
    baseline: str | None  # labels
    candidate: str
    case_ids: tuple[str, ...]
    pass_to_fail: frozenset[str]
    fail_to_pass: frozenset[str]
    partial: frozenset[str]  # exact fails, contains passes (in the candidate)


def _cases() -> tuple[list[dict], dict[str, set[str]]]:
    """Cases and which of them flip. Plain ids c000..c059; langs en/fr/de."""
    records, kinds = [], {"pass_to_fail": set(), "fail_to_pass": set(), "partial": set()}
    langs = ("en", "fr", "de")
    for i in range(N_PLAIN):
        case_id, target = f"c{i:03d}", f"answer {i}"
        base = cand = target
        if i % 10 == 3:  # candidate breaks it
            cand = f"a wrong answer about {i}"
            kinds["pass_to_fail"].add(case_id)
        elif i % 20 == 7:  # candidate fixes it
            base = f"no idea about {i}"
            kinds["fail_to_pass"].add(case_id)
        elif i % 10 == 5:  # exact fails, contains passes: a flip for one scorer only
            cand = f"{target}, and some more words"
            kinds["partial"].add(case_id)
            kinds["pass_to_fail"].add(case_id)
        records.append({"id": case_id, "question": f"question {i}", "answer": target,
                        "lang": langs[i % 3], "base_answer": base, "cand_answer": cand})
    for name, payload in XSS.items():  # candidate answers with the payload: pass → fail
        records.append({"id": f"xss-{name}", "question": "q", "answer": "safe",
                        "lang": XSS_SLICE, "base_answer": "safe", "cand_answer": payload})
        kinds["pass_to_fail"].add(f"xss-{name}")
    for i, case_id in enumerate(XSS_IDS):
        records.append({"id": case_id, "question": "q", "answer": "ok", "lang": XSS_SLICE,
                        "base_answer": "ok", "cand_answer": XSS["img"] if i else "ok"})
        if i:
            kinds["pass_to_fail"].add(case_id)
    records.append({"id": "secret", "question": "q", "answer": "no secrets", "lang": "en",
                    "base_answer": "no secrets",
                    "cand_answer": f"the key is {SECRET}, mail {EMAIL} for more"})
    kinds["pass_to_fail"].add("secret")
    long_text = " ".join(f"word{i}" for i in range(2500))  # ~20,000 characters
    records.append({"id": "long", "question": "q", "answer": long_text, "lang": "fr",
                    "base_answer": long_text, "cand_answer": long_text})
    return records, kinds


GATES = """gates:
  - {metric: passed, min: 0.5}
  - {regression: passed}
  - {metric: passed, by: lang, max_gap: 0.5}
  - {max_increase: {cost: 0.5}}
waivers:
  - {case: c013, reason: "flaky upstream, TICKET-7", expires: 2099-12-31}
  - {case: c023, metric: exact, reason: "old ticket", expires: 2020-01-01}
"""


def write_suite(folder: Path, *, gates: bool = True) -> Path:
    records, _ = _cases()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report_pipeline.py").write_text(PIPELINE, encoding="utf-8")
    (folder / "cases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records),
                                        encoding="utf-8")
    suite = folder / "report.yaml"
    suite.write_text(
        'suite: report-suite\nprompt: "{{ question }}"\ncases:\n  from: cases.jsonl\n'
        "  target: answer\n  metadata: [lang]\nslices: [lang]\nscorers:\n  - type: exact\n"
        "  - {type: contains, name: has_answer}\n" + (GATES if gates else ""), encoding="utf-8")
    return suite


def run(suite: Path, db: Path, label: str, **options) -> str:
    summary = run_suite(load_suite(suite), RunConfig(
        model="python/report_pipeline:answer",
        model_args={"path": str(suite.parent), **options}, label=label, db=str(db),
        cache=False, progress=False, auto_resume=False))
    assert summary.status == "completed"
    return summary.run_id


def build_runs(folder: Path, *, single: bool = False) -> Runs:
    """Two runs (labels base, cand) or one (label solo) in folder/report.duckdb."""
    suite, db = write_suite(folder), folder / "report.duckdb"
    records, kinds = _cases()
    if single:
        run(suite, db, "solo", variant="cand")
    else:
        run(suite, db, "base", variant="base")
        run(suite, db, "cand", variant="cand", cost=0.002, tokens=9)
    return Runs(db=db, suite=suite, baseline=None if single else "base",
                candidate="solo" if single else "cand",
                case_ids=tuple(r["id"] for r in records),
                pass_to_fail=frozenset(kinds["pass_to_fail"]),
                fail_to_pass=frozenset(kinds["fail_to_pass"]),
                partial=frozenset(kinds["partial"]))


def store_toxicity_runs(db: Path, values: dict[str, list[float]], *, scorer: str = "toxicity",
                        kind: str = "toxicity", binary: bool = False) -> None:
    """Runs named by `values` (run id -> toxicity per case) written through Store.write;
    `kind` is the registry name recorded; `binary`: a value of 1.0 passes (pass/fail only)."""
    with Store(db) as store:
        for run_id, scores in values.items():
            results = []
            for i, value in enumerate(scores):
                case = Case(id=f"t{i:03d}", vars={}, target=None, metadata={"lang": "en"})
                passed = value == 1.0 if binary else value < 0.5
                score = Score(scorer, value, passed, f"toxicity {value:.2f}")
                results.append(Result(case, 0, Request(prompt="p"),
                                      Completion(text=f"text {i}", latency_s=0.1), (score,)))
            store.create_run({
                "run_id": run_id, "suite": "tox", "suite_hash": "h", "cases_hash": "c",
                "prompt_hash": "p", "model_ref": f"python/{run_id}:f", "backend": "python",
                "options": {"backend": {}, "generation": {}}, "fingerprint": run_id,
                "label": run_id, "seed": 0, "samples": 1, "n_cases": len(results),
                "status": "completed", "started_at": utcnow(), "provenance": {},
                "scorers": [{"name": scorer, "type": kind, "params": {"max": 0.5}}],
                "slices": ["lang"], "gates": None})
            store.write(run_id, results)


def build_multi_suite_runs(folder: Path) -> Runs:
    """Two suites run by the same labels (base, cand) in one database: `report-suite` (as
    build_runs) and `cmp` (tests/compare's 40-case suite, 4 cases broken by cand)."""
    from tests.compare import helpers as cmp

    runs = build_runs(folder / "report")
    (folder / "cmp").mkdir()
    other = cmp.write_suite(folder / "cmp", 40)
    cmp.run(other, runs.db, "base")
    cmp.run(other, runs.db, "cand", wrong=cmp.case_ids(4))
    return runs
