"""mixprec: mixed-precision compilation of ONNX models, in-process.

Quick start::

    import onnx, mixprec
    model = onnx.load("model.onnx")
    fp16_model, report = mixprec.autocast(model, target="f16", keep_io_types=True,
                                          op_types_to_exclude=["Resize"])
    onnx.save(fp16_model, "model.fp16.onnx")
    print(report.summary())

Models over 2 GiB go by path: ``mixprec.autocast("big.onnx", output_path="big.fp16.onnx")``
reads external data memory-mapped and writes the result with external data.
Errors (bad models, bad options) raise :class:`MixprecError`, whose message
carries MLIR's located diagnostics (file, node name, line for ONNX text).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

import onnx

from ._mixprec import MixprecError  # noqa: F401  (re-exported)
from . import _mixprec

__all__ = ["autocast", "import_onnx", "run", "run_pipeline", "train", "TrainResult", "Report",
           "NodeDecision", "ConstantConversion", "MixprecError"]

ModelLike = Union[onnx.ModelProto, bytes, str, os.PathLike]


@dataclass
class NodeDecision:
    """The precision decided for one node, and why."""
    name: str
    op: str
    precision: str          # "f16", "bf16", "f32" or "keep"
    rule: str               # the deciding rule, e.g. "compute", "init-max"
    evidence: str           # the rule's evidence, with numbers
    casts_added: int = 0
    flops: float = 0.0
    accumulate: Optional[str] = None  # accumulator type if not the storage type


@dataclass
class ConstantConversion:
    """An initializer converted offline to low precision."""
    initializer: str
    from_type: str
    to_type: str
    elements: int
    clamped: int
    flushed_to_zero: int
    subnormal: int
    max_abs_error: float


@dataclass
class Report:
    """The autocast report (schema ``mixprec.autocast-report/1``, see
    docs/autocast-report.md) as a typed object."""
    nodes: list = field(default_factory=list)
    constants: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    schema: str = "mixprec.autocast-report/1"

    @classmethod
    def from_json(cls, text: str) -> "Report":
        d = json.loads(text)
        nodes = [NodeDecision(name=n["name"], op=n["op"], precision=n["precision"],
                              rule=n.get("rule", ""), evidence=n.get("evidence", ""),
                              casts_added=n.get("casts_added", 0), flops=n.get("flops", 0.0),
                              accumulate=n.get("accumulate")) for n in d.get("nodes", [])]
        consts = [ConstantConversion(initializer=c["initializer"], from_type=c["from"],
                                     to_type=c["to"], elements=c["elements"], clamped=c["clamped"],
                                     flushed_to_zero=c["flushed_to_zero"], subnormal=c["subnormal"],
                                     max_abs_error=c["max_abs_error"])
                  for c in d.get("constants", [])]
        return cls(nodes=nodes, constants=consts, totals=d.get("totals", {}),
                   options=d.get("options", {}), schema=d.get("schema", ""))

    def to_json(self) -> str:
        """Serialises back to the documented JSON schema."""
        def node(n: NodeDecision):
            d = {"name": n.name, "op": n.op, "precision": n.precision, "rule": n.rule,
                 "evidence": n.evidence, "casts_added": n.casts_added, "flops": n.flops}
            if n.accumulate:
                d["accumulate"] = n.accumulate
            return d
        consts = [{"initializer": c.initializer, "from": c.from_type, "to": c.to_type,
                   "elements": c.elements, "clamped": c.clamped,
                   "flushed_to_zero": c.flushed_to_zero, "subnormal": c.subnormal,
                   "max_abs_error": c.max_abs_error} for c in self.constants]
        return json.dumps({"schema": self.schema, "options": self.options, "totals": self.totals,
                           "nodes": [node(n) for n in self.nodes], "constants": consts},
                          indent=2, sort_keys=True)

    @property
    def low_precision_flop_share(self) -> float:
        return float(self.totals.get("low_precision_flop_share", 0.0))

    @property
    def casts(self) -> int:
        return int(self.totals.get("casts", 0))

    def node(self, name: str) -> NodeDecision:
        """The decision for the node called `name` (KeyError if absent)."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def kept_fp32(self) -> list:
        """Nodes kept in FP32 by a rule (not merely following a neighbour)."""
        return [n for n in self.nodes if n.precision == "f32"
                and n.rule not in ("follows-f32-input", "no-low-neighbour")]

    def summary(self) -> str:
        t = self.totals
        by = ", ".join(f"{v} {k}" for k, v in sorted(t.get("nodes_by_precision", {}).items()))
        lines = [f"{t.get('nodes', 0)} nodes ({by}); {100 * self.low_precision_flop_share:.1f}% "
                 f"of FLOPs in low precision; {self.casts} casts; weights "
                 f"{t.get('weight_bytes_before', 0)} -> {t.get('weight_bytes_after', 0)} bytes"]
        for n in self.kept_fp32():
            lines.append(f"  FP32 {n.name} ({n.op}): {n.rule}: {n.evidence}")
        return "\n".join(lines)


