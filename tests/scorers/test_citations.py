"""Citation overlap: precision against the sources, recall against gold ids, sentence support."""
from __future__ import annotations

import pytest

from evalkit.types import Completion
from tests.scorers.helpers import (
    assert_problem,
    case,
    line_of,
    load_error,
    make,
    run_score,
    write_suite,
)

DOCS = [
    {"id": "returns", "text": "Items can be returned within 30 days of delivery. Refunds go back "
                              "to the original payment method."},
    {"id": "shipping", "text": "Standard shipping takes 3 to 5 business days."},
]


def docs_case(**more):
    return case(None, question="q", docs=DOCS, **more)


def test_grounded_answer_passes():
    score = run_score(make("citations"), "You can return items within 30 days of delivery "
                      "[returns]. Shipping takes 3 to 5 business days. [shipping]", the_case=docs_case())
    assert score.passed and score.value == 1.0, score.explanation
    assert score.details["cited"] == ["returns", "shipping"]
    assert "2 of 2 cited sentences supported" in score.explanation


def test_invented_ids_and_unsupported_sentences_are_named():
    text = ("Refunds go back to the original payment method [returns]. Returns are free for "
            "premium members forever [returns]. See also [policy-7].")
    score = run_score(make("citations"), text, the_case=docs_case())
    assert score.passed is False
    assert score.details["invented"] == ["policy-7"]
    assert score.details["precision"] == pytest.approx(0.5)
    assert "invented: ['policy-7']" in score.explanation
    assert ("unsupported: 'Returns are free for premium members forever [returns].' cites "
            "['returns']") in score.explanation
    assert score.details["supported_rate"] == pytest.approx(0.5)
    assert score.value == pytest.approx(0.5)


def test_recall_against_gold_ids():
    s = make("citations", gold="gold_ids", min_recall=1.0)
    the_case = docs_case(gold_ids=["returns", "shipping"])
    partial = run_score(s, "Items can be returned within 30 days [returns].", the_case=the_case)
    assert partial.passed is False and partial.details["recall"] == 0.5
    assert "recall 0.50 of the gold ids; missed: ['shipping']" in partial.explanation
    full = run_score(s, "Returned within 30 days [returns]; shipping takes 3 to 5 business "
                        "days [shipping].", the_case=the_case)
    assert full.passed, full.explanation


def test_numbered_citations_against_plain_text_sources():
    s = make("citations", pattern=r"\[(\d+)\]")
    the_case = case(None, docs=["Paris is the capital of France.", "Berlin is in Germany."])
    assert run_score(s, "The capital of France is Paris [1].", the_case=the_case).passed
    wrong = run_score(s, "The capital of France is Paris [2].", the_case=the_case)
    assert wrong.passed is False and wrong.details["unsupported"][0]["cites"] == ["2"]


def test_sources_from_the_pipeline_context_and_rouge_support():
    completion = Completion(text="Standard shipping takes 3 to 5 business days [s1].",
                            context=({"id": "s1", "text": DOCS[1]["text"]},))
    score = run_score(make("citations", support="rougeL", support_min=0.8), None,
                      completion=completion, the_case=case(None, question="q"))
    assert score.passed, score.explanation
    missing = run_score(make("citations", sources="context"), "x [a].", the_case=case(None))
    assert missing.passed is False and "pipeline returned no context" in missing.explanation


def test_no_citation_at_all():
    assert "cites no source" in run_score(make("citations"), "30 days.", the_case=docs_case()).explanation
    lenient = run_score(make("citations", require_citation=False), "30 days.", the_case=docs_case())
    assert lenient.passed is None


def test_bad_citation_params_are_load_time_errors(tmp_path):
    path = write_suite(tmp_path, """
        - {type: citations, pattern: '\\[[\\w-]+\\]'}
        - {type: citations, name: c2, pattern: '[(unclosed'}
        - {type: citations, name: c3, support: bleu}
    """)
    error = load_error(path)
    assert_problem(error, path, line_of(path, "\\w-"), "needs a capturing group around the id")
    assert_problem(error, path, line_of(path, "unclosed"), "invalid regular expression")
    assert_problem(error, path, line_of(path, "bleu"), "'overlap' or 'rougeL'")


def cite(scorer, text, docs=DOCS, **more):
    return run_score(scorer, text, the_case=case(None, docs=docs, **more))


@pytest.mark.parametrize("sentence, check, words", [
    ("You can return items within 90 days of delivery [returns].", "numbers",
     "states 90, which the source does not (its numbers: 30)"),
    ("Items cannot be returned within 30 days of delivery [returns].", "negation",
     "negates what the source says: 'Items can be returned within 30 days of delivery.'"),
    ("Items can be returned within 30 days of delivery in Germany [returns].", "entities",
     "names Germany, which the source does not mention"),
])
def test_a_sentence_that_contradicts_its_source_fails(sentence, check, words):
    score = cite(make("citations"), sentence)
    assert score.passed is False and score.details["supported_rate"] == 0.0
    assert f"contradicted: {sentence!r}" in score.explanation and words in score.explanation
    assert score.details["unsupported"][0]["conflicts"][0].startswith(f"{check}: ")
    # the word overlap alone (the checks off) calls it supported
    assert cite(make("citations", contradictions=[]), sentence).passed is True


