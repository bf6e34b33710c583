"""Mixed-precision training checks (mp-build-train-step, mp-autocast,
mp-loss-scaling, mp-master-weights, mp-run --train).

1. An injected non-finite gradient skips the step, halves the loss scale,
   leaves the FP32 masters, the moments and the FP16 copies untouched, and
   the next finite step updates again.
2. Underflow: a regression whose gradients are below FP16's smallest
   subnormal does not train in FP16 without loss scaling (the weights never
   move) and does train with dynamic scaling, like FP32.
3. Convergence on scikit-learn's digits, FP32 against mixed precision (FP16
   autocast, dynamic loss scaling, FP32 master weights), same seed and
   steps: held-out accuracy (ONNX Runtime on the saved FP32 model) within 1
   point.
4. Memory of one training step, FP32 against mixed: bytes of weights,
   gradients, optimizer state and intermediate tensors, from the step's
   types.

Usage: mixed_check.py MP_OPT MP_RUN OUTDIR [--markdown FILE]
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
markdown = sys.argv[sys.argv.index("--markdown") + 1] if "--markdown" in sys.argv else None
os.makedirs(out, exist_ok=True)
ok = True
MIXED = ["--mp-loss-scaling=mode=dynamic", "--mp-autocast=target=f16 keep-io-types=1 summary=0",
         "--mp-master-weights"]


def check(cond, what):
    global ok
    print(("PASS " if cond else "FAIL ") + what)
    ok &= bool(cond)


def save(model, name):
    path = os.path.join(out, name + ".onnx")
    onnx.save(model, path)
    return path


def build(path, name, step_opts, mixed):
    train = os.path.join(out, name + ".train.mlir")
    cmd = [mp_opt, path, f"--mp-build-train-step={step_opts}"] + (MIXED if mixed else []) + ["-o", train]
    subprocess.run(cmd, check=True)
    return train


def run_step(train, d, feeds):
    """One step; returns the outputs that are inputs too (the state)."""
    return {k: v for k, v in run_outputs(mp_run, train, d, feeds).items() if k in feeds}


# 1. Injected inf.
model, params = mlp(16, 6, 10, 4, 7)
path = save(model, "inject")
train = build(path, "inject", "loss=cross-entropy optimizer=adam lr=0.01", True)
state = dict(params)
for k, v in params.items():
    state[k + ".m"] = np.zeros_like(v)
for k, v in params.items():
    state[k + ".v"] = np.zeros_like(v)
for k, v in params.items():
    state[k + ".low"] = v.astype(np.float16)
state.update({"step": np.array(0, np.int64), "loss_scale": np.array(65536, np.float32),
              "loss_scale_good_steps": np.array(5, np.int64)})
r = np.random.default_rng(0)
x = r.standard_normal((16, 6)).astype(np.float32)
lab = r.integers(0, 4, 16)
bad = x.copy()
bad[3, 2] = np.inf
o1 = run_step(train, os.path.join(out, "inject1"), {"x": bad, "labels": lab, **state})
untouched = all(np.array_equal(o1[k], state[k]) for k in state
                if k not in ("step", "loss_scale", "loss_scale_good_steps"))
check(untouched, "non-finite gradient: masters, moments and FP16 copies untouched")
check(float(o1["loss_scale"]) == 32768.0 and int(o1["loss_scale_good_steps"]) == 0,
      f"non-finite gradient: loss scale 65536 -> {float(o1['loss_scale']):g}, good-step count reset")
state2 = {k: o1[k] for k in state}
o2 = run_step(train, os.path.join(out, "inject2"), {"x": x, "labels": lab, **state2})
moved = all(not np.array_equal(o2[k], state2[k]) for k in params)
check(moved and float(o2["loss_scale"]) == 32768.0 and int(o2["loss_scale_good_steps"]) == 1,
      "next finite step: every parameter updates, scale kept, good-step count 1")
check(all(np.array_equal(o2[k + ".low"], o2[k].astype(np.float16)) for k in params),
      "the fused update writes the FP16 copy of the new master")

# The issue's pass order (autocast, master weights, then loss scaling, and
# no keep-io-types) builds the same step: same skip on the bad batch, same
# results on the good one.
issue_train = os.path.join(out, "inject.issue-order.train.mlir")
subprocess.run([mp_opt, path, "--mp-build-train-step=loss=cross-entropy optimizer=adam lr=0.01",
                "--mp-autocast=target=f16 summary=0", "--mp-master-weights",
                "--mp-loss-scaling=mode=dynamic", "-o", issue_train], check=True)
i1 = run_step(issue_train, os.path.join(out, "issue1"), {"x": bad, "labels": lab, **state})
i2 = run_step(issue_train, os.path.join(out, "issue2"), {"x": x, "labels": lab, **state2})
same = all(np.array_equal(i1[k], o1[k]) for k in o1) and \
    all(np.allclose(i2[k], o2[k], rtol=1e-6, atol=0) for k in o2)
check(same, "the issue's pass order (autocast, master weights, loss scaling) gives the same "
      "skip and the same step")

# 2. Underflow. y = c (x W) with c = 1e-4 and targets of that size: the
# gradient reaching the FP16 MatMul, c * dL/dy, is about 1e-9, below FP16's
# smallest subnormal (6e-8), while the weights are of order 1. SGD on this
# linear least-squares problem converges in FP32; in FP16 it trains only if
# the gradient is representable, i.e. with loss scaling.
r = np.random.default_rng(1)
B, N = 32, 4096
X = r.standard_normal((N, 16)).astype(np.float32)
wt = r.standard_normal((16, 1)).astype(np.float32)
c = 1e-4
Yt = (c * (X @ wt)).astype(np.float32)
reg = h.make_model(h.make_graph(
    [h.make_node("MatMul", ["x", "w"], ["xw"]),
     h.make_node("Constant", [], ["c"], value=nh.from_array(np.array(c, np.float32), "c")),
     h.make_node("Mul", ["xw", "c"], ["y"])], "reg", [h.make_tensor_value_info("x", T.FLOAT, [B, 16])],
    [h.make_tensor_value_info("y", T.FLOAT, [B, 1])],
    [nh.from_array(np.zeros((16, 1), np.float32), "w")]), opset_imports=[h.make_opsetid("", 17)])
reg.ir_version = 8
rpath = save(reg, "underflow")
data = os.path.join(out, "underflow.npz")
np.savez(data, x=X, labels=Yt)
results = {}
for tag, extra in [("fp32", []), ("fp16_no_scaling", ["--mp-autocast=target=f16 keep-io-types=1 summary=0"]),
                   ("fp16_dynamic_scaling", ["--mp-loss-scaling=mode=dynamic growth-interval=20"] + MIXED[1:])]:
    t = os.path.join(out, f"underflow.{tag}.mlir")
    subprocess.run([mp_opt, rpath, "--mp-build-train-step=loss=mse optimizer=sgd lr=2e7"] + extra
                   + ["-o", t], check=True)
    saved = os.path.join(out, f"underflow.{tag}.onnx")
    p = subprocess.run([mp_run, t, "--train", data, "--steps", "200", "--save", saved],
                       capture_output=True, text=True, check=True)
    w = nh.to_array([i for i in onnx.load(saved).graph.initializer if i.name == "w"][0])
    results[tag] = (float(re.search(r"final loss: (\S+)", p.stdout).group(1)),
                    float(np.abs(w - wt).max() / np.abs(wt).max()))
    print(f"underflow {tag}: final loss {results[tag][0]:.3e}, relative weight error {results[tag][1]:.3f}")
check(results["fp16_no_scaling"][1] == 1.0,
      "FP16 without loss scaling: gradients underflow to 0, the weights never move")
check(results["fp16_dynamic_scaling"][1] < 0.2 and results["fp32"][1] < 0.2,
      "FP16 with dynamic loss scaling trains like FP32")

# 3. Digits, FP32 against mixed; 4. memory.
Xd, Yd, tr, te = digits_split()
B = 64


def accuracy(saved, xte):
    return heldout_accuracy(saved, xte, Yd[te], B)


def memory(train):
    """Bytes by role, from the training step's types."""
    text = open(train).read()
    main = text[text.index("func.func @main"):]
    main = main[:main.index("\n  func.func")] if "\n  func.func" in main else main
    sig = main[:main.index("{\n")]
    size = {"f32": 4, "f16": 2, "bf16": 2, "i64": 8, "i1": 1, "f64": 8}

    def nbytes(t):
        m = re.match(r"tensor<((?:\d+x)*)(\w+)>", t)
        dims = [int(d) for d in m.group(1).split("x") if d]
        return int(np.prod(dims)) * size.get(m.group(2), 4)
    args = re.findall(r"%arg\d+: (tensor<[^>]+>) \{mp.name = \"([^\"]+)\"\}", sig)
    roles = {"weights": 0, "optimizer state": 0}
    for t, n in args:
        if n.endswith(".m") or n.endswith(".v"):
            roles["optimizer state"] += nbytes(t)
        elif n.endswith(".low") or n in params_names:
            roles["weights"] += nbytes(t)
    grads = 0
    for line in main.splitlines():
        if "mp.optimizer_update" in line:
            types = re.search(r": \(([^)]*)\) ->", line).group(1).split(", ")
            grads += nbytes(types[1])
    inter = 0
    for line in main.splitlines():
        m = re.match(r"\s+%\w+(?::\d+)? = mp\.(?!constant|optimizer_update)\w+ .* -> (.*)$", line)
        if m:
            for t in re.findall(r"tensor<[^>]+>", m.group(1)):
                inter += nbytes(t)
    roles["gradients"] = grads
    roles["intermediate tensors"] = inter
    return roles


