"""LLM-as-judge against the real OpenAI-compatible test server (and a python judge)."""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from evalkit.runner import RunConfig, run_suite
from evalkit.scorers.judge_grade import judge_messages, parse_grade
from evalkit.store import Store
from evalkit.suite import load_suite
from evalkit.types import Completion
from tests.scorers.helpers import assert_problem, line_of, load_error, write_suite

RUBRIC = "Grade the answer's politeness and correctness for a support assistant.\n"
PIPELINE = '''
def answer(vars):
    return {"paris": "Paris, of course.", "rome": "Dunno, look it up yourself."}[vars["question"]]
'''
PYTHON_JUDGE = '''
def grade(messages):
    rude = "yourself" in messages[-1]["content"]
    return '{"score": %d, "reason": "python judge"}' % (2 if rude else 5)
'''


@pytest.mark.parametrize("text, score, reason", [
    ('{"score": 4, "reason": "fine"}', 4, "fine"),
    ('Here you go:\n```json\n{"Score": "5", "Reasoning": "great"}\n```', 5, "great"),
    ("Score: 2\nReason: rude tone", 2, "rude tone"),
    ('{"rating": "3/5", "explanation": "ok"}', 3, "ok"),
])
def test_verdicts_parse_in_several_forms(text, score, reason):
    verdict = parse_grade(text, (1, 5), "j", 0)
    assert verdict.error is None and verdict.score == score and verdict.reason == reason


@pytest.mark.parametrize("text, message", [
    ("The answer looks fine to me.", "the judge answered off-format (no score"),
    ('{"reason": "no score given"}', "no score"),
    ('{"score": 9, "reason": "excellent"}', "score 9 is outside the scale 1–5"),
    ('{"score": true}', "no score"),
])
def test_off_format_verdicts_are_clear_failures(text, message):
    verdict = parse_grade(text, (1, 5), "j", 0)
    assert verdict.score is None and message in verdict.error


@pytest.fixture
def judge_suite(tmp_path, server):
    (tmp_path / "golden" / "rubrics").mkdir(parents=True)
    (tmp_path / "golden" / "rubrics" / "support.md").write_text(RUBRIC, encoding="utf-8")
    (tmp_path / "support_bot.py").write_text(PIPELINE)
    (tmp_path / "py_judge.py").write_text(PYTHON_JUDGE)

    def make(judge_yaml: str, extra: str = "") -> Path:
        return write_suite(tmp_path, f"""
            - type: judge
              judge: {judge_yaml}
              rubric_file: golden/rubrics/support.md
              min_score: 4
            {extra}
        """, cases_yaml="  - {id: paris, question: paris, target: Paris}\n"
                        "  - {id: rome, question: rome, target: Rome}\n")
    return make


def _judge(server) -> str:
    return json.dumps({"model": "openai/judge-1",
                       "args": {"api_base": server.base_url, "api_key": "sk-judge"}})


def _answer_as_judge(server, suite, replies: dict[str, str]) -> None:
    """Map the exact judge prompt of each case to the reply the server should send."""
    answers = {}
    for case in suite.cases:
        output = {"paris": "Paris, of course.", "rome": "Dunno, look it up yourself."}[case.id]
        user = judge_messages(RUBRIC, case, Completion(text=output), (1, 5))[1].content
        answers[user] = replies[case.id]
    server.config(answers=answers)


def _run(suite, tmp_path, label="v1"):
    return run_suite(suite, RunConfig(model="python/support_bot:answer",
                                      model_args={"path": str(tmp_path)}, label=label,
                                      db=str(tmp_path / "r.duckdb"), progress=False))


def _scores(db):
    with Store(db, read_only=True) as store:
        frame = store.df("SELECT case_id, value, passed, explanation, details FROM scores "
                         "WHERE scorer = 'judge' ORDER BY case_id")
    return {r.case_id: (None if r.value != r.value else r.value, r.passed, r.explanation,
                        json.loads(r.details)) for r in frame.itertuples()}


