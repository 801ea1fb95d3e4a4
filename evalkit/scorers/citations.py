"""Citation overlap (RAG grounding): are the answer's citations real, complete and supported?

Citations are found in the output by a pattern (`[doc-id]` by default, `[a, b]` cites
two; `[1]` works too, see `sources.py` for how a number names a source). Citations inside
Markdown code (inline spans, fenced blocks) and link syntax (`[text](url)`, images,
`[label]: url` definition lines) are not citations (`markdown.py`). They are compared
with the sources the case provides (a list of documents in its vars, or the documents a
`python` pipeline returned with its answer, Completion.context):

- precision: the share of cited ids that name a source (others are invented);
- recall: the share of the case's gold citation ids that were cited (when it has them);
- support: each answer sentence that carries a citation must share enough words with the
  text of the sources it cites (token overlap, or ROUGE-L precision; tokens of any script,
  `tokens.py`), and must not contradict them: a number, a negation or a name that the
  cited sources do not back fails the sentence (`claims.py`).

The value is the weakest of the three; the explanation lists invented ids, missed gold
ids, unsupported sentences and contradictions.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from ..types import Case, Completion, Score
from .base import ScoreContext, ScorerParams, SyncScorer
from .claims import CHECKS, conflicts, source_facts
from .regex import compile_pattern
from .sources import SourceError, citation_sentences, gold_ids, resolve, sources_of
from .text import shorten
from .tokens import tokens

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
    contradictions: list[Literal["numbers", "negation", "entities"]] = Field(
        list(CHECKS), description="checks that fail a sentence whose numbers, negation or "
        "names are not backed by its cited sources ([] turns them off)")
    numbered: Literal["auto", "position", "id"] = Field(
        "auto", description="a number cited ([1]): auto: the source with that id, else the "
        "n-th source; position: always the n-th source; id: only a source with that id")
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
    mine = [w for w in tokens(sentence) if w not in STOPWORDS]
    if not mine:
        return 1.0
    theirs = source_facts(source_text).words
    return sum(w in theirs for w in mine) / len(mine)


def rouge_support(sentence: str, source_text: str) -> float:
    from .overlap import rouge

    return rouge(sentence, source_text, "rougeL", tokenizer="unicode").precision


class CitationScorer(SyncScorer):
    """Citation precision, recall against gold ids, and per-sentence support by the sources."""

    Params = CitationParams
    description = ("citations exist in the sources, cover the gold ids, and support their "
                   "sentences: shared words, no contradicted number, negation or name; code "
                   "and Markdown links are not citations; [n] is the n-th source")
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
        cited_sentences = citation_sentences(completion.text or "", self.pattern)
        written = list(dict.fromkeys(i for s in cited_sentences for i in s.ids))
        if not written and completion.citations:
            written = [str(c) for c in completion.citations]
        if not written:
            return Score(self.name, 0.0 if p.require_citation else None,
                         False if p.require_citation else None,
                         "the answer cites no source" + ("" if p.require_citation else
                                                         " (not required)"),
                         {"cited": [], "sources": list(docs)})
        names = {i: resolve(i, docs, p.numbered) for i in written}
        invented = [i for i in written if names[i] is None]
        cited = list(dict.fromkeys(n for n in names.values() if n is not None))
        precision = (len(written) - len(invented)) / len(written)
        recall, missed = None, []
        if gold is not None:
            wanted = list(dict.fromkeys(resolve(g, docs, p.numbered) or g for g in gold))
            missed = [g for g in wanted if g not in cited]
            recall = (len(wanted) - len(missed)) / len(wanted) if wanted else 1.0
        failed, checked = [], 0
        for sentence in cited_sentences:
            real = list(dict.fromkeys(names[i] for i in sentence.ids if names[i] is not None))
            if not real:
                continue  # its ids are invented: counted against precision already
            checked += 1
            cited_text = "\n".join(docs[i] for i in real)
            support = self._support(sentence.prose, cited_text)
            problems = conflicts(sentence.prose, cited_text, tuple(p.contradictions))
            if support < p.support_min or problems:
                failed.append((sentence.text, real, support, problems))
        supported_rate = (checked - len(failed)) / checked if checked else 1.0
        passed = (precision >= p.min_precision and supported_rate >= p.min_supported
                  and (recall is None or recall >= p.min_recall))
        value = min(x for x in (precision, recall, supported_rate) if x is not None)
        return Score(self.name, value, passed, self._explain(
            written, invented, recall, missed, checked, failed, precision), {
            "cited": cited, "written": written, "invented": invented,
            "numbered": {i: n for i, n in names.items() if n is not None and n != i},
            "precision": precision, "recall": recall, "missed": missed,
            "supported_rate": supported_rate,
            "unsupported": [{"sentence": s[:300], "cites": r, "support": round(v, 4),
                             "conflicts": [f"{c.check}: {c.detail}" for c in cs]}
                            for s, r, v, cs in failed[:20]]})

    def _explain(self, written, invented, recall, missed, checked, failed, precision) -> str:
        p = self.params
        parts = [f"cited {len(written)} id{'s' if len(written) > 1 else ''}, "
                 f"{len(written) - len(invented)} found in the sources (precision "
                 f"{precision:.2f})" + (f"; invented: {invented}" if invented else "")]
        if recall is not None:
            parts.append(f"recall {recall:.2f} of the gold ids"
                         + (f"; missed: {missed}" if missed else ""))
        if checked:
            parts.append(f"{checked - len(failed)} of {checked} cited sentences supported "
                         f"by their sources ({p.support} ≥ {p.support_min:g}"
                         + (f"; {', '.join(p.contradictions)} checked"
                            if p.contradictions else "") + ")")
        measured = "of its words appear there" if p.support == "overlap" else "ROUGE-L precision"
        for sentence, real, support, problems in failed[:3]:
            if support < p.support_min:
                parts.append(f"unsupported: {shorten(sentence, 100)} cites {real} but only "
                             f"{support:.2f} {measured}")
            for problem in problems:
                parts.append(f"contradicted: {shorten(sentence, 100)} cites {real} but "
                             f"{problem.detail}")
        return "; ".join(parts)
