"""The second half of scripts/gpu_check.sh: vLLM replicas under Ray against vLLM's own
offline engine, on the same prompts, in tokens per second (target: at least 0.9×).

Needs CUDA, vllm, ray and evalkit. It builds the same random Llama as the hf check (offline),
then, each in its own process so the GPU is free again between them:

1. vLLM's offline engine (`vllm.LLM.generate`, one call for every prompt, after a warm-up);
2. `evalkit run --executor ray` with one vLLM replica (1 GPU), through the runner and the
   DuckDB store, after a warm-up run that loads the model in the replica;
3. with two or more GPUs, a replica spanning 2 GPUs (tensor_parallel_size=2, vLLM's own
   workers inside the replica's placement group).

Greedy decoding on both sides, so both generate the same tokens (and the same count). Exit status: 0 ok, 1 a check failed (errors, or below 0.9×), 2 skipped
(no GPU, or vllm / ray missing), which gpu_check.sh reports without failing.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET = 0.9


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/gpu_check_ray_vllm.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=512)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=1024)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--gpu-memory-utilization", type=float, default=0.5)
    parser.add_argument("--step", choices=["offline", "ray"], help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--tp", type=int, default=1, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def prompts(n: int) -> list[str]:
    from scripts.gpu_check import make_questions

    return make_questions(n)


def offline(args: argparse.Namespace) -> dict:
    """vLLM alone: the reference throughput."""
    import vllm

    llm = vllm.LLM(model=args.model, seed=0, gpu_memory_utilization=args.gpu_memory_utilization,
                   tensor_parallel_size=args.tp)
    params = vllm.SamplingParams(temperature=0, max_tokens=args.max_tokens, seed=0)
    texts = prompts(args.cases)
    llm.generate(texts[:32], params, use_tqdm=False)  # warm-up
    started = time.perf_counter()
    outputs = llm.generate(texts, params, use_tqdm=False)
    seconds = time.perf_counter() - started
    tokens = sum(len(o.outputs[0].token_ids) for o in outputs)
    return {"tokens": tokens, "seconds": seconds, "texts": [o.outputs[0].text for o in outputs]}


def through_ray(args: argparse.Namespace) -> dict:
    """evalkit's runner with vLLM replicas as Ray actors; the timed run starts with the
    replica's model already loaded (a warm-up run first, the executor shared)."""
    import asyncio

    from evalkit import load_suite
    from evalkit.runner import RunConfig, open_model, run_suite_async
    from evalkit.runner.executors import open_executor
    from evalkit.store import Store

    work = Path(tempfile.mkdtemp(prefix="evalkit-ray-vllm-"))
    texts = prompts(args.cases)
    for name, rows in (("check", texts), ("warmup", texts[:32])):
        (work / f"{name}.jsonl").write_text("".join(
            json.dumps({"id": f"c{i:04d}", "question": q}) + "\n" for i, q in enumerate(rows)))
        (work / f"{name}.yaml").write_text(
            f"suite: ray-vllm-{name}\nprompt: {{completion: '{{{{ question }}}}'}}\n"
            f"options: {{temperature: 0, max_tokens: {args.max_tokens}, seed: 0}}\n"
            f"cases:\n  from: {name}.jsonl\nscorers: []\n")
    model_args = {"gpu_memory_utilization": args.gpu_memory_utilization, "replicas": 1,
                  "tensor_parallel_size": args.tp, "batch_size": max(256, args.cases)}

    async def go() -> dict:
        config = RunConfig(model=f"vllm/{args.model}", model_args=model_args, cache=False,
                           progress=False, executor="ray", auto_resume=False)
        with Store(work / "r.duckdb") as store:
            _, model = open_model(config, store)
            async with model, open_executor(config, model) as executor:
                await run_suite_async(load_suite(work / "warmup.yaml"), config, store=store,
                                      model=model, executor=executor)
                started = time.perf_counter()
                summary = await run_suite_async(load_suite(work / "check.yaml"), config,
                                                store=store, model=model, executor=executor)
                seconds = time.perf_counter() - started
            frame = store.df("SELECT case_id, output, tokens_out, error, node_id FROM results "
                             "WHERE run_id = ? ORDER BY case_id", [summary.run_id])
        return {"tokens": int(frame.tokens_out.fillna(0).sum()), "seconds": seconds,
                "errors": int(frame.error.notna().sum()), "texts": frame.output.tolist(),
                "on_ray": bool(frame.node_id.notna().all())}

    return asyncio.run(go())


def step(args: argparse.Namespace, which: str, model: Path, tp: int) -> dict:
    """One measurement in a fresh process (the GPU memory of the previous one is released)."""
    done = subprocess.run(
        [sys.executable, __file__, "--step", which, "--model", str(model), "--tp", str(tp),
         "--cases", str(args.cases), "--max-tokens", str(args.max_tokens),
         "--gpu-memory-utilization", str(args.gpu_memory_utilization)],
        capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{which} (tp={tp}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def missing() -> str | None:
    for module in ("torch", "vllm", "ray", "evalkit"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed"
    import torch

    if not torch.cuda.is_available():
        return "no CUDA device"
    return None


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.step:
        found = offline(args) if args.step == "offline" else through_ray(args)
        print(json.dumps(found))
        return 0
    reason = missing()
    if reason:
        print(f"evalkit GPU check: vLLM replicas under Ray: skipped ({reason})")
        return 2
    import torch

    from scripts.tiny_model import build_tiny_model

    gpus = torch.cuda.device_count()
    problems: list[str] = []
    print("evalkit GPU check: vLLM replicas under Ray against vLLM's offline engine")
    print(f"  device      {torch.cuda.get_device_name(0)} × {gpus}")
    print(f"  suite       {args.cases} prompts, up to {args.max_tokens} tokens each (greedy)")
    with tempfile.TemporaryDirectory(prefix="evalkit-gpu-check-ray-") as tmp:
        os.environ.setdefault("EVALKIT_CACHE_DIR", str(Path(tmp) / "cache"))
        model = build_tiny_model(Path(tmp) / "model", hidden=args.hidden, layers=args.layers,
                                 heads=max(4, args.hidden // 128))
        for tp in ([1, 2] if gpus >= 2 else [1]):
            reference = step(args, "offline", model, tp)
            replica = step(args, "ray", model, tp)
            rate = reference["tokens"] / reference["seconds"]
            ours = replica["tokens"] / replica["seconds"]
            same = sum(a == b for a, b in zip(reference["texts"], replica["texts"]))
            print(f"  tp={tp} offline engine  {reference['tokens']:>8} tokens in "
                  f"{reference['seconds']:7.2f} s = {rate:10.1f} tokens/s")
            print(f"  tp={tp} Ray replica     {replica['tokens']:>8} tokens in "
                  f"{replica['seconds']:7.2f} s = {ours:10.1f} tokens/s  "
                  f"({ours / rate:.2f}×, target ≥ {TARGET}×; {replica['errors']} errors; "
                  f"{same}/{len(reference['texts'])} outputs identical)")
            if replica["errors"] or not replica["on_ray"]:
                problems.append(f"tp={tp}: calls failed or did not run on Ray replicas")
            if ours < TARGET * rate:
                problems.append(f"tp={tp}: {ours / rate:.2f}× of the offline engine, below "
                                f"{TARGET}×")
    for problem in problems:
        print(f"gpu_check: FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
