// RUN: mp-opt %s -split-input-file -mp-autocast="summary=0" | FileCheck %s
// RUN: mp-opt %s -split-input-file -mp-autocast="summary=0 nodes-to-exclude=t" | FileCheck %s --check-prefix=EXCL
// RUN: mp-opt %s -split-input-file -mp-autocast="summary=0 input-range=typo:0:1" 2>&1 | FileCheck %s --check-prefix=TYPO

// Regressions found while testing the autocast passes.

// Unknown ops have unknown effects: never merged or deleted.
// CHECK-LABEL: func.func @unknown_ops_survive
// CHECK: mp.onnx_op ""::"RandomNormalLike" %[[IN:[0-9]+]]
// CHECK: mp.onnx_op ""::"RandomNormalLike" %[[IN]]
// CHECK: mp.onnx_op "com.example"::"Print" %[[IN]]
// TYPO: warning: mp-assign-precision: input-range names 'typo', which is not a graph input (inputs: x); it has no effect
func.func @unknown_ops_survive(%x: tensor<4xf32> {mp.name = "x"}) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = mp.onnx_op ""::"RandomNormalLike" %x : (tensor<4xf32>) -> tensor<4xf32>
  %b = mp.onnx_op ""::"RandomNormalLike" %x : (tensor<4xf32>) -> tensor<4xf32>
  mp.onnx_op "com.example"::"Print" %x : (tensor<4xf32>) -> ()
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// -----

// Resize's scales keep FP32 even when the graph inputs become FP16.
// CHECK-LABEL: func.func @resize_scales_stay_f32
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x4x4xf16> {mp.name = "x"}, %[[S:.*]]: tensor<4xf16> {mp.name = "scales"})
// CHECK: %[[SC:.*]] = mp.cast %[[S]] {to = f32} : (tensor<4xf16>) -> tensor<4xf32>
// CHECK: mp.resize %{{.*}}, none, %[[SC]] {{.*}} : (tensor<1x3x4x4xf32>, tensor<4xf32>) -> tensor<1x3x8x8xf32>
func.func @resize_scales_stay_f32(%x: tensor<1x3x4x4xf32> {mp.name = "x"}, %s: tensor<4xf32> {mp.name = "scales"}) -> tensor<1x3x8x8xf32> {
  %w = mp.constant {initializer = "w", value = dense<0.5> : tensor<1x3x4x4xf32>} : () -> tensor<1x3x4x4xf32>
  %m = mp.mul %x, %w : (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  %r = mp.resize %m, none, %s {mode = "nearest"} : (tensor<1x3x4x4xf32>, tensor<4xf32>) -> tensor<1x3x8x8xf32>
  return %r : tensor<1x3x8x8xf32>
}

// -----

// A Shape user reads only the shape: it does not keep its producer in FP32.
// CHECK-LABEL: func.func @shape_user_is_neutral
// CHECK: mp.relu %{{.*}} {mp.evidence = "its results feed {{.*}}MatMul{{.*}}", mp.precision = "f16", mp.rule = "feeds-low-consumer"}
func.func @shape_user_is_neutral(%x: tensor<4x8xf32> {mp.name = "x"}) -> (tensor<4x8xf32>, tensor<2xi64>) {
  %w = mp.constant {initializer = "w", value = dense<0.5> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %r = mp.relu %x : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %m = mp.matmul %r, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %s = mp.shape %r : (tensor<4x8xf32>) -> tensor<2xi64>
  return %m, %s : tensor<4x8xf32>, tensor<2xi64>
}

// -----

// An excluded node keeps FP32 even where mp-optimize-casts could sink a cast
// through it.
// EXCL-LABEL: func.func @exclude_is_not_overridden
// EXCL: mp.transpose {{.*}}mp.precision = "f32", mp.rule = "exclude"{{.*}} : (tensor<4x8xf32>) -> tensor<8x4xf32>
func.func @exclude_is_not_overridden(%x: tensor<4x8xf32> {mp.name = "x"}) -> tensor<8x8xf32> {
  %w = mp.constant {initializer = "w", value = dense<0.5> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %w2 = mp.constant {initializer = "w2", value = dense<0.5> : tensor<4x8xf32>} : () -> tensor<4x8xf32>
  %m = mp.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %t = mp.transpose %m {perm = array<i64: 1, 0>} : (tensor<4x8xf32>) -> tensor<8x4xf32> loc("t")
  %m2 = mp.matmul %t, %w2 : (tensor<8x4xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  return %m2 : tensor<8x8xf32>
}
