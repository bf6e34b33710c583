// RUN: mp-opt %s | mp-opt | FileCheck %s
// RUN: mp-opt %s -mlir-print-op-generic | mp-opt | FileCheck %s
// RUN: mp-opt %s -mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round-trip of every op of the mp dialect through the custom and the
// generic form. Functions are grouped by op family. The GENERIC lines check
// that `none` and omitted trailing optional operands become zero-sized
// operand segments (or input_segments entries for mp.onnx_op).

// CHECK: module attributes {mp.ir_version = 8 : i64, mp.metadata_props = {author = "me"}, mp.model_version = 2 : i64, mp.opset_import = {ai.onnx = 18 : i64, com.microsoft = 1 : i64}, mp.producer_name = "test"} {
module attributes {mp.ir_version = 8 : i64, mp.metadata_props = {author = "me"}, mp.model_version = 2 : i64, mp.opset_import = {ai.onnx = 18 : i64, com.microsoft = 1 : i64}, mp.producer_name = "test"} {

// Module metadata attributes and mp.name on graph inputs/outputs.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %arg0: tensor<2xf32> {mp.name = "x"}) -> (tensor<2xf32> {mp.name = "y"}) {
// CHECK-NEXT: %0 = mp.relu %arg0 : (tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT: return %0 : tensor<2xf32>
// CHECK-NEXT: }
func.func @main(%x: tensor<2xf32> {mp.name = "x"}) -> (tensor<2xf32> {mp.name = "y"}) {
  %0 = mp.relu %x : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// Unary element-wise ops (result type = operand type), incl. unranked and
// dynamic shapes and the ops with optional float/string attributes.
// CHECK-LABEL: func.func @unary(
// CHECK-SAME: %arg0: tensor<2x3xf32>, %arg1: tensor<4xi1>, %arg2: tensor<?xi32>, %arg3: tensor<*xf16>) {
// CHECK-NEXT: %0 = mp.neg %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %1 = mp.abs %arg2 : (tensor<?xi32>) -> tensor<?xi32>
// CHECK-NEXT: %2 = mp.exp %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %3 = mp.log %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %4 = mp.sqrt %arg3 : (tensor<*xf16>) -> tensor<*xf16>
// CHECK-NEXT: %5 = mp.reciprocal %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %6 = mp.erf %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %7 = mp.tanh %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %8 = mp.sigmoid %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %9 = mp.relu %arg2 : (tensor<?xi32>) -> tensor<?xi32>
// CHECK-NEXT: %10 = mp.softplus %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %11 = mp.hard_swish %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %12 = mp.not %arg1 : (tensor<4xi1>) -> tensor<4xi1>
// CHECK-NEXT: %13 = mp.identity %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %14 = mp.leaky_relu %arg0 {alpha = 5.000000e-01 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %15 = mp.elu %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %16 = mp.gelu %arg0 {approximate = "tanh"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %17 = mp.hard_sigmoid %arg0 {alpha = 2.500000e-01 : f32, beta = 5.000000e-01 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %18 = mp.clip %arg0 {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @unary(%x: tensor<2x3xf32>, %b: tensor<4xi1>, %i: tensor<?xi32>, %u: tensor<*xf16>) {
  %0 = mp.neg %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = mp.abs %i : (tensor<?xi32>) -> tensor<?xi32>
  %2 = mp.exp %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = mp.log %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = mp.sqrt %u : (tensor<*xf16>) -> tensor<*xf16>
  %5 = mp.reciprocal %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %6 = mp.erf %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %7 = mp.tanh %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %8 = mp.sigmoid %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %9 = mp.relu %i : (tensor<?xi32>) -> tensor<?xi32>
  %10 = mp.softplus %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %11 = mp.hard_swish %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %12 = mp.not %b : (tensor<4xi1>) -> tensor<4xi1>
  %13 = mp.identity %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %14 = mp.leaky_relu %x {alpha = 0.5 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %15 = mp.elu %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %16 = mp.gelu %x {approximate = "tanh"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %17 = mp.hard_sigmoid %x {alpha = 2.5e-01 : f32, beta = 0.5 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %18 = mp.clip %x {max = 6.0 : f32, min = 0.0 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// Clip: attribute form (opset < 11) above, operand form with every
// combination of the optional min/max operands here. Cast with saturate.
// GENERIC-LABEL: sym_name = "clip_cast"
// GENERIC: "mp.clip"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 1>}>
// GENERIC: "mp.clip"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 1>}>
// GENERIC: "mp.clip"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 0>}>
// GENERIC: "mp.clip"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 0>}>
// CHECK-LABEL: func.func @clip_cast(
// CHECK-SAME: %arg0: tensor<2x3xf32>, %arg1: tensor<f32>, %arg2: tensor<f32>) {
// CHECK-NEXT: %0 = mp.clip %arg0, %arg1, %arg2 : (tensor<2x3xf32>, tensor<f32>, tensor<f32>) -> tensor<2x3xf32>
// CHECK-NEXT: %1 = mp.clip %arg0, none, %arg2 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
// CHECK-NEXT: %2 = mp.clip %arg0, %arg1 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
// CHECK-NEXT: %3 = mp.clip %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %4 = mp.cast %arg0 {to = f16} : (tensor<2x3xf32>) -> tensor<2x3xf16>
// CHECK-NEXT: %5 = mp.cast %arg0 {saturate = 0 : i64, to = f8E4M3FN} : (tensor<2x3xf32>) -> tensor<2x3xf8E4M3FN>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @clip_cast(%x: tensor<2x3xf32>, %lo: tensor<f32>, %hi: tensor<f32>) {
  %0 = mp.clip %x, %lo, %hi : (tensor<2x3xf32>, tensor<f32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = mp.clip %x, none, %hi : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %2 = mp.clip %x, %lo : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %3 = mp.clip %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = mp.cast %x {to = f16} : (tensor<2x3xf32>) -> tensor<2x3xf16>
  %5 = mp.cast %x {saturate = 0 : i64, to = f8E4M3FN} : (tensor<2x3xf32>) -> tensor<2x3xf8E4M3FN>
  return
}

// Binary broadcasting ops, Pow with a different exponent type, comparisons
// and logical ops (i1 results), variadic Min/Max, Where.
// CHECK-LABEL: func.func @binary(
// CHECK-SAME: %arg0: tensor<2x3xf32>, %arg1: tensor<3xf32>, %arg2: tensor<2x1xf32>, %arg3: tensor<i32>, %arg4: tensor<2x3xi1>, %arg5: tensor<3xi1>, %arg6: tensor<?x3xf32>, %arg7: tensor<*xf32>) {
// CHECK-NEXT: %0 = mp.add %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %1 = mp.sub %arg2, %arg1 : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %2 = mp.mul %arg6, %arg0 : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %3 = mp.div %arg0, %arg7 : (tensor<2x3xf32>, tensor<*xf32>) -> tensor<*xf32>
// CHECK-NEXT: %4 = mp.pow %arg0, %arg3 : (tensor<2x3xf32>, tensor<i32>) -> tensor<2x3xf32>
// CHECK-NEXT: %5 = mp.equal %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK-NEXT: %6 = mp.less %arg0, %arg2 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xi1>
// CHECK-NEXT: %7 = mp.greater %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK-NEXT: %8 = mp.and %arg4, %arg5 : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
// CHECK-NEXT: %9 = mp.or %arg4, %arg5 : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
// CHECK-NEXT: %10 = mp.min %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %11 = mp.max %arg0, %arg1, %arg2 : (tensor<2x3xf32>, tensor<3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %12 = mp.where %arg5, %arg0, %arg2 : (tensor<3xi1>, tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @binary(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xf32>, %e: tensor<i32>, %p: tensor<2x3xi1>, %q: tensor<3xi1>, %d: tensor<?x3xf32>, %u: tensor<*xf32>) {
  %0 = mp.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = mp.sub %c, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %2 = mp.mul %d, %a : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = mp.div %a, %u : (tensor<2x3xf32>, tensor<*xf32>) -> tensor<*xf32>
  %4 = mp.pow %a, %e : (tensor<2x3xf32>, tensor<i32>) -> tensor<2x3xf32>
  %5 = mp.equal %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %6 = mp.less %a, %c : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xi1>
  %7 = mp.greater %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %8 = mp.and %p, %q : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  %9 = mp.or %p, %q : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  %10 = mp.min %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %11 = mp.max %a, %b, %c : (tensor<2x3xf32>, tensor<3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  %12 = mp.where %q, %a, %c : (tensor<3xi1>, tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  return
}

// MatMul (2-D, batched, vector) and Gemm with and without the optional C.
// CHECK-LABEL: func.func @nn(
// CHECK-SAME: %arg0: tensor<2x3xf32>, %arg1: tensor<3x4xf32>, %arg2: tensor<4x3xf32>, %arg3: tensor<4xf32>, %arg4: tensor<5x2x3xf32>, %arg5: tensor<3xf32>) {
// CHECK-NEXT: %0 = mp.matmul %arg0, %arg1 : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: %1 = mp.matmul %arg4, %arg1 : (tensor<5x2x3xf32>, tensor<3x4xf32>) -> tensor<5x2x4xf32>
// CHECK-NEXT: %2 = mp.matmul %arg5, %arg1 : (tensor<3xf32>, tensor<3x4xf32>) -> tensor<4xf32>
// CHECK-NEXT: %3 = mp.gemm %arg0, %arg1 : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: %4 = mp.gemm %arg0, %arg2, %arg3 {alpha = 2.000000e+00 : f32, beta = 1.000000e+00 : f32, transB = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @nn(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %bt: tensor<4x3xf32>, %c: tensor<4xf32>, %ba: tensor<5x2x3xf32>, %v: tensor<3xf32>) {
  %0 = mp.matmul %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %1 = mp.matmul %ba, %b : (tensor<5x2x3xf32>, tensor<3x4xf32>) -> tensor<5x2x4xf32>
  %2 = mp.matmul %v, %b : (tensor<3xf32>, tensor<3x4xf32>) -> tensor<4xf32>
  %3 = mp.gemm %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %4 = mp.gemm %a, %bt, %c {alpha = 2.0 : f32, beta = 1.0 : f32, transB = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// Conv/ConvTranspose with and without bias, pooling; MaxPool with the
// optional Indices result.
// CHECK-LABEL: func.func @conv(
// CHECK-SAME: %arg0: tensor<1x4x8x8xf32>, %arg1: tensor<6x2x3x3xf32>, %arg2: tensor<6xf32>, %arg3: tensor<4x3x2x2xf32>, %arg4: tensor<6x4x3x3xf32>, %arg5: tensor<3xf32>, %arg6: tensor<1x4x16xf32>) {
// CHECK-NEXT: %0 = mp.conv %arg0, %arg4 : (tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x6x6xf32>
// CHECK-NEXT: %1 = mp.conv %arg0, %arg1, %arg2 {auto_pad = "NOTSET", dilations = array<i64: 1, 1>, group = 2 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x8x8xf32>
// CHECK-NEXT: %2 = mp.conv_transpose %arg0, %arg3 {output_padding = array<i64: 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>, tensor<4x3x2x2xf32>) -> tensor<1x3x16x16xf32>
// CHECK-NEXT: %3 = mp.conv_transpose %arg0, %arg3, %arg5 {output_shape = array<i64: 16, 16>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>, tensor<4x3x2x2xf32>, tensor<3xf32>) -> tensor<1x3x16x16xf32>
// CHECK-NEXT: %Y = mp.max_pool %arg0 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
// CHECK-NEXT: %Y_0, %Indices = mp.max_pool %arg0 {kernel_shape = array<i64: 2, 2>, storage_order = 0 : i64} : (tensor<1x4x8x8xf32>) -> (tensor<1x4x7x7xf32>, tensor<1x4x7x7xi64>)
// CHECK-NEXT: %4 = mp.average_pool %arg6 {ceil_mode = 1 : i64, count_include_pad = 0 : i64, kernel_shape = array<i64: 3>, pads = array<i64: 1, 1>} : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
// CHECK-NEXT: %5 = mp.global_average_pool %arg0 : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @conv(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>, %bias: tensor<6xf32>, %wt: tensor<4x3x2x2xf32>, %w1: tensor<6x4x3x3xf32>, %b3: tensor<3xf32>, %x1: tensor<1x4x16xf32>) {
  %0 = mp.conv %x, %w1 : (tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x6x6xf32>
  %1 = mp.conv %x, %w, %bias {auto_pad = "NOTSET", dilations = array<i64: 1, 1>, group = 2 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x8x8xf32>
  %2 = mp.conv_transpose %x, %wt {output_padding = array<i64: 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>, tensor<4x3x2x2xf32>) -> tensor<1x3x16x16xf32>
  %3 = mp.conv_transpose %x, %wt, %b3 {output_shape = array<i64: 16, 16>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>, tensor<4x3x2x2xf32>, tensor<3xf32>) -> tensor<1x3x16x16xf32>
  %4 = mp.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %5:2 = mp.max_pool %x {kernel_shape = array<i64: 2, 2>, storage_order = 0 : i64} : (tensor<1x4x8x8xf32>) -> (tensor<1x4x7x7xf32>, tensor<1x4x7x7xi64>)
  %6 = mp.average_pool %x1 {ceil_mode = 1 : i64, count_include_pad = 0 : i64, kernel_shape = array<i64: 3>, pads = array<i64: 1, 1>} : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %7 = mp.global_average_pool %x : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
  return
}

// Normalisations (inference and training result segments; GroupNorm with
// per-channel (opset 21) and per-group (opset 18) scale), Softmax, Dropout in
// its attribute and operand forms and with an opset 7-9 (non-bool) mask.
// GENERIC-LABEL: sym_name = "norm"
// GENERIC: "mp.batch_normalization"(%{{.*}}) <{epsilon = 9.99999974E-6 : f32, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0>}>
// GENERIC: "mp.batch_normalization"(%{{.*}}) <{momentum = 0.899999976 : f32, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0>, training_mode = 1 : i64}>
// GENERIC: "mp.dropout"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 0>, ratio = 5.000000e-01 : f32}>
// GENERIC: "mp.dropout"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 1>, seed = 7 : i64}>
// GENERIC: "mp.dropout"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 0>}>
// CHECK-LABEL: func.func @norm(
// CHECK-SAME: %arg0: tensor<2x4x8x8xf32>, %arg1: tensor<4xf32>, %arg2: tensor<2x8xf32>, %arg3: tensor<8xf32>, %arg4: tensor<f32>, %arg5: tensor<i1>, %arg6: tensor<2xf32>) {
// CHECK-NEXT: %Y = mp.batch_normalization %arg0, %arg1, %arg1, %arg1, %arg1 {epsilon = 9.99999974E-6 : f32, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0>} : (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x8x8xf32>
// CHECK-NEXT: %Y_0, %running_mean, %running_var = mp.batch_normalization %arg0, %arg1, %arg1, %arg1, %arg1 {momentum = 0.899999976 : f32, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0>, training_mode = 1 : i64} : (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK-NEXT: %Y_1 = mp.layer_normalization %arg2, %arg3 {resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT: %Y_2, %Mean, %InvStdDev = mp.layer_normalization %arg2, %arg3, %arg3 {axis = -1 : i64, epsilon = 9.99999974E-6 : f32, resultSegmentSizes = array<i32: 1, 1, 1>, stash_type = 1 : i64} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x1xf32>, tensor<2x1xf32>)
// CHECK-NEXT: %0 = mp.instance_normalization %arg0, %arg1, %arg1 {epsilon = 9.99999974E-6 : f32} : (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x8x8xf32>
// CHECK-NEXT: %1 = mp.group_normalization %arg0, %arg1, %arg1 {num_groups = 2 : i64} : (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x8x8xf32>
// CHECK-NEXT: %2 = mp.group_normalization %arg0, %arg6, %arg6 {epsilon = 9.99999974E-6 : f32, num_groups = 2 : i64, stash_type = 1 : i64} : (tensor<2x4x8x8xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x4x8x8xf32>
// CHECK-NEXT: %3 = mp.softmax %arg2 : (tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT: %4 = mp.log_softmax %arg2 {axis = 1 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT: %output = mp.dropout %arg2 {ratio = 5.000000e-01 : f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT: %output_3, %mask = mp.dropout %arg2, none, %arg5 {seed = 7 : i64} : (tensor<2x8xf32>, tensor<i1>) -> (tensor<2x8xf32>, tensor<2x8xi1>)
// CHECK-NEXT: %output_4 = mp.dropout %arg2, %arg4 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
// CHECK-NEXT: %output_5, %mask_6 = mp.dropout %arg2 {is_test = 1 : i64} : (tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>)
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @norm(%x: tensor<2x4x8x8xf32>, %s: tensor<4xf32>, %x2: tensor<2x8xf32>, %s8: tensor<8xf32>, %r: tensor<f32>, %t: tensor<i1>, %g: tensor<2xf32>) {
  %0 = mp.batch_normalization %x, %s, %s, %s, %s {epsilon = 9.99999974E-6 : f32, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0>} : (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x8x8xf32>
  %1:3 = mp.batch_normalization %x, %s, %s, %s, %s {momentum = 0.9 : f32, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0>, training_mode = 1 : i64} : (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>)
  %2 = mp.layer_normalization %x2, %s8 {resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %3:3 = mp.layer_normalization %x2, %s8, %s8 {axis = -1 : i64, epsilon = 1.0E-5 : f32, resultSegmentSizes = array<i32: 1, 1, 1>, stash_type = 1 : i64} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x1xf32>, tensor<2x1xf32>)
  %4 = mp.instance_normalization %x, %s, %s {epsilon = 1.0E-5 : f32} : (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x8x8xf32>
  %5 = mp.group_normalization %x, %s, %s {num_groups = 2 : i64} : (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x8x8xf32>
  %50 = mp.group_normalization %x, %g, %g {epsilon = 1.0E-5 : f32, num_groups = 2 : i64, stash_type = 1 : i64} : (tensor<2x4x8x8xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x4x8x8xf32>
  %6 = mp.softmax %x2 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %7 = mp.log_softmax %x2 {axis = 1 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %8 = mp.dropout %x2 {ratio = 0.5 : f32} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %9:2 = mp.dropout %x2, none, %t {seed = 7 : i64} : (tensor<2x8xf32>, tensor<i1>) -> (tensor<2x8xf32>, tensor<2x8xi1>)
  %10 = mp.dropout %x2, %r : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %11:2 = mp.dropout %x2 {is_test = 1 : i64} : (tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>)
  return
}

// Recurrent ops: skipped optional inputs (`none`) and result segments.
// GENERIC-LABEL: sym_name = "rnn"
// GENERIC: "mp.lstm"(%{{.*}}) <{hidden_size = 4 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 1, 1, 0>, resultSegmentSizes = array<i32: 1, 1, 1>}>
// GENERIC: "mp.lstm"(%{{.*}}) <{direction = "forward", operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1, 0>}>
// GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0>, resultSegmentSizes = array<i32: 1, 1>}>
// GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1>, resultSegmentSizes = array<i32: 1, 0>}>
// CHECK-LABEL: func.func @rnn(
// CHECK-SAME: %arg0: tensor<5x2x3xf32>, %arg1: tensor<1x16x3xf32>, %arg2: tensor<1x16x4xf32>, %arg3: tensor<1x32xf32>, %arg4: tensor<1x2x4xf32>, %arg5: tensor<2xi32>, %arg6: tensor<2x12x3xf32>, %arg7: tensor<2x12x4xf32>, %arg8: tensor<2x2x4xf32>, %arg9: tensor<1x4x3xf32>, %arg10: tensor<1x4x4xf32>) {
// CHECK-NEXT: %Y, %Y_h, %Y_c = mp.lstm %arg0, %arg1, %arg2, %arg3, none, %arg4, %arg4 {hidden_size = 4 : i64, resultSegmentSizes = array<i32: 1, 1, 1>} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>, tensor<1x32xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
// CHECK-NEXT: %Y_h_0 = mp.lstm %arg0, %arg1, %arg2 {direction = "forward", resultSegmentSizes = array<i32: 0, 1, 0>} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> tensor<1x2x4xf32>
// CHECK-NEXT: %Y_1, %Y_h_2 = mp.gru %arg0, %arg6, %arg7, none, %arg5 {activations = ["Sigmoid", "Tanh", "Sigmoid", "Tanh"], direction = "bidirectional", hidden_size = 4 : i64, linear_before_reset = 1 : i64, resultSegmentSizes = array<i32: 1, 1>} : (tensor<5x2x3xf32>, tensor<2x12x3xf32>, tensor<2x12x4xf32>, tensor<2xi32>) -> (tensor<5x2x2x4xf32>, tensor<2x2x4xf32>)
// CHECK-NEXT: %Y_3 = mp.rnn %arg0, %arg9, %arg10, none, none, %arg4 {activation_alpha = array<f32: 1.000000e+00>, activations = ["Tanh"], clip = 5.000000e+00 : f32, hidden_size = 4 : i64, resultSegmentSizes = array<i32: 1, 0>} : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, tensor<1x2x4xf32>) -> tensor<5x1x2x4xf32>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @rnn(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>, %b: tensor<1x32xf32>, %h: tensor<1x2x4xf32>, %sl: tensor<2xi32>,
               %wg: tensor<2x12x3xf32>, %rg: tensor<2x12x4xf32>, %hg: tensor<2x2x4xf32>, %wr: tensor<1x4x3xf32>, %rr: tensor<1x4x4xf32>) {
  %0:3 = mp.lstm %x, %w, %r, %b, none, %h, %h {hidden_size = 4 : i64, resultSegmentSizes = array<i32: 1, 1, 1>} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>, tensor<1x32xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  %1 = mp.lstm %x, %w, %r {direction = "forward", resultSegmentSizes = array<i32: 0, 1, 0>} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> tensor<1x2x4xf32>
  %2:2 = mp.gru %x, %wg, %rg, none, %sl {activations = ["Sigmoid", "Tanh", "Sigmoid", "Tanh"], direction = "bidirectional", hidden_size = 4 : i64, linear_before_reset = 1 : i64, resultSegmentSizes = array<i32: 1, 1>} : (tensor<5x2x3xf32>, tensor<2x12x3xf32>, tensor<2x12x4xf32>, tensor<2xi32>) -> (tensor<5x2x2x4xf32>, tensor<2x2x4xf32>)
  %3 = mp.rnn %x, %wr, %rr, none, none, %h {activation_alpha = array<f32: 1.0>, activations = ["Tanh"], clip = 5.0 : f32, hidden_size = 4 : i64, resultSegmentSizes = array<i32: 1, 0>} : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, tensor<1x2x4xf32>) -> tensor<5x1x2x4xf32>
  return
}

// Reductions: axes as attribute (old opsets) and as operand (new opsets).
// CHECK-LABEL: func.func @reduce(
// CHECK-SAME: %arg0: tensor<2x3x4xf32>, %arg1: tensor<1xi64>, %arg2: tensor<2x3xi32>) {
// CHECK-NEXT: %0 = mp.reduce_mean %arg0 {axes = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
// CHECK-NEXT: %1 = mp.reduce_sum %arg0, %arg1 {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x4xf32>
// CHECK-NEXT: %2 = mp.reduce_max %arg0 : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
// CHECK-NEXT: %3 = mp.reduce_min %arg0 {axes = array<i64: 0, -1>, keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<3xf32>
// CHECK-NEXT: %4 = mp.reduce_prod %arg2, %arg1 : (tensor<2x3xi32>, tensor<1xi64>) -> tensor<?x?xi32>
// CHECK-NEXT: %5 = mp.reduce_l2 %arg0, %arg1 {noop_with_empty_axes = 1 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<*xf32>
// CHECK-NEXT: %6 = mp.reduce_log_sum_exp %arg0 {axes = array<i64: 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
// CHECK-NEXT: %7 = mp.arg_max %arg0 {axis = -1 : i64, keepdims = 0 : i64, select_last_index = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3xi64>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @reduce(%x: tensor<2x3x4xf32>, %axes: tensor<1xi64>, %i: tensor<2x3xi32>) {
  %0 = mp.reduce_mean %x {axes = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  %1 = mp.reduce_sum %x, %axes {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x4xf32>
  %2 = mp.reduce_max %x : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
  %3 = mp.reduce_min %x {axes = array<i64: 0, -1>, keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %4 = mp.reduce_prod %i, %axes : (tensor<2x3xi32>, tensor<1xi64>) -> tensor<?x?xi32>
  %5 = mp.reduce_l2 %x, %axes {noop_with_empty_axes = 1 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  %6 = mp.reduce_log_sum_exp %x {axes = array<i64: 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %7 = mp.arg_max %x {axis = -1 : i64, keepdims = 0 : i64, select_last_index = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3xi64>
  return
}

// Reshape, Flatten, Transpose (default and explicit perm), Concat, Expand,
// Tile, Shape.
// CHECK-LABEL: func.func @shape_ops(
// CHECK-SAME: %arg0: tensor<2x3x4xf32>, %arg1: tensor<2xi64>, %arg2: tensor<*xf32>, %arg3: tensor<?x4xf32>) {
// CHECK-NEXT: %0 = mp.reshape %arg0, %arg1 : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
// CHECK-NEXT: %1 = mp.reshape %arg0, %arg1 {allowzero = 1 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
// CHECK-NEXT: %2 = mp.flatten %arg0 : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
// CHECK-NEXT: %3 = mp.flatten %arg2 {axis = 0 : i64} : (tensor<*xf32>) -> tensor<1x?xf32>
// CHECK-NEXT: %4 = mp.transpose %arg0 : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
// CHECK-NEXT: %5 = mp.transpose %arg0 {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
// CHECK-NEXT: %6 = mp.concat %0, %arg3, %0 {axis = 0 : i64} : (tensor<6x4xf32>, tensor<?x4xf32>, tensor<6x4xf32>) -> tensor<?x4xf32>
// CHECK-NEXT: %7 = mp.concat %arg0 {axis = -1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT: %8 = mp.expand %arg0, %arg1 : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x3x4xf32>
// CHECK-NEXT: %9 = mp.constant {value = dense<[1, 2, 1]> : tensor<3xi64>} : () -> tensor<3xi64>
// CHECK-NEXT: %10 = mp.tile %arg0, %9 : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<2x6x4xf32>
// CHECK-NEXT: %11 = mp.shape %arg0 : (tensor<2x3x4xf32>) -> tensor<3xi64>
// CHECK-NEXT: %12 = mp.shape %arg0 {end = -1 : i64, start = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<1xi64>
// CHECK-NEXT: %13 = mp.shape %arg2 : (tensor<*xf32>) -> tensor<?xi64>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @shape_ops(%x: tensor<2x3x4xf32>, %s: tensor<2xi64>, %u: tensor<*xf32>, %d: tensor<?x4xf32>) {
  %0 = mp.reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %1 = mp.reshape %x, %s {allowzero = 1 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %2 = mp.flatten %x : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
  %3 = mp.flatten %u {axis = 0 : i64} : (tensor<*xf32>) -> tensor<1x?xf32>
  %4 = mp.transpose %x : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  %5 = mp.transpose %x {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %6 = mp.concat %0, %d, %0 {axis = 0 : i64} : (tensor<6x4xf32>, tensor<?x4xf32>, tensor<6x4xf32>) -> tensor<?x4xf32>
  %7 = mp.concat %x {axis = -1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %8 = mp.expand %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x3x4xf32>
  %r = mp.constant {value = dense<[1, 2, 1]> : tensor<3xi64>} : () -> tensor<3xi64>
  %9 = mp.tile %x, %r : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<2x6x4xf32>
  %10 = mp.shape %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %11 = mp.shape %x {end = -1 : i64, start = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<1xi64>
  %12 = mp.shape %u : (tensor<*xf32>) -> tensor<?xi64>
  return
}

// Split (attribute, operand and num_outputs forms) and Slice (attribute
// form and operand form with skipped axes).
// GENERIC-LABEL: sym_name = "split_slice"
// GENERIC: "mp.slice"(%{{.*}}) <{axes = array<i64: 1>, ends = array<i64: 3>, operandSegmentSizes = array<i32: 1, 0, 0, 0, 0>, starts = array<i64: 1>}>
// GENERIC: "mp.slice"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}>
// GENERIC: "mp.slice"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 1>}>
// GENERIC: "mp.slice"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>}>
// CHECK-LABEL: func.func @split_slice(
// CHECK-SAME: %arg0: tensor<6x4xf32>, %arg1: tensor<2xi64>, %arg2: tensor<1xi64>, %arg3: tensor<1xi32>, %arg4: tensor<1xi64>, %arg5: tensor<1xi64>) {
// CHECK-NEXT: %0:2 = mp.split %arg0 {axis = 0 : i64, split = array<i64: 2, 4>} : (tensor<6x4xf32>) -> (tensor<2x4xf32>, tensor<4x4xf32>)
// CHECK-NEXT: %1:2 = mp.split %arg0, %arg1 : (tensor<6x4xf32>, tensor<2xi64>) -> (tensor<2x4xf32>, tensor<4x4xf32>)
// CHECK-NEXT: %2:3 = mp.split %arg0 {num_outputs = 3 : i64} : (tensor<6x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>)
// CHECK-NEXT: %3 = mp.slice %arg0 {axes = array<i64: 1>, ends = array<i64: 3>, starts = array<i64: 1>} : (tensor<6x4xf32>) -> tensor<6x2xf32>
// CHECK-NEXT: %4 = mp.slice %arg0, %arg2, %arg3 : (tensor<6x4xf32>, tensor<1xi64>, tensor<1xi32>) -> tensor<?x4xf32>
// CHECK-NEXT: %5 = mp.slice %arg0, %arg2, %arg3, none, %arg5 : (tensor<6x4xf32>, tensor<1xi64>, tensor<1xi32>, tensor<1xi64>) -> tensor<?x4xf32>
// CHECK-NEXT: %6 = mp.slice %arg0, %arg2, %arg3, %arg4, %arg5 : (tensor<6x4xf32>, tensor<1xi64>, tensor<1xi32>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @split_slice(%x: tensor<6x4xf32>, %sv: tensor<2xi64>, %st: tensor<1xi64>, %en: tensor<1xi32>, %ax: tensor<1xi64>, %sp: tensor<1xi64>) {
  %0:2 = mp.split %x {axis = 0 : i64, split = array<i64: 2, 4>} : (tensor<6x4xf32>) -> (tensor<2x4xf32>, tensor<4x4xf32>)
  %1:2 = mp.split %x, %sv : (tensor<6x4xf32>, tensor<2xi64>) -> (tensor<2x4xf32>, tensor<4x4xf32>)
  %2:3 = mp.split %x {num_outputs = 3 : i64} : (tensor<6x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>)
  %3 = mp.slice %x {axes = array<i64: 1>, ends = array<i64: 3>, starts = array<i64: 1>} : (tensor<6x4xf32>) -> tensor<6x2xf32>
  %4 = mp.slice %x, %st, %en : (tensor<6x4xf32>, tensor<1xi64>, tensor<1xi32>) -> tensor<?x4xf32>
  %5 = mp.slice %x, %st, %en, none, %sp : (tensor<6x4xf32>, tensor<1xi64>, tensor<1xi32>, tensor<1xi64>) -> tensor<?x4xf32>
  %6 = mp.slice %x, %st, %en, %ax, %sp : (tensor<6x4xf32>, tensor<1xi64>, tensor<1xi32>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return
}

// CHECK-LABEL: func.func @gather(
// CHECK-SAME: %arg0: tensor<5x4xf32>, %arg1: tensor<3xi64>, %arg2: tensor<2x4xi32>) {
// CHECK-NEXT: %0 = mp.gather %arg0, %arg1 : (tensor<5x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
// CHECK-NEXT: %1 = mp.gather %arg0, %arg2 {axis = 1 : i64} : (tensor<5x4xf32>, tensor<2x4xi32>) -> tensor<5x2x4xf32>
// CHECK-NEXT: %2 = mp.gather_elements %arg0, %arg2 {axis = 0 : i64} : (tensor<5x4xf32>, tensor<2x4xi32>) -> tensor<2x4xf32>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @gather(%x: tensor<5x4xf32>, %i: tensor<3xi64>, %j: tensor<2x4xi32>) {
  %0 = mp.gather %x, %i : (tensor<5x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  %1 = mp.gather %x, %j {axis = 1 : i64} : (tensor<5x4xf32>, tensor<2x4xi32>) -> tensor<5x2x4xf32>
  %2 = mp.gather_elements %x, %j {axis = 0 : i64} : (tensor<5x4xf32>, tensor<2x4xi32>) -> tensor<2x4xf32>
  return
}

// Squeeze/Unsqueeze with axes as attribute and as operand.
// CHECK-LABEL: func.func @squeeze(
// CHECK-SAME: %arg0: tensor<1x3x1xf32>, %arg1: tensor<1xi64>, %arg2: tensor<3xf32>) {
// CHECK-NEXT: %0 = mp.squeeze %arg0 : (tensor<1x3x1xf32>) -> tensor<3xf32>
// CHECK-NEXT: %1 = mp.squeeze %arg0 {axes = array<i64: 0, -1>} : (tensor<1x3x1xf32>) -> tensor<3xf32>
// CHECK-NEXT: %2 = mp.squeeze %arg0, %arg1 : (tensor<1x3x1xf32>, tensor<1xi64>) -> tensor<3x1xf32>
// CHECK-NEXT: %3 = mp.unsqueeze %arg2 {axes = array<i64: 0, 2>} : (tensor<3xf32>) -> tensor<1x3x1xf32>
// CHECK-NEXT: %4 = mp.unsqueeze %arg2, %arg1 : (tensor<3xf32>, tensor<1xi64>) -> tensor<1x3xf32>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @squeeze(%x: tensor<1x3x1xf32>, %a: tensor<1xi64>, %y: tensor<3xf32>) {
  %0 = mp.squeeze %x : (tensor<1x3x1xf32>) -> tensor<3xf32>
  %1 = mp.squeeze %x {axes = array<i64: 0, -1>} : (tensor<1x3x1xf32>) -> tensor<3xf32>
  %2 = mp.squeeze %x, %a : (tensor<1x3x1xf32>, tensor<1xi64>) -> tensor<3x1xf32>
  %3 = mp.unsqueeze %y {axes = array<i64: 0, 2>} : (tensor<3xf32>) -> tensor<1x3x1xf32>
  %4 = mp.unsqueeze %y, %a : (tensor<3xf32>, tensor<1xi64>) -> tensor<1x3xf32>
  return
}

// Pad in every form (attribute, operands, skipped constant_value) and
// Resize with skipped roi/scales.
// GENERIC-LABEL: sym_name = "pad_resize"
// GENERIC: "mp.pad"(%{{.*}}) <{mode = "constant", operandSegmentSizes = array<i32: 1, 0, 0, 0>,
// GENERIC: "mp.pad"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 0, 0>}>
// GENERIC: "mp.pad"(%{{.*}}) <{mode = "reflect", operandSegmentSizes = array<i32: 1, 1, 1, 0>}>
// GENERIC: "mp.pad"(%{{.*}}) <{mode = "edge", operandSegmentSizes = array<i32: 1, 1, 0, 1>}>
// GENERIC: "mp.resize"(%{{.*}}) <{mode = "nearest", nearest_mode = "floor", operandSegmentSizes = array<i32: 1, 0, 1, 0>}>
// GENERIC: "mp.resize"(%{{.*}}) <{coordinate_transformation_mode = "align_corners", mode = "linear", operandSegmentSizes = array<i32: 1, 1, 0, 1>}>
// GENERIC: mode = "cubic", operandSegmentSizes = array<i32: 1, 1, 1, 1>}>
// CHECK-LABEL: func.func @pad_resize(
// CHECK-SAME: %arg0: tensor<1x3x4x4xf32>, %arg1: tensor<8xi64>, %arg2: tensor<f32>, %arg3: tensor<2xi32>, %arg4: tensor<4xi64>, %arg5: tensor<0xf32>, %arg6: tensor<4xf32>, %arg7: tensor<4xi64>) {
// CHECK-NEXT: %0 = mp.pad %arg0 {mode = "constant", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 0.000000e+00 : f32} : (tensor<1x3x4x4xf32>) -> tensor<1x3x6x6xf32>
// CHECK-NEXT: %1 = mp.pad %arg0, %arg1 : (tensor<1x3x4x4xf32>, tensor<8xi64>) -> tensor<?x?x?x?xf32>
// CHECK-NEXT: %2 = mp.pad %arg0, %arg1, %arg2 {mode = "reflect"} : (tensor<1x3x4x4xf32>, tensor<8xi64>, tensor<f32>) -> tensor<?x?x?x?xf32>
// CHECK-NEXT: %3 = mp.pad %arg0, %arg4, none, %arg3 {mode = "edge"} : (tensor<1x3x4x4xf32>, tensor<4xi64>, tensor<2xi32>) -> tensor<1x3x?x?xf32>
// CHECK-NEXT: %4 = mp.resize %arg0, none, %arg6 {mode = "nearest", nearest_mode = "floor"} : (tensor<1x3x4x4xf32>, tensor<4xf32>) -> tensor<1x3x8x8xf32>
// CHECK-NEXT: %5 = mp.resize %arg0, %arg5, none, %arg7 {coordinate_transformation_mode = "align_corners", mode = "linear"} : (tensor<1x3x4x4xf32>, tensor<0xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
// CHECK-NEXT: %6 = mp.resize %arg0, %arg5, %arg5, %arg7 {antialias = 1 : i64, cubic_coeff_a = -5.000000e-01 : f32, exclude_outside = 1 : i64, mode = "cubic"} : (tensor<1x3x4x4xf32>, tensor<0xf32>, tensor<0xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @pad_resize(%x: tensor<1x3x4x4xf32>, %p: tensor<8xi64>, %cv: tensor<f32>, %ax: tensor<2xi32>, %p4: tensor<4xi64>, %roi: tensor<0xf32>, %sc: tensor<4xf32>, %sz: tensor<4xi64>) {
  %0 = mp.pad %x {mode = "constant", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 0.0 : f32} : (tensor<1x3x4x4xf32>) -> tensor<1x3x6x6xf32>
  %1 = mp.pad %x, %p : (tensor<1x3x4x4xf32>, tensor<8xi64>) -> tensor<?x?x?x?xf32>
  %2 = mp.pad %x, %p, %cv {mode = "reflect"} : (tensor<1x3x4x4xf32>, tensor<8xi64>, tensor<f32>) -> tensor<?x?x?x?xf32>
  %3 = mp.pad %x, %p4, none, %ax {mode = "edge"} : (tensor<1x3x4x4xf32>, tensor<4xi64>, tensor<2xi32>) -> tensor<1x3x?x?xf32>
  %4 = mp.resize %x, none, %sc {mode = "nearest", nearest_mode = "floor"} : (tensor<1x3x4x4xf32>, tensor<4xf32>) -> tensor<1x3x8x8xf32>
  %5 = mp.resize %x, %roi, none, %sz {coordinate_transformation_mode = "align_corners", mode = "linear"} : (tensor<1x3x4x4xf32>, tensor<0xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  %6 = mp.resize %x, %roi, %roi, %sz {antialias = 1 : i64, cubic_coeff_a = -5.000000e-01 : f32, exclude_outside = 1 : i64, mode = "cubic"} : (tensor<1x3x4x4xf32>, tensor<0xf32>, tensor<0xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return
}

// ConstantOfShape (default f32 and explicit value) and Range.
// CHECK-LABEL: func.func @generators(
// CHECK-SAME: %arg0: tensor<2xi64>, %arg1: tensor<i32>, %arg2: tensor<i32>, %arg3: tensor<i32>) {
// CHECK-NEXT: %0 = mp.constant_of_shape %arg0 : (tensor<2xi64>) -> tensor<?x?xf32>
// CHECK-NEXT: %1 = mp.constant_of_shape %arg0 {value = dense<7> : tensor<1xi64>} : (tensor<2xi64>) -> tensor<?x?xi64>
// CHECK-NEXT: %2 = mp.range %arg1, %arg2, %arg3 : (tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<?xi32>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @generators(%s: tensor<2xi64>, %a: tensor<i32>, %b: tensor<i32>, %c: tensor<i32>) {
  %0 = mp.constant_of_shape %s : (tensor<2xi64>) -> tensor<?x?xf32>
  %1 = mp.constant_of_shape %s {value = dense<7> : tensor<1xi64>} : (tensor<2xi64>) -> tensor<?x?xi64>
  %2 = mp.range %a, %b, %c : (tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<?xi32>
  return
}

// Constants: dense splat and non-splat values and a named initializer
// backed by a dense_resource blob.
// CHECK-LABEL: func.func @constants(
// CHECK-SAME: ) -> (tensor<2x2xf32>, tensor<f16>, tensor<2xf32>, tensor<3xi1>) {
// CHECK-NEXT: %0 = mp.constant {value = dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00{{\]\]}}> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
// CHECK-NEXT: %1 = mp.constant {value = dense<5.000000e-01> : tensor<f16>} : () -> tensor<f16>
// CHECK-NEXT: %2 = mp.constant {initializer = "fc.bias", value = dense_resource<fc_bias> : tensor<2xf32>} : () -> tensor<2xf32>
// CHECK-NEXT: %3 = mp.constant {value = dense<[true, false, true]> : tensor<3xi1>} : () -> tensor<3xi1>
// CHECK-NEXT: return %0, %1, %2, %3 : tensor<2x2xf32>, tensor<f16>, tensor<2xf32>, tensor<3xi1>
// CHECK-NEXT: }
func.func @constants() -> (tensor<2x2xf32>, tensor<f16>, tensor<2xf32>, tensor<3xi1>) {
  %0 = mp.constant {value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %1 = mp.constant {value = dense<5.000000e-01> : tensor<f16>} : () -> tensor<f16>
  %2 = mp.constant {initializer = "fc.bias", value = dense_resource<fc_bias> : tensor<2xf32>} : () -> tensor<2xf32>
  %3 = mp.constant {value = dense<[true, false, true]> : tensor<3xi1>} : () -> tensor<3xi1>
  return %0, %1, %2, %3 : tensor<2x2xf32>, tensor<f16>, tensor<2xf32>, tensor<3xi1>
}

// TopK (k as operand and as attribute), CumSum, Einsum (with ellipsis).
// CHECK-LABEL: func.func @misc(
// CHECK-SAME: %arg0: tensor<3x5xf32>, %arg1: tensor<1xi64>, %arg2: tensor<i32>, %arg3: tensor<2x3xf32>, %arg4: tensor<3x4xf32>, %arg5: tensor<2x3x4x5xf32>) {
// CHECK-NEXT: %Values, %Indices = mp.top_k %arg0, %arg1 {axis = 1 : i64, largest = 1 : i64, sorted = 1 : i64} : (tensor<3x5xf32>, tensor<1xi64>) -> (tensor<3x?xf32>, tensor<3x?xi64>)
// CHECK-NEXT: %Values_0, %Indices_1 = mp.top_k %arg0 {k = 2 : i64} : (tensor<3x5xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
// CHECK-NEXT: %0 = mp.cum_sum %arg0, %arg2 {exclusive = 1 : i64, reverse = 0 : i64} : (tensor<3x5xf32>, tensor<i32>) -> tensor<3x5xf32>
// CHECK-NEXT: %1 = mp.einsum %arg3, %arg4 {equation = "ij,jk->ik"} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: %2 = mp.einsum %arg5 {equation = "...ij->...ji"} : (tensor<2x3x4x5xf32>) -> tensor<2x3x5x4xf32>
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @misc(%x: tensor<3x5xf32>, %k: tensor<1xi64>, %ax: tensor<i32>, %a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %v: tensor<2x3x4x5xf32>) {
  %0:2 = mp.top_k %x, %k {axis = 1 : i64, largest = 1 : i64, sorted = 1 : i64} : (tensor<3x5xf32>, tensor<1xi64>) -> (tensor<3x?xf32>, tensor<3x?xi64>)
  %1:2 = mp.top_k %x {k = 2 : i64} : (tensor<3x5xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
  %2 = mp.cum_sum %x, %ax {exclusive = 1 : i64, reverse = 0 : i64} : (tensor<3x5xf32>, tensor<i32>) -> tensor<3x5xf32>
  %3 = mp.einsum %a, %b {equation = "ij,jk->ik"} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %4 = mp.einsum %v {equation = "...ij->...ji"} : (tensor<2x3x4x5xf32>) -> tensor<2x3x5x4xf32>
  return
}

// If with outer-value captures in both branches, and with no results.
// CHECK-LABEL: func.func @if(
// CHECK-SAME: %arg0: tensor<i1>, %arg1: tensor<2xf32>, %arg2: tensor<2xf32>) -> (tensor<2xf32>, tensor<?xf32>) {
// CHECK-NEXT: %0:2 = mp.if %arg0 : (tensor<i1>) -> (tensor<2xf32>, tensor<?xf32>) then_branch {
// CHECK-NEXT: %1 = mp.add %arg1, %arg2 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT: mp.yield %1, %arg1 : tensor<2xf32>, tensor<2xf32>
// CHECK-NEXT: } else_branch {
// CHECK-NEXT: mp.yield %arg2, %arg2 : tensor<2xf32>, tensor<2xf32>
// CHECK-NEXT: }
// CHECK-NEXT: mp.if %arg0 : (tensor<i1>) -> () then_branch {
// CHECK-NEXT: mp.yield
// CHECK-NEXT: } else_branch {
// CHECK-NEXT: mp.yield
// CHECK-NEXT: }
// CHECK-NEXT: return %0#0, %0#1 : tensor<2xf32>, tensor<?xf32>
// CHECK-NEXT: }
func.func @if(%c: tensor<i1>, %a: tensor<2xf32>, %b: tensor<2xf32>) -> (tensor<2xf32>, tensor<?xf32>) {
  %0:2 = mp.if %c : (tensor<i1>) -> (tensor<2xf32>, tensor<?xf32>) then_branch {
    %s = mp.add %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    mp.yield %s, %a : tensor<2xf32>, tensor<2xf32>
  } else_branch {
    mp.yield %b, %b : tensor<2xf32>, tensor<2xf32>
  }
  mp.if %c : (tensor<i1>) -> () then_branch {
    mp.yield
  } else_branch {
    mp.yield
  }
  return %0#0, %0#1 : tensor<2xf32>, tensor<?xf32>
}

// Loop: M and cond both given, and each of them skipped; the body
// captures the outer value %arg3 and produces a scan output.
// GENERIC-LABEL: sym_name = "loop"
// GENERIC: "mp.loop"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 1>}>
// GENERIC: "mp.loop"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 1>}>
// GENERIC: "mp.loop"(%{{.*}}) <{operandSegmentSizes = array<i32: 0, 1, 1>}>
// CHECK-LABEL: func.func @loop(
// CHECK-SAME: %arg0: tensor<i64>, %arg1: tensor<i1>, %arg2: tensor<f32>, %arg3: tensor<f32>) -> (tensor<f32>, tensor<?xf32>) {
// CHECK-NEXT: %0:2 = mp.loop %arg0, %arg1, %arg2 : (tensor<i64>, tensor<i1>, tensor<f32>) -> (tensor<f32>, tensor<?xf32>) body {
// CHECK-NEXT: ^bb0(%arg4: tensor<i64>, %arg5: tensor<i1>, %arg6: tensor<f32>):
// CHECK-NEXT: %3 = mp.add %arg6, %arg3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK-NEXT: mp.yield %arg5, %3, %3 : tensor<i1>, tensor<f32>, tensor<f32>
// CHECK-NEXT: }
// CHECK-NEXT: %1 = mp.loop %arg0, none, %arg2 : (tensor<i64>, tensor<f32>) -> tensor<f32> body {
// CHECK-NEXT: ^bb0(%arg4: tensor<i64>, %arg5: tensor<i1>, %arg6: tensor<f32>):
// CHECK-NEXT: mp.yield %arg5, %arg6 : tensor<i1>, tensor<f32>
// CHECK-NEXT: }
// CHECK-NEXT: %2 = mp.loop none, %arg1, %arg2 : (tensor<i1>, tensor<f32>) -> tensor<f32> body {
// CHECK-NEXT: ^bb0(%arg4: tensor<i64>, %arg5: tensor<i1>, %arg6: tensor<f32>):
// CHECK-NEXT: mp.yield %arg5, %arg6 : tensor<i1>, tensor<f32>
// CHECK-NEXT: }
// CHECK-NEXT: return %0#0, %0#1 : tensor<f32>, tensor<?xf32>
// CHECK-NEXT: }
func.func @loop(%m: tensor<i64>, %cond: tensor<i1>, %v: tensor<f32>, %w: tensor<f32>) -> (tensor<f32>, tensor<?xf32>) {
  %0:2 = mp.loop %m, %cond, %v : (tensor<i64>, tensor<i1>, tensor<f32>) -> (tensor<f32>, tensor<?xf32>) body {
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %x: tensor<f32>):
    %y = mp.add %x, %w : (tensor<f32>, tensor<f32>) -> tensor<f32>
    mp.yield %c, %y, %y : tensor<i1>, tensor<f32>, tensor<f32>
  }
  %1 = mp.loop %m, none, %v : (tensor<i64>, tensor<f32>) -> tensor<f32> body {
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %x: tensor<f32>):
    mp.yield %c, %x : tensor<i1>, tensor<f32>
  }
  %2 = mp.loop none, %cond, %v : (tensor<i1>, tensor<f32>) -> tensor<f32> body {
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %x: tensor<f32>):
    mp.yield %c, %x : tensor<i1>, tensor<f32>
  }
  return %0#0, %0#1 : tensor<f32>, tensor<?xf32>
}

// Scan with one state, one scan input, and a captured outer value.
// CHECK-LABEL: func.func @scan(
// CHECK-SAME: %arg0: tensor<2xf32>, %arg1: tensor<5x2xf32>, %arg2: tensor<2xf32>) -> (tensor<2xf32>, tensor<5x2xf32>) {
// CHECK-NEXT: %0:2 = mp.scan %arg0, %arg1 {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 0>, scan_input_directions = array<i64: 0>, scan_output_axes = array<i64: 0>, scan_output_directions = array<i64: 1>} : (tensor<2xf32>, tensor<5x2xf32>) -> (tensor<2xf32>, tensor<5x2xf32>) body {
// CHECK-NEXT: ^bb0(%arg3: tensor<2xf32>, %arg4: tensor<2xf32>):
// CHECK-NEXT: %1 = mp.add %arg3, %arg4 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT: %2 = mp.add %1, %arg2 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT: mp.yield %1, %2 : tensor<2xf32>, tensor<2xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return %0#0, %0#1 : tensor<2xf32>, tensor<5x2xf32>
// CHECK-NEXT: }
func.func @scan(%init: tensor<2xf32>, %xs: tensor<5x2xf32>, %bias: tensor<2xf32>) -> (tensor<2xf32>, tensor<5x2xf32>) {
  %0:2 = mp.scan %init, %xs {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 0>, scan_input_directions = array<i64: 0>, scan_output_axes = array<i64: 0>, scan_output_directions = array<i64: 1>} : (tensor<2xf32>, tensor<5x2xf32>) -> (tensor<2xf32>, tensor<5x2xf32>) body {
  ^bb0(%s: tensor<2xf32>, %x: tensor<2xf32>):
    %n = mp.add %s, %x : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    %o = mp.add %n, %bias : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    mp.yield %n, %o : tensor<2xf32>, tensor<2xf32>
  }
  return %0#0, %0#1 : tensor<2xf32>, tensor<5x2xf32>
}

// The generic op: custom domains, attributes of every ONNX kind, skipped
// inputs (`none`), zero inputs/results, and graph attributes as regions.
// GENERIC-LABEL: sym_name = "onnx_op"
// GENERIC: "mp.onnx_op"(%{{.*}}) <{domain = "com.microsoft", onnx_attrs = {activation = "Relu", alpha = 1.000000e+00 : f32, transA = 0 : i64}, op_type = "FusedGemm"}>
// GENERIC: "mp.onnx_op"(%{{.*}}) <{domain = "", onnx_attrs = {}, op_type = "Celu"}>
// GENERIC: "mp.onnx_op"(%{{.*}}, %{{.*}}) <{domain = "com.example", input_segments = array<i32: 1, 0, 0, 1>,
// GENERIC: "mp.onnx_op"(%{{.*}}) <{domain = "com.example", input_segments = array<i32: 0, 1>, onnx_attrs = {}, op_type = "MultiOut"}>
// GENERIC: region_names = ["then_branch", "else_branch"]
// CHECK-LABEL: func.func @onnx_op(
// CHECK-SAME: %arg0: tensor<2x3xf32>, %arg1: tensor<3x4xf32>, %arg2: tensor<i1>, %arg3: tensor<4xf32>) {
// CHECK-NEXT: %0 = mp.onnx_op "com.microsoft"::"FusedGemm" %arg0, %arg1 {onnx_attrs = {activation = "Relu", alpha = 1.000000e+00 : f32, transA = 0 : i64}} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: %1 = mp.onnx_op ""::"Celu" %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %2 = mp.onnx_op "com.example"::"Fancy" %arg0, none, none, %arg3 {onnx_attrs = {floats = array<f32: 5.000000e-01>, ints = array<i64: 1, 2>, strs = ["x", "y"], t = dense<1.000000e+00> : tensor<2xf32>, ty = f16}} : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: %3:2 = mp.onnx_op "com.example"::"MultiOut" none, %arg0 : (tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
// CHECK-NEXT: mp.onnx_op "com.example"::"Sink" %arg0 : (tensor<2x3xf32>) -> ()
// CHECK-NEXT: %4 = mp.onnx_op "com.example"::"Source" : () -> tensor<f32>
// CHECK-NEXT: %5 = mp.onnx_op "com.example"::"CustomIf" %arg2 {region_names = ["then_branch", "else_branch"]} : (tensor<i1>) -> tensor<2x3xf32> then_branch {
// CHECK-NEXT: mp.yield %arg0 : tensor<2x3xf32>
// CHECK-NEXT: } else_branch {
// CHECK-NEXT: %7 = mp.neg %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: mp.yield %7 : tensor<2x3xf32>
// CHECK-NEXT: }
// CHECK-NEXT: %6 = mp.onnx_op "com.example"::"Mapper" %arg0 {onnx_attrs = {k = 3 : i64}, region_names = ["body"]} : (tensor<2x3xf32>) -> tensor<2x3xf32> body {
// CHECK-NEXT: ^bb0(%arg4: tensor<3xf32>):
// CHECK-NEXT: mp.yield %arg4 : tensor<3xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return
// CHECK-NEXT: }
func.func @onnx_op(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<i1>, %bias: tensor<4xf32>) {
  %0 = mp.onnx_op "com.microsoft"::"FusedGemm" %a, %b {onnx_attrs = {activation = "Relu", alpha = 1.000000e+00 : f32, transA = 0 : i64}} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %1 = mp.onnx_op ""::"Celu" %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = mp.onnx_op "com.example"::"Fancy" %a, none, none, %bias {onnx_attrs = {ints = array<i64: 1, 2>, floats = array<f32: 5.000000e-01>, strs = ["x", "y"], t = dense<1.0> : tensor<2xf32>, ty = f16}} : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %3:2 = mp.onnx_op "com.example"::"MultiOut" none, %a : (tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
  mp.onnx_op "com.example"::"Sink" %a : (tensor<2x3xf32>) -> ()
  %4 = mp.onnx_op "com.example"::"Source" : () -> tensor<f32>
  %5 = mp.onnx_op "com.example"::"CustomIf" %c {region_names = ["then_branch", "else_branch"]} : (tensor<i1>) -> tensor<2x3xf32> then_branch {
    mp.yield %a : tensor<2x3xf32>
  } else_branch {
    %n = mp.neg %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
    mp.yield %n : tensor<2x3xf32>
  }
  %6 = mp.onnx_op "com.example"::"Mapper" %a {onnx_attrs = {k = 3 : i64}, region_names = ["body"]} : (tensor<2x3xf32>) -> tensor<2x3xf32> body {
  ^bb0(%x: tensor<3xf32>):
    mp.yield %x : tensor<3xf32>
  }
  return
}
}

{-#
  dialect_resources: {
    builtin: {
      fc_bias: "0x040000000000803F00000040"
    }
  }
#-}

// CHECK: dialect_resources
// CHECK: builtin
// CHECK-NEXT: fc_bias: "0x040000000000803F00000040"
