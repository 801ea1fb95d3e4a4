"""Writing golden answers (a scorer's `golden:` file): the one writer that `pytest
--evalkit-update-golden` and `evalkit review import --apply` (a flip adjudicated as "the
golden was wrong") both use.

A JSONL entry keeps its other fields and the answer key it used; a JSON file keeps its key
order; only the golden file the suite names, inside its folder or project, is written.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ANSWER_KEYS = ("answer", "answers", "target")  # as evalkit.scorers.golden reads them


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
