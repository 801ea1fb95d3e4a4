"""The sources a RAG answer may cite, and the citations in the answer, sentence by sentence.

Sources come from the pipeline's returned context (Completion.context) or a case var:
a list of documents ({"id": ..., "text": ...}), a mapping id → text, or a list of plain
texts (then numbered 1, 2, ... so that `[1]`-style citations work).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from ..types import Case, Completion
from .text import sentences

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


def cited_ids(sentence: str, pattern: re.Pattern) -> list[str]:
    ids = []
    for match in pattern.finditer(sentence):
        for part in _SPLIT_IDS.split(match.group(1).strip()):
            if part and part not in ids:
                ids.append(part)
    return ids


def _leading_citations(sentence: str, pattern: re.Pattern) -> tuple[str, str]:
    """Split "[a] [b] Rest of sentence." into ("[a] [b]", "Rest of sentence.")."""
    pos = 0
    while True:
        space = len(sentence) - len(sentence[pos:].lstrip())
        match = pattern.match(sentence, space)
        if match is None or match.start() != space:
            return sentence[:pos].strip(), sentence[pos:].strip()
        pos = match.end()


def citation_sentences(text: str, pattern: re.Pattern) -> list[tuple[str, list[str]]]:
    """(sentence, cited ids) for each sentence that cites, in order. A citation placed after a
    sentence's full stop ("... 30 days. [returns] Next ...") belongs to that sentence."""
    pieces: list[str] = []
    for sentence in sentences(text):
        lead, rest = _leading_citations(sentence, pattern)
        if lead and pieces:
            pieces[-1] = f"{pieces[-1]} {lead}"
        elif lead:
            rest = f"{lead} {rest}".strip()
        if rest:
            pieces.append(rest)
    out = [(piece, cited_ids(piece, pattern)) for piece in pieces]
    return [(piece, ids) for piece, ids in out if ids]
