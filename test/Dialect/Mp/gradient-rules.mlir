// RUN: mp-opt %s --split-input-file --mp-build-train-step="loss=mse" --canonicalize | FileCheck %s
// RUN: mp-opt %s --split-input-file --mp-build-train-step="loss=mse optimizer=sgd" | FileCheck %s --check-prefix=STEP

// Gradient rules that need more than a formula, as mp-build-train-step
// emits them.

// Training-mode Dropout without a mask result: the rule builds a copy of the
// op that returns the mask (the lowering's mask depends only on the seed and
// the element index, so the copy drops the same elements), then
// dX = dY * mask / (1 - ratio).
// CHECK-LABEL: func.func @main(
// CHECK-DAG: %[[SCALE:.*]] = mp.constant {value = dense<1.33333337> : tensor<f32>}
// CHECK-DAG: %[[R:.*]] = mp.constant {value = dense<2.500000e-01> : tensor<f32>}
// CHECK-DAG: %[[TM:.*]] = mp.constant {value = dense<true> : tensor<i1>}
// CHECK: %[[Y:.*]] = mp.dropout %[[M:.*]], %[[R]], %[[TM]] {seed = 3 : i64} : (tensor<4x6xf32>, tensor<f32>, tensor<i1>) -> tensor<4x6xf32>
// CHECK: %{{.*}}, %[[MASK:.*]] = mp.dropout %[[M]], %[[R]], %[[TM]] {seed = 3 : i64} : (tensor<4x6xf32>, tensor<f32>, tensor<i1>) -> (tensor<4x6xf32>, tensor<4x6xi1>)
// CHECK: %[[KEEP:.*]] = mp.cast %[[MASK]] {to = f32}
// CHECK: %[[G1:.*]] = mp.mul %{{.*}}, %[[KEEP]]
// CHECK: mp.mul %[[G1]], %[[SCALE]] : (tensor<4x6xf32>, tensor<f32>) -> tensor<4x6xf32>
// With an optimizer there is a step counter, and the Dropout is rewritten
// before differentiation into x * mask / (1 - ratio) with a mask drawn for
// the current step; the mask needs no gradient.
// STEP-LABEL: func.func @main(
// STEP-SAME: %[[STEP:[^:]+]]: tensor<i64> {mp.name = "step"}
// STEP-NOT: mp.dropout %
// STEP: %[[MASK:.*]] = mp.dropout_mask %[[STEP]] {ratio = 2.500000e-01 : f32, seed = 3 : i64} : (tensor<i64>) -> tensor<4x6xi1>
// STEP: %[[KEEP:.*]] = mp.cast %[[MASK]] {to = f32}
// STEP: %[[K:.*]] = mp.mul %{{.*}}, %[[KEEP]]
// STEP: mp.mul %[[K]], %{{.*}} : (tensor<4x6xf32>, tensor<f32>) -> tensor<4x6xf32>
// STEP: func.func private @inference
// STEP: mp.dropout %{{.*}} {seed = 3 : i64}
func.func @main(%x: tensor<4x6xf32> {mp.name = "x"}) -> (tensor<4x6xf32> {mp.name = "y"}) {
  %w = mp.constant {initializer = "w", value = dense<0.5> : tensor<4x6xf32>} : () -> tensor<4x6xf32>
  %m = mp.mul %x, %w : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %r = mp.constant {value = dense<0.25> : tensor<f32>} : () -> tensor<f32>
  %t = mp.constant {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  %y = mp.dropout %m, %r, %t {seed = 3 : i64} : (tensor<4x6xf32>, tensor<f32>, tensor<i1>) -> tensor<4x6xf32>
  return %y : tensor<4x6xf32>
}

// -----

// Resize along H (x2, linear): the interpolation matrix comes from the same
// Resize applied to an identity probe in (N, H), in f32 and with zero
// extrapolation; dX is dY contracted with it along H (H moved last, a MatMul,
// moved back).
// CHECK-LABEL: func.func @main(
// CHECK-DAG: %[[S:.*]] = mp.constant {value = dense<[1.000000e+00, 1.000000e+00, 2.000000e+00, 1.000000e+00]> : tensor<4xf32>}
// CHECK-DAG: %[[P:.*]] = mp.constant {value = dense<{{.*}}> : tensor<3x1x3x1xf32>}
// CHECK: mp.resize %{{.*}}, none, %[[S]] {mode = "linear"}
// CHECK: %[[A:.*]] = mp.resize %[[P]], none, %[[S]] {extrapolation_value = 0.000000e+00 : f32, mode = "linear"} : (tensor<3x1x3x1xf32>, tensor<4xf32>) -> tensor<3x1x6x1xf32>
// CHECK: %[[AT:.*]] = mp.reshape %[[A]], %{{.*}} -> tensor<3x6xf32>
// CHECK: %[[AM:.*]] = mp.transpose %[[AT]] {perm = array<i64: 1, 0>} : (tensor<3x6xf32>) -> tensor<6x3xf32>
// CHECK: %[[GP:.*]] = mp.transpose %{{.*}} {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x6x4xf32>) -> tensor<1x2x4x6xf32>
// CHECK: %[[DX:.*]] = mp.matmul %[[GP]], %[[AM]] : (tensor<1x2x4x6xf32>, tensor<6x3xf32>) -> tensor<1x2x4x3xf32>
// CHECK: mp.transpose %[[DX]] {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x3xf32>) -> tensor<1x2x3x4xf32>
func.func @main(%x: tensor<1x2x3x4xf32> {mp.name = "x"}) -> (tensor<1x2x6x4xf32> {mp.name = "y"}) {
  %w = mp.constant {initializer = "w", value = dense<0.5> : tensor<1x2x3x4xf32>} : () -> tensor<1x2x3x4xf32>
  %m = mp.mul %x, %w : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %s = mp.constant {value = dense<[1.0, 1.0, 2.0, 1.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = mp.resize %m, none, %s {mode = "linear"} : (tensor<1x2x3x4xf32>, tensor<4xf32>) -> tensor<1x2x6x4xf32>
  return %y : tensor<1x2x6x4xf32>
}
