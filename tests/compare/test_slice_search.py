"""Slice discovery (compare/slice_search.py): the search on known data, its false-discovery
control (BH checked against statsmodels), buckets and scripts, and end to end in compare()
on a real DuckDB file."""
from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from evalkit.compare import compare, multiplicity, stats
from evalkit.compare.scripts import dominant_script
from evalkit.compare.slice_search import (
    _Columns,
    add_categorical,
    add_field,
    add_numeric,
    benjamini_hochberg,
    search,
    weighted_holm,
    worse_count_p,
)
from evalkit.store import Store
from tests.compare.helpers import store_run


def _data(n: int, rng, drop: float):
    topic = rng.choice(["a", "b", "c", "d", "e", "f"], n, p=[.15, .17, .17, .17, .17, .17])
    tier = rng.choice(["free", "pro"], n)
    p = rng.uniform(0.5, 0.95, n)
    broken = (topic == "a") & (rng.random(n) < drop / p.mean())
    a = (rng.random(n) < p).astype(float)
    b = (rng.random(n) < np.where(broken, 0.0, p)).astype(float)
    columns = _Columns([], [], [], [])
    add_categorical(columns, "topic", list(topic), 30)
    add_categorical(columns, "tier", list(tier), 30)
    add_numeric(columns, "input tokens", rng.lognormal(5, 0.5, n), 30)
    return a, b, columns


def test_a_planted_drop_is_found_and_ranked_first():
    a, b, columns = _data(2000, np.random.default_rng(1), drop=0.3)
    found, searched = search(b - a, columns, q=0.05, baseline=a, candidate=b)
    assert searched > len(columns.members)  # singles and two-way combinations
    assert found and found[0].where == "topic = a"
    top = found[0]
    assert top.delta < -0.15 and top.q <= 0.05 and top.n == int(columns.members[top.columns[0]].sum())
    assert top.candidate - top.baseline == pytest.approx(top.delta)
    assert "candidate is" in top.sentence(searched) and f"n = {top.n}" in top.sentence(searched)
    # combinations with topic = a that are not much worse than it are left out
    assert not any(len(f.parts) == 2 and ("topic", "= a") in f.parts for f in found)


def test_aa_data_reports_nothing_in_most_trials():
    rng = np.random.default_rng(2)
    reported = sum(bool(search(*(lambda a, b, c: (b - a, c))(*_data(1000, rng, 0.0)), q=0.05)[0])
                   for _ in range(40))
    assert reported <= 4  # BH keeps P(any false slice) near q = 0.05 under A/A


def test_an_improvement_is_not_reported_as_a_slice_that_got_worse():
    a, b, columns = _data(2000, np.random.default_rng(3), drop=0.3)
    found, _ = search(a - b, columns, q=0.05)  # the other way round: the slice got better
    assert not any("topic = a" in f.where for f in found)


def test_weighted_holm_is_the_graphical_procedure_with_proportional_transitions():
    rng = np.random.default_rng(5)
    p = rng.uniform(0, 0.05, 30) ** 1.5
    w = np.where(np.arange(30) < 10, 0.5 / 10, 0.5 / 20)  # singles and combinations
    g = np.tile(w, (30, 1))
    np.fill_diagonal(g, 0.0)
    g /= g.sum(axis=1, keepdims=True)
    expected = multiplicity.adjusted_p(p, multiplicity.Graph(w, g))
    assert weighted_holm(p, w) == pytest.approx(expected)
    assert weighted_holm(p, np.full(30, 1 / 30)) == pytest.approx(stats.holm(p))


def test_the_exact_count_is_scipys_hypergeometric_tail():
    from scipy.stats import hypergeom

    worse_in, size = np.array([0, 2, 5, 9, 3, 40]), np.array([30, 30, 70, 120, 300, 60])
    got = worse_count_p(worse_in, size, 45, 2000)
    expected = [hypergeom.sf(k - 1, 2000, 45, m) for k, m in zip(worse_in, size)]
    assert got == pytest.approx(expected, rel=1e-9)


def test_a_few_changed_cases_in_a_small_slice_get_their_exact_p():
    """Near-deterministic cases: 20 of 2,000 changed, half each way. A slice of 30 holding 2
    of the 10 worse ones looks like z = −3.7 (p 1e-4); its exact p is the hypergeometric
    tail, 0.009."""
    from scipy.stats import hypergeom

    d = np.zeros(2000)
    d[:10], d[10:20] = -1.0, 1.0
    mask = np.zeros(2000, dtype=bool)
    mask[[0, 1]] = True
    mask[100:128] = True
    columns = _Columns([], [], [], [])
    columns.add("field", "= x", mask, 30, False)
    found, _ = search(d, columns, q=0.05)
    assert len(found) == 1 and found[0].p == pytest.approx(hypergeom.sf(1, 2000, 10, 30))
    assert found[0].p > 0.005  # the normal approximation would say 1e-4


