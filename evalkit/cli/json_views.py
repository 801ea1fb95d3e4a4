"""The `--json` documents of `runs`, `show`, `validate`, `list` and `baseline show`
(`compare --json`: compare_json.py). Same data as the tables the commands print."""
from __future__ import annotations

from ..errors import EXIT_OK, EXIT_USAGE, SuiteError
from ..store import Store
from .json_output import emit, jsonable, records, untrusted, untrusted_json

RUN_FIELDS = {"run_id": "run_id", "suite": "suite", "model_ref": "model", "label": "label",
              "status": "status", "started_at": "started_at", "finished_at": "finished_at",
              "n_cases": "n_cases", "samples": "samples", "results": "results",
              "pass_rate": "pass_rate", "errors": "errors", "cost_usd": "cost_usd"}


def runs_json(db: str, limit: int) -> int:
    with Store(db, read_only=True) as store:
        frame = store.runs(limit)
    emit("runs", {"db": str(db), "runs": records(frame, RUN_FIELDS)})
    return EXIT_OK


def show_json(db: str, ref: str, show_all: bool) -> int:
    from .inspect_commands import FAILING_SHOWN, run_view

    with Store(db, read_only=True) as store:
        run_id, run, scorers, totals, failing, slices, explanations = run_view(store, ref)
    why: dict = {}
    for r in explanations.itertuples():
        why.setdefault((r.case_id, r.sample), []).append(
            {"scorer": r.scorer, "explanation": untrusted(r.explanation)})
    n, passed = int(totals.n), int(totals.passed or 0)
    prov = run.provenance or {}
    shown = failing if show_all else failing.head(FAILING_SHOWN)
    emit("show", {
        "run": {"run_id": run_id, "suite": run.suite, "model": run.model_ref,
                "label": run.label, "status": run.status,
                "started_at": run.started_at, "finished_at": run.finished_at,
                "evalkit_version": prov.get("evalkit_version"),
                "suite_hash": run.suite_hash, "fingerprint": run.fingerprint,
                "options": run.options},
        "totals": {"results": n, "passed": passed, "pass_rate": passed / n if n else None,
                   "errors": int(totals.errors), "cached": int(totals.cached or 0),
                   "latency_p50_s": totals.p50, "latency_p95_s": totals.p95,
                   "tokens_in": totals.tin, "tokens_out": totals.tout, "cost_usd": totals.cost},
        "scorers": records(scorers, {"scorer": "scorer", "n": "n", "pass_rate": "pass_rate",
                                     "mean": "mean"}),
        "slices": {key: records(frame, {"value": "value", "n": "n", "pass_rate": "pass_rate"})
                   for key, frame in slices.items()},
        "failing_total": len(failing),
        "failing": [{"case_id": r.case_id, "sample": int(r.sample),
                     "target": untrusted_json(r.target), "output": untrusted(r.output),
                     "error": untrusted(r.error), "why": why.get((r.case_id, r.sample), [])}
                    for r in shown.itertuples()],
    })
    return EXIT_OK


def validate_json(paths) -> int:
    from ..suite import load_suite

    checked, failed = [], 0
    for path in paths:
        try:
            suite = load_suite(path, fetch=False)  # validating never goes to the network
        except SuiteError as exc:
            failed += 1
            checked.append({"path": str(path), "ok": False, "error": untrusted(str(exc))})
            continue
        checked.append({"path": str(path), "ok": True, "suite": suite.name,
                        "cases": None if suite.unfetched else len(suite.cases),
                        "unfetched": untrusted(suite.unfetched) if suite.unfetched else None,
                        "samples": suite.spec.samples, "scorers": len(suite.scorers)})
    emit("validate", {"ok": not failed, "suites": checked})
    return EXIT_USAGE if failed else EXIT_OK


def list_json(kind: str) -> int:
    from .inspect_commands import _REQUIRED, registered

    items = [{"name": name, "description": doc, "parameters": [
        {"name": param, "required": default is _REQUIRED,
         **({} if default is _REQUIRED else {"default": jsonable(default)})}
        for param, default in params]} for name, doc, params in registered(kind)]
    emit("list", {"kind": kind, "items": items})
    return EXIT_OK


def baseline_json(name: str, db: str) -> int:
    from .compare_commands import baseline_view

    run_id, run, events, pass_rate = baseline_view(name, db)
    emit("baseline", {
        "name": name,
        "run": {"run_id": run_id, "label": run.label, "suite": run.suite,
                "model": run.model_ref, "started_at": run.started_at,
                "pass_rate": pass_rate},
        "history": [{"seq": e.seq, "action": e.action, "run_id": e.run_id, "set_at": e.set_at,
                     "note": untrusted(e.note)} for e in events],
    })
    return EXIT_OK
