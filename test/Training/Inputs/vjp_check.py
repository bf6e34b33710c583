"""Checks mp-build-train-step's gradients against central finite differences
of an independent float64 numpy forward pass.

Each case is a small float64 ONNX model plus a numpy function computing the
same loss from the same parameters. mp-opt appends the loss and the reverse
pass, mp-run executes it, and every gradient element must match
(L(p + h e_i) - L(p - h e_i)) / 2h within rtol 1e-5, atol 1e-7 (h = 1e-6).

Usage: vjp_check.py MP_OPT MP_RUN OUTDIR [CASE...]
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

mp_opt, mp_run, out = sys.argv[1:4]
only = set(sys.argv[4:])
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
D = T.DOUBLE


def vi(n, s, t=D):
    return h.make_tensor_value_info(n, t, s)


def model(nodes, ins, outs, params, opset=17):
    g = h.make_graph(nodes, "g", ins, outs, [nh.from_array(v, k) for k, v in params.items()])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def log_softmax(z, axis=-1):
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def ce(z, labels):
    return -log_softmax(z, 1)[np.arange(len(labels)), labels].mean()


def conv2d(x, w, b, stride, pad, dil):
    n, c, hh, ww = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[2]), (pad[1], pad[3])))
    oh = (hh + pad[0] + pad[2] - (kh - 1) * dil - 1) // stride + 1
    ow = (ww + pad[1] + pad[3] - (kw - 1) * dil - 1) // stride + 1
    y = np.zeros((n, f, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i * dil:i * dil + (oh - 1) * stride + 1:stride,
                       j * dil:j * dil + (ow - 1) * stride + 1:stride]
            y += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j])
    return y + b[None, :, None, None]


def cases():
    x = rng.standard_normal((6, 4))
    lab = rng.integers(0, 3, 6)
    p = {"W1": rng.standard_normal((4, 5)), "b1": rng.standard_normal(5),
         "W2": rng.standard_normal((3, 5)), "b2": rng.standard_normal(3)}
    yield ("mlp_gemm_relu_ce", model(
        [h.make_node("Gemm", ["x", "W1", "b1"], ["h"]), h.make_node("Relu", ["h"], ["r"]),
         h.make_node("Gemm", ["r", "W2", "b2"], ["z"], transB=1)],
        [vi("x", [6, 4])], [vi("z", [6, 3])], p), "cross-entropy", {"x": x, "labels": lab}, p,
        lambda q: ce(np.maximum(x @ q["W1"] + q["b1"], 0) @ q["W2"].T + q["b2"], lab))

    # Element-wise ops with broadcasting, MatMul with a batch dim, Softmax,
    # Reshape/Transpose, ReduceMean, MSE.
    x3 = rng.uniform(0.5, 1.5, (2, 3, 4))
    t = rng.standard_normal((2, 4, 3))
    q0 = {"A": rng.standard_normal((4, 4)), "s": rng.uniform(0.5, 1.5, (1, 4)),
          "c": rng.standard_normal(4)}
    def f_elem(q):
        m1 = x3 @ q["A"]
        e1 = np.tanh(m1) * q["s"] + q["c"]
        e2 = e1 / (1.0 + np.exp(-e1)) - np.sqrt(x3) / q["s"]
        e3 = np.exp(log_softmax(e2, -1)) * np.log(x3 + 1.0)
        tr = np.transpose(e3, (0, 2, 1))
        return ((tr - t) ** 2).mean()
    yield ("elementwise_matmul_mse", model(
        [h.make_node("MatMul", ["x", "A"], ["m1"]), h.make_node("Tanh", ["m1"], ["t1"]),
         h.make_node("Mul", ["t1", "s"], ["t2"]), h.make_node("Add", ["t2", "c"], ["e1"]),
         h.make_node("Sigmoid", ["e1"], ["sg"]), h.make_node("Mul", ["e1", "sg"], ["sw"]),
         h.make_node("Sqrt", ["x"], ["sq"]), h.make_node("Div", ["sq", "s"], ["dv"]),
         h.make_node("Sub", ["sw", "dv"], ["e2"]), h.make_node("Softmax", ["e2"], ["sm"], axis=-1),
         h.make_node("Constant", [], ["one"], value=nh.from_array(np.array(1.0), "one")),
         h.make_node("Add", ["x", "one"], ["x1"]), h.make_node("Log", ["x1"], ["lg"]),
         h.make_node("Mul", ["sm", "lg"], ["e3"]),
         h.make_node("Transpose", ["e3"], ["y"], perm=[0, 2, 1])],
        [vi("x", [2, 3, 4])], [vi("y", [2, 4, 3])], q0),
        "mse", {"x": x3, "labels": t}, q0, f_elem)

    # Conv (stride, pads, dilation) + GlobalAveragePool + Flatten + Gemm.
    xc = rng.standard_normal((2, 3, 7, 6))
    labc = rng.integers(0, 4, 2)
    pc = {"w": rng.standard_normal((5, 3, 3, 2)) * 0.5, "cb": rng.standard_normal(5),
          "fw": rng.standard_normal((5, 4)), "fb": rng.standard_normal(4)}
    def f_conv(q):
        y = conv2d(xc, q["w"], q["cb"], 2, (1, 0, 2, 1), 1)
        g = np.maximum(y, 0).mean(axis=(2, 3))
        return ce(g @ q["fw"] + q["fb"], labc)
    yield ("conv_gap_gemm_ce", model(
        [h.make_node("Conv", ["x", "w", "cb"], ["y"], strides=[2, 2], pads=[1, 0, 2, 1]),
         h.make_node("Relu", ["y"], ["r"]), h.make_node("GlobalAveragePool", ["r"], ["g"]),
         h.make_node("Flatten", ["g"], ["f"]), h.make_node("Gemm", ["f", "fw", "fb"], ["z"])],
        [vi("x", [2, 3, 7, 6])], [vi("z", [2, 4])], pc), "cross-entropy", {"x": xc, "labels": labc},
        pc, f_conv)

    xd = rng.standard_normal((1, 2, 6, 6))
    pd = {"w": rng.standard_normal((3, 2, 2, 2))}
    def f_dil(q):
        y = conv2d(xd, q["w"], np.zeros(3), 1, (1, 1, 1, 1), 2)
        return (y ** 2).mean()
    yield ("conv_dilated_mse", model(
        [h.make_node("Conv", ["x", "w"], ["y"], dilations=[2, 2], pads=[1, 1, 1, 1])],
        [vi("x", [1, 2, 6, 6])], [vi("y", [1, 3, 6, 6])], pd), "mse",
        {"x": xd, "labels": np.zeros((1, 3, 6, 6))}, pd, f_dil)


def layer_norm(x, s, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * s + b


def erf(x):
    from math import erf as e
    return np.vectorize(e)(x)


def cases2():
    # Embedding (Gather) -> LayerNorm -> MatMul -> Gelu, Split/Concat,
    # Slice, Where/Expand, Pow, Reciprocal, Erf, LeakyRelu, Softplus, MSE.
    ids = np.array([[1, 3, 0], [2, 1, -1]], np.int64)
    mask = np.array([[True, False, True, True]])
    q = {"emb": rng.standard_normal((5, 4)), "ls": rng.uniform(0.5, 1.5, 4),
         "lb": rng.standard_normal(4), "W": rng.standard_normal((4, 4)) * 0.5,
         "p": np.array(2.0)}
    t = rng.standard_normal((2, 3, 4))
    def f(q):
        e = q["emb"][ids]
        ln = layer_norm(e, q["ls"], q["lb"])
        m = ln @ q["W"]
        gl = 0.5 * m * (1 + erf(m / np.sqrt(2)))
        a, b = gl[..., :2], gl[..., 2:]
        cc = np.concatenate([b * 1.5, a], axis=-1)
        sl = cc[:, 1:, :]
        sl = np.concatenate([cc[:, :1, :], sl], axis=1)
        wh = np.where(mask, sl, np.broadcast_to(np.array([0.3]), sl.shape))
        pw = np.abs(wh) + 1.0
        pw = pw ** q["p"]
        r = 1.0 / pw + erf(wh) + np.where(wh > 0, wh, 0.1 * wh) + np.log1p(np.exp(wh))
        return ((r - t) ** 2).mean()
    nodes = [
        h.make_node("Gather", ["emb", "ids"], ["e"]),
        h.make_node("LayerNormalization", ["e", "ls", "lb"], ["ln"], axis=-1),
        h.make_node("MatMul", ["ln", "W"], ["m"]),
        h.make_node("Gelu", ["m"], ["gl"]),
        h.make_node("Split", ["gl", "sp"], ["a", "b"], axis=-1),
        h.make_node("Constant", [], ["k15"], value=nh.from_array(np.array(1.5), "k15")),
        h.make_node("Mul", ["b", "k15"], ["b2"]),
        h.make_node("Concat", ["b2", "a"], ["cc"], axis=-1),
        h.make_node("Slice", ["cc", "s0", "s1", "s2"], ["sl1"]),
        h.make_node("Slice", ["cc", "z0", "z1", "s2"], ["sl0"]),
        h.make_node("Concat", ["sl0", "sl1"], ["sl"], axis=1),
        h.make_node("Constant", [], ["fill"], value=nh.from_array(np.array([0.3]), "fill")),
        h.make_node("Constant", [], ["shp"], value=nh.from_array(np.array([2, 3, 4], np.int64), "shp")),
        h.make_node("Expand", ["fill", "shp"], ["fe"]),
        h.make_node("Where", ["mask", "sl", "fe"], ["wh"]),
        h.make_node("Abs", ["wh"], ["ab"]),
        h.make_node("Constant", [], ["one"], value=nh.from_array(np.array(1.0), "one")),
        h.make_node("Add", ["ab", "one"], ["ab1"]),
        h.make_node("Pow", ["ab1", "p"], ["pw"]),
        h.make_node("Reciprocal", ["pw"], ["rc"]),
        h.make_node("Erf", ["wh"], ["er"]),
        h.make_node("LeakyRelu", ["wh"], ["lr"], alpha=0.1),
        h.make_node("Softplus", ["wh"], ["spl"]),
        h.make_node("Add", ["rc", "er"], ["r1"]), h.make_node("Add", ["r1", "lr"], ["r2"]),
        h.make_node("Add", ["r2", "spl"], ["y"])]
    consts = [nh.from_array(ids, "ids"), nh.from_array(np.array([2, 2], np.int64), "sp"),
              nh.from_array(np.array([1], np.int64), "s0"), nh.from_array(np.array([3], np.int64), "s1"),
              nh.from_array(np.array([1], np.int64), "s2"), nh.from_array(np.array([0], np.int64), "z0"),
              nh.from_array(np.array([1], np.int64), "z1"), nh.from_array(mask, "mask")]
    g = h.make_graph(nodes, "g", [], [vi("y", [2, 3, 4])],
                     [nh.from_array(v, k) for k, v in q.items()] + consts)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 20)])
    m.ir_version = 9
    # Gelu is opset 20, past the shape inference the importer runs: give
    # every intermediate its type here.
    m = onnx.shape_inference.infer_shapes(m, strict_mode=True)
    yield ("embedding_layernorm_gelu_mix", m, "mse", {"labels": t}, q, f)

    # Conv -> BatchNorm (inference) -> Relu -> MaxPool 2x2 -> AveragePool ->
    # Flatten -> Gemm, cross-entropy.
    xc = rng.standard_normal((2, 2, 8, 8))
    labc = rng.integers(0, 3, 2)
    qc = {"w": rng.standard_normal((4, 2, 3, 3)) * 0.4, "bs": rng.uniform(0.5, 1.5, 4),
          "bb": rng.standard_normal(4), "fw": rng.standard_normal((3, 36)) * 0.3}
    mean, var = rng.standard_normal(4) * 0.1, rng.uniform(0.5, 1.5, 4)
    def fc(q):
        y = conv2d(xc, q["w"], np.zeros(4), 1, (1, 1, 1, 1), 1)
        bn = (y - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5) * \
            q["bs"][None, :, None, None] + q["bb"][None, :, None, None]
        r = np.maximum(bn, 0)
        mp_ = r.reshape(2, 4, 4, 2, 4, 2).max(axis=(3, 5))
        ap = (mp_[:, :, :-1, :-1] + mp_[:, :, 1:, :-1] + mp_[:, :, :-1, 1:] + mp_[:, :, 1:, 1:]) / 4
        return ce(ap.reshape(2, -1) @ q["fw"].T, labc)
    m = model(
        [h.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
         h.make_node("BatchNormalization", ["c", "bs", "bb", "mean", "var"], ["bn"]),
         h.make_node("Relu", ["bn"], ["r"]),
         h.make_node("MaxPool", ["r"], ["mp"], kernel_shape=[2, 2], strides=[2, 2]),
         h.make_node("AveragePool", ["mp"], ["ap"], kernel_shape=[2, 2]),
         h.make_node("Flatten", ["ap"], ["f"]), h.make_node("Gemm", ["f", "fw"], ["z"], transB=1)],
        [vi("x", [2, 2, 8, 8])], [vi("z", [2, 3])], {**qc})
    # The running statistics are constants (not trained): Constant nodes.
    m.graph.node.insert(0, h.make_node("Constant", [], ["mean"], value=nh.from_array(mean, "mean")))
    m.graph.node.insert(0, h.make_node("Constant", [], ["var"], value=nh.from_array(var, "var")))
    yield ("conv_bn_maxpool_avgpool_ce", m, "cross-entropy", {"x": xc, "labels": labc}, qc, fc)


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def np_lstm(x, W, R, B, P, rev=False):
    T, Bn, _ = x.shape
    H = R.shape[-1]
    h = np.zeros((Bn, H))
    c = np.zeros((Bn, H))
    ys = [None] * T
    wb, rb = B[:4 * H], B[4 * H:]
    pi, po, pf = P[:H], P[H:2 * H], P[2 * H:]
    for s_ in range(T):
        t = T - 1 - s_ if rev else s_
        g = x[t] @ W.T + h @ R.T + wb + rb
        i, o, f_, cc = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
        i = sigmoid(i + pi * c)
        f_ = sigmoid(f_ + pf * c)
        c = f_ * c + i * np.tanh(cc)
        o = sigmoid(o + po * c)
        h = o * np.tanh(c)
        ys[t] = h
    return np.stack(ys), h, c


def np_gru(x, W, R, B, lbr, rev=False):
    T, Bn, _ = x.shape
    H = R.shape[-1]
    h = np.zeros((Bn, H))
    ys = [None] * T
    wb, rb = B[:3 * H], B[3 * H:]
    for s_ in range(T):
        t = T - 1 - s_ if rev else s_
        xw = x[t] @ W.T + wb
        hr = h @ R.T + rb
        z = sigmoid(xw[:, :H] + hr[:, :H])
        r = sigmoid(xw[:, H:2 * H] + hr[:, H:2 * H])
        if lbr:
            ht = np.tanh(xw[:, 2 * H:] + r * hr[:, 2 * H:])
        else:
            ht = np.tanh(xw[:, 2 * H:] + (r * h) @ R[2 * H:].T + rb[2 * H:])
        h = (1 - z) * ht + z * h
        ys[t] = h
    return np.stack(ys), h


def cases3():
    T_, Bn, I, H = 4, 2, 3, 3
    x = rng.standard_normal((T_, Bn, I))
    lab = rng.integers(0, H, Bn)
    q = {"W": rng.standard_normal((1, 4 * H, I)) * 0.5, "R": rng.standard_normal((1, 4 * H, H)) * 0.5,
         "B": rng.standard_normal((1, 8 * H)) * 0.5, "P": rng.standard_normal((1, 3 * H)) * 0.5}
    def fl(q):
        y, hT, cT = np_lstm(x, q["W"][0], q["R"][0], q["B"][0], q["P"][0])
        return ce(hT + y.sum(0) * 0.1, lab)
    m = model(
        [h.make_node("LSTM", ["x", "W", "R", "B", "", "", "", "P"], ["Y", "Y_h"], hidden_size=H),
         h.make_node("ReduceSum", ["Y", "ax01"], ["ys"], keepdims=0),
         h.make_node("Constant", [], ["k"], value=nh.from_array(np.array(0.1), "k")),
         h.make_node("Mul", ["ys", "k"], ["ys1"]),
         h.make_node("Squeeze", ["Y_h", "ax0"], ["hT"]), h.make_node("Add", ["hT", "ys1"], ["z"])],
        [vi("x", [T_, Bn, I])], [vi("z", [Bn, H])], q)
    m.graph.node.insert(0, h.make_node("Constant", [], ["ax0"], value=nh.from_array(np.array([0], np.int64), "ax0")))
    m.graph.node.insert(0, h.make_node("Constant", [], ["ax01"], value=nh.from_array(np.array([0, 1], np.int64), "ax01")))
    # The ReduceSum sums the [T, 1, B, H] output over time and direction.
    yield ("lstm_peephole_ce", m, "cross-entropy", {"x": x, "labels": lab}, q, fl)

    for lbr in (0, 1):
        qg = {"W": rng.standard_normal((2, 3 * H, I)) * 0.5, "R": rng.standard_normal((2, 3 * H, H)) * 0.5,
              "B": rng.standard_normal((2, 6 * H)) * 0.5}
        t = rng.standard_normal((T_, 2, Bn, H))
        def fg(q, lbr=lbr, t=t):
            yf, _ = np_gru(x, q["W"][0], q["R"][0], q["B"][0], lbr)
            yb, _ = np_gru(x, q["W"][1], q["R"][1], q["B"][1], lbr, rev=True)
            return ((np.stack([yf, yb], 1) - t) ** 2).mean()
        mg = model([h.make_node("GRU", ["x", "W", "R", "B"], ["Y"], hidden_size=H,
                                direction="bidirectional", linear_before_reset=lbr)],
                   [vi("x", [T_, Bn, I])], [vi("Y", [T_, 2, Bn, H])], qg)
        yield (f"gru_bidirectional_lbr{lbr}_mse", mg, "mse", {"x": x, "labels": t}, qg, fg)

    qr = {"W": rng.standard_normal((1, H, I)) * 0.5, "R": rng.standard_normal((1, H, H)) * 0.5}
    tr = rng.standard_normal((1, Bn, H))
    def fr(q):
        h_ = np.zeros((Bn, H))
        for t_ in range(T_):
            h_ = np.tanh(x[t_] @ q["W"][0].T + h_ @ q["R"][0].T)
        return ((h_[None] - tr) ** 2).mean()
    mr = model([h.make_node("RNN", ["x", "W", "R"], ["", "Y_h"], hidden_size=H)],
               [vi("x", [T_, Bn, I])], [vi("Y_h", [1, Bn, H])], qr)
    yield ("rnn_mse", mr, "mse", {"x": x, "labels": tr}, qr, fr)


def conv_transpose2d(x, w, b, stride, pad, outpad):
    n, c, hh, ww = x.shape
    _, f, kh, kw = w.shape
    oh = (hh - 1) * stride + kh - pad[0] - pad[2] + outpad[0]
    ow = (ww - 1) * stride + kw - pad[1] - pad[3] + outpad[1]
    full = np.zeros((n, f, (hh - 1) * stride + kh + outpad[0], (ww - 1) * stride + kw + outpad[1]))
    for i in range(hh):
        for j in range(ww):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += \
                np.einsum("nc,cfhw->nfhw", x[:, :, i, j], w)
    return full[:, :, pad[0]:pad[0] + oh, pad[1]:pad[1] + ow] + b[None, :, None, None]


def cases4():
    x = rng.standard_normal((2, 3, 4, 3))
    q = {"w": rng.standard_normal((3, 2, 3, 2)) * 0.5, "b": rng.standard_normal(2)}
    y0 = conv_transpose2d(x, q["w"], q["b"], 2, (1, 0, 0, 1), (1, 1))
    t = rng.standard_normal(y0.shape)
    def f(q):
        return ((conv_transpose2d(x, q["w"], q["b"], 2, (1, 0, 0, 1), (1, 1)) - t) ** 2).mean()
    m = model([h.make_node("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2], pads=[1, 0, 0, 1],
                           output_padding=[1, 1])],
              [vi("x", [2, 3, 4, 3])], [vi("y", list(y0.shape))], q)
    yield ("conv_transpose_mse", m, "mse", {"x": x, "labels": t}, q, f)

    xb = rng.standard_normal((3, 2, 3, 2))
    qb = {"s": rng.uniform(0.5, 1.5, 2), "bb": rng.standard_normal(2), "w2": rng.standard_normal((2, 2, 1, 1))}
    tb = rng.standard_normal((3, 2, 3, 2))
    rm, rv = np.zeros(2), np.ones(2)
    def fb(q):
        z = np.einsum("nchw,fc->nfhw", xb, q["w2"][:, :, 0, 0])
        mu = z.mean(axis=(0, 2, 3), keepdims=True)
        var = z.var(axis=(0, 2, 3), keepdims=True)
        y = (z - mu) / np.sqrt(var + 1e-5) * q["s"][None, :, None, None] + q["bb"][None, :, None, None]
        return ((y - tb) ** 2).mean()
    mb = model([h.make_node("Conv", ["x", "w2"], ["z"]),
                h.make_node("BatchNormalization", ["z", "s", "bb", "rm", "rv"], ["y", "nm", "nv"],
                            training_mode=1)],
               [vi("x", [3, 2, 3, 2])], [vi("y", [3, 2, 3, 2])], qb)
    mb.graph.node.insert(0, h.make_node("Constant", [], ["rm"], value=nh.from_array(rm, "rm")))
    mb.graph.node.insert(0, h.make_node("Constant", [], ["rv"], value=nh.from_array(rv, "rv")))
    yield ("batchnorm_training_mse", mb, "mse", {"x": xb, "labels": tb}, qb, fb)


def conv2d_grouped(x, w, groups, stride, pad):
    cg, fg = x.shape[1] // groups, w.shape[0] // groups
    return np.concatenate([conv2d(x[:, i * cg:(i + 1) * cg], w[i * fg:(i + 1) * fg], np.zeros(fg),
                                  stride, pad, 1) for i in range(groups)], axis=1)


def cases5():
    # Grouped Conv -> GroupNorm -> Elu / HardSigmoid / HardSwish / Clip,
    # Max/Min, InstanceNorm, ReduceMax/Min/L2/LogSumExp/Prod, MSE.
    x = rng.standard_normal((2, 4, 5, 5))
    q = {"w": rng.standard_normal((6, 2, 3, 3)) * 0.4, "gs": rng.uniform(0.5, 1.5, 6),
         "gb": rng.standard_normal(6) * 0.3, "is_": rng.uniform(0.5, 1.5, 6), "ib": rng.standard_normal(6) * 0.3}
    t = rng.standard_normal((2, 6))
    def gn(v, groups, s_, b_, eps=1e-5):
        n, c = v.shape[:2]
        vg = v.reshape(n, groups, -1)
        vg = (vg - vg.mean(-1, keepdims=True)) / np.sqrt(vg.var(-1, keepdims=True) + eps)
        return vg.reshape(v.shape) * s_[None, :, None, None] + b_[None, :, None, None]
    def f(q):
        c = conv2d_grouped(x, q["w"], 2, 1, (1, 1, 1, 1))
        g_ = gn(c, 3, q["gs"], q["gb"])
        elu = np.where(g_ > 0, g_, np.exp(g_) - 1)
        hsg = np.clip(0.2 * g_ + 0.5, 0, 1)
        hsw = g_ * np.clip(g_ / 6 + 0.5, 0, 1)
        cl = np.clip(g_, -0.5, 0.7)
        mx = np.maximum(elu, hsw)
        mn = np.minimum(cl, hsg)
        inn = gn(mx + mn, 6, q["is_"], q["ib"])
        r1 = inn.max(axis=(2, 3)) + inn.min(axis=(2, 3))
        r2 = np.sqrt((inn ** 2).sum(axis=(2, 3)))
        m_ = inn.max(axis=(2, 3), keepdims=True)
        r3 = np.log(np.exp(inn).sum(axis=(2, 3)))
        r4 = (1.0 + 0.05 * np.tanh(inn)).prod(axis=(2, 3))
        return ((r1 + r2 + r3 + r4 - t) ** 2).mean()
    nodes = [
        h.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], group=2),
        h.make_node("GroupNormalization", ["c", "gs", "gb"], ["g"], num_groups=3),
        h.make_node("Elu", ["g"], ["elu"]), h.make_node("HardSigmoid", ["g"], ["hsg"]),
        h.make_node("HardSwish", ["g"], ["hsw"]),
        h.make_node("Clip", ["g", "lo", "hi"], ["cl"]),
        h.make_node("Max", ["elu", "hsw"], ["mx"]), h.make_node("Min", ["cl", "hsg"], ["mn"]),
        h.make_node("Add", ["mx", "mn"], ["s"]),
        h.make_node("InstanceNormalization", ["s", "is_", "ib"], ["inn"]),
        h.make_node("ReduceMax", ["inn", "ax"], ["rmax"], keepdims=0),
        h.make_node("ReduceMin", ["inn", "ax"], ["rmin"], keepdims=0),
        h.make_node("ReduceL2", ["inn", "ax"], ["rl2"], keepdims=0),
        h.make_node("ReduceLogSumExp", ["inn", "ax"], ["rlse"], keepdims=0),
        h.make_node("Tanh", ["inn"], ["th"]), h.make_node("Mul", ["th", "k01"], ["th1"]),
        h.make_node("Add", ["th1", "k15"], ["pp"]),
        h.make_node("ReduceProd", ["pp", "ax"], ["rprod"], keepdims=0),
        h.make_node("Add", ["rmax", "rmin"], ["a1"]), h.make_node("Add", ["a1", "rl2"], ["a2"]),
        h.make_node("Add", ["a2", "rlse"], ["a3"]), h.make_node("Add", ["a3", "rprod"], ["y"])]
    consts = {"lo": np.array(-0.5), "hi": np.array(0.7), "ax": np.array([2, 3], np.int64),
              "k01": np.array(0.05), "k15": np.array(1.0)}
    for k, v in consts.items():
        nodes.insert(0, h.make_node("Constant", [], [k], value=nh.from_array(v, k)))
    m = model(nodes, [vi("x", [2, 4, 5, 5])], [vi("y", [2, 6])], q, opset=21)
    m.ir_version = 10
    # Opset 21 is past the importer's shape inference, and onnx's own does
    # not type GroupNormalization's output: declare it, infer the rest.
    m.graph.value_info.append(vi("g", [2, 6, 5, 5]))
    m = onnx.shape_inference.infer_shapes(m, strict_mode=True)
    yield ("grouped_conv_groupnorm_activations_reductions", m, "mse", {"x": x, "labels": t}, q, f)


def cases6():
    # ResNet's stem pooling: 3x3 windows, stride 2, pad 1 (overlapping and
    # padded), after a Conv; and a 1-D pool with ceil_mode.
    x = rng.standard_normal((2, 2, 7, 7))
    q = {"w": rng.standard_normal((3, 2, 3, 3)) * 0.5}
    t = rng.standard_normal((2, 3, 4, 4))
    def f(q):
        c = conv2d(x, q["w"], np.zeros(3), 1, (1, 1, 1, 1), 1)
        cp = np.pad(c, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
        y = np.stack([np.stack([cp[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3].max(axis=(2, 3))
                                for j in range(4)], -1) for i in range(4)], -2)
        return ((y - t) ** 2).mean()
    m = model([h.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
               h.make_node("MaxPool", ["c"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])],
              [vi("x", [2, 2, 7, 7])], [vi("y", [2, 3, 4, 4])], q)
    yield ("maxpool_overlapping_padded_mse", m, "mse", {"x": x, "labels": t}, q, f)


def cases7():
    # Data movement and indexing: Gather on axis 1, a reversed strided Slice
    # and a step-3 Slice, Pad with a negative (cropping) pad, Tile, CumSum
    # (exclusive + reverse, and plain), GatherElements with negative and
    # repeated indices on a narrower index tensor, TopK and Einsum (explicit
    # and implicit output). Each branch is weighted by a random constant and
    # summed per batch row.
    x = rng.standard_normal((2, 6, 5))
    q = {"w": rng.standard_normal((2, 6, 5)), "w2": rng.standard_normal((5, 4)),
         "w3": rng.standard_normal((3, 5))}
    gidx = np.array([[0, 2], [2, 5]], np.int64)
    eidx = rng.integers(-6, 6, (2, 3, 4)).astype(np.int64)
    eidx[0, 0, 0], eidx[0, 1, 0] = 3, -3   # the same row twice
    shapes = {"r1": (2, 2, 2, 5), "r2": (2, 3, 3), "r3": (2, 9, 2), "r4": (2, 12, 15),
              "r5": (2, 6, 5), "r6": (2, 6, 5), "r7": (2, 3, 4), "r8": (2, 6, 2), "r9": (2, 6, 4),
              "r10": (2, 6, 3)}
    R = {k: rng.standard_normal(v) for k, v in shapes.items()}
    t = rng.standard_normal(2)

    def f(q):
        a = x * q["w"]
        b = []
        b.append(a[:, gidx, :])
        b.append(a[:, 5::-2, 0:5:2])
        s3 = a[:, :, 1:5:3]
        b.append(np.pad(s3, ((0, 0), (1, 2), (0, 1)), constant_values=0.3)[:, :, 1:])
        b.append(np.tile(a, (1, 2, 3)))
        b.append(np.flip(np.cumsum(np.flip(a, 2), 2), 2) - a)
        b.append(np.cumsum(a, 1))
        b.append(np.take_along_axis(a[:, :, :4], eidx % 6, axis=1))
        b.append(-np.sort(-a, axis=2)[:, :, :2])
        b.append(np.einsum("bij,jk->bik", a, q["w2"]))
        b.append(np.einsum("bij,kj->bik", a, q["w3"]))
        y = sum((v * R[f"r{i + 1}"]).reshape(2, -1).sum(1) for i, v in enumerate(b))
        return ((y - t) ** 2).mean()

    def ints(v):
        return np.array(v, np.int64)
    consts = {"gidx": gidx, "eidx": eidx, "st2": ints([5, 0]), "en2": ints([-100, 5]),
              "ax2": ints([1, 2]), "sp2": ints([-2, 2]), "st3": ints([1]), "en3": ints([5]),
              "ax3": ints([2]), "sp3": ints([3]), "pads": ints([0, 1, -1, 0, 2, 1]),
              "pv": np.array(0.3), "reps": ints([1, 2, 3]), "cax2": ints(2),
              "cax1": np.array(1, np.int32), "k": ints([2]), "rax": ints([1, 2]),
              "rax3": ints([1, 2, 3])}
    consts.update(R)
    nodes = [h.make_node("Mul", ["x", "w"], ["a"]),
             h.make_node("Gather", ["a", "gidx"], ["b1"], axis=1),
             h.make_node("Slice", ["a", "st2", "en2", "ax2", "sp2"], ["b2"]),
             h.make_node("Slice", ["a", "st3", "en3", "ax3", "sp3"], ["s3"]),
             h.make_node("Pad", ["s3", "pads", "pv"], ["b3"]),
             h.make_node("Tile", ["a", "reps"], ["b4"]),
             h.make_node("CumSum", ["a", "cax2"], ["b5"], exclusive=1, reverse=1),
             h.make_node("CumSum", ["a", "cax1"], ["b6"]),
             h.make_node("GatherElements", ["a", "eidx"], ["b7"], axis=1),
             h.make_node("TopK", ["a", "k"], ["b8", "i8"], axis=2),
             h.make_node("Einsum", ["a", "w2"], ["b9"], equation="bij,jk->bik"),
             h.make_node("Einsum", ["a", "w3"], ["b10"], equation="bij,kj")]
    for i in range(1, 11):
        nodes.append(h.make_node("Mul", [f"b{i}", f"r{i}"], [f"m{i}"]))
        nodes.append(h.make_node("ReduceSum", [f"m{i}", "rax3" if i == 1 else "rax"], [f"sum{i}"],
                                 keepdims=0))
    acc = "sum1"
    for i in range(2, 11):
        nodes.append(h.make_node("Add", [acc, f"sum{i}"], [f"acc{i}"]))
        acc = f"acc{i}"
    nodes.append(h.make_node("Identity", [acc], ["y"]))
    for k, v in consts.items():
        nodes.insert(0, h.make_node("Constant", [], [k], value=nh.from_array(v, k)))
    m = model(nodes, [vi("x", [2, 6, 5])], [vi("y", [2])], q)
    m = onnx.shape_inference.infer_shapes(m, strict_mode=True)
    yield ("indexing_data_movement_einsum_mse", m, "mse", {"x": x, "labels": t}, q, f)

    # Grouped ConvTranspose (2 groups), strided, padded, with output_padding.
    xg = rng.standard_normal((2, 4, 3, 3))
    qg = {"w": rng.standard_normal((4, 3, 3, 2)) * 0.5, "b": rng.standard_normal(6)}

    def fwd(q):
        ys = [conv_transpose2d(xg[:, 2 * j:2 * j + 2], q["w"][2 * j:2 * j + 2], np.zeros(3), 2,
                               (1, 0, 0, 1), (1, 0)) for j in range(2)]
        return np.concatenate(ys, 1) + q["b"][None, :, None, None]
    tg = rng.standard_normal(fwd(qg).shape)

    def fg(q):
        return ((fwd(q) - tg) ** 2).mean()
    mg = model([h.make_node("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2], pads=[1, 0, 0, 1],
                            output_padding=[1, 0], group=2)],
               [vi("x", [2, 4, 3, 3])], [vi("y", list(tg.shape))], qg)
    yield ("grouped_conv_transpose_mse", mg, "mse", {"x": xg, "labels": tg}, qg, fg)


def dropout_mask(shape, ratio, seed):
    """The keep-mask of a training-mode Dropout (seeded), read from mp-run's
    forward pass on ones. It is random by design, so the numpy forward pass
    takes it as given; the gradient is still checked against finite
    differences of that forward pass."""
    d = os.path.join(out, "dropout_mask")
    os.makedirs(d, exist_ok=True)
    nodes = [h.make_node("Constant", [], ["r"], value=nh.from_array(np.array(ratio, np.float32), "r")),
             h.make_node("Constant", [], ["t"], value=nh.from_array(np.array(True), "t")),
             h.make_node("Dropout", ["x", "r", "t"], ["y"], seed=seed)]
    m = model(nodes, [vi("x", list(shape), T.FLOAT)], [vi("y", list(shape), T.FLOAT)], {})
    onnx.save(m, os.path.join(d, "m.onnx"))
    np.save(os.path.join(d, "x.npy"), np.ones(shape, np.float32))
    subprocess.run([mp_run, os.path.join(d, "m.onnx"), f"--input=x={os.path.join(d, 'x.npy')}",
                    "--output-dir", d], check=True, capture_output=True)
    return np.load(os.path.join(d, "y.npy")) != 0


def cases8():
    # Training-mode Dropout (seeded, ratio 0.3) between two MatMuls, after an
    # inference-mode Dropout (the identity).
    x = rng.standard_normal((4, 8))
    q = {"w1": rng.standard_normal((8, 6)) * 0.5, "w2": rng.standard_normal((6, 3)) * 0.5}
    t = rng.standard_normal((4, 3))
    mask = dropout_mask((4, 6), 0.3, 5)
    assert 0 < mask.sum() < mask.size

    def f(q):
        return (((x @ q["w1"]) * mask / 0.7 @ q["w2"] - t) ** 2).mean()
    nodes = [h.make_node("Constant", [], ["r"], value=nh.from_array(np.array(0.3), "r")),
             h.make_node("Constant", [], ["tm"], value=nh.from_array(np.array(True), "tm")),
             h.make_node("MatMul", ["x", "w1"], ["h0"]),
             h.make_node("Dropout", ["h0"], ["h1"]),
             h.make_node("Dropout", ["h1", "r", "tm"], ["h2"], seed=5),
             h.make_node("MatMul", ["h2", "w2"], ["y"])]
    m = model(nodes, [vi("x", [4, 8])], [vi("y", [4, 3])], q)
    yield ("dropout_training_mse", m, "mse", {"x": x, "labels": t}, q, f)


def cases9():
    # Resize: nearest (asymmetric, floor) x2, linear half_pixel to given
    # sizes (a downsample), cubic align_corners with scales 1.5 / 0.75, and
    # linear tf_crop_and_resize whose roi reaches outside the input
    # (extrapolated points). The forward oracle is a float64 numpy version:
    # each mode is a per-axis interpolation matrix (onnx.reference is not
    # used: part of its Resize arithmetic is float32, 7e-7 off).
    x = rng.standard_normal((1, 2, 4, 4))
    q = {"w": rng.standard_normal((1, 2, 4, 4))}
    outs = {"r1": (1, 2, 8, 8), "r2": (1, 2, 3, 3), "r3": (1, 2, 6, 3), "r4": (1, 2, 5, 6)}
    R = {f"k{i + 1}": rng.standard_normal(v) for i, v in enumerate(outs.values())}
    t = rng.standard_normal(1)
    consts = {"sc1": np.array([1, 1, 2, 2], np.float32), "sz2": np.array([1, 2, 3, 3], np.int64),
              "sc3": np.array([1, 1, 1.5, 0.75], np.float32),
              "roi4": np.array([0, 0, 0.2, -0.1, 1, 1, 0.9, 1.2], np.float32),
              "sz4": np.array([1, 2, 5, 6], np.int64), "ax": np.array([1, 2, 3], np.int64)}
    consts.update(R)
    nodes = [h.make_node("Mul", ["x", "w"], ["a"]),
             h.make_node("Resize", ["a", "", "sc1"], ["r1"], mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
             h.make_node("Resize", ["a", "", "", "sz2"], ["r2"], mode="linear"),
             h.make_node("Resize", ["a", "", "sc3"], ["r3"], mode="cubic",
                         coordinate_transformation_mode="align_corners"),
             h.make_node("Resize", ["a", "roi4", "", "sz4"], ["r4"], mode="linear",
                         coordinate_transformation_mode="tf_crop_and_resize",
                         extrapolation_value=0.7)]
    for i in range(1, 5):
        nodes.append(h.make_node("Mul", [f"r{i}", f"k{i}"], [f"m{i}"]))
        nodes.append(h.make_node("ReduceSum", [f"m{i}", "ax"], [f"s{i}"], keepdims=0))
    nodes += [h.make_node("Add", ["s1", "s2"], ["u1"]), h.make_node("Add", ["u1", "s3"], ["u2"]),
              h.make_node("Add", ["u2", "s4"], ["y"])]
    for k, v in consts.items():
        nodes.insert(0, h.make_node("Constant", [], [k], value=nh.from_array(v, k)))
    m = model(nodes, [vi("x", [1, 2, 4, 4])], [vi("y", [1])], q)
    m = onnx.shape_inference.infer_shapes(m, strict_mode=True)
    roi = consts["roi4"].astype(np.float64)

    def cubic_w(d, A=-0.75):
        d = abs(d)
        if d <= 1:
            return (A + 2) * d ** 3 - (A + 3) * d ** 2 + 1
        return A * d ** 3 - 5 * A * d ** 2 + 8 * A * d - 4 * A if d < 2 else 0.0

    def interp(n, m, coord):
        """[m, n] interpolation matrix and the outside-the-input mask."""
        M, outside = np.zeros((m, n)), np.zeros(m, bool)
        for o in range(m):
            xo = coord(o)
            if xo < 0 or xo > n - 1:
                outside[o] = True
                continue
            x0 = int(np.floor(xo))
            M[o, x0] += 1 - (xo - x0)
            M[o, min(x0 + 1, n - 1)] += xo - x0
        return M, outside

    def nearest(n, m, s):
        M = np.zeros((m, n))
        for o in range(m):
            M[o, min(int(np.floor(o / s)), n - 1)] = 1
        return M

    def cubic_ac(n, m):
        M = np.zeros((m, n))
        for o in range(m):
            xo = o * (n - 1) / (m - 1)
            f = int(np.floor(xo))
            for k in range(-1, 3):
                M[o, min(max(f + k, 0), n - 1)] += cubic_w(xo - (f + k))
        return M
    lin2, _ = interp(4, 3, lambda o: (o + 0.5) / 0.75 - 0.5)
    crop_h, out_h = interp(4, 5, lambda o: roi[2] * 3 + o * (roi[6] - roi[2]) * 3 / 4)
    crop_w, out_w = interp(4, 6, lambda o: roi[3] * 3 + o * (roi[7] - roi[3]) * 3 / 5)
    crop_out = out_h[:, None] | out_w[None, :]
    mats = [(nearest(4, 8, 2.0), nearest(4, 8, 2.0)), (lin2, lin2),
            (cubic_ac(4, 6), cubic_ac(4, 3)), (crop_h, crop_w)]

    def f(q):
        a = x * q["w"]
        y = 0.0
        for i, (mh, mw) in enumerate(mats):
            r = np.einsum("oh,nchw,pw->ncop", mh, a, mw)
            if i == 3:
                r = np.where(crop_out[None, None], float(np.float32(0.7)), r)  # a float attribute
            y = y + (r * R[f"k{i + 1}"]).sum(axis=(1, 2, 3))
        return ((y - t) ** 2).mean()
    yield ("resize_modes_mse", m, "mse", {"x": x, "labels": t}, q, f)


NP_ACTS = {
    "Sigmoid": lambda v, a, b: sigmoid(v), "Tanh": lambda v, a, b: np.tanh(v),
    "Relu": lambda v, a, b: np.maximum(v, 0), "Affine": lambda v, a, b: a * v + b,
    "LeakyRelu": lambda v, a, b: np.where(v >= 0, v, a * v),
    "ThresholdedRelu": lambda v, a, b: np.where(v > a, v, 0.0),
    "ScaledTanh": lambda v, a, b: a * np.tanh(b * v),
    "HardSigmoid": lambda v, a, b: np.clip(a * v + b, 0, 1),
    "Elu": lambda v, a, b: np.where(v >= 0, v, a * (np.exp(v) - 1)),
    "Softsign": lambda v, a, b: v / (1 + np.abs(v)), "Softplus": lambda v, a, b: np.log1p(np.exp(v))}


def np_recurrent(kind, x, W, R, B, acts, clip, lens, rev, lbr=0):
    """One direction of an ONNX RNN/GRU/LSTM (gate order i o f c / z r h),
    with activations [(name, alpha, beta)], cell clip and sequence lengths:
    rows past their length keep their state and output zeros."""
    T, Bn, _ = x.shape
    H = R.shape[-1]
    G = {"lstm": 4, "gru": 3, "rnn": 1}[kind]
    wb, rb = B[:G * H], B[G * H:]
    h = np.zeros((Bn, H))
    c = np.zeros((Bn, H))
    ys = [None] * T

    def act(k, v, clipped=True):
        if clipped and clip is not None:
            v = np.clip(v, -clip, clip)
        n, a, b = acts[k]
        # alpha and beta are float attributes.
        return NP_ACTS[n](v, float(np.float32(a)), float(np.float32(b)))
    for s_ in range(T):
        t = T - 1 - s_ if rev else s_
        xw = x[t] @ W.T + wb
        hr = h @ R.T + rb
        if kind == "lstm":
            g = xw + hr
            i, o, f_, cc = (g[:, k * H:(k + 1) * H] for k in range(4))
            i, f_, cc = act(0, i), act(0, f_), act(1, cc)
            cn = f_ * c + i * cc
            hn = act(0, o) * act(2, cn, clipped=False)
        elif kind == "gru":
            z = act(0, xw[:, :H] + hr[:, :H])
            r = act(0, xw[:, H:2 * H] + hr[:, H:2 * H])
            if lbr:
                ht = act(1, xw[:, 2 * H:] + r * hr[:, 2 * H:])
            else:
                ht = act(1, xw[:, 2 * H:] + (r * h) @ R[2 * H:].T + rb[2 * H:])
            hn, cn = (1 - z) * ht + z * h, c
        else:
            hn, cn = act(0, xw + hr), c
        live = (t < np.asarray(lens))[:, None]
        ys[t] = np.where(live, hn, 0.0)
        h = np.where(live, hn, h)
        c = np.where(live, cn, c)
    return np.stack(ys), h


def cases10():
    # Recurrent ops with non-default activations (and their alpha/beta),
    # clip and constant sequence_lens, unrolled for training.
    T_, Bn, I, H = 5, 3, 4, 3
    x = rng.standard_normal((T_, Bn, I))
    lens = [3, 5, 1]
    sl = h.make_node("Constant", [], ["sl"], value=nh.from_array(np.array(lens, np.int32), "sl"))
    acts = ["HardSigmoid", "LeakyRelu", "Tanh", "Sigmoid", "Elu", "Softplus"]
    alphas, betas = [0.3, 0.1, 0.9], [0.4]
    per_dir = [[("HardSigmoid", 0.3, 0.4), ("LeakyRelu", 0.1, 0), ("Tanh", 0, 0)],
               [("Sigmoid", 0, 0), ("Elu", 0.9, 0), ("Softplus", 0, 0)]]
    q = {"W": rng.standard_normal((2, 4 * H, I)) * 0.6, "R": rng.standard_normal((2, 4 * H, H)) * 0.6,
         "B": rng.standard_normal((2, 8 * H)) * 0.5}
    t = rng.standard_normal((T_ + 1, 2, Bn, H))

    def fl(q):
        outs, hs = [], []
        for d in range(2):
            y, hT = np_recurrent("lstm", x, q["W"][d], q["R"][d], q["B"][d], per_dir[d], 1.5, lens, d == 1)
            outs.append(y)
            hs.append(hT)
        full = np.concatenate([np.stack(outs, 1), np.stack(hs, 0)[None]], 0)
        return ((full - t) ** 2).mean()
    m = model([sl, h.make_node("Constant", [], ["ax0"], value=nh.from_array(np.array([0], np.int64), "ax0")),
               h.make_node("LSTM", ["x", "W", "R", "B", "sl"], ["Y", "Y_h"], hidden_size=H,
                           direction="bidirectional", clip=1.5, activations=acts,
                           activation_alpha=alphas, activation_beta=betas),
               h.make_node("Unsqueeze", ["Y_h", "ax0"], ["Yh1"]),
               h.make_node("Concat", ["Y", "Yh1"], ["y"], axis=0)],
              [vi("x", [T_, Bn, I])], [vi("y", [T_ + 1, 2, Bn, H])], q)
    yield ("lstm_activations_clip_seqlens_mse", m, "mse", {"x": x, "labels": t}, q, fl)

    gacts = [("HardSigmoid", 0.25, 0.5), ("Softsign", 0, 0)]
    glens = [2, 5, 4]
    qg = {"W": rng.standard_normal((1, 3 * H, I)) * 0.6, "R": rng.standard_normal((1, 3 * H, H)) * 0.6,
          "B": rng.standard_normal((1, 6 * H)) * 0.5}
    tg = rng.standard_normal((T_, 1, Bn, H))

    def fg(q):
        y, _ = np_recurrent("gru", x, q["W"][0], q["R"][0], q["B"][0], gacts, 1.0, glens, True, lbr=1)
        return ((y[:, None] - tg) ** 2).mean()
    mg = model([h.make_node("Constant", [], ["sl"], value=nh.from_array(np.array(glens, np.int32), "sl")),
                h.make_node("GRU", ["x", "W", "R", "B", "sl"], ["Y"], hidden_size=H, direction="reverse",
                            linear_before_reset=1, clip=1.0, activations=["HardSigmoid", "Softsign"],
                            activation_alpha=[0.25], activation_beta=[0.5])],
               [vi("x", [T_, Bn, I])], [vi("Y", [T_, 1, Bn, H])], qg)
    yield ("gru_activations_clip_seqlens_mse", mg, "mse", {"x": x, "labels": tg}, qg, fg)

    racts = [("ScaledTanh", 1.2, 0.7)]
    qr = {"W": rng.standard_normal((1, H, I)) * 0.6, "R": rng.standard_normal((1, H, H)) * 0.6,
          "B": rng.standard_normal((1, 2 * H)) * 0.5}
    tr = rng.standard_normal((1, Bn, H))

    def fr(q):
        _, hT = np_recurrent("rnn", x, q["W"][0], q["R"][0], q["B"][0], racts, None, [4, 2, 5], False)
        return ((hT[None] - tr) ** 2).mean()
    mr = model([h.make_node("Constant", [], ["sl"], value=nh.from_array(np.array([4, 2, 5], np.int32), "sl")),
                h.make_node("RNN", ["x", "W", "R", "B", "sl"], ["", "Y_h"], hidden_size=H,
                            activations=["ScaledTanh"], activation_alpha=[1.2], activation_beta=[0.7])],
               [vi("x", [T_, Bn, I])], [vi("Y_h", [1, Bn, H])], qr)
    yield ("rnn_scaledtanh_seqlens_mse", mr, "mse", {"x": x, "labels": tr}, qr, fr)


def run_case(name, m, loss, feeds, params, f):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    onnx.save(m, os.path.join(d, "m.onnx"))
    train = os.path.join(d, "train.mlir")
    subprocess.run([mp_opt, os.path.join(d, "m.onnx"), f"--mp-build-train-step=loss={loss}",
                    "-o", train], check=True)
    args = []
    for k, v in list(feeds.items()) + list(params.items()):
        p = os.path.join(d, f"in.{k}.npy")
        np.save(p, v)
        args.append(f"--input={k}={p}")
    subprocess.run([mp_run, train, "--output-dir", d] + args, check=True, capture_output=True)
    ok = True
    loss_got = float(np.load(os.path.join(d, "loss.npy")))
    if not np.isclose(loss_got, f(params), rtol=1e-10, atol=1e-12):
        print(f"FAIL {name}: loss {loss_got} vs numpy {f(params)}")
        ok = False
    eps = 1e-6
    worst = 0.0
    for k, v in params.items():
        got = np.load(os.path.join(d, f"{k}_grad.npy"))
        num = np.zeros_like(v)
        for i in np.ndindex(v.shape):
            qp = {kk: vv.copy() for kk, vv in params.items()}
            qm = {kk: vv.copy() for kk, vv in params.items()}
            qp[k][i] += eps
            qm[k][i] -= eps
            num[i] = (f(qp) - f(qm)) / (2 * eps)
        err = np.abs(got - num) / (1e-7 + 1e-5 * np.abs(num))
        worst = max(worst, float(err.max()))
        if not np.all(np.abs(got - num) <= 1e-7 + 1e-5 * np.abs(num)):
            i = np.unravel_index(np.argmax(err), v.shape)
            print(f"FAIL {name}: d/d{k} at {i}: {got[i]} vs finite difference {num[i]}")
            ok = False
    biggest = max(float(np.abs(np.load(os.path.join(d, f"{k}_grad.npy"))).max()) for k in params)
    if biggest < 1e-3:
        print(f"FAIL {name}: every gradient is ~0 (max {biggest}); the check would be vacuous")
        ok = False
    if ok:
        print(f"PASS {name}: loss and {sum(v.size for v in params.values())} gradient elements "
              f"(largest |grad| {biggest:.3g}; worst error {worst:.3f} of the tolerance)")
    return ok


ok = True
for name, m, loss, feeds, params, f in list(cases()) + list(cases2()) + list(cases3()) + list(cases4()) + list(cases5()) + list(cases6()) + list(cases7()) + list(cases8()) + list(cases9()) + list(cases10()):
    if only and name not in only:
        continue
    ok &= run_case(name, m, loss, feeds, params, f)
print("vjp-check:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
