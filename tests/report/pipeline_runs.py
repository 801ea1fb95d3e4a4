"""Two real runs for the Markdown / JUnit / CLI report tests: a suite whose pipeline answers
from a table of outputs per version, so a test chooses exactly what each model says
(flips, errors, XSS payloads, secrets). Runs go through the real `evalkit run`."""
from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import clean_env, evalkit

PIPELINE = '''
import json, pathlib
OUTPUTS = json.loads(pathlib.Path(__file__).with_name("outputs.json").read_text())

def answer(vars, options):
    said = OUTPUTS[options.get("version", "v1")][vars["key"]]
    if said == "!error":
        raise RuntimeError("backend exploded for " + vars["key"])
    return said
'''

SUITE = """suite: report-check
prompt: "Q {{{{ key }}}}"
cases:
{cases}
slices: [group]
scorers:
  - type: contains
{gates}"""


def make_runs(folder: Path, outputs: dict[str, dict[str, str]], targets: dict[str, str],
              groups: dict[str, str] | None = None, gates: str = "") -> dict:
    """Write the suite and pipeline, run v1 and v2 (labels), return paths and an env."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pipe_out.py").write_text(PIPELINE)
    (folder / "outputs.json").write_text(json.dumps(outputs))
    groups = groups or {}
    cases = "\n".join(
        f"  - {{id: {json.dumps(key)}, key: {json.dumps(key)}, "
        f"target: {json.dumps(target)}, metadata: {{group: {json.dumps(groups.get(key, 'a'))}}}}}"
        for key, target in targets.items())
    (folder / "suite.yaml").write_text(SUITE.format(cases=cases, gates=gates))
    env = clean_env(EVALKIT_DB=str(folder / "r.duckdb"))
    for version in outputs:
        done = evalkit("run", "suite.yaml", "-m", "python/pipe_out:answer", "-M",
                       f"path={folder}", "-M", f"version={version}", "--label", version,
                       "--retries", "0", cwd=folder, env=env)
        assert done.returncode in (0, 1), done.stderr
    return {"folder": folder, "env": env, "db": folder / "r.duckdb"}
