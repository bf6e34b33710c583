#!/usr/bin/env bash
# Every GPU check and benchmark of mixprec, in one call, for a machine with an
# NVIDIA GPU (see docs/cuda.md). It builds what is missing, then:
#   1. lit, where the 'cuda' feature is now on (the GPU tests run);
#   2. ONNX conformance on the GPU (mp-run --device=cuda against the shipped
#      outputs, the same references and tolerances the CPU executor meets);
#   3. the autocast models against ONNX Runtime, executed on the GPU;
#   4. mixed-precision training on the GPU against the same run on the CPU;
#   5. benchmarks against PyTorch eager FP32 and torch.autocast (+GradScaler),
#      printing a table, also written to $OUT/bench-gpu.md.
# Each step's status is reported; the script exits non-zero if any failed.
# Usage: utils/gpu-check.sh [OUT_DIR]   (default: build/gpu-check)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${MP_BUILD_DIR:-$ROOT/build}"
OUT="${1:-$BUILD/gpu-check}"
mkdir -p "$OUT"
export CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
export PATH="$CUDA_HOME/bin:$PATH"

echo "== device"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || echo "(no nvidia-smi)"

# The build: reuse a carried build directory, otherwise configure and build
# (utils/setup.sh also installs missing packages where the network allows).
if [[ ! -x "$BUILD/bin/mp-run" || ! -f "$BUILD/lib/libmixprec_cuda_runtime.so" ]]; then
  if ! "$ROOT/utils/setup.sh"; then
    echo "gpu-check: setup failed; building with what is installed"
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DMP_LINK_MLIR_DYLIB=ON \
      -DMP_ENABLE_UNITTESTS=OFF && ninja -C "$BUILD" || exit 1
  fi
else
  ninja -C "$BUILD" || exit 1
fi
MPOPT="$BUILD/bin/mp-opt"
MPRUN="$BUILD/bin/mp-run"
PY="$ROOT/.venv/bin/python"
[[ -x "$PY" ]] || PY=python3
# PyTorch comes with the GPU machine's Python, not the project venv.
TORCHPY=python3
for cand in "$PY" python3; do
  if "$cand" -c "import torch" 2>/dev/null; then TORCHPY="$cand"; break; fi
done

declare -A STATUS
step() {
  local name="$1"; shift
  echo "== $name"
  local t0=$SECONDS
  if "$@" 2>&1 | tee "$OUT/$name.log"; then STATUS[$name]="pass"; else STATUS[$name]="FAIL"; fi
  echo "   ($name: ${STATUS[$name]}, $((SECONDS - t0)) s)"
}

step lit /usr/lib/llvm-22/bin/lit -sv "$BUILD/test"
step conformance "$PY" "$ROOT/utils/onnx_conformance.py" --mp-opt "$MPOPT" --jobs 8 \
  --markdown "$OUT/conformance.md" --mp-run "$MPRUN" --device cuda \
  --cpu-markdown "$OUT/gpu-conformance.md"
step autocast-vs-ort "$PY" "$ROOT/utils/cpu_check.py" --mp-opt "$MPOPT" --mp-run "$MPRUN" \
  --device cuda --out "$OUT/autocast-vs-ort"
step training "$PY" "$ROOT/utils/gpu_train_check.py" --mp-opt "$MPOPT" --mp-run "$MPRUN" \
  --out "$OUT/training"
step bench "$TORCHPY" "$ROOT/utils/bench_gpu.py" --mp-opt "$MPOPT" --mp-run "$MPRUN" \
  --out "$OUT/bench" --markdown "$OUT/bench-gpu.md"

echo "== summary"
rc=0
for k in lit conformance autocast-vs-ort training bench; do
  echo "  $k: ${STATUS[$k]:-not run}"
  [[ "${STATUS[$k]:-}" == pass ]] || rc=1
done
echo "logs and tables: $OUT"
exit $rc
