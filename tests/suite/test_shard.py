"""Shards (`evalkit run --shard I/N`): a deterministic, stable 1/N of a suite's cases."""
from __future__ import annotations

import pytest
from scipy.stats import chisquare

from evalkit.errors import UsageError
from evalkit.suite import load_suite
from evalkit.suite.loader import cases_digest
from evalkit.suite.shard import ShardSpec, shard_index
from tests.suite.helpers import write, write_jsonl


def _suite(folder, records, extra: str = ""):
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / "cases.jsonl", records)
    return write(folder / "s.yaml", f"""
        suite: s
        prompt: "{{{{ question }}}}"
        {extra}
        cases:
          from: cases.jsonl
          target: answer
        scorers:
          - type: exact
        """)


def _records(ids):
    return [{"id": i, "question": f"q {i}", "answer": "a"} for i in ids]


def _ids(suite):
    return [c.id for c in suite.cases]


def test_shards_partition_the_cases_and_record_the_whole_suite(tmp_path):
    suite = load_suite(_suite(tmp_path, _records(f"case-{i}" for i in range(400))))
    shards = [suite.sharded(ShardSpec(i, 4)) for i in range(1, 5)]
    held = [_ids(s) for s in shards]
    assert sorted(sum(held, [])) == sorted(_ids(suite))  # every case once
    assert all(held)  # none empty at 400 cases
    for shard, ids in zip(shards, held):
        assert ids == [i for i in _ids(suite) if i in set(ids)]  # suite order kept
        assert set(shard.requests) == set(ids)
        assert shard.cases_hash == cases_digest(shard.cases) != suite.cases_hash
        assert shard.shard.cases_hash == suite.cases_hash and shard.shard.n_cases == 400
    # 1 + the first 8 bytes of sha256(id) mod N: roughly even (chi-square, not a coin flip)
    counts = [len(ids) for ids in held]
    assert chisquare(counts).pvalue > 0.001, counts


def test_a_case_keeps_its_shard_when_other_cases_change(tmp_path):
    before = load_suite(_suite(tmp_path / "a", _records(f"c{i}" for i in range(200))))
    edited = _records(f"c{i}" for i in range(50, 300))  # 50 removed, 100 added
    edited[0]["question"] = "an edited question"
    after = load_suite(_suite(tmp_path / "b", edited))
    for index in range(1, 6):
        spec = ShardSpec(index, 5)
        kept = set(_ids(before.sharded(spec))) & set(_ids(after))
        assert kept == set(_ids(after.sharded(spec))) & set(_ids(before))


def test_counterfactual_variants_stay_with_their_origin(tmp_path):
    records = [{"id": f"loan{i}", "question": f"Should {{{{name}}}} get loan {i}?", "answer": "yes"}
               for i in range(40)]
    suite = load_suite(_suite(tmp_path, records,
                              "counterfactuals: {groups: {name: [Emily, Lakisha, Wei]}}"))
    for index in (1, 2, 3):
        shard = suite.sharded(ShardSpec(index, 3))
        origins = {}
        for case in shard.cases:
            origins.setdefault(case.metadata["origin"], set()).add(case.id)
        assert all(len(v) == 3 for v in origins.values())  # all three variants, or none
        assert all(shard_index(o, None, 3) == index for o in origins)


def test_shard_one_of_one_is_the_whole_suite(tmp_path):
    suite = load_suite(_suite(tmp_path, _records(["a", "b", "c"])))
    whole = suite.sharded(ShardSpec(1, 1))
    assert _ids(whole) == _ids(suite) and whole.cases_hash == suite.cases_hash


@pytest.mark.parametrize("text, message", [
    ("2", "expected I/N"), ("a/b", "expected I/N"), ("0/4", "between 1 and N"),
    ("5/4", "between 1 and N"), ("1/0", "between 1 and N"), ("-1/4", "expected I/N")])
def test_bad_shard_specs_are_one_line_errors(text, message):
    with pytest.raises(UsageError) as info:
        ShardSpec.parse(text)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert ShardSpec.parse(" 3 / 4 ") == ShardSpec(3, 4)