rows = []
mem = {}
for name, make, xtr, xte, opt in [
        ("MLP 64-64-10", lambda: mlp(B, 64, 64, 10, 0)[0], Xd[tr], Xd[te], "adamw lr=0.003"),
        ("CNN conv3x3x8-fc", None, Xd[tr].reshape(-1, 1, 8, 8), Xd[te].reshape(-1, 1, 8, 8), "adam lr=0.003")]:
    if make is None:
        r = np.random.default_rng(1)
        cp = {"cw": (r.standard_normal((8, 1, 3, 3)) * np.sqrt(2 / 9)).astype(np.float32),
              "cb": np.zeros(8, np.float32),
              "fw": (r.standard_normal((8 * 6 * 6, 10)) * np.sqrt(1 / 288)).astype(np.float32),
              "fb": np.zeros(10, np.float32)}
        model = h.make_model(h.make_graph(
            [h.make_node("Conv", ["x", "cw", "cb"], ["c"]), h.make_node("Relu", ["c"], ["r"]),
             h.make_node("Flatten", ["r"], ["f"]), h.make_node("Gemm", ["f", "fw", "fb"], ["logits"])],
            "cnn", [h.make_tensor_value_info("x", T.FLOAT, [B, 1, 8, 8])],
            [h.make_tensor_value_info("logits", T.FLOAT, [B, 10])],
            [nh.from_array(v, k) for k, v in cp.items()]), opset_imports=[h.make_opsetid("", 17)])
        model.ir_version = 8
        params_names = set(cp)
    else:
        model = make()
        params_names = {"W1", "b1", "W2", "b2"}
    tag = name.split()[0].lower()
    mpath = save(model, f"digits_{tag}")
    data = os.path.join(out, f"digits_{tag}.npz")
    np.savez(data, x=xtr, labels=Yd[tr])
    accs = {}
    for mode in ["fp32", "mixed"]:
        train = build(mpath, f"digits_{tag}_{mode}", f"loss=cross-entropy optimizer={opt}", mode == "mixed")
        saved = os.path.join(out, f"digits_{tag}_{mode}.trained.onnx")
        p = subprocess.run([mp_run, train, "--train", data, "--steps", "600", "--seed", "1", "--save", saved],
                           capture_output=True, text=True)
        if p.returncode != 0:
            check(False, f"{name} {mode}: {p.stderr.strip()[-300:]}")
            continue
        loss = float(re.search(r"final loss: (\S+)", p.stdout).group(1))
        skipped = re.search(r"(\d+) of \d+ steps skipped", p.stderr)
        acc = accuracy(saved, xte)
        accs[mode] = acc
        mem[(name, mode)] = memory(train)
        rows.append((name, mode, loss, acc, skipped.group(1) if skipped else "-"))
        print(f"{name} {mode}: final loss {loss:.4f}, held-out accuracy {acc:.4f}, skipped steps "
              f"{skipped.group(1) if skipped else '-'}")
    if len(accs) == 2:
        check(abs(accs["fp32"] - accs["mixed"]) <= 0.01 and accs["mixed"] >= 0.93,
              f"{name}: mixed precision {accs['mixed']:.4f} within 1 point of FP32 {accs['fp32']:.4f}")

