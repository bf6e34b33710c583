#!/usr/bin/env python3
"""Writes the binary ONNX models that errors-binary.test feeds to mp-opt.

Each model is valid except for the one defect its name describes."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def model(nodes, inputs, outputs, inits=(), opset=17):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def save(m, name):
    with open(os.path.join(out, name), "wb") as f:
        f.write(m.SerializeToString())


X = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])
Y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])

# A good model with a 64-float weight, then truncated copies of it.
w = numpy_helper.from_array(np.arange(8, dtype=np.float32).reshape(2, 4), "w")
good = model([helper.make_node("Add", ["x", "w"], ["y"], name="add0")], [X], [Y], [w])
save(good, "good.onnx")
data = good.SerializeToString()
with open(os.path.join(out, "truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])
with open(os.path.join(out, "garbage.onnx"), "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n this is not a protobuf \xff\xff\xff")
open(os.path.join(out, "empty.onnx"), "wb").close()

# A named node whose attribute has the wrong kind.
save(model([helper.make_node("Softmax", ["x"], ["y"], name="soft1", axis=1.5)], [X], [Y]),
     "attr_kind.onnx")

# A node that reads an initializer that does not exist.
save(model([helper.make_node("Add", ["x", "missing_w"], ["y"], name="add_missing")], [X], [Y]),
     "missing_init.onnx")

# raw_data shorter than the shape needs.
bad = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2, 4],
                  raw_data=np.zeros(5, np.float32).tobytes())
save(model([helper.make_node("Add", ["x", "w"], ["y"], name="add1")], [X], [Y], [bad]),
     "raw_size.onnx")

# value_info that contradicts the op: MatMul of 2x4 by 4x3 declared 2x5.
wm = numpy_helper.from_array(np.ones((4, 3), np.float32), "wm")
save(model([helper.make_node("MatMul", ["x", "wm"], ["y3"], name="mm")], [X],
           [helper.make_tensor_value_info("y3", TensorProto.FLOAT, [2, 5])], [wm]),
     "shape_contradiction.onnx")

# Unknown domain version.
m = model([helper.make_node("Relu", ["x"], ["y"])], [X], [Y])
m.opset_import[0].version = 30
save(m, "opset30.onnx")

# External data: one valid model and several that escape the model folder.
def ext_model(location, name, length=None, offset=0):
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2, 4])
    t.data_location = TensorProto.EXTERNAL
    for k, v in [("location", location), ("offset", str(offset))] + \
            ([("length", str(length))] if length is not None else []):
        e = t.external_data.add()
        e.key, e.value = k, v
    save(model([helper.make_node("Add", ["x", "w"], ["y"], name="add_ext")], [X], [Y], [t]), name)


ext = os.path.join(out, "ext")
os.makedirs(ext, exist_ok=True)
with open(os.path.join(ext, "weights.bin"), "wb") as f:
    f.write(b"\0" * 16 + np.arange(8, dtype=np.float32).tobytes())
out_orig = out
out = ext
ext_model("weights.bin", "ok.onnx", length=32, offset=16)
ext_model("/etc/passwd", "absolute.onnx")
ext_model("../good.onnx", "dotdot.onnx")
ext_model("missing.bin", "missing_file.onnx")
ext_model("weights.bin", "short.onnx", length=32, offset=40)
ext_model("weights.bin", "bad_length.onnx", length=12, offset=16)
link = os.path.join(ext, "link.bin")
if os.path.lexists(link):
    os.remove(link)
os.symlink(os.path.join(out_orig, "outside.bin"), link)
with open(os.path.join(out_orig, "outside.bin"), "wb") as f:
    f.write(np.arange(8, dtype=np.float32).tobytes())
ext_model("link.bin", "symlink.onnx", length=32)
