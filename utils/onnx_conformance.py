#!/usr/bin/env python3
"""ONNX conformance through mixprec's importer and exporter.

For every model under Debian's libonnx-testdata (node, pytorch-converted,
pytorch-operator, simple) whose ops all have a typed mp op, this runs
`mp-opt model.onnx -o out.onnx` (import -> export) and then, for every
test_data_set, runs the original and the exported model in ONNX Runtime:

  * the exported model's outputs must be bitwise identical to the
    original's, and
  * they must match the expected outputs shipped beside the model
    (rtol 1e-3, atol 1e-5, NaNs equal), the ONNX backend-test tolerance.

Models whose original ONNX Runtime cannot run, or where ONNX Runtime itself
disagrees with the shipped reference, are reported separately: they say
nothing about mixprec. Prints totals and the ops without any eligible test;
--markdown writes the per-op table used in docs/coverage.md.
"""
import argparse
import glob
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

import numpy as np
import onnx
from onnx import numpy_helper

DATA = "/usr/share/libonnx-testdata/data"
SUITES = ["node", "pytorch-converted", "pytorch-operator", "simple"]
RTOL, ATOL = 1e-3, 1e-5
SUPPORTED_ELEM = {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16}


def graph_ops(graph, acc):
    for n in graph.node:
        acc.add((n.domain if n.domain not in ("", "ai.onnx") else "", n.op_type))
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                graph_ops(a.g, acc)
            for g in a.graphs:
                graph_ops(g, acc)
    return acc


def default_opset(model):
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            return o.version
    return None


def io_supported(model):
    for vi in list(model.graph.input) + list(model.graph.output):
        if not vi.type.HasField("tensor_type"):
            return False
        if vi.type.tensor_type.elem_type not in SUPPORTED_ELEM:
            return False
    return True


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t


def close(a, b):
    if a.shape != b.shape:
        return False, f"shape {a.shape} vs expected {b.shape}"
    if a.dtype.kind in "fc":
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        bad = ~np.isclose(a64, b64, rtol=RTOL, atol=ATOL, equal_nan=True)
        if bad.any():
            i = np.argmax(np.abs(np.where(bad, a64 - b64, 0)))
            return False, (f"{bad.sum()} elements off, worst {a64.flat[i]} vs "
                           f"{b64.flat[i]}")
        return True, ""
    if not np.array_equal(a, b):
        return False, "values differ"
    return True, ""


def run_cpu(job):
    """Runs an eligible model through mp-run against the shipped outputs."""
    suite, model_dir, mp_run = job
    name = f"{suite}/{os.path.basename(model_dir)}"
    model_path = os.path.join(model_dir, "model.onnx")
    model = onnx.load(model_path, load_external_data=False)
    res = {"name": name, "ops": sorted(op for d, op in graph_ops(model.graph, set()) if d == "")}
    for ds in sorted(glob.glob(os.path.join(model_dir, "test_data_set_*"))):
        key = lambda p: int(p.rsplit("_", 1)[1].split(".")[0])  # noqa: E731
        cmd = [mp_run, model_path, f"--rtol={RTOL}", f"--atol={ATOL}",
               f"--device={os.environ.get('MP_RUN_DEVICE', 'cpu')}"]
        if os.environ.get("MP_RUN_COMPILE_ONLY"):
            cmd.append("--compile-only")
        cmd += [f"--input={p}" for p in sorted(glob.glob(os.path.join(ds, "input_*.pb")), key=key)]
        cmd += [f"--expect={p}" for p in sorted(glob.glob(os.path.join(ds, "output_*.pb")), key=key)]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            res.update(status="fail", detail="timeout")
            return res
        if p.returncode != 0:
            m = re.search(r"failed to legalize operation '(mp\.[a-z_0-9]+)'", p.stderr)
            if m:
                res.update(status="unlowered", detail=f"no CPU lowering for {m.group(1)}")
            elif "elements outside" in p.stderr:
                res.update(status="fail", detail=p.stderr.strip().splitlines()[-1][:200])
            else:
                lines = [l for l in p.stderr.strip().splitlines() if "error" in l] or p.stderr.strip().splitlines() or ["?"]
                res.update(status="fail", detail=lines[0][:200])
            return res
    res["status"] = "pass"
    return res


