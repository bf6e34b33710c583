"""pytest suite of the mixprec Python package (run by `utils/mp.sh test`)."""
import json
import os
import subprocess

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import mixprec
import autocast_eval
import gen_autocast_models

ort.set_default_logger_severity(3)


def run(model, feeds):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    data = model if isinstance(model, str) else model.SerializeToString()
    return ort.InferenceSession(data, so, providers=["CPUExecutionProvider"]).run(None, feeds)


@pytest.mark.parametrize("name", ["cnn", "transformer", "gpt", "lstm", "gru"])
def test_autocast_matches_onnxruntime(name):
    model = gen_autocast_models.MODELS[name]()
    fp16, report = mixprec.autocast(model, target="f16", keep_io_types=True)
    assert isinstance(fp16, onnx.ModelProto)
    assert isinstance(report, mixprec.Report)
    onnx.checker.check_model(fp16)
    feeds = autocast_eval.feeds_for(model)
    for a, b in zip(run(model, feeds), run(fp16, feeds)):
        a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
        assert np.isfinite(b64).all()
        # Relative error against the FP32 model, FP16 tolerance.
        assert np.abs(a64 - b64).max() <= 1e-2 * np.abs(a64).max()
    assert report.low_precision_flop_share > 0.9
    assert any(n.precision == "f16" for n in report.nodes)


def test_report_is_typed_and_roundtrips_to_json():
    _, report = mixprec.autocast(gen_autocast_models.MODELS["transformer"](), keep_io_types=True)
    node = report.node("layer0/attn/q")
    assert (node.op, node.precision, node.rule) == ("MatMul", "f16", "compute")
    assert node.accumulate == "f32"
    mask = report.node("mask/scale")
    assert mask.precision == "f32" and mask.rule == "init-max"
    assert "3.4e+38" in mask.evidence
    again = mixprec.Report.from_json(report.to_json())
    assert again == report
    assert "FP32 mask/scale (Mul): init-max" in report.summary()
    assert json.loads(report.to_json())["schema"] == "mixprec.autocast-report/1"


def test_same_decisions_as_mp_opt(tmp_path, mp_opt):
    src = tmp_path / "gpt.onnx"
    onnx.save(gen_autocast_models.MODELS["gpt"](), src)
    rep = tmp_path / "cli.json"
    subprocess.run([mp_opt, str(src), "--mp-autocast=target=f16 keep-io-types=1 summary=0",
                    f"--mp-report={rep}", "-o", str(tmp_path / "cli.onnx")], check=True)
    cli = mixprec.Report.from_json(rep.read_text())
    _, py = mixprec.autocast(str(src), target="f16", keep_io_types=True)
    assert [(n.name, n.precision, n.rule, n.evidence) for n in py.nodes] == \
           [(n.name, n.precision, n.rule, n.evidence) for n in cli.nodes]
    assert py.totals == cli.totals


def test_options_are_honoured():
    model = gen_autocast_models.MODELS["transformer"]()
    _, report = mixprec.autocast(model, keep_io_types=True, op_types_to_exclude=["MatMul"],
                                 nodes_to_include=["layer1/ff1"])
    assert report.node("layer0/attn/q").rule == "exclude"
    assert report.node("layer1/ff1").precision == "f16"  # include beats exclude
    bf16, report = mixprec.autocast(model, target="bf16", chip="sm_80", keep_io_types=True)
    assert report.node("layer0/attn/q").precision == "bf16"
    assert any(i.data_type == TensorProto.BFLOAT16 for i in bf16.graph.initializer)


def test_input_ranges_drive_static_rules():
    model = gen_autocast_models.MODELS["overflow"]()
    _, report = mixprec.autocast(model, keep_io_types=True, input_ranges={"x": (-1.0, 1.0)})
    assert report.node("big_matmul").rule == "static-data-max"


def test_calibration_data_drives_data_max(tmp_path):
    model = gen_autocast_models.MODELS["overflow"]()
    feeds = autocast_eval.feeds_for(model, batch=4)
    path = tmp_path / "calib.npz"
    np.savez(path, **feeds)
    _, report = mixprec.autocast(model, keep_io_types=True, calibration_data=[str(path)])
    node = report.node("big_matmul")
    assert node.rule == "data-max"
    assert "observed over 1 calibration batch" in node.evidence
    # The observed range is that of x @ W (float64 oracle, 4 printed digits).
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    y = feeds["x"].astype(np.float64) @ inits["big.w"].astype(np.float64)
    assert f"{y.max():.4g}" in node.evidence


