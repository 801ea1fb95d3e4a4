"""Toxicity through the real detoxify loading and batching path, with a tiny checkpoint that
the tests build in detoxify's format (random weights: the scores mean nothing, the plumbing
is real)."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("torch", reason="the toxicity extra: pip install torch==2.13.0 'evalkit[toxicity]'")
pytest.importorskip("detoxify", reason="the toxicity extra: pip install 'evalkit[toxicity]'")

from evalkit.runner import RunConfig, run_suite  # noqa: E402
from evalkit.scorers.toxicity import CHECKPOINT_ENV, HF_CONFIG_ENV  # noqa: E402
from evalkit.store import Store  # noqa: E402
from evalkit.suite import load_suite  # noqa: E402
from evalkit.types import Completion  # noqa: E402
from tests.scorers.helpers import assert_problem, case, line_of, load_error, make, write_suite  # noqa: E402
from tests.scorers.tiny_detoxify import LABELS, build  # noqa: E402

TEXTS = ["you are an idiot", "have a great day", "what", "this is not fine stupid idiot",
         "hello world thanks", "", "kind"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("detoxify")
    checkpoint, hf = build(folder)
    return folder, checkpoint, hf


def scorer(tiny, **params):
    folder, _, _ = tiny
    return make("toxicity", suite_dir=folder, checkpoint="tiny-detoxify.ckpt", hf_config="hf",
                device="cpu", **params)


def test_batched_scores_equal_one_at_a_time(tiny):
    one = scorer(tiny, batch_size=1).predict(TEXTS)
    batched = scorer(tiny, batch_size=3).predict(TEXTS)
    assert [sorted(row) for row in batched] == [sorted(LABELS)] * len(TEXTS)
    for a, b in zip(one, batched):
        for label in LABELS:
            assert b[label] == pytest.approx(a[label], abs=1e-5)
    # the texts score differently, so a row swapped by the length sort would be caught
    assert len({round(row["insult"], 6) for row in one}) > 3


def test_thresholds_per_label(tiny):
    rows = scorer(tiny).predict(["you are an idiot"])[0]
    assert rows["toxicity"] > 0.9 and rows["threat"] < 0.05  # the classifier's bias
    items = [(case(), Completion(text="you are an idiot"))]
    ctx = None
    default = scorer(tiny, max=0.5).score_batch(items, ctx)[0]
    assert default.passed is False and default.value == pytest.approx(rows["toxicity"])
    assert default.explanation.startswith(f"above threshold: toxicity {rows['toxicity']:.2f} > 0.5")
    assert set(default.details["labels"]) == set(LABELS)
    lenient = scorer(tiny, max=None, thresholds={"threat": 0.5}).score_batch(items, ctx)[0]
    assert lenient.passed is True and lenient.details["thresholds"] == {"threat": 0.5}
    assert "highest: threat" in lenient.explanation
    strict = scorer(tiny, max=0.99, thresholds={"insult": 0.01}).score_batch(items, ctx)[0]
    assert strict.passed is False and strict.details["over"] == ["insult"]


PIPELINE = '''
def answer(vars):
    return vars["question"]
'''


def _suite(folder, extra=""):
    cases = "".join(f"  - {{id: t{i}, question: {json.dumps(t)}}}\n" for i, t in enumerate(TEXTS))
    return write_suite(folder, f"""
        - {{type: toxicity, max: 0.99, thresholds: {{insult: 0.194}}, batch_size: 4{extra}}}
        - {{type: empty}}
    """, cases_yaml=cases)


def _scores(db):
    with Store(db, read_only=True) as store:
        return store.df("SELECT s.case_id, s.passed, s.details, r.passed AS result_passed "
                        "FROM scores s JOIN results r USING (run_id, case_id, sample) "
                        "WHERE s.scorer = 'toxicity' ORDER BY case_id")


def test_a_run_scores_every_output_in_one_batch_and_stores_every_label(tiny, tmp_path):
    folder, _, _ = tiny
    (tmp_path / "echo_bot.py").write_text(PIPELINE)
    path = _suite(tmp_path, ", checkpoint: ../" + folder.name + "/tiny-detoxify.ckpt, hf_config: ../"
                  + folder.name + "/hf")
    expected = scorer(tiny).predict(TEXTS)
    db = tmp_path / "r.duckdb"
    summary = run_suite(load_suite(path), RunConfig(
        model="python/echo_bot:answer", model_args={"path": str(tmp_path)}, db=str(db), progress=False))
    frame = _scores(db)
    assert len(frame) == len(TEXTS)
    for row in frame.itertuples():
        labels = json.loads(row.details)["labels"]
        want = expected[int(row.case_id[1:])]
        assert labels == pytest.approx(want, abs=1e-5)
        assert row.passed is (want["insult"] <= 0.194)
        # a failed toxicity score fails the result (empty output "t5" fails anyway)
        assert row.result_passed is (row.passed and row.case_id != "t5")
    assert summary.passed == int(frame.result_passed.sum())

    # durability: scores lost from an interrupted run are added when it is resumed
    with Store(db) as store:
        store.con.execute("DELETE FROM scores WHERE scorer = 'toxicity' AND case_id IN ('t0', 't1')")
        store.con.execute("UPDATE runs SET status = 'interrupted'")
    again = run_suite(load_suite(path), RunConfig(
        model="python/echo_bot:answer", model_args={"path": str(tmp_path)}, db=str(db), progress=False))
    assert again.run_id == summary.run_id and again.executed == 0
    refilled = _scores(db)
    assert len(refilled) == len(TEXTS)
    assert list(refilled.passed) == list(frame.passed)


def test_checkpoint_from_the_environment(tiny, tmp_path, monkeypatch):
    _, checkpoint, hf = tiny
    monkeypatch.setenv(CHECKPOINT_ENV, str(checkpoint))
    monkeypatch.setenv(HF_CONFIG_ENV, str(hf))
    s = make("toxicity", suite_dir=tmp_path, device="cpu")
    assert s.predict(["hello"])[0] == pytest.approx(scorer(tiny).predict(["hello"])[0], abs=1e-5)


def test_unavailable_weights_fail_every_score_with_instructions(tmp_path, monkeypatch):
    """No checkpoint and no way to download: every score fails and says how to fix it."""
    monkeypatch.delenv(CHECKPOINT_ENV, raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))  # no cached download
    for var in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # a closed port: fails at once, offline
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    (tmp_path / "echo_bot.py").write_text(PIPELINE)
    path = write_suite(tmp_path, "- {type: toxicity, variant: unbiased, device: cpu}\n",
                       cases_yaml="  - {id: a, question: hello}\n  - {id: b, question: there}\n")
    db = tmp_path / "r.duckdb"
    summary = run_suite(load_suite(path), RunConfig(
        model="python/echo_bot:answer", model_args={"path": str(tmp_path)}, db=str(db), progress=False))
    with Store(db, read_only=True) as store:
        rows = store.df("SELECT passed, explanation FROM scores WHERE scorer = 'toxicity'")
    assert len(rows) == 2 and not rows.passed.any() and summary.passed == 0
    message = rows.explanation[0]
    assert "cannot get the detoxify 'unbiased' weights" in message
    assert CHECKPOINT_ENV in message and "checkpoint:" in message


def test_bad_toxicity_params_are_load_time_errors(tmp_path):
    path = write_suite(tmp_path, """
        - {type: toxicity, checkpoint: models/missing.ckpt}
        - {type: toxicity, name: t2, thresholds: {toxicty: 0.2}}
        - {type: toxicity, name: t3, variant: huge}
    """)
    error = load_error(path)
    assert_problem(error, path, line_of(path, "missing.ckpt"), "checkpoint file not found",
                   str(tmp_path / "models" / "missing.ckpt"))
    assert_problem(error, path, line_of(path, "toxicty"), "unknown label(s) ['toxicty']")
    assert_problem(error, path, line_of(path, "huge"), "'original'")
