"""Real runs for the compare and gates tests: a Python pipeline written into tmp_path that
answers correctly except for chosen case ids, run by the real runner into a real DuckDB
file; and runs written straight through the store's bulk write path where a test needs
exact values (continuous scores, latencies)."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from evalkit import RunConfig, load_suite, run_suite
from evalkit.store import Store
from evalkit.store.store import utcnow
from evalkit.types import Case, Completion, Request, Result, Score

PIPELINE = '''
def answer(case, options, sample):
    """Right unless the case id is in `wrong`; `flaky` ids fail on odd samples; `evil` ids
    answer with terminal escapes and rich markup (untrusted model text); `error` ids raise
    (the call fails: an error on the case); `error="*"` fails every case."""
    listed = lambda key: set(filter(None, str(options.get(key, "")).split(",")))
    if case.id in listed("error") or "*" in listed("error"):
        raise RuntimeError("pipeline failed on " + case.id)
    if case.id in listed("evil"):
        text = "\\x1b[31mRED\\x1b[0m [bold red]markup[/] [link=http://x]click[/link]"
    elif case.id in listed("wrong") or (case.id in listed("flaky") and sample % 2 == 1):
        text = "wrong answer to " + case.id
    else:
        text = case.target
    return {"text": text, "cost_usd": float(options.get("cost", 0.001)),
            "tokens_in": 10, "tokens_out": int(options.get("tokens", 5))}
'''


def case_ids(n: int) -> list[str]:
    return [f"c{i:03d}" for i in range(n)]


def write_suite(folder: Path, n: int = 40, *, name: str = "cmp", extra: str = "",
                samples: int = 1, file_name: str | None = None, prompt: str = '"{{ question }}"',
                ids: Sequence[str] | None = None) -> Path:
    """A suite of n cases (ids c000…), half lang=en, half lang=fr, with the pipeline beside it."""
    (folder / "cmp_pipeline.py").write_text(PIPELINE, encoding="utf-8")
    ids = list(ids) if ids is not None else case_ids(n)
    stem = file_name or name
    with (folder / f"{stem}.jsonl").open("w", encoding="utf-8") as handle:
        for i, case_id in enumerate(ids):
            handle.write(json.dumps({"id": case_id, "question": f"q {case_id}",
                                     "answer": f"answer {case_id}",
                                     "lang": "en" if i % 2 == 0 else "fr"}) + "\n")
    suite = folder / f"{stem}.yaml"
    suite.write_text(f"suite: {name}\nprompt: {prompt}\nsamples: {samples}\ncases:\n"
                     f"  from: {stem}.jsonl\n  target: answer\n  metadata: [lang]\n"
                     f"slices: [lang]\nscorers:\n  - type: exact\n{extra}", encoding="utf-8")
    return suite


def run(suite: Path, db: Path, label: str | None = None, *, cache: bool = False,
        **options: Any) -> str:
    """Run the suite with the tmp_path pipeline; options reach it (wrong=, flaky=, cost=)."""
    args = {"path": str(suite.parent)}
    args.update({k: ",".join(v) if isinstance(v, (list, tuple, set)) else v
                 for k, v in options.items()})
    summary = run_suite(load_suite(suite), RunConfig(
        model="python/cmp_pipeline:answer", model_args=args, label=label, db=str(db),
        cache=cache, progress=False, auto_resume=False))
    assert summary.status == "completed"
    return summary.run_id


def store_run(db: Path, run_id: str, rows: Iterable[dict], *, suite: str = "stored",
              slices: Sequence[str] = ("lang",), samples: int = 1, gates: dict | None = None,
              model: str = "python/x:y", fingerprint: str | None = None) -> str:
    """A run written through the store's bulk write path. Each row: id, sample, passed,
    optional value, latency, cost, lang, output, meta (more metadata). Runs given one
    `fingerprint` (and model) are one configuration: an A/A pair."""
    results = []
    for row in rows:
        case = Case(id=row["id"], vars={}, target="t", metadata={"lang": row.get("lang", "en"),
                                                                   **row.get("meta", {})})
        completion = Completion(text=row.get("output", "out"), latency_s=row.get("latency"),
                                cost_usd=row.get("cost"), tokens_out=row.get("tokens"))
        verdict = None if row["passed"] is None else bool(row["passed"])  # None: no verdict
        score = Score("sim", row.get("value"), verdict, "")
        results.append(Result(case, row.get("sample", 0), Request(prompt="p"), completion, (score,)))
    with Store(db) as store:
        store.create_run({
            "run_id": run_id, "suite": suite, "suite_hash": "h", "cases_hash": "c",
            "prompt_hash": "p", "model_ref": model, "backend": model.split("/")[0],
            "options": {"backend": {}, "generation": {}}, "fingerprint": fingerprint or run_id,
            "label": None, "seed": 0, "samples": samples, "n_cases": len(results),
            "status": "completed", "started_at": utcnow(), "provenance": {},
            "scorers": [{"name": "sim", "type": "Sim", "params": {}}], "slices": list(slices),
            "gates": gates})
        store.write(run_id, results)
    return run_id
