#!/usr/bin/env python3
"""Models for the ops that libonnx-testdata only exercises at opsets below 7
(or not at all): GlobalAveragePool, InstanceNormalization, Not, Softplus,
Gelu (opset 20), GroupNormalization (opsets 18 and 21)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
F = TensorProto.FLOAT


def save(name, nodes, inputs, outputs, inits=(), opset=17):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 10 if opset > 20 else 8
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, name + ".onnx"))


def vi(name, shape, t=F):
    return helper.make_tensor_value_info(name, t, shape)


def const(name, shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


save("globalaveragepool", [helper.make_node("GlobalAveragePool", ["x"], ["y"])],
     [vi("x", [2, 3, 5, 5])], [vi("y", [2, 3, 1, 1])])
save("instancenorm", [helper.make_node("InstanceNormalization", ["x", "s", "b"], ["y"], epsilon=1e-3)],
     [vi("x", [2, 3, 4, 4])], [vi("y", [2, 3, 4, 4])], [const("s", [3]), const("b", [3])])
save("not", [helper.make_node("Not", ["x"], ["y"])],
     [vi("x", [3, 4], TensorProto.BOOL)], [vi("y", [3, 4], TensorProto.BOOL)])
save("softplus", [helper.make_node("Softplus", ["x"], ["y"])], [vi("x", [3, 4])], [vi("y", [3, 4])])
save("gelu_tanh", [helper.make_node("Gelu", ["x"], ["y"], approximate="tanh")],
     [vi("x", [3, 4])], [vi("y", [3, 4])], opset=20)
save("gelu", [helper.make_node("Gelu", ["x"], ["y"])], [vi("x", [3, 4])], [vi("y", [3, 4])], opset=20)
save("groupnorm21", [helper.make_node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=2,
                                      epsilon=1e-5)],
     [vi("x", [2, 4, 3, 3])], [vi("y", [2, 4, 3, 3])], [const("s", [4]), const("b", [4])], opset=21)
