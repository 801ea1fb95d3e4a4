"""Cases from inline lists, JSONL/JSON/CSV files, Parquet, `save_to_disk` folders or the HF hub.

Every record keeps the file:line it came from, so mapping errors and duplicate ids
point at the record.
"""
from __future__ import annotations

import csv
import glob
import json
import random
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..errors import MISSING_FILE, Location, Problem, ProblemList, did_you_mean
from ..file_scope import MAX_DATA_BYTES, FileRefused, FileScope, MissingFile
from ..types import Case, sha256_hex
from .grouped_problems import MissingFields
from .schema import CaseSource, InlineCase
from .yaml_source import YamlDoc, format_key_path

_JSON_SPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class Record:
    fields: Mapping[str, Any]
    location: Location


class CaseFileError(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def _file_problem(path: Path, message: str, line: int | None = None, col: int | None = None,
                  text: str | None = None, hint: str = "") -> CaseFileError:
    return CaseFileError(Problem(message, Location(str(path), line, col, text), hint=hint))


def _jsonl_records(path: Path) -> Iterator[Record]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _file_problem(path, f"invalid JSON: {exc.msg}", number, exc.colno, line,
                                    "each line must be one JSON object") from None
            if not isinstance(value, dict):
                raise _file_problem(path, f"expected a JSON object, got {type(value).__name__}",
                                    number, 1, line)
            yield Record(value, Location(str(path), number, 1, line))


def _array_item_offsets(text: str) -> list[int]:
    """Start offsets of the items of a JSON array (the text is known to be a valid one)."""
    decoder, offsets = json.JSONDecoder(), []
    pos = _JSON_SPACE.match(text, 0).end() + 1  # past '['
    while True:
        pos = _JSON_SPACE.match(text, pos).end()
        if text[pos] == "]":
            return offsets
        offsets.append(pos)
        pos = _JSON_SPACE.match(text, decoder.raw_decode(text, pos)[1]).end()
        pos += text[pos] == ","


def _json_records(path: Path) -> Iterator[Record]:
    text = path.read_text(encoding="utf-8")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _file_problem(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno,
                            text.split("\n")[exc.lineno - 1]) from None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _file_problem(path, "expected a JSON array of objects", 1, 1,
                            hint="or use JSONL: one object per line")
    lines = text.split("\n")  # json.loads counts lines by '\n' only
    for record, offset in zip(value, _array_item_offsets(text)):
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        yield Record(record, Location(str(path), line, col, lines[line - 1]))


class _CsvLines:
    """The file's lines as csv reads them, keeping those of the current record (for messages)
    so the file is read as a stream."""

    def __init__(self, handle):
        self.handle, self.number, self.recent = handle, 0, {}

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.handle)
        self.number += 1
        self.recent[self.number] = line
        return line

    def text(self, number: int) -> str | None:
        line = self.recent.get(number)
        self.recent = {}  # the next record starts after this one
        return None if line is None else line.rstrip("\r\n")


def _csv_records(path: Path) -> Iterator[Record]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = _CsvLines(handle)
        reader = csv.DictReader(lines)
        start = 2
        for row in reader:
            shown = lines.text(start)
            if None in row:
                raise _file_problem(path, "row has more cells than the header", start, 1, shown)
            if None in row.values():  # DictReader's filler for cells the row lacks
                missing = [name for name, value in row.items() if value is None]
                raise _file_problem(path, f"row has fewer cells than the header (no "
                                    f"'{missing[0]}')", start, 1, shown,
                                    "give every column a cell; an empty one is written as ,,")
            yield Record(dict(row), Location(str(path), start, 1, shown))
            start = reader.line_num + 1


def parquet_module():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        from ..errors import MissingExtraError

        raise MissingExtraError("pyarrow", "parquet", "reading cases from a .parquet file") from None
    return pq


def _parquet_records(path: Path) -> Iterator[Record]:
    """Rows in batches (pyarrow), never the whole file as Python objects."""
    pq = parquet_module()

    index = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            yield Record(row, Location(str(path), row=index))
            index += 1


def _dataset_records(dataset: Any, origin: str) -> Iterator[Record]:
    for index, row in enumerate(dataset):
        yield Record(dict(row), Location(origin, row=index))


def _datasets_module():
    try:
        import datasets
    except ImportError:
        from ..errors import MissingExtraError
        raise MissingExtraError("datasets", "datasets",
                                "loading cases with Hugging Face datasets") from None
    return datasets


