"""`evalkit trend SUITE`: primary metrics and slice gaps over a suite's runs (report/trend.py)."""
from __future__ import annotations

import click

from ..errors import EXIT_OK, UsageError
from .db_option import db_option


@click.command("trend")
@click.argument("suite")
@click.option("--metric", "metrics", multiple=True, metavar="NAME",
              help="`passed` or a scorer's name: its pass rate per run (repeatable; default: the "
              "suite's primary metrics, compare.primary)")
@click.option("--label-glob", metavar="GLOB", help="only runs whose label matches, e.g. 'v*'")
@click.option("--baseline", metavar="NAME", help="only the runs baseline NAME was set to "
              "(its history)")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False),
              help="also draw the chart here (.png or .svg)")
@db_option
def trend_command(suite, metrics, label_glob, baseline, chart_path, db) -> int:
    """SUITE's pass rates (with 95% Wilson intervals) and slice gaps over its completed runs,
    oldest first: a table, and with --chart a matplotlib chart."""
    from ..report import trend
    from ..report.files import write_atomic
    from ..report.formatting import fmt_pct
    from ..store import Store
    from .render import console, plain, safe, table

    fmt = None
    if chart_path:
        fmt = chart_path.rsplit(".", 1)[-1].lower() if "." in chart_path else ""
        if fmt not in ("png", "svg"):
            raise UsageError(f"--chart {chart_path}: the file name must end in .png or .svg")
    with Store(db, read_only=True) as store:
        metrics = tuple(dict.fromkeys(metrics or trend.primary_metrics(store, suite)))
        known = trend.known_metrics(store, suite)
        for metric in metrics:
            if metric not in known:
                raise UsageError(f"--metric {metric}: suite '{suite}' has no such metric "
                                 f"(metrics: {', '.join(known[:20])})")
        found = trend.points(store, suite, metrics, label_glob, baseline)
    out = console()
    if not found:
        out.print(f"no completed runs of suite {safe(suite)} match")
        return EXIT_OK
    keys = sorted({g.key for p in found for g in p.gaps})
    rows = []
    for p in found:
        cells = [safe(p.name, 40), safe(p.model, 50), p.started_at]
        for metric in metrics:
            r = p.rates[metric]
            cells.append(f"{fmt_pct(r.value)} [{fmt_pct(r.low)}, {fmt_pct(r.high)}] n={r.n}")
        for key in keys:
            g = next((g for g in p.gaps if g.key == key), None)
            cells.append("–" if g is None or g.gap is None else
                         safe(f"{g.gap * 100:.1f} pp [{g.low * 100:.1f}, {g.high * 100:.1f}] "
                              f"({g.worst} lowest)", 80))
        rows.append(cells)
    out.print(table(f"{safe(suite)}: {len(found)} runs, oldest first (95% Wilson intervals)",
                    ["run", "model", "started (UTC)", *(safe(m) for m in metrics),
                     *(f"gap {safe(k)}" for k in keys)], rows))
    if chart_path:
        path = write_atomic(chart_path, trend.chart(found, metrics, fmt))
        out.print(f"chart: {plain(str(path))}", markup=False, soft_wrap=True)
    return EXIT_OK

