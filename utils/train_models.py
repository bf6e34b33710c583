"""Models, data and helpers shared by the training checks.

Used by test/Training/Inputs/{train,mixed}_check.py, utils/gpu_train_check.py
and python/tests (the digits MLP, the digits split, held-out accuracy by ONNX
Runtime, and one mp-run call with named inputs and outputs).
"""
import os
import subprocess

import numpy as np
import onnxruntime as ort
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh


def mlp(batch, nin, hidden, nout, seed):
    """x[batch, nin] -> Gemm -> Relu -> Gemm(transB) -> logits[batch, nout],
    He-initialised; returns (ModelProto, {initializer name: array})."""
    r = np.random.default_rng(seed)
    p = {"W1": (r.standard_normal((nin, hidden)) * np.sqrt(2 / nin)).astype(np.float32),
         "b1": np.zeros(hidden, np.float32),
         "W2": (r.standard_normal((nout, hidden)) * np.sqrt(1 / hidden)).astype(np.float32),
         "b2": np.zeros(nout, np.float32)}
    g = h.make_graph(
        [h.make_node("Gemm", ["x", "W1", "b1"], ["h"], name="fc1"),
         h.make_node("Relu", ["h"], ["r"], name="relu"),
         h.make_node("Gemm", ["r", "W2", "b2"], ["logits"], name="fc2", transB=1)], "mlp",
        [h.make_tensor_value_info("x", T.FLOAT, [batch, nin])],
        [h.make_tensor_value_info("logits", T.FLOAT, [batch, nout])],
        [nh.from_array(v, k) for k, v in p.items()])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
    m.ir_version = 8
    return m, p


def digits_split():
    """scikit-learn's digits scaled to [0, 1]: (x, y, train indices, 360
    held-out indices), from a fixed permutation."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    perm = np.random.default_rng(0).permutation(len(x))
    return x, y, perm[:1437], perm[1437:]


def heldout_accuracy(model, x, y, batch):
    """Accuracy of ONNX Runtime running `model` (path or bytes, one input of
    a fixed batch) over the full batches of x; y holds the labels."""
    s = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    preds = [s.run(None, {name: x[i:i + batch]})[0].argmax(1)
             for i in range(0, len(x) - batch + 1, batch)]
    return float((np.concatenate(preds) == y[:len(preds) * batch]).mean())


def run_outputs(mp_run, module, d, feeds):
    """Runs `mp-run module` with each feed as a named .npy input (under
    d/inputs) and returns {output name: array} (written to d/outputs)."""
    ins, outs = os.path.join(d, "inputs"), os.path.join(d, "outputs")
    os.makedirs(ins, exist_ok=True)
    args = []
    for k, v in feeds.items():
        f = os.path.join(ins, k + ".npy")
        np.save(f, v)
        args.append(f"--input={k}={f}")
    subprocess.run([mp_run, module, "--output-dir", outs] + args, check=True, capture_output=True)
    return {f[:-4]: np.load(os.path.join(outs, f)) for f in os.listdir(outs)}