_OPTION_KEYS = {
    "target": "target", "keep_io_types": "keep-io-types",
    "op_types_to_exclude": "op-types-to-exclude", "op_types_to_include": "op-types-to-include",
    "nodes_to_exclude": "nodes-to-exclude", "nodes_to_include": "nodes-to-include",
    "init_max": "init-max", "data_max": "data-max", "static_data_max": "static-data-max",
    "min_positive": "min-positive", "max_reduction_depth": "max-reduction-depth",
    "chip": "chip", "input_ranges": "input-range", "clamp_constants": "clamp-constants",
    "calibration_data": "calibration-data",
}


def _option_string(options: Mapping[str, Any]) -> str:
    parts = []
    for key, value in options.items():
        if key not in _OPTION_KEYS:
            raise TypeError(f"autocast() got an unexpected option '{key}'; "
                            f"valid options: {', '.join(sorted(_OPTION_KEYS))}")
        name = _OPTION_KEYS[key]
        if key == "input_ranges":
            if not isinstance(value, Mapping):
                raise TypeError("input_ranges must be a mapping name -> (lo, hi)")
            items = [f"{n}:{float(lo)!r}:{float(hi)!r}" for n, (lo, hi) in value.items()]
            value = items
        if isinstance(value, bool):
            parts.append(f"{name}={int(value)}")
        elif isinstance(value, (list, tuple)):
            for v in value:
                if any(c in str(v) for c in ", {}\"'"):
                    raise ValueError(f"{key}: '{v}' may not contain commas, spaces, braces or quotes")
            if value:
                parts.append(f"{name}={','.join(str(v) for v in value)}")
        elif isinstance(value, str):
            if any(c in value for c in " {}\"'"):
                raise ValueError(f"{key}: '{value}' may not contain spaces, braces or quotes")
            parts.append(f"{name}={value}")
        elif isinstance(value, (int, float)):
            parts.append(f"{name}={value!r}")
        else:
            raise TypeError(f"{key}: unsupported value {value!r}")
    return " ".join(parts)