def _local_data_files(pattern: str, suite_dir: Path, scope: FileScope) -> list[str]:
    """The files a `data_files` entry names (a glob allowed), each one the suite may read;
    a URL is left to datasets."""
    if "://" in pattern:
        return [pattern]
    found = sorted(glob.glob(str(suite_dir / pattern), recursive=True)) if glob.has_magic(
        pattern) else [str(suite_dir / pattern)]
    if not found:
        raise _file_problem(suite_dir / pattern, "data_files matches no file")
    try:
        return [str(scope.check(Path(name), "data file", max_bytes=MAX_DATA_BYTES))
                for name in found]
    except FileRefused as exc:
        raise _file_problem(Path(pattern), str(exc)) from None


def _hf_records(source: CaseSource, suite_dir: Path, scope: FileScope) -> Iterator[Record]:
    datasets = _datasets_module()
    data_files = source.data_files
    if isinstance(data_files, str):
        data_files = _local_data_files(data_files, suite_dir, scope)
    elif isinstance(data_files, list):
        data_files = [f for entry in data_files for f in _local_data_files(entry, suite_dir, scope)]
    elif isinstance(data_files, dict):
        data_files = {k: [f for entry in ([v] if isinstance(v, str) else v)
                          for f in _local_data_files(entry, suite_dir, scope)]
                      for k, v in data_files.items()}
    dataset = datasets.load_dataset(source.hf, source.config, data_files=data_files,
                                    split=source.split or "train", revision=source.revision)
    yield from _dataset_records(dataset, f"hf:{source.hf}")


# Dataset builders that read local files (given as data_files) without going to the hub.
LOCAL_BUILDERS = frozenset({"json", "csv", "parquet", "text", "arrow", "pandas"})


def needs_network(source: CaseSource) -> bool:
    """Whether loading these cases would download something (a hub dataset, remote files)."""
    if source.hf is None:
        return False
    files = source.data_files
    if isinstance(files, dict):
        files = [f for v in files.values() for f in ([v] if isinstance(v, str) else v)]
    elif isinstance(files, str):
        files = [files]
    return source.hf not in LOCAL_BUILDERS or not files or any("://" in f for f in files)


def _local_records(path: Path, source: CaseSource) -> Iterator[Record]:
    if path.is_dir():  # a datasets.save_to_disk folder
        dataset = _datasets_module().load_from_disk(str(path))
        if hasattr(dataset, "keys"):  # a DatasetDict: pick the split
            split = source.split or ("test" if "test" in dataset else next(iter(dataset)))
            if split not in dataset:
                raise _file_problem(path, f"the dataset has no split '{split}'",
                                    hint=did_you_mean(split, list(dataset.keys())))
            dataset = dataset[split]
        yield from _dataset_records(dataset, str(path))
        return
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        yield from _jsonl_records(path)
    elif suffix == ".json":
        yield from _json_records(path)
    elif suffix in (".csv", ".tsv"):
        yield from _csv_records(path)
    elif suffix == ".parquet":
        yield from _parquet_records(path)
    else:
        raise _file_problem(path, f"unsupported case file type '{suffix}'",
                            hint="use .jsonl, .json, .csv, .parquet or a save_to_disk folder")


def _case_from(fields: Mapping[str, Any], source: CaseSource | None, location: Location,
               problems: ProblemList, anchor: Location,
               lacking: MissingFields | None = None) -> Case | None:
    id_field = source.id if source else "id"
    target_field = source.target if source else "target"
    renames = source.fields if source else {}
    meta_fields = source.metadata if source else []
    missing = [f for f in [*renames.values(), *meta_fields, target_field or ""] if f and f not in fields]
    if missing:
        where, shown = (location, "") if location.line is not None else (
            anchor, f" ({location.path} row {location.row})")  # dataset rows have no line
        problem = Problem(f"record{shown} has no field '{missing[0]}'", where,
                          hint="fields present: " + ", ".join(sorted(map(str, fields))))
        if lacking is not None:  # grouped by field: one problem for the records that lack it
            lacking.add(missing[0], problem, location, fields)
        else:
            problems.add(problem)
        return None
    metadata = dict(fields.get("metadata") or {}) if isinstance(fields.get("metadata"), dict) else {}
    metadata.update({f: fields[f] for f in meta_fields})
    skip = {id_field, target_field, "metadata"}
    variables = {k: v for k, v in fields.items() if k not in skip}
    for var, field in renames.items():
        variables[var] = fields[field]
    target = fields.get(target_field) if target_field else None
    raw_id = fields.get(id_field)
    case_id = str(raw_id) if raw_id not in (None, "") else sha256_hex(variables, target, metadata)[:12]
    return Case(id=case_id, vars=variables, target=target, metadata=metadata,
                location=location.bare())


