"""Word-level diff of two outputs for side-by-side display.

difflib over word and whitespace tokens; the HTML is built from escaped tokens only
(`<del>` marks what the baseline had and the candidate lost, `<ins>` what the candidate
added), so model text can never become markup. The report's case explorer does the same in
JavaScript, lazily, for the rows a person opens (static/report.js: wordDiff).
"""
from __future__ import annotations

import difflib
import re

from markupsafe import Markup, escape

TOKEN = re.compile(r"\s+|[^\s]+")
MAX_TOKENS = 3000  # per side; beyond this the texts are shown whole, side by side


def tokens(text: str | None) -> list[str]:
    return TOKEN.findall(text or "")


def ops(a: str | None, b: str | None) -> list[tuple[str, str, str]]:
    """(tag, baseline text, candidate text) runs: tag is equal | delete | insert | replace."""
    left, right = tokens(a), tokens(b)
    if len(left) > MAX_TOKENS or len(right) > MAX_TOKENS:
        return [("equal" if a == b else "replace", a or "", b or "")]
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    return [(tag, "".join(left[i1:i2]), "".join(right[j1:j2]))
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()]


def side_by_side(a: str | None, b: str | None) -> tuple[Markup, Markup]:
    """The two texts as HTML: the baseline with <del>, the candidate with <ins>."""
    left: list[str] = []
    right: list[str] = []
    for tag, x, y in ops(a, b):
        if tag == "equal":
            left.append(escape(x))
            right.append(escape(y))
            continue
        if x:
            left.append(Markup("<del>%s</del>") % x)
        if y:
            right.append(Markup("<ins>%s</ins>") % y)
    return Markup("").join(left), Markup("").join(right)
