"""Large suites stream: a case file of more than `stream_rows()` rows is never held in memory.

Loading makes one pass over the file that checks every record — missing fields, duplicate
ids, counterfactual variants, slice keys, waivers, every prompt rendered — and hashes the
cases as it goes (the same hash a small suite gets). The suite's cases are then a
`CaseStream`: iterating it reads the file again, and `chunks()` renders the prompts of one
chunk at a time, so a run of millions of cases holds one chunk and the calls in flight.

A streamed suite reports its problems like a small one, at most MAX_PROBLEMS of them (then a
count of the rest). JSONL, CSV and Parquet files stream; a JSON array, a `save_to_disk`
folder or a hub dataset is loaded whole.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import Location, Problem, ProblemList, SuiteError
from ..types import Case, Request, canonical_json
from .cases import CaseFileError, _case_from, _local_records
from .counterfactuals import CounterfactualExpander, CounterfactualSpec
from .grouped_problems import MissingFields
from .schema import CaseSource
from .shard import ShardSpec

STREAM_ROWS = 100_000  # default threshold; env EVALKIT_STREAM_ROWS
CHUNK_CASES = 5_000  # cases rendered and handed to the runner at a time
MAX_PROBLEMS = 50
STREAMABLE = (".jsonl", ".ndjson", ".csv", ".tsv", ".parquet")


def stream_rows() -> int:
    """Case files with more rows than this stream (EVALKIT_STREAM_ROWS overrides)."""
    value = os.environ.get("EVALKIT_STREAM_ROWS", "").strip()
    return int(value) if value.isdigit() else STREAM_ROWS


def count_rows(path: Path) -> int:
    """Rows of a case file, cheaply: Parquet's metadata, or the line breaks of a text file."""
    if path.suffix.lower() == ".parquet":
        from .cases import parquet_module

        return parquet_module().ParquetFile(path).metadata.num_rows
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
    return lines


def streamed_file(spec_cases: Any, suite_dir: Path) -> Path | None:
    """The suite's case file when it is large enough to stream, else None."""
    if not isinstance(spec_cases, CaseSource) or spec_cases.from_ is None:
        return None
    from ..file_scope import MAX_DATA_BYTES, FileRefused, FileScope

    try:  # only a file the suite may read (its folder or project): else the loader says why
        path = FileScope.of(suite_dir).check(suite_dir / spec_cases.from_, "case file",
                                             max_bytes=MAX_DATA_BYTES)
    except (FileRefused, OSError):
        return None
    if path.suffix.lower() not in STREAMABLE or not path.is_file():
        return None  # a missing file is reported by the ordinary loader
    try:
        return path if count_rows(path) > stream_rows() else None
    except Exception:  # an unreadable file: the ordinary loader says why
        return None


class CappedProblems(ProblemList):
    """A ProblemList that keeps the first MAX_PROBLEMS and counts the rest."""

    def __init__(self, anchor: Location, limit: int = MAX_PROBLEMS):
        super().__init__()
        self.anchor, self.limit, self.dropped = anchor, limit, 0

    def add(self, problem: Problem) -> None:
        if len(self.problems) < self.limit:
            super().add(problem)
        else:
            self.dropped += 1

    def close(self) -> None:
        if self.dropped:
            super().add(Problem(f"... and {self.dropped} more problems in the case file",
                                self.anchor))


class CasesDigest:
    """`loader.cases_digest` computed one case at a time (the same hex digest)."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256(b"[")
        self._first = True

    def add(self, case: Case) -> None:
        item = canonical_json([case.id, case.content_hash()])
        self._hash.update((item if self._first else "," + item).encode("utf-8", "surrogatepass"))
        self._first = False

    def hexdigest(self) -> str:
        done = self._hash.copy()
        done.update(b"]\x00")
        return done.hexdigest()


@dataclass(frozen=True, eq=False)
class CaseStream:
    """The cases of a streamed suite. Iterating reads the case file again; the file must not
    change between the passes (its size and modification time are checked each time)."""

    path: Path
    source: CaseSource
    anchor: Location  # where problems without a line of their own are reported
    count: int  # cases after selection, counterfactual expansion and sharding
    keep: frozenset[int] | None  # record indices kept by `sample:`
    counterfactuals: CounterfactualSpec | None
    template: Any  # PromptTemplate
    signature: tuple[int, int]
    shard: ShardSpec | None = None

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Case]:
        if _signature(self.path) != self.signature:
            raise SuiteError([Problem("the case file changed after the suite was loaded; "
                                      "load the suite again", self.anchor)])
        problems = ProblemList()
        expander = (CounterfactualExpander(self.counterfactuals, None, problems)
                    if self.counterfactuals is not None else None)
        for case in _selected(self.path, self.source, self.keep, self.anchor, problems):
            problems.raise_if_any()
            for variant in (expander.expand(case) if expander else (case,)):
                if self.shard is None or self.shard.holds(variant.id, variant.metadata):
                    yield variant

    def chunks(self, size: int) -> Iterator[list[tuple[Case, Request]]]:
        """(case, rendered request) lists of `size`, rendered as they are read."""
        from .template import TemplateProblem

        chunk: list[tuple[Case, Request]] = []
        for case in self:
            try:
                chunk.append((case, self.template.render(case)))
            except TemplateProblem as exc:  # the loading pass rendered it: the file changed
                raise SuiteError([Problem(f"case '{case.id}' ({case.source}): {exc.message}",
                                          self.anchor)]) from None
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def sharded(self, spec: ShardSpec) -> tuple["CaseStream", str]:
        """This stream restricted to one shard, and the shard's cases hash (one more pass)."""
        stream = replace(self, shard=spec, count=0)
        digest, count = CasesDigest(), 0
        for case in stream:
            digest.add(case)
            count += 1
        return replace(stream, count=count), digest.hexdigest()


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _selected(path: Path, source: CaseSource, keep: frozenset[int] | None, anchor: Location,
              problems: ProblemList) -> Iterator[Case]:
    """The cases `sample:` and `limit:` select, in file order (as cases._select picks them)."""
    taken = 0
    for index, record in enumerate(_local_records(path, source)):
        if source.limit is not None and taken >= source.limit:
            return
        if keep is not None and index not in keep:
            continue
        case = _case_from(record.fields, source, record.location, problems, anchor)
        if case is not None:
            taken += 1
            yield case


