#!/usr/bin/env python3
"""Generates the autocast test models (FP32, opset 17, seeded weights):

  cnn          Conv-BatchNorm-Relu-MaxPool x3, GlobalAveragePool, Gemm
  transformer  2-layer encoder: attention with an additive mask of -3.4e38,
               LayerNormalization with eps 1e-12, erf-GELU feed-forward
  gpt          2-layer causal decoder: Where(causal, scores, -3.4e38), LM head
  lstm, gru    a recurrent layer and a linear head
  overflow     activations above 65504 (a large-weight MatMul) brought back
               to O(1) by LayerNormalization and Softmax
  tiny         weights below FP16's smallest subnormal feeding a ReduceSum

Usage: gen_autocast_models.py OUTDIR
"""
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper, numpy_helper

F = T.FLOAT


class Builder:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits = [], []
        self.n = 0

    def w(self, name, shape, scale=None):
        scale = scale if scale is not None else 1.0 / math.sqrt(max(1, int(np.prod(shape[:-1]) if len(shape) > 1 else shape[0])))
        a = (self.rng.standard_normal(shape) * scale).astype(np.float32)
        self.inits.append(numpy_helper.from_array(a, name))
        return name

    def c(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, name=None, outputs=1, **attrs):
        self.n += 1
        name = name or f"{op_type.lower()}_{self.n}"
        outs = [f"{name}_out{i}" if outputs > 1 else f"{name}_out" for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=name, **attrs))
        return outs if outputs > 1 else outs[0]

    def model(self, name, inputs, outputs):
        g = helper.make_graph(self.nodes, name, inputs, outputs, initializer=self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="mixprec/utils/gen_autocast_models.py")
        m.ir_version = 8
        m = onnx.shape_inference.infer_shapes(m)
        onnx.checker.check_model(m)
        return m


def vi(name, shape, t=F):
    return helper.make_tensor_value_info(name, t, shape)


def cnn():
    b = Builder(1)
    x, c_in = "image", 3
    for i, c_out in enumerate([16, 32, 64]):
        p = f"block{i}"
        x = b.op("Conv", [x, b.w(f"{p}.conv.w", [c_out, c_in, 3, 3], 0.3), b.w(f"{p}.conv.b", [c_out], 0.1)],
                 f"{p}/conv", pads=[1, 1, 1, 1])
        x = b.op("BatchNormalization", [x, b.c(f"{p}.bn.s", np.ones(c_out, np.float32)),
                                        b.w(f"{p}.bn.b", [c_out], 0.1), b.w(f"{p}.bn.m", [c_out], 0.1),
                                        b.c(f"{p}.bn.v", np.full(c_out, 2.0, np.float32))], f"{p}/bn")
        x = b.op("Relu", [x], f"{p}/relu")
        x = b.op("MaxPool", [x], f"{p}/pool", kernel_shape=[2, 2], strides=[2, 2])
        c_in = c_out
    x = b.op("GlobalAveragePool", [x], "gap")
    x = b.op("Flatten", [x], "flatten")
    x = b.op("Gemm", [x, b.w("fc.w", [10, 64], 0.2), b.w("fc.b", [10], 0.1)], "fc", transB=1)
    b.nodes[-1].output[0] = "logits"
    return b.model("cnn", [vi("image", ["N", 3, 32, 32])], [vi("logits", ["N", 10])])


def layer_norm(b, x, d, p):
    return b.op("LayerNormalization", [x, b.c(f"{p}.g", np.ones(d, np.float32)),
                                       b.c(f"{p}.b", np.zeros(d, np.float32))], p, axis=-1, epsilon=1e-12)


def gelu(b, x, p):
    s = b.op("Div", [x, b.c(f"{p}.sqrt2", np.array(math.sqrt(2.0), np.float32))], f"{p}/div")
    e = b.op("Erf", [s], f"{p}/erf")
    a = b.op("Add", [e, b.c(f"{p}.one", np.array(1.0, np.float32))], f"{p}/add")
    m = b.op("Mul", [x, a], f"{p}/mul")
    return b.op("Mul", [m, b.c(f"{p}.half", np.array(0.5, np.float32))], f"{p}/half")


