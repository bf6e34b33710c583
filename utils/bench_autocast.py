#!/usr/bin/env python3
"""Side-by-side autocast comparison: mixprec vs onnxconverter-common
(`convert_float_to_float16`, `auto_convert_mixed_precision`) vs NVIDIA
ModelOpt AutoCast, on the generated test models (utils/gen_autocast_models.py)
and, for time and memory, the ~350M-parameter model of
utils/bench_large_model.py. Every tool runs in its own process under
/usr/bin/time; all use keep_io_types=True and FP16.

Columns: FP16 FLOP share (computed here, the same way for every tool, from
the converted graph: a node counts as FP16 when its float inputs are FP16),
max relative error vs the FP32 model in ONNX Runtime on seeded inputs,
non-finite outputs, Cast nodes in the result, conversion wall time and peak
RSS of the converting process.

  .venv/bin/python utils/bench_autocast.py --mp-opt build/bin/mp-opt \
      [--modelopt-python /path/to/venv-with-nvidia-modelopt/bin/python] \
      [--large build/large/350M/model.onnx] --markdown docs/autocast-comparison.md
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, shape_inference

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import autocast_eval  # noqa: E402
import gen_autocast_models  # noqa: E402

OCC_FP16 = """
import onnx, sys
from onnxconverter_common import float16
m = onnx.load(sys.argv[1])
onnx.save(float16.convert_float_to_float16(m, keep_io_types=True), sys.argv[2])
"""
OCC_AMP = """
import onnx, sys, numpy as np
from onnxconverter_common import auto_mixed_precision
m = onnx.load(sys.argv[1])
feeds = dict(np.load(sys.argv[3]))
out = auto_mixed_precision.auto_convert_mixed_precision(m, feeds, rtol=0.01, atol=0.001, keep_io_types=True)
onnx.save(out, sys.argv[2])
"""
MODELOPT = """
import onnx, sys
from modelopt.onnx.autocast import convert_to_mixed_precision
m = convert_to_mixed_precision(onnx_path=sys.argv[1], low_precision_type="fp16", keep_io_types=True)
onnx.save(m, sys.argv[2], save_as_external_data=m.ByteSize() > 2**31 - 2**26)
"""


def run_timed(cmd, timeout):
    t0 = time.perf_counter()
    try:
        p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M"] + cmd, capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, None, f"timeout after {timeout}s"
    dt = time.perf_counter() - t0
    m = re.search(r"MAXRSS (\d+)", p.stderr)
    rss = int(m.group(1)) / 1024 if m else float("nan")
    if p.returncode != 0:
        tail = p.stderr.strip().splitlines()[-2:] if p.stderr.strip() else ["?"]
        return None, None, "failed: " + " | ".join(tail)[:160]
    return dt, rss, ""


def flops_and_share(path):
    """FLOPs per sample (dynamic dims = 1) and the FP16 share, tool-neutral."""
    m = onnx.load(path, load_external_data=False)
    try:
        m = shape_inference.infer_shapes(m)
    except Exception:  # noqa: BLE001
        pass
    g = m.graph
    info = {}
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        tt = vi.type.tensor_type
        info[vi.name] = (tt.elem_type, [d.dim_value if d.HasField("dim_value") else 1 for d in tt.shape.dim])
    for t in g.initializer:
        info[t.name] = (t.data_type, list(t.dims))
    total = low = 0.0
    for n in g.node:
        if n.op_type == "Cast":
            continue
        ins = [info.get(i) for i in n.input if i]
        outs = [info.get(o) for o in n.output if o]
        def shape(x):
            return x[1] if x else None
        f = 0.0
        try:
            if n.op_type == "MatMul":
                f = 2 * np.prod(shape(outs[0])) * shape(ins[0])[-1]
            elif n.op_type == "Gemm":
                ta = any(a.name == "transA" and a.i for a in n.attribute)
                f = 2 * np.prod(shape(outs[0])) * shape(ins[0])[0 if ta else 1]
            elif n.op_type == "Conv":
                f = 2 * np.prod(shape(outs[0])) * np.prod(shape(ins[1])[1:])
            elif n.op_type in ("LSTM", "GRU", "RNN"):
                x, w, r = shape(ins[0]), shape(ins[1]), shape(ins[2])
                f = 2 * x[0] * x[1] * w[0] * w[1] * (w[2] + r[2])
            else:
                f = sum(np.prod(shape(o)) for o in outs if o and o[0] in (1, 10, 16))
        except Exception:  # noqa: BLE001
            f = 0.0
        total += f
        float_ins = [i for i in ins if i and i[0] in (1, 10, 16)]
        if float_ins and all(i[0] in (10, 16) for i in float_ins):
            low += f
    return total, (low / total if total else 0.0)


def evaluate(src, dst, feeds):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    y32 = ort.InferenceSession(src, so, providers=["CPUExecutionProvider"]).run(None, feeds)
    y16 = ort.InferenceSession(dst, so, providers=["CPUExecutionProvider"]).run(None, feeds)
    nonfinite = sum(int((~np.isfinite(np.asarray(y, np.float64))).sum()) for y in y16)
    err = 0.0
    for a, b in zip(y32, y16):
        a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
        d = np.abs(a64 - b64)
        d = np.where(np.isfinite(d), d, np.inf)
        err = max(err, float(d.max() / max(np.abs(a64).max(), 1e-30)))
    casts = sum(1 for n in onnx.load(dst, load_external_data=False).graph.node if n.op_type == "Cast")
    return err, nonfinite, casts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mp-opt", required=True)
    ap.add_argument("--modelopt-python", help="python with nvidia-modelopt[onnx] installed")
    ap.add_argument("--large", help="large model for the time/memory rows")
    ap.add_argument("--out", default="build/autocast-bench")
    ap.add_argument("--markdown")
    ap.add_argument("--timeout", type=int, default=900)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ort.set_default_logger_severity(3)
    py = sys.executable

    models = list(autocast_eval.CASES)
    rows = []
    for name in models + (["large"] if args.large else []):
        if name == "large":
            src = args.large
            feeds = {"x": np.random.default_rng(0).uniform(-1, 1, (2, 4096)).astype(np.float32)}
        else:
            src = os.path.join(args.out, name + ".onnx")
            onnx.save(gen_autocast_models.MODELS[name](), src)
            feeds = autocast_eval.feeds_for(onnx.load(src))
        npz = os.path.join(args.out, name + ".feeds.npz")
        np.savez(npz, **feeds)
        opts = autocast_eval.CASES.get(name, {}).get("opts", "")
        tools = [("mixprec", [args.mp_opt, src, f"--mp-autocast=keep-io-types=1 summary=0 {opts}".strip(),
                              "-o", "{dst}"]),
                 ("onnxconverter-common fp16", [py, "-c", OCC_FP16, src, "{dst}"])]
        if name != "large":
            tools.append(("onnxconverter-common auto_mixed_precision", [py, "-c", OCC_AMP, src, "{dst}", npz]))
        if args.modelopt_python:
            tools.append(("ModelOpt AutoCast", [args.modelopt_python, "-c", MODELOPT, src, "{dst}"]))
        for tool, cmd in tools:
            dst = os.path.join(args.out, f"{name}.{re.sub('[^a-z]+', '_', tool.lower())}.onnx")
            dt, rss, why = run_timed([c.replace("{dst}", dst) for c in cmd], args.timeout)
            if dt is None:
                rows.append((name, tool, None, None, None, None, None, None, why))
                print(f"{name:12s} {tool:45s} {why}", flush=True)
                continue
            try:
                err, nonfinite, casts = evaluate(src, dst, feeds)
            except Exception as e:  # noqa: BLE001
                rows.append((name, tool, None, None, None, None, dt, rss, f"ORT failed: {str(e)[:120]}"))
                print(f"{name:12s} {tool:45s} ORT failed", flush=True)
                continue
            _, share = flops_and_share(dst)
            rows.append((name, tool, share, err, nonfinite, casts, dt, rss, ""))
            print(f"{name:12s} {tool:45s} share {share:6.1%} err {err:.2e} nonfinite {nonfinite} "
                  f"casts {casts} time {dt:.2f}s rss {rss:.0f} MiB", flush=True)

    lines = ["| model | tool | FP16 FLOP share | max rel error | non-finite outputs | Cast nodes | "
             "conversion s | peak RSS MiB | note |", "|---|---|---|---|---|---|---|---|---|"]
    for (name, tool, share, err, nf, casts, dt, rss, why) in rows:
        f = lambda v, s: s.format(v) if v is not None else "-"  # noqa: E731
        lines.append(f"| {name} | {tool} | {f(share, '{:.1%}')} | {f(err, '{:.2e}')} | {f(nf, '{}')} | "
                     f"{f(casts, '{}')} | {f(dt, '{:.2f}')} | {f(rss, '{:.0f}')} | {why} |")
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(table + "\n")


if __name__ == "__main__":
    main()