def autocast(model: ModelLike, *, output_path: Optional[Union[str, os.PathLike]] = None,
             external_data: str = "auto", **options) -> Tuple[Any, Report]:
    """Converts an FP32 ONNX model to mixed precision.

    Args:
        model: an ``onnx.ModelProto``, serialized bytes, or a path (models over
            2 GiB must be given by path).
        output_path: write the result here (with external data when needed)
            and return ``(output_path, report)`` instead of a ModelProto.
        external_data: with ``output_path``: "auto" (only past 2 GiB),
            "always" or "never".
        **options: the ``mp-assign-precision`` options, in Python spelling:
            target ("f16"/"bf16"), keep_io_types, op_types_to_exclude,
            op_types_to_include, nodes_to_exclude, nodes_to_include (regexes),
            init_max, data_max, static_data_max, min_positive,
            max_reduction_depth, chip, input_ranges ({name: (lo, hi)}),
            calibration_data (list of .npz paths keyed by graph input name:
            the FP32 model runs on each and the observed ranges feed the
            data-max rule), clamp_constants.

    Returns:
        ``(onnx.ModelProto, Report)``, or ``(output_path, Report)``.

    Raises:
        MixprecError: the model is invalid or an option value is rejected;
            the message carries the located diagnostics.
        TypeError, ValueError: an option is unknown or badly typed.
    """
    opts = _option_string(options)
    is_path = isinstance(model, (str, os.PathLike))
    if output_path is not None or is_path:
        src = os.fspath(model) if is_path else None
        tmpdir = None
        if src is None:
            tmpdir = tempfile.mkdtemp(prefix="mixprec-")
            src = os.path.join(tmpdir, "input.onnx")
            with open(src, "wb") as f:
                f.write(model.SerializeToString() if isinstance(model, onnx.ModelProto) else model)
        dst = os.fspath(output_path) if output_path is not None else None
        own_dst = dst is None
        if own_dst:
            tmpdir = tmpdir or tempfile.mkdtemp(prefix="mixprec-")
            dst = os.path.join(tmpdir, "output.onnx")
        try:
            report = Report.from_json(_mixprec.autocast_file(src, dst, opts, external_data))
            if not own_dst:
                return dst, report
            return onnx.load(dst), report
        finally:
            if tmpdir:
                for name in os.listdir(tmpdir):
                    os.remove(os.path.join(tmpdir, name))
                os.rmdir(tmpdir)
    data = model.SerializeToString() if isinstance(model, onnx.ModelProto) else bytes(model)
    out, report_json = _mixprec.autocast_bytes(data, opts)
    result = onnx.ModelProto()
    result.ParseFromString(out)
    return result, Report.from_json(report_json)


def import_onnx(model: ModelLike) -> str:
    """Imports an ONNX model (ModelProto, bytes, or path; ``.onnxtxt`` paths
    are ONNX text) and returns the ``mp``-dialect MLIR as text."""
    if isinstance(model, (str, os.PathLike)):
        return _mixprec.import_onnx_file(os.fspath(model))
    data = model.SerializeToString() if isinstance(model, onnx.ModelProto) else bytes(model)
    return _mixprec.import_onnx_bytes(data, "<bytes>", False)


def _to_wire(arrays: Mapping[str, Any]) -> list:
    import numpy as np

    wire = []
    for name, value in arrays.items():
        a = np.ascontiguousarray(value)
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        dtype = f"{a.dtype.kind}{a.dtype.itemsize}"
        wire.append((name, dtype, list(a.shape), a.tobytes()))
    return wire


def run(model: ModelLike, inputs: Mapping[str, Any]) -> dict:
    """Compiles an ONNX model for the CPU (``convert-mp-to-linalg``, JIT; the
    engine of ``mp-run``) and runs it.

    Args:
        model: ModelProto, serialized bytes, or a path (external data works
            by path). Mixed-precision models run in the precisions they hold.
        inputs: ``{graph input name: numpy array}``; every graph input is
            required. Symbolic dims are pinned to the arrays' shapes.

    Returns:
        ``{output name: numpy array}`` in graph order.

    Raises:
        MixprecError: an unknown or missing input, a dtype or shape mismatch,
            or an op without a CPU lowering yet (see docs/cpu-execution.md).
    """
    import numpy as np

    wire = _to_wire(inputs)
    if isinstance(model, (str, os.PathLike)):
        outs = _mixprec.run_model(b"", os.fspath(model), wire)
    else:
        data = model.SerializeToString() if isinstance(model, onnx.ModelProto) else bytes(model)
        outs = _mixprec.run_model(data, "", wire)
    result = {}
    for name, dtype, shape, data in outs:
        np_dtype = np.dtype(("|" if dtype[0] == "b" or dtype[1:] == "1" else "<") + dtype)
        if dtype == "b1":
            np_dtype = np.dtype(bool)
        result[name] = np.frombuffer(data, dtype=np_dtype).reshape(shape).copy()
    return result


