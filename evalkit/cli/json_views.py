"""The `--json` documents of `runs`, `show`, `validate`, `list` and `baseline show`
(`compare --json`: compare_json.py). Same data as the tables the commands print."""
from __future__ import annotations

from ..errors import EXIT_OK, EXIT_USAGE, SuiteError
from ..store import Store
from .json_output import emit, jsonable, records, untrusted

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
    from .inspect_commands import EXPLANATIONS, FAILING, FAILING_SHOWN, RUN_TOTALS

    with Store(db, read_only=True) as store:
        run_id = store.resolve_run(ref)
        run = store.run(run_id)
        scorers = store.scorer_summary(run_id)
        totals = store.df(RUN_TOTALS, [run_id]).iloc[0]
        failing = store.df(FAILING, [run_id])
        slices = {key: store.slice_totals(run_id, key) for key in run.get("slices") or []}
        explanations = store.df(EXPLANATIONS, [run_id])
    why: dict = {}
    for r in explanations.itertuples():
        why.setdefault((r.case_id, r.sample), []).append(
            {"scorer": r.scorer, "explanation": untrusted(r.explanation)})
    n, passed = int(totals.n), int(totals.passed or 0)
    prov = run.get("provenance") or {}
    shown = failing if show_all else failing.head(FAILING_SHOWN)
    emit("show", {
        "run": {"run_id": run_id, "suite": run["suite"], "model": run["model_ref"],
                "label": run.get("label"), "status": run["status"],
                "started_at": run.get("started_at"), "finished_at": run.get("finished_at"),
                "evalkit_version": prov.get("evalkit_version"),
                "suite_hash": run.get("suite_hash"), "fingerprint": run.get("fingerprint"),
                "options": run.get("options")},
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
                     "target": untrusted(jsonable(r.target)), "output": untrusted(r.output),
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
    from ..registry import BACKENDS, SCORERS, lookup, names

    group = SCORERS if kind == "scorers" else BACKENDS
    items = []
    for name in names(group):
        cls = lookup(group, name)
        params_model = cls.Params if kind == "scorers" else cls.Options
        params = []
        for field_name, info in params_model.model_fields.items():
            param = {"name": info.alias or field_name, "required": info.is_required()}
            if not info.is_required():
                param["default"] = jsonable(info.get_default(call_default_factory=True))
            params.append(param)
        doc = getattr(cls, "description", "") or (cls.__doc__ or "").strip().split("\n")[0]
        items.append({"name": name, "description": doc, "parameters": params})
    emit("list", {"kind": kind, "items": items})
    return EXIT_OK


def baseline_json(name: str, db: str) -> int:
    from ..compare import baselines

    with Store(db, read_only=True) as store:
        run_id = baselines.require(store, name)
        run = store.run(run_id)
        events = baselines.history(store, name)
        (pass_rate,), = store.query("SELECT avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END) "
                                    "FROM results WHERE run_id = ?", [run_id])
    emit("baseline", {
        "name": name,
        "run": {"run_id": run_id, "label": run.get("label"), "suite": run["suite"],
                "model": run["model_ref"], "started_at": run.get("started_at"),
                "pass_rate": pass_rate},
        "history": [{"seq": e.seq, "action": e.action, "run_id": e.run_id, "set_at": e.set_at,
                     "note": untrusted(e.note)} for e in events],
    })
    return EXIT_OK
