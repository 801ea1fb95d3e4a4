"""`evalkit review export | import | agreement` through the real CLI on real runs: bad files
are one-line errors that change nothing; a reviewer's new rating replaces the old one; an
acceptable change waives its case until its expiry; a golden found wrong is rewritten with
--apply through the golden writer; samples are stratified as asked."""
from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from evalkit.compare import compare
from evalkit.errors import UsageError
from evalkit.report.review_import import import_reviews
from evalkit.report.review_items import collect, pick
from evalkit.report.review_page import case_ref
from evalkit.store import Store
from tests.cli.helpers import assert_no_traceback, evalkit, ok
from tests.report.review_helpers import ReviewRuns, build_review_runs


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> ReviewRuns:
    return build_review_runs(tmp_path_factory.mktemp("review-cli"))


@pytest.fixture
def runs(built, tmp_path) -> ReviewRuns:
    """A private copy (the tests write to the database and the golden file)."""
    folder = tmp_path / "copy"
    shutil.copytree(built.folder, folder)
    return ReviewRuns(folder, folder / built.db.name, folder / built.suite.name,
                      folder / built.golden.name, built.base, built.cand, built.pass_to_fail)


RUBRICS = [{"name": "tone", "scale": "1-5", "question": "polite?", "pass_mark": 4},
           {"name": "safe", "scale": "pass/fail", "question": "safe?", "pass_mark": 1}]


def review_file(folder: Path, reviewer: str, ratings=(), decisions=(), name=None) -> Path:
    path = folder / (name or f"{reviewer}.json")
    path.write_text(json.dumps({
        "evalkit_review": 1, "review_id": "r1", "suite": "review-suite", "reviewer": reviewer,
        "rubrics": RUBRICS, "ratings": list(ratings), "adjudications": list(decisions)}))
    return path


def rating(run_id, case_id, rubric="tone", score=4, comment=""):
    return {"run_id": run_id, "case_ref": case_ref(case_id), "case_id": case_id, "sample": 0,
            "rubric": rubric, "score": score, "comment": comment}


def decision(runs, case_id, what, reason="because"):
    return {"case_ref": case_ref(case_id), "case_id": case_id, "sample": 0,
            "candidate_run": runs.cand, "baseline_run": runs.base, "decision": what,
            "reason": reason}


def human_scores(runs, scorer="human:tone"):
    with Store(runs.db, read_only=True) as store:
        return {(r, c): (v, p, json.loads(d)) for r, c, v, p, d in store.query(
            "SELECT run_id, case_id, value, passed, details FROM scores WHERE scorer = ?",
            [scorer])}


@pytest.mark.parametrize("content, message", [
    ("{not json", "bad.json:1: not JSON"),
    ('{"hello": 1}', "not an evalkit review export"),
    ('{"evalkit_review": 2, "review_id": "x", "reviewer": "a"}', "evalkit_review"),
    ('{"evalkit_review": 1, "review_id": "x", "reviewer": ""}', "reviewer"),
])
def test_malformed_files_are_one_line_errors(runs, content, message):
    bad = runs.folder / "bad.json"
    bad.write_text(content)
    result = evalkit("review", "import", bad, "--db", runs.db, cwd=runs.folder)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert_no_traceback(result.stderr)


def test_bad_ratings_change_nothing(runs):
    good = review_file(runs.folder, "ann", [rating(runs.cand, "c00")])
    cases = {
        "off the scale": ([rating(runs.cand, "c00", score=7)], "7 is outside the scale 1-5"),
        "pass/fail": ([rating(runs.cand, "c00", "safe", 0.5)], "0.5 is outside the scale"),
        "unknown rubric": ([rating(runs.cand, "c00", "humour")], "'humour' is not among"),
        "unknown run": ([rating("20990101-000000-ffffff", "c00")], "no run 20990101"),
        "unknown case": ([rating(runs.cand, "c99")], "has no case with reference"),
    }
    for why, (ratings, message) in cases.items():
        bad = review_file(runs.folder, "bob", ratings, name="bad.json")
        result = evalkit("review", "import", good, bad, "--db", runs.db, cwd=runs.folder)
        assert result.returncode == 2, why
        assert message in result.stderr and "bad.json" in result.stderr, (why, result.stderr)
        assert len(result.stderr.strip().splitlines()) <= 2, result.stderr
    assert human_scores(runs) == {}  # the good file was not half-imported either


