"""Golden files, read and written in one place: a scorer's `golden:` file maps case ids to one
or several acceptable answers, as JSONL lines (`{"id": "q1", "answer": "Paris"}` or
`"answers": [...]`) or one JSON object (`{"q1": "Paris", "q2": ["4", "four"]}`).

Reading is checked when the suite loads (ValueError with file:line). Writing is the one
writer `pytest --evalkit-update-golden` and `evalkit review import --apply` (a flip adjudicated
as "the golden was wrong") both use: a JSONL entry keeps its other fields and the answer key
it used; a JSON file keeps its key order; only the golden file the suite names, inside its
folder or project, is written.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from .files import read_json, read_jsonl, stamp

ANSWER_KEYS = ("answer", "answers", "target")


def _answers(value: Any, where: str) -> tuple[str, ...]:
    values = value if isinstance(value, (list, tuple)) else [value]
    if not values or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                             for v in values):
        raise ValueError(f"{where}: an answer must be a string or number, or a list of them")
    return tuple(str(v) for v in values)


def load_golden(path: Path) -> Mapping[str, tuple[str, ...]]:
    """Answers by case id; ValueError (with file:line) for anything malformed."""
    return _load(stamp(path))


@lru_cache(maxsize=64)
def _load(key: tuple[str, int, int]) -> Mapping[str, tuple[str, ...]]:
    path, what = Path(key[0]), "golden file"
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        answers: dict[str, tuple[str, ...]] = {}
        for line, record in read_jsonl(path, what):
            where = f"{what} {path}:{line}"
            if not isinstance(record, dict) or "id" not in record:
                raise ValueError(f"{where}: each line needs an 'id' and an 'answer' (or 'answers')")
            key = next((k for k in ANSWER_KEYS if k in record), None)
            if key is None:
                raise ValueError(f"{where}: no 'answer' or 'answers' for id {record['id']!r}")
            if str(record["id"]) in answers:
                raise ValueError(f"{where}: duplicate id {record['id']!r}")
            answers[str(record["id"])] = _answers(record[key], where)
        return answers
    data = read_json(path, what)
    if not isinstance(data, dict):
        raise ValueError(f"{what} {path}: expected a JSON object mapping case ids to answers "
                         "(or use JSONL: one {\"id\", \"answer\"} per line)")
    return {str(k): _answers(v, f"{what} {path}: id {k!r}") for k, v in data.items()}


def golden_scorers(suite) -> list[tuple[str, Path]]:
    """(scorer name, golden file) for each scorer of the suite that reads a golden file."""
    out = []
    for scorer in suite.scorers:
        golden = getattr(scorer.params, "golden", None)
        if isinstance(golden, str):
            out.append((scorer.name, (Path(scorer.suite_dir) / golden).resolve()))
    return out


@dataclass
class GoldenFile:
    path: Path
    suite_dir: Path
    updates: dict[str, str] = field(default_factory=dict)  # case id -> new answer
    added: list[str] = field(default_factory=list)

    def write(self) -> None:
        if not self.updates:
            return
        from ..file_scope import FileScope

        # only the golden file the suite names, inside its folder or project: FileRefused
        # otherwise (even when --allow-outside-files let the suite read it)
        self.path = FileScope.of(self.suite_dir).writable(self.path, "golden file")
        if self.path.suffix.lower() in (".jsonl", ".ndjson"):
            self._write_jsonl()
        else:
            self._write_json()

    def _write_jsonl(self) -> None:
        text = self.path.read_text(encoding="utf-8") if self.path.exists() else ""
        lines = text.splitlines()
        for index, line in enumerate(lines):
            if not line.strip():
                continue
            record = json.loads(line)
            case_id = str(record.get("id")) if isinstance(record, dict) else None
            if case_id in self.updates and case_id not in self.added:
                key = next((k for k in ANSWER_KEYS if k in record), "answer")
                answer = self.updates[case_id]
                record[key] = [answer] if key == "answers" else answer
                lines[index] = json.dumps(record, ensure_ascii=False)
        lines += [json.dumps({"id": case_id, "answer": self.updates[case_id]}, ensure_ascii=False)
                  for case_id in self.added]
        self.path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")

    def _write_json(self) -> None:
        text = self.path.read_text(encoding="utf-8") if self.path.exists() else ""
        data: dict[str, Any] = json.loads(text) if text.strip() else {}
        for case_id, answer in self.updates.items():
            data[case_id] = answer  # existing keys keep their place; new ones go last
        self.path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")


def create_empty(path: Path) -> None:
    """An empty golden file (for a new suite's first `--evalkit-update-golden`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}\n" if path.suffix.lower() == ".json" else "", encoding="utf-8")
