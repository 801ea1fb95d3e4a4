"""YAML as data, with positions: a safe load that remembers where every key and value is.

PyYAML's SafeLoader already refuses tags that run code; on top of it this module
rejects duplicate keys (which plain YAML silently overwrites) and keeps a map from
key paths (('scorers', 0, 'type')) to line:col, so validation errors can point at
the offending line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import Location, Problem, SuiteError

KeyPath = tuple  # of str | int

MAX_NODES = 200_000  # alias bombs ("billion laughs") expand past any real suite


def format_key_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class YamlDoc:
    path: str
    text: str
    data: Any
    value_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def location(self, key_path: KeyPath, *, at_key: bool = False) -> Location:
        """Location of the deepest known prefix of `key_path` (pydantic paths may go deeper)."""
        path = tuple(key_path)
        while True:
            marks = (self.key_marks, self.value_marks) if at_key else (self.value_marks,)
            for table in marks:
                if path in table:
                    return self.location_at(*table[path])
            if not path:
                return Location(self.path, 1, 1, self._line(1))
            path = path[:-1]

    def location_at(self, line: int, col: int) -> Location:
        return Location(self.path, line, col, self._line(line))

    def _line(self, line: int) -> str | None:
        lines = self.lines
        return lines[line - 1] if 0 < line <= len(lines) else None


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns a composed node tree into plain Python data, recording marks."""

    def __init__(self, doc: YamlDoc):
        self.doc = doc
        self.constructor = yaml.SafeLoader("")  # only used for its scalar constructors
        self.count = 0

    def problem(self, node: yaml.Node, message: str, path: KeyPath, hint: str = "") -> SuiteError:
        loc = self.doc.location_at(*_mark(node))
        return SuiteError([Problem(message, loc, format_key_path(path), hint)])

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.problem(node, f"document expands to more than {MAX_NODES} nodes", path,
                               "remove YAML aliases that expand recursively")
        self.doc.value_marks.setdefault(path, _mark(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: yaml.Node, path: KeyPath) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self.problem(node, f"cannot read this value: {getattr(exc, 'problem', exc)}",
                               path, "plain YAML only: tags such as !!python/... are not allowed")

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict:
        try:
            self.constructor.flatten_mapping(node)  # resolves '<<' merge keys
        except yaml.YAMLError as exc:
            raise self.problem(node, f"bad merge key: {getattr(exc, 'problem', exc)}", path)
        out: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.problem(key_node, "mapping keys must be plain scalars", path)
            key = self._scalar(key_node, path)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = str(key)
            if key in out:
                first = self.doc.key_marks[path + (key,)]
                raise self.problem(key_node, f"duplicate key '{key}'", path + (key,),
                                   f"first defined at line {first[0]}; remove one of them")
            self.doc.key_marks[path + (key,)] = _mark(key_node)
            out[key] = self.build(value_node, path + (key,))
        return out


def parse_yaml(text: str, path: str) -> YamlDoc:
    doc = YamlDoc(path=path, text=text, data=None)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = doc.location_at(mark.line + 1, mark.column + 1) if mark else Location(path)
        message = f"invalid YAML: {exc.problem or exc.context}"
        raise SuiteError([Problem(message, loc, hint="check indentation and quoting")]) from None
    except yaml.YAMLError as exc:
        raise SuiteError([Problem(f"invalid YAML: {exc}", Location(path))]) from None
    if node is None:
        raise SuiteError([Problem("the file is empty", Location(path, 1, 1),
                                  hint="a suite needs at least 'suite', 'prompt' and 'cases'")])
    doc.data = _Builder(doc).build(node, ())
    return doc


def load_yaml(path: str | Path) -> YamlDoc:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SuiteError([Problem(f"cannot read file: {exc.strerror}", Location(str(path)))]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SuiteError([Problem("file is not valid UTF-8", Location(str(path), line),
                                  hint="save the file as UTF-8")]) from None
    return parse_yaml(text, str(path))