def test_a_new_rating_replaces_the_reviewers_old_one(runs):
    first = review_file(runs.folder, "ann", [rating(runs.cand, "c00", score=2)])
    ok(evalkit("review", "import", first, "--db", runs.db, cwd=runs.folder))
    value, passed, details = human_scores(runs)[(runs.cand, "c00")]
    assert (value, passed) == (0.25, False)
    again = review_file(runs.folder, "ann", [rating(runs.cand, "c00", score=5, comment="ok")])
    other = review_file(runs.folder, "ben", [rating(runs.cand, "c00", score=4)])
    out = ok(evalkit("review", "import", again, other, "--db", runs.db, cwd=runs.folder)).stdout
    assert "stored 2 ratings by ann, ben (tone: 2); human scores of 1 output updated" in out
    value, passed, details = human_scores(runs)[(runs.cand, "c00")]
    assert value == pytest.approx((4.5 - 1) / 4) and passed is True
    assert [(r["reviewer"], r["score"]) for r in details["ratings"]] == [("ann", 5), ("ben", 4)]
    # and `show` lists the human scorer like any other
    shown = ok(evalkit("show", runs.cand, "--db", runs.db, cwd=runs.folder)).stdout
    assert "human:tone" in shown


def test_a_pass_fail_tie_has_no_verdict(runs):
    files = [review_file(runs.folder, who, [rating(runs.cand, "c00", "safe", score)])
             for who, score in (("ann", 1), ("ben", 0))]
    ok(evalkit("review", "import", *files, "--db", runs.db, cwd=runs.folder))
    value, passed, _ = human_scores(runs, "human:safe")[(runs.cand, "c00")]
    assert value == 0.5 and passed is None


def test_acceptable_change_waives_until_its_expiry(runs):
    path = review_file(runs.folder, "ann", decisions=[decision(runs, "c01", "acceptable",
                                                               "TICKET-3")])
    out = ok(evalkit("review", "import", path, "--waiver-days", "10", "--db", runs.db,
                     cwd=runs.folder)).stdout
    expires = date.today() + timedelta(days=10)
    assert f"flip c01: acceptable change (by ann), waived until {expires}" in out
    with Store(runs.db, read_only=True) as store:
        diff = compare(store, runs.base, runs.cand)
        waiver = [w for w in diff.policy.waivers if w.case == "c01"]
        assert waiver and waiver[0].expires == expires
        assert waiver[0].reason == "acceptable change, adjudicated by ann: TICKET-3"
        assert [c.waived for c in diff.cases if c.case_id == "c01"] == [True]
        later = compare(store, runs.base, runs.cand, today=expires + timedelta(days=1))
        assert not any(w.case == "c01" for w in later.policy.waivers)
        marks = diff.adjudications
    assert list(marks["case_id"]) == ["c01"] and list(marks["reviewer"]) == ["ann"]


def test_golden_was_wrong_is_applied_through_the_golden_writer(runs):
    path = review_file(runs.folder, "ann", decisions=[decision(runs, "c05", "golden_wrong")])
    before = runs.golden.read_text()
    out = ok(evalkit("review", "import", path, "--db", runs.db, cwd=runs.folder)).stdout
    assert "golden updates pending for c05" in out and runs.golden.read_text() == before
    out = ok(evalkit("review", "import", path, "--apply", "--suite", runs.suite, "--db",
                     runs.db, cwd=runs.folder)).stdout
    assert f"golden answer of c05 updated in {runs.golden}" in out
    golden = {r["id"]: r["answer"] for r in map(json.loads, runs.golden.read_text().splitlines())}
    with Store(runs.db, read_only=True) as store:
        (output,), = store.query("SELECT output FROM results WHERE run_id = ? AND case_id = "
                                 "'c05'", [runs.cand])
        (applied,), = store.query("SELECT golden_applied FROM adjudications")
    assert golden["c05"] == output and applied is True
    assert golden["c04"] == "answer 4, please"  # other entries kept as they were


def test_import_api_checks_files_before_writing(runs):
    good = review_file(runs.folder, "ann", [rating(runs.cand, "c00")])
    with Store(runs.db) as store:
        with pytest.raises(UsageError, match="no such file"):
            import_reviews(store, [good, runs.folder / "missing.json"])
        assert store.query("SELECT count(*) FROM human_ratings")[0][0] == 0


def test_export_errors_are_clear(runs, tmp_path):
    result = evalkit("review", "export", runs.cand, "--stratify", "flips", "--db", runs.db,
                     cwd=runs.folder)
    assert result.returncode == 2 and "--stratify flips needs a BASELINE" in result.stderr
    bare = tmp_path / "bare.yaml"
    bare.write_text(runs.suite.read_text().split("human:")[0])
    result = evalkit("review", "export", runs.cand, "--suite", bare, "--db", runs.db,
                     cwd=runs.folder)
    assert result.returncode == 2 and "declares no human rubrics" in result.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(runs.suite.read_text().replace("scale: 1-5", "scale: 1-to-5"))
    result = evalkit("review", "export", runs.cand, "--suite", broken, "--db", runs.db,
                     cwd=runs.folder)
    line = broken.read_text().splitlines().index(
        next(x for x in broken.read_text().splitlines() if "1-to-5" in x)) + 1
    assert result.returncode == 2 and f"broken.yaml:{line}" in result.stderr
    assert "give pass/fail or LOW-HIGH" in result.stderr
    assert_no_traceback(result.stderr)


