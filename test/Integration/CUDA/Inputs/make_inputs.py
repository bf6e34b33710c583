"""Random f16 inputs for Inputs/mlp_softmax.mlir: make_inputs.py OUTDIR"""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
r = np.random.default_rng(0)
np.save(os.path.join(out, "x.npy"), r.standard_normal((64, 128)).astype(np.float16))
np.save(os.path.join(out, "w.npy"), (r.standard_normal((128, 256)) * 0.1).astype(np.float16))
np.save(os.path.join(out, "b.npy"), r.standard_normal(256).astype(np.float16))
