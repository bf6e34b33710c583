#!/usr/bin/env python3
"""Runs models through mp-run (the CPU executor) and checks every output
against ONNX Runtime on the same inputs.

Cases: one small model per lowered op family, the bundled example CNN, and
FP16 models produced by mp-autocast (mixed-precision agreement: mp-run
executes the precisions autocast assigned and must agree with ONNX Runtime
running the exported mixed-precision model within FP16 tolerance).

Usage: cpu_check.py --mp-opt build/bin/mp-opt --mp-run build/bin/mp-run [--out DIR]
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import autocast_eval  # noqa: E402
import gen_autocast_models  # noqa: E402

rng = np.random.default_rng(0)


def vi(n, s, t=T.FLOAT):
    return h.make_tensor_value_info(n, t, s)


def w(name, shape, scale=0.5):
    return nh.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def model(nodes, ins, outs, inits=(), opset=17):
    g = h.make_graph(nodes, "g", ins, outs, initializer=list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def op_cases():
    x = vi("x", [2, 3, 6, 6])
    yield "elementwise", model(
        [h.make_node("Add", ["a", "b"], ["s"]), h.make_node("Mul", ["s", "a"], ["m"]),
         h.make_node("Sub", ["m", "b"], ["d"]), h.make_node("Div", ["d", "c2"], ["q"]),
         h.make_node("Tanh", ["q"], ["t"]), h.make_node("Sigmoid", ["t"], ["sg"]),
         h.make_node("Exp", ["sg"], ["e"]), h.make_node("Log", ["e"], ["l"]),
         h.make_node("Abs", ["l"], ["ab"]), h.make_node("Sqrt", ["ab"], ["sq"]),
         h.make_node("Neg", ["sq"], ["n"]), h.make_node("Erf", ["n"], ["er"]),
         h.make_node("LeakyRelu", ["er"], ["lr"], alpha=0.2), h.make_node("Relu", ["lr"], ["r"]),
         h.make_node("Max", ["r", "a"], ["mx"]), h.make_node("Min", ["mx", "b"], ["mn"]),
         h.make_node("Pow", ["ab", "c2"], ["pw"]), h.make_node("Reciprocal", ["c2"], ["rc"]),
         h.make_node("Add", ["mn", "pw"], ["o1"]), h.make_node("Add", ["o1", "rc"], ["y"])],
        [vi("a", [4, 5]), vi("b", [5])], [vi("y", [4, 5])],
        [nh.from_array(np.full(5, 2.0, np.float32), "c2")]), {"a": f32(4, 5), "b": f32(5)}
    yield "activations", model(
        [h.make_node("Elu", ["a"], ["e"]), h.make_node("HardSigmoid", ["e"], ["hs"]),
         h.make_node("HardSwish", ["a"], ["hw"]), h.make_node("Softplus", ["a"], ["sp"]),
         h.make_node("Clip", ["a", "lo", "hi"], ["cl"]),
         h.make_node("Gelu", ["a"], ["g"]),
         h.make_node("Add", ["hs", "hw"], ["s1"]), h.make_node("Add", ["s1", "sp"], ["s2"]),
         h.make_node("Add", ["s2", "cl"], ["s3"]), h.make_node("Add", ["s3", "g"], ["y"])],
        [vi("a", [3, 4])], [vi("y", [3, 4])],
        [nh.from_array(np.array(-0.5, np.float32), "lo"), nh.from_array(np.array(0.5, np.float32), "hi")],
        opset=20), {"a": f32(3, 4)}
    yield "compare_where", model(
        [h.make_node("Less", ["a", "b"], ["lt"]), h.make_node("Greater", ["a", "b"], ["gt"]),
         h.make_node("Or", ["lt", "gt"], ["o"]), h.make_node("Not", ["o"], ["no"]),
         h.make_node("Where", ["lt", "a", "b"], ["y"]), h.make_node("Cast", ["no"], ["z"], to=T.FLOAT)],
        [vi("a", [2, 4]), vi("b", [2, 4])], [vi("y", [2, 4]), vi("z", [2, 4])]), \
        {"a": f32(2, 4), "b": f32(2, 4)}
    yield "matmul_gemm", model(
        [h.make_node("MatMul", ["a", "w1"], ["m"]),
         h.make_node("Gemm", ["m", "w2", "b2"], ["y"], transB=1, alpha=0.5, beta=2.0)],
        [vi("a", [3, 2, 8])], [vi("y", [6, 5])], [w("w1", [8, 4]), w("w2", [5, 4]), w("b2", [5])]) \
        if False else model(
        [h.make_node("MatMul", ["a", "w1"], ["m"]), h.make_node("MatMul", ["a", "w3"], ["m3"]),
         h.make_node("Gemm", ["g", "w2", "b2"], ["y"], transB=1, alpha=0.5, beta=2.0)],
        [vi("a", [3, 2, 8]), vi("g", [6, 4])], [vi("m", [3, 2, 4]), vi("m3", [3, 2, 4]), vi("y", [6, 5])],
        [w("w1", [8, 4]), w("w3", [3, 8, 4]), w("w2", [5, 4]), w("b2", [5])]), \
        {"a": f32(3, 2, 8), "g": f32(6, 4)}
    yield "conv_pool", model(
        [h.make_node("Conv", ["x", "cw", "cb"], ["c"], pads=[1, 1, 1, 1], strides=[1, 1]),
         h.make_node("MaxPool", ["c"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
         h.make_node("AveragePool", ["c"], ["ap"], kernel_shape=[3, 3], strides=[1, 1]),
         h.make_node("GlobalAveragePool", ["p"], ["y"])],
        [x], [vi("y", [2, 4, 1, 1]), vi("ap", [2, 4, 4, 4])], [w("cw", [4, 3, 3, 3]), w("cb", [4])]), \
        {"x": f32(2, 3, 6, 6)}
    # Grouped (2 groups, strided, dilated) and depthwise convolutions; pooling
    # with ceil_mode, auto_pad and count_include_pad = 0.
    x4 = vi("x", [2, 4, 9, 9])
    yield "grouped_conv_pool", model(
        [h.make_node("Conv", ["x", "gw", "gb"], ["g"], group=2, pads=[1, 0, 1, 2], strides=[2, 1],
                     dilations=[1, 2]),
         h.make_node("Conv", ["x", "dw"], ["d"], group=4, auto_pad="SAME_UPPER"),
         h.make_node("AveragePool", ["d"], ["ap"], kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 0, 0],
                     ceil_mode=1),
         h.make_node("MaxPool", ["d"], ["mp"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER")],
        [x4], [vi("g", [2, 6, 5, 7]), vi("ap", [2, 4, 5, 5]), vi("mp", [2, 4, 5, 5])],
        [w("gw", [6, 2, 3, 3]), w("gb", [6]), w("dw", [4, 1, 3, 3])]), {"x": f32(2, 4, 9, 9)}
    # ConvTranspose: groups, strides, dilations, pads, output_padding; and one
    # with output_shape.
    yield "conv_transpose", model(
        [h.make_node("ConvTranspose", ["x", "tw", "tb"], ["t"], group=2, strides=[2, 3], dilations=[1, 2],
                     pads=[1, 0, 0, 1], output_padding=[1, 0]),
         h.make_node("ConvTranspose", ["x", "uw"], ["u"], strides=[2, 2], output_shape=[20, 19])],
        [x4], [vi("t", [2, 6, 19, 26]), vi("u", [2, 3, 20, 19])],
        [w("tw", [4, 3, 3, 2]), w("tb", [6]), w("uw", [4, 3, 3, 3])]), {"x": f32(2, 4, 9, 9)}
    # Pad in every mode ONNX Runtime has at opset 17, pads from initializers.
    yield "pad", model(
        [h.make_node("Pad", ["a", "pc", "cv"], ["pc_out"], mode="constant"),
         h.make_node("Pad", ["a", "pe"], ["pe_out"], mode="edge"),
         h.make_node("Pad", ["a", "pr"], ["pr_out"], mode="reflect")],
        [vi("a", [2, 3, 4])],
        [vi("pc_out", [3, 6, 5]), vi("pe_out", [2, 5, 7]), vi("pr_out", [2, 5, 6])],
        [nh.from_array(np.array([0, 1, 0, 1, 2, 1], np.int64), "pc"),
         nh.from_array(np.array([1.5], np.float32).reshape(()), "cv"),
         nh.from_array(np.array([0, 2, 1, 0, 0, 2], np.int64), "pe"),
         nh.from_array(np.array([0, 1, 1, 0, 1, 1], np.int64), "pr")]), {"a": f32(2, 3, 4)}
    yield "norms", model(
        [h.make_node("BatchNormalization", ["x", "s", "bb", "mu", "var"], ["bn"]),
         h.make_node("LayerNormalization", ["x", "lg", "lb"], ["ln"], axis=-1, epsilon=1e-5),
         h.make_node("Add", ["bn", "ln"], ["y"])],
        [x], [vi("y", [2, 3, 6, 6])],
        [w("s", [3]), w("bb", [3]), w("mu", [3]),
         nh.from_array(rng.random(3).astype(np.float32) + 0.5, "var"), w("lg", [6]), w("lb", [6])]), \
        {"x": f32(2, 3, 6, 6)}
    yield "reductions_softmax", model(
        [h.make_node("ReduceMean", ["a"], ["rm"], axes=[1], keepdims=1),
         h.make_node("ReduceSum", ["a", "ax"], ["rs"], keepdims=0),
         h.make_node("ReduceMax", ["a"], ["rx"], axes=[0, 2], keepdims=0),
         h.make_node("ReduceL2", ["a"], ["rl"], axes=[2], keepdims=1),
         h.make_node("ReduceLogSumExp", ["a"], ["rlse"], axes=[2], keepdims=1),
         h.make_node("Softmax", ["a"], ["sm"], axis=1), h.make_node("LogSoftmax", ["a"], ["lsm"], axis=-1)],
        [vi("a", [2, 3, 4])],
        [vi("rm", [2, 1, 4]), vi("rs", [2, 4]), vi("rx", [3]), vi("rl", [2, 3, 1]), vi("rlse", [2, 3, 1]),
         vi("sm", [2, 3, 4]), vi("lsm", [2, 3, 4])],
        [nh.from_array(np.array([1], np.int64), "ax")]), {"a": f32(2, 3, 4)}
    yield "data_movement", model(
        [h.make_node("Transpose", ["a"], ["t"], perm=[2, 0, 1]),
         h.make_node("Reshape", ["t", "shape"], ["r"]), h.make_node("Flatten", ["a"], ["f"], axis=2),
         h.make_node("Concat", ["a", "a"], ["c"], axis=1),
         h.make_node("Gather", ["a", "idx"], ["g"], axis=1),
         h.make_node("Unsqueeze", ["f", "uax"], ["u"]), h.make_node("Squeeze", ["u", "uax"], ["sq"]),
         h.make_node("Identity", ["sq"], ["y"])],
        [vi("a", [2, 3, 4])],
        [vi("r", [4, 6]), vi("c", [2, 6, 4]), vi("g", [2, 2, 4]), vi("y", [6, 4])],
        [nh.from_array(np.array([4, 6], np.int64), "shape"), nh.from_array(np.array([2, -1], np.int64), "idx"),
         nh.from_array(np.array([0], np.int64), "uax")]), {"a": f32(2, 3, 4)}


def pin_shapes(m, feeds):
    """A copy of `m` whose inputs have the feeds' shapes, re-inferred."""
    m = onnx.ModelProto.FromString(m.SerializeToString())
    for i in m.graph.input:
        if i.name in feeds:
            dims = i.type.tensor_type.shape.dim
            for d, v in zip(dims, feeds[i.name].shape):
                d.ClearField("dim_param")
                d.dim_value = v
    del m.graph.value_info[:]
    for o in m.graph.output:
        o.type.tensor_type.ClearField("shape")
    return onnx.shape_inference.infer_shapes(m)


