#!/usr/bin/env python3
"""Mixed-precision training on the GPU against the same training on the CPU.
(--device cuda-emulated runs the GPU pipeline's kernels as host loops.)

The digits MLP (64-64-10, AdamW, FP16 autocast, dynamic loss scaling, FP32
master weights) trains for 600 steps of batch 64 with the same seed on
`mp-run --device=cpu` and `--device=cuda`. Both saved models are evaluated
by ONNX Runtime on 360 held-out digits; the GPU's held-out accuracy must be
within 1% of the CPU's and its final loss within 10% (the runs differ only
in the order of FP32 accumulations), with no skipped steps beyond the CPU's.

Usage: gpu_train_check.py --mp-opt build/bin/mp-opt --mp-run build/bin/mp-run [--out DIR]
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np
import onnx

from train_models import digits_split, heldout_accuracy, mlp


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mp-opt", required=True)
    ap.add_argument("--mp-run", required=True)
    ap.add_argument("--out", default="build/gpu-train-check")
    ap.add_argument("--device", default="cuda", choices=["cuda", "cuda-emulated"],
                    help="cuda-emulated: the GPU pipeline's kernels as host loops (no GPU needed)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    m, _ = mlp(64, 64, 64, 10, 0)
    model = os.path.join(args.out, "mlp.onnx")
    onnx.save(m, model)
    step = os.path.join(args.out, "mlp.train.mlir")
    subprocess.run([args.mp_opt, model, "--mp-build-train-step=loss=cross-entropy optimizer=adamw lr=0.003",
                    "--mp-loss-scaling=mode=dynamic", "--mp-autocast=target=f16 keep-io-types=1",
                    "--mp-master-weights", "-o", step], check=True)
    x, y, tr, te = digits_split()
    data = os.path.join(args.out, "digits.npz")
    np.savez(data, x=x[tr], labels=y[tr])
    res = {}
    for dev in ("cpu", args.device):
        saved = os.path.join(args.out, f"trained.{dev}.onnx")
        run = subprocess.run([args.mp_run, step, f"--device={dev}", "--train", data, "--steps", "600",
                              "--batch", "64", "--save", saved], capture_output=True, text=True)
        sys.stderr.write(run.stderr)
        if run.returncode != 0:
            print(f"FAIL {dev}: mp-run exited {run.returncode}")
            return 1
        loss = float(re.search(r"final loss: ([0-9.eE+-]+)", run.stdout).group(1))
        skipped = int(re.search(r"mp-run: ([0-9]+) of 600 steps skipped", run.stderr).group(1))
        acc = heldout_accuracy(saved, x[te], y[te], 64)
        res[dev] = (loss, acc, skipped)
        print(f"{dev}: final loss {loss:.4f}, held-out accuracy {acc:.4f}, skipped steps {skipped}")
    (lc, ac, sc), (lg, ag, sg) = res["cpu"], res[args.device]
    ok = abs(ag - ac) <= 0.01 and abs(lg - lc) <= 0.1 * max(lc, 1e-3) + 1e-3 and sg <= sc
    print(f"gpu-train-check: {'PASS' if ok else 'FAIL'} (accuracy {ag:.4f} vs {ac:.4f}, "
          f"loss {lg:.4f} vs {lc:.4f})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