# LSTM on a generated sequence task: x is a sequence of 9 steps of +-1 (with
# noise); the class says whether the sum is <= -3, in [-1, 1], or >= 3. The
# model takes batch-major [B, T, 1] (mp-run batches along dim 0) and
# transposes to the LSTM's time-major layout. For differentiation the LSTM
# is unrolled into its time steps; the saved model keeps the LSTM node,
# which ONNX Runtime runs.
r = np.random.default_rng(5)
T_, B = 9, 64
def seqs(n):
    s_ = r.choice([-1.0, 1.0], (n, T_))
    tot = s_.sum(1)
    lab = np.where(tot <= -3, 0, np.where(tot >= 3, 2, 1)).astype(np.int64)
    x = (s_ + r.standard_normal((n, T_)) * 0.1).astype(np.float32)
    return x[:, :, None].copy(), lab
xs_tr, ys_tr = seqs(4096)
xs_te, ys_te = seqs(1024)
Hd = 16
lp = {"W": (r.standard_normal((1, 4 * Hd, 1)) * 0.5).astype(np.float32),
      "R": (r.standard_normal((1, 4 * Hd, Hd)) * 0.25).astype(np.float32),
      "B": np.zeros((1, 8 * Hd), np.float32),
      "fw": (r.standard_normal((3, Hd)) * 0.25).astype(np.float32), "fb": np.zeros(3, np.float32)}
