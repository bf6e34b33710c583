"""Training end to end: mp-opt --mp-build-train-step, then mp-run --train.

1. One step of each optimizer (sgd, momentum, adam, adamw) against the same
   step written in numpy float64 with hand-written backpropagation (an
   independent gradient), rtol 1e-4.
2. Convergence on scikit-learn's digits (8x8 images, 10 classes; 1437
   training and 360 held-out samples): an MLP and a small CNN, FP32, AdamW.
   The saved ONNX model is evaluated by ONNX Runtime on the held-out set.

Usage: train_check.py MP_OPT MP_RUN OUTDIR
"""
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "utils"))
from train_models import digits_split, heldout_accuracy, mlp, run_outputs  # noqa: E402

mp_opt, mp_run, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
ok = True


def check(cond, what):
    global ok
    print(("PASS " if cond else "FAIL ") + what)
    ok &= bool(cond)


def build(model, name, opts):
    path = os.path.join(out, name + ".onnx")
    onnx.save(model, path)
    train = os.path.join(out, name + ".train.mlir")
    subprocess.run([mp_opt, path, f"--mp-build-train-step={opts}", "-o", train], check=True)
    return train


# 1. One optimizer step against numpy.
def np_step(p, x, lab, kind, lr, wd, mom=0.9, b1=0.9, b2=0.999, eps=1e-8):
    p = {k: v.astype(np.float64) for k, v in p.items()}
    hpre = x @ p["W1"] + p["b1"]
    r = np.maximum(hpre, 0)
    z = r @ p["W2"].T + p["b2"]
    e = np.exp(z - z.max(1, keepdims=True))
    sm = e / e.sum(1, keepdims=True)
    n = len(lab)
    dz = sm.copy()
    dz[np.arange(n), lab] -= 1
    dz /= n
    grads = {"W2": dz.T @ r, "b2": dz.sum(0)}
    dr = dz @ p["W2"]
    dh = dr * (hpre > 0)
    grads.update({"W1": x.T @ dh, "b1": dh.sum(0)})
    new = {}
    for k, v in p.items():
        g = grads[k] + (wd * v if kind != "adamw" else 0)
        if kind == "sgd":
            new[k] = v - lr * g
        elif kind == "momentum":
            new[k] = v - lr * g  # m = 0 * mom + g on the first step
        else:
            m1 = (1 - b1) * g
            v1 = (1 - b2) * g * g
            upd = (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
            if kind == "adamw":
                upd = upd + wd * v
            new[k] = v - lr * upd
    return new


r = np.random.default_rng(3)
xs = r.standard_normal((16, 6)).astype(np.float32)
ls = r.integers(0, 4, 16)
model, params = mlp(16, 6, 10, 4, 7)
for kind, wd in [("sgd", 0.0), ("momentum", 0.01), ("adam", 0.0), ("adamw", 0.05)]:
    train = build(model, f"step_{kind}", f"loss=cross-entropy optimizer={kind} lr=0.1 weight-decay={wd}")
    d = os.path.join(out, f"step_{kind}")
    os.makedirs(d, exist_ok=True)
    args = []
    for k, v in {"x": xs, "labels": ls, **params}.items():
        np.save(os.path.join(d, k + ".npy"), v)
        args.append(f"--input={k}={os.path.join(d, k + '.npy')}")
    for k, v in params.items():
        if kind != "sgd":
            np.save(os.path.join(d, k + ".m.npy"), np.zeros_like(v))
            args.append(f"--input={k}.m={os.path.join(d, k + '.m.npy')}")
    for k, v in params.items():
        if kind in ("adam", "adamw"):
            np.save(os.path.join(d, k + ".v.npy"), np.zeros_like(v))
            args.append(f"--input={k}.v={os.path.join(d, k + '.v.npy')}")
    np.save(os.path.join(d, "step.npy"), np.array(0, np.int64))
    args.append(f"--input=step={os.path.join(d, 'step.npy')}")
    subprocess.run([mp_run, train, "--output-dir", d] + args, check=True, capture_output=True)
    want = np_step(params, xs.astype(np.float64), ls, kind, 0.1, wd)
    worst = max(float(np.max(np.abs(np.load(os.path.join(d, k + ".npy")) - want[k]) /
                         (1e-6 + 1e-4 * np.abs(want[k])))) for k in params)
    moved = max(float(np.max(np.abs(want[k] - params[k]))) for k in params)
    check(worst <= 1 and moved > 1e-3,
          f"one {kind} step matches numpy (worst error {worst:.3f} of the tolerance)")

# Gradient accumulation: two micro-batches of 8 with accumulate=2 equal one
# SGD step on the batch of 16 (the mean of the two halves' mean gradients).
def run_named(train, d, feeds):
    return run_outputs(mp_run, train, d, feeds)


m16, p16 = mlp(16, 6, 10, 4, 7)
m8, _ = mlp(8, 6, 10, 4, 7)
full = build(m16, "acc_full", "loss=cross-entropy optimizer=sgd lr=0.5")
acc2 = build(m8, "acc_two", "loss=cross-entropy optimizer=sgd lr=0.5 accumulate=2")
o_full = run_named(full, os.path.join(out, "acc_full"), {"x": xs, "labels": ls, **p16,
                                                          "step": np.array(0, np.int64)})
st = {**p16, **{k + ".acc": np.zeros_like(v) for k, v in p16.items()},
      "step": np.array(0, np.int64), "accumulation_step": np.array(0, np.int64)}
o1 = run_named(acc2, os.path.join(out, "acc_1"), {"x": xs[:8], "labels": ls[:8], **st})
check(all(np.array_equal(o1[k], p16[k]) for k in p16) and int(o1["accumulation_step"]) == 1,
      "accumulate=2: the first micro-batch only accumulates")
st = {k: o1[k] for k in st}
o2 = run_named(acc2, os.path.join(out, "acc_2"), {"x": xs[8:], "labels": ls[8:], **st})
worst = max(float(np.max(np.abs(o2[k] - o_full[k]) / (1e-6 + 1e-4 * np.abs(o_full[k])))) for k in p16)
check(worst <= 1 and int(o2["accumulation_step"]) == 0 and int(o2["step"]) == 1 and
      all(np.all(o2[k + ".acc"] == 0) for k in p16),
      f"accumulate=2: the second applies the mean gradient, equal to one step on the whole batch "
      f"(worst error {worst:.3f} of the tolerance); sums and count reset")

# Dropout draws a new mask every step: mp.dropout_mask at step 0 is
# mp.dropout's mask for the same seed; steps 0, 1, 2 differ; each keeps about
# 1 - ratio. One SGD step at step 0 equals the gradient-only build (which
# keeps the Dropout) times lr; at step 1 it differs.
dd = os.path.join(out, "dropout")
os.makedirs(dd, exist_ok=True)
with open(os.path.join(dd, "mask.mlir"), "w") as f:
    f.write("""func.func @main(%s: tensor<i64> {mp.name = "step"}) -> (tensor<64x64xi1> {mp.name = "mask"}) {
  %m = mp.dropout_mask %s {ratio = 0.3 : f32, seed = 11 : i64} : (tensor<i64>) -> tensor<64x64xi1>
  return %m : tensor<64x64xi1>
}
""")
masks = [run_named(os.path.join(dd, "mask.mlir"), os.path.join(dd, f"s{k}"),
                   {"step": np.array(k, np.int64)})["mask"] for k in range(3)]
ones = h.make_model(h.make_graph(
    [h.make_node("Constant", [], ["r"], value=nh.from_array(np.array(0.3, np.float32), "r")),
     h.make_node("Constant", [], ["t"], value=nh.from_array(np.array(True), "t")),
     h.make_node("Dropout", ["x", "r", "t"], ["y"], seed=11)], "d",
    [h.make_tensor_value_info("x", T.FLOAT, [64, 64])], [h.make_tensor_value_info("y", T.FLOAT, [64, 64])]),
    opset_imports=[h.make_opsetid("", 17)])
ones.ir_version = 8
onnx.save(ones, os.path.join(dd, "ones.onnx"))
dmask = run_named(os.path.join(dd, "ones.onnx"), os.path.join(dd, "ones"),
                  {"x": np.ones((64, 64), np.float32)})["y"] != 0
fr = [float(m_.mean()) for m_ in masks]
sigma = np.sqrt(0.3 * 0.7 / 4096)
check(np.array_equal(masks[0], dmask) and not np.array_equal(masks[0], masks[1]) and
      not np.array_equal(masks[1], masks[2]) and all(abs(v - 0.7) < 4 * sigma for v in fr),
      f"dropout_mask: step 0 is mp.dropout's mask, steps 0/1/2 differ, kept {fr[0]:.3f}/{fr[1]:.3f}/"
      f"{fr[2]:.3f} (0.7 +- {4 * sigma:.3f})")

md, pd_ = mlp(16, 6, 10, 4, 9)
nodes = list(md.graph.node)
nodes[1].output[0] = "r0"
md.graph.node.insert(2, h.make_node("Dropout", ["r0", "dr", "dt"], ["r"], seed=5))
md.graph.node.insert(0, h.make_node("Constant", [], ["dr"], value=nh.from_array(np.array(0.5, np.float32), "dr")))
md.graph.node.insert(0, h.make_node("Constant", [], ["dt"], value=nh.from_array(np.array(True), "dt")))
d_sgd = build(md, "drop_sgd", "loss=cross-entropy optimizer=sgd lr=0.5")
d_grad = build(md, "drop_grad", "loss=cross-entropy")
g = run_named(d_grad, os.path.join(dd, "grad"), {"x": xs, "labels": ls, **pd_})
o0 = run_named(d_sgd, os.path.join(dd, "sgd0"), {"x": xs, "labels": ls, **pd_, "step": np.array(0, np.int64)})
o1 = run_named(d_sgd, os.path.join(dd, "sgd1"), {"x": xs, "labels": ls, **pd_, "step": np.array(1, np.int64)})
worst = max(float(np.max(np.abs(o0[k] - (pd_[k] - 0.5 * g[k + "_grad"])) /
                         (1e-6 + 1e-4 * np.abs(pd_[k])))) for k in pd_)
check(worst <= 1 and not np.allclose(o0["W1"], o1["W1"]),
      f"dropout in an SGD step: step 0 equals lr x the Dropout's gradient (worst error {worst:.3f} "
      f"of the tolerance); step 1 draws another mask")

# 2. Digits.
X, Y, tr, te = digits_split()
B = 64


def train_digits(name, model, xtr, xte, steps, opts):
    train = build(model, name, opts)
    data = os.path.join(out, name + ".npz")
    np.savez(data, x=xtr, labels=Y[tr])
    saved = os.path.join(out, name + ".trained.onnx")
    r = subprocess.run([mp_run, train, "--train", data, "--steps", str(steps), "--batch", str(B),
                        "--save", saved, "--seed", "1"], capture_output=True, text=True)
    if r.returncode != 0:
        check(False, f"{name}: mp-run --train failed: {r.stderr.strip()[-300:]}")
        return
    losses = [float(m) for m in re.findall(r"mean of the last \d+: ([0-9.]+)", r.stderr)]
    final = float(re.search(r"final loss: ([0-9.eE+-]+)", r.stdout).group(1))
    acc = heldout_accuracy(saved, xte, Y[te], B)
    print(f"{name}: first-interval mean loss {losses[0]:.4f}, last {losses[-1]:.4f}, "
          f"final loss {final:.4f}, held-out accuracy {acc:.4f}")
    check(losses[-1] < 0.5 * losses[0], f"{name}: the loss falls by more than half")
    check(acc >= 0.93, f"{name}: held-out accuracy {acc:.3f} >= 0.93 (ONNX Runtime on the saved model)")


model, _ = mlp(B, 64, 64, 10, 0)
train_digits("digits_mlp", model, X[tr], X[te], 600,
             "loss=cross-entropy optimizer=adamw lr=0.003")

r = np.random.default_rng(1)
cp = {"cw": (r.standard_normal((8, 1, 3, 3)) * np.sqrt(2 / 9)).astype(np.float32),
      "cb": np.zeros(8, np.float32),
      "fw": (r.standard_normal((8 * 6 * 6, 10)) * np.sqrt(1 / 288)).astype(np.float32),
      "fb": np.zeros(10, np.float32)}
cnn = h.make_model(h.make_graph(
    [h.make_node("Conv", ["x", "cw", "cb"], ["c"]), h.make_node("Relu", ["c"], ["r"]),
     h.make_node("Flatten", ["r"], ["f"]), h.make_node("Gemm", ["f", "fw", "fb"], ["logits"])],
    "cnn", [h.make_tensor_value_info("x", T.FLOAT, [B, 1, 8, 8])],
    [h.make_tensor_value_info("logits", T.FLOAT, [B, 10])],
    [nh.from_array(v, k) for k, v in cp.items()]), opset_imports=[h.make_opsetid("", 17)])
cnn.ir_version = 8
train_digits("digits_cnn", cnn, X[tr].reshape(-1, 1, 8, 8), X[te].reshape(-1, 1, 8, 8), 600,
             "loss=cross-entropy optimizer=adam lr=0.003")

print("train-check:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
