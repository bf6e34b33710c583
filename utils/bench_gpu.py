#!/usr/bin/env python3
"""GPU benchmarks: mixprec (mp-opt --mp-autocast, mp-run --device=cuda)
against PyTorch eager FP32 and PyTorch AMP (torch.autocast FP16, GradScaler
for training) on the same models, side by side in one run.

Models (PyTorch modules, exported once to ONNX for mixprec):
  - gemm:    one 8192x8192x8192 FP16 MatMul (mixprec's GEMM is a cuBLASLt
             call; the target is >= 80% of cuBLAS's own rate);
  - bert:    a BERT-base-sized encoder (12 layers, hidden 768, 12 heads,
             FFN 3072), batch 8 x 128 tokens, inference;
  - resnet:  a ResNet-50-sized CNN (bottlenecks 3-4-6-3), batch 8 x 3 x 224 x 224,
             inference;
  - mlp-train:         an MLP (1024-4096-4096-1000) training step, batch 256;
  - transformer-train: a 4-layer encoder (hidden 512) classifier training
                       step, batch 32 x 128 tokens.
Inference rows give the best device time of --repeat runs (CUDA events),
peak device memory and achieved TFLOP/s (FLOPs from mp-opt's autocast
summary) against the chip's dense FP16 tensor peak. Training rows give
samples/s over --train-steps steps after warm-up.

Usage: bench_gpu.py --mp-opt build/bin/mp-opt --mp-run build/bin/mp-run
                    [--out build/bench-gpu] [--markdown FILE] [--repeat 20]
                    [--only gemm,bert,...] [--peak-tflops 989]
Needs a CUDA GPU and PyTorch with CUDA (numpy too); mixprec needs no
onnx/onnxruntime here (the ONNX files come from torch.onnx.export).
"""
import argparse
import os
import re
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------- models

