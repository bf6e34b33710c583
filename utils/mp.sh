#!/usr/bin/env bash
# The two entry points the README starts with.
#   utils/mp.sh demo   set up, build, and run the main job on the bundled example
#                      (import, export, summary, autocast to FP16)
#   utils/mp.sh test   set up, build, and run every test
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${MP_BUILD_DIR:-$ROOT/build}"
cmd="${1:-}"
case "$cmd" in
  demo|test) ;;
  *) echo "usage: utils/mp.sh demo|test" >&2; exit 2 ;;
esac

"$ROOT/utils/setup.sh"
PY="$ROOT/.venv/bin/python"
MPOPT="$BUILD/bin/mp-opt"

if [[ "$cmd" == demo ]]; then
  OUT="$BUILD/demo"
  mkdir -p "$OUT"
  MODEL="$ROOT/examples/cnn.onnx"
  echo "== import: $MODEL -> $OUT/cnn.mlir"
  /usr/bin/time -f "   %es, %MKB peak" "$MPOPT" "$MODEL" -o "$OUT/cnn.mlir"
  echo "== export: $OUT/cnn.mlir -> $OUT/cnn.roundtrip.onnx"
  /usr/bin/time -f "   %es, %MKB peak" "$MPOPT" "$OUT/cnn.mlir" -o "$OUT/cnn.roundtrip.onnx"
  echo "== summary"
  "$MPOPT" "$OUT/cnn.roundtrip.onnx" --mp-summary -o /dev/null
  echo "== ONNX Runtime: original vs round trip"
  "$PY" "$ROOT/utils/compare_ort.py" "$MODEL" "$OUT/cnn.roundtrip.onnx"
  echo "== autocast to FP16 (report: $OUT/cnn.report.json)"
  "$MPOPT" "$MODEL" --mp-autocast="target=f16 keep-io-types=1" \
    --mp-report="$OUT/cnn.report.json" -o "$OUT/cnn.fp16.onnx"
  echo "== ONNX Runtime: FP32 original vs FP16 model"
  "$PY" "$ROOT/utils/compare_ort.py" "$MODEL" "$OUT/cnn.fp16.onnx" --rtol 1e-2
  exit 0
fi

# test
echo "== lit (FileCheck, verifier, importer/exporter, unit tests)"
/usr/lib/llvm-22/bin/lit -sv "$BUILD/test"
echo "== ONNX conformance (libonnx-testdata: import -> export -> ONNX Runtime, then mp-run on the CPU)"
"$PY" "$ROOT/utils/onnx_conformance.py" --mp-opt "$MPOPT" \
  --jobs "$(nproc)" --markdown "$BUILD/conformance.md" \
  --mp-run "$BUILD/bin/mp-run" --cpu-markdown "$BUILD/cpu-conformance.md"
echo "== GPU pipeline without a GPU: every conformance model lowered to PTX and host code (compile only),"
echo "   then run with the GPU pipeline's kernels emulated as host loops; autocast models vs ONNX Runtime"
echo "   and mixed-precision training the same way (a GPU machine runs utils/gpu-check.sh instead)"
"$PY" "$ROOT/utils/onnx_conformance.py" --mp-opt "$MPOPT" --jobs "$(nproc)" \
  --mp-run "$BUILD/bin/mp-run" --device cuda --compile-only --cpu-markdown "$BUILD/ptx-conformance.md"
"$PY" "$ROOT/utils/onnx_conformance.py" --mp-opt "$MPOPT" --jobs "$(nproc)" \
  --mp-run "$BUILD/bin/mp-run" --device cuda-emulated --cpu-markdown "$BUILD/gpu-emulated-conformance.md"
"$PY" "$ROOT/utils/cpu_check.py" --mp-opt "$MPOPT" --mp-run "$BUILD/bin/mp-run" \
  --device cuda-emulated --out "$BUILD/gpu-emulated-check"
"$PY" "$ROOT/utils/gpu_train_check.py" --mp-opt "$MPOPT" --mp-run "$BUILD/bin/mp-run" \
  --device cuda-emulated --out "$BUILD/gpu-emulated-train" > "$BUILD/gpu-emulated-train.log" 2>&1 \
  || { cat "$BUILD/gpu-emulated-train.log"; exit 1; }
grep -E "^(cpu|cuda-emulated):|gpu-train-check" "$BUILD/gpu-emulated-train.log"
echo "== Python package (pip install ./python, pytest)"
(cd "$ROOT" && CCACHE_BASEDIR="$ROOT" "$PY" -m pip install -q --no-build-isolation ./python)
MP_OPT="$MPOPT" "$PY" -m pytest -q "$ROOT/python/tests"
