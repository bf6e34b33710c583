#!/usr/bin/env python3
"""Runs two ONNX models in ONNX Runtime on the same random inputs and checks
that every output is bitwise identical (used to check import -> export round
trips). Dynamic dimensions are set to --dim (default 2)."""
import argparse
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper


def random_inputs(model_path, dim, seed):
    model = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    rng = np.random.default_rng(seed)
    feeds = {}
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        tt = vi.type.tensor_type
        dtype = helper.tensor_dtype_to_np_dtype(tt.elem_type)
        shape = [d.dim_value if d.HasField("dim_value") else dim for d in tt.shape.dim]
        if np.issubdtype(dtype, np.floating):
            feeds[vi.name] = rng.standard_normal(shape).astype(dtype)
        elif dtype == np.bool_:
            feeds[vi.name] = rng.integers(0, 2, shape).astype(np.bool_)
        else:
            feeds[vi.name] = rng.integers(0, 4, shape).astype(dtype)
    return feeds


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("reference")
    ap.add_argument("candidate")
    ap.add_argument("--dim", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rtol", type=float, default=None,
                    help="accept max|a-b| <= rtol * max|a| instead of bitwise equality")
    args = ap.parse_args()
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    ref = ort.InferenceSession(args.reference, opts, providers=["CPUExecutionProvider"])
    cand = ort.InferenceSession(args.candidate, opts, providers=["CPUExecutionProvider"])
    feeds = random_inputs(args.reference, args.dim, args.seed)
    ref_out = ref.run(None, feeds)
    cand_out = cand.run(None, feeds)
    names = [o.name for o in ref.get_outputs()]
    ok = True
    for name, a, b in zip(names, ref_out, cand_out):
        if args.rtol is None:
            same = a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
            print(f"   output {name}: {a.dtype}{list(a.shape)} "
                  f"{'bitwise identical' if same else 'DIFFERS'}")
        else:
            a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
            err = float(np.abs(a64 - b64).max() / max(np.abs(a64).max(), 1e-30))
            same = a.shape == b.shape and bool(np.isfinite(b64).all()) and err <= args.rtol
            print(f"   output {name}: {b.dtype}{list(b.shape)} max rel error {err:.2e} "
                  f"(tolerance {args.rtol:g}) {'ok' if same else 'TOO LARGE'}")
        ok &= same
    if len(ref_out) != len(cand_out):
        print("   output count differs")
        ok = False
    print("   PASS" if ok else "   FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
