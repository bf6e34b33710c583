#!/usr/bin/env python3
"""Generates the bundled example model examples/cnn.onnx: a small MNIST-style
CNN (Conv-BN-Relu-MaxPool x2, Gemm, Softmax) with named nodes, a symbolic
batch dimension and seeded random weights. Run from the repo root:
    .venv/bin/python utils/gen_examples.py examples/cnn.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(seed=0):
    rng = np.random.default_rng(seed)

    def w(name, shape, scale=0.1):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    inits, nodes = [], []
    chans = [1, 8, 16]
    x = "image"
    for i in range(2):
        cin, cout = chans[i], chans[i + 1]
        p = f"block{i + 1}"
        inits += [w(f"{p}.conv.weight", [cout, cin, 3, 3]), w(f"{p}.conv.bias", [cout]),
                  w(f"{p}.bn.weight", [cout]), w(f"{p}.bn.bias", [cout]),
                  w(f"{p}.bn.running_mean", [cout]),
                  numpy_helper.from_array(np.abs(rng.standard_normal(cout)).astype(np.float32) + 0.5,
                                          f"{p}.bn.running_var")]
        nodes += [
            helper.make_node("Conv", [x, f"{p}.conv.weight", f"{p}.conv.bias"], [f"{p}.conv"],
                             name=f"{p}/conv", pads=[1, 1, 1, 1]),
            helper.make_node("BatchNormalization",
                             [f"{p}.conv", f"{p}.bn.weight", f"{p}.bn.bias", f"{p}.bn.running_mean",
                              f"{p}.bn.running_var"], [f"{p}.bn"], name=f"{p}/bn", epsilon=1e-5),
            helper.make_node("Relu", [f"{p}.bn"], [f"{p}.relu"], name=f"{p}/relu"),
            helper.make_node("MaxPool", [f"{p}.relu"], [f"{p}.pool"], name=f"{p}/pool",
                             kernel_shape=[2, 2], strides=[2, 2]),
        ]
        x = f"{p}.pool"
    inits += [w("fc.weight", [10, 16 * 7 * 7], 0.05), w("fc.bias", [10])]
    nodes += [helper.make_node("Flatten", [x], ["flat"], name="flatten", axis=1),
              helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc",
                               transB=1),
              helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=-1)]
    graph = helper.make_graph(
        nodes, "mnist_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 28, 28])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 10])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="mixprec/utils/gen_examples.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    onnx.save(build(), sys.argv[1] if len(sys.argv) > 1 else "examples/cnn.onnx")
