#!/usr/bin/env python3
"""Runs models through mp-run (the CPU executor) and checks every output
against ONNX Runtime on the same inputs.

Cases: one small model per lowered op family, the bundled example CNN, and
FP16 models produced by mp-autocast (mixed-precision agreement: mp-run
executes the precisions autocast assigned and must agree with ONNX Runtime
running the exported mixed-precision model within FP16 tolerance).

Usage: cpu_check.py --mp-opt build/bin/mp-opt --mp-run build/bin/mp-run [--out DIR]
                    [--only NAME,NAME,...]
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
    yield from recurrent_cases()
    yield from control_flow_cases()
    yield from misc_op_cases()


# Recurrent ops: seq_length 5, batch 2, input 3, hidden 4 (ONNX layout 0:
# X [seq, batch, input], Y [seq, num_directions, batch, hidden]).
SEQ, BATCH, INP, HID = 5, 2, 3, 4


def rnn_weights(prefix, gates, nd, bias=True):
    """W, R and (optionally) B initializers for an RNN/GRU/LSTM with `gates`
    gates and `nd` directions."""
    ws = [w(prefix + "W", [nd, gates * HID, INP]), w(prefix + "R", [nd, gates * HID, HID])]
    if bias:
        ws.append(w(prefix + "B", [nd, 2 * gates * HID]))
    return ws


def recurrent_cases():
    xs = vi("x", [SEQ, BATCH, INP])

    def outs(prefix, nd, cell=False):
        o = [vi(prefix + "Y", [SEQ, nd, BATCH, HID]), vi(prefix + "Y_h", [nd, BATCH, HID])]
        return o + [vi(prefix + "Y_c", [nd, BATCH, HID])] if cell else o

    def names(prefix, cell=False):
        return [prefix + "Y", prefix + "Y_h"] + ([prefix + "Y_c"] if cell else [])

    # RNN: forward with B and initial_h (default Tanh); bidirectional with one
    # activation per direction and no optional inputs.
    yield "rnn", model(
        [h.make_node("RNN", ["x", "fW", "fR", "fB", "", "fh0"], names("f"), hidden_size=HID),
         h.make_node("RNN", ["x", "bW", "bR"], names("b"), hidden_size=HID, direction="bidirectional",
                     activations=["Tanh", "Relu"])],
        [xs], outs("f", 1) + outs("b", 2),
        rnn_weights("f", 1, 1) + [w("fh0", [1, BATCH, HID])] + rnn_weights("b", 1, 2, bias=False)), \
        {"x": f32(SEQ, BATCH, INP)}
    # GRU: forward with linear_before_reset = 0, bidirectional with
    # linear_before_reset = 1; both with B and initial_h.
    yield "gru", model(
        [h.make_node("GRU", ["x", "fW", "fR", "fB", "", "fh0"], names("f"), hidden_size=HID,
                     linear_before_reset=0),
         h.make_node("GRU", ["x", "bW", "bR", "bB", "", "bh0"], names("b"), hidden_size=HID,
                     direction="bidirectional", linear_before_reset=1)],
        [xs], outs("f", 1) + outs("b", 2),
        rnn_weights("f", 3, 1) + [w("fh0", [1, BATCH, HID])] +
        rnn_weights("b", 3, 2) + [w("bh0", [2, BATCH, HID])]), {"x": f32(SEQ, BATCH, INP)}
    # LSTM: forward with B, initial_h, initial_c and peepholes P; reverse with
    # no optional inputs.
    yield "lstm", model(
        [h.make_node("LSTM", ["x", "fW", "fR", "fB", "", "fh0", "fc0", "fP"], names("f", True),
                     hidden_size=HID),
         h.make_node("LSTM", ["x", "rW", "rR"], names("r", True), hidden_size=HID, direction="reverse")],
        [xs], outs("f", 1, True) + outs("r", 1, True),
        rnn_weights("f", 4, 1) + [w("fh0", [1, BATCH, HID]), w("fc0", [1, BATCH, HID]), w("fP", [1, 3 * HID])] +
        rnn_weights("r", 4, 1, bias=False)), {"x": f32(SEQ, BATCH, INP)}
    # LSTM with layout = 1 (batch-first: X [batch, seq, input], Y [batch, seq,
    # num_directions, hidden], states [batch, num_directions, hidden]),
    # bidirectional with B, initial_h and initial_c. ONNX Runtime's CPU
    # kernels reject layout = 1, so the reference is the same LSTM in layout 0
    # between Transposes, run by ONNX Runtime under the same output names.
    lw = rnn_weights("", 4, 2)
    h0, c0 = w("h0", [BATCH, 2, HID]), w("c0", [BATCH, 2, HID])
    bf_in = [vi("x", [BATCH, SEQ, INP])]
    bf_out = [vi("Y", [BATCH, SEQ, 2, HID]), vi("Y_h", [BATCH, 2, HID]), vi("Y_c", [BATCH, 2, HID])]
    bf = model([h.make_node("LSTM", ["x", "W", "R", "B", "", "h0", "c0"], ["Y", "Y_h", "Y_c"], hidden_size=HID,
                             direction="bidirectional", layout=1)], bf_in, bf_out, lw + [h0, c0])
    ref = model(
        [h.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
         h.make_node("Transpose", ["h0"], ["h0t"], perm=[1, 0, 2]),
         h.make_node("Transpose", ["c0"], ["c0t"], perm=[1, 0, 2]),
         h.make_node("LSTM", ["xt", "W", "R", "B", "", "h0t", "c0t"], ["Yt", "Y_ht", "Y_ct"], hidden_size=HID,
                     direction="bidirectional"),
         h.make_node("Transpose", ["Yt"], ["Y"], perm=[2, 0, 1, 3]),
         h.make_node("Transpose", ["Y_ht"], ["Y_h"], perm=[1, 0, 2]),
         h.make_node("Transpose", ["Y_ct"], ["Y_c"], perm=[1, 0, 2])], bf_in, bf_out, lw + [h0, c0])
    yield "lstm_batch_first", bf, {"x": f32(BATCH, SEQ, INP)}, ref
    # sequence_lens [5, 3]: ONNX Runtime zeroes Y past each sequence's length,
    # Y_h (Y_c) is the last valid step (forward) or step 0 (reverse).
    yield "rnn_seq_lens", model(
        [h.make_node("GRU", ["x", "gW", "gR", "gB", "lens", "gh0"], names("g"), hidden_size=HID),
         h.make_node("LSTM", ["x", "lW", "lR", "lB", "lens"], names("l", True), hidden_size=HID,
                     direction="bidirectional")],
        [xs], outs("g", 1) + outs("l", 2, True),
        rnn_weights("g", 3, 1) + [w("gh0", [1, BATCH, HID])] + rnn_weights("l", 4, 2) +
        [nh.from_array(np.array([5, 3], np.int32), "lens")]), {"x": f32(SEQ, BATCH, INP)}


def control_flow_cases():
    # If on a scalar bool input; both branches read outer-scope tensors.
    then_g = h.make_graph([h.make_node("Add", ["x", "y"], ["t"])], "then", [], [vi("t", [2, 3])])
    else_g = h.make_graph([h.make_node("Mul", ["x", "y"], ["e0"]), h.make_node("Relu", ["e0"], ["e"])],
                          "else", [], [vi("e", [2, 3])])
    m = model([h.make_node("If", ["c"], ["z"], then_branch=then_g, else_branch=else_g),
               h.make_node("Add", ["z", "x"], ["out"])],
              [vi("c", [], T.BOOL), vi("x", [2, 3]), vi("y", [2, 3])], [vi("z", [2, 3]), vi("out", [2, 3])])
    xv, yv = f32(2, 3), f32(2, 3)
    yield "if_then", m, {"c": np.array(True), "x": xv, "y": yv}
    yield "if_else", m, {"c": np.array(False), "x": xv, "y": yv}

    # Loop: M = 4, cond = true; one loop-carried value (x = x * 0.5 + y, y
    # from the outer scope, 0.5 a Constant in the body) and one scan output
    # (tanh of each iteration's x, stacked on a new leading axis).
    def loop_model(cond_nodes, trips):
        body = h.make_graph(
            cond_nodes +
            [h.make_node("Constant", [], ["half"], value=nh.from_array(np.array(0.5, np.float32))),
             h.make_node("Mul", ["x_in", "half"], ["xh"]), h.make_node("Add", ["xh", "y"], ["x_out"]),
             h.make_node("Tanh", ["x_out"], ["s_out"])],
            "body", [vi("iter", [], T.INT64), vi("cond_in", [], T.BOOL), vi("x_in", [2, 3])],
            [vi("cond_out", [], T.BOOL), vi("x_out", [2, 3]), vi("s_out", [2, 3])])
        return model([h.make_node("Loop", ["M", "cond", "x"], ["x_final", "stack"], body=body)],
                     [vi("x", [2, 3]), vi("y", [2, 3])],
                     [vi("x_final", [2, 3]), vi("stack", [trips, 2, 3])],
                     [nh.from_array(np.array(4, np.int64), "M"), nh.from_array(np.array(True), "cond")])
    yield "loop", loop_model([h.make_node("Identity", ["cond_in"], ["cond_out"])], 4), \
        {"x": f32(2, 3), "y": f32(2, 3)}
    # The body's condition goes false after iteration 2 (iter < 2 is checked
    # at the end of each iteration), so 3 of the 4 iterations run.
    yield "loop_cond", loop_model(
        [h.make_node("Constant", [], ["two"], value=nh.from_array(np.array(2, np.int64))),
         h.make_node("Less", ["iter", "two"], ["cond_out"])], 3), {"x": f32(2, 3), "y": f32(2, 3)}

    # Scan (opset 16): one state (running sum, initial value an input) and one
    # scan input [seq, n]; outputs the final state and the per-step sums.
    body = h.make_graph([h.make_node("Add", ["s_in", "x_t"], ["s_out"]),
                         h.make_node("Identity", ["s_out"], ["s_t"])],
                        "body", [vi("s_in", [4]), vi("x_t", [4])], [vi("s_out", [4]), vi("s_t", [4])])
    yield "scan", model([h.make_node("Scan", ["s0", "xs"], ["s_final", "sums"], body=body, num_scan_inputs=1)],
                        [vi("s0", [4]), vi("xs", [5, 4])], [vi("s_final", [4]), vi("sums", [5, 4])]), \
        {"s0": f32(4), "xs": f32(5, 4)}


def misc_op_cases():
    def ax(name, v):
        return nh.from_array(np.array(v, np.int64), name)

    yield "cumsum", model(
        [h.make_node("CumSum", ["a", "ax0"], ["c0"]),
         h.make_node("CumSum", ["a", "ax1"], ["c1"], exclusive=1),
         h.make_node("CumSum", ["a", "ax0"], ["c2"], reverse=1),
         h.make_node("CumSum", ["a", "axm1"], ["c3"], exclusive=1, reverse=1)],
        [vi("a", [3, 4])], [vi(n, [3, 4]) for n in ["c0", "c1", "c2", "c3"]],
        [ax("ax0", 0), ax("ax1", 1), ax("axm1", -1)]), {"a": f32(3, 4)}
    # Inputs are a scaled permutation: no ties, so the indices are unique.
    yield "topk", model(
        [h.make_node("TopK", ["a", "k2"], ["v0", "i0"], axis=-1),
         h.make_node("TopK", ["a", "k1"], ["v1", "i1"], axis=0, largest=0)],
        [vi("a", [3, 4])],
        [vi("v0", [3, 2]), vi("i0", [3, 2], T.INT64), vi("v1", [1, 4]), vi("i1", [1, 4], T.INT64)],
        [ax("k2", [2]), ax("k1", [1])]), \
        {"a": ((rng.permutation(12) - 5.5) * 0.37).astype(np.float32).reshape(3, 4)}
    yield "einsum", model(
        [h.make_node("Einsum", ["a", "b"], ["mm"], equation="ij,jk->ik"),
         h.make_node("Einsum", ["ba", "bb"], ["bmm"], equation="bij,bjk->bik"),
         h.make_node("Einsum", ["a"], ["tr"], equation="ij->ji"),
         h.make_node("Einsum", ["a", "a2"], ["dot"], equation="ij,ij->i"),
         h.make_node("Einsum", ["u", "v"], ["outer"], equation="i,j->ij"),
         h.make_node("Einsum", ["q", "k"], ["att"], equation="bhqd,bhkd->bhqk")],
        [vi("a", [3, 4]), vi("b", [4, 5]), vi("ba", [2, 3, 4]), vi("bb", [2, 4, 5]), vi("a2", [3, 4]),
         vi("u", [3]), vi("v", [5]), vi("q", [2, 2, 3, 4]), vi("k", [2, 2, 5, 4])],
        [vi("mm", [3, 5]), vi("bmm", [2, 3, 5]), vi("tr", [4, 3]), vi("dot", [3]), vi("outer", [3, 5]),
         vi("att", [2, 2, 3, 5])]), \
        {"a": f32(3, 4), "b": f32(4, 5), "ba": f32(2, 3, 4), "bb": f32(2, 4, 5), "a2": f32(3, 4),
         "u": f32(3), "v": f32(5), "q": f32(2, 2, 3, 4), "k": f32(2, 2, 5, 4)}
    # 1-D convolution and pooling (lowered through their 2-D forms).
    yield "conv1d_pool1d", model(
        [h.make_node("Conv", ["x", "cw", "cb"], ["c"], pads=[2, 1], strides=[2], dilations=[2], group=2),
         h.make_node("Relu", ["c"], ["r"]),
         h.make_node("MaxPool", ["r"], ["mp"], kernel_shape=[3], strides=[1], pads=[1, 1]),
         h.make_node("AveragePool", ["r"], ["ap"], kernel_shape=[2], strides=[2], count_include_pad=0)],
        [vi("x", [2, 4, 17])], [vi("mp", [2, 6, 8]), vi("ap", [2, 6, 4])],
        [w("cw", [6, 2, 3]), w("cb", [6])]), {"x": f32(2, 4, 17)}

    # 3-D pooling (ceil_mode, both count_include_pad settings) and MaxPool's
    # Indices output.
    yield "pool3d_indices", model(
        [h.make_node("MaxPool", ["v"], ["m3"], kernel_shape=[2, 3, 3], strides=[2, 2, 2],
                     pads=[0, 1, 1, 1, 1, 1], ceil_mode=1),
         h.make_node("AveragePool", ["v"], ["a3"], kernel_shape=[3, 3, 3], strides=[2, 2, 2],
                     pads=[1, 1, 1, 1, 1, 1], count_include_pad=0),
         h.make_node("AveragePool", ["v"], ["a3i"], kernel_shape=[2, 2, 2], pads=[1, 0, 1, 1, 0, 1],
                     count_include_pad=1),
         h.make_node("MaxPool", ["x"], ["mi", "idx"], kernel_shape=[3, 3], strides=[2, 2],
                     pads=[1, 1, 1, 1])],
        [vi("v", [2, 3, 5, 7, 6]), vi("x", [2, 3, 7, 8])],
        [vi("m3", [2, 3, 3, 4, 4]), vi("a3", [2, 3, 3, 4, 3]), vi("a3i", [2, 3, 6, 6, 7]),
         vi("mi", [2, 3, 4, 4]), vi("idx", [2, 3, 4, 4], T.INT64)]), {"v": f32(2, 3, 5, 7, 6), "x": f32(2, 3, 7, 8)}

    # Unsigned integers, with values past the signed range so that a signed
    # lowering would be caught.
    ua = rng.integers(0, 256, (3, 5)).astype(np.uint8)
    ub = rng.integers(1, 256, (3, 5)).astype(np.uint8)
    yield "unsigned", model(
        [h.make_node("Max", ["a", "b"], ["mx"]), h.make_node("Min", ["a", "b"], ["mn"]),
         h.make_node("Div", ["a", "b"], ["dv"]), h.make_node("Add", ["a", "b"], ["ad"]),
         h.make_node("Less", ["a", "b"], ["lt"]), h.make_node("Greater", ["a", "b"], ["gt"]),
         h.make_node("Max", ["c", "d"], ["mx32"]),
         h.make_node("MaxPool", ["p"], ["pool"], kernel_shape=[3, 3], strides=[2, 2],
                     pads=[1, 1, 1, 1])],
        [vi("a", [3, 5], T.UINT8), vi("b", [3, 5], T.UINT8), vi("c", [4], T.UINT32),
         vi("d", [4], T.UINT32), vi("p", [1, 2, 5, 6], T.UINT8)],
        [vi("mx", [3, 5], T.UINT8), vi("mn", [3, 5], T.UINT8), vi("dv", [3, 5], T.UINT8),
         vi("ad", [3, 5], T.UINT8), vi("lt", [3, 5], T.BOOL), vi("gt", [3, 5], T.BOOL),
         vi("mx32", [4], T.UINT32), vi("pool", [1, 2, 3, 3], T.UINT8)]), {
        "a": ua, "b": ub, "p": rng.integers(0, 256, (1, 2, 5, 6)).astype(np.uint8), "c": np.array([1, 3000000000, 7, 4294967295], np.uint32),
        "d": np.array([2, 5, 4000000000, 0], np.uint32)}

    # Slice whose starts/ends/steps are graph inputs and whose result shape
    # is unknown until run time.
    yield "slice_runtime", model(
        [h.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"]), h.make_node("Relu", ["y"], ["r"])],
        [vi("x", [6, 9]), vi("st", [2], T.INT64), vi("en", [2], T.INT64), vi("sp", [2], T.INT64)],
        [vi("r", ["a", "b"])], [nh.from_array(np.array([1, 0], np.int64), "ax")]), {
        "x": f32(6, 9), "st": np.array([-2, 1], np.int64),
        "en": np.array([-1000, 9223372036854775807], np.int64), "sp": np.array([-2, 3], np.int64)}

    # Review regressions: a Loop with a huge runtime trip count that its
    # condition stops (scan buffers grow instead of being sized by M), TopK
    # with NaN (ranked above every number, as ONNX Runtime sorts), and
    # MaxPool Indices where a window's maximum is the type's lowest value.
    body = h.make_graph(
        [h.make_node("Add", ["v", "one"], ["v2"]), h.make_node("Less", ["i", "three"], ["go"]),
         h.make_node("Identity", ["v2"], ["s"])], "body",
        [vi("i", [], T.INT64), vi("c", [], T.BOOL), vi("v", [2])],
        [vi("go", [], T.BOOL), vi("v2", [2]), vi("s", [2])],
        [nh.from_array(np.ones(2, np.float32), "one"), nh.from_array(np.array(3, np.int64), "three")])
    topk_x = np.array([[1, np.nan, 3, 2], [np.nan, -np.inf, np.nan, 1]], np.float32)
    yield "review_regressions", model(
        [h.make_node("Loop", ["m", "", "v0"], ["vf", "stack"], body=body),
         h.make_node("TopK", ["tx", "k"], ["tv", "ti"]),
         h.make_node("TopK", ["tx", "k"], ["sv", "si"], largest=0),
         h.make_node("MaxPool", ["px"], ["pv", "pi"], kernel_shape=[2, 2], strides=[2, 2])],
        [vi("m", [], T.INT64), vi("v0", [2]), vi("tx", [2, 4]), vi("px", [1, 1, 4, 4], T.UINT8)],
        [vi("vf", [2]), vi("stack", [4, 2]), vi("tv", [2, 3]), vi("ti", [2, 3], T.INT64),
         vi("sv", [2, 3]), vi("si", [2, 3], T.INT64), vi("pv", [1, 1, 2, 2], T.UINT8),
         vi("pi", [1, 1, 2, 2], T.INT64)],
        [nh.from_array(np.array([3], np.int64), "k")]), {
        "m": np.array(1 << 40, np.int64), "v0": f32(2), "tx": topk_x,
        "px": np.pad(np.array([[5]], np.uint8), ((0, 3), (0, 3))).reshape(1, 1, 4, 4)}

    # GroupNormalization (opset 21, per-channel affine) and
    # InstanceNormalization, expanded into mp ops.
    yield "group_instance_norm", model(
        [h.make_node("GroupNormalization", ["x", "gs", "gb"], ["g"], num_groups=2, epsilon=1e-4),
         h.make_node("InstanceNormalization", ["x", "is", "ib"], ["n"], epsilon=1e-4)],
        [vi("x", [2, 4, 3, 5])], [vi("g", [2, 4, 3, 5]), vi("n", [2, 4, 3, 5])],
        [w("gs", [4]), w("gb", [4]), w("is", [4]), w("ib", [4])], opset=21), {"x": f32(2, 4, 3, 5)}


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


def run_case(name, m, feeds, args, out, rtol, atol, autocast=None, ref=None):
    """`ref`, when given, is an equivalent model that ONNX Runtime runs in
    place of `m` (for forms of an op that ONNX Runtime does not implement);
    its outputs must have the same names."""
    src = os.path.join(out, name + ".onnx")
    onnx.save(m, src)
    ref_model = src
    run_model = src
    if ref is not None:
        ref_model = os.path.join(out, name + ".ref.onnx")
        onnx.save(ref, ref_model)
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
    cmd = [args.mp_run, run_model, f"--rtol={rtol}", f"--atol={atol}", f"--device={args.device}"]
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
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda", "cuda-emulated"],
                    help="where mp-run executes (cuda: an NVIDIA GPU)")
    ap.add_argument("--only", metavar="NAMES",
                    help="comma-separated case names (e.g. lstm,gru); run only these")
    args = ap.parse_args()
    # Every case is built (and its random inputs drawn) whether or not it is
    # selected, so a case's inputs do not depend on --only.
    ops = list(op_cases())
    cnn = onnx.load(os.path.join(HERE, "..", "examples", "cnn.onnx"))
    cnn_feeds = {"image": f32(2, 1, 28, 28)}
    cnn_f16_feeds = {"image": f32(2, 1, 28, 28)}
    autocast_names = ["cnn", "transformer", "gpt", "overflow", "tiny"]
    names = [c[0] for c in ops] + ["example_cnn", "transformer_dynamic_batch"] + \
        [f"autocast_{n}" for n in autocast_names] + ["autocast_example_cnn"]
    only = None
    if args.only is not None:
        only = {n.strip() for n in args.only.split(",") if n.strip()}
        unknown = sorted(only - set(names))
        if unknown:
            ap.error(f"--only: unknown case(s) {', '.join(unknown)}; cases: {', '.join(names)}")

    def selected(name):
        return only is None or name in only

    os.makedirs(args.out, exist_ok=True)
    ort.set_default_logger_severity(3)
    ok = True
    for name, m, feeds, *ref in ops:
        if selected(name):
            ok &= run_case(name, m, feeds, args, args.out, 1e-4, 1e-5, ref=ref[0] if ref else None)
    if selected("example_cnn"):
        ok &= run_case("example_cnn", cnn, cnn_feeds, args, args.out, 1e-4, 1e-5)
    # An ONNX file with a symbolic batch dim: mp-run pins it to the data.
    if selected("transformer_dynamic_batch"):
        tm = gen_autocast_models.MODELS["transformer"]()
        ok &= run_case("transformer_dynamic_batch", tm, autocast_eval.feeds_for(tm, batch=3), args,
                       args.out, 1e-4, 1e-4)
    # Mixed precision: mp-run runs the autocast module, ONNX Runtime the
    # exported FP16 model; agreement within FP16 tolerance.
    # Symbolic batch dims are pinned first (the autocast module is run as
    # MLIR, which mp-run cannot re-specialise the way it does ONNX files).
    extra = {"overflow": " input-range=x:-1:1"}
    for name in autocast_names:
        if not selected(f"autocast_{name}"):
            continue
        m = gen_autocast_models.MODELS[name]()
        feeds = autocast_eval.feeds_for(m, batch=2)
        ok &= run_case(f"autocast_{name}", pin_shapes(m, feeds), feeds, args, args.out,
                       1e-2, 1e-2,
                       autocast="target=f16 keep-io-types=1 summary=0" + extra.get(name, ""))
    if selected("autocast_example_cnn"):
        ok &= run_case("autocast_example_cnn", cnn, cnn_f16_feeds, args, args.out,
                       1e-2, 1e-3, autocast="target=f16 keep-io-types=1 summary=0")
    print("cpu-check:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
