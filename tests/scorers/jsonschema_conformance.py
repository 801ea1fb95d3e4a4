"""Run the official JSON Schema Test Suite (vendored in jsonschema_suite/) through the
json_schema scorer, as a suite would: the schema inline, the instance as the model's output.

The suite's schemas name their draft by folder, not always by `$schema`; a schema without
one gets the folder's `$schema` (as a suite author would write it). Core tests use the
draft's own format policy (the default); optional/format tests assume
format assertion, so they run with `formats: assert`. A schema the scorer refuses to load
(a `$ref` to http://localhost:1234/…, which would need a network fetch) counts every test
of its group as a disagreement of kind "refused".
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from evalkit.errors import EvalkitError
from evalkit.scorers.base import ScoreContext
from evalkit.types import Case, Completion
from tests.scorers.helpers import make

SUITE = Path(__file__).parent / "jsonschema_suite"
DRAFTS = ("draft4", "draft7", "draft2019-09", "draft2020-12")
DIALECTS = {"draft4": "http://json-schema.org/draft-04/schema#",
            "draft7": "http://json-schema.org/draft-07/schema#",
            "draft2019-09": "https://json-schema.org/draft/2019-09/schema",
            "draft2020-12": "https://json-schema.org/draft/2020-12/schema"}


@dataclass(frozen=True)
class Outcome:
    draft: str
    file: str  # "ref.json", "optional/format/uri.json"
    group: str
    test: str
    expected: bool
    got: bool | None  # None: the schema was refused at load time
    why: str = ""

    @property
    def agrees(self) -> bool:
        return self.got == self.expected

    @property
    def key(self) -> str:
        return f"{self.draft}/{self.file} :: {self.group} :: {self.test}"


def files(draft: str, formats: bool) -> list[Path]:
    folder = SUITE / draft
    return sorted((folder / "optional" / "format").glob("*.json")) if formats \
        else sorted(folder.glob("*.json"))


def run_file(draft: str, path: Path, tmp: Path) -> list[Outcome]:
    name = str(path.relative_to(SUITE / draft))
    formats = "assert" if name.startswith("optional/format") else None
    outcomes = []
    for group in json.loads(path.read_text(encoding="utf-8")):
        schema = group["schema"]
        if isinstance(schema, dict) and "$schema" not in schema:
            schema = {"$schema": DIALECTS[draft], **schema}
        params = {"schema": schema, **({"formats": formats} if formats else {})}
        try:
            scorer = make("json_schema", suite_dir=tmp, **params)
        except (ValueError, EvalkitError) as exc:
            outcomes += [Outcome(draft, name, group["description"], t["description"],
                                 t["valid"], None, _reason(exc))
                         for t in group["tests"]]
            continue
        for test in group["tests"]:
            text = json.dumps(test["data"])
            score = scorer.score(Case(id="t", vars={}), Completion(text=text),
                                 ScoreContext(suite_dir=tmp))
            outcomes.append(Outcome(draft, name, group["description"], test["description"],
                                    test["valid"], score.details.get("stage") in ("ok",),
                                    score.explanation))
    return outcomes


def _reason(exc: Exception) -> str:
    """The scorer's own message from a load-time error (pydantic wraps it)."""
    text = str(exc)
    if "Value error, " in text:
        text = text.split("Value error, ", 1)[1].split(" [type=", 1)[0]
    return text.strip()


def run(draft: str, formats: bool, tmp: Path) -> list[Outcome]:
    return [o for path in files(draft, formats) for o in run_file(draft, path, tmp)]
