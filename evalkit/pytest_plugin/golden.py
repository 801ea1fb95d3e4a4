"""Golden files (a scorer's `golden:` answers by case id): what is missing, and updates.

`--evalkit-update-golden` records the current outputs, syrupy style:

- **added**: the case had no entry in the golden file; its output (sample 0) is recorded;
- **changed**: a scorer reading that golden file failed the case; the entry is replaced by the
  output (other fields of a JSONL record are kept; the answer key it used is kept);
- **unchanged**: every scorer reading the file passed; the entry stays as it is (a golden
  that still accepts the output is never rewritten, so fuzzy references keep their text).

Entries of other cases are kept in place; new entries are appended in suite order. A failed
call records nothing. A golden file that does not exist yet is created (empty) before the
suite loads, so a new suite can start with `--evalkit-update-golden`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ..scorers.golden_file import GoldenFile, create_empty, golden_scorers, load_golden
from .outcome import GoldenStatus, MissingGolden, SampleResult

ADDED, CHANGED, UNCHANGED = "added", "changed", "unchanged"


def create_missing_files(suite_path: Path) -> list[Path]:
    """Create the golden files a suite names but that do not exist yet (update mode only),
    and only inside the suite's folder or project (`evalkit.file_scope`)."""
    from ..file_scope import FileRefused, FileScope
    from ..suite.yaml_source import load_yaml

    try:
        data = load_yaml(suite_path).data
    except Exception:  # the loader reports it properly
        return []
    scorers = data.get("scorers") if isinstance(data, dict) else None
    created = []
    for spec in scorers if isinstance(scorers, list) else []:
        golden = spec.get("golden") if isinstance(spec, dict) else None
        if not isinstance(golden, str) or not golden.strip():
            continue
        try:
            path = FileScope.of(suite_path.parent).writable(suite_path.parent / golden,
                                                            "golden file")
        except FileRefused:  # the loader reports the file as missing or refused
            continue
        if path.exists():
            continue
        create_empty(path)
        created.append(path)
    return created


def check(suite, case_ids: Iterable[str]) -> dict[str, GoldenStatus]:
    """Per case: golden entries missing (file, scorer) and the first golden answer."""
    files = [(name, path, load_golden(path)) for name, path in golden_scorers(suite)]
    out: dict[str, GoldenStatus] = {}
    for case_id in case_ids:  # each file read (and stat-checked) once, not once per case
        missing, expected = [], None
        for name, path, golden in files:
            answers = golden.get(case_id)
            if answers:
                expected = expected if expected is not None else answers[0]
            else:
                missing.append(MissingGolden(str(path), name))
        out[case_id] = GoldenStatus(tuple(missing), expected)
    return out


def update(suite, cases: Mapping[str, Sequence[SampleResult]]) -> dict[str, str]:
    """Write golden answers from the run's outputs (case id -> its samples); the status of
    each case (see module doc)."""
    by_file = _by_file(golden_scorers(suite))
    known = {path: load_golden(path) for path in by_file}  # as the run started
    files: dict[Path, GoldenFile] = {}
    status: dict[str, str] = {}
    rank = {UNCHANGED: 0, CHANGED: 1, ADDED: 2}
    for case in suite.cases:
        samples = cases.get(case.id)
        if not samples:
            continue
        first = min(samples, key=lambda s: s.sample)
        if first.error is not None or first.output is None:
            continue
        for path, names in by_file.items():
            golden = files.setdefault(path, GoldenFile(path, Path(suite.path).parent))
            if not known[path].get(case.id):
                golden.updates[case.id], result = first.output, ADDED
                golden.added.append(case.id)
            elif any(score.scorer in names and score.passed is False
                     for sample in samples for score in sample.scores):
                golden.updates[case.id], result = first.output, CHANGED
            else:
                result = UNCHANGED
            if rank[result] >= rank.get(status.get(case.id, UNCHANGED), 0):
                status[case.id] = result
    from ..errors import UsageError
    from ..file_scope import FileRefused

    for golden in files.values():
        try:
            golden.write()
        except FileRefused as exc:  # a one-line error on the suite's items, no traceback
            raise UsageError(f"golden answers not updated: {exc}") from None
    return status


def _by_file(scorers: list[tuple[str, Path]]) -> dict[Path, set[str]]:
    out: dict[Path, set[str]] = {}
    for name, path in scorers:
        out.setdefault(path, set()).add(name)
    return out


def counts(statuses: Iterable[str]) -> dict[str, int]:
    out = {ADDED: 0, CHANGED: 0, UNCHANGED: 0}
    for value in statuses:
        out[value] += 1
    return out
