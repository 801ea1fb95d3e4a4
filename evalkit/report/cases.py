"""Per-case data for the HTML report, read from the store in a few bulk queries.

One record per (case, sample): status (a comparison's transition, or a single run's
passed / failed / error), slice values, target, each run's output and error, each scorer's
value, verdict and explanation per run. Every string is redacted and clipped here, before
it reaches the page; the page embeds the records as one JSON blob and renders a page of
rows at a time (static/report.js), so 10,000 cases are no 10,000 DOM rows.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..store import Store, report_reads
from .clipping import PAGE_BUDGET, Texts, clip, fit_texts

# Transitions, in the order the report ranks them: regressions first.
COMPARE_ORDER = ("pass_to_fail", "fail_to_pass", "still_failing", "removed", "new",
                 "still_passing")
RUN_ORDER = ("error", "failed", "passed")
STATUS_LABELS = {
    "pass_to_fail": "pass → fail", "fail_to_pass": "fail → pass",
    "still_failing": "still failing", "still_passing": "still passing",
    "new": "new", "removed": "removed", "no_verdict": "no verdict",
    "passed": "passed", "failed": "failed", "error": "error",
}



@dataclass
class CaseData:
    rows: list[dict]  # JSON-ready records, in the report's order
    meta: dict
    counts: dict[str, int] = field(default_factory=dict)  # status -> (case, sample) pairs
    texts: list[str] = field(default_factory=list)  # explanations, referred to by index

    def text(self, index: int | None) -> str | None:
        return None if index is None else self.texts[index]

    def payload(self, **meta: Any) -> dict:
        """The JSON the page embeds: statuses as codes (meta.codes), verdicts as 1 / 0, slice
        values as indices into meta.sliceValues (static/report.js decodes them on load)."""
        codes = list(STATUS_LABELS)
        code = {status: i for i, status in enumerate(codes)}
        value_index = [{v: i for i, v in enumerate(found)} for found in self.meta["sliceValues"]]
        rows = []
        for record in self.rows:
            row = dict(record, s=code[record["s"]])
            if "v" in row:
                row["v"] = [None if v is None else value_index[k][v]
                            for k, v in enumerate(row["v"])]
            if "c" in row:
                row["c"] = [[c[0], code[c[1]], c[2], [None if x is None else int(x) for x in c[3]],
                             c[4]] for c in row["c"]]
            rows.append(row)
        return {"meta": {**self.meta, "codes": codes, **meta}, "texts": self.texts, "rows": rows}

    def outputs(self, record: dict) -> list[str | None]:
        """Each run's output (a candidate output equal to the baseline's is stored once)."""
        outputs = list(record.get("o") or [None] * len(self.meta["runs"]))
        if record.get("="):
            outputs.append(outputs[0])
        return outputs


def _target(raw: str | None, redact) -> str | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    if value is None:
        return None
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return redact(value)


def _number(value: Any, digits: int = 6) -> float | None:
    if value is None:
        return None
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None
    return float(f"{value:.{digits}g}")


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def score_status(present: tuple[bool, bool], passed: tuple[Any, Any]) -> str:
    """The per-scorer transition, as compare/align.py classifies it."""
    if not present[0]:
        return "new"
    if not present[1]:
        return "removed"
    a, b = passed
    if a is None or b is None:
        return "no_verdict"
    if a and b:
        return "still_passing"
    return "pass_to_fail" if a else "fail_to_pass" if b else "still_failing"


def _scores(store: Store, base: str | None, cand: str, texts: Texts,
            scorer_index: dict[str, int]) -> dict[tuple[str, int], tuple[list, float]]:
    """(case, sample) -> (score records, sum of the value changes). A record: [scorer index,
    status, values per run (None when they only repeat pass / fail), verdicts per run,
    explanations per run (indices into `texts`)]."""
    found: dict[tuple[str, int], tuple[list, float]] = {}
    compare = base is not None
    rows = (report_reads.paired_scores(store, base, cand) if compare
            else report_reads.single_scores(store, cand))
    for case_id, sample, scorer, *rest in rows:
        if compare:
            in_base, in_cand, bv, cv, bp, cp, be, ce = rest
            status = score_status((in_base, in_cand), (bp, cp))
            values, verdicts = [_number(bv, 4), _number(cv, 4)], [_flag(bp), _flag(cp)]
            explanations = [texts.add(be), texts.add(ce)]
        else:
            value, passed, explanation = rest
            status = "no_verdict" if passed is None else "passed" if passed else "failed"
            values, verdicts = [_number(value, 4)], [_flag(passed)]
            explanations = [texts.add(explanation)]
        delta = (values[1] - values[0] if compare and values[0] is not None
                 and values[1] is not None else 0.0)
        if all(v is None or (p is not None and v == float(p)) for v, p in zip(values, verdicts)):
            values = None  # a value that only repeats pass / fail (1.0 / 0.0)
        index = scorer_index.setdefault(scorer, len(scorer_index))
        entry = found.get((case_id, sample))
        record = [index, status, values, verdicts, explanations]
        if entry is None:
            found[(case_id, sample)] = ([record], delta)
        else:
            entry[0].append(record)
            found[(case_id, sample)] = (entry[0], entry[1] + delta)
    for records, _ in found.values():
        if len(records) > 1:
            records.sort(key=lambda r: r[0])
    return found


def _compact(record: dict) -> dict:
    """Leave out what says nothing (no error, not waived), to keep the page small."""
    kept = {}
    for key, value in record.items():
        if value is None or value is False or value == [] or value == [None] \
                or value == [None, None]:
            continue
        kept[key] = value
    return kept


def build(store: Store, inp, budget: int = PAGE_BUDGET) -> CaseData:
    """The records of a report input (a comparison or a single run), about `budget`
    characters of JSON at most (see PAGE_BUDGET)."""
    redact = inp.redact
    compare = inp.diff is not None
    cand = inp.run.run_id
    base = inp.baseline.run_id if compare else None
    keys = list(inp.run.slices or [])
    scorer_index: dict[str, int] = {}
    for run in ([inp.baseline] if compare else []) + [inp.run]:  # the suite's order first
        for scorer in run.scorers or []:
            if scorer.get("name"):
                scorer_index.setdefault(scorer["name"], len(scorer_index))
    texts = Texts(redact)
    scores = _scores(store, base, cand, texts, scorer_index)
    waived: dict[tuple[str, int], bool] = {}
    if compare:
        waived = {(c.case_id, c.sample): c.waived for c in inp.diff.cases}
        rows = report_reads.paired_results(store, base, cand, keys)
    else:
        waived_ids = {w.case for w in inp.policy.active_waivers(inp.today)
                      if not w.metric}
        rows = report_reads.single_results(store, cand, keys)
    records, counts = [], {}
    slice_values: dict[str, set] = {key: set() for key in keys}
    for row in rows:
        if compare:
            (case_id, sample, in_base, in_cand, bp, cp, bo, co, be, ce, target, bl, cl, bt, ct,
             bc, cc, *slices) = row
            status = _compare_status(bp, cp, in_base, in_cand)
            same = bo is not None and bo == co
            record = {"o": [redact(bo)] if same else [redact(bo), redact(co)],
                      "=": same, "e": [clip(be, redact), clip(ce, redact)],
                      "l": [_number(bl, 4), _number(cl, 4)], "k": [bt, ct],
                      "$": [_number(bc, 4), _number(cc, 4)],
                      "w": waived.get((case_id, int(sample)), False)}
        else:
            case_id, sample, passed, output, error, target, latency, tokens, cost, *slices = row
            status = "error" if error is not None else "passed" if passed else "failed"
            record = {"o": [redact(output)], "e": [clip(error, redact)],
                      "l": [_number(latency, 4)], "k": [tokens],
                      "$": [_number(cost, 4)], "w": case_id in waived_ids}
        entries, delta = scores.get((case_id, sample), ((), 0.0))
        values = [None if v is None else redact(v) for v in slices]
        for key, value in zip(keys, values):
            if value is not None:
                slice_values[key].add(value)
        counts[status] = counts.get(status, 0) + 1
        records.append(_compact({"i": redact(case_id), "n": int(sample) or None, "s": status,
                                 "v": values, "t": _target(target, redact), "c": list(entries),
                                 "d": round(delta, 4) if compare else None, **record}))
    order = COMPARE_ORDER if compare else RUN_ORDER
    rank_records(records, order)
    explanations = texts.finish(budget // 5)
    step = max(1, len(records) // 1000)  # everything but outputs and targets, from a sample
    shell = CaseData([{k: v for k, v in r.items() if k not in ("o", "t")}
                      for r in records[::step]],
                     {"sliceValues": [sorted(slice_values[k]) for k in keys]}, {}, [])
    rest = len(script_json(shell.payload())) * step + len(script_json(explanations))
    # 95%: quotes, escapes and the "… [N more characters not shown]" marks of shortened texts
    text_limit = fit_texts(records, {"pass_to_fail", "fail_to_pass"} if compare
                            else {"failed", "error"}, max(0, int((budget - rest) * 0.95)))
    scorers = sorted(scorer_index, key=scorer_index.__getitem__)
    meta = {
        "mode": "compare" if compare else "run",
        "runs": ["baseline", "candidate"] if compare else ["run"],
        "suites": [redact(inp.run.suite)],
        "scorers": [redact(s) for s in scorers],
        "slices": [redact(k) for k in keys],
        "sliceValues": [sorted(slice_values[k]) for k in keys],
        "statuses": [[s, STATUS_LABELS[s], counts[s]] for s in order if s in counts],
        "labels": STATUS_LABELS,
        "total": len(records),
        "textLimit": text_limit,
    }
    return CaseData(records, meta, counts, explanations)


def rank_records(records: list[dict], order: Sequence[str]) -> None:
    """Regressions first: by transition, then by score delta (the largest loss first; for
    fail → pass the largest gain first), suite, case id and sample."""
    rank = {status: i for i, status in enumerate(order)}
    records.sort(key=lambda r: (rank.get(r["s"], len(order)),
                                -r.get("d", 0.0) if r["s"] == "fail_to_pass" else r.get("d", 0.0),
                                r.get("u", 0), r["i"], r.get("n", 0)))


def merge(parts: Sequence[CaseData]) -> CaseData:
    """Several suites' records as one list (each row's `u` is its suite's index), with the
    scorers and slice keys of all of them."""
    if len(parts) == 1:
        return parts[0]
    scorers: list[str] = []
    keys: list[str] = []
    for part in parts:
        scorers += [s for s in part.meta["scorers"] if s not in scorers]
        keys += [k for k in part.meta["slices"] if k not in keys]
    values: dict[str, set] = {key: set() for key in keys}
    rows, counts, texts = [], {}, []
    for suite, part in enumerate(parts):
        offset = len(texts)
        texts += part.texts
        scorer_map = [scorers.index(s) for s in part.meta["scorers"]]
        key_map = [keys.index(k) for k in part.meta["slices"]]
        for key, found in zip(part.meta["slices"], part.meta["sliceValues"]):
            values[key].update(found)
        for status, n in part.counts.items():
            counts[status] = counts.get(status, 0) + n
        for row in part.rows:
            row = dict(row, u=suite) if suite else dict(row)
            if "c" in row:
                row["c"] = [[scorer_map[c[0]], c[1], c[2], c[3],
                             [None if t is None else t + offset for t in c[4]]]
                            for c in row["c"]]
            if "v" in row:
                spread = [None] * len(keys)
                for index, value in enumerate(row["v"]):
                    spread[key_map[index]] = value
                row["v"] = spread
            rows.append(row)
    compare = parts[0].meta["mode"] == "compare"
    order = COMPARE_ORDER if compare else RUN_ORDER
    rank_records(rows, order)
    meta = {**parts[0].meta, "suites": [p.meta["suites"][0] for p in parts],
            "scorers": scorers, "slices": keys,
            "sliceValues": [sorted(values[k]) for k in keys],
            "statuses": [[s, STATUS_LABELS[s], counts[s]] for s in order if s in counts],
            "total": len(rows), "textLimit": min(p.meta["textLimit"] for p in parts)}
    return CaseData(rows, meta, counts, texts)


def _compare_status(bp: Any, cp: Any, in_base: bool, in_cand: bool) -> str:
    """As compare/align.py's CASES: a (case, sample) of either run, classified."""
    if not in_base:
        return "new"
    if not in_cand:
        return "removed"
    if bp and cp:
        return "still_passing"
    return "pass_to_fail" if bp else "fail_to_pass" if cp else "still_failing"


def script_json(data: Any) -> str:
    """JSON that is safe inside <script type="application/json">: no character of it can
    end the element or open a comment (<, >, & and the JS line separators escaped)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