def test_judge_verdicts_are_recorded_and_cached(tmp_path, server, judge_suite):
    suite = load_suite(judge_suite(_judge(server)))
    _answer_as_judge(server, suite, {"paris": '{"score": 5, "reason": "correct and polite"}',
                                     "rome": 'Score: 1\nReason: rude and wrong'})
    summary = _run(suite, tmp_path)
    assert server.stats()["total"] == 2
    assert server.stats()["auth"] == {"Bearer sk-judge": 2}
    scores = _scores(summary.db)
    value, passed, why, details = scores["paris"]
    assert passed and value == 1.0
    assert why == "the judge (openai/judge-1) gave 5 of 5 (at least the pass mark 4): correct and polite"
    assert details["rubric_sha256"] == hashlib.sha256(RUBRIC.encode()).hexdigest()
    verdict = details["verdicts"][0]
    assert verdict["judge"].startswith("openai/judge-1@") and verdict["cached"] is False
    assert scores["rome"][1] is False and "rude and wrong" in scores["rome"][2]
    # the key never reaches the database; the judge's identity and rubric hash do
    with Store(summary.db, read_only=True) as store:
        run = store.run(summary.run_id)
        judge_rows = store.df("SELECT judge, verdict FROM judge_cache")
        everything = store.df("SELECT * FROM runs").to_csv() + store.df("SELECT * FROM scores").to_csv()
    assert "sk-judge" not in everything
    assert run.scorers[0]["params"]["rubric_sha256"] == details["rubric_sha256"]
    assert len(judge_rows) == 2 and set(judge_rows.judge) == {verdict["judge"]}

    # a new run (new label, so no resume; no response cache for python pipelines either way)
    # asks the judge nothing: the verdicts come from the judge cache
    server.reset()
    _run(load_suite(judge_suite(_judge(server))), tmp_path, label="v2")
    assert server.stats()["total"] == 0
    again = _scores(str(tmp_path / "r.duckdb"))
    with Store(str(tmp_path / "r.duckdb"), read_only=True) as store:
        v2 = store.df("SELECT case_id, details FROM scores s JOIN runs r USING (run_id) "
                      "WHERE r.label = 'v2'")
    assert all(json.loads(d)["verdicts"][0]["cached"] for d in v2.details)
    assert again  # scores present for both runs

    # editing the rubric changes its hash, so the judge is asked again
    (tmp_path / "golden" / "rubrics" / "support.md").write_text(RUBRIC + "Be strict.\n")
    _run(load_suite(judge_suite(_judge(server))), tmp_path, label="v3")
    assert server.stats()["total"] == 2


def test_off_format_judge_fails_the_case_and_is_not_cached(tmp_path, server, judge_suite):
    suite = load_suite(judge_suite(_judge(server)))
    server.config(answers={})  # the server echoes the prompt: no score in it
    summary = _run(suite, tmp_path)
    value, passed, why, _ = _scores(summary.db)["paris"]
    assert value is None and passed is False
    assert why.startswith("the judge answered off-format (no score; expected {\"score\"")
    with Store(summary.db, read_only=True) as store:
        assert store.df("SELECT count(*) AS n FROM judge_cache").n[0] == 0