def run_one(job):
    suite, model_dir, mp_opt = job
    import onnxruntime as ort
    ort.set_default_logger_severity(3)
    name = f"{suite}/{os.path.basename(model_dir)}"
    model_path = os.path.join(model_dir, "model.onnx")
    res = {"name": name, "ops": [], "status": None, "detail": ""}
    try:
        model = onnx.load(model_path, load_external_data=False)
    except Exception as e:  # noqa: BLE001
        res.update(status="skip", detail=f"onnx cannot load: {e}")
        return res
    ops = graph_ops(model.graph, set())
    res["ops"] = sorted(op for dom, op in ops if dom == "")
    unsupported = sorted(f"{d + '::' if d else ''}{op}" for d, op in ops
                         if d != "" or op not in SUPPORTED_OPS)
    opset = default_opset(model)
    if unsupported:
        res.update(status="ineligible", detail="ops: " + ", ".join(unsupported))
        return res
    if opset is None or opset < 7 or opset > 23:
        res.update(status="ineligible", detail=f"opset {opset}")
        return res
    if not io_supported(model):
        res.update(status="ineligible", detail="non-tensor or string I/O")
        return res
    sets = sorted(glob.glob(os.path.join(model_dir, "test_data_set_*")))
    if not sets:
        res.update(status="ineligible", detail="no test data")
        return res

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = 1
    try:
        ref = ort.InferenceSession(model_path, opts, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001
        res.update(status="oracle", detail=f"ONNX Runtime rejects the original: {str(e)[:200]}")
        return res

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.onnx")
        p = subprocess.run([mp_opt, model_path, "-o", out], capture_output=True, text=True)
        if p.returncode != 0:
            res.update(status="fail", detail="mp-opt: " + p.stderr.strip()[:400])
            return res
        try:
            cand = ort.InferenceSession(out, opts, providers=["CPUExecutionProvider"])
        except Exception as e:  # noqa: BLE001
            res.update(status="fail", detail=f"ONNX Runtime rejects the export: {str(e)[:300]}")
            return res
        in_names = [i.name for i in ref.get_inputs()]
        for ds in sets:
            inputs = sorted(glob.glob(os.path.join(ds, "input_*.pb")),
                            key=lambda s: int(s.rsplit("_", 1)[1].split(".")[0]))
            outputs = sorted(glob.glob(os.path.join(ds, "output_*.pb")),
                             key=lambda s: int(s.rsplit("_", 1)[1].split(".")[0]))
            feeds = {}
            for i, path in enumerate(inputs):
                t = load_pb(path)
                key = t.name if t.name in in_names else in_names[i]
                feeds[key] = numpy_helper.to_array(t)
            expected = [numpy_helper.to_array(load_pb(p)) for p in outputs]
            try:
                ref_out = ref.run(None, feeds)
            except Exception as e:  # noqa: BLE001
                res.update(status="oracle", detail=f"ONNX Runtime fails on the original: {str(e)[:200]}")
                return res
            try:
                cand_out = cand.run(None, feeds)
            except Exception as e:  # noqa: BLE001
                res.update(status="fail", detail=f"ONNX Runtime fails on the export: {str(e)[:300]}")
                return res
            for k, (r, c) in enumerate(zip(ref_out, cand_out)):
                if r.dtype != c.dtype or r.shape != c.shape or r.tobytes() != c.tobytes():
                    res.update(status="fail", detail=f"{os.path.basename(ds)} output {k}: "
                               "not bitwise identical to the original in ONNX Runtime")
                    return res
            for k, (c, e) in enumerate(zip(cand_out, expected)):
                ok, why = close(np.asarray(c), e)
                if not ok:
                    ok_ref, _ = close(np.asarray(ref_out[k]), e)
                    if not ok_ref:
                        res.update(status="oracle", detail=f"ONNX Runtime disagrees with the "
                                   f"reference output ({why})")
                    else:
                        res.update(status="fail", detail=f"{os.path.basename(ds)} output {k}: {why}")
                    return res
    res["status"] = "pass"
    return res


SUPPORTED_OPS = set()


def init_worker(ops):
    SUPPORTED_OPS.update(ops)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mp-opt", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--markdown")
    ap.add_argument("--filter", default="", help="only test names containing this")
    ap.add_argument("--mp-run", help="also execute every eligible model with this mp-run "
                    "and compare with the shipped outputs")
    ap.add_argument("--cpu-markdown", help="write the mp-run per-op table here")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda", "cuda-emulated"],
                    help="where mp-run executes (cuda: the GPU, against the same shipped "
                    "outputs and tolerances the CPU executor meets; cuda-emulated: the GPU "
                    "pipeline's kernels as host loops)")
    ap.add_argument("--compile-only", action="store_true",
                    help="with --device cuda: lower every model to PTX and host code, run nothing "
                    "(checks the GPU code generation without a GPU)")
    args = ap.parse_args()
    os.environ["MP_RUN_DEVICE"] = args.device  # read by run_cpu in the workers
    if args.compile_only:
        os.environ["MP_RUN_COMPILE_ONLY"] = "1"

    listing = subprocess.run([args.mp_opt, "--list-onnx-ops"], check=True,
                             capture_output=True, text=True).stdout.splitlines()
    mp_names = dict(line.split() for line in listing if line.strip())
    ops = sorted(mp_names)
    init_worker(ops)
    jobs = []
    for suite in SUITES:
        for d in sorted(glob.glob(os.path.join(DATA, suite, "*"))):
            if os.path.exists(os.path.join(d, "model.onnx")) and args.filter in d:
                jobs.append((suite, d, args.mp_opt))
    with multiprocessing.Pool(args.jobs, initializer=init_worker, initargs=(ops,)) as pool:
        results = pool.map(run_one, jobs, chunksize=4)

    by_status = defaultdict(list)
    for r in results:
        by_status[r["status"]].append(r)
    per_op = defaultdict(lambda: [0, 0])
    for r in results:
        if r["status"] in ("pass", "fail"):
            for op in set(r["ops"]):
                per_op[op][0] += 1
                per_op[op][1] += r["status"] == "pass"
    eligible = len(by_status["pass"]) + len(by_status["fail"])
    no_test = sorted(op for op in ops if op not in per_op)

    print(f"conformance: {len(results)} models scanned, {eligible} eligible, "
          f"{len(by_status['pass'])} passed, {len(by_status['fail'])} failed; "
          f"{len(by_status['oracle'])} excluded (ONNX Runtime cannot run them or "
          f"disagrees with the reference), {len(by_status['ineligible'])} ineligible")
    for r in by_status["fail"]:
        print(f"  FAIL {r['name']}: {r['detail']}")
    for r in by_status["oracle"]:
        print(f"  excluded {r['name']}: {r['detail']}")
    print(f"  ops without an eligible test ({len(no_test)}): {' '.join(no_test)}")

    if args.markdown:
        revisions = defaultdict(list)
        for schema in onnx.defs.get_all_schemas_with_history():
            if schema.domain == "" and schema.since_version <= 23:
                revisions[schema.name].append(schema.since_version)
        with open(args.markdown, "w") as f:
            f.write("| ONNX op | mp op | opset revisions handled (7..23) | "
                    "conformance tests | passed |\n|---|---|---|---|---|\n")
            for op in sorted(ops):
                e, p = per_op.get(op, (0, 0))
                revs = sorted(revisions.get(op, []))
                # The revision in force at opset 7 plus every later one.
                handled = [v for v in revs if v > 7]
                older = [v for v in revs if v <= 7]
                if older:
                    handled.insert(0, max(older))
                f.write(f"| {op} | `{mp_names[op]}` | {', '.join(map(str, handled))} | {e} | {p} |\n")
            f.write(f"\nTotals: {eligible} eligible, {len(by_status['pass'])} passed, "
                    f"{len(by_status['fail'])} failed; {len(by_status['oracle'])} excluded, "
                    f"{len(by_status['ineligible'])} ineligible of {len(results)} models.\n")
            if by_status["oracle"]:
                f.write("\nExcluded because ONNX Runtime cannot run the original or "
                        "disagrees with the shipped reference:\n\n")
                for r in by_status["oracle"]:
                    f.write(f"- `{r['name']}`: {r['detail']}\n")
    print(f"{len(by_status['pass'])} passed, {len(by_status['fail'])} failed")
    rc = 1 if by_status["fail"] else 0

    if args.mp_run:
        eligible_jobs = [(j[0], j[1], args.mp_run) for j, r in zip(jobs, results)
                         if r["status"] in ("pass", "fail")]
        with multiprocessing.Pool(args.jobs) as pool:
            cpu = pool.map(run_cpu, eligible_jobs, chunksize=2)
        # The models ONNX Runtime cannot run at all are still checked against
        # the test data's shipped outputs (reported apart, never failing).
        extra_jobs = [(j[0], j[1], args.mp_run) for j, r in zip(jobs, results)
                      if r["status"] == "oracle" and "disagrees" not in r["detail"]]
        with multiprocessing.Pool(args.jobs) as pool:
            extra = pool.map(run_cpu, extra_jobs, chunksize=2)
        cstat = defaultdict(list)
        for r in cpu:
            cstat[r["status"]].append(r)
        cop = defaultdict(lambda: [0, 0, 0])
        missing = defaultdict(int)
        for r in cpu:
            for op in set(r["ops"]):
                cop[op][0] += 1
                cop[op][1] += r["status"] == "pass"
            if r["status"] == "unlowered":
                missing[r["detail"].split()[-1]] += 1
        print(f"{args.device}{' (compile only)' if args.compile_only else ''} conformance (mp-run): {len(cpu)} eligible, {len(cstat['pass'])} passed, "
              f"{len(cstat['unlowered'])} need an op without a CPU lowering, "
              f"{len(cstat['fail'])} failed")
        for r in cstat["fail"]:
            print(f"  CPU FAIL {r['name']}: {r['detail']}")
        xpass = [r for r in extra if r["status"] == "pass"]
        print(f"{args.device} conformance on models ONNX Runtime cannot run (shipped outputs only): "
              f"{len(xpass)} of {len(extra)} pass")
        if cstat["fail"]:
            rc = 1
        if args.cpu_markdown:
            with open(args.cpu_markdown, "w") as f:
                f.write(f"Totals: {len(cpu)} eligible models, {len(cstat['pass'])} pass in mp-run, "
                        f"{len(cstat['unlowered'])} use an op without a CPU lowering yet, "
                        f"{len(cstat['fail'])} fail.\n\n")
                f.write("| ONNX op | eligible models using it | passing in mp-run | note |\n|---|---|---|---|\n")
                for op in sorted(mp_names):
                    e, p_, _ = cop.get(op, (0, 0, 0))
                    note = ""
                    if missing.get(mp_names[op]):
                        note = (f"{missing[mp_names[op]]} models stop here: this op, or this "
                                "variant of it (dtype, attribute), has no CPU lowering yet")
                    f.write(f"| {op} | {e} | {p_} | {note} |\n")
                if cstat["unlowered"]:
                    f.write("\nModels that stop at an op (or variant) without a CPU lowering:\n\n")
                    for r in sorted(cstat["unlowered"], key=lambda r: r["name"]):
                        f.write(f"- `{r['name']}`: {r['detail']}\n")
                if extra:
                    f.write(f"\nModels that ONNX Runtime cannot run (so they are not eligible above), "
                            f"run in mp-run against the test data's shipped outputs: "
                            f"{sum(r['status'] == 'pass' for r in extra)} of {len(extra)} pass.\n\n")
                    for r in sorted(extra, key=lambda r: r["name"]):
                        f.write(f"- `{r['name']}`: {'pass' if r['status'] == 'pass' else r['detail']}\n")
                if cstat["fail"]:
                    f.write("\nFailures:\n\n")
                    for r in cstat["fail"]:
                        f.write(f"- `{r['name']}`: {r['detail']}\n")
    return rc


if __name__ == "__main__":
    sys.exit(main())
