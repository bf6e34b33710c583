#!/usr/bin/env python3
"""Models for review-regressions.test: inputs that once crashed or were
mis-imported (each case is described where it is built)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as TP
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def save(m, name):
    with open(os.path.join(out, name), "wb") as f:
        f.write(m.SerializeToString())


# A subgraph initializer that is also a subgraph input (IR 3 layout) shadows
# an outer value of the same name.
then_g = h.make_graph([h.make_node("Identity", ["c"], ["ty"])], "then",
                      [h.make_tensor_value_info("c", TP.FLOAT, [2])],
                      [h.make_tensor_value_info("ty", TP.FLOAT, [2])],
                      initializer=[nh.from_array(np.array([1., 2.], np.float32), "c")])
else_g = h.make_graph([h.make_node("Identity", ["c"], ["ey"])], "else", [],
                      [h.make_tensor_value_info("ey", TP.FLOAT, [2])])
g = h.make_graph([h.make_node("If", ["cond"], ["y"], then_branch=then_g, else_branch=else_g)], "g",
                 [h.make_tensor_value_info("cond", TP.BOOL, [])],
                 [h.make_tensor_value_info("y", TP.FLOAT, [2])],
                 initializer=[nh.from_array(np.array([100., 100.], np.float32), "c")])
m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
m.ir_version = 8
save(m, "sub_init.onnx")

# A Loop body with no outputs at all (must yield at least the condition).
body = h.make_graph([], "body", [h.make_tensor_value_info("i", TP.INT64, []),
                                 h.make_tensor_value_info("cin", TP.BOOL, []),
                                 h.make_tensor_value_info("xin", TP.FLOAT, [2])], [])
g = h.make_graph([h.make_node("Loop", ["M", "", "x"], ["y"], body=body)], "g",
                 [h.make_tensor_value_info("M", TP.INT64, []), h.make_tensor_value_info("x", TP.FLOAT, [2])],
                 [h.make_tensor_value_info("y", TP.UNDEFINED, None)])
m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
m.ir_version = 8
save(m, "loop_noout.onnx")

# Loop(M, "", x): a skipped condition counts towards the minimum arity.
body = h.make_graph([h.make_node("Identity", ["cin"], ["cout"]), h.make_node("Neg", ["xin"], ["xout"])],
                    "body", [h.make_tensor_value_info("i", TP.INT64, []), h.make_tensor_value_info("cin", TP.BOOL, []),
                             h.make_tensor_value_info("xin", TP.FLOAT, [2])],
                    [h.make_tensor_value_info("cout", TP.BOOL, []), h.make_tensor_value_info("xout", TP.FLOAT, [2])])
g = h.make_graph([h.make_node("Loop", ["M", "", "x"], ["y"], body=body)], "g",
                 [h.make_tensor_value_info("M", TP.INT64, []), h.make_tensor_value_info("x", TP.FLOAT, [2])],
                 [h.make_tensor_value_info("y", TP.FLOAT, [2])])
m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
m.ir_version = 8
save(m, "loop_mcond.onnx")

# Dims whose product overflows 64 bits.
w = onnx.TensorProto(name="w", data_type=TP.FLOAT, dims=[2**62 + 1, 4], raw_data=b"\0" * 16)
g = h.make_graph([h.make_node("Identity", ["w"], ["y"])], "g", [], [h.make_tensor_value_info("y", TP.FLOAT, None)],
                 initializer=[w])
m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
m.ir_version = 8
save(m, "huge.onnx")

# An input whose default initializer has another element type.
g = h.make_graph([h.make_node("Identity", ["w"], ["y"])], "g", [h.make_tensor_value_info("w", TP.FLOAT, [2])],
                 [h.make_tensor_value_info("y", TP.FLOAT, [2])],
                 initializer=[nh.from_array(np.array([1, 2], np.int64), "w")])
m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
m.ir_version = 8
save(m, "init_type.onnx")

# Conv -> BatchNormalization -> Conv at opset 13 (BN-14 and older need one
# type for X and its parameters) and with a default-initializer input.
rng = np.random.default_rng(0)
nodes = [h.make_node("Conv", ["x", "w1"], ["c1"], name="conv1"),
         h.make_node("BatchNormalization", ["c1", "s", "b", "m", "v"], ["n"], name="bn"),
         h.make_node("Conv", ["n", "w2"], ["y"], name="conv2")]
inits = [nh.from_array(rng.standard_normal((2, 2, 1, 1)).astype(np.float32), "w1"),
         nh.from_array(rng.standard_normal((2, 2, 1, 1)).astype(np.float32), "w2"),
         nh.from_array(np.ones(2, np.float32), "s"), nh.from_array(np.zeros(2, np.float32), "b"),
         nh.from_array(np.zeros(2, np.float32), "m"), nh.from_array(np.ones(2, np.float32), "v"),
         nh.from_array(np.full((1, 2, 3, 3), 0.5, np.float32), "x")]
g = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", TP.FLOAT, [1, 2, 3, 3])],
                 [h.make_tensor_value_info("y", TP.FLOAT, [1, 2, 3, 3])], initializer=inits)
m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
m.ir_version = 7
save(m, "bn13.onnx")
