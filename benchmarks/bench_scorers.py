"""Scorer benchmark: 10,000 stored outputs scored with ROUGE-L, JSON schema and citation overlap;
toxicity batched against one text at a time (tiny detoxify checkpoint on CPU).

Measures, in one process:
  - each scorer alone and the three together over the 10,000 outputs (cases per second),
  - a full `run_suite` over the replayed outputs with the three scorers, and the same run
    without scorers: the difference is the share of a run's time spent scoring,
  - toxicity: texts per second batched (batch 64) and one text per call, same texts.
Prints a Markdown table; the figures go into benchmarks/RESULTS.md.

    python benchmarks/bench_scorers.py [N] [TOXICITY_TEXTS]
"""
from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from evalkit.runner import RunConfig, run_suite  # noqa: E402
from evalkit.scorers.base import ScoreContext  # noqa: E402
from evalkit.suite import load_suite  # noqa: E402

WORDS = ("order refund shipping warranty parcel invoice account password device battery screen "
         "delivery return payment card express standard business days week month support").split()
SCHEMA = {"type": "object", "required": ["answer", "sources"],
          "properties": {"answer": {"type": "string"}, "confidence": {"type": "number", "minimum": 0,
                                                                     "maximum": 1},
                         "sources": {"type": "array", "items": {"type": "string"}}}}
SUITE = """suite: bench-scorers
prompt: "{{ question }}"
cases:
  from: cases.jsonl
  target: answer
scorers:
SCORERS"""
THREE = """  - {type: rouge, variant: rougeL, min: 0.3}
  - {type: json_schema, schema: schema.json}
  - {type: citations, sources: docs, support_min: 0.5}
"""


def sentence(rng: random.Random, n: int = 10) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def write_fixture(folder: Path, n: int) -> None:
    rng = random.Random(0)
    with (folder / "cases.jsonl").open("w") as cases, (folder / "outputs.jsonl").open("w") as outs:
        for i in range(n):
            docs = [{"id": f"d{i}-{k}", "text": " ".join(sentence(rng) for _ in range(3))} for k in range(3)]
            answer = sentence(rng, 12)
            cited = docs[i % 3]["text"].split(".")[0]
            output = json.dumps({"answer": f"{cited} [{docs[i % 3]['id']}]. {sentence(rng)} "
                                           f"[{docs[(i + 1) % 3]['id']}].",
                                 "confidence": 0.8, "sources": [docs[i % 3]["id"]]})
            cases.write(json.dumps({"id": f"c{i}", "question": f"q{i}", "answer": answer,
                                    "docs": docs}) + "\n")
            outs.write(json.dumps({"id": f"c{i}", "output": output, "latency_s": 0.2}) + "\n")
    (folder / "schema.json").write_text(json.dumps(SCHEMA))


def scorer_throughput(folder: Path) -> dict[str, float]:
    (folder / "three.yaml").write_text(SUITE.replace("SCORERS", THREE))
    suite = load_suite(folder / "three.yaml")
    outputs = {}
    from evalkit.backends.replay import read_recordings
    for (case_id, _), completion in read_recordings(folder / "outputs.jsonl").items():
        outputs[case_id] = completion
    ctx = ScoreContext(suite_dir=folder)
    rates = {}
    for scorer in suite.scorers:
        scorer.score(suite.cases[0], outputs[suite.cases[0].id], ctx)  # lazy imports outside
        started = time.perf_counter()
        for case in suite.cases:
            scorer.score(case, outputs[case.id], ctx)
        rates[scorer.name] = len(suite.cases) / (time.perf_counter() - started)
    started = time.perf_counter()
    for case in suite.cases:
        for scorer in suite.scorers:
            scorer.score(case, outputs[case.id], ctx)
    rates["all three"] = len(suite.cases) / (time.perf_counter() - started)
    return rates


def run_wall(folder: Path, scorers: str, name: str) -> float:
    (folder / f"{name}.yaml").write_text(SUITE.replace("SCORERS", scorers or "  []\n").replace(
        "scorers:\n  []", "scorers: []"))
    suite = load_suite(folder / f"{name}.yaml")
    started = time.perf_counter()
    summary = run_suite(suite, RunConfig(model=f"replay/{folder / 'outputs.jsonl'}",
                                         db=str(folder / f"{name}.duckdb"), progress=False))
    wall = time.perf_counter() - started
    assert summary.executed == len(suite.cases) and summary.errors == 0
    return wall


def toxicity(folder: Path, n: int) -> dict[str, float]:
    from tests.scorers.helpers import make
    from tests.scorers.tiny_detoxify import build

    build(folder / "tox")
    rng = random.Random(1)
    texts = [" ".join(rng.choice(["you", "are", "an", "idiot", "kind", "nice", "have", "a", "great",
                                  "day", "thanks"]) for _ in range(rng.randint(3, 40)))
             for _ in range(n)]
    out = {}
    for batch in (1, 64):
        scorer = make("toxicity", suite_dir=folder / "tox", checkpoint="tiny-detoxify.ckpt",
                      hf_config="hf", device="cpu", batch_size=batch)
        scorer.predict(texts[:2])  # load once, outside the timing
        started = time.perf_counter()
        scorer.predict(texts)
        out[f"batch {batch}"] = n / (time.perf_counter() - started)
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    tox_n = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_fixture(folder, n)
        rates = scorer_throughput(folder)
        bare = run_wall(folder, "", "bare")
        scored = run_wall(folder, THREE, "scored")
        tox = toxicity(folder, tox_n)
    print(f"| scoring {n:,} stored outputs | cases/s |\n|---|---|")
    for name, rate in rates.items():
        print(f"| {name} (scorer alone, one thread) | {rate:,.0f} |")
    print(f"\n| run_suite over {n:,} replayed outputs | wall s |\n|---|---|")
    print(f"| no scorers | {bare:.2f} |\n| ROUGE-L + JSON schema + citations | {scored:.2f} |")
    print(f"\nscoring share of the run: {(scored - bare) / scored:.0%} "
          f"({n / scored:,.0f} cases/s end to end)")
    print(f"\n| toxicity, tiny checkpoint, CPU, {tox_n:,} texts | texts/s |\n|---|---|")
    for name, rate in tox.items():
        print(f"| {name} | {rate:,.0f} |")
    print(f"\nbatched ÷ one at a time: {tox['batch 64'] / tox['batch 1']:.1f}×")


if __name__ == "__main__":
    main()
