"""Where Markdown syntax, not prose, is written: code and link syntax that look like citations.

`[1, 2, 3]` in a code span, `arr[0]` in a fenced block, `[the docs](https://…)` and the
definition line `[1]: https://…` are not citations, nor claims a source must back.
`citable` gives the text at its length (so positions carry over) with that syntax blanked
(link text is kept); line breaks are kept so sentences and lines stay where they were.

Recognised: fenced code blocks (``` or ~~~, closed by a fence as long, or the end of the
text), inline code spans (a run of backticks closed by a run of the same length), inline
links and images (`[text](url "title")`, `![alt](src)`), and reference definitions
(`[label]: url` on a line of its own). Not recognised: indented code blocks (four spaces
read as code would also swallow nested list items), HTML (`<code>`, `<a>`), math.
"""
from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n?", re.MULTILINE)
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
# [text](url) or ![alt](src): the text may hold one level of brackets ("[[1]](https://…)").
_LINK = re.compile(r"(!?\[)((?:[^\[\]\n]|\[[^\[\]\n]*\])*)(\]\(\s*<?[^\s()<>]*(?:\([^\s()]*\)"
                   r"[^\s()<>]*)*>?(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?\s*\))")
_DEFINITION = re.compile(r"^ {0,3}\[[^\[\]\n]+\]:[ \t]*\S[^\n]*$", re.MULTILINE)


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def _fenced_blocks(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    while (opening := _FENCE.search(text, pos)) is not None:
        fence = opening.group(1)
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$",
                             re.MULTILINE).search(text, opening.end())
        end = closing.end() if closing else len(text)
        spans.append((opening.start(), end))
        pos = end
    return spans


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in spans:
        out += [text[pos:start], _blank(text[start:end])]
        pos = end
    return "".join(out) + text[pos:]


def _without_links(text: str) -> str:
    """The text with link syntax (brackets, URL, title) and definition lines blanked; the
    link text is kept."""
    text = _DEFINITION.sub(lambda m: _blank(m.group()), text)
    return _LINK.sub(lambda m: _blank(m.group(1)) + m.group(2) + _blank(m.group(3)), text)


def citable(text: str) -> str:
    """The prose of a Markdown text at the same positions: code and link syntax blanked."""
    if "`" not in text and "~~~" not in text and "](" not in text and "]:" not in text:
        return text  # no code, no link: nothing to blank
    text = _replace(text, _fenced_blocks(text))
    text = _CODE_SPAN.sub(lambda m: _blank(m.group()), text)
    return _without_links(text)