def test_numbers_written_differently_still_agree():
    for sentence in ("Items can be returned within thirty days of delivery [returns].",
                     "Items can be returned within 30.0 days of delivery [returns].",
                     "Shipping takes three to five business days [shipping]."):
        assert cite(make("citations"), sentence).passed, sentence


def test_labelled_cases_agree_except_the_documented_limits():
    from tests.scorers.citation_cases import CASES

    scorer = make("citations")
    wrong = []
    for c in CASES:
        score = cite(scorer, f"{c.sentence} [s]", docs=[{"id": "s", "text": c.source}])
        if (score.passed is c.supported) != (not c.known):
            wrong.append((c.lang, c.sentence, c.supported, c.known, score.explanation))
    assert wrong == []
    assert {c.lang for c in CASES} >= {"en", "hi", "zh", "ar", "tr", "es", "de", "fr", "ja"}


def test_code_and_markdown_links_are_not_citations():
    text = ("Items can be returned within 30 days of delivery [returns]. Call `f([1, 2, 3])` "
            "or see [the policy](https://example.com/a_(b) \"Policy\") and "
            "![chart](img/c[1].png).\n\n```python\nx = data[0]\nprint([4, 5])\n```\n\n"
            "~~~\n[policy-7]\n~~~\n[returns]: https://example.com/returns\n")
    score = cite(make("citations"), text)
    assert score.passed, score.explanation
    assert score.details["written"] == ["returns"] and score.details["invented"] == []
    # outside code and links the same brackets are citations: the first two sources, and "3"
    outside = cite(make("citations"), "Returned within 30 days [1, 2, 3].").details
    assert outside["written"] == ["1", "2", "3"] and outside["invented"] == ["3"]


def test_a_citation_rendered_as_a_link_counts():
    score = cite(make("citations", pattern=r"\[(\d+)\]"),
                 "Items can be returned within 30 days of delivery [[1]](https://shop.example/r).")
    assert score.passed and score.details["cited"] == ["returns"], score.explanation


@pytest.mark.parametrize("docs", [
    DOCS,  # documents with ids
    {"returns": DOCS[0]["text"], "shipping": DOCS[1]["text"]},  # a mapping id → text
    [d["text"] for d in DOCS],  # plain texts
    [{"text": d["text"]} for d in DOCS],  # documents without ids
])
def test_numbered_citations_name_the_nth_source_of_every_shape(docs):
    s = make("citations", pattern=r"\[(\d+)\]", gold="gold", min_recall=1.0)
    text = "Items can be returned within 30 days [1]. Shipping takes 3 to 5 business days [2]."
    gold = ["1", "2"]
    score = cite(s, text, docs=docs, gold=gold)
    assert score.passed, score.explanation
    assert score.details["precision"] == 1.0 and score.details["recall"] == 1.0
    swapped = cite(s, "Items can be returned within 30 days [2].", docs=docs, gold=gold)
    assert swapped.passed is False and "unsupported" in swapped.explanation
    assert cite(s, "Returns within 30 days [3].", docs=docs, gold=gold).details["invented"] == ["3"]


def test_numbered_modes():
    docs = [{"id": "2", "text": "Paris is the capital of France."},
            {"id": "1", "text": "Berlin is the capital of Germany."}]
    text = "Paris is the capital of France [1]."
    by_id = cite(make("citations", pattern=r"\[(\d+)\]"), text, docs=docs)
    assert by_id.details["cited"] == ["1"] and by_id.passed is False  # an id wins (auto)
    by_position = cite(make("citations", pattern=r"\[(\d+)\]", numbered="position"), text,
                       docs=docs)
    assert by_position.details["cited"] == ["2"] and by_position.passed
    assert by_position.details["numbered"] == {"1": "2"}
    only_ids = cite(make("citations", pattern=r"\[(\w+)\]", numbered="id"),
                    "Items can be returned within 30 days [1].")
    assert only_ids.details["invented"] == ["1"]


def test_support_in_scripts_with_combining_marks_and_without_spaces():
    docs = [{"id": "a", "text": "हिन्दी भारत की राजभाषा है।"},
            {"id": "b", "text": "退货期限为收货后30天。北京是中国的首都。"}]
    assert cite(make("citations"), "हिन्दी भारत की राजभाषा है [a]।", docs=docs).passed
    assert cite(make("citations"), "हिन्दू धर्म बहुत पुराना है [a]।", docs=docs).passed is False
    both = cite(make("citations"), "退货期限为收货后30天[b]。北京是中国的首都[b]。", docs=docs)
    assert both.passed and "2 of 2 cited sentences supported" in both.explanation
    wrong = cite(make("citations"), "退货期限为收货后90天[b]。", docs=docs)
    assert wrong.passed is False and "states 90" in wrong.explanation
