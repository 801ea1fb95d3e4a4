"""The changelog of a baseline as Markdown (a CHANGELOG.md for the model dependency) or as a
self-contained HTML page. Every stored string (why, who, labels, case ids, reasons, what else
changed) is untrusted: redacted, then neutralised for Markdown or escaped by Jinja."""
from __future__ import annotations

from markupsafe import Markup

from .changelog import Entry
from .formatting import fmt_pct
from .markdown import md_text
from .redaction import Redactor

ICON = {"yes": "✅", "no": "❌", "inconclusive": "⚠️"}
ANSWER_WORDS = {"yes": "yes", "no": "no", "inconclusive": "inconclusive"}
# The page has no script at all; nothing may load.
CSP = ("default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")


def facts(entry: Entry) -> list[tuple[str, str]]:
    """(what, text) lines of one change, in the order people ask: why, who, the answer,
    then the evidence. Plain text; each format escapes it."""
    s = entry.summary
    lines: list[tuple[str, str]] = [("why", entry.why or "(no reason given)"),
                                    ("by", entry.by or "(unknown)")]
    if entry.action == "rollback":
        if entry.undone:
            lines.append(("note", "a later rollback went back past this change"))
        return lines
    run = s.get("run") or {}
    if run:
        lines.append(("run", f"{run.get('model')} on suite {run.get('suite')}: "
                             f"{fmt_pct(run.get('pass_rate'))} of {run.get('results')} results "
                             "passed"))
    if entry.undone:
        lines.append(("note", "rolled back later"))
    if s.get("first"):
        lines.append(("compared", "nothing: the first run of this baseline"))
        return lines
    if s.get("same_run"):
        lines.append(("compared", "nothing: the same run as before"))
        return lines
    if s.get("not_compared"):
        lines.append(("compared", f"not compared: {s['not_compared']}"))
        return lines
    if not s.get("answer"):
        lines.append(("compared", "no comparison was recorded (set before evalkit recorded one)"))
        return lines
    lines.append(("safe to swap", f"{s['answer']}: {s.get('sentence', '')}"))
    tally = s.get("tally")
    if tally:
        extra = (f", {tally['one_side']} on one side only" if tally.get("one_side") else "") + \
            (f", {tally['waived']} waived" if tally.get("waived") else "")
        lines.append(("outcome", f"fixed {tally['fixed']} / broke {tally['broke']} / unchanged "
                                 f"{tally['unchanged']} {tally['unit']}{extra}"))
    for text in s.get("metrics") or []:
        lines.append(("change", text))
    for d in s.get("deltas") or []:
        lines.append(("delta", f"{d['metric']} {d['where']}: {fmt_pct(d['baseline'])} → "
                               f"{fmt_pct(d['candidate'])} ({d['change']}; {d['verdict']})"))
    if s.get("worst_slice"):
        lines.append(("worst slice", s["worst_slice"]))
    for key in ("cost", "latency"):
        if s.get(key):
            lines.append((key, s[key]))
    if s.get("broke"):
        lines.append(("broke", ", ".join(s["broke"])))
    if s.get("fixed"):
        lines.append(("fixed", ", ".join(s["fixed"])))
    for w in s.get("waivers") or []:
        lines.append(("waiver used", f"{w['case']} ({w['metric']}): {w['reason']}, until "
                                     f"{w['expires']}"))
    for c in s.get("changed") or []:
        lines.append(("also changed", f"{c['item']}: {c['before']} → {c['after']} ({c['part']})"))
    for reason in s.get("reasons") or []:
        lines.append(("statistics", reason))
    return lines


def markdown(name: str, found: list[Entry], redact: Redactor) -> str:
    def text(value, limit: int = 400) -> str:
        return md_text(redact(str(value)), limit)

    now = found[0]
    out = [f"# Changelog: baseline `{text(name, 80).replace('`', '')}`", "",
           f"Now: {text(now.name(now.run_id))} · {len(found)} change(s), newest first.", ""]
    for entry in found:
        answer = entry.summary.get("answer")
        badge = f" {ICON[answer]} safe to swap: {answer}" if answer in ICON and \
            entry.action == "set" else ""
        out.append(f"## #{entry.seq} · {entry.at} UTC · {text(entry.title)}{badge}")
        out.append("")
        for what, value in facts(entry):
            out.append(f"- **{what}**: {text(value)}")
        out.append("")
    return "\n".join(out)


def html(name: str, found: list[Entry], redact: Redactor) -> str:
    from .html import environment, static_text

    context = {"redact": redact, "name": name, "entries": [
        {"entry": e, "facts": facts(e)} for e in found],
        "style": Markup(static_text("report.css")),
        "csp": Markup(CSP), "answers": ANSWER_WORDS}
    return environment().get_template("changelog.html.j2").render(context)
