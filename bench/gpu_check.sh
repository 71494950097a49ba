#!/usr/bin/env bash
# The GPU check of the training engine (issue 9), one script, under 8 minutes on one H200:
#   1. environment: torch / transformers / peft versions, which varlen kernel, liger or not
#   2. the CUDA-only tests (tests/worker/training/test_cuda.py) plus the CPU-side tests of the
#      attention and loss paths, on the GPU host; -s shows what the mixed adapter precision test
#      measured (forward _to_copy and kernel launches per step, bf16 vs fp32 adapters)
#   3. bench/train_bench.py --device cuda: smollm2-135m shape at bench defaults and at 32k tokens
#      per step, then the Qwen2.5-0.5B and Llama-3.2-1B shapes at 32k tokens per step
# Every stage has its own time limit, so the script always ends and says which stage did not.
# Logs go to $OUT (the device tool's result folder) or /tmp/gpu_check; a summary at the end.
#
#   bench/gpu_check.sh            # on the GPU host (python3 there holds torch)
#   bench/gpu_check.sh --dry-run  # here, on CPU: every stage with tiny sizes, to catch typos
#
# Wheels the GPU image lacks (liger-kernel) travel in an ignored .whl/ folder (see
# /work/.library/device/README.md) and are installed from there when present.
set -uo pipefail
cd "$(dirname "$0")/.."

DRY=0
[[ "${1:-}" == "--dry-run" ]] && DRY=1
LOGS="${OUT:-/tmp/gpu_check}"
mkdir -p "$LOGS"
if [[ $DRY == 1 ]]; then
  PY="${PYTHON:-.venv/bin/python}"
else
  PY="${PYTHON:-python3}"
fi

if [[ $DRY == 0 ]] && compgen -G ".whl/*.whl" >/dev/null; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl && export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1 LORA_PIPELINE_OFFLINE=1 TOKENIZERS_PARALLELISM=false

SUMMARY="$LOGS/summary.txt"
: >"$SUMMARY"
T0=$(date +%s)

# stage NAME LIMIT_SECONDS CMD...: run with a time limit, log to $LOGS/NAME.log, record rc
stage() {
  local name=$1 limit=$2
  shift 2
  # a dry run on a shared CPU host is many times slower than the GPU host: only the plumbing
  # is checked there, so its limits are generous
  [[ $DRY == 1 ]] && limit=$((limit * 10))
  local start=$(date +%s)
  echo "=== $name (limit ${limit}s, at +$((start - T0))s)"
  timeout "$limit" "$@" 2>&1 | tee "$LOGS/$name.log"
  local rc=${PIPESTATUS[0]}
  local took=$(($(date +%s) - start))
  local verdict="ok"
  [[ $rc == 124 ]] && verdict="TIMED OUT"
  [[ $rc != 0 && $rc != 124 ]] && verdict="FAILED (rc=$rc)"
  echo "$name: $verdict in ${took}s" | tee -a "$SUMMARY"
}

stage env 45 "$PY" - <<'EOF'
import importlib.util, torch, transformers, peft
from worker.training.attention import cuda_kernel, torch_varlen
from worker.training.loss import liger_available
print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())
print("transformers", transformers.__version__, "peft", peft.__version__)
if torch.cuda.is_available():
    print("device", torch.cuda.get_device_name(), "free/total GiB",
          [round(x / 2**30, 1) for x in torch.cuda.mem_get_info()])
found = torch_varlen()
print("torch varlen_attn params:", sorted(found[1]) if found else None)
print("flash_attn installed:", importlib.util.find_spec("flash_attn") is not None)
print("varlen kernel on CUDA:", cuda_kernel(), "| liger-kernel:", liger_available())
EOF

# pytest-django is not on the GPU image: the project's Django-free training tests only,
# without the repository's root conftest (which sets up Django).
PYTEST=("$PY" -m pytest -q -p no:cacheprovider --noconftest -o addopts= -W ignore::pytest.PytestConfigWarning)
stage cuda_tests 120 "${PYTEST[@]}" -rs -s \
  tests/worker/training/test_cuda.py \
  tests/worker/training/test_attention.py \
  tests/worker/training/test_loss.py

if [[ $DRY == 1 ]]; then
  BENCH=("$PY" bench/train_bench.py --device cpu --model tiny --sequences 40 --chunk-seqs 40
    --overhead-tokens 2000 --overhead-repeats 1)
  stage bench_default 60 "${BENCH[@]}"
  stage bench_32k 60 "${BENCH[@]}" --tokens-per-step 2048
else
  # --tokens caps the real tokens per approach so the Trainer runs (b, c: ~4-10k tokens/s at
  # bench defaults, measured before this work) fit the time; the same sequences for a, b and c.
  BENCH=("$PY" bench/train_bench.py --device cuda)
  stage bench_default 130 "${BENCH[@]}" --model random-smollm2-135m --tokens 200000
  stage bench_32k 75 "${BENCH[@]}" --model random-smollm2-135m --tokens 400000 \
    --tokens-per-step 32768
  stage bench_qwen_32k 60 "${BENCH[@]}" --model random-qwen2.5-0.5b --tokens 300000 \
    --tokens-per-step 32768 --approaches ac
  stage bench_llama_32k 70 "${BENCH[@]}" --model random-llama-3.2-1b --tokens 300000 \
    --tokens-per-step 32768 --approaches ac
fi

echo
echo "=== summary (total $(($(date +%s) - T0))s; logs in $LOGS)"
cat "$SUMMARY"
! grep -qv ": ok in" "$SUMMARY"