@dataclass
class Scan:
    """What the loading pass learned about a streamed suite."""

    stream: CaseStream
    cases_hash: str
    ids: set[str]  # the cases' ids, collected only when waivers need them
    metadata_keys: set[str]


def scan_cases(path: Path, source: CaseSource, anchor: Location, seed: int,
               counterfactuals: CounterfactualSpec | None, doc: Any, template: Any,
               render: Callable[[Case], Any], need_ids: bool, problems: ProblemList) -> Scan:
    """The loading pass over a large case file: every record checked, nothing kept but ids.

    `render(case)` renders (and reports) one case's prompt; problems go to `problems`."""
    capped = CappedProblems(anchor)
    signature = _signature(path)
    keep, records, taken = None, 0, 0
    expander = (CounterfactualExpander(counterfactuals, doc, capped)
                if counterfactuals is not None else None)
    digest, count, ids, keys = CasesDigest(), 0, set(), set()
    lacking = MissingFields()  # records without a mapped field: one problem per field
    seen: dict[str, int] = {}  # id -> its line (rows of a dataset: -(row + 1))
    variant_ids: dict[str, str] = {}
    try:
        if source.sample is not None:
            keep = _sample_indices(path, source, seed)
        for index, record in enumerate(_local_records(path, source)):
            records += 1
            case = _case_from(record.fields, source, record.location, capped, anchor, lacking)
            if case is None or not _first_use(case, record.location, seen, path, anchor, capped):
                continue
            if (keep is not None and index not in keep) or (
                    source.limit is not None and taken >= source.limit):
                continue
            taken += 1
            for variant in (expander.expand(case) if expander else (case,)):
                if expander is not None:
                    expander.check_unique(variant, variant_ids)
                digest.add(variant)
                count += 1
                keys.update(variant.metadata)
                if need_ids:
                    ids.add(variant.id)
                render(variant)
    except CaseFileError as exc:
        capped.add(exc.problem)
    lacking.records = records
    for problem in lacking.problems(doc, source):
        capped.add(problem)
    if not records:
        capped.add(Problem("the suite has no cases", anchor))
    elif expander is not None:
        expander.finish()
    capped.close()
    for problem in capped.problems:
        problems.add(problem)
    stream = CaseStream(path, source, anchor, count, keep, counterfactuals, template, signature)
    return Scan(stream, digest.hexdigest(), ids, keys)


def _sample_indices(path: Path, source: CaseSource, seed: int) -> frozenset[int] | None:
    """The record indices `sample:` keeps (as cases._select draws them)."""
    import random

    total = sum(1 for _ in _local_records(path, source))
    if source.sample >= total:
        return None
    rng = random.Random(source.seed if source.seed is not None else seed)
    return frozenset(rng.sample(range(total), source.sample))


def _first_use(case: Case, location: Location, seen: dict[str, int], path: Path,
               anchor: Location, problems: ProblemList) -> bool:
    """cases._check_unique, one case at a time, keeping only each id's line (or row)."""
    line = location.line
    first = seen.get(case.id)
    if first is None:
        seen[case.id] = line if line is not None else -((location.row or 0) + 1)
        return True
    first_at = f"{path}:{first}:1" if first > 0 else f"{path} (row {-first - 1})"
    shown = "" if line is not None else f" ({case.source})"
    problems.add(Problem(f"duplicate case id '{case.id}'{shown}",
                         location if line is not None else anchor,
                         hint=f"first used at {first_at}; ids must be unique"))
    return False
