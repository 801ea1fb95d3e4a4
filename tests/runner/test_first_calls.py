"""The first calls of a run go out before the rest of the first chunk is keyed and queued:
call_chunks hands the runner FIRST_CALLS calls alone, then the rest, each exactly once."""
from __future__ import annotations

from evalkit.runner.feed import FIRST_CALLS, call_chunks
from evalkit.suite import load_suite
from tests.cli.helpers import echo_cases, write_suite


def _ids(chunks) -> list[list[str]]:
    return [[f"{c.case.id}/{c.sample}" for c in chunk] for chunk in chunks]


def test_the_first_chunk_is_split_after_its_head(tmp_path):
    suite = load_suite(write_suite(tmp_path, "s", echo_cases(300)))
    chunks = _ids(call_chunks(suite, set()))
    assert [len(c) for c in chunks] == [FIRST_CALLS, 300 - FIRST_CALLS]
    flat = [i for chunk in chunks for i in chunk]
    assert flat == [f"c{i:04d}/0" for i in range(300)]  # in order, none twice, none lost


def test_a_small_suite_and_a_resumed_run_keep_whole_chunks(tmp_path):
    small = load_suite(write_suite(tmp_path, "small", echo_cases(10)))
    assert [len(c) for c in call_chunks(small, set())] == [10]
    suite = load_suite(write_suite(tmp_path, "s", echo_cases(300)))
    done = {(f"c{i:04d}", 0) for i in range(290)}
    assert _ids(call_chunks(suite, done)) == [[f"c{i:04d}/0" for i in range(290, 300)]]
