"""Collection: suite files matching `evalkit_suites` become a file → suite → items tree.

Node ids: `path/suite.yaml::SUITE::CASE_ID` per case (counterfactual variants too:
`...::loan~name=Lakisha`), `...::SUITE::gate[N]` per gate, `...::SUITE::waivers` when the suite
has waivers and `...::SUITE::regression` when a baseline is configured.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pytest

from ..printable import printable
from .execution import SessionState, SuiteEntry
from .options import NO_MODEL


@lru_cache(maxsize=64)
def _glob_regex(pattern: str) -> re.Pattern:
    """A glob as a regex over '/'-separated relative paths: `**/` is any number of folders."""
    out, i = "", 0
    pattern = pattern.replace("\\", "/")
    pattern = pattern[2:] if pattern.startswith("./") else pattern
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out, i = out + re.escape("["), i + 1
            else:
                body = pattern[i + 1:end]
                out += "[" + ("^" + body[1:] if body.startswith("!") else body) + "]"
                i = end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def matches(path: Path, globs: Iterable[str], bases: Iterable[Path]) -> bool:
    for base in bases:
        try:
            relative = path.relative_to(base).as_posix()
        except ValueError:
            continue
        if any(_glob_regex(g.strip()).match(relative) for g in globs if g.strip()):
            return True
    return False


def collect_file(state: SessionState, file_path: Path, parent: pytest.Collector):
    """A SuiteFile for an evalkit suite (a YAML file with a top-level `suite:` key) matching
    the `evalkit_suites` globs; other YAML (docker-compose, CI files) is left alone, with a
    warning when it looks like a suite that lost its `suite:` key."""
    if file_path.suffix.lower() not in (".yaml", ".yml"):
        return None
    config = parent.config
    globs = config.getini("evalkit_suites")
    bases = dict.fromkeys([Path(config.rootpath), Path(config.invocation_params.dir)])
    if not matches(Path(file_path).absolute(), globs, bases):
        return None
    from .suite_files import BROKEN, SUITE, classify

    kind, why = classify(Path(file_path))
    if kind == SUITE:
        return SuiteFile.from_parent(parent, path=file_path, state=state)
    if kind == BROKEN:
        import warnings

        warnings.warn(pytest.PytestCollectionWarning(
            f"{file_path}: not collected as an evalkit suite: {why}"), stacklevel=1)
    return None


class SuiteFile(pytest.File):
    """A suite YAML file; loading it validates it (a broken suite is a collection error)."""

    def __init__(self, *, state: SessionState, **kwargs):
        super().__init__(**kwargs)
        self.state = state

    def collect(self):
        from ..errors import MISSING_GOLDEN, EvalkitError, SuiteError
        from ..suite import load_suite

        state = self.state
        path = Path(self.path).absolute()
        try:
            if state.settings.update_golden:
                from .golden import create_missing_files

                create_missing_files(path)
            # a var only some suites declare leaves the others as they are
            suite = load_suite(path, state.settings.vars, undeclared_ok=True)
        except SuiteError as exc:
            from .items import shown

            text = shown(str(exc))
            missing = [p for p in exc.problems if p.kind == MISSING_GOLDEN]
            if missing:
                text += "\n  hint: run pytest --evalkit-update-golden to create it"
            if missing and len(missing) == len(exc.problems) and not state.settings.model:
                # nothing would run anyway: a skip that says why, not a collection error
                yield SkippedSuite.from_parent(self, name=path.name,
                                               line=missing[0].location.line or 1,
                                               reason=f"{shown(missing[0].message)}; {NO_MODEL}")
                return
            raise self.CollectError(text) from None
        except EvalkitError as exc:
            from .items import shown

            raise self.CollectError(shown(str(exc))) from None
        key = f"{path}::{suite.name}"
        entry = state.entries.get(key)
        if entry is None:
            entry = state.entries[key] = SuiteEntry(key=key, suite=suite)
        yield SuiteNode.from_parent(self, name=printable(suite.name), entry=entry)


class SkippedSuite(pytest.Item):
    """A suite that cannot load for a reason that only matters with a model (its golden file
    does not exist yet): one skipped item at the suite's line, saying why."""

    def __init__(self, *, line: int, reason: str, **kwargs):
        super().__init__(**kwargs)
        self.line, self.reason = line, reason

    def reportinfo(self):
        return self.path, self.line - 1, self.name

    def runtest(self) -> None:
        try:  # reported at the suite's line, not at this plugin's (pytest >= 7)
            raise pytest.skip.Exception(self.reason, _use_item_location=True)
        except TypeError:  # pragma: no cover - older pytest
            pytest.skip(self.reason)


class SuiteNode(pytest.Collector):
    """The suite (named after `suite:`), holding its case, gate and regression items."""

    def __init__(self, *, entry: SuiteEntry, **kwargs):
        super().__init__(**kwargs)
        self.entry = entry

    def _line(self, key_path: tuple) -> int:
        return self.entry.suite.locate(key_path).line or 1

    def reportinfo(self):
        return self.path, self._line(("suite",)) - 1, f"suite {self.name}"

    def collect(self):
        from . import items

        entry, state = self.entry, self.parent.state
        suite = entry.suite
        suite_path = Path(self.path)
        cases_line = self._line(("cases",))
        # node names are printed by pytest: control characters in ids are shown escaped
        taken = {printable(c.id) for c in suite.cases}
        for case in suite.cases:
            where = case.location
            if where is None or where.line is None:  # a dataset row: no line of its own
                path, line = suite_path, cases_line
            else:
                path, line = Path(where.path), where.line
                path = path if path.is_absolute() else suite_path.parent / path
            yield items.CaseItem.from_parent(self, name=printable(case.id), entry=entry, case=case,
                                             where=(path, line), state=state)
        for index, _gate in enumerate(suite.spec.gates):
            name = _free(f"gate[{index}]", taken)
            yield items.GateItem.from_parent(self, name=name, entry=entry, index=index,
                                             where=(suite_path, self._line(("gates", index))),
                                             state=state)
        if suite.spec.waivers:
            yield items.WaiverItem.from_parent(self, name=_free("waivers", taken), entry=entry,
                                               where=(suite_path, self._line(("waivers",))),
                                               state=state)
        if state.settings.baseline:
            yield items.RegressionItem.from_parent(
                self, name=_free("regression", taken), entry=entry,
                where=(suite_path, self._line(("suite",))), state=state)


def _free(name: str, taken: set[str]) -> str:
    """A name for a suite-level item that no case id uses."""
    while name in taken:
        name = "evalkit-" + name
    return name
