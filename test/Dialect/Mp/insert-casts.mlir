// RUN: mp-opt %s -split-input-file -mp-assign-precision="nodes-to-exclude=exclude_me" -mp-insert-casts | FileCheck %s
// RUN: mp-opt %s -split-input-file -mp-assign-precision="op-types-to-include=Gemm,ReduceMean" -mp-insert-casts | FileCheck %s --check-prefix=INCL
// RUN: mp-opt %s -split-input-file -mp-assign-precision="op-types-to-include=Gemm,ReduceMean" -mp-insert-casts="clamp-constants=1" | FileCheck %s --check-prefix=CLAMP
// RUN: mp-opt %s -split-input-file -mp-assign-precision="keep-io-types=1" -mp-insert-casts | FileCheck %s --check-prefix=KEEPIO
// RUN: mp-opt %s -split-input-file -mp-assign-precision="target=bf16" -mp-insert-casts | FileCheck %s --check-prefix=BF16

// mp-insert-casts materialises the decisions of mp-assign-precision.

// One cast per (value, type), shared by both low consumers; the shared
// weight is converted once, offline (1e-6 becomes an FP16 subnormal). Low
// compute ops accumulate in FP32; a low Add does not record an accumulator.
// Without keep-io-types the graph input and output become f16.
// CHECK-LABEL: func.func @share(
// CHECK-SAME: %arg0: tensor<4x2xf16> {mp.name = "x"}) -> (tensor<4x2xf16> {mp.name = "y"})
// CHECK-NEXT: %[[XU:.*]] = mp.cast %arg0 {to = f32} : (tensor<4x2xf16>) -> tensor<4x2xf32>
// CHECK-NEXT: %[[W:.*]] = mp.constant {initializer = "w", value = dense_resource<w_f16> : tensor<2x2xf16>, mp.conversion = {clamped = 0 : i64, flushed_to_zero = 0 : i64, from = f32, max_abs_error = {{.*}} : f64, subnormal = 1 : i64}} : () -> tensor<2x2xf16>
// CHECK-NEXT: %[[S:.*]] = mp.softmax %[[XU]] {{.*}}mp.precision = "f32"{{.*}} : (tensor<4x2xf32>) -> tensor<4x2xf32>
// CHECK-NEXT: %[[SC:.*]] = mp.cast %[[S]] {to = f16} : (tensor<4x2xf32>) -> tensor<4x2xf16>
// CHECK-NOT: = mp.cast
// CHECK: %[[M0:.*]] = mp.matmul %[[SC]], %[[W]] {mp.acc_type = f32, {{.*}}mp.precision = "f16"{{.*}} : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
// CHECK-NOT: = mp.cast
// CHECK: %[[M1:.*]] = mp.matmul %[[SC]], %[[W]] {mp.acc_type = f32, {{.*}} : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
// CHECK-NEXT: %[[A:.*]] = mp.add %[[M0]], %[[M1]] {mp.evidence = {{.*}}, mp.precision = "f16", mp.rule = "follows-low-input"} : (tensor<4x2xf16>, tensor<4x2xf16>) -> tensor<4x2xf16>
// CHECK-NEXT: %[[AU:.*]] = mp.cast %[[A]] {to = f32}
// CHECK-NEXT: %[[Y:.*]] = mp.softmax %[[AU]]
// CHECK-NEXT: %[[YC:.*]] = mp.cast %[[Y]] {to = f16}
// CHECK-NEXT: return %[[YC]] : tensor<4x2xf16>
// 1e-6 rounds to 17 * 2^-24 (0x0011).
// CHECK: w_f16: "0x020000000038003C11000034"
// KEEPIO-LABEL: func.func @share(
// KEEPIO-SAME: %arg0: tensor<4x2xf32> {mp.name = "x"}) -> (tensor<4x2xf32> {mp.name = "y"})
// KEEPIO-NOT: mp.cast %arg0
// KEEPIO: mp.softmax %arg0
// KEEPIO: return %{{.*}} : tensor<4x2xf32>
func.func @share(%x: tensor<4x2xf32> {mp.name = "x"}) -> (tensor<4x2xf32> {mp.name = "y"}) {
  %w = mp.constant {initializer = "w", value = dense<[[0.5, 1.0], [1.0e-6, 0.25]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %s = mp.softmax %x : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %0 = mp.matmul %s, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %1 = mp.matmul %s, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %2 = mp.add %0, %1 : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %3 = mp.softmax %2 : (tensor<4x2xf32>) -> tensor<4x2xf32>
  return %3 : tensor<4x2xf32>
}

// -----

// Graph inputs/outputs: low with keep-io-types=0 (the signature changes),
// FP32 with casts at the boundary with keep-io-types=1.
// CHECK-LABEL: func.func @io(
// CHECK-SAME: %arg0: tensor<4x2xf16> {mp.name = "x"}, %arg1: tensor<4x2xi64> {mp.name = "i"}) -> (tensor<4x2xf16> {mp.name = "y"}, tensor<4x2xi64> {mp.name = "j"})
// CHECK-NOT: = mp.cast
// CHECK: %[[M:.*]] = mp.matmul %arg0, %{{.*}} : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
// CHECK-NEXT: return %[[M]], %arg1 : tensor<4x2xf16>, tensor<4x2xi64>
// KEEPIO-LABEL: func.func @io(
// KEEPIO-SAME: %arg0: tensor<4x2xf32> {mp.name = "x"}, %arg1: tensor<4x2xi64> {mp.name = "i"}) -> (tensor<4x2xf32> {mp.name = "y"}, tensor<4x2xi64> {mp.name = "j"})
// KEEPIO-NEXT: %[[XC:.*]] = mp.cast %arg0 {to = f16} : (tensor<4x2xf32>) -> tensor<4x2xf16>
// KEEPIO: %[[M:.*]] = mp.matmul %[[XC]], %{{.*}} : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
// KEEPIO-NEXT: %[[MU:.*]] = mp.cast %[[M]] {to = f32} : (tensor<4x2xf16>) -> tensor<4x2xf32>
// KEEPIO-NEXT: return %[[MU]], %arg1 : tensor<4x2xf32>, tensor<4x2xi64>
// BF16-LABEL: func.func @io(
// BF16-SAME: %arg0: tensor<4x2xbf16> {mp.name = "x"}, %arg1: tensor<4x2xi64> {mp.name = "i"}) -> (tensor<4x2xbf16> {mp.name = "y"}, tensor<4x2xi64> {mp.name = "j"})
// BF16: mp.constant {initializer = "w", value = dense_resource<w_bf16> : tensor<2x2xbf16>, mp.conversion = {{{.*}}from = f32{{.*}}}} : () -> tensor<2x2xbf16>
// BF16: mp.matmul %arg0, %{{.*}} {mp.acc_type = f32, {{.*}}mp.precision = "bf16"{{.*}} : (tensor<4x2xbf16>, tensor<2x2xbf16>) -> tensor<4x2xbf16>
// BF16: w_bf16: "0x02000000003F803F0040803E"
func.func @io(%x: tensor<4x2xf32> {mp.name = "x"}, %i: tensor<4x2xi64> {mp.name = "i"}) -> (tensor<4x2xf32> {mp.name = "y"}, tensor<4x2xi64> {mp.name = "j"}) {
  %w = mp.constant {initializer = "w", value = dense<[[0.5, 1.0], [2.0, 0.25]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %0 = mp.matmul %x, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  return %0, %i : tensor<4x2xf32>, tensor<4x2xi64>
}

// -----

// Offline constant conversion. -1e-9 flushes to -0.0 (0x8000: the sign
// survives) and is counted; 70000 overflows FP16: without clamp-constants
// the initializer stays FP32 and is cast at run time, with it the value is
// clamped to 65504 (0x7BFF). The Gemms are forced low with
// op-types-to-include (they would otherwise stay FP32 by min-positive and
// init-max). A Sensitive reduction forced low accumulates in FP32.
// CHECK-LABEL: func.func @consts(
// CHECK: mp.gemm {{.*}}mp.precision = "f32", mp.rule = "min-positive"
// CHECK: mp.gemm {{.*}}mp.precision = "f32", mp.rule = "init-max"
// INCL-LABEL: func.func @consts(
// INCL-NEXT: %[[T:.*]] = mp.constant {initializer = "neg_tiny", value = dense_resource<neg_tiny_f16> : tensor<2x2xf16>, mp.conversion = {clamped = 0 : i64, flushed_to_zero = 1 : i64, from = f32, max_abs_error = 9.99{{[0-9]*}}E-10 : f64, subnormal = 0 : i64}} : () -> tensor<2x2xf16>
// INCL-NEXT: %[[B:.*]] = mp.constant {initializer = "big", value = dense<{{\[\[}}7.000000e+04, 5.000000e-01], [2.500000e-01, 1.000000e+00]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
// INCL-NEXT: %[[BC:.*]] = mp.cast %[[B]] {to = f16} : (tensor<2x2xf32>) -> tensor<2x2xf16>
// INCL-NEXT: %[[G0:.*]] = mp.gemm %arg0, %[[T]] {mp.acc_type = f32, {{.*}}mp.precision = "f16", mp.rule = "include"} : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
// INCL-NEXT: mp.gemm %arg0, %[[BC]] {mp.acc_type = f32, {{.*}}mp.precision = "f16", mp.rule = "include"} : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
// INCL-NEXT: mp.reduce_mean %[[G0]] {axes = array<i64: 1>, mp.acc_type = f32, {{.*}}mp.precision = "f16", mp.rule = "include"} : (tensor<4x2xf16>) -> tensor<4x1xf16>
// INCL: neg_tiny_f16: "0x02000000008000380034003C"
// INCL-NOT: big_f16
// CLAMP-LABEL: func.func @consts(
// CLAMP-NEXT: mp.constant {initializer = "neg_tiny", {{.*}}flushed_to_zero = 1
// CLAMP-NEXT: %[[B:.*]] = mp.constant {initializer = "big", value = dense_resource<big_f16> : tensor<2x2xf16>, mp.conversion = {clamped = 1 : i64, flushed_to_zero = 0 : i64, from = f32, max_abs_error = 4.496000e+03 : f64, subnormal = 0 : i64}} : () -> tensor<2x2xf16>
// CLAMP-NOT: = mp.cast
// CLAMP: mp.gemm %arg0, %[[B]] {{.*}} : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
// CLAMP: big_f16: "0x02000000FF7B00380034003C"
func.func @consts(%x: tensor<4x2xf32> {mp.name = "x"}) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x1xf32>) {
  %w = mp.constant {initializer = "neg_tiny", value = dense<[[-1.0e-9, 0.5], [0.25, 1.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %b = mp.constant {initializer = "big", value = dense<[[70000.0, 0.5], [0.25, 1.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %0 = mp.gemm %x, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %1 = mp.gemm %x, %b : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %2 = mp.reduce_mean %0 {axes = array<i64: 1>} : (tensor<4x2xf32>) -> tensor<4x1xf32>
  return %0, %1, %2 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x1xf32>
}

// -----

// A weight read by an FP32 op and a low op: the original stays, the
// converted copy gets its own initializer name. Resize's scales operand
// keeps its type when the Resize goes low.
// CHECK-LABEL: func.func @shared_weight(
// CHECK-NEXT: %[[W:.*]] = mp.constant {initializer = "w", value = dense<5.000000e-01> : tensor<2x2x1x1xf32>} : () -> tensor<2x2x1x1xf32>
// CHECK-NEXT: %[[WL:.*]] = mp.constant {initializer = "w_f16", value = dense_resource<w_f16> : tensor<2x2x1x1xf16>, mp.conversion = {{.*}}} : () -> tensor<2x2x1x1xf16>
// CHECK-NEXT: %[[SC:.*]] = mp.constant {initializer = "scales", value = dense<[1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00]> : tensor<4xf32>} : () -> tensor<4xf32>
// CHECK-NEXT: %[[C0:.*]] = mp.conv %arg0, %[[WL]] {{.*}} : (tensor<1x2x4x4xf16>, tensor<2x2x1x1xf16>) -> tensor<1x2x4x4xf16>
// CHECK-NEXT: %[[R:.*]] = mp.resize %[[C0]], none, %[[SC]] {{.*}}mp.precision = "f16"{{.*}} : (tensor<1x2x4x4xf16>, tensor<4xf32>) -> tensor<1x2x8x8xf16>
// CHECK-NEXT: %[[RU:.*]] = mp.cast %[[R]] {to = f32}
// CHECK-NEXT: mp.conv %[[RU]], %[[W]] {{.*}}mp.precision = "f32", mp.rule = "exclude"} : (tensor<1x2x8x8xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x8x8xf32>
func.func @shared_weight(%x: tensor<1x2x4x4xf32> {mp.name = "x"}) -> tensor<1x2x8x8xf32> {
  %w = mp.constant {initializer = "w", value = dense<0.5> : tensor<2x2x1x1xf32>} : () -> tensor<2x2x1x1xf32>
  %sc = mp.constant {initializer = "scales", value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = mp.conv %x, %w : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = mp.resize %0, none, %sc {mode = "nearest"} : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x8x8xf32>
  %2 = mp.conv %1, %w : (tensor<1x2x8x8xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x8x8xf32> loc("exclude_me")
  return %2 : tensor<1x2x8x8xf32>
}

// -----

// Fixed ops keep their original types: the unknown op and the existing
// Cast read FP32 again (through one shared cast), and the Custom op's FP32
// result is cast to the graph's f16 output. Shape only reads the shape, so
// it takes the f16 value directly.
// CHECK-LABEL: func.func @fixed(
// CHECK-SAME: -> (tensor<2xi64>, tensor<4x2xf16>, tensor<4x2xf16>)
// CHECK: %[[M:.*]] = mp.matmul %arg0, %{{.*}} : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
// CHECK-NEXT: %[[MU:.*]] = mp.cast %[[M]] {to = f32} : (tensor<4x2xf16>) -> tensor<4x2xf32>
// CHECK-NEXT: %[[SH:.*]] = mp.shape %[[M]] {{.*}}mp.precision = "keep"{{.*}} : (tensor<4x2xf16>) -> tensor<2xi64>
// CHECK-NEXT: %[[U:.*]] = mp.onnx_op "com.example"::"Custom" %[[MU]] {{.*}} : (tensor<4x2xf32>) -> tensor<4x2xf32>
// CHECK-NEXT: %[[UC:.*]] = mp.cast %[[U]] {to = f16} : (tensor<4x2xf32>) -> tensor<4x2xf16>
// CHECK-NEXT: %[[C:.*]] = mp.cast %[[MU]] {to = f16} : (tensor<4x2xf32>) -> tensor<4x2xf16>
// CHECK-NEXT: return %[[SH]], %[[UC]], %[[C]] : tensor<2xi64>, tensor<4x2xf16>, tensor<4x2xf16>
// KEEPIO-LABEL: func.func @fixed(
// KEEPIO-SAME: -> (tensor<2xi64>, tensor<4x2xf32>, tensor<4x2xf16>)
// KEEPIO: %[[U:.*]] = mp.onnx_op "com.example"::"Custom" {{.*}} : (tensor<4x2xf32>) -> tensor<4x2xf32>
// KEEPIO-NOT: mp.cast %[[U]]
// KEEPIO: return %{{.*}}, %[[U]], %{{.*}} : tensor<2xi64>, tensor<4x2xf32>, tensor<4x2xf16>
func.func @fixed(%x: tensor<4x2xf32> {mp.name = "x"}) -> (tensor<2xi64>, tensor<4x2xf32>, tensor<4x2xf16>) {
  %w = mp.constant {initializer = "w", value = dense<[[0.5, 1.0], [2.0, 0.25]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %0 = mp.matmul %x, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %1 = mp.shape %0 : (tensor<4x2xf32>) -> tensor<2xi64>
  %2 = mp.onnx_op "com.example"::"Custom" %0 : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %3 = mp.cast %0 {to = f16} : (tensor<4x2xf32>) -> tensor<4x2xf16>
  return %1, %2, %3 : tensor<2xi64>, tensor<4x2xf32>, tensor<4x2xf16>
}

// -----

// Regions: mp.if / mp.loop keep their types, so each mp.yield is cast back
// to its parent's result types; captured outer values and loop-carried
// block arguments are cast where they are used low.
// CHECK-LABEL: func.func @regions(
// CHECK-SAME: %arg0: tensor<i1> {mp.name = "c"}, %arg1: tensor<4x2xf16> {mp.name = "x"}, %arg2: tensor<i64> {mp.name = "m"}) -> (tensor<4x2xf16>, tensor<4x2xf16>)
// CHECK-NEXT: %[[XU:.*]] = mp.cast %arg1 {to = f32} : (tensor<4x2xf16>) -> tensor<4x2xf32>
// CHECK-NEXT: %[[W:.*]] = mp.constant {initializer = "w", value = dense_resource<w_f16> : tensor<2x2xf16>
// CHECK-NEXT: %[[IF:.*]] = mp.if %arg0 {{.*}} : (tensor<i1>) -> tensor<4x2xf32> then_branch {
// CHECK-NEXT: %[[A:.*]] = mp.matmul %arg1, %[[W]] {{.*}} : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
// CHECK-NEXT: %[[AU:.*]] = mp.cast %[[A]] {to = f32} : (tensor<4x2xf16>) -> tensor<4x2xf32>
// CHECK-NEXT: mp.yield %[[AU]] : tensor<4x2xf32>
// CHECK-NEXT: } else_branch {
// CHECK-NEXT: %[[S:.*]] = mp.softmax %[[XU]] {{.*}} : (tensor<4x2xf32>) -> tensor<4x2xf32>
// CHECK-NEXT: mp.yield %[[S]] : tensor<4x2xf32>
// CHECK-NEXT: }
// CHECK-NEXT: %[[IFC:.*]] = mp.cast %[[IF]] {to = f16} : (tensor<4x2xf32>) -> tensor<4x2xf16>
// CHECK-NEXT: %[[L:.*]] = mp.loop %arg2, none, %[[IF]] {{.*}} : (tensor<i64>, tensor<4x2xf32>) -> tensor<4x2xf32> body {
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<i64>, %[[CC:.*]]: tensor<i1>, %[[V:.*]]: tensor<4x2xf32>):
// CHECK-NEXT: %[[VC:.*]] = mp.cast %[[V]] {to = f16} : (tensor<4x2xf32>) -> tensor<4x2xf16>
// CHECK-NEXT: %[[P:.*]] = mp.matmul %[[VC]], %[[W]] {{.*}} : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
// CHECK-NEXT: %[[PU:.*]] = mp.cast %[[P]] {to = f32} : (tensor<4x2xf16>) -> tensor<4x2xf32>
// CHECK-NEXT: mp.yield %[[CC]], %[[PU]] : tensor<i1>, tensor<4x2xf32>
// CHECK-NEXT: }
// CHECK-NEXT: %[[LC:.*]] = mp.cast %[[L]] {to = f16} : (tensor<4x2xf32>) -> tensor<4x2xf16>
// CHECK-NEXT: %[[O:.*]] = mp.matmul %[[LC]], %[[W]] {{.*}} : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
// CHECK-NEXT: return %[[IFC]], %[[O]] : tensor<4x2xf16>, tensor<4x2xf16>
func.func @regions(%c: tensor<i1> {mp.name = "c"}, %x: tensor<4x2xf32> {mp.name = "x"}, %m: tensor<i64> {mp.name = "m"}) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %w = mp.constant {initializer = "w", value = dense<[[0.5, 1.0], [2.0, 0.25]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %0 = mp.if %c : (tensor<i1>) -> tensor<4x2xf32> then_branch {
    %a = mp.matmul %x, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
    mp.yield %a : tensor<4x2xf32>
  } else_branch {
    %s = mp.softmax %x : (tensor<4x2xf32>) -> tensor<4x2xf32>
    mp.yield %s : tensor<4x2xf32>
  }
  %1 = mp.loop %m, none, %0 : (tensor<i64>, tensor<4x2xf32>) -> tensor<4x2xf32> body {
  ^bb0(%i: tensor<i64>, %cc: tensor<i1>, %v: tensor<4x2xf32>):
    %p = mp.matmul %v, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
    mp.yield %cc, %p : tensor<i1>, tensor<4x2xf32>
  }
  %2 = mp.matmul %1, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  return %0, %2 : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// Storage-only normalisations between low ops: the LayerNorm's scale is
// converted with its input, BatchNormalization's statistics and affine
// parameters keep FP32; both record FP32 accumulation.
// CHECK-LABEL: func.func @fp32_compute(
// CHECK-DAG: %[[S:.*]] = mp.constant {initializer = "ln.scale", value = dense_resource<ln.scale_f16> : tensor<4xf16>
// CHECK-DAG: %[[C:.*]] = mp.constant {initializer = "bn.c", value = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>} : () -> tensor<2xf32>
// CHECK: %[[M:.*]] = mp.matmul %arg0, {{.*}} -> tensor<2x4xf16>
// CHECK-NEXT: %[[L:.*]] = mp.layer_normalization %[[M]], %[[S]] {{{.*}}mp.acc_type = f32, {{.*}}mp.precision = "f16", mp.rule = "fp32-compute"} : (tensor<2x4xf16>, tensor<4xf16>) -> tensor<2x4xf16>
// CHECK-NEXT: mp.matmul %[[L]], {{.*}} -> tensor<2x4xf16>
// CHECK: %[[V:.*]] = mp.conv %arg1, {{.*}} -> tensor<1x2x4x4xf16>
// CHECK-NEXT: %[[B:.*]] = mp.batch_normalization %[[V]], %[[C]], %[[C]], %[[C]], %[[C]] {{{.*}}mp.acc_type = f32, {{.*}}mp.precision = "f16", mp.rule = "fp32-compute"} : (tensor<1x2x4x4xf16>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf16>
// CHECK-NEXT: mp.conv %[[B]], {{.*}} -> tensor<1x2x4x4xf16>
func.func @fp32_compute(%x: tensor<2x4xf32> {mp.name = "x"}, %img: tensor<1x2x4x4xf32> {mp.name = "img"}) -> (tensor<2x4xf32>, tensor<1x2x4x4xf32>) {
  %w = mp.constant {initializer = "w", value = dense<0.5> : tensor<4x4xf32>} : () -> tensor<4x4xf32>
  %s = mp.constant {initializer = "ln.scale", value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %k = mp.constant {initializer = "k", value = dense<0.5> : tensor<2x2x1x1xf32>} : () -> tensor<2x2x1x1xf32>
  %c = mp.constant {initializer = "bn.c", value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = mp.matmul %x, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %1 = mp.layer_normalization %0, %s {resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %2 = mp.matmul %1, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %3 = mp.conv %img, %k : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %4 = mp.batch_normalization %3, %c, %c, %c, %c {resultSegmentSizes = array<i32: 1, 0, 0, 0, 0>} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %5 = mp.conv %4, %k : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %2, %5 : tensor<2x4xf32>, tensor<1x2x4x4xf32>
}
