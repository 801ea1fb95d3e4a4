"""A suite of a million cases against the loopback test server, in one `evalkit run` process:
wall time, CPU, peak RSS (wait4's ru_maxrss of that process) and the DuckDB file's size.

The case file (JSONL, one line per case) is over the streaming threshold, so the suite is
checked in one pass and then read in chunks while the run goes (suite/streaming.py).

    python benchmarks/bench_million.py [N] [CONCURRENCY] [LATENCY]
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.support.openai_server import serve  # noqa: E402

SUITE = """suite: million
prompt: "{{ question }}"
cases:
  from: cases.jsonl
  target: answer
  metadata: [lang]
slices: [lang]
scorers:
  - type: exact
"""


def write_cases(folder: Path, n: int) -> Path:
    with (folder / "cases.jsonl").open("w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(json.dumps({"id": f"case-{i:07d}", "question": f"prompt {i}",
                                     "answer": f"prompt {i}", "lang": ("en", "fr", "de")[i % 3]})
                         + "\n")
    (folder / "million.yaml").write_text(SUITE, encoding="utf-8")
    return folder / "million.yaml"


def main(n: int = 1_000_000, concurrency: int = 32, latency: float = 0.0) -> None:
    work = Path(tempfile.mkdtemp(prefix="evalkit-million-", dir=os.environ.get("BENCH_DIR")))
    suite = write_cases(work, n)
    db = work / "million.duckdb"
    evalkit = shutil.which("evalkit") or "evalkit"
    with serve(latency=latency) as srv:
        cmd = [evalkit, "run", str(suite), "--model", "openai/bench-model",
               "-M", f"api_base={srv.base_url}", "-M", "api_key=sk-bench", "--db", str(db),
               "--max-concurrency", str(concurrency), "--no-progress"]
        started = time.time()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.time() - started
        out, err = proc.stdout.read(), proc.stderr.read()
        assert os.waitstatus_to_exitcode(status) == 0, err
        srv_total = srv.stats()["total"]
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    stored, passed = con.execute("SELECT count(*), count(*) FILTER (WHERE passed) "
                                 "FROM results").fetchone()
    con.close()
    size = sum(p.stat().st_size for p in work.glob("million.duckdb*"))
    print(out.strip())
    print(f"\nN={n:,}, concurrency={concurrency}, latency={latency * 1000:.0f} ms")
    print("| cases | wall s | CPU s | peak RSS MB | DuckDB file MB | requests | stored (passed) |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {n:,} | {wall:.0f} | {usage.ru_utime + usage.ru_stime:.0f} | "
          f"{usage.ru_maxrss / 1024:.0f} | {size / 2**20:.0f} | {srv_total:,} | "
          f"{stored:,} ({passed:,}) |")
    assert srv_total == n and stored == n
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    kinds, defaults = [int, int, float], [1_000_000, 32, 0.0]
    main(*([k(a) for k, a in zip(kinds, args)] + defaults[len(args):]))
