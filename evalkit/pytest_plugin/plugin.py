"""The pytest11 entry point: evalkit suites as pytest items, and the `evalkit` fixture.

Only light modules are imported here; suites, the runner, DuckDB and pandas are imported
when a suite file is collected or an item runs, so sessions without suites pay nothing.
"""
from __future__ import annotations

import pytest

from . import options, xdist
from .execution import SessionState

STATE = pytest.StashKey[SessionState]()

MARKERS = (
    "evalkit: an item made from an evalkit suite (case, gate, waivers or regression)",
    "evalkit_case: an evalkit suite case",
    "evalkit_gate: an evalkit suite gate",
    "evalkit_waivers: the expired waivers of an evalkit suite",
    "evalkit_regression: an evalkit suite's comparison with the baseline",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    options.addoption(parser)


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    options.shard(config)  # a bad --evalkit-shard is a usage error before collection
    state = SessionState(config)
    config.stash[STATE] = state
    xdist.configure(config, state)
    if config.getoption("evalkit_allow_outside_files", False):
        from ..file_scope import allow_outside_files

        allow_outside_files(True)


def pytest_unconfigure(config: pytest.Config) -> None:
    if config.getoption("evalkit_allow_outside_files", False):
        from ..file_scope import allow_outside_files

        allow_outside_files(None)


def pytest_collect_file(file_path, parent):
    state = parent.config.stash.get(STATE, None)
    if state is None:
        return None
    from .collection import collect_file

    return collect_file(state, file_path, parent)


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    """--evalkit-shard I/N: only this shard's cases run; the suites' gate, waiver and
    regression items judge whole suites, so they wait for the merged run (evalkit merge)."""
    state = config.stash.get(STATE, None)
    if state is None or not state.entries or state.settings.shard is None:
        return
    spec = state.settings.shard
    kept, dropped = [], []
    for item in items:
        kind = getattr(item, "evalkit_kind", None)
        if kind is None or (kind == "case" and spec.holds(item.case.id, item.case.metadata)):
            kept.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_collection_finish(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is not None and state.entries:
        state.select(session.items)


@pytest.fixture(scope="session")
def evalkit(request: pytest.FixtureRequest):
    """Evals in Python: `evalkit.generate(prompt) -> str` (the configured model; skipped
    without one) and `evalkit.score(name, output, target=..., **params) -> Score`."""
    from .fixture import EvalkitHelper

    helper = EvalkitHelper(request.config.stash[STATE])
    yield helper
    helper.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None or state.is_worker:
        return
    xdist.collect_outcomes(state)
    if state.outcomes:
        from .summary import write_reports

        write_reports(state)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or state.is_worker or not state.outcomes:
        return
    from .items import shown
    from .summary import lines

    terminalreporter.write_sep("=", "evalkit")
    for line in lines(state):
        terminalreporter.write_line(shown(line))
