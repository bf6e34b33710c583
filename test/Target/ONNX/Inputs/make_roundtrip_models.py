#!/usr/bin/env python3
"""Writes models for roundtrip.test: a small CNN with named nodes, metadata
and a weight large enough to be a dense_resource; and an If/Loop model."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)


def init(name, shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


nodes = [
    helper.make_node("Conv", ["x", "conv.w", "conv.b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
    helper.make_node("BatchNormalization", ["c", "bn.s", "bn.b", "bn.m", "bn.v"], ["n"], name="bn"),
    helper.make_node("Relu", ["n"], ["r"], name="relu"),
    helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
    helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["logits"], name="fc", transB=1),
    helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
]
inits = [init("conv.w", [4, 3, 3, 3]), init("conv.b", [4]), init("bn.s", [4]), init("bn.b", [4]),
         init("bn.m", [4]),
         numpy_helper.from_array(np.abs(rng.standard_normal(4)).astype(np.float32) + 0.5, "bn.v"),
         init("fc.w", [10, 64]), init("fc.b", [10])]
g = helper.make_graph(nodes, "cnn",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
                      [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 10]),
                       helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
                      initializer=inits, doc_string="a tiny CNN")
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="mixprec-tests",
                      producer_version="1.0", doc_string="model doc", model_version=3)
m.ir_version = 8
helper.set_model_props(m, {"author": "tests", "license": "MIT"})
onnx.checker.check_model(m)
onnx.save(m, os.path.join(out, "cnn.onnx"))

# Control flow: If in a Loop body reading an outer value.
two = numpy_helper.from_array(np.array([2.0, 2.0], np.float32), "two")
then_g = helper.make_graph([helper.make_node("Mul", ["acc_in", "two"], ["t"])], "then", [],
                           [helper.make_tensor_value_info("t", TensorProto.FLOAT, [2])])
else_g = helper.make_graph([helper.make_node("Add", ["acc_in", "two"], ["e"])], "else", [],
                           [helper.make_tensor_value_info("e", TensorProto.FLOAT, [2])])
body = helper.make_graph(
    [helper.make_node("Less", ["i", "three"], ["small"]),
     helper.make_node("If", ["small"], ["acc_out"], then_branch=then_g, else_branch=else_g),
     helper.make_node("Identity", ["cond_in"], ["cond_out"]),
     helper.make_node("Identity", ["acc_out"], ["scan_out"])],
    "body",
    [helper.make_tensor_value_info("i", TensorProto.INT64, []),
     helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
     helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, [2])],
    [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
     helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [2]),
     helper.make_tensor_value_info("scan_out", TensorProto.FLOAT, [2])])
three = numpy_helper.from_array(np.array(3, np.int64), "three")
trip = numpy_helper.from_array(np.array(5, np.int64), "trip")
cond = numpy_helper.from_array(np.array(True), "cond")
g = helper.make_graph([helper.make_node("Loop", ["trip", "cond", "x"], ["final", "scans"], name="loop",
                                        body=body)],
                      "loop_model", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                      [helper.make_tensor_value_info("final", TensorProto.FLOAT, [2]),
                       helper.make_tensor_value_info("scans", TensorProto.FLOAT, [5, 2])],
                      initializer=[two, three, trip, cond])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
m.ir_version = 8
onnx.checker.check_model(m)
onnx.save(m, os.path.join(out, "loop.onnx"))