class Encoder(nn.Module):
    """Post-norm transformer encoder with explicit attention (ONNX-friendly)."""

    def __init__(self, layers, d, heads, ffn, classes=0):
        super().__init__()
        self.heads = heads
        self.blocks = nn.ModuleList()
        for _ in range(layers):
            self.blocks.append(nn.ModuleDict({
                "qkv": nn.Linear(d, 3 * d), "proj": nn.Linear(d, d), "ln1": nn.LayerNorm(d),
                "ff1": nn.Linear(d, ffn), "ff2": nn.Linear(ffn, d), "ln2": nn.LayerNorm(d)}))
        self.head = nn.Linear(d, classes) if classes else None

    def forward(self, x):
        b, t, d = x.shape
        h = self.heads
        for blk in self.blocks:
            q, k, v = blk["qkv"](x).reshape(b, t, 3, h, d // h).permute(2, 0, 3, 1, 4)
            a = torch.softmax(q @ k.transpose(-1, -2) * (d // h) ** -0.5, dim=-1) @ v
            x = blk["ln1"](x + blk["proj"](a.transpose(1, 2).reshape(b, t, d)))
            x = blk["ln2"](x + blk["ff2"](F.gelu(blk["ff1"](x))))
        return self.head(x.mean(dim=1)) if self.head is not None else x


class Bottleneck(nn.Module):
    def __init__(self, cin, mid, stride):
        super().__init__()
        cout = mid * 4
        self.c1, self.b1 = nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid)
        self.c2, self.b2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False), nn.BatchNorm2d(mid)
        self.c3, self.b3 = nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = F.relu(self.b2(self.c2(y)))
        y = self.b3(self.c3(y))
        return F.relu(y + (self.down(x) if self.down is not None else x))


class ResNet50(nn.Module):
    def __init__(self, classes=1000):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        layers, cin = [], 64
        for mid, n, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            for i in range(n):
                layers.append(Bottleneck(cin, mid, stride if i == 0 else 1))
                cin = mid * 4
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(2048, classes)

    def forward(self, x):
        return self.fc(self.layers(self.stem(x)).mean(dim=(2, 3)))


class MatMul(nn.Module):
    def forward(self, a, b):
        return a @ b


def mlp():
    return nn.Sequential(nn.Linear(1024, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(),
                         nn.Linear(4096, 1000))


# ---------------------------------------------------------------- helpers

def cuda_time(fn, repeat, warmup=3):
    """Best time of `repeat` calls (ms, CUDA events) and peak memory (bytes)."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    best = float("inf")
    for _ in range(repeat):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        torch.cuda.synchronize()
        best = min(best, s.elapsed_time(e))
    return best, torch.cuda.max_memory_allocated()


def export(model, args, names, path):
    model = model.eval().cpu()
    with torch.no_grad():
        torch.onnx.export(model, tuple(a.cpu() for a in args), path, input_names=names,
                          output_names=["y"], opset_version=17, dynamo=False)


def flops_of(mp_opt, onnx_path):
    """Total FLOPs from mp-opt's autocast summary line."""
    r = subprocess.run([mp_opt, onnx_path, "--mp-autocast=target=f16 keep-io-types=1", "--emit=none"],
                       capture_output=True, text=True)
    m = re.search(r"of ([0-9.e+]+) FLOPs", r.stderr)
    return float(m.group(1)) if m else float("nan")


def mixprec_infer(args, name, onnx_path, inputs):
    d = os.path.join(args.out, name)
    os.makedirs(d, exist_ok=True)
    mlir = os.path.join(d, "model.f16.mlir")
    subprocess.run([args.mp_opt, onnx_path, "--mp-autocast=target=f16 keep-io-types=1", "-o", mlir],
                   check=True, capture_output=True)
    cmd = [args.mp_run, mlir, "--device=cuda", f"--repeat={args.repeat}"]
    for k, v in inputs.items():
        p = os.path.join(d, f"{k}.npy")
        np.save(p, v)
        cmd.append(f"--input={k}={p}")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, None, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "failed"
    m = re.search(r"device time ([0-9.]+) ms.*peak device memory ([0-9]+) bytes", r.stderr)
    return float(m.group(1)), int(m.group(2)), ""


def mixprec_train(args, name, onnx_path, data, steps, batch):
    d = os.path.join(args.out, name)
    os.makedirs(d, exist_ok=True)
    step = os.path.join(d, "train.mlir")
    subprocess.run([args.mp_opt, onnx_path,
                    "--mp-build-train-step=loss=cross-entropy optimizer=adamw lr=1e-4",
                    "--mp-loss-scaling=mode=dynamic", "--mp-autocast=target=f16 keep-io-types=1",
                    "--mp-master-weights", "-o", step], check=True, capture_output=True)
    npz = os.path.join(d, "data.npz")
    np.savez(npz, **data)
    r = subprocess.run([args.mp_run, step, "--device=cuda", "--train", npz, f"--steps={steps}",
                        f"--batch={batch}", f"--log-every={steps}"], capture_output=True, text=True)
    if r.returncode != 0:
        return None, None, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "failed"
    m = re.findall(r"([0-9.]+) samples/s", r.stderr)
    mem = re.search(r"peak device memory ([0-9]+) bytes", r.stderr)
    return float(m[-1]), int(mem.group(1)) if mem else None, ""


def torch_train(model, x, y, steps, amp):
    model = model.cuda().train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    scaler = torch.amp.GradScaler("cuda", enabled=amp)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
            loss = F.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    for _ in range(3):
        step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    return steps * x.shape[0] / (time.perf_counter() - t0), torch.cuda.max_memory_allocated()


# ------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mp-opt", required=True)
    ap.add_argument("--mp-run", required=True)
    ap.add_argument("--out", default="build/bench-gpu")
    ap.add_argument("--markdown")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--train-steps", type=int, default=50)
    ap.add_argument("--only", default="", help="comma-separated: gemm,bert,resnet,mlp-train,transformer-train")
    ap.add_argument("--peak-tflops", type=float, default=989.0,
                    help="the chip's dense FP16 tensor-core peak (H200 SXM: 989)")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("bench_gpu: PyTorch sees no CUDA device")
    os.makedirs(args.out, exist_ok=True)
    only = {s for s in args.only.split(",") if s}
    sel = lambda n: not only or n in only  # noqa: E731
    torch.manual_seed(0)
    gpu = torch.cuda.get_device_name()
    rows, train_rows = [], []

    def infer(name, model, inputs):
        names = list(inputs)
        tens = [torch.from_numpy(inputs[k]) for k in names]
        path = os.path.join(args.out, f"{name}.onnx")
        export(model, tens, names, path)
        flops = flops_of(args.mp_opt, path)
        model = model.cuda().eval()
        cuda_in = [t.cuda() for t in tens]
        with torch.no_grad():
            t32, m32 = cuda_time(lambda: model(*cuda_in), args.repeat)
            with torch.autocast("cuda", dtype=torch.float16):
                tamp, mamp = cuda_time(lambda: model(*cuda_in), args.repeat)
        del model, cuda_in
        torch.cuda.empty_cache()
        tmp, mmp, why = mixprec_infer(args, name, path, inputs)
        for label, t, mem in [("PyTorch eager FP32", t32, m32), ("PyTorch AMP (FP16)", tamp, mamp),
                              ("mixprec (FP16 autocast)", tmp, mmp)]:
            rows.append((name, label, t, mem, flops / (t * 1e-3) / 1e12 if t else None, why))
        print(f"{name}: fp32 {t32:.3f} ms, amp {tamp:.3f} ms, mixprec "
              f"{'%.3f ms' % tmp if tmp else 'FAILED ' + why}", flush=True)

    if sel("gemm"):
        a = np.random.default_rng(0).standard_normal((8192, 8192)).astype(np.float16)
        b = np.random.default_rng(1).standard_normal((8192, 8192)).astype(np.float16)
        infer("gemm", MatMul(), {"a": a, "b": b})
    if sel("bert"):
        infer("bert", Encoder(12, 768, 12, 3072),
              {"x": np.random.default_rng(0).standard_normal((8, 128, 768)).astype(np.float32)})
    if sel("resnet"):
        infer("resnet", ResNet50(),
              {"x": np.random.default_rng(0).standard_normal((8, 3, 224, 224)).astype(np.float32)})

    def train(name, make, x, classes):
        y = np.random.default_rng(1).integers(0, classes, x.shape[0]).astype(np.int64)
        path = os.path.join(args.out, f"{name}.onnx")
        export(make(), [torch.from_numpy(x)], ["x"], path)
        xt, yt = torch.from_numpy(x).cuda(), torch.from_numpy(y).cuda()
        torch.manual_seed(0)
        s32, m32 = torch_train(make(), xt, yt, args.train_steps, amp=False)
        torch.manual_seed(0)
        samp, mamp = torch_train(make(), xt, yt, args.train_steps, amp=True)
        torch.cuda.empty_cache()
        # mixprec trains on the same batch repeated (the throughput is per step).
        reps = 4
        smp, mmp, why = mixprec_train(args, name, path, {"x": np.concatenate([x] * reps),
                                                    "labels": np.concatenate([y] * reps)},
                                 args.train_steps, x.shape[0])
        for label, s, mem in [("PyTorch eager FP32", s32, m32), ("PyTorch AMP + GradScaler", samp, mamp),
                              ("mixprec (FP16, dynamic scaling, FP32 masters)", smp, mmp)]:
            train_rows.append((name, label, s, mem, why if s is None else ""))
        print(f"{name}: fp32 {s32:.0f}/s, amp {samp:.0f}/s, mixprec "
              f"{'%.0f/s' % smp if smp else 'FAILED ' + why}", flush=True)

    if sel("mlp-train"):
        train("mlp-train", mlp, np.random.default_rng(0).standard_normal((256, 1024)).astype(np.float32), 1000)
    if sel("transformer-train"):
        train("transformer-train", lambda: Encoder(4, 512, 8, 2048, classes=10),
              np.random.default_rng(0).standard_normal((32, 128, 512)).astype(np.float32), 10)

    lines = [f"GPU: {gpu}; PyTorch {torch.__version__}; {time.strftime('%Y-%m-%d')}", "",
             "| model | runner | best time (ms) | peak memory (MiB) | TFLOP/s | % of FP16 peak |",
             "|---|---|---|---|---|---|"]
    for name, label, t, mem, tf, why in rows:
        if t is None:
            lines.append(f"| {name} | {label} | failed: {why} | | | |")
        else:
            lines.append(f"| {name} | {label} | {t:.3f} | {mem / 2**20:.0f} | {tf:.1f} | "
                         f"{100 * tf / args.peak_tflops:.1f} |")
    if train_rows:
        lines += ["", "| training step | runner | samples/s | peak memory (MiB) |", "|---|---|---|---|"]
        for name, label, s, mem, why in train_rows:
            if s is None:
                lines.append(f"| {name} | {label} | failed: {why} | |")
            else:
                lines.append(f"| {name} | {label} | {s:.0f} | {'%.0f' % (mem / 2**20) if mem else '-'} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)


if __name__ == "__main__":
    main()
