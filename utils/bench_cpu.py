#!/usr/bin/env python3
"""Times mp-run (the CPU executor) against ONNX Runtime on the same models,
side by side in one run, and writes a Markdown table.

Models: a ResNet-18-sized CNN (batch 1, 3x224x224, seeded weights) and a
small transformer encoder (gen_autocast_models.transformer, seq 128, d 256).
ONNX Runtime runs with one intra-op thread, like mp-run (single-threaded
code; no threading in the lowering yet). Each engine runs --repeat times and
the best time counts; mp-run's compile time is reported separately.

Usage: bench_cpu.py --mp-run build/bin/mp-run [--repeat 3] [--markdown FILE]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_autocast_models  # noqa: E402
from cpu_check import mp_run_args  # noqa: E402


def resnet18(batch=1, size=224):
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    n = [0]

    def w(shape, scale):
        n[0] += 1
        name = f"w{n[0]}"
        inits.append(nh.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name))
        return name

    def conv_bn(x, cin, cout, k, stride, relu=True):
        n[0] += 1
        y = f"conv{n[0]}"
        nodes.append(h.make_node("Conv", [x, w([cout, cin, k, k], (2.0 / (cin * k * k)) ** 0.5)], [y],
                                 pads=[k // 2] * 4, strides=[stride, stride]))
        z = y + "_bn"
        nodes.append(h.make_node("BatchNormalization",
                                 [y, w([cout], 0.1), w([cout], 0.1), w([cout], 0.1),
                                  nh.from_array(np.ones(cout, np.float32), y + "_var").name], [z]))
        inits.append(nh.from_array(np.ones(cout, np.float32), y + "_var"))
        if relu:
            nodes.append(h.make_node("Relu", [z], [z + "_relu"]))
            return z + "_relu"
        return z

    x = conv_bn("image", 3, 64, 7, 2)
    nodes.append(h.make_node("MaxPool", [x], ["pool"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
    x, cin = "pool", 64
    for stage, cout in enumerate([64, 128, 256, 512]):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            y = conv_bn(x, cin, cout, 3, stride)
            y = conv_bn(y, cout, cout, 3, 1, relu=False)
            skip = x if stride == 1 and cin == cout else conv_bn(x, cin, cout, 1, stride, relu=False)
            n[0] += 1
            nodes.append(h.make_node("Add", [y, skip], [f"add{n[0]}"]))
            nodes.append(h.make_node("Relu", [f"add{n[0]}"], [f"res{n[0]}"]))
            x, cin = f"res{n[0]}", cout
    nodes.append(h.make_node("GlobalAveragePool", [x], ["gap"]))
    nodes.append(h.make_node("Flatten", ["gap"], ["flat"]))
    nodes.append(h.make_node("Gemm", ["flat", w([1000, 512], 0.05), w([1000], 0.05)], ["logits"], transB=1))
    g = h.make_graph(nodes, "resnet18", [h.make_tensor_value_info("image", T.FLOAT, [batch, 3, size, size])],
                     [h.make_tensor_value_info("logits", T.FLOAT, [batch, 1000])], initializer=inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
    m.ir_version = 8
    return onnx.shape_inference.infer_shapes(m), {
        "image": rng.standard_normal((batch, 3, size, size)).astype(np.float32)}


def transformer():
    m = gen_autocast_models.transformer(seq=128, d=256, heads=4)
    rng = np.random.default_rng(1)
    return m, {"hidden": rng.standard_normal((1, 128, 256)).astype(np.float32),
               "attention_mask": np.ones((1, 128), np.float32)}


def bench(name, m, feeds, args, tmp):
    path = os.path.join(tmp, name + ".onnx")
    onnx.save(m, path)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    ys = sess.run(None, feeds)
    best_ort = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        sess.run(None, feeds)
        best_ort = min(best_ort, time.perf_counter() - t)
    cmd = [args.mp_run, path, f"--repeat={args.repeat}", "--rtol=1e-3", "--atol=1e-3"]
    cmd += mp_run_args(tmp, name, feeds, [o.name for o in sess.get_outputs()], ys)
    r = subprocess.run(cmd, capture_output=True, text=True)
    mt = re.search(r"compile ([0-9.]+) s, run ([0-9.]+) s", r.stderr + r.stdout)
    if r.returncode != 0 or not mt:
        print(r.stderr, file=sys.stderr)
        return dict(name=name, ok=False)
    return dict(name=name, ok=True, compile=float(mt.group(1)), mp=float(mt.group(2)), ort=best_ort)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mp-run", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--markdown")
    args = ap.parse_args()
    ort.set_default_logger_severity(3)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in [("resnet18_224_b1", resnet18), ("transformer_s128_d256", transformer)]:
            m, feeds = fn()
            r = bench(name, m, feeds, args, tmp)
            rows.append(r)
            if r["ok"]:
                print(f"{name}: mp-run {r['mp'] * 1e3:.1f} ms (compile {r['compile']:.2f} s), "
                      f"ONNX Runtime {r['ort'] * 1e3:.1f} ms, ratio {r['mp'] / r['ort']:.1f}x")
            else:
                print(f"{name}: mp-run FAILED")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| model | mp-run run (ms) | mp-run compile (s) | ONNX Runtime, 1 thread (ms) | ratio |\n")
            f.write("|---|---|---|---|---|\n")
            for r in rows:
                if r["ok"]:
                    f.write(f"| {r['name']} | {r['mp'] * 1e3:.1f} | {r['compile']:.2f} | "
                            f"{r['ort'] * 1e3:.1f} | {r['mp'] / r['ort']:.1f}x |\n")
                else:
                    f.write(f"| {r['name']} | failed | | | |\n")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
