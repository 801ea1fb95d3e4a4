"""Citation overlap (RAG grounding): are the answer's citations real, complete and supported?

Citations are found in the output by a pattern (`[doc-id]` by default; `[1]` works too,
numbers then name the sources in order). They are compared with the sources the case
provides (a list of documents in its vars, or the documents a `python` pipeline returned
with its answer, Completion.context):

- precision: the share of cited ids that exist among the sources (others are invented);
- recall: the share of the case's gold citation ids that were cited (when it has them);
- support: each answer sentence that carries a citation must share enough words with the
  text of the sources it cites (token overlap, or ROUGE-L precision).

The value is the weakest of the three; the explanation lists invented ids, missed gold
ids and unsupported sentences.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from ..types import Case, Completion, Score
from .base import ScoreContext, Scorer, ScorerParams
from .regex import compile_pattern
from .sources import SourceError, citation_sentences, gold_ids, sources_of
from .text import shorten, words

STOPWORDS = frozenset(
    "a an the is are was were be been being of to in on at by for with from and or but not no "
    "it its this that these those as if then than so such can could may might will would shall "
    "should do does did has have had i you he she we they them his her their our your my me us "
    "what which who whom when where why how all any each some there here about into over under "
    "also just only very more most".split())


class CitationParams(ScorerParams):
    pattern: str = Field(r"\[([^\[\]]+)\]", description="regex whose first group captures the "
                         "cited id(s); [a, b] holds two ids")
    sources: str = Field("auto", description="auto: the pipeline's returned context, else the "
                         "case var 'docs'; context; or the name of a case var")
    id_field: str = Field("id", description="the id key of each source document")
    text_field: str = Field("text", description="the text key of each source document")
    gold: str | None = Field(None, description="case var or metadata key listing the ids that "
                             "should be cited (enables recall)")
    support: Literal["overlap", "rougeL"] = Field(
        "overlap", description="overlap: share of the sentence's content words found in the "
        "cited sources; rougeL: rouge-score ROUGE-L precision against them")
    support_min: float = Field(0.5, ge=0, le=1, description="a sentence is supported at this level")
    min_precision: float = Field(1.0, ge=0, le=1)
    min_recall: float = Field(0.0, ge=0, le=1)
    min_supported: float = Field(1.0, ge=0, le=1, description="share of cited sentences that "
                                 "must be supported")
    require_citation: bool = Field(True, description="an answer citing nothing fails")

    @field_validator("pattern")
    @classmethod
    def _one_group(cls, value: str) -> str:
        if compile_pattern(value).groups < 1:
            raise ValueError(f"the citation pattern {value!r} needs a capturing group around "
                             r"the id, e.g. \[([\w-]+)\]")
        return value


def overlap_support(sentence: str, source_text: str) -> float:
    """The share of the sentence's content words (no stopwords) that appear in the source."""
    mine = [w for w in words(sentence) if w not in STOPWORDS]
    if not mine:
        return 1.0
    theirs = set(words(source_text))
    return sum(w in theirs for w in mine) / len(mine)


def rouge_support(sentence: str, source_text: str) -> float:
    from .overlap import rouge

    return rouge(sentence, source_text, "rougeL", tokenizer="unicode").precision


class CitationScorer(Scorer):
    """Citation precision, recall against gold ids, and per-sentence support by the sources."""

    Params = CitationParams
    description = "citations exist in the sources, cover the gold ids, and support their sentences"
    cpu_heavy = True

    def __init__(self, name, params, suite_dir):
        super().__init__(name, params, suite_dir)
        self.pattern = re.compile(params.pattern)
        self._support = rouge_support if params.support == "rougeL" else overlap_support

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        p = self.params
        try:
            docs = sources_of(case, completion, p.sources, p.id_field, p.text_field)
            gold = gold_ids(case, p.gold) if p.gold else None
        except SourceError as exc:
            return Score(self.name, None, False, str(exc))
        text = completion.text or ""
        cited_sentences = citation_sentences(text, self.pattern)
        cited = list(dict.fromkeys(i for _, ids in cited_sentences for i in ids))
        if not cited and completion.citations:
            cited = [str(c) for c in completion.citations]
        if not cited:
            return Score(self.name, 0.0 if p.require_citation else None,
                         False if p.require_citation else None,
                         "the answer cites no source" + ("" if p.require_citation else
                                                         " (not required)"),
                         {"cited": [], "sources": list(docs)})
        invented = [i for i in cited if i not in docs]
        precision = (len(cited) - len(invented)) / len(cited)
        recall, missed = None, []
        if gold is not None:
            missed = [g for g in gold if g not in cited]
            recall = (len(gold) - len(missed)) / len(gold) if gold else 1.0
        unsupported, checked = [], 0
        for sentence, ids in cited_sentences:
            real = [i for i in ids if i in docs]
            if not real:
                continue  # its ids are invented: counted against precision already
            checked += 1
            cited_text = " ".join(docs[i] for i in real)
            support = self._support(self.pattern.sub(" ", sentence), cited_text)
            if support < p.support_min:
                unsupported.append((sentence, real, support))
        supported_rate = (checked - len(unsupported)) / checked if checked else 1.0
        passed = (precision >= p.min_precision and supported_rate >= p.min_supported
                  and (recall is None or recall >= p.min_recall))
        value = min(x for x in (precision, recall, supported_rate) if x is not None)
        parts = [f"cited {len(cited)} id{'s' if len(cited) > 1 else ''}, "
                 f"{len(cited) - len(invented)} found in the sources (precision {precision:.2f})"
                 + (f"; invented: {invented}" if invented else "")]
        if recall is not None:
            parts.append(f"recall {recall:.2f} of the gold ids"
                         + (f"; missed: {missed}" if missed else ""))
        if checked:
            parts.append(f"{checked - len(unsupported)} of {checked} cited sentences supported "
                         f"by their sources ({p.support} ≥ {p.support_min:g})")
        measured = "of its words appear there" if p.support == "overlap" else "ROUGE-L precision"
        for sentence, real, support in unsupported[:3]:
            parts.append(f"unsupported: {shorten(sentence, 100)} cites {real} but only "
                         f"{support:.2f} {measured}")
        return Score(self.name, value, passed, "; ".join(parts), {
            "cited": cited, "invented": invented, "precision": precision, "recall": recall,
            "missed": missed, "supported_rate": supported_rate,
            "unsupported": [{"sentence": s[:300], "cites": r, "support": round(v, 4)}
                            for s, r, v in unsupported[:20]]})
