"""The body of scripts/gpu_check.sh: the hf backend on a GPU, batched and one at a time.

Builds a random Llama-architecture model and tokenizer offline (scripts/tiny_model.py),
runs the same chat suite through the hf backend twice — `batch_size` N, then 1 — after an
untimed warm-up, and prints generated tokens per second for each. Greedy decoding, so the
two runs should also agree on every output (reported, not enforced: half precision and
padding can flip near-ties).
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.tiny_model import WORDS, build_tiny_model


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/gpu_check.sh", description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--hidden", type=int, help="model width (default 1024 on a GPU, 128 on CPU)")
    parser.add_argument("--layers", type=int, help="layers (default 8 on a GPU, 2 on CPU)")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--dtype", choices=["float32", "float16", "bfloat16"],
                        help="default: bfloat16 where supported on CUDA, else float16; float32 on CPU")
    parser.add_argument("--allow-cpu", action="store_true",
                        default=os.environ.get("EVALKIT_GPU_CHECK_ALLOW_CPU") == "1",
                        help="run on CPU when there is no GPU (proves the script, not the GPU)")
    parser.add_argument("--engine-only", action="store_true",
                        help="drive the engine directly even when evalkit's runner is importable")
    return parser.parse_args(argv)


def pick_device(args: argparse.Namespace) -> tuple[str, str]:
    import torch

    device = args.device
    if device.startswith("cuda") and not torch.cuda.is_available():
        if not args.allow_cpu:
            print("gpu_check: no CUDA device (torch.cuda.is_available() is False); "
                  "--allow-cpu runs it on CPU", file=sys.stderr)
            raise SystemExit(2)
        device = "cpu"
    if args.dtype:
        return device, args.dtype
    if device.startswith("cuda"):
        return device, "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    return device, "float32"


def make_questions(n: int) -> list[str]:
    """Chat questions of varied length (8 to 96 words), the same on every machine."""
    rng = random.Random(0)
    vocab = WORDS[7:] + [f"w{i}" for i in range(400)]
    return [" ".join(rng.choice(vocab) for _ in range(rng.randint(8, 96))) for _ in range(n)]


def evalkit_importable() -> bool:
    try:
        import evalkit.runner  # noqa: F401  (pydantic, duckdb, jinja2, ...)
        return True
    except ImportError:
        return False


def run_with_evalkit(folder: Path, questions: list[str], args, device: str, dtype: str,
                     work: Path) -> dict:
    from evalkit import load_suite
    from evalkit.backends.base import BackendEnv, ModelRef, create_backend
    from evalkit.runner import RunConfig, run_suite_async

    lines = [json.dumps({"id": f"c{i:04d}", "question": q}) for i, q in enumerate(questions)]
    (work / "cases.jsonl").write_text("\n".join(lines) + "\n")
    (work / "warmup.jsonl").write_text("\n".join(lines[:args.batch_size]) + "\n")
    for name, source in (("check", "cases.jsonl"), ("warmup", "warmup.jsonl")):
        (work / f"{name}.yaml").write_text(
            f"suite: gpu-{name}\nprompt: '{{{{ question }}}}'\n"
            f"options: {{temperature: 0, max_tokens: {args.max_tokens}}}\n"
            f"cases:\n  from: {source}\nscorers: []\n")
    suite, warmup = load_suite(work / "check.yaml"), load_suite(work / "warmup.yaml")
    found: dict = {}
    for label, batch in (("batched", args.batch_size), ("one at a time", 1)):
        options = {"device": device, "dtype": dtype, "batch_size": batch}

        async def go(options: dict, batch: int):
            backend = create_backend(ModelRef("hf", str(folder)), options, BackendEnv(Path.cwd()))
            await backend.ensure_started()
            model = backend._engine.model
            found["device"] = str(model.device)
            found["params"] = model.num_parameters()
            config = {"model": f"hf/{folder}", "model_args": options, "cache": False,
                      "auto_resume": False, "progress": False}
            await run_suite_async(warmup, RunConfig(db=str(work / f"warm-{batch}.duckdb"), **config),
                                  backend=backend)
            started = time.perf_counter()
            summary = await run_suite_async(suite, RunConfig(db=str(work / f"run-{batch}.duckdb"),
                                                             **config), backend=backend)
            seconds = time.perf_counter() - started
            await backend.close()
            return summary, seconds

        summary, seconds = asyncio.run(go(options, batch))
        frame = summary.results_df()
        found[label] = {"seconds": seconds, "tokens": int(frame["tokens_out"].fillna(0).sum()),
                        "errors": int(frame["error"].notna().sum()),
                        "outputs": dict(zip(frame["case_id"], frame["output"]))}
    return found


def run_engine_only(folder: Path, questions: list[str], args, device: str, dtype: str) -> dict:
    # Loaded by file path: evalkit/__init__ and backends/base need evalkit's dependencies.
    spec = importlib.util.spec_from_file_location("evalkit_hf_engine",
                                                  ROOT / "evalkit" / "backends" / "hf_engine.py")
    engine_module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = engine_module  # dataclasses look their module up there
    spec.loader.exec_module(engine_module)
    engine = engine_module.load(str(folder), device=device, dtype=dtype)
    rows = [engine.encode(messages=[{"role": "user", "content": q}]) for q in questions]
    sampling = engine_module.Sampling(max_new_tokens=args.max_tokens)
    seeds = list(range(len(rows)))
    found: dict = {"device": str(engine.model.device), "params": engine.model.num_parameters()}
    engine.generate(rows[:args.batch_size], sampling, seeds, args.batch_size)  # warm-up
    for label, batch in (("batched", args.batch_size), ("one at a time", 1)):
        started = time.perf_counter()
        outputs = engine.generate(rows, sampling, seeds, batch)
        seconds = time.perf_counter() - started
        found[label] = {"seconds": seconds, "tokens": sum(o.tokens_out for o in outputs),
                        "errors": 0, "outputs": {i: o.text for i, o in enumerate(outputs)}}
    return found


def main(argv: list[str]) -> int:
    args = parse(argv)
    device, dtype = pick_device(args)
    gpu = device.startswith("cuda")
    hidden, layers = args.hidden or (1024 if gpu else 128), args.layers or (8 if gpu else 2)
    full = not args.engine_only and evalkit_importable()
    questions = make_questions(args.cases)
    with tempfile.TemporaryDirectory(prefix="evalkit-gpu-check-") as tmp:
        work = Path(tmp)
        os.environ.setdefault("EVALKIT_CACHE_DIR", str(work / "cache"))
        folder = build_tiny_model(work / "model", hidden=hidden, layers=layers,
                                  heads=max(4, hidden // 128))
        found = (run_with_evalkit(folder, questions, args, device, dtype, work) if full
                 else run_engine_only(folder, questions, args, device, dtype))
    return report(found, args, device, dtype, hidden, layers, full)


def report(found: dict, args, device: str, dtype: str, hidden: int, layers: int, full: bool) -> int:
    import torch

    name = torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda") else "CPU"
    batched, single = found["batched"], found["one at a time"]
    same = sum(batched["outputs"][k] == single["outputs"].get(k) for k in batched["outputs"])
    print("evalkit GPU check: the hf backend")
    print(f"  mode        {'evalkit runner + DuckDB store' if full else 'engine only'}"
          + ("" if full else " (evalkit's core dependencies are not installed: the runner "
                             "and store were not exercised)"))
    print(f"  device      {found['device']} ({name}), {dtype}, torch {torch.__version__}")
    print(f"  model       random Llama, hidden {hidden}, {layers} layers, "
          f"{found['params'] / 1e6:.1f} M parameters (built offline)")
    print(f"  suite       {args.cases} chat cases of 8-96 words, max_tokens {args.max_tokens}, greedy")
    for label, size in (("batched", args.batch_size), ("one at a time", 1)):
        run = found[label]
        print(f"  {label:<13} batch_size {size:>3}: {run['tokens']:>7} tokens in "
              f"{run['seconds']:7.2f} s = {run['tokens'] / run['seconds']:9.1f} tokens/s"
              f"  ({run['errors']} errors)")
    rates = [found[k]["tokens"] / found[k]["seconds"] for k in ("batched", "one at a time")]
    print(f"  speed-up    {rates[0] / rates[1]:.1f}x batched over one at a time")
    print(f"  agreement   {same}/{len(batched['outputs'])} outputs identical in both runs")
    problems = []
    if batched["errors"] or single["errors"]:
        problems.append("some calls failed")
    if not batched["tokens"] or not single["tokens"]:
        problems.append("no tokens generated")
    if not found["device"].startswith(device.split(":")[0]):
        problems.append(f"the model is on {found['device']}, not {device}")
    for problem in problems:
        print(f"gpu_check: FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