def test_several_judges_and_repeats_report_agreement(tmp_path, server, judge_suite):
    judges = f"[{_judge(server)}, python/py_judge:grade]"
    path = judge_suite(judges)
    text = path.read_text().replace("min_score: 4", "min_score: 4\n    repeats: 2")
    path.write_text(text)
    (tmp_path / "py_judge.py").write_text(PYTHON_JUDGE)
    sys.path.insert(0, str(tmp_path))
    try:
        suite = load_suite(path)
        _answer_as_judge(server, suite, {"paris": '{"score": 5, "reason": "good"}',
                                         "rome": '{"score": 4, "reason": "acceptable"}'})
        summary = _run(suite, tmp_path)
    finally:
        sys.path.remove(str(tmp_path))
    scores = _scores(summary.db)
    _, passed, why, details = scores["rome"]
    # server judge: 4, 4 (pass); python judge: 2, 2 (fail) → mean 3, half the pairs agree
    assert [v["score"] for v in details["verdicts"]] == [4, 4, 2, 2]
    assert details["mean_score"] == 3 and passed is False
    assert details["agreement"] == pytest.approx(2 / 6)
    assert "4 verdicts, mean score 3.00 of 5 (below the pass mark 4); agreement 0.33" in why
    assert scores["paris"][3]["agreement"] == 1.0 and scores["paris"][1] is True


def test_bad_judge_params_are_load_time_errors(tmp_path, server):
    (tmp_path / "empty.md").write_text("  \n")
    (tmp_path / "ok.md").write_text("Be fair.\n")
    path = write_suite(tmp_path, """
        - {type: judge, name: j1, judge: openai/x, rubric_file: rubrics/nope.md}
        - {type: judge, name: j2, judge: opneai/x, rubric: be fair}
        - {type: judge, name: j3, judge: {model: openai/x, args: {api_bse: x}}, rubric: be fair}
        - {type: judge, name: j4, judge: openai/x, rubric: be fair, rubric_file: ok.md}
        - {type: judge, name: j5, judge: openai/x, rubric_file: empty.md}
        - {type: judge, name: j6, judge: openai/x, rubric: fair, scale: [1, 5], min_score: 7}
    """)
    error = load_error(path)
    assert_problem(error, path, line_of(path, "nope.md"), "rubric file not found",
                   str(tmp_path / "rubrics" / "nope.md"))
    assert_problem(error, path, line_of(path, "opneai"), "unknown backend 'opneai'",
                   "did you mean 'openai'?")
    assert_problem(error, path, line_of(path, "api_bse"), "unknown model arg 'api_bse'",
                   "did you mean 'api_base'")
    assert_problem(error, path, line_of(path, "name: j4"), "exactly one of 'rubric'")
    assert_problem(error, path, line_of(path, "name: j5"), "is empty")
    assert_problem(error, path, line_of(path, "min_score: 7"), "outside the scale")


def test_a_judge_that_does_not_answer_in_time_fails_the_score(server):
    from tests.scorers.helpers import make, run_score

    server.config(latency=3.0)
    try:
        scorer = make("judge", judge={"model": "openai/slow-judge",
                                      "args": {"api_base": server.base_url, "api_key": "k"}},
                      rubric="be fair", timeout_s=0.3, retries=1)
        score = run_score(scorer, "an answer", "a target", question="q")
    finally:
        server.config(latency=0.0)
    assert score.passed is False and score.value is None
    # the Model's wording, as for a run's own calls: what timed out, and after how many tries
    assert score.explanation == "the judge call failed: timed out after 0.3 s (gave up after 2 attempts)"


def test_a_judge_call_is_retried_by_its_model(server):
    """429s are retried (Retry-After: 0) up to `retries`, as a run's own calls are."""
    from tests.scorers.helpers import case, make, run_score

    the_case = case("a target", question="q")
    user = judge_messages("be fair", the_case, Completion(text="an answer"), (1, 5))[1].content
    server.config(answers={user: '{"score": 5, "reason": "fine"}'}, fail_rate=0.4,
                  fail_statuses=[429], retry_after="0", seed=7)
    server.reset()
    try:
        scorer = make("judge", judge={"model": "openai/flaky-judge",
                                      "args": {"api_base": server.base_url, "api_key": "k"}},
                      rubric="be fair", repeats=6, retries=10)
        score = run_score(scorer, "an answer", the_case=the_case)
        statuses = server.stats()["statuses"]
    finally:
        server.config(answers={}, fail_rate=0.0, fail_statuses=[429, 500], retry_after=None,
                      seed=0)
    assert score.passed is True and score.value == 1.0, score.explanation
    assert [v["score"] for v in score.details["verdicts"]] == [5] * 6
    assert statuses.get("429", 0) > 0 and statuses.get("200") == 6


