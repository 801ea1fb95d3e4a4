"""The sources a RAG answer may cite, and the citations in the answer, sentence by sentence.

Sources come from the pipeline's returned context (Completion.context) or a case var:
a list of documents ({"id": ..., "text": ...}), a mapping id → text, or a list of plain
texts (their ids are then 1, 2, ...). Whatever their shape, the sources are in order, so
a number can name a source by its position: with `numbered: auto` (the default) a cited
id that is a source's id names that source, else a number n from 1 to the number of
sources names the n-th source (`[1]` is the first document of a list, or the first key of
a mapping, whatever its id); `position` always reads a number as a position, `id` never.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from ..types import Case, Completion
from .markdown import citable
from .text import sentence_spans

_SPLIT_IDS = re.compile(r"\s*[,;]\s*")


class SourceError(ValueError):
    """The case or the completion does not provide usable sources (said in words)."""


def _documents(raw: Any, origin: str, id_field: str, text_field: str) -> dict[str, str]:
    if isinstance(raw, Mapping):
        return {str(k): v if isinstance(v, str) else str(v.get(text_field, v))
                if isinstance(v, Mapping) else str(v) for k, v in raw.items()}
    if not isinstance(raw, (list, tuple)):
        raise SourceError(f"{origin} is a {type(raw).__name__}, not a list of documents")
    docs: dict[str, str] = {}
    for index, doc in enumerate(raw, start=1):
        if isinstance(doc, str):
            docs[str(index)] = doc
        elif isinstance(doc, Mapping):
            key = doc.get(id_field, index)
            docs[str(key)] = str(doc.get(text_field, ""))
        else:
            raise SourceError(f"{origin}[{index - 1}] is a {type(doc).__name__}; expected a "
                              f"document with '{id_field}' and '{text_field}' or a text")
    return docs


def sources_of(case: Case, completion: Completion, where: str, id_field: str = "id",
               text_field: str = "text") -> dict[str, str]:
    """id → text of every source the answer may cite."""
    if where in ("auto", "context") and completion.context is not None:
        return _documents(list(completion.context), "the pipeline's context", id_field, text_field)
    if where == "context":
        raise SourceError("no sources: the pipeline returned no context with its answer")
    var = "docs" if where == "auto" else where
    if var not in case.vars:
        raise SourceError(f"no sources: the case has no '{var}' var"
                          + (" and the pipeline returned no context" if where == "auto" else ""))
    return _documents(case.vars[var], f"the case var '{var}'", id_field, text_field)


def resolve(cited: str, docs: dict[str, str], numbered: str = "auto") -> str | None:
    """The id of the source a cited id names, or None when it names none (invented)."""
    if cited in docs and numbered != "position":
        return cited
    if numbered != "id" and cited.isascii() and cited.isdigit() and not cited.startswith("0"):
        order = list(docs)
        if int(cited) <= len(order):
            return order[int(cited) - 1]
    return None


def gold_ids(case: Case, key: str) -> list[str] | None:
    """The ids the answer should cite, from a case var or metadata key (None if absent)."""
    raw = case.vars.get(key, case.metadata.get(key))
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple)):
        raise SourceError(f"the gold citation ids '{key}' must be a list, got {type(raw).__name__}")
    return [str(x) for x in raw]


def _ids(match: re.Match) -> list[str]:
    return [part for part in _SPLIT_IDS.split(match.group(1).strip()) if part]


def cited_ids(sentence: str, pattern: re.Pattern) -> list[str]:
    """The ids the pattern finds in a text, each once, in order."""
    return list(dict.fromkeys(i for m in pattern.finditer(sentence) for i in _ids(m)))


@dataclass
class CitedSentence:
    text: str  # as written, with its citations (for explanations)
    prose: str  # what it says: citations, code, link syntax and definitions removed
    ids: list[str]


def citation_sentences(text: str, pattern: re.Pattern) -> list[CitedSentence]:
    """Each sentence that cites, in order, with the ids it cites.

    Citations inside code or link syntax are ignored (markdown.py). A citation placed after
    a sentence's full stop ("... 30 days. [returns] Next ...") belongs to that sentence."""
    where = citable(text)
    matches = list(pattern.finditer(where))
    prose = pattern.sub(lambda m: " " * len(m.group()), where)  # same positions
    pieces: list[tuple[int, int, list[str]]] = []  # start, end, ids
    pending = iter(matches)
    match = next(pending, None)
    for start, end in sentence_spans(where):
        ids: list[str] = []
        while match is not None and match.start() < end:
            if pieces and not where[start:match.start()].strip():
                begin, _, earlier = pieces[-1]  # a leading citation: the previous sentence's
                pieces[-1] = (begin, match.end(), earlier + _ids(match))
                start = match.end()
            else:
                ids += _ids(match)
            match = next(pending, None)
        if where[start:end].strip():
            pieces.append((start, end, ids))
    return [CitedSentence(" ".join(text[a:b].split()), " ".join(prose[a:b].split()),
                          list(dict.fromkeys(ids)))
            for a, b, ids in pieces if ids]
