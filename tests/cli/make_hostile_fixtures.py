#!/usr/bin/python3
"""Writes the hostile-input fixtures of the `deepvis` CLI tests into tests/cli/data/ (numpy and
onnx only; run with /usr/bin/python3). Each must end in one clear error (tests/cli/CMakeLists.txt).

  zero_classes.onnx   (N, 4) -> MatMul by a (4, 0) weight -> (N, 0): a model with no classes
  input_nan.npy       input.npy's shape (2, 3, 8, 8) with a NaN at (1, 2, 3, 4)
  input_inf.npy       the same with -inf at (0, 0, 0, 1)
  input_4.npy         (2, 4) float32, the input of zero_classes.onnx
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def main():
    x = np.linspace(-1, 1, 2 * 3 * 8 * 8, dtype=np.float32).reshape(2, 3, 8, 8)
    bad = x.copy()
    bad[1, 2, 3, 4] = np.nan
    np.save(os.path.join(HERE, "input_nan.npy"), bad)
    bad = x.copy()
    bad[0, 0, 0, 1] = -np.inf
    np.save(os.path.join(HERE, "input_inf.npy"), bad)
    np.save(os.path.join(HERE, "input_4.npy"), np.ones((2, 4), np.float32))

    w = numpy_helper.from_array(np.zeros((4, 0), np.float32), "w")
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["scores"], name="fc")], "zero_classes",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", 0])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_hostile_fixtures")
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, "zero_classes.onnx"))
    print("make_hostile_fixtures: wrote zero_classes.onnx, input_nan.npy, input_inf.npy, input_4.npy")


if __name__ == "__main__":
    main()
