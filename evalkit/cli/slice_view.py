"""Terminal view of slice discovery (compare/slice_search.py): the undeclared slices where
the candidate got worse, each in a sentence. Slice labels come from case metadata: untrusted,
through safe()."""
from __future__ import annotations

from ..compare.slice_search import p_text
from .render import percent, safe, table


def render_found_slices(out, diff) -> None:
    search = getattr(diff, "slice_search", None)
    if search is None or not search.searched:
        return
    if not search.found:
        out.print(f"slices searched: {search.searched} (metadata, lengths, script and two-way "
                  f"combinations of ≥ {search.floor} cases): none where the candidate is "
                  f"significantly worse (family-wise α {search.q:g})")
        return
    rows = [[safe(f.where, 200), str(f.n), percent(f.baseline), percent(f.candidate),
             f"{f.delta * 100:+.1f} pp", f"{f.rest_delta * 100:+.1f} pp",
             p_text(f.q).lstrip("= ")]
            for f in search.found]
    out.print(table(f"slices where the candidate got worse (found among {search.searched} "
                    f"searched on {safe(search.metric)}; weighted Holm, family-wise α "
                    f"{search.q:g}; ranked by cases lost)",
                    ["slice", "n", "baseline", "candidate", "Δ", "Δ other cases", "p (adj)"], rows))
    top = search.found[0]
    out.print(f"  [bold]{safe(top.sentence(search.searched), None)}[/]")
