"""Charts for the HTML report: matplotlib's Figure API (never pyplot), written as SVG and
inlined in the page.

Labels come from slice values and scorer names, which are untrusted: they are redacted by
the caller, kept out of mathtext (`$` escaped) and shortened here; matplotlib escapes text
in SVG, and `sanitize_svg` then parses the document and keeps only an allowlist of drawing
elements and attributes (no script, no foreignObject, no event handlers, no external
references), re-serialising it so every text node is escaped again.
"""
from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
RC = {
    "svg.fonttype": "none",  # text as <text>, no embedded glyph paths: small, searchable
    "svg.hashsalt": "evalkit-report",  # deterministic element ids
    "svg.image_inline": True,
    "font.size": 9,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "axes.spines.top": False,
    "axes.spines.right": False,
}
BASELINE_COLOUR, CANDIDATE_COLOUR, SINGLE_COLOUR = "#9aa5b1", "#2f6fb3", "#2f6fb3"
LABEL_CHARS = 32
ALLOWED_TAGS = {"svg", "g", "defs", "style", "path", "clipPath", "use", "text", "tspan", "rect",
                "line", "polyline", "polygon", "circle", "ellipse", "title", "desc"}
ALLOWED_ATTRIBUTES = {"id", "d", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "ry",
                      "width", "height", "viewBox", "version", "points", "transform", "style",
                      "class", "clip-path", "fill", "stroke", "stroke-width", "opacity",
                      "text-anchor", "font-size", "font-family", "type", "href",
                      "preserveAspectRatio", "dominant-baseline"}
EXTERNAL = re.compile(r"url\(\s*(?!['\"]?#)|@import|expression\(|javascript:", re.IGNORECASE)

ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)


def label(text: object, limit: int = LABEL_CHARS) -> str:
    """An untrusted string fit for a chart label: short, and never mathtext."""
    value = " ".join(str(text).split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("$", r"\$")


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def sanitize_svg(document: str) -> Markup:
    """matplotlib's SVG reduced to an allowlist of elements and attributes, as markup."""
    start = document.find("<svg")
    if start < 0:
        raise ValueError("not an SVG document")
    root = ET.fromstring(document[start:])
    _clean(root)
    root.set("class", "chart")
    root.set("role", "img")
    return Markup(ET.tostring(root, encoding="unicode"))


def _clean(element: ET.Element) -> None:
    for child in list(element):
        if _local(child.tag) not in ALLOWED_TAGS or (
                _local(child.tag) == "style" and EXTERNAL.search(child.text or "")):
            element.remove(child)
            continue
        _clean(child)
    for key in list(element.attrib):
        name, value = _local(key), element.attrib[key]
        if name == "href":
            if not value.startswith("#"):
                del element.attrib[key]
        elif name not in ALLOWED_ATTRIBUTES or EXTERNAL.search(value):
            del element.attrib[key]


def _render(fig) -> Markup:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight",
                metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return sanitize_svg(buffer.getvalue())


def _rc():
    import matplotlib

    return matplotlib.rc_context(RC)


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=72)


def slice_parity(key: str, values: Sequence[str], baseline: Sequence[float | None] | None,
                 candidate: Sequence[float | None], counts: Sequence[int]) -> Markup:
    """Pass rate per value of one slice key: horizontal bars, baseline beside candidate."""
    import numpy as np

    with _rc():
        n = len(values)
        fig = _figure(6.4, 0.9 + 0.28 * n * (2 if baseline is not None else 1) ** 0.5)
        ax = fig.add_subplot()
        y = np.arange(n)
        cand = [math.nan if v is None else v * 100 for v in candidate]
        if baseline is not None:
            base = [math.nan if v is None else v * 100 for v in baseline]
            # the y axis is inverted below: baseline above candidate in each group
            ax.barh(y - 0.2, base, height=0.4, color=BASELINE_COLOUR, label="baseline")
            ax.barh(y + 0.2, cand, height=0.4, color=CANDIDATE_COLOUR, label="candidate")
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8,
                      frameon=False, borderaxespad=0.2)
        else:
            ax.barh(y, cand, height=0.6, color=SINGLE_COLOUR)
        ax.set_yticks(y, [f"{label(v)} (n={c})" for v, c in zip(values, counts)])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"pass rate (%) by {label(key)}")
        ax.grid(axis="x", alpha=0.3)
        return _render(fig)


def histogram(series: Sequence[tuple[str, Sequence[float]]], xlabel: str,
              bins: int = 20, value_range: tuple[float, float] = (0.0, 1.0)) -> Markup:
    """Overlaid step histograms of one score per run (share of results per bin)."""
    import numpy as np

    with _rc():
        fig = _figure(6.4, 2.6)
        ax = fig.add_subplot()
        edges = np.linspace(value_range[0], value_range[1], bins + 1)
        colours = [BASELINE_COLOUR, CANDIDATE_COLOUR] if len(series) == 2 else [SINGLE_COLOUR]
        for (name, values), colour in zip(series, colours):
            data = np.clip(np.asarray(values, dtype=float), *value_range)
            weights = np.full(len(data), 100.0 / max(1, len(data)))
            ax.hist(data, bins=edges, weights=weights, histtype="step", linewidth=1.6,
                    color=colour, label=f"{label(name)} (n={len(data)})")
        ax.set_xlabel(label(xlabel, 60))
        ax.set_ylabel("% of results")
        ax.legend(fontsize=8, frameon=False)
        ax.grid(axis="y", alpha=0.3)
        return _render(fig)


def operations(panels: Sequence[tuple[str, Sequence[str], Sequence[float | None],
                                      Sequence[float | None] | None]]) -> Markup:
    """Small multiples: each panel (title, measures, candidate, baseline or None) as bars."""
    import numpy as np

    with _rc():
        fig = _figure(2.3 * len(panels) + 0.6, 2.4)
        for index, (title, names, cand, base) in enumerate(panels, start=1):
            ax = fig.add_subplot(1, len(panels), index)
            x = np.arange(len(names))
            clean = [math.nan if v is None else v for v in cand]
            if base is not None:
                ax.bar(x - 0.2, [math.nan if v is None else v for v in base], width=0.4,
                       color=BASELINE_COLOUR, label="baseline")
                ax.bar(x + 0.2, clean, width=0.4, color=CANDIDATE_COLOUR, label="candidate")
            else:
                ax.bar(x, clean, width=0.55, color=SINGLE_COLOUR)
            ax.set_xticks(x, [label(n) for n in names])
            ax.set_title(label(title, 40), fontsize=9)
            ax.grid(axis="y", alpha=0.3)
            if index == 1 and base is not None:
                ax.legend(fontsize=7, frameon=False)
        fig.subplots_adjust(wspace=0.45)
        return _render(fig)