def attention(b, x, d, heads, seq, p, mask=None, causal=False):
    dh = d // heads
    def proj(n):
        y = b.op("MatMul", [x, b.w(f"{p}.{n}.w", [d, d])], f"{p}/{n}")
        y = b.op("Add", [y, b.w(f"{p}.{n}.b", [d], 0.02)], f"{p}/{n}_bias")
        y = b.op("Reshape", [y, b.c(f"{p}.{n}.shape", np.array([0, seq, heads, dh], np.int64))], f"{p}/{n}_split")
        return b.op("Transpose", [y], f"{p}/{n}_heads", perm=[0, 2, 1, 3])
    q, k, v = proj("q"), proj("k"), proj("v")
    kt = b.op("Transpose", [k], f"{p}/kT", perm=[0, 1, 3, 2])
    s = b.op("MatMul", [q, kt], f"{p}/scores")
    s = b.op("Mul", [s, b.c(f"{p}.scale", np.array(1.0 / math.sqrt(dh), np.float32))], f"{p}/scale")
    if mask is not None:
        s = b.op("Add", [s, mask], f"{p}/mask_add")
    if causal:
        tri = np.tril(np.ones((seq, seq), bool))
        s = b.op("Where", [b.c(f"{p}.causal", tri), s,
                           b.c(f"{p}.neg", np.array(-3.4e38, np.float32))], f"{p}/causal")
    a = b.op("Softmax", [s], f"{p}/softmax", axis=-1)
    o = b.op("MatMul", [a, v], f"{p}/context")
    o = b.op("Transpose", [o], f"{p}/merge", perm=[0, 2, 1, 3])
    o = b.op("Reshape", [o, b.c(f"{p}.merge.shape", np.array([0, seq, d], np.int64))], f"{p}/merge_heads")
    o = b.op("MatMul", [o, b.w(f"{p}.o.w", [d, d])], f"{p}/out")
    return b.op("Add", [o, b.w(f"{p}.o.b", [d], 0.02)], f"{p}/out_bias")


def encoder_layer(b, x, d, heads, seq, p, mask=None, causal=False, pre_norm=False):
    h = layer_norm(b, x, d, f"{p}/ln1") if pre_norm else x
    a = attention(b, h, d, heads, seq, f"{p}/attn", mask, causal)
    x = b.op("Add", [x, a], f"{p}/residual1")
    if not pre_norm:
        x = layer_norm(b, x, d, f"{p}/ln1")
    h = layer_norm(b, x, d, f"{p}/ln2") if pre_norm else x
    f = b.op("MatMul", [h, b.w(f"{p}.ff1.w", [d, 4 * d])], f"{p}/ff1")
    f = b.op("Add", [f, b.w(f"{p}.ff1.b", [4 * d], 0.02)], f"{p}/ff1_bias")
    f = gelu(b, f, f"{p}/gelu")
    f = b.op("MatMul", [f, b.w(f"{p}.ff2.w", [4 * d, d])], f"{p}/ff2")
    f = b.op("Add", [f, b.w(f"{p}.ff2.b", [d], 0.02)], f"{p}/ff2_bias")
    x = b.op("Add", [x, f], f"{p}/residual2")
    if not pre_norm:
        x = layer_norm(b, x, d, f"{p}/ln2")
    return x


def transformer(seq=16, d=64, heads=4):
    b = Builder(2)
    # Additive mask from a 0/1 attention mask: (1 - m) * -3.4e38.
    m = b.op("Sub", [b.c("one", np.array(1.0, np.float32)), "attention_mask"], "mask/invert")
    m = b.op("Mul", [m, b.c("mask.min", np.array(-3.4e38, np.float32))], "mask/scale")
    m = b.op("Unsqueeze", [m, b.c("mask.axes", np.array([1, 2], np.int64))], "mask/expand")
    x = "hidden"
    for i in range(2):
        x = encoder_layer(b, x, d, heads, seq, f"layer{i}", mask=m)
    b.nodes[-1].output[0] = "output"
    return b.model("transformer", [vi("hidden", ["N", seq, d]), vi("attention_mask", ["N", seq])],
                   [vi("output", ["N", seq, d])])


