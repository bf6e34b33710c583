#!/usr/bin/env python3
"""Autocasts the generated test models with mp-opt and checks them against
the FP32 originals in ONNX Runtime (CPU) on seeded random inputs.

Conditions (from the autocast issue):
  * no non-finite outputs (the FP32 outputs are finite);
  * relative error max|y16 - y32| / max|y32| <= 1e-2;
  * at least 90% of FLOPs in FP16 for the CNN and the transformer (report);
  * hostile models (overflow, tiny) stay finite and accurate, and their
    report names the ops kept in FP32 with the deciding rule.

Usage: autocast_eval.py --mp-opt build/bin/mp-opt [--models DIR] [--out DIR]
Prints a table and exits non-zero if any condition fails.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_autocast_models  # noqa: E402

# Per-model autocast options and expectations.
CASES = {
    "cnn": dict(opts="", min_share=0.90),
    "transformer": dict(opts="", min_share=0.90),
    "gpt": dict(opts="", min_share=0.0),
    "lstm": dict(opts="", min_share=0.0),
    "gru": dict(opts="", min_share=0.0),
    "overflow": dict(opts="input-range=x:-1:1", min_share=0.0,
                     must_keep={"big_matmul": "static-data-max"}),
    "tiny": dict(opts="", min_share=0.0, must_keep={"scale_tiny": "min-positive"}),
}
RTOL = 1e-2


def feeds_for(model, batch=4, seed=0):
    rng = np.random.default_rng(seed)
    feeds = {}
    for vi in model.graph.input:
        tt = vi.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else batch for d in tt.shape.dim]
        if vi.name == "attention_mask":
            m = np.ones(shape, np.float32)
            m[:, shape[1] // 2:] = 0  # pad the second half of every sequence
            feeds[vi.name] = m
        elif tt.elem_type == onnx.TensorProto.INT64:
            feeds[vi.name] = rng.integers(0, 128, shape).astype(np.int64)
        else:
            feeds[vi.name] = rng.uniform(-1, 1, shape).astype(np.float32)
    return feeds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mp-opt", required=True)
    ap.add_argument("--out", default="build/autocast-eval")
    ap.add_argument("--target", default="f16")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ort.set_default_logger_severity(3)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL

    ok_all = True
    print(f"| model | FP16 FLOP share | casts | max rel error | finite | FP32 ops (rule) | result |")
    print("|---|---|---|---|---|---|---|")
    for name, case in CASES.items():
        src = os.path.join(args.out, name + ".onnx")
        onnx.save(gen_autocast_models.MODELS[name](), src)
        dst = os.path.join(args.out, name + f".{args.target}.onnx")
        rep = os.path.join(args.out, name + ".report.json")
        pipeline = f"target={args.target} keep-io-types=1 summary=0 report={rep} {case['opts']}".strip()
        p = subprocess.run([args.mp_opt, src, f"--mp-autocast={pipeline}", "-o", dst],
                           capture_output=True, text=True)
        if p.returncode:
            print(f"| {name} | mp-opt failed: {p.stderr.strip()[:200]} |")
            ok_all = False
            continue
        report = json.load(open(rep))
        feeds = feeds_for(onnx.load(src))
        y32 = ort.InferenceSession(src, so).run(None, feeds)
        y16 = ort.InferenceSession(dst, so).run(None, feeds)
        finite = all(np.isfinite(np.asarray(y, np.float64)).all() for y in y16)
        err = 0.0
        for a, b in zip(y32, y16):
            a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
            err = max(err, float(np.max(np.abs(a64 - b64)) / max(np.max(np.abs(a64)), 1e-30)))
        share = report["totals"]["low_precision_flop_share"]
        kept = [f"{n['name']} ({n['rule']})" for n in report["nodes"]
                if n["precision"] == "f32" and n["rule"] not in ("follows-f32-input", "no-low-neighbour")]
        ok = finite and err <= RTOL and share >= case["min_share"]
        for node, rule in case.get("must_keep", {}).items():
            hit = [n for n in report["nodes"] if n["name"] == node]
            ok &= bool(hit) and hit[0]["precision"] == "f32" and hit[0]["rule"] == rule
        ok_all &= ok
        print(f"| {name} | {share:.1%} | {report['totals']['casts']} | {err:.2e} | {finite} | "
              f"{', '.join(kept[:4])}{' ...' if len(kept) > 4 else ''} | {'PASS' if ok else 'FAIL'} |")
    print("autocast-eval:", "PASS" if ok_all else "FAIL")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