def _verdict_format(scale=(1, 5)) -> str:
    from evalkit.backends.openai_compat import json_schema_format
    from evalkit.scorers.judge_grade import grade_schema

    return json.dumps(json_schema_format(grade_schema(scale)), sort_keys=True)


def test_the_judge_asks_for_the_verdicts_json_shape(tmp_path, server, judge_suite):
    suite = load_suite(judge_suite(_judge(server)))
    _answer_as_judge(server, suite, {"paris": '{"score": 5, "reason": "polite"}',
                                     "rome": '{"score": 2, "reason": "rude"}'})
    summary = _run(suite, tmp_path)
    sent = server.stats()["response_formats"]
    assert sent == {_verdict_format(): 2}  # every judge call, with the exact schema
    schema = json.loads(next(iter(sent)))["json_schema"]
    assert schema["strict"] is True
    assert schema["schema"]["properties"]["score"] == {"type": "integer", "enum": [1, 2, 3, 4, 5]}
    assert schema["schema"]["required"] == ["score", "reason"]
    scores = _scores(summary.db)
    assert scores["paris"][1] is True and scores["rome"][1] is False
    assert all(s[3]["verdicts"][0]["constrained"] for s in scores.values())


def test_a_server_without_response_format_is_asked_again_plainly(tmp_path, server, judge_suite):
    server.config(refuse_response_format=True)
    suite = load_suite(judge_suite(_judge(server)))
    _answer_as_judge(server, suite, {"paris": '{"score": 5, "reason": "polite"}',
                                     "rome": 'Score: 1\nReason: rude'})
    summary = _run(suite, tmp_path)
    stats = server.stats()
    # one refused structured call (then that judge is asked plainly), two plain ones
    assert stats["statuses"] == {"400": sum(stats["response_formats"].values()), "200": 2}
    scores = _scores(summary.db)
    assert scores["paris"][1] is True and scores["rome"][1] is False
    assert not any(s[3]["verdicts"][0]["constrained"] for s in scores.values())


def test_structured_false_sends_no_response_format(tmp_path, server, judge_suite):
    judge = json.loads(_judge(server))
    suite = load_suite(judge_suite(json.dumps({**judge, "structured": False})))
    _answer_as_judge(server, suite, {"paris": '{"score": 5, "reason": "a"}',
                                     "rome": '{"score": 5, "reason": "b"}'})
    _run(suite, tmp_path)
    assert server.stats()["response_formats"] == {} and server.stats()["total"] == 2


@pytest.mark.parametrize("scale, score", [
    ((1, 5), {"type": "integer", "enum": [1, 2, 3, 4, 5]}),
    ((0, 10), {"type": "integer", "enum": list(range(11))}),
    ((0, 1), {"type": "integer", "enum": [0, 1]}),
    ((0, 100), {"type": "number"}),
    ((0.5, 2.5), {"type": "number"}),
])
def test_verdict_schema_follows_the_scale(scale, score):
    from evalkit.scorers.judge_grade import grade_schema

    schema = grade_schema(scale)
    assert schema["properties"]["score"] == score
    assert schema["additionalProperties"] is False


def test_llamacpp_bounds_the_strings_of_a_schema():
    from evalkit.backends.llamacpp import STRING_BOUND, bounded_strings
    from evalkit.scorers.judge_grade import grade_schema

    schema = grade_schema((1, 5))
    bounded = bounded_strings(schema)
    assert bounded["properties"]["reason"] == {"type": "string", "maxLength": STRING_BOUND}
    assert bounded["properties"]["score"] == schema["properties"]["score"]
    assert "maxLength" not in schema["properties"]["reason"]  # the judge's schema is untouched
