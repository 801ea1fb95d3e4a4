"""HTML report benchmark: a 10,000-case comparison rendered into one self-contained page.

Setup (not measured): two runs written straight into a new DuckDB file with INSERT … SELECT
over range(), as bench_compare.py does, but with outputs of 200–400 characters, targets,
explanations on every score, 2 scorers (exact, rouge) and 2 slice keys; the candidate
rewords about a fifth of the outputs and flips a few percent of the cases.

Measured, in one process after a warm-up call (imports, matplotlib's font cache):
`prepare()` (compare + gates + verdict), `render_html()` (case records from the store,
charts, word diffs of the listed flips, template), the page's size, and — when Playwright
and /usr/bin/chromium are there — the browser: load until the first page of rows is drawn,
then a filter change, a search, and opening a row (its word diff is computed then).

    python benchmarks/bench_report.py [N] [REPEATS]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from evalkit.report import cases as case_data
from evalkit.report import prepare
from evalkit.report.html import render_html
from evalkit.store import Store

RUN = """INSERT INTO runs (run_id, suite, suite_hash, cases_hash, prompt_hash, model_ref, backend,
    options, fingerprint, label, samples, n_cases, status, started_at, provenance, scorers,
    slices)
VALUES (?, 'bench', 'h', 'c', 'p', ?, 'python', '{"backend": {}, "generation": {}}', ?, ?, 1, ?,
        'completed', current_timestamp, '{"evalkit_version": "0.1.0"}',
        '[{"name": "exact", "type": "exact", "params": {}},
          {"name": "rouge", "type": "rouge", "params": {}}]', '["lang", "tier"]')"""

# An answer of 200-400 characters; every candidate answer differs from the baseline's (a
# different model), a fifth of them substantially.
RESULTS = """INSERT INTO results (run_id, case_id, sample, output, target, latency_s, tokens_in,
    tokens_out, cost_usd, cached, metadata, passed)
SELECT $run, printf('c%06d', i), 0,
       CASE WHEN $shift > 0 THEN 'The answer to ' || i || ' is this: ' ELSE 'Answer ' || i || ': ' END
       || repeat('the quick brown fox jumps over the lazy dog; ', 4 + (hash(i) % 5)::INTEGER)
       || CASE WHEN $shift > 0 AND hash(i, 'reword') % 5 = 0
               THEN 'on reflection the answer is different, ' ELSE '' END
       || 'so the result is ' || (hash(i) % 97) || '.',
       to_json('Answer ' || i), 0.2 + (hash(i, $run) % 1000) / 1000.0,
       100, 40 + hash(i, $run) % 60, 0.0001 * (1 + $shift), false,
       json_object('lang', ['en', 'fr', 'de', 'ja'][1 + i % 4], 'tier', ['free', 'pro'][1 + i % 2]),
       (hash(i, 'q') % 100)::INTEGER >= 15 + $shift * ((hash(i, $run) % 2)::INTEGER
                                                      - (hash(i, 'up') % 3 = 0)::INTEGER)
FROM range($n) t(i)"""

SCORES = """INSERT INTO scores (run_id, case_id, sample, scorer, value, passed, explanation)
SELECT run_id, case_id, 0, 'exact', CASE WHEN passed THEN 1.0 ELSE 0.0 END, passed,
       CASE WHEN passed THEN 'output equals the target ''Answer ' || case_id || ''''
            ELSE 'output ''' || left(output, 200) || ''' differs from the target ''Answer '
                 || case_id || '''' END
FROM results WHERE run_id = $run
UNION ALL
SELECT run_id, case_id, 0, 'rouge', v, v >= 0.5, 'rougeL f-measure ' || round(v, 3) FROM (
    SELECT run_id, case_id, least(1.0, greatest(0.0, (hash(case_id) % 1000) / 1000.0
           - $shift / 100.0 + ((hash(case_id, run_id) % 200)::INTEGER - 100) / 1000.0)) AS v
    FROM results WHERE run_id = $run)"""


def build(path: Path, n: int) -> None:
    with Store(path) as store:
        for run_id, shift in (("base", 0), ("cand", 3)):
            store.query(RUN, [run_id, f"python/{run_id}:answer", run_id, run_id, n])
            store.query(RESULTS, {"run": run_id, "n": n, "shift": shift})
            store.query(SCORES, {"run": run_id, "shift": shift})