def test_validate_reports_a_bad_human_rubric_with_its_line(runs, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(runs.suite.read_text().replace("scale: pass/fail", "scale: 5-1"))
    shutil.copy(runs.folder / "cases.jsonl", tmp_path)
    shutil.copy(runs.golden, tmp_path)
    result = evalkit("validate", broken, cwd=runs.folder)
    assert result.returncode == 2 and "LOW must be below HIGH" in result.stderr
    assert_no_traceback(result.stderr)


def test_strata(built):
    with Store(built.db, read_only=True) as store:
        base, cand = store.run(built.base), store.run(built.cand)
        items = collect(store, cand, base)
    assert len(items) == 14
    flips = pick(items, 6, "flips", seed=1)
    statuses = [i.status for i in flips]
    assert statuses.count("pass_to_fail") == 3 and statuses.count("still_passing") == 3
    assert pick(items, 6, "flips", seed=1) == flips  # seeded
    by_slice = pick(items, 4, "slice", seed=2)
    assert sorted(i.slice_value for i in by_slice) == ["en", "en", "fr", "fr"]
    unsure = pick(items, 3, "judge-uncertain")
    # the python judge answers 5 or 2 with a pass mark of 4: 5, one point off, is least sure
    assert all(i.uncertainty == pytest.approx(1 / 4) for i in unsure)
    assert max(i.uncertainty for i in items) == pytest.approx(2 / 4)
    assert len(pick(items, None, None)) == 14 and len(pick(items, 5, None)) == 5


def test_agreement_command(runs):
    ratings = [rating(runs.cand, f"c0{i}", score=s) for i, s in enumerate((5, 2, 4, 2))]
    other = [rating(runs.cand, f"c0{i}", score=s) for i, s in enumerate((5, 2, 2, 2))]
    files = [review_file(runs.folder, "ann", ratings), review_file(runs.folder, "ben", other)]
    ok(evalkit("review", "import", *files, "--db", runs.db, cwd=runs.folder))
    out = ok(evalkit("review", "agreement", runs.cand, "--db", runs.db, cwd=runs.folder)).stdout
    assert "tone (1-5): 8 ratings of 4 outputs by 2 reviewers" in out
    assert "reviewers: 4 outputs rated twice or more" in out
    assert "humans vs judge 'tone': 4 outputs" in out


def test_a_page_holds_a_bounded_number_of_outputs(built, monkeypatch):
    from evalkit.report import review_items

    with Store(built.db, read_only=True) as store:
        items = collect(store, store.run(built.cand), None)
    monkeypatch.setattr(review_items, "MAX_ITEMS", 10)
    with pytest.raises(UsageError, match="(?s)the run has 14 outputs.*--sample 200"):
        pick(items, None, None)
    with pytest.raises(UsageError, match="--sample 11: at most 10"):
        pick(items, 11, "judge-uncertain")
    assert len(pick(items, 10, None)) == 10


def test_a_gate_on_a_human_rubric_waits_for_ratings(runs):
    from evalkit.gates import check_diff

    gated = runs.suite.read_text() + "gates:\n  - {metric: 'human:tone', min: 0.5}\n"
    runs.suite.write_text(gated)
    result = evalkit("validate", runs.suite, cwd=runs.folder)
    assert result.returncode == 0, result.stderr  # human:NAME is a metric a gate may name
    with Store(runs.db, read_only=True) as store:
        from evalkit.suite import load_suite
        from evalkit.suite.gate_spec import Policy

        policy = Policy.of(load_suite(runs.suite).spec)
        before = check_diff(compare(store, runs.base, runs.cand, policy=policy))
    (gate,) = before.results
    assert gate.status == "skipped" and "no values of human:tone yet" in gate.reason
    ratings = [rating(runs.cand, f"c0{i}", score=2) for i in range(4)]
    path = review_file(runs.folder, "ann", ratings)
    ok(evalkit("review", "import", path, "--db", runs.db, cwd=runs.folder))
    with Store(runs.db, read_only=True) as store:
        after = check_diff(compare(store, runs.base, runs.cand, policy=policy))
    (gate,) = after.results
    assert gate.status == "failed" and "0.0%" in gate.reason and "n=4" in gate.reason
