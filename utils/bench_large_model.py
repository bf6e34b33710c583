#!/usr/bin/env python3
"""Generates a large MLP-stack ONNX model with external data and times
mixprec's import and export on it, side by side with onnx's own load/save.

  .venv/bin/python utils/bench_large_model.py --params 350e6 --mp-opt build/bin/mp-opt

The model is `layers` x (MatMul d x d + Add bias + Relu), with d = 4096 and
layers chosen to reach --params; weights are stored in one external data file
(`model.onnx.data`). Measured, each in a fresh process, with /usr/bin/time:
  import    mp-opt model.onnx --mp-summary --emit=none (weights stay mmapped)
  roundtrip mp-opt model.onnx -o out.onnx --external-data=always
  onnx      onnx.load (with external data) + onnx.save (external data)
and ONNX Runtime runs both the original and the round-tripped model on the
same input (outputs must be bitwise identical).
"""
import argparse
import os
import re
import subprocess
import sys
import time

import numpy as np


def timed(cmd, env=None):
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M"] + cmd, capture_output=True, text=True,
                       env=env)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    rss = int(re.search(r"MAXRSS (\d+)", p.stderr).group(1)) / 1024
    return dt, rss


def generate(path, params, d):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    layers = max(1, int(round(params / (d * d + d))))
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    x = "x"
    for i in range(layers):
        w = (rng.standard_normal((d, d), dtype=np.float32) * (1.0 / np.sqrt(d))).astype(np.float32)
        inits.append(numpy_helper.from_array(w, f"layer{i}.weight"))
        inits.append(numpy_helper.from_array(np.zeros(d, np.float32), f"layer{i}.bias"))
        nodes += [helper.make_node("MatMul", [x, f"layer{i}.weight"], [f"h{i}"], name=f"layer{i}/matmul"),
                  helper.make_node("Add", [f"h{i}", f"layer{i}.bias"], [f"a{i}"], name=f"layer{i}/add"),
                  helper.make_node("Relu", [f"a{i}"], [f"r{i}"], name=f"layer{i}/relu")]
        x = f"r{i}"
    nodes.append(helper.make_node("Identity", [x], ["y"], name="out"))
    g = helper.make_graph(nodes, "large_mlp",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", d])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", d])],
                          initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
              location=os.path.basename(path) + ".data", size_threshold=1024)
    return layers * (d * d + d)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--params", type=float, default=350e6)
    ap.add_argument("--d", type=int, default=4096)
    ap.add_argument("--mp-opt", required=True)
    ap.add_argument("--dir", default="build/large")
    ap.add_argument("--markdown", help="append a result row to this file")
    args = ap.parse_args()

    tag = f"{args.params / 1e6:.0f}M"
    model = os.path.join(args.dir, tag, "model.onnx")
    if not os.path.exists(model):
        t0 = time.perf_counter()
        n = generate(model, args.params, args.d)
        print(f"generated {model}: {n / 1e6:.1f}M parameters in {time.perf_counter() - t0:.1f}s")
    data_bytes = os.path.getsize(model + ".data")
    print(f"model: {model} ({data_bytes / 2**30:.2f} GiB external data)")

    imp = timed([args.mp_opt, model, "--mp-summary", "--emit=none"])
    out = os.path.join(args.dir, tag, "roundtrip.onnx")
    rt = timed([args.mp_opt, model, "-o", out, "--external-data=always"])
    code = ("import onnx,sys; m=onnx.load(sys.argv[1]); "
            "onnx.save(m, sys.argv[2], save_as_external_data=True, all_tensors_to_one_file=True, "
            "location='onnx_copy.onnx.data')")
    ref = timed([sys.executable, "-c", code, model, os.path.join(args.dir, tag, "onnx_copy.onnx")])

    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    x = np.random.default_rng(1).standard_normal((2, args.d)).astype(np.float32)
    a = ort.InferenceSession(model, so).run(None, {"x": x})[0]
    b = ort.InferenceSession(out, so).run(None, {"x": x})[0]
    same = a.tobytes() == b.tobytes()

    rows = [("mp-opt import (+summary)", imp), ("mp-opt import + export (external data)", rt),
            ("python onnx.load + onnx.save (reference)", ref)]
    print(f"| step ({tag} params, {data_bytes / 2**30:.2f} GiB) | wall s | peak RSS MiB |")
    print("|---|---|---|")
    for name, (dt, rss) in rows:
        print(f"| {name} | {dt:.2f} | {rss:.0f} |")
    print(f"ONNX Runtime outputs original vs round trip: {'bitwise identical' if same else 'DIFFER'}")
    if args.markdown:
        with open(args.markdown, "a") as f:
            for name, (dt, rss) in rows:
                f.write(f"| {tag} | {data_bytes / 2**30:.2f} | {name} | {dt:.2f} | {rss:.0f} |\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