def test_benjamini_hochberg_matches_statsmodels():
    p = np.random.default_rng(4).uniform(0, 0.2, 200) ** 2
    expected = multipletests(p, method="fdr_bh")[1]
    assert benjamini_hochberg(p) == pytest.approx(expected)


def test_numeric_fields_are_bucketed_at_readable_quartiles_and_tails():
    columns = _Columns([], [], [], [])
    add_field(columns, "length", list(range(1, 1001)), 30)
    assert columns.labels == ["< 250", "250–500", "500–750", "≥ 750", "≥ 900", "< 100"]
    assert [int(m.sum()) for m in columns.members] == [249, 250, 250, 251, 101, 99]
    few = _Columns([], [], [], [])
    add_field(few, "level", [1, 2, 3] * 100, 30)  # few distinct numbers: categories
    assert few.labels == ["= 1", "= 2", "= 3"]
    small = _Columns([], [], [], [])
    add_field(small, "id", [f"x{i}" for i in range(300)], 30)  # every value below the floor
    assert small.members == []


@pytest.mark.parametrize("text, script", [
    ("What is the capital of France?", "Latin"), ("Какая столица Франции?", "Cyrillic"),
    ("法国的首都是哪里？", "Han"), ("フランスの首都はどこですか", "Japanese kana"),
    ("ما هي عاصمة فرنسا؟", "Arabic"), ("फ्रांस की राजधानी क्या है?", "Devanagari"),
    ("프랑스의 수도는 어디입니까?", "Hangul"), ("Ποια είναι η πρωτεύουσα;", "Greek"),
    ("מהי בירת צרפת?", "Hebrew"), ("เมืองหลวงของฝรั่งเศสคืออะไร", "Thai"), ("1234 ?!", None)])
def test_the_dominant_script(text, script):
    assert dominant_script(text) == script


def test_compare_finds_an_undeclared_slice_in_a_real_store(tmp_path):
    db = tmp_path / "r.duckdb"
    rows = [{"id": f"c{i:03d}", "passed": True, "lang": "en" if i % 2 else "fr",
             "meta": {"topic": f"t{i % 5}", "difficulty": i % 7, "score": i * 1.5,
                      "nested": {"k": i % 2}, "tags": ["a", "b"], "flag": i % 3 == 0}}
            for i in range(400)]
    store_run(db, "base", rows)
    broken = {r["id"] for r in rows if r["meta"]["topic"] == "t3"}
    worse = [dict(r, passed=r["id"] not in broken or int(r["id"][1:]) % 4 >= 2) for r in rows]
    store_run(db, "cand", worse)
    with Store(db, read_only=True) as store:
        diff = compare(store, "base", "cand")
    search_ = diff.slice_search
    assert search_.metric == "passed" and search_.searched > 0
    top = search_.found[0]
    assert top.where == "topic = t3" and top.n == 80 and top.delta == pytest.approx(-0.5)
    assert {"topic", "lang", "score", "flag", "nested", "tags"} <= set(search_.fields)
    assert diff.timings["slice_search_s"] >= 0
    store_run(db, "again", rows)  # the baseline's answers again: nothing got worse
    with Store(db, read_only=True) as store:
        again = compare(store, "base", "again").slice_search
    assert again.searched > 0 and again.found == ()


def test_a_comparison_over_the_case_limit_is_searched_on_a_seeded_sample(tmp_path, monkeypatch):
    from evalkit.compare import slice_search

    db = tmp_path / "r.duckdb"
    rows = [{"id": f"c{i:03d}", "passed": True, "meta": {"topic": f"t{i % 2}"}}
            for i in range(300)]
    store_run(db, "base", rows)
    store_run(db, "cand", [dict(r, passed=r["meta"]["topic"] == "t0") for r in rows])
    monkeypatch.setattr(slice_search, "MAX_CASES", 120)
    with Store(db, read_only=True) as store:
        first = compare(store, "base", "cand").slice_search
        second = compare(store, "base", "cand").slice_search
    top = first.found[0]
    assert top.where == "topic = t1" and top.delta == pytest.approx(-1.0)
    assert 30 <= top.n < 120 and first.found == second.found  # a sample, the same each time