def _select(cases: list[Case], source: CaseSource | None, seed: int) -> list[Case]:
    if source is None:
        return cases
    if source.sample is not None and source.sample < len(cases):
        rng = random.Random(source.seed if source.seed is not None else seed)
        keep = set(rng.sample(range(len(cases)), source.sample))
        cases = [c for i, c in enumerate(cases) if i in keep]  # keep file order
    if source.limit is not None:
        cases = cases[: source.limit]
    return cases


def _check_unique(cases: list[Case], locations: list[Location], problems: ProblemList) -> None:
    first: dict[str, Case] = {}
    for case, location in zip(cases, locations):
        if case.id in first:
            shown = "" if case.source == str(location) else f" ({case.source})"  # dataset rows
            problems.add(Problem(f"duplicate case id '{case.id}'{shown}", location,
                                 hint=f"first used at {first[case.id].source}; ids must be unique"))
        else:
            first[case.id] = case


def load_cases(spec_cases: list[InlineCase] | CaseSource, doc: YamlDoc, seed: int,
               problems: ProblemList, *, fetch: bool = True) -> list[Case]:
    """Build the suite's cases; problems are collected, not raised, so all are reported.
    `fetch=False` leaves cases that would need the network unloaded (an empty list)."""
    records: list[Record] = []
    source = spec_cases if isinstance(spec_cases, CaseSource) else None
    if source is not None and not fetch and needs_network(source):
        return []
    # Where problems without a line of their own (dataset rows, a whole file) are reported.
    anchor_path: tuple = ("cases",) if source is None else (
        ("cases", "hf") if source.hf is not None else ("cases", "from"))
    anchor = doc.location(anchor_path)
    suite_dir = Path(doc.path).parent
    scope = FileScope.of(suite_dir)
    try:
        if source is None:
            for index, inline in enumerate(spec_cases):
                fields = {**(inline.model_extra or {}), "id": inline.id, "target": inline.target,
                          "metadata": inline.metadata}
                records.append(Record(fields, doc.location(("cases", index))))
        elif source.hf is not None:
            records.extend(_hf_records(source, suite_dir, scope))
        else:
            path = suite_dir / source.from_
            try:
                scope.check(path, "case file", max_bytes=MAX_DATA_BYTES, folder_ok=True)
            except MissingFile:
                problems.add(Problem(f"case file not found: {path}", doc.location(("cases", "from")),
                                     "cases.from", "paths are relative to the suite file",
                                     MISSING_FILE))
                return []
            except FileRefused as exc:
                problems.add(Problem(str(exc), doc.location(("cases", "from")), "cases.from"))
                return []
            records.extend(_local_records(path, source))
    except CaseFileError as exc:
        problem = exc.problem
        if not scope.inside(Path(problem.location.path).resolve()):  # never echo its lines
            problem = replace(problem, location=replace(problem.location, source_line=None))
        if problem.location.line is None:  # about the file as a whole: point at `from:`
            problem = Problem(f"{problem.location.path}: {problem.message}", anchor,
                              format_key_path(anchor_path), problem.hint)
        problems.add(problem)
        return []
    except Exception as exc:  # datasets raises many types; report, never a traceback
        problems.add(Problem(f"cannot load cases: {type(exc).__name__}: {exc}",
                             doc.location(("cases",)), "cases"))
        return []
    cases, locations = [], []
    lacking = MissingFields() if source is not None else None
    for record in records:
        case = _case_from(record.fields, source, record.location, problems, anchor, lacking)
        if case is not None:
            cases.append(case)
            locations.append(record.location if record.location.line is not None else anchor)
    if lacking is not None:
        lacking.records = len(records)
        for problem in lacking.problems(doc, source):
            problems.add(problem)
    if not records:
        problems.add(Problem("the suite has no cases", doc.location(("cases",)), "cases"))
    _check_unique(cases, locations, problems)
    return _select(cases, source, seed)
