"""A tiny, deterministic retrieval pipeline used by the quickstart suite.

It stands in for "your own RAG pipeline" (the `python` backend): it retrieves the
document sharing the most words with the question and answers with that document's
best-matching sentence, citing it as [doc-id]. No model, no network.
"""
from __future__ import annotations

import re

WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = {"the", "a", "an", "is", "of", "what", "how", "do", "i", "to", "in", "for", "my",
             "can", "does", "which", "on", "and", "or", "you", "your", "it", "be", "are"}


def words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in STOPWORDS}


def answer(vars: dict, options: dict) -> dict:
    question, docs = vars["question"], vars.get("docs", [])
    asked = words(question)
    best = max(docs, key=lambda d: len(asked & words(d["text"])), default=None)
    if best is None or not asked & words(best["text"]):
        return {"text": "I don't know.", "context": docs, "citations": []}
    sentences = re.split(r"(?<=[.!?])\s+", best["text"])
    sentence = max(sentences, key=lambda s: len(asked & words(s)))
    if options.get("style") == "terse":  # a second "version" of the pipeline to compare
        sentence = sentence.split(",")[0].rstrip(".") + "."
    return {"text": f"{sentence} [{best['id']}]", "context": docs, "citations": [best["id"]]}