def run_pipeline(mlir_text: str, pipeline: str) -> str:
    """Runs a textual pass pipeline (e.g. ``"mp-autocast{target=bf16},cse"``)
    on MLIR text and returns the resulting MLIR text."""
    return _mixprec.run_pipeline(mlir_text, pipeline)


@dataclass
class TrainResult:
    """What :func:`train` measured."""
    losses: list            # the loss of every step (FP32, unscaled)
    loss_scales: list       # the dynamic loss scale after every step (empty otherwise)
    skipped_steps: list     # 1-based steps skipped because a gradient was inf/NaN
    final_loss: float
    samples_per_second: float


_LOSSES = ("cross-entropy", "mse")
_OPTIMIZERS = ("sgd", "momentum", "adam", "adamw")
_TRAIN_KEYS = {"beta1": "beta1", "beta2": "beta2", "eps": "eps", "weight_decay": "weight-decay",
               "momentum": "momentum", "accumulate": "accumulate", "clip_norm": "clip-norm",
               "output": "output"}
_SCALING_KEYS = {"init_scale": "init-scale", "growth_factor": "growth-factor",
                 "backoff_factor": "backoff-factor", "growth_interval": "growth-interval",
                 "min_scale": "min-scale", "max_scale": "max-scale"}


def _check_word(key: str, value: str) -> str:
    if not value or any(c in value for c in " ,{}\"'="):
        raise ValueError(f"{key}: {value!r} may not be empty or contain spaces, commas, "
                         "braces, quotes or '='")
    return value


def train_pipeline(*, loss: str = "cross-entropy", labels: str = "labels",
                   optimizer: str = "adamw", lr: float = 1e-3, target: Optional[str] = "f16",
                   loss_scaling: Optional[str] = "dynamic", master_weights: bool = True,
                   autocast_options: Optional[Mapping[str, Any]] = None,
                   autocast_summary: bool = True, **options) -> str:
    """The ``mp-opt`` pass pipeline :func:`train` runs, as text (the same
    string works with ``mp-opt --pass-pipeline='builtin.module(...)'``).
    ``autocast_summary=False`` silences autocast's summary on stderr."""
    if loss not in _LOSSES and not loss.startswith("output:"):
        raise ValueError(f"loss: {loss!r} is not one of {', '.join(_LOSSES)} or 'output:<name>'")
    if optimizer not in _OPTIMIZERS:
        raise ValueError(f"optimizer: {optimizer!r} is not one of {', '.join(_OPTIMIZERS)}")
    if target not in (None, "f16", "bf16"):
        raise ValueError(f"target: {target!r} is not None, 'f16' or 'bf16'")
    if loss_scaling not in (None, "static", "dynamic"):
        raise ValueError(f"loss_scaling: {loss_scaling!r} is not None, 'static' or 'dynamic'")
    build = [f"loss={_check_word('loss', loss)}", f"labels={_check_word('labels', labels)}",
             f"optimizer={optimizer}", f"lr={float(lr)!r}"]
    scaling = []
    for key, value in options.items():
        if key in _TRAIN_KEYS:
            v = _check_word(key, value) if isinstance(value, str) else repr(value)
            build.append(f"{_TRAIN_KEYS[key]}={v}")
        elif key in _SCALING_KEYS:
            scaling.append(f"{_SCALING_KEYS[key]}={value!r}")
        else:
            raise TypeError(f"train() got an unexpected option '{key}'; valid options: "
                            f"{', '.join(sorted(list(_TRAIN_KEYS) + list(_SCALING_KEYS)))}")
    passes = ["mp-build-train-step{" + " ".join(build) + "}"]
    if target is not None:
        ac = dict(autocast_options or {})
        ac["target"] = target
        quiet = "" if autocast_summary else " summary=0"
        passes.append("mp-autocast{" + _option_string(ac) + quiet + "}")
        if master_weights:
            passes.append("mp-master-weights")
    elif autocast_options:
        raise ValueError("autocast_options need a target")
    if loss_scaling is not None:
        passes.append("mp-loss-scaling{" + " ".join([f"mode={loss_scaling}"] + scaling) + "}")
    elif scaling:
        raise ValueError("loss-scaling options need loss_scaling='static' or 'dynamic'")
    return ",".join(passes)