def browser_figures(page_path: Path) -> dict | None:
    if not Path("/usr/bin/chromium").exists():
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    figures: dict[str, list[float]] = {}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        for _ in range(3):
            page = chromium.new_page(viewport={"width": 1300, "height": 900})
            started = time.perf_counter()
            page.goto(page_path.as_uri())
            page.wait_for_selector("#case-rows tr.case")
            figures.setdefault("load until the first 50 rows are drawn", []).append(
                time.perf_counter() - started)
            for name, script in (
                ("filter: transition = pass → fail", """() => {
                    const t0 = performance.now(), s = document.getElementById('f-status');
                    s.value = 'pass_to_fail'; s.dispatchEvent(new Event('change'));
                    return performance.now() - t0; }"""),
                ("filter: scorer rouge, slice lang = fr", """() => {
                    const t0 = performance.now();
                    const a = document.getElementById('f-scorer'); a.value = '1';
                    a.dispatchEvent(new Event('change'));
                    const b = document.getElementById('f-slice'); b.value = '0:1';
                    b.dispatchEvent(new Event('change'));
                    return performance.now() - t0; }"""),
                ("search 'on reflection' (after the 150 ms debounce)", """async () => {
                    for (const id of ['f-status', 'f-scorer', 'f-slice']) {
                      const s = document.getElementById(id); s.value = '';
                      s.dispatchEvent(new Event('change')); }
                    const box = document.getElementById('f-search');
                    const rows = document.getElementById('case-rows');
                    const done = new Promise(r => { const o = new MutationObserver(() => {
                      o.disconnect(); r(performance.now()); }); o.observe(rows, {childList: true}); });
                    const t0 = performance.now();
                    box.value = 'on reflection'; box.dispatchEvent(new Event('input'));
                    return (await done) - t0 - 150; }"""),
                ("open a row (word diff of both outputs)", """() => {
                    const t0 = performance.now();
                    document.querySelector('#case-rows tr.case').click();
                    return performance.now() - t0; }"""),
            ):
                figures.setdefault(name, []).append(page.evaluate(script) / 1000.0)
            page.close()
        chromium.close()
    return {name: statistics.median(values) for name, values in figures.items()}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        started = time.perf_counter()
        build(path, n)
        print(f"setup: 2 runs × {n:,} cases, exact + rouge, 2 slice keys: "
              f"{time.perf_counter() - started:.2f} s")
        with Store(path, read_only=True) as store:
            render_html(store, prepare(store, "cand", "base"))  # warm-up
            prepared, rendered, records, cpu = [], [], [], []
            for _ in range(repeats):
                cpu_started = time.process_time()
                started = time.perf_counter()
                inp = prepare(store, "cand", "base")
                prepared.append(time.perf_counter() - started)
                started = time.perf_counter()
                page = render_html(store, inp)
                rendered.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                started = time.perf_counter()
                data = case_data.build(store, inp)
                records.append(time.perf_counter() - started)
        size = len(page.encode("utf-8"))
        blob = len(case_data.script_json(data.payload()).encode("utf-8"))
        out = Path(folder) / "report.html"
        out.write_text(page, encoding="utf-8")
        counts = inp.diff.counts()
        print(f"cases: {len(data.rows):,} (case, sample) pairs; flips {counts.get('pass_to_fail', 0)}"
              f" pass→fail, {counts.get('fail_to_pass', 0)} fail→pass; outputs and targets "
              f"shortened to {data.meta['textLimit']:,} characters where needed")
        print(f"| what | median of {repeats} |\n|---|---|")
        print(f"| prepare(): compare, gates, verdict | {statistics.median(prepared):.2f} s |")
        print(f"| render_html(): whole page | {statistics.median(rendered):.2f} s |")
        print(f"| of which case records (2 bulk queries, redaction, clipping) | "
              f"{statistics.median(records):.2f} s |")
        print(f"| prepare() + render_html() | "
              f"{statistics.median(p + r for p, r in zip(prepared, rendered)):.2f} s |")
        print(f"| prepare() + render_html(), CPU time (all threads) | "
              f"{statistics.median(cpu):.2f} s |")
        print(f"| page size | {size / 1e6:.2f} MB (case JSON {blob / 1e6:.2f} MB) |")
        figures = browser_figures(out)
        if figures is None:
            print("browser: skipped (no Playwright or /usr/bin/chromium)")
        else:
            for name, seconds in figures.items():
                print(f"| browser: {name} | {seconds * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