def gpt(seq=16, d=64, heads=4, vocab=128):
    b = Builder(3)
    x = b.op("Gather", [b.w("wte", [vocab, d], 0.5), "tokens"], "embed")
    x = b.op("Add", [x, b.w("wpe", [seq, d], 0.1)], "embed_pos")
    for i in range(2):
        x = encoder_layer(b, x, d, heads, seq, f"block{i}", causal=True, pre_norm=True)
    x = layer_norm(b, x, d, "ln_f")
    x = b.op("MatMul", [x, b.w("lm_head", [d, vocab])], "lm_head")
    b.nodes[-1].output[0] = "logits"
    return b.model("gpt", [vi("tokens", ["N", seq], T.INT64)], [vi("logits", ["N", seq, vocab])])


def recurrent(kind, seq=12, inp=16, hidden=32):
    b = Builder(4 if kind == "LSTM" else 5)
    gates = 4 if kind == "LSTM" else 3
    ins = [ "x", b.w(f"{kind}.W", [1, gates * hidden, inp]), b.w(f"{kind}.R", [1, gates * hidden, hidden]),
           b.w(f"{kind}.B", [1, 2 * gates * hidden], 0.1)]
    outs = b.op(kind, ins, kind.lower(), outputs=2, hidden_size=hidden)
    y = b.op("Squeeze", [outs[1], b.c("axes0", np.array([0], np.int64))], "squeeze")
    y = b.op("Gemm", [y, b.w("head.w", [hidden, 8]), b.w("head.b", [8], 0.1)], "head")
    b.nodes[-1].output[0] = "y"
    return b.model(kind.lower(), [vi("x", [seq, "N", inp])], [vi("y", ["N", 8])])


def overflow(d=64):
    b = Builder(6)
    # |h| reaches ~1e5 for inputs in [-1, 1]: beyond FP16's 65504.
    h = b.op("MatMul", ["x", b.w("big.w", [d, d], 5000.0)], "big_matmul")
    h = b.op("Add", [h, b.w("big.b", [d], 100.0)], "big_bias")
    n = layer_norm(b, h, d, "norm")
    s = b.op("MatMul", [n, b.w("proj.w", [d, d])], "proj")
    y = b.op("Softmax", [s], "softmax", axis=-1)
    b.nodes[-1].output[0] = "y"
    return b.model("overflow", [vi("x", ["N", d])], [vi("y", ["N", d])])


def tiny(d=256):
    b = Builder(7)
    # Weights around 1e-8 underflow to zero in FP16 (smallest subnormal 6e-8).
    w = b.c("tiny.w", (np.abs(b.rng.standard_normal(d)) * 1e-8 + 1e-9).astype(np.float32))
    p = b.op("Mul", ["x", w], "scale_tiny")
    s = b.op("ReduceSum", [p, b.c("axes1", np.array([1], np.int64))], "sum", keepdims=1)
    y = b.op("Mul", [s, b.c("gain", np.array(1e6, np.float32))], "gain")
    b.nodes[-1].output[0] = "y"
    return b.model("tiny", [vi("x", ["N", d])], [vi("y", ["N", 1])])


MODELS = {"cnn": cnn, "transformer": transformer, "gpt": gpt,
          "lstm": lambda: recurrent("LSTM"), "gru": lambda: recurrent("GRU"),
          "overflow": overflow, "tiny": tiny}

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "build/autocast-models"
    os.makedirs(out, exist_ok=True)
    for name, fn in MODELS.items():
        onnx.save(fn(), os.path.join(out, name + ".onnx"))
    print(f"wrote {len(MODELS)} models to {out}")