def mp_run_args(out, name, feeds, output_names, outputs):
    """--input/--expect arguments for mp-run: the feeds and the reference
    outputs saved as .npy files under `out`, passed by name."""
    args = []
    for k, v in feeds.items():
        p = os.path.join(out, f"{name}.in.{k}.npy")
        np.save(p, v)
        args.append(f"--input={k}={p}")
    for o, y in zip(output_names, outputs):
        p = os.path.join(out, f"{name}.exp.{o}.npy")
        np.save(p, y)
        args.append(f"--expect={o}={p}")
    return args


def run_case(name, m, feeds, args, out, rtol, atol, autocast=None):
    src = os.path.join(out, name + ".onnx")
    onnx.save(m, src)
    ref_model = src
    run_model = src
    if autocast:
        ref_model = os.path.join(out, name + ".f16.onnx")
        run_model = os.path.join(out, name + ".f16.mlir")
        # Autocast once; the ONNX Runtime reference is the export of that module.
        subprocess.run([args.mp_opt, src, f"--mp-autocast={autocast}", "-o", run_model], check=True)
        subprocess.run([args.mp_opt, run_model, "-o", ref_model], check=True)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(ref_model, so, providers=["CPUExecutionProvider"])
    ys = sess.run(None, feeds)
    cmd = [args.mp_run, run_model, f"--rtol={rtol}", f"--atol={atol}"]
    cmd += mp_run_args(out, name, feeds, [o.name for o in sess.get_outputs()], ys)
    r = subprocess.run(cmd, capture_output=True, text=True)
    ok = r.returncode == 0
    detail = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mp-opt", required=True)
    ap.add_argument("--mp-run", required=True)
    ap.add_argument("--out", default="build/cpu-check")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ort.set_default_logger_severity(3)
    ok = True
    for name, m, feeds in op_cases():
        ok &= run_case(name, m, feeds, args, args.out, 1e-4, 1e-5)
    cnn = onnx.load(os.path.join(HERE, "..", "examples", "cnn.onnx"))
    ok &= run_case("example_cnn", cnn, {"image": f32(2, 1, 28, 28)}, args, args.out, 1e-4, 1e-5)
    # An ONNX file with a symbolic batch dim: mp-run pins it to the data.
    tm = gen_autocast_models.MODELS["transformer"]()
    ok &= run_case("transformer_dynamic_batch", tm, autocast_eval.feeds_for(tm, batch=3), args,
                   args.out, 1e-4, 1e-4)
    # Mixed precision: mp-run runs the autocast module, ONNX Runtime the
    # exported FP16 model; agreement within FP16 tolerance.
    # Symbolic batch dims are pinned first (the autocast module is run as
    # MLIR, which mp-run cannot re-specialise the way it does ONNX files).
    extra = {"overflow": " input-range=x:-1:1"}
    for name in ["cnn", "transformer", "gpt", "overflow", "tiny"]:
        m = gen_autocast_models.MODELS[name]()
        feeds = autocast_eval.feeds_for(m, batch=2)
        ok &= run_case(f"autocast_{name}", pin_shapes(m, feeds), feeds, args, args.out,
                       1e-2, 1e-2,
                       autocast="target=f16 keep-io-types=1 summary=0" + extra.get(name, ""))
    ok &= run_case("autocast_example_cnn", cnn, {"image": f32(2, 1, 28, 28)}, args, args.out,
                   1e-2, 1e-3, autocast="target=f16 keep-io-types=1 summary=0")
    print("cpu-check:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
