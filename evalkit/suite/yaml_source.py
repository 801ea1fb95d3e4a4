"""YAML as data, with positions: a safe load that remembers where every key and value is.

PyYAML's SafeLoader already refuses tags that run code; on top of it this module
rejects duplicate keys (which plain YAML silently overwrites) and keeps a map from
key paths (('scorers', 0, 'type')) to line:col, so validation errors can point at
the offending line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import Location, Problem, SuiteError

KeyPath = tuple  # of str | int

MAX_NODES = 200_000  # alias bombs ("billion laughs") expand past any real suite
MAX_DEPTH = 100  # deeper nesting is no real suite, and would overflow Python's stack later on
# Untagged (or plainly tagged) collections; any other tag (!!python/object, !!set, !foo) is refused.
PLAIN_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
MERGE_TAG = "tag:yaml.org,2002:merge"
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|.)", re.DOTALL)  # in "..."
_LONE_SURROGATE = re.compile("[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]")


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
    value_end_lines: dict[KeyPath, int] = field(default_factory=dict)  # last line of a value

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
        self.active: set[int] = set()  # ids of the collections being built (alias cycles)
        self.inherited: dict[int, int] = {}  # mapping id: how many pairs came from '<<' merges

    def problem(self, node: yaml.Node, message: str, path: KeyPath, hint: str = "") -> SuiteError:
        loc = self.doc.location_at(*_mark(node))
        return SuiteError([Problem(message, loc, format_key_path(path), hint)])

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.problem(node, f"document expands to more than {MAX_NODES} nodes", path,
                               "remove YAML aliases that expand recursively")
        self.doc.value_marks.setdefault(path, _mark(node))
        self.doc.value_end_lines.setdefault(path, node.end_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if node.tag not in PLAIN_COLLECTION_TAGS:
            raise self.problem(node, f"tag '{node.tag}' is not allowed", path,
                               "plain YAML only: tags such as !!python/... are not allowed")
        if id(node) in self.active:
            raise self.problem(node, "an alias refers to the collection that contains it", path,
                               "remove the recursive alias (*name inside &name)")
        if len(self.active) >= MAX_DEPTH:
            raise self.problem(node, f"nested more than {MAX_DEPTH} levels deep", path)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: yaml.Node, path: KeyPath) -> Any:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self.problem(node, f"cannot read this value: {getattr(exc, 'problem', exc)}",
                               path, "plain YAML only: tags such as !!python/... are not allowed")
        if isinstance(value, str) and _SURROGATE.search(value):
            value = self._combine_surrogates(value, node, path)
        return value

    def _combine_surrogates(self, value: str, node: yaml.Node, path: KeyPath) -> str:
        """A JSON-style escaped emoji, "\\ud83d\\ude00", is one character (😀) that YAML reads
        as two halves. Pairs are joined; a half without its other half is an error."""
        lone = _LONE_SURROGATE.search(value)
        if lone is None:
            return value.encode("utf-16", "surrogatepass").decode("utf-16")
        code = ord(lone.group())
        # A UTF-8 file holds no surrogates: each one in the value is an escape, in order.
        nth = sum(1 for _ in _SURROGATE.finditer(value, 0, lone.start()))
        source = self.doc.text[node.start_mark.index:node.end_mark.index]
        escapes = [m for m in _ESCAPE.finditer(source)
                   if 0xD800 <= int(m.group(1) or m.group(2) or "0", 16) <= 0xDFFF]
        loc = (_offset_location(self.doc, node.start_mark.index + escapes[nth].start())
               if nth < len(escapes) else self.doc.location_at(*_mark(node)))
        raise SuiteError([Problem(
            f"\\u{code:04x} is half of a UTF-16 surrogate pair, without its other half",
            loc, format_key_path(path), "escape a character beyond U+FFFF as a pair "
            "(\\ud83d\\ude00) or as \\U0001F600, or write the character itself")])

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict:
        if id(node) not in self.inherited:
            own = sum(1 for key_node, _ in node.value if key_node.tag != MERGE_TAG)
            try:
                self.constructor.flatten_mapping(node)  # resolves '<<' merge keys
            except yaml.YAMLError as exc:
                raise self.problem(node, f"bad merge key: {getattr(exc, 'problem', exc)}", path)
            # flatten_mapping puts the merged pairs first; the mapping's own keys override them.
            self.inherited[id(node)] = len(node.value) - own
        inherited_count = self.inherited[id(node)]
        pairs = []
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.problem(key_node, "mapping keys must be plain scalars", path)
            key = self._scalar(key_node, path)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = str(key)
            pairs.append((index < inherited_count, key, key_node, value_node))
        # A merged pair is overridden by the mapping's own key or by a later merged pair
        # (PyYAML's order: the first mapping listed in `<<: [*a, *b]` wins).
        own_keys = {key for merged, key, _, _ in pairs if not merged}
        last_merged = {key: i for i, (merged, key, _, _) in enumerate(pairs) if merged}
        out: dict = {}
        for i, (merged, key, key_node, value_node) in enumerate(pairs):
            if merged and (key in own_keys or last_merged[key] != i):
                continue
            if key in out:
                first = self.doc.key_marks[path + (key,)]
                raise self.problem(key_node, f"duplicate key '{key}'", path + (key,),
                                   f"first defined at line {first[0]}; remove one of them")
            self.doc.key_marks[path + (key,)] = _mark(key_node)
            out[key] = self.build(value_node, path + (key,))
        return out


def _too_deep(text: str, doc: YamlDoc) -> SuiteError:
    """PyYAML's composer recursed past Python's stack: find the first too-deep collection."""
    depth, mark = 0, None
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):  # events: no recursion
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    break
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        pass
    loc = doc.location_at(mark.line + 1, mark.column + 1) if mark else doc.location_at(1, 1)
    return SuiteError([Problem(f"nested more than {MAX_DEPTH} levels deep", loc)])


def _offset_location(doc: YamlDoc, offset: int) -> Location:
    """line:col of a character offset, counting line breaks the way YAML does."""
    before = doc.text[:offset]
    line = len(re.findall(r"\r\n|[\r\n\x85\u2028\u2029]", before)) + 1
    start = max(before.rfind(c) for c in "\r\n\x85\u2028\u2029") + 1
    return doc.location_at(line, offset - start + 1)


def parse_yaml(text: str, path: str) -> YamlDoc:
    doc = YamlDoc(path=path, text=text, data=None)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"invalid YAML: {exc.problem or exc.context}"
        if mark is not None and exc.context_mark is not None and exc.problem and exc.context \
                and doc._line(mark.line + 1) is None:
            # The problem is the end of the file: point where the unclosed thing began.
            mark, message = exc.context_mark, f"{message} {exc.context}"
        loc = doc.location_at(mark.line + 1, mark.column + 1) if mark else doc.location_at(1, 1)
        raise SuiteError([Problem(message, loc, hint="check indentation and quoting")]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (control codes)
        char = exc.character  # PyYAML gives the code point as an int
        code = char if isinstance(char, int) else ord(str(char)[:1] or "?")
        raise SuiteError([Problem(f"invalid YAML: character U+{code:04X} is not allowed: "
                                  f"{exc.reason}", _offset_location(doc, exc.position),
                                  hint="remove the control character")]) from None
    except yaml.YAMLError as exc:
        raise SuiteError([Problem(f"invalid YAML: {exc}", doc.location_at(1, 1))]) from None
    except RecursionError:
        raise _too_deep(text, doc) from None
    if node is None:
        raise SuiteError([Problem("the file is empty", Location(path, 1, 1),
                                  hint="a suite needs at least 'suite', 'prompt' and 'cases'")])
    try:
        doc.data = _Builder(doc).build(node, ())
    except RecursionError:  # pragma: no cover - MAX_DEPTH stops the builder well before
        raise _too_deep(text, doc) from None
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
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line_end = raw.find(b"\n", exc.start)
        text = raw[line_start: None if line_end < 0 else line_end].decode("utf-8", "replace")
        col = len(raw[line_start: exc.start].decode("utf-8", "replace")) + 1
        raise SuiteError([Problem(f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                                  Location(str(path), line, col, text),
                                  hint="save the file as UTF-8")]) from None
    return parse_yaml(text, str(path))
