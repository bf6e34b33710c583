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
import train_models

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


def _digits_mlp(batch, hidden=32, seed=0):
    return train_models.mlp(batch, 64, hidden, 10, seed)


def test_train_digits_mixed_precision():
    x, y, tr, te = train_models.digits_split()
    model, p = _digits_mlp(64)
    lines = []
    trained, result = mixprec.train(model, {"x": x[tr], "labels": y[tr]}, steps=150,
                                    lr=1e-2, target="f16", loss_scaling="dynamic",
                                    log_every=50, log=lines.append)
    assert len(result.losses) == 150 and len(result.loss_scales) == 150
    # The batches come from an internal shuffle, so check the learning:
    first, last = np.mean(result.losses[:10]), np.mean(result.losses[-10:])
    assert last < 0.5 * first, (first, last)
    assert result.loss_scales[0] == 65536.0 and not result.skipped_steps
    assert result.samples_per_second > 0 and lines and "step" in lines[0]
    # The returned model is the FP32 inference graph with trained weights:
    # ONNX Runtime runs it (the independent oracle) and it classifies
    # held-out digits far above chance.
    assert [i.data_type for i in trained.graph.initializer] == [TensorProto.FLOAT] * 4
    acc = train_models.heldout_accuracy(trained.SerializeToString(), x[te], y[te], 64)
    assert acc > 0.85, acc
    w1 = numpy_helper.to_array(next(i for i in trained.graph.initializer if i.name == "W1"))
    assert not np.allclose(w1, p["W1"])


def test_train_fp32_sgd_matches_numpy_step():
    # One SGD step in FP32, no loss scaling: the updated weights equal a
    # float64 numpy reference of softmax cross-entropy's gradient.
    r = np.random.default_rng(3)
    model, p = _digits_mlp(8, hidden=16, seed=1)
    x = r.random((8, 64)).astype(np.float32)
    y = r.integers(0, 10, 8).astype(np.int64)
    trained, result = mixprec.train(model, {"x": x, "labels": y}, steps=1, lr=0.1,
                                    optimizer="sgd", target=None, loss_scaling=None)
    P = {k: v.astype(np.float64) for k, v in p.items()}
    h = x @ P["W1"] + P["b1"]
    rr = np.maximum(h, 0)
    z = rr @ P["W2"].T + P["b2"]
    e = np.exp(z - z.max(1, keepdims=True))
    sm = e / e.sum(1, keepdims=True)
    loss = -np.log(sm[np.arange(8), y]).mean()
    dz = sm.copy()
    dz[np.arange(8), y] -= 1
    dz /= 8
    gW2 = dz.T @ rr
    gW1 = x.T @ ((dz @ P["W2"]) * (h > 0))
    got = {i.name: numpy_helper.to_array(i) for i in trained.graph.initializer}
    assert abs(result.losses[0] - loss) < 1e-5
    np.testing.assert_allclose(got["W2"], P["W2"] - 0.1 * gW2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["W1"], P["W1"] - 0.1 * gW1, rtol=1e-5, atol=1e-6)


def test_train_skips_overflowing_step_and_backs_off():
    # One sample holds inf: the step that draws it has non-finite gradients,
    # so (GradScaler's rule) it is skipped and the scale halves; the weights
    # stay finite.
    model, _ = _digits_mlp(8, hidden=16)
    r = np.random.default_rng(5)
    x = r.random((64, 64)).astype(np.float32)
    x[17, 3] = np.inf
    y = (np.arange(64) % 10).astype(np.int64)
    trained, result = mixprec.train(model, {"x": x, "labels": y}, steps=8, lr=1e-3)
    assert len(result.skipped_steps) == 1, result.skipped_steps
    k = result.skipped_steps[0] - 1
    assert result.loss_scales[k] == 32768.0
    assert all(s == 65536.0 for s in result.loss_scales[:k])
    for init in trained.graph.initializer:
        assert np.isfinite(numpy_helper.to_array(init)).all(), init.name
    # Static scaling has no scale to back off, but still skips that step.
    trained, result = mixprec.train(model, {"x": x, "labels": y}, steps=8, lr=1e-3,
                                    loss_scaling="static", init_scale=1024.0)
    assert len(result.skipped_steps) == 1 and result.loss_scales == []
    for init in trained.graph.initializer:
        assert np.isfinite(numpy_helper.to_array(init)).all(), init.name


def test_train_rejects_bad_input():
    model, _ = _digits_mlp(8)
    x = np.zeros((16, 64), np.float32)
    with pytest.raises(ValueError, match="optimizer"):
        mixprec.train(model, {"x": x, "labels": np.zeros(16, np.int64)}, optimizer="lamb")
    with pytest.raises(TypeError, match="unexpected option"):
        mixprec.train(model, {"x": x, "labels": np.zeros(16, np.int64)}, betas=0.9)
    with pytest.raises(ValueError, match="steps"):
        mixprec.train(model, {"x": x, "labels": np.zeros(16, np.int64)}, steps=0)
    with pytest.raises(mixprec.MixprecError, match="labels"):
        mixprec.train(model, {"x": x}, steps=1)
    assert mixprec.train_pipeline() == (
        "mp-build-train-step{loss=cross-entropy labels=labels optimizer=adamw lr=0.001},"
        "mp-autocast{target=f16},mp-master-weights,mp-loss-scaling{mode=dynamic}")