lstm = h.make_model(h.make_graph(
    [h.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
     h.make_node("LSTM", ["xt", "W", "R", "B"], ["", "Y_h"], hidden_size=Hd),
     h.make_node("Constant", [], ["shp"], value=nh.from_array(np.array([B, Hd], np.int64), "shp")),
     h.make_node("Reshape", ["Y_h", "shp"], ["hT"]),
     h.make_node("Gemm", ["hT", "fw", "fb"], ["logits"], transB=1)], "lstm",
    [h.make_tensor_value_info("x", T.FLOAT, [B, T_, 1])], [h.make_tensor_value_info("logits", T.FLOAT, [B, 3])],
    [nh.from_array(v, k) for k, v in lp.items()]), opset_imports=[h.make_opsetid("", 17)])
lstm.ir_version = 8
lpath = save(lstm, "seq_lstm")
ldata = os.path.join(out, "seq_lstm.npz")
np.savez(ldata, x=xs_tr, labels=ys_tr)
laccs = {}
for mode in ["fp32", "mixed"]:
    train = build(lpath, f"seq_lstm_{mode}", "loss=cross-entropy optimizer=adam lr=0.01", mode == "mixed")
    saved = os.path.join(out, f"seq_lstm_{mode}.trained.onnx")
    p = subprocess.run([mp_run, train, "--train", ldata, "--steps", "400", "--seed", "1", "--save", saved],
                       capture_output=True, text=True)
    if p.returncode != 0:
        check(False, f"LSTM {mode}: {p.stderr.strip()[-300:]}")
        continue
    loss = float(re.search(r"final loss: (\S+)", p.stdout).group(1))
    skipped = re.search(r"(\d+) of \d+ steps skipped", p.stderr)
    acc = heldout_accuracy(saved, xs_te, ys_te, B)
    laccs[mode] = acc
    params_names = set(lp)
    mem[("LSTM 16 (9 steps)", mode)] = memory(train)
    rows.append(("LSTM 16 (9 steps)", mode, loss, acc, skipped.group(1) if skipped else "-"))
    print(f"LSTM {mode}: final loss {loss:.4f}, held-out accuracy {acc:.4f}")
if len(laccs) == 2:
    check(abs(laccs["fp32"] - laccs["mixed"]) <= 0.01 and laccs["mixed"] >= 0.9,
          f"LSTM: mixed precision {laccs['mixed']:.4f} within 1 point of FP32 {laccs['fp32']:.4f}")

if markdown:
    with open(markdown, "w") as f:
        f.write("| model | training | final loss | held-out accuracy | skipped steps |\n|---|---|---|---|---|\n")
        for n, mode, loss, acc, sk in rows:
            f.write(f"| {n} | {mode} | {loss:.4f} | {acc:.4f} | {sk} |\n")
        f.write("\n| model | training | weights | gradients | optimizer state | intermediate tensors |\n"
                "|---|---|---|---|---|---|\n")
        for (n, mode), m in mem.items():
            f.write(f"| {n} | {mode} | {m['weights']} | {m['gradients']} | {m['optimizer state']} | "
                    f"{m['intermediate tensors']} |\n")
        f.write("\n| underflow regression | final loss | max relative weight error |\n|---|---|---|\n")
        for tag, (loss, err) in results.items():
            f.write(f"| {tag} | {loss:.3e} | {err:.3f} |\n")
print("mixed-check:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
