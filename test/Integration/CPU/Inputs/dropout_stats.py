"""Training-mode Dropout in mp-run, checked statistically (the mask comes
from a hash, so no runtime reproduces it element for element):

- the kept fraction is 1 - ratio within 5 standard deviations;
- kept elements are x / (1 - ratio), dropped ones are 0, and the mask says
  which is which;
- the same seed gives the same mask, another seed another one;
- a false training flag, or ratio 0, gives the input back.

Usage: dropout_stats.py MP_RUN OUTDIR
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h

mp_run, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
shape = (200, 500)
x = np.random.default_rng(0).uniform(0.5, 2.0, shape).astype(np.float32)


def run(seed, ratio, training):
    g = h.make_graph(
        [h.make_node("Dropout", ["x", "r", "t"], ["y", "m"], seed=seed)], "g",
        [h.make_tensor_value_info("x", T.FLOAT, shape), h.make_tensor_value_info("r", T.FLOAT, []),
         h.make_tensor_value_info("t", T.BOOL, [])],
        [h.make_tensor_value_info("y", T.FLOAT, shape), h.make_tensor_value_info("m", T.BOOL, shape)])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
    m.ir_version = 8
    d = os.path.join(out, f"s{seed}_r{ratio}_t{int(training)}")
    os.makedirs(d, exist_ok=True)
    onnx.save(m, os.path.join(d, "m.onnx"))
    np.save(os.path.join(d, "x.npy"), x)
    np.save(os.path.join(d, "r.npy"), np.array(ratio, np.float32))
    np.save(os.path.join(d, "t.npy"), np.array(training))
    subprocess.run([mp_run, os.path.join(d, "m.onnx"), "--input", os.path.join(d, "x.npy"),
                    "--input", os.path.join(d, "r.npy"), "--input", os.path.join(d, "t.npy"),
                    "--output-dir", d], check=True, capture_output=True)
    return np.load(os.path.join(d, "y.npy")), np.load(os.path.join(d, "m.npy"))


ok = True


def check(cond, what):
    global ok
    print(("PASS " if cond else "FAIL ") + what)
    ok &= bool(cond)


n = x.size
for ratio in (0.1, 0.3, 0.5, 0.9):
    y, m = run(7, ratio, True)
    kept = m.mean()
    sd = np.sqrt(ratio * (1 - ratio) / n)
    check(abs(kept - (1 - ratio)) < 5 * sd, f"ratio {ratio}: kept fraction {kept:.4f} vs {1 - ratio}")
    check(np.allclose(y[m], x[m] / (1 - ratio), rtol=1e-6) and np.all(y[~m] == 0),
          f"ratio {ratio}: kept elements scaled by 1/(1-ratio), dropped ones 0")
y1, m1 = run(7, 0.5, True)
y2, m2 = run(7, 0.5, True)
y3, m3 = run(8, 0.5, True)
check(np.array_equal(m1, m2), "same seed, same mask")
check((m1 != m3).mean() > 0.4, f"another seed, another mask ({(m1 != m3).mean():.3f} differ)")
# Neighbouring elements are not correlated (a weak hash would show it).
agree = (m1[:, 1:] == m1[:, :-1]).mean()
check(abs(agree - 0.5) < 0.02, f"neighbouring mask bits agree {agree:.3f} of the time (0.5 expected)")
y, m = run(7, 0.5, False)
check(np.array_equal(y, x) and m.all(), "training false: identity, mask all true")
y, m = run(7, 0.0, True)
check(np.array_equal(y, x) and m.all(), "ratio 0: identity, mask all true")
print("dropout-stats:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
