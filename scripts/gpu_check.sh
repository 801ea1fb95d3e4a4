#!/usr/bin/env bash
# GPU check for the hf backend: build a small random model offline, run a suite through the
# hf backend on CUDA, and print batched and one-at-a-time throughput.
#
# Needs only Python with PyTorch (a CUDA build) and transformers; no network, nothing else
# installed. With evalkit's own dependencies present it runs the suite through evalkit's
# runner and store; without them it drives the hf backend's engine (evalkit/backends/
# hf_engine.py, standard library + torch + transformers) on the same cases, and says so.
#
#   scripts/gpu_check.sh                      # on a CUDA machine
#   scripts/gpu_check.sh --allow-cpu          # prove the script on a CPU-only machine
#   EVALKIT_GPU_CHECK_ALLOW_CPU=1 scripts/gpu_check.sh
#   scripts/gpu_check.sh --cases 256 --batch-size 32 --max-tokens 128 --hidden 1024 --layers 12
#
# Then, where vllm and ray are installed (evalkit[vllm,ray]), vLLM replicas under
# `--executor ray` against vLLM's own offline engine in tokens/s (scripts/gpu_check_ray_vllm.py;
# target ≥ 0.9×; with 2+ GPUs also a tensor-parallel replica). Skipped, with the reason,
# elsewhere. EVALKIT_GPU_CHECK_RAY=0 leaves it out.
#
# Exit status: 0 ok, 1 a check failed (errors, no tokens, model not on the GPU, vLLM under Ray
# below 0.9× of its offline engine), 2 no GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
python="${PYTHON:-python3}"
"$python" scripts/gpu_check.py "$@"
if [ "${EVALKIT_GPU_CHECK_RAY:-1}" != "0" ]; then
    status=0
    "$python" scripts/gpu_check_ray_vllm.py || status=$?
    [ "$status" = 2 ] && status=0  # skipped: said why
    exit "$status"
fi
