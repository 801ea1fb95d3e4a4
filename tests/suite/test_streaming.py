"""Large case files stream (suite/streaming.py): the same cases, hashes and prompts as a suite
loaded whole, the same problems with file:line, and memory that does not grow with the file."""
from __future__ import annotations

import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evalkit.errors import SuiteError
from evalkit.suite import load_suite
from evalkit.suite.shard import ShardSpec
from evalkit.suite.streaming import CaseStream
from tests.suite.helpers import check_problem, write, write_jsonl


@pytest.fixture
def streamed(monkeypatch):
    """Load suites with a low streaming threshold (normally 100,000 rows)."""
    def load(path, **kwargs):
        monkeypatch.setenv("EVALKIT_STREAM_ROWS", "5")
        suite = load_suite(path, **kwargs)
        monkeypatch.delenv("EVALKIT_STREAM_ROWS")
        return suite
    return load


def _records(n: int) -> list[dict]:
    return [{"id": f"c{i}", "question": f"Is {{{{name}}}} due {i} days?" if i % 3 == 0 else f"q{i}",
             "answer": "yes", "lang": ["en", "fr"][i % 2]} for i in range(n)]


SUITE = """
suite: big
prompt:
  system: "Answer in {{ metadata.lang }}."
  user: "{{ question }} ({{ case_id }})"
cases:
  from: CASES
  target: answer
  metadata: [lang]
  SELECT
counterfactuals: {groups: {name: [Emily, Wei]}}
slices: [lang]
scorers:
  - type: exact
"""


def _suite(folder, cases_file: str, select: str = "") -> object:
    return write(folder / "big.yaml", SUITE.replace("CASES", cases_file).replace("SELECT", select))


def _same(whole, stream) -> None:
    assert isinstance(stream.cases, CaseStream) and not isinstance(whole.cases, CaseStream)
    assert list(stream.cases) == list(whole.cases) and len(stream.cases) == len(whole.cases)
    assert stream.cases_hash == whole.cases_hash
    assert [p for chunk in stream.chunks(7) for p in chunk] == \
        [p for chunk in whole.chunks(7) for p in chunk]


@pytest.mark.parametrize("select", ["", "limit: 25", "sample: 30\n  seed: 3"])
def test_a_streamed_suite_is_the_suite_loaded_whole(tmp_path, streamed, select):
    write_jsonl(tmp_path / "cases.jsonl", _records(60))
    path = _suite(tmp_path, "cases.jsonl", select)
    whole, stream = load_suite(path), streamed(path)
    _same(whole, stream)
    spec = ShardSpec(2, 3)
    _same(whole.sharded(spec), stream.sharded(spec))
    assert stream.sharded(spec).shard == whole.sharded(spec).shard


def test_csv_and_parquet_stream_too(tmp_path, streamed):
    records = _records(40)
    with (tmp_path / "cases.csv").open("w", newline="", encoding="utf-8") as handle:
        handle.write("id,question,answer,lang\n")
        for r in records:
            handle.write(f'{r["id"]},"{r["question"]}",{r["answer"]},{r["lang"]}\n')
    pq.write_table(pa.Table.from_pylist(records), tmp_path / "cases.parquet", row_group_size=7)
    for name in ("cases.csv", "cases.parquet"):
        path = _suite(tmp_path, name)
        whole, stream = load_suite(path), streamed(path)
        _same(whole, stream)
        assert [c.vars["question"] for c in whole.cases if "~" not in c.id] == \
            [r["question"] for r in records if "{{" not in r["question"]]


def test_a_streamed_suite_reports_problems_at_their_lines(tmp_path, streamed):
    records = _records(20)
    records[7] = {"id": "c3", "question": "again", "answer": "yes", "lang": "en"}  # line 8
    records[11].pop("lang")  # line 12
    write_jsonl(tmp_path / "cases.jsonl", records)
    path = write(tmp_path / "big.yaml", SUITE.replace("CASES", "cases.jsonl")
                 .replace("SELECT", "").replace("({{ case_id }})", "{{ missing }}"))
    with pytest.raises(SuiteError) as info:
        streamed(path)
    error, cases = info.value, tmp_path / "cases.jsonl"
    check_problem(error, file=cases, line=8, col=1, message="duplicate case id 'c3'",
                  hint=f"first used at {cases}:4:1")
    check_problem(error, file=cases, line=12, col=1, message="has no field 'lang'")
    assert any("'missing' is undefined" in p.message for p in error.problems)


def test_at_most_fifty_problems_then_a_count(tmp_path, streamed):
    write_jsonl(tmp_path / "cases.jsonl", [{"id": "same", "question": "q", "answer": "a",
                                            "lang": "en"}] * 80)
    with pytest.raises(SuiteError) as info:
        streamed(_suite(tmp_path, "cases.jsonl"))
    # 79 duplicate ids and "no case uses a counterfactual placeholder": 80 problems
    assert len(info.value.problems) == 51
    assert "... and 30 more problems in the case file" in info.value.problems[-1].message


def test_a_case_file_changed_after_loading_is_refused(tmp_path, streamed):
    write_jsonl(tmp_path / "cases.jsonl", _records(30))
    stream = streamed(_suite(tmp_path, "cases.jsonl"))
    write_jsonl(tmp_path / "cases.jsonl", _records(31))
    with pytest.raises(SuiteError, match="the case file changed after the suite was loaded"):
        next(stream.chunks())


MEASURE = """
import resource, sys
from evalkit.suite import load_suite
from evalkit.suite.streaming import CaseStream
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
suite = load_suite(sys.argv[1])
assert isinstance(suite.cases, CaseStream) and len(suite.cases) == 200_000
seen = sum(len(chunk) for chunk in suite.chunks())
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(seen, grown)
"""


def test_memory_stays_bounded_for_200k_cases(tmp_path):
    """200,000 rows, in a fresh process: the loading pass (every record checked and rendered)
    and reading every chunk add a few tens of MB to the peak RSS, not the file's worth of
    Python objects (loaded whole, the same file holds about 340 MB at once)."""
    with (tmp_path / "cases.jsonl").open("w", encoding="utf-8") as handle:
        for i in range(200_000):
            handle.write(json.dumps({"id": f"case-{i:07d}", "question": f"What is {i} plus one?",
                                     "answer": str(i + 1)}) + "\n")
    path = write(tmp_path / "s.yaml", """
        suite: s
        prompt: "{{ question }}"
        cases: {from: cases.jsonl, target: answer}
        scorers: [{type: exact}]
        """)
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    seen, grown_kib = map(int, done.stdout.split())
    assert seen == 200_000
    # the loading pass keeps each id and its line (to report duplicate ids): ~25 MB of it
    assert grown_kib < 64 * 1024, f"peak RSS grew by {grown_kib / 1024:.0f} MiB"