@pytest.mark.parametrize("name", ["cnn", "transformer"])
def test_run_matches_onnxruntime(name):
    model = gen_autocast_models.MODELS[name]()
    feeds = autocast_eval.feeds_for(model, batch=3)
    got = mixprec.run(model, feeds)
    want = run(model, feeds)
    assert list(got) == [o.name for o in model.graph.output]
    for g, w in zip(got.values(), want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4)
    # The FP16 model runs in the precisions autocast assigned.
    fp16, _ = mixprec.autocast(model, keep_io_types=True)
    got16 = mixprec.run(fp16, feeds)
    for g, w in zip(got16.values(), run(fp16, feeds)):
        np.testing.assert_allclose(g, w, rtol=1e-2, atol=1e-2)


def test_run_rejects_bad_inputs():
    model = gen_autocast_models.MODELS["cnn"]()
    feeds = autocast_eval.feeds_for(model, batch=2)
    with pytest.raises(mixprec.MixprecError, match="expects tensor<.*numpy dtype f4.*got f8"):
        mixprec.run(model, {"image": feeds["image"].astype(np.float64)})
    with pytest.raises(mixprec.MixprecError, match="missing input 'image'"):
        mixprec.run(model, {})
    with pytest.raises(mixprec.MixprecError, match="no graph input is named 'nope'"):
        mixprec.run(model, {"nope": feeds["image"]})


def test_bad_model_raises_located_error():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])
    g = helper.make_graph([helper.make_node("Softmax", ["x"], ["y"], name="soft1", axis=1.5)],
                          "g", [x], [y])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(mixprec.MixprecError, match=r"node 'soft1' \(Softmax\): attribute 'axis' must be INT, got FLOAT"):
        mixprec.autocast(m)
    with pytest.raises(mixprec.MixprecError, match="cannot parse the file as an ONNX ModelProto"):
        mixprec.autocast(b"\x08\x07garbage")


def test_bad_options_raise():
    model = gen_autocast_models.MODELS["cnn"]()
    with pytest.raises(mixprec.MixprecError, match="target must be 'f16' or 'bf16', got 'fp8'"):
        mixprec.autocast(model, target="fp8")
    with pytest.raises(mixprec.MixprecError, match="target=bf16 needs chip sm_80 or newer"):
        mixprec.autocast(model, target="bf16", chip="sm_70")
    with pytest.raises(TypeError, match="unexpected option 'keep_io'"):
        mixprec.autocast(model, keep_io=True)
    with pytest.raises(mixprec.MixprecError, match="invalid pass pipeline"):
        mixprec.run_pipeline("module {}", "no-such-pass")


def test_import_and_run_pipeline():
    text = mixprec.import_onnx(gen_autocast_models.MODELS["lstm"]())
    assert "mp.lstm" in text and "func.func @main" in text
    out = mixprec.run_pipeline(text, "mp-autocast{target=f16 summary=0}")
    assert "mp.precision = \"f16\"" in out and "tensor<12x?x16xf16>" in out


def test_large_model_with_external_data_by_path(tmp_path):
    # A model whose weights live in an external data file (64 MiB): it goes
    # by path in and out, and the output keeps external data on request.
    d = 1024
    rng = np.random.default_rng(0)
    inits, nodes, x = [], [], "x"
    for i in range(16):
        inits.append(numpy_helper.from_array(
            (rng.standard_normal((d, d)) / 32).astype(np.float32), f"w{i}"))
        nodes.append(helper.make_node("MatMul", [x, f"w{i}"], [f"h{i}"], name=f"mm{i}"))
        x = f"h{i}"
    g = helper.make_graph(nodes, "big", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, d])],
                          [helper.make_tensor_value_info(x, TensorProto.FLOAT, [2, d])], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    src = tmp_path / "big.onnx"
    onnx.save(m, src, save_as_external_data=True, all_tensors_to_one_file=True, location="big.onnx.data")
    dst = tmp_path / "out" / "big.fp16.onnx"
    dst.parent.mkdir()
    path, report = mixprec.autocast(str(src), output_path=str(dst), keep_io_types=True,
                                    external_data="always")
    assert path == str(dst)
    assert os.path.exists(str(dst) + ".data")
    assert os.path.getsize(str(dst) + ".data") >= 16 * d * d * 2
    assert report.low_precision_flop_share == 1.0
    feeds = {"x": rng.uniform(-1, 1, (2, d)).astype(np.float32)}
    a = run(str(src), feeds)[0]
    b = run(str(dst), feeds)[0]
    assert np.abs(a - b).max() <= 1e-2 * np.abs(a).max()