def train(model: ModelLike, data: Mapping[str, Any], *, steps: int = 100, batch: int = 0,
          loss: str = "cross-entropy", labels: str = "labels", optimizer: str = "adamw",
          lr: float = 1e-3, target: Optional[str] = "f16",
          loss_scaling: Optional[str] = "dynamic", master_weights: bool = True,
          autocast_options: Optional[Mapping[str, Any]] = None, seed: int = 0,
          log_every: int = 0, log=None, **options) -> Tuple[onnx.ModelProto, TrainResult]:
    """Trains an FP32 ONNX model in mixed precision on the CPU: the engine of
    ``mp-opt --mp-build-train-step ... && mp-run --train`` (docs/training.md),
    in-process.

    The pipeline is ``mp-build-train-step`` (loss, optimizer) then
    ``mp-autocast{target}`` (FP16/BF16 compute), ``mp-master-weights`` (FP32
    masters, FP16 copies for forward and backward) and ``mp-loss-scaling``
    (GradScaler's defaults for "dynamic": 65536, x2 after 2000 clean steps,
    x0.5 and skip on inf/NaN). ``target=None`` trains in FP32.

    Args:
        model: the FP32 inference model (ModelProto, bytes or a path).
        data: ``{name: numpy array}`` with one array per data input and the
            labels (``labels``: class indices for cross-entropy, targets for
            mse), all with the same leading (sample) dimension. Batches are
            drawn from a seeded shuffle, epoch after epoch.
        steps: optimizer steps; batch: samples per step (0: the model's batch).
        loss, labels, optimizer, lr: as ``mp-build-train-step``.
        target, loss_scaling, master_weights, autocast_options: see above;
            autocast_options take :func:`autocast`'s spelling.
        log_every: a progress line every this many steps (0: ten per run),
            passed to ``log`` (a callable; None: silent).
        **options: beta1, beta2, eps, weight_decay, momentum, accumulate,
            clip_norm, output (``mp-build-train-step``) and init_scale,
            growth_factor, backoff_factor, growth_interval, min_scale,
            max_scale (``mp-loss-scaling``).

    Returns:
        ``(trained FP32 inference ModelProto, TrainResult)``.

    Raises:
        MixprecError: the model cannot be differentiated (the message names
            the node), the data does not match the step's inputs, or an
            option is rejected.
    """
    if int(steps) < 1 or int(batch) < 0 or int(log_every) < 0:
        raise ValueError("steps must be at least 1; batch and log_every not negative")
    if log is not None and not callable(log):
        raise TypeError("log must be a callable taking one line, or None")
    pipeline = train_pipeline(loss=loss, labels=labels, optimizer=optimizer, lr=lr,
                              target=target, loss_scaling=loss_scaling,
                              master_weights=master_weights, autocast_options=autocast_options,
                              autocast_summary=False, **options)
    wire = _to_wire(data)
    if isinstance(model, (str, os.PathLike)):
        out = _mixprec.train_model(b"", os.fspath(model), pipeline, wire, steps, batch,
                                   log_every, seed, log)
    else:
        blob = model.SerializeToString() if isinstance(model, onnx.ModelProto) else bytes(model)
        out = _mixprec.train_model(blob, "", pipeline, wire, steps, batch, log_every, seed, log)
    trained, losses, scales, skipped, final, rate = out
    result = onnx.ModelProto()
    result.ParseFromString(trained)
    return result, TrainResult(losses=list(losses), loss_scales=list(scales),
                               skipped_steps=list(skipped), final_loss=float(final),
                               samples_per_second=float(rate))
