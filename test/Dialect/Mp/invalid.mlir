// RUN: mp-opt %s -split-input-file -verify-diagnostics

// One case per verifier constraint of the mp dialect (MpOps.cpp,
// MpDialect.cpp, and the ODS traits/type constraints that matter), followed
// by the parse errors of the shared custom syntax.

//===----------------------------------------------------------------------===//
// Module attributes (MpDialect::verifyOperationAttribute)
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'mp.opset_import' must be a dictionary}}
module attributes {mp.opset_import = [18]} {
}

// -----

// expected-error @+1 {{'mp.opset_import' entry 'com.microsoft' must be an integer opset version}}
module attributes {mp.opset_import = {ai.onnx = 18 : i64, com.microsoft = "1"}} {
}

// -----

// expected-error @+1 {{'mp.ir_version' must be an integer}}
module attributes {mp.ir_version = "8"} {
}

// -----

// expected-error @+1 {{'mp.model_version' must be an integer}}
module attributes {mp.model_version = 1.0 : f32} {
}

// -----

// expected-error @+1 {{'mp.metadata_props' must be a dictionary of strings}}
module attributes {mp.metadata_props = {author = 1 : i64}} {
}

// -----

// expected-error @+1 {{'mp.metadata_props' must be a dictionary of strings}}
module attributes {mp.metadata_props = "author"} {
}

// -----

// expected-error @+1 {{'mp.producer_name' must be a string}}
module attributes {mp.producer_name = 1 : i64} {
}

// -----

// expected-error @+1 {{'mp.graph_doc_string' must be a string}}
module attributes {mp.graph_doc_string = ["doc"]} {
}

//===----------------------------------------------------------------------===//
// Element-wise ops
//===----------------------------------------------------------------------===//

// -----

func.func @binary_not_broadcastable(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'mp.add' op operands don't have broadcast-compatible shapes}}
  %0 = mp.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @binary_result_not_broadcast(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'mp.mul' op result type '2x4' not broadcast compatible with broadcasted operands's shapes '2x3'}}
  %0 = mp.mul %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @binary_element_type_mismatch(%a: tensor<2x3xf32>, %b: tensor<3xf16>) {
  // expected-error @+1 {{'mp.sub' op requires the same element type for all operands and results}}
  %0 = mp.sub %a, %b : (tensor<2x3xf32>, tensor<3xf16>) -> tensor<2x3xf32>
  return
}

// -----

func.func @binary_result_element_type(%a: tensor<3xf32>) {
  // expected-error @+1 {{'mp.div' op requires the same element type for all operands and results}}
  %0 = mp.div %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf16>
  return
}

// -----

func.func @compare_operand_types(%a: tensor<3xf32>, %b: tensor<3xi32>) {
  // expected-error @+1 {{'mp.equal' op requires the same element type for all operands}}
  %0 = mp.equal %a, %b : (tensor<3xf32>, tensor<3xi32>) -> tensor<3xi1>
  return
}

// -----

func.func @compare_result_not_bool(%a: tensor<3xf32>) {
  // expected-error @+1 {{'mp.less' op result #0 must be tensor of 1-bit signless integer values, but got 'tensor<3xf32>'}}
  %0 = mp.less %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @logical_operand_not_bool(%a: tensor<2xf32>, %b: tensor<2xi1>) {
  // expected-error @+1 {{'mp.and' op operand #1 must be tensor of 1-bit signless integer values, but got 'tensor<2xf32>'}}
  %0 = mp.and %b, %a : (tensor<2xi1>, tensor<2xf32>) -> tensor<2xi1>
  return
}

// -----

func.func @unary_shape_mismatch(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.neg' op requires the same shape for all operands and results}}
  %0 = mp.neg %a : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @unary_element_type_mismatch(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.relu' op requires the same element type for all operands and results}}
  %0 = mp.relu %a : (tensor<2x3xf32>) -> tensor<2x3xf16>
  return
}

// -----

func.func @float_only_unary(%a: tensor<2x3xi32>) {
  // expected-error @+1 {{'mp.exp' op operand #0 must be tensor of floating-point values, but got 'tensor<2x3xi32>'}}
  %0 = mp.exp %a : (tensor<2x3xi32>) -> tensor<2x3xi32>
  return
}

// -----

func.func @not_requires_bool(%a: tensor<4xi32>) {
  // expected-error @+1 {{'mp.not' op operand #0 must be tensor of 1-bit signless integer values, but got 'tensor<4xi32>'}}
  %0 = mp.not %a : (tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

func.func @bad_attribute_kind(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.leaky_relu' op attribute 'alpha' failed to satisfy constraint: 32-bit float attribute}}
  %0 = "mp.leaky_relu"(%a) {alpha = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @gelu_approximate(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.gelu' op 'approximate' must be 'none' or 'tanh', got 'fast'}}
  %0 = mp.gelu %a {approximate = "fast"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @clip_min_both_forms(%a: tensor<2x3xf32>, %l: tensor<f32>) {
  // expected-error @+1 {{'mp.clip' op 'min' is given both as an attribute (opset < the revision that made it an input) and as an operand}}
  %0 = mp.clip %a, %l {min = 0.0 : f32} : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @clip_max_both_forms(%a: tensor<2x3xf32>, %h: tensor<f32>) {
  // expected-error @+1 {{'mp.clip' op 'max' is given both as an attribute (opset < the revision that made it an input) and as an operand}}
  %0 = mp.clip %a, none, %h {max = 6.0 : f32} : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @clip_bound_element_type(%a: tensor<2x3xf32>, %l: tensor<f16>) {
  // expected-error @+1 {{'mp.clip' op 'input' and 'min' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.clip %a, %l : (tensor<2x3xf32>, tensor<f16>) -> tensor<2x3xf32>
  return
}

// -----

func.func @clip_bound_not_scalar(%a: tensor<2x3xf32>, %h: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.clip' op 'max' must be a scalar}}
  %0 = mp.clip %a, none, %h : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @clip_result_element_type(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.clip' op 'input' and 'output' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.clip %a : (tensor<2x3xf32>) -> tensor<2x3xf16>
  return
}

// -----

func.func @clip_result_shape(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.clip' op result shape must match the input shape}}
  %0 = mp.clip %a : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @cast_to_mismatch(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.cast' op result element type 'f32' does not match 'to' 'f16'}}
  %0 = mp.cast %a {to = f16} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @cast_shape_mismatch(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.cast' op result shape must match the input shape}}
  %0 = mp.cast %a {to = f16} : (tensor<2x3xf32>) -> tensor<3x2xf16>
  return
}

// -----

func.func @cast_missing_to(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.cast' op requires attribute 'to'}}
  %0 = mp.cast %a : (tensor<2x3xf32>) -> tensor<2x3xf16>
  return
}

// -----

func.func @pow_result_element_type(%a: tensor<2x3xf32>, %e: tensor<i32>) {
  // expected-error @+1 {{'mp.pow' op 'X' and 'Z' must have the same element type, got 'f32' and 'i32'}}
  %0 = mp.pow %a, %e : (tensor<2x3xf32>, tensor<i32>) -> tensor<2x3xi32>
  return
}

// -----

func.func @variadic_no_inputs() {
  // expected-error @+1 {{'mp.max' op expected 1 or more operands, but found 0}}
  %0 = mp.max : () -> tensor<2x3xf32>
  return
}

// -----

func.func @variadic_result_not_broadcast(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.min' op result type '4x3' not broadcast compatible with broadcasted operands's shapes '2x3'}}
  %0 = mp.min %a, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @where_branch_types(%c: tensor<3xi1>, %a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+1 {{'mp.where' op 'X' and 'Y' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.where %c, %a, %b : (tensor<3xi1>, tensor<3xf32>, tensor<3xf16>) -> tensor<3xf32>
  return
}

// -----

func.func @where_result_type(%c: tensor<3xi1>, %a: tensor<3xf32>) {
  // expected-error @+1 {{'mp.where' op 'X' and 'output' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.where %c, %a, %a : (tensor<3xi1>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf16>
  return
}

// -----

func.func @where_condition_not_bool(%c: tensor<3xf32>, %a: tensor<3xf32>) {
  // expected-error @+1 {{'mp.where' op operand #0 must be tensor of 1-bit signless integer values, but got 'tensor<3xf32>'}}
  %0 = mp.where %c, %a, %a : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @where_not_broadcastable(%c: tensor<3xi1>, %a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+1 {{'mp.where' op operands don't have broadcast-compatible shapes}}
  %0 = mp.where %c, %a, %b : (tensor<3xi1>, tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return
}

//===----------------------------------------------------------------------===//
// MatMul, Gemm (and result type inference)
//===----------------------------------------------------------------------===//

// -----

func.func @matmul_contraction(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{MatMul: contraction dimensions differ (3 vs 4)}}
  // expected-error @+1 {{'mp.matmul' op failed to infer returned types}}
  %0 = mp.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @matmul_scalar_operand(%a: tensor<f32>, %b: tensor<3x5xf32>) {
  // expected-error @+2 {{MatMul: operands must have rank >= 1}}
  // expected-error @+1 {{'mp.matmul' op failed to infer returned types}}
  %0 = mp.matmul %a, %b : (tensor<f32>, tensor<3x5xf32>) -> tensor<5xf32>
  return
}

// -----

func.func @matmul_batch_dims(%a: tensor<2x2x3xf32>, %b: tensor<3x3x5xf32>) {
  // expected-error @+2 {{MatMul: batch dimensions are not broadcast-compatible}}
  // expected-error @+1 {{'mp.matmul' op failed to infer returned types}}
  %0 = mp.matmul %a, %b : (tensor<2x2x3xf32>, tensor<3x3x5xf32>) -> tensor<2x2x5xf32>
  return
}

// -----

func.func @matmul_inferred_type(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+2 {{'mp.matmul' op inferred type(s) 'tensor<2x5xf32>' are incompatible with return type(s) of operation 'tensor<2x6xf32>'}}
  // expected-error @+1 {{'mp.matmul' op failed to infer returned types}}
  %0 = mp.matmul %a, %b : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @matmul_element_types(%a: tensor<2x3xf32>, %b: tensor<3x5xf16>) {
  // expected-error @+1 {{'mp.matmul' op 'A' and 'B' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.matmul %a, %b : (tensor<2x3xf32>, tensor<3x5xf16>) -> tensor<2x5xf32>
  return
}

// -----

func.func @gemm_rank_a(%a: tensor<2x3x1xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{'mp.gemm' op 'A' must have rank 2, got 3}}
  %0 = mp.gemm %a, %b : (tensor<2x3x1xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @gemm_rank_b(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'mp.gemm' op 'B' must have rank 2, got 1}}
  %0 = mp.gemm %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @gemm_element_types(%a: tensor<2x3xf32>, %b: tensor<3x4xf16>) {
  // expected-error @+1 {{'mp.gemm' op 'A' and 'B' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.gemm %a, %b : (tensor<2x3xf32>, tensor<3x4xf16>) -> tensor<2x4xf32>
  return
}

// -----

func.func @gemm_contraction(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+1 {{'mp.gemm' op contraction dimensions differ: 3 vs 4}}
  %0 = mp.gemm %a, %b : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @gemm_contraction_trans_a(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{'mp.gemm' op contraction dimensions differ: 2 vs 3}}
  %0 = mp.gemm %a, %b {transA = 1 : i64} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @gemm_contraction_trans_b(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{'mp.gemm' op contraction dimensions differ: 3 vs 4}}
  %0 = mp.gemm %a, %b {transB = 1 : i64} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @gemm_c_element_type(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<4xf16>) {
  // expected-error @+1 {{'mp.gemm' op 'A' and 'C' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.gemm %a, %b, %c : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf16>) -> tensor<2x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Conv, ConvTranspose
//===----------------------------------------------------------------------===//

// -----

func.func @conv_rank(%x: tensor<1x4xf32>, %w: tensor<6x4xf32>) {
  // expected-error @+1 {{'mp.conv' op 'X' must have rank in [3, 10], got 2}}
  %0 = mp.conv %x, %w : (tensor<1x4xf32>, tensor<6x4xf32>) -> tensor<1x6xf32>
  return
}

// -----

func.func @conv_element_types(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3xf16>) {
  // expected-error @+1 {{'mp.conv' op 'X' and 'W' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.conv %x, %w : (tensor<1x4x8xf32>, tensor<6x4x3xf16>) -> tensor<1x6x6xf32>
  return
}

// -----

func.func @conv_auto_pad(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3xf32>) {
  // expected-error @+1 {{'mp.conv' op 'auto_pad' must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got 'SAME'}}
  %0 = mp.conv %x, %w {auto_pad = "SAME"} : (tensor<1x4x8xf32>, tensor<6x4x3xf32>) -> tensor<1x6x8xf32>
  return
}

// -----

func.func @conv_kernel_shape_size(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3xf32>) {
  // expected-error @+1 {{'mp.conv' op 'kernel_shape' has 2 entries, expected 1 for 1 spatial dims}}
  %0 = mp.conv %x, %w {kernel_shape = array<i64: 3, 3>} : (tensor<1x4x8xf32>, tensor<6x4x3xf32>) -> tensor<1x6x6xf32>
  return
}

// -----

func.func @conv_strides_size(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3xf32>) {
  // expected-error @+1 {{'mp.conv' op 'strides' has 2 entries, expected 1 for 1 spatial dims}}
  %0 = mp.conv %x, %w {strides = array<i64: 1, 1>} : (tensor<1x4x8xf32>, tensor<6x4x3xf32>) -> tensor<1x6x6xf32>
  return
}

// -----

func.func @conv_dilations_size(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3xf32>) {
  // expected-error @+1 {{'mp.conv' op 'dilations' has 2 entries, expected 1 for 1 spatial dims}}
  %0 = mp.conv %x, %w {dilations = array<i64: 1, 1>} : (tensor<1x4x8xf32>, tensor<6x4x3xf32>) -> tensor<1x6x6xf32>
  return
}

// -----

func.func @conv_pads_size(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3xf32>) {
  // expected-error @+1 {{'mp.conv' op 'pads' has 1 entries, expected 2 for 1 spatial dims}}
  %0 = mp.conv %x, %w {pads = array<i64: 1>} : (tensor<1x4x8xf32>, tensor<6x4x3xf32>) -> tensor<1x6x8xf32>
  return
}

// -----

func.func @conv_strides_positive(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3xf32>) {
  // expected-error @+1 {{'mp.conv' op 'strides' entries must be positive}}
  %0 = mp.conv %x, %w {strides = array<i64: 0>} : (tensor<1x4x8xf32>, tensor<6x4x3xf32>) -> tensor<1x6x6xf32>
  return
}

// -----

func.func @conv_dilations_positive(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3xf32>) {
  // expected-error @+1 {{'mp.conv' op 'dilations' entries must be positive}}
  %0 = mp.conv %x, %w {dilations = array<i64: -1>} : (tensor<1x4x8xf32>, tensor<6x4x3xf32>) -> tensor<1x6x6xf32>
  return
}

// -----

func.func @conv_weight_rank(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @+1 {{'mp.conv' op 'W' must have the rank of 'X' (3), got 4}}
  %0 = mp.conv %x, %w : (tensor<1x4x8xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x6xf32>
  return
}

// -----

func.func @conv_group_positive(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3xf32>) {
  // expected-error @+1 {{'mp.conv' op 'group' must be positive}}
  %0 = mp.conv %x, %w {group = 0 : i64} : (tensor<1x4x8xf32>, tensor<6x4x3xf32>) -> tensor<1x6x6xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3xf32>) {
  // expected-error @+1 {{'mp.conv' op input channels (4) must equal W.shape[1] (4) * group (2)}}
  %0 = mp.conv %x, %w {group = 2 : i64} : (tensor<1x4x8xf32>, tensor<6x4x3xf32>) -> tensor<1x6x6xf32>
  return
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x4x8xf32>, %w: tensor<3x6x3xf32>) {
  // expected-error @+1 {{'mp.conv_transpose' op input channels (4) must equal W.shape[0] (3)}}
  %0 = mp.conv_transpose %x, %w : (tensor<1x4x8xf32>, tensor<3x6x3xf32>) -> tensor<1x6x10xf32>
  return
}

// -----

func.func @conv_transpose_strides(%x: tensor<1x4x8xf32>, %w: tensor<4x6x3xf32>) {
  // expected-error @+1 {{'mp.conv_transpose' op 'strides' has 2 entries, expected 1 for 1 spatial dims}}
  %0 = mp.conv_transpose %x, %w {strides = array<i64: 2, 2>} : (tensor<1x4x8xf32>, tensor<4x6x3xf32>) -> tensor<1x6x17xf32>
  return
}

// -----

func.func @conv_bias_rank(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3xf32>, %b: tensor<1x6xf32>) {
  // expected-error @+1 {{'mp.conv' op 'B' must have rank 1, got 2}}
  %0 = mp.conv %x, %w, %b : (tensor<1x4x8xf32>, tensor<6x4x3xf32>, tensor<1x6xf32>) -> tensor<1x6x6xf32>
  return
}

// -----

func.func @conv_bias_element_type(%x: tensor<1x4x8xf32>, %w: tensor<6x4x3xf32>, %b: tensor<6xf16>) {
  // expected-error @+1 {{'mp.conv' op 'X' and 'B' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.conv %x, %w, %b : (tensor<1x4x8xf32>, tensor<6x4x3xf32>, tensor<6xf16>) -> tensor<1x6x6xf32>
  return
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

// -----

func.func @pool_rank(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'mp.average_pool' op 'X' must have rank in [3, 10], got 2}}
  %0 = mp.average_pool %x {kernel_shape = array<i64: 2>} : (tensor<4x8xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @pool_auto_pad(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'mp.average_pool' op 'auto_pad' must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got 'same_upper'}}
  %0 = mp.average_pool %x {auto_pad = "same_upper", kernel_shape = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @pool_missing_kernel_shape(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'mp.max_pool' op requires attribute 'kernel_shape'}}
  %0 = mp.max_pool %x : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @pool_kernel_shape_size(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'mp.max_pool' op 'kernel_shape' has 1 entries, expected 2 for 2 spatial dims}}
  %0 = mp.max_pool %x {kernel_shape = array<i64: 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @pool_strides_size(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'mp.max_pool' op 'strides' has 3 entries, expected 2 for 2 spatial dims}}
  %0 = mp.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @pool_pads_size(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'mp.average_pool' op 'pads' has 2 entries, expected 4 for 2 spatial dims}}
  %0 = mp.average_pool %x {kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @pool_kernel_positive(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'mp.max_pool' op 'kernel_shape' entries must be positive}}
  %0 = mp.max_pool %x {kernel_shape = array<i64: 0, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @pool_strides_positive(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'mp.average_pool' op 'strides' entries must be positive}}
  %0 = mp.average_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 0>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @pool_element_type(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'mp.average_pool' op 'X' and 'Y' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.average_pool %x {kernel_shape = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf16>
  return
}

// -----

func.func @max_pool_indices_type(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'mp.max_pool' op result #1 must be tensor of 64-bit signless integer values, but got 'tensor<1x4x4x4xi32>'}}
  %0:2 = mp.max_pool %x {kernel_shape = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xi32>)
  return
}

// -----

func.func @global_pool_rank(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'mp.global_average_pool' op 'X' must have rank in [3, 10], got 2}}
  %0 = mp.global_average_pool %x : (tensor<4x8xf32>) -> tensor<4x1xf32>
  return
}

// -----

func.func @global_pool_element_type(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'mp.global_average_pool' op 'X' and 'Y' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.global_average_pool %x : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf16>
  return
}

// -----

func.func @global_pool_result_rank(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'mp.global_average_pool' op result must have the input's rank}}
  %0 = mp.global_average_pool %x : (tensor<1x4x8x8xf32>) -> tensor<1x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Normalisation, Softmax, Dropout
//===----------------------------------------------------------------------===//

// -----

func.func @batch_norm_rank(%x: tensor<4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.batch_normalization' op 'X' must have rank in [2, 10], got 1}}
  %0 = mp.batch_normalization %x, %s, %s, %s, %s {resultSegmentSizes = array<i32: 1, 0, 0, 0, 0>} : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @batch_norm_float(%x: tensor<2x4xi32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{'mp.batch_normalization' op 'X' must have a floating-point element type}}
  %0 = mp.batch_normalization %x, %s, %s, %s, %s {resultSegmentSizes = array<i32: 1, 0, 0, 0, 0>} : (tensor<2x4xi32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>) -> tensor<2x4xi32>
  return
}

// -----

func.func @batch_norm_scale_rank(%x: tensor<2x4xf32>, %s: tensor<4xf32>, %bad: tensor<1x4xf32>) {
  // expected-error @+1 {{'mp.batch_normalization' op 'scale' must have rank 1, got 2}}
  %0 = mp.batch_normalization %x, %bad, %s, %s, %s {resultSegmentSizes = array<i32: 1, 0, 0, 0, 0>} : (tensor<2x4xf32>, tensor<1x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @batch_norm_mean_rank(%x: tensor<2x4xf32>, %s: tensor<4xf32>, %bad: tensor<1x4xf32>) {
  // expected-error @+1 {{'mp.batch_normalization' op 'input_mean' must have rank 1, got 2}}
  %0 = mp.batch_normalization %x, %s, %s, %bad, %s {resultSegmentSizes = array<i32: 1, 0, 0, 0, 0>} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<1x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @batch_norm_momentum(%x: tensor<2x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.batch_normalization' op 'momentum' must be non-negative}}
  %0 = mp.batch_normalization %x, %s, %s, %s, %s {momentum = -1.0 : f32, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0>} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @batch_norm_result_segments(%x: tensor<2x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.batch_normalization' op result count (1) does not match with the total size (3) specified in attribute 'resultSegmentSizes'}}
  %0 = mp.batch_normalization %x, %s, %s, %s, %s {resultSegmentSizes = array<i32: 1, 1, 1, 0, 0>} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @batch_norm_missing_result_segments(%x: tensor<2x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.batch_normalization' op result count (1) does not match with the total size (0) specified in attribute 'resultSegmentSizes'}}
  %0 = mp.batch_normalization %x, %s, %s, %s, %s : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @layer_norm_float(%x: tensor<2x4xi32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{'mp.layer_normalization' op 'X' must have a floating-point element type}}
  %0 = mp.layer_normalization %x, %s {resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<2x4xi32>, tensor<4xi32>) -> tensor<2x4xi32>
  return
}

// -----

func.func @layer_norm_axis(%x: tensor<2x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.layer_normalization' op axis 2 is out of range [-2, 1]}}
  %0 = mp.layer_normalization %x, %s {axis = 2 : i64, resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @layer_norm_stash_type(%x: tensor<2x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.layer_normalization' op 'stash_type' must be 1 (float32)}}
  %0 = mp.layer_normalization %x, %s {resultSegmentSizes = array<i32: 1, 0, 0>, stash_type = 10 : i64} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @instance_norm_rank(%x: tensor<2x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.instance_normalization' op 'input' must have rank in [3, 10], got 2}}
  %0 = mp.instance_normalization %x, %s, %s : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @instance_norm_scale_rank(%x: tensor<2x4x3xf32>, %s: tensor<1x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'mp.instance_normalization' op 'scale' must have rank 1, got 2}}
  %0 = mp.instance_normalization %x, %s, %b : (tensor<2x4x3xf32>, tensor<1x4xf32>, tensor<4xf32>) -> tensor<2x4x3xf32>
  return
}

// -----

func.func @instance_norm_bias_rank(%x: tensor<2x4x3xf32>, %s: tensor<4xf32>, %b: tensor<1x4xf32>) {
  // expected-error @+1 {{'mp.instance_normalization' op 'B' must have rank 1, got 2}}
  %0 = mp.instance_normalization %x, %s, %b : (tensor<2x4x3xf32>, tensor<4xf32>, tensor<1x4xf32>) -> tensor<2x4x3xf32>
  return
}

// -----

func.func @instance_norm_float(%x: tensor<2x4x3xi32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{'mp.instance_normalization' op 'input' must have a floating-point element type}}
  %0 = mp.instance_normalization %x, %s, %s : (tensor<2x4x3xi32>, tensor<4xi32>, tensor<4xi32>) -> tensor<2x4x3xi32>
  return
}

// -----

func.func @group_norm_rank(%x: tensor<2x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.group_normalization' op 'X' must have rank in [3, 10], got 2}}
  %0 = mp.group_normalization %x, %s, %s {num_groups = 2 : i64} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @group_norm_float(%x: tensor<2x4x3xi32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{'mp.group_normalization' op 'X' must have a floating-point element type}}
  %0 = mp.group_normalization %x, %s, %s {num_groups = 2 : i64} : (tensor<2x4x3xi32>, tensor<4xi32>, tensor<4xi32>) -> tensor<2x4x3xi32>
  return
}

// -----

func.func @group_norm_missing_groups(%x: tensor<2x4x3xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.group_normalization' op requires attribute 'num_groups'}}
  %0 = mp.group_normalization %x, %s, %s : (tensor<2x4x3xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x3xf32>
  return
}

// -----

func.func @group_norm_groups_positive(%x: tensor<2x4x3xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.group_normalization' op 'num_groups' must be positive}}
  %0 = mp.group_normalization %x, %s, %s {num_groups = 0 : i64} : (tensor<2x4x3xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x3xf32>
  return
}

// -----

func.func @group_norm_groups_divide_channels(%x: tensor<2x4x3xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.group_normalization' op channel count 4 is not divisible by num_groups 3}}
  %0 = mp.group_normalization %x, %s, %s {num_groups = 3 : i64} : (tensor<2x4x3xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x3xf32>
  return
}

// -----

func.func @group_norm_scale_rank(%x: tensor<2x4x3xf32>, %s: tensor<1x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'mp.group_normalization' op 'scale' must be 1-D}}
  %0 = mp.group_normalization %x, %s, %b {num_groups = 2 : i64} : (tensor<2x4x3xf32>, tensor<1x4xf32>, tensor<4xf32>) -> tensor<2x4x3xf32>
  return
}

// -----

func.func @group_norm_bias_length(%x: tensor<2x4x3xf32>, %s: tensor<4xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'mp.group_normalization' op 'bias' has 3 entries; expected num_groups (2, opset 18) or the channel count (opset 21)}}
  %0 = mp.group_normalization %x, %s, %b {num_groups = 2 : i64} : (tensor<2x4x3xf32>, tensor<4xf32>, tensor<3xf32>) -> tensor<2x4x3xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'mp.softmax' op axis 2 is out of range [-2, 1]}}
  %0 = mp.softmax %x {axis = 2 : i64} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @log_softmax_negative_axis(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'mp.log_softmax' op axis -3 is out of range [-2, 1]}}
  %0 = mp.log_softmax %x {axis = -3 : i64} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @softmax_element_type(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'mp.softmax' op requires the same element type for all operands and results}}
  %0 = mp.softmax %x : (tensor<2x4xf32>) -> tensor<2x4xf16>
  return
}

// -----

func.func @dropout_ratio_both_forms(%x: tensor<2x4xf32>, %r: tensor<f32>) {
  // expected-error @+1 {{'mp.dropout' op 'ratio' is given both as an attribute (opset < the revision that made it an input) and as an operand}}
  %0 = mp.dropout %x, %r {ratio = 0.5 : f32} : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @dropout_ratio_range(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'mp.dropout' op 'ratio' must be in [0, 1)}}
  %0 = mp.dropout %x {ratio = 1.0 : f32} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @dropout_mask_type(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'mp.dropout' op 'mask' must be bool (opset 10+) or have the data's element type (opset 7-9)}}
  %0:2 = mp.dropout %x : (tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xi32>)
  return
}

//===----------------------------------------------------------------------===//
// Recurrent ops
//===----------------------------------------------------------------------===//

// -----

func.func @rnn_x_rank(%x: tensor<5x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+1 {{'mp.lstm' op 'X' must have rank 3, got 2}}
  %0 = mp.lstm %x, %w, %r {resultSegmentSizes = array<i32: 0, 1, 0>} : (tensor<5x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @rnn_w_rank(%x: tensor<5x2x3xf32>, %w: tensor<16x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+1 {{'mp.lstm' op 'W' must have rank 3, got 2}}
  %0 = mp.lstm %x, %w, %r {resultSegmentSizes = array<i32: 0, 1, 0>} : (tensor<5x2x3xf32>, tensor<16x3xf32>, tensor<1x16x4xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @rnn_r_rank(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<12x4xf32>) {
  // expected-error @+1 {{'mp.gru' op 'R' must have rank 3, got 2}}
  %0 = mp.gru %x, %w, %r {resultSegmentSizes = array<i32: 0, 1>} : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<12x4xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @rnn_w_element_type(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf16>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'mp.rnn' op 'X' and 'W' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.rnn %x, %w, %r {resultSegmentSizes = array<i32: 0, 1>} : (tensor<5x2x3xf32>, tensor<1x4x3xf16>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @rnn_r_element_type(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf16>) {
  // expected-error @+1 {{'mp.rnn' op 'X' and 'R' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.rnn %x, %w, %r {resultSegmentSizes = array<i32: 0, 1>} : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf16>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @rnn_direction(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+1 {{'mp.lstm' op 'direction' must be forward, reverse or bidirectional, got 'backward'}}
  %0 = mp.lstm %x, %w, %r {direction = "backward", resultSegmentSizes = array<i32: 0, 1, 0>} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @lstm_hidden_size(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+1 {{'mp.lstm' op W.shape[1] (16) must be 4 * hidden_size (5)}}
  %0 = mp.lstm %x, %w, %r {hidden_size = 5 : i64, resultSegmentSizes = array<i32: 0, 1, 0>} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> tensor<1x2x5xf32>
  return
}

// -----

func.func @gru_hidden_size(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+1 {{'mp.gru' op W.shape[1] (16) must be 3 * hidden_size (4)}}
  %0 = mp.gru %x, %w, %r {hidden_size = 4 : i64, resultSegmentSizes = array<i32: 0, 1>} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @rnn_bidirectional_directions(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+1 {{'mp.lstm' op W.shape[0] (1) must equal the number of directions (2)}}
  %0 = mp.lstm %x, %w, %r {direction = "bidirectional", resultSegmentSizes = array<i32: 0, 1, 0>} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> tensor<2x2x4xf32>
  return
}

// -----

func.func @rnn_forward_directions(%x: tensor<5x2x3xf32>, %w: tensor<2x4x3xf32>, %r: tensor<2x4x4xf32>) {
  // expected-error @+1 {{'mp.rnn' op W.shape[0] (2) must equal the number of directions (1)}}
  %0 = mp.rnn %x, %w, %r {resultSegmentSizes = array<i32: 0, 1>} : (tensor<5x2x3xf32>, tensor<2x4x3xf32>, tensor<2x4x4xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @rnn_result_segments(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'mp.rnn' op result count (1) does not match with the total size (2) specified in attribute 'resultSegmentSizes'}}
  %0 = mp.rnn %x, %w, %r {resultSegmentSizes = array<i32: 1, 1>} : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Reductions, ArgMax
//===----------------------------------------------------------------------===//

// -----

func.func @reduce_axes_both_forms(%x: tensor<2x3xf32>, %a: tensor<1xi64>) {
  // expected-error @+1 {{'mp.reduce_sum' op 'axes' is given both as an attribute (opset < the revision that made it an input) and as an operand}}
  %0 = mp.reduce_sum %x, %a {axes = array<i64: 0>} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<1x3xf32>
  return
}

// -----

func.func @reduce_axes_operand_rank(%x: tensor<2x3xf32>, %a: tensor<1x1xi64>) {
  // expected-error @+1 {{'mp.reduce_mean' op 'axes' must have rank 1, got 2}}
  %0 = mp.reduce_mean %x, %a : (tensor<2x3xf32>, tensor<1x1xi64>) -> tensor<1x3xf32>
  return
}

// -----

func.func @reduce_axes_operand_type(%x: tensor<2x3xf32>, %a: tensor<1xi32>) {
  // expected-error @+1 {{'mp.reduce_sum' op operand #1 must be tensor of 64-bit signless integer values, but got 'tensor<1xi32>'}}
  %0 = mp.reduce_sum %x, %a : (tensor<2x3xf32>, tensor<1xi32>) -> tensor<1x3xf32>
  return
}

// -----

func.func @reduce_axis_out_of_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.reduce_mean' op axes 2 is out of range [-2, 1]}}
  %0 = mp.reduce_mean %x {axes = array<i64: 2>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_axis_repeated(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.reduce_max' op axes contains -1 twice}}
  %0 = mp.reduce_max %x {axes = array<i64: 1, -1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return
}

// -----

func.func @reduce_element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.reduce_min' op 'data' and 'reduced' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.reduce_min %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2x1xf16>
  return
}

// -----

func.func @reduce_keepdims_rank(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.reduce_prod' op with keepdims=1 the result rank (1) must equal the input rank (2)}}
  %0 = mp.reduce_prod %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @reduce_no_keepdims_rank(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'mp.reduce_min' op with keepdims=0 and 2 axes the result rank must be 1, got 2}}
  %0 = mp.reduce_min %x {axes = array<i64: 0, -1>, keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<3x1xf32>
  return
}

// -----

func.func @arg_max_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.arg_max' op axis 2 is out of range [-2, 1]}}
  %0 = mp.arg_max %x {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3x1xi64>
  return
}

// -----

func.func @arg_max_result_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.arg_max' op result #0 must be tensor of 64-bit signless integer values, but got 'tensor<1x3xi32>'}}
  %0 = mp.arg_max %x : (tensor<2x3xf32>) -> tensor<1x3xi32>
  return
}

//===----------------------------------------------------------------------===//
// Reshape, Flatten, Transpose, Shape
//===----------------------------------------------------------------------===//

// -----

func.func @reshape_shape_rank(%x: tensor<2x3xf32>, %s: tensor<2x1xi64>) {
  // expected-error @+1 {{'mp.reshape' op 'shape' must have rank 1, got 2}}
  %0 = mp.reshape %x, %s : (tensor<2x3xf32>, tensor<2x1xi64>) -> tensor<3x2xf32>
  return
}

// -----

func.func @reshape_shape_type(%x: tensor<2x3xf32>, %s: tensor<2xi32>) {
  // expected-error @+1 {{'mp.reshape' op operand #1 must be tensor of 64-bit signless integer values, but got 'tensor<2xi32>'}}
  %0 = mp.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @reshape_element_type(%x: tensor<2x3xf32>, %s: tensor<2xi64>) {
  // expected-error @+1 {{'mp.reshape' op 'data' and 'reshaped' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf16>
  return
}

// -----

func.func @reshape_element_count(%x: tensor<2x3xf32>, %s: tensor<2xi64>) {
  // expected-error @+1 {{'mp.reshape' op cannot reshape 6 elements into 8}}
  %0 = mp.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return
}

// -----

func.func @reshape_shape_length(%x: tensor<2x3xf32>, %s: tensor<3xi64>) {
  // expected-error @+1 {{'mp.reshape' op 'shape' has 3 entries but the result has rank 2}}
  %0 = mp.reshape %x, %s : (tensor<2x3xf32>, tensor<3xi64>) -> tensor<3x2xf32>
  return
}

// -----

func.func @flatten_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.flatten' op axis 3 is out of range [-2, 2]}}
  %0 = mp.flatten %x {axis = 3 : i64} : (tensor<2x3xf32>) -> tensor<6x1xf32>
  return
}

// -----

func.func @flatten_result_rank(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'mp.flatten' op 'output' must have rank 2, got 1}}
  %0 = mp.flatten %x : (tensor<2x3x4xf32>) -> tensor<24xf32>
  return
}

// -----

func.func @flatten_element_type(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'mp.flatten' op 'input' and 'output' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.flatten %x : (tensor<2x3x4xf32>) -> tensor<2x12xf16>
  return
}

// -----

func.func @transpose_perm_length(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.transpose' op 'perm' has 3 entries for an input of rank 2}}
  %0 = mp.transpose %x {perm = array<i64: 0, 1, 2>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_perm_out_of_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.transpose' op 'perm' must be a permutation of [0, rank)}}
  %0 = mp.transpose %x {perm = array<i64: 0, 2>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_perm_repeated(%x: tensor<*xf32>) {
  // expected-error @+1 {{'mp.transpose' op 'perm' must be a permutation of [0, rank)}}
  %0 = mp.transpose %x {perm = array<i64: 1, 1>} : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @transpose_inferred_type(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'mp.transpose' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3x2xf32>'}}
  // expected-error @+1 {{'mp.transpose' op failed to infer returned types}}
  %0 = mp.transpose %x {perm = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @shape_inferred_type(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'mp.shape' op inferred type(s) 'tensor<1xi64>' are incompatible with return type(s) of operation 'tensor<2xi64>'}}
  // expected-error @+1 {{'mp.shape' op failed to infer returned types}}
  %0 = mp.shape %x {start = -1 : i64} : (tensor<2x3xf32>) -> tensor<2xi64>
  return
}

//===----------------------------------------------------------------------===//
// Concat, Split, Slice
//===----------------------------------------------------------------------===//

// -----

func.func @concat_no_inputs() {
  // expected-error @+1 {{'mp.concat' op expects at least one input}}
  %0 = mp.concat {axis = 0 : i64} : () -> tensor<2xf32>
  return
}

// -----

func.func @concat_missing_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.concat' op requires attribute 'axis'}}
  %0 = mp.concat %a, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.concat' op axis 2 is out of range [-2, 1]}}
  %0 = mp.concat %a, %a {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_element_types(%a: tensor<2x3xf32>, %b: tensor<2x3xf16>) {
  // expected-error @+1 {{'mp.concat' op 'inputs[0]' and 'inputs[i]' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf16>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_ranks(%a: tensor<2x3xf32>, %b: tensor<2x3x1xf32>) {
  // expected-error @+1 {{'mp.concat' op all inputs must have the same rank, got 2 and 3}}
  %0 = mp.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3x1xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_dims(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+1 {{'mp.concat' op inputs differ in dimension 0 (2 vs 4) outside the concatenation axis}}
  %0 = mp.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @split_both_forms(%x: tensor<6xf32>, %s: tensor<2xi64>) {
  // expected-error @+1 {{'mp.split' op 'split' is given both as an attribute (opset < the revision that made it an input) and as an operand}}
  %0:2 = mp.split %x, %s {split = array<i64: 3, 3>} : (tensor<6xf32>, tensor<2xi64>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @split_axis(%x: tensor<6xf32>) {
  // expected-error @+1 {{'mp.split' op axis 1 is out of range [-1, 0]}}
  %0:2 = mp.split %x {axis = 1 : i64} : (tensor<6xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @split_no_outputs(%x: tensor<6xf32>) {
  // expected-error @+1 {{'mp.split' op expects at least one output}}
  mp.split %x : (tensor<6xf32>) -> ()
  return
}

// -----

func.func @split_sizes_count(%x: tensor<6xf32>) {
  // expected-error @+1 {{'mp.split' op 'split' has 3 entries for 2 outputs}}
  %0:2 = mp.split %x {split = array<i64: 1, 2, 3>} : (tensor<6xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @split_sizes_negative(%x: tensor<6xf32>) {
  // expected-error @+1 {{'mp.split' op 'split' entries must be non-negative}}
  %0:2 = mp.split %x {split = array<i64: -1, 7>} : (tensor<6xf32>) -> (tensor<?xf32>, tensor<?xf32>)
  return
}

// -----

func.func @split_num_outputs(%x: tensor<6xf32>) {
  // expected-error @+1 {{'mp.split' op 'num_outputs' is 3 but the op has 2 results}}
  %0:2 = mp.split %x {num_outputs = 3 : i64} : (tensor<6xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @split_num_outputs_and_split(%x: tensor<6xf32>, %s: tensor<2xi64>) {
  // expected-error @+1 {{'mp.split' op 'num_outputs' and 'split' are mutually exclusive}}
  %0:2 = mp.split %x, %s {num_outputs = 2 : i64} : (tensor<6xf32>, tensor<2xi64>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @slice_mixed_forms(%x: tensor<6xf32>, %s: tensor<1xi64>) {
  // expected-error @+1 {{'mp.slice' op mixes the attribute form (opset < 10) and the operand form of starts/ends}}
  %0 = mp.slice %x, %s {ends = array<i64: 3>} : (tensor<6xf32>, tensor<1xi64>) -> tensor<?xf32>
  return
}

// -----

func.func @slice_no_bounds(%x: tensor<6xf32>) {
  // expected-error @+1 {{'mp.slice' op requires 'starts' and 'ends'}}
  %0 = mp.slice %x : (tensor<6xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @slice_attr_form_missing_ends(%x: tensor<6xf32>) {
  // expected-error @+1 {{'mp.slice' op requires both 'starts' and 'ends' attributes}}
  %0 = mp.slice %x {starts = array<i64: 1>} : (tensor<6xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @slice_attr_lengths(%x: tensor<6x4xf32>) {
  // expected-error @+1 {{'mp.slice' op 'starts' and 'ends' must have the same length}}
  %0 = mp.slice %x {ends = array<i64: 3, 4>, starts = array<i64: 1>} : (tensor<6x4xf32>) -> tensor<?x?xf32>
  return
}

// -----

func.func @slice_attr_form_with_steps(%x: tensor<6xf32>, %s: tensor<1xi64>) {
  // expected-error @+1 {{'mp.slice' op the attribute form takes no axes/steps operands}}
  %0 = mp.slice %x, none, none, none, %s {ends = array<i64: 3>, starts = array<i64: 1>} : (tensor<6xf32>, tensor<1xi64>) -> tensor<?xf32>
  return
}

// -----

func.func @slice_operand_form_missing_ends(%x: tensor<6xf32>, %s: tensor<1xi64>) {
  // expected-error @+1 {{'mp.slice' op requires both 'starts' and 'ends' operands}}
  %0 = mp.slice %x, %s : (tensor<6xf32>, tensor<1xi64>) -> tensor<?xf32>
  return
}

// -----

func.func @slice_axes_both_forms(%x: tensor<6xf32>, %s: tensor<1xi64>) {
  // expected-error @+1 {{'mp.slice' op the operand form (opset 10+) takes 'axes' as an operand, not an attribute}}
  %0 = mp.slice %x, %s, %s, %s {axes = array<i64: 0>} : (tensor<6xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?xf32>
  return
}

// -----

func.func @slice_index_type(%x: tensor<6xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{'mp.slice' op operand #1 must be tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<1xf32>'}}
  %0 = mp.slice %x, %s, %s : (tensor<6xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<?xf32>
  return
}

//===----------------------------------------------------------------------===//
// Gather, Squeeze/Unsqueeze, Expand, Tile
//===----------------------------------------------------------------------===//

// -----

func.func @gather_scalar_data(%x: tensor<f32>, %i: tensor<1xi64>) {
  // expected-error @+1 {{'mp.gather' op 'data' must have rank >= 1}}
  %0 = mp.gather %x, %i : (tensor<f32>, tensor<1xi64>) -> tensor<1xf32>
  return
}

// -----

func.func @gather_axis(%x: tensor<3x4xf32>, %i: tensor<1xi64>) {
  // expected-error @+1 {{'mp.gather' op axis 2 is out of range [-2, 1]}}
  %0 = mp.gather %x, %i {axis = 2 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<3x1xf32>
  return
}

// -----

func.func @gather_element_type(%x: tensor<3x4xf32>, %i: tensor<1xi64>) {
  // expected-error @+1 {{'mp.gather' op 'data' and 'output' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.gather %x, %i : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<1x4xf16>
  return
}

// -----

func.func @gather_index_type(%x: tensor<3x4xf32>, %i: tensor<1xf32>) {
  // expected-error @+1 {{'mp.gather' op operand #1 must be tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<1xf32>'}}
  %0 = mp.gather %x, %i : (tensor<3x4xf32>, tensor<1xf32>) -> tensor<1x4xf32>
  return
}

// -----

func.func @gather_elements_index_rank(%x: tensor<3x4xf32>, %i: tensor<1xi64>) {
  // expected-error @+1 {{'mp.gather_elements' op 'indices' must have the rank of 'data'}}
  %0 = mp.gather_elements %x, %i : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<1xf32>
  return
}

// -----

func.func @squeeze_axes_both_forms(%x: tensor<1x3xf32>, %a: tensor<1xi64>) {
  // expected-error @+1 {{'mp.squeeze' op 'axes' is given both as an attribute (opset < the revision that made it an input) and as an operand}}
  %0 = mp.squeeze %x, %a {axes = array<i64: 0>} : (tensor<1x3xf32>, tensor<1xi64>) -> tensor<3xf32>
  return
}

// -----

func.func @unsqueeze_requires_axes(%x: tensor<3xf32>) {
  // expected-error @+1 {{'mp.unsqueeze' op requires 'axes'}}
  %0 = mp.unsqueeze %x : (tensor<3xf32>) -> tensor<1x3xf32>
  return
}

// -----

func.func @squeeze_axis(%x: tensor<1x3xf32>) {
  // expected-error @+1 {{'mp.squeeze' op axes 2 is out of range [-2, 1]}}
  %0 = mp.squeeze %x {axes = array<i64: 2>} : (tensor<1x3xf32>) -> tensor<1xf32>
  return
}

// -----

func.func @unsqueeze_axis_repeated(%x: tensor<3xf32>) {
  // expected-error @+1 {{'mp.unsqueeze' op axes contains -3 twice}}
  %0 = mp.unsqueeze %x {axes = array<i64: 0, -3>} : (tensor<3xf32>) -> tensor<1x1x3xf32>
  return
}

// -----

func.func @squeeze_result_rank(%x: tensor<1x3xf32>) {
  // expected-error @+1 {{'mp.squeeze' op result rank 2 must be 1}}
  %0 = mp.squeeze %x {axes = array<i64: 0>} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  return
}

// -----

func.func @unsqueeze_result_rank(%x: tensor<3xf32>) {
  // expected-error @+1 {{'mp.unsqueeze' op result rank 2 must be 3}}
  %0 = mp.unsqueeze %x {axes = array<i64: 0, 1>} : (tensor<3xf32>) -> tensor<1x3xf32>
  return
}

// -----

func.func @squeeze_element_type(%x: tensor<1x3xf32>) {
  // expected-error @+1 {{'mp.squeeze' op 'data' and 'output' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.squeeze %x {axes = array<i64: 0>} : (tensor<1x3xf32>) -> tensor<3xf16>
  return
}

// -----

func.func @expand_shape_rank(%x: tensor<3xf32>, %s: tensor<2x1xi64>) {
  // expected-error @+1 {{'mp.expand' op 'shape' must have rank 1, got 2}}
  %0 = mp.expand %x, %s : (tensor<3xf32>, tensor<2x1xi64>) -> tensor<2x3xf32>
  return
}

// -----

func.func @expand_element_type(%x: tensor<3xf32>, %s: tensor<2xi64>) {
  // expected-error @+1 {{'mp.expand' op 'input' and 'output' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.expand %x, %s : (tensor<3xf32>, tensor<2xi64>) -> tensor<2x3xf16>
  return
}

// -----

func.func @tile_repeats_rank(%x: tensor<3xf32>, %r: tensor<1x1xi64>) {
  // expected-error @+1 {{'mp.tile' op 'repeats' must have rank 1, got 2}}
  %0 = mp.tile %x, %r : (tensor<3xf32>, tensor<1x1xi64>) -> tensor<3xf32>
  return
}

// -----

func.func @tile_repeats_count(%x: tensor<3xf32>, %r: tensor<2xi64>) {
  // expected-error @+1 {{'mp.tile' op 'repeats' has 2 entries for an input of rank 1}}
  %0 = mp.tile %x, %r : (tensor<3xf32>, tensor<2xi64>) -> tensor<6xf32>
  return
}

// -----

func.func @tile_element_type(%x: tensor<3xf32>, %r: tensor<1xi64>) {
  // expected-error @+1 {{'mp.tile' op 'input' and 'output' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.tile %x, %r : (tensor<3xf32>, tensor<1xi64>) -> tensor<6xf16>
  return
}

//===----------------------------------------------------------------------===//
// Pad, Resize
//===----------------------------------------------------------------------===//

// -----

func.func @pad_pads_both_forms(%x: tensor<4xf32>, %p: tensor<2xi64>) {
  // expected-error @+1 {{'mp.pad' op 'pads' is given both as an attribute (opset < the revision that made it an input) and as an operand}}
  %0 = mp.pad %x, %p {pads = array<i64: 1, 1>} : (tensor<4xf32>, tensor<2xi64>) -> tensor<6xf32>
  return
}

// -----

func.func @pad_value_both_forms(%x: tensor<4xf32>, %p: tensor<2xi64>, %v: tensor<f32>) {
  // expected-error @+1 {{'mp.pad' op 'value' is given both as an attribute (opset < the revision that made it an input) and as an operand}}
  %0 = mp.pad %x, %p, %v {value = 1.0 : f32} : (tensor<4xf32>, tensor<2xi64>, tensor<f32>) -> tensor<6xf32>
  return
}

// -----

func.func @pad_requires_pads(%x: tensor<4xf32>) {
  // expected-error @+1 {{'mp.pad' op requires 'pads'}}
  %0 = mp.pad %x : (tensor<4xf32>) -> tensor<6xf32>
  return
}

// -----

func.func @pad_mode(%x: tensor<4xf32>, %p: tensor<2xi64>) {
  // expected-error @+1 {{'mp.pad' op 'mode' must be constant, reflect, edge or wrap, got 'symmetric'}}
  %0 = mp.pad %x, %p {mode = "symmetric"} : (tensor<4xf32>, tensor<2xi64>) -> tensor<6xf32>
  return
}

// -----

func.func @pad_pads_count(%x: tensor<4xf32>) {
  // expected-error @+1 {{'mp.pad' op 'pads' has 4 entries, expected 2}}
  %0 = mp.pad %x {pads = array<i64: 1, 1, 0, 0>} : (tensor<4xf32>) -> tensor<6xf32>
  return
}

// -----

func.func @pad_constant_value_type(%x: tensor<4xf32>, %p: tensor<2xi64>, %v: tensor<f16>) {
  // expected-error @+1 {{'mp.pad' op 'data' and 'constant_value' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.pad %x, %p, %v : (tensor<4xf32>, tensor<2xi64>, tensor<f16>) -> tensor<6xf32>
  return
}

// -----

func.func @pad_element_type(%x: tensor<4xf32>, %p: tensor<2xi64>) {
  // expected-error @+1 {{'mp.pad' op 'data' and 'output' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.pad %x, %p : (tensor<4xf32>, tensor<2xi64>) -> tensor<6xf16>
  return
}

// -----

func.func @resize_scales_and_sizes(%x: tensor<1x1x4x4xf32>, %s: tensor<4xf32>, %z: tensor<4xi64>) {
  // expected-error @+1 {{'mp.resize' op 'scales' and 'sizes' are mutually exclusive}}
  %0 = mp.resize %x, none, %s, %z : (tensor<1x1x4x4xf32>, tensor<4xf32>, tensor<4xi64>) -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @resize_requires_scales_or_sizes(%x: tensor<1x1x4x4xf32>, %r: tensor<8xf32>) {
  // expected-error @+1 {{'mp.resize' op requires non-empty 'scales' or 'sizes'}}
  %0 = mp.resize %x, %r : (tensor<1x1x4x4xf32>, tensor<8xf32>) -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @resize_mode(%x: tensor<1x1x4x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.resize' op 'mode' must be nearest, linear or cubic, got 'bilinear'}}
  %0 = mp.resize %x, none, %s {mode = "bilinear"} : (tensor<1x1x4x4xf32>, tensor<4xf32>) -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @resize_scales_float(%x: tensor<1x1x4x4xf32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{'mp.resize' op 'scales' must have a floating-point element type}}
  %0 = mp.resize %x, none, %s : (tensor<1x1x4x4xf32>, tensor<4xi32>) -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @resize_element_type(%x: tensor<1x1x4x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mp.resize' op 'X' and 'Y' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.resize %x, none, %s : (tensor<1x1x4x4xf32>, tensor<4xf32>) -> tensor<1x1x8x8xf16>
  return
}

//===----------------------------------------------------------------------===//
// ConstantOfShape, Range, Constant
//===----------------------------------------------------------------------===//

// -----

func.func @constant_of_shape_rank(%s: tensor<2x1xi64>) {
  // expected-error @+1 {{'mp.constant_of_shape' op 'input' must have rank 1, got 2}}
  %0 = mp.constant_of_shape %s : (tensor<2x1xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @constant_of_shape_value_size(%s: tensor<2xi64>) {
  // expected-error @+1 {{'mp.constant_of_shape' op 'value' must hold exactly one element}}
  %0 = mp.constant_of_shape %s {value = dense<[1, 2]> : tensor<2xi64>} : (tensor<2xi64>) -> tensor<?x?xi64>
  return
}

// -----

func.func @constant_of_shape_value_type(%s: tensor<2xi64>) {
  // expected-error @+1 {{'mp.constant_of_shape' op 'value' element type must match the result}}
  %0 = mp.constant_of_shape %s {value = dense<1> : tensor<1xi32>} : (tensor<2xi64>) -> tensor<?x?xi64>
  return
}

// -----

func.func @constant_of_shape_default_f32(%s: tensor<2xi64>) {
  // expected-error @+1 {{'mp.constant_of_shape' op without 'value' the result element type is f32}}
  %0 = mp.constant_of_shape %s : (tensor<2xi64>) -> tensor<?x?xf16>
  return
}

// -----

func.func @range_not_scalar(%a: tensor<1xi32>, %b: tensor<i32>) {
  // expected-error @+1 {{'mp.range' op 'start' must have rank 0, got 1}}
  %0 = mp.range %a, %b, %b : (tensor<1xi32>, tensor<i32>, tensor<i32>) -> tensor<?xi32>
  return
}

// -----

func.func @range_element_types(%a: tensor<i32>, %d: tensor<i64>) {
  // expected-error @+1 {{'mp.range' op 'start' and 'delta' must have the same element type, got 'i32' and 'i64'}}
  %0 = mp.range %a, %a, %d : (tensor<i32>, tensor<i32>, tensor<i64>) -> tensor<?xi32>
  return
}

// -----

func.func @range_result_rank(%a: tensor<i32>) {
  // expected-error @+1 {{'mp.range' op 'output' must have rank 1, got 2}}
  %0 = mp.range %a, %a, %a : (tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<?x?xi32>
  return
}

// -----

func.func @constant_type_mismatch() {
  // expected-error @+1 {{'mp.constant' op value type 'tensor<2xf32>' does not match the result type 'tensor<3xf32>'}}
  %0 = mp.constant {value = dense<1.0> : tensor<2xf32>} : () -> tensor<3xf32>
  return
}

// -----

func.func @constant_missing_value() {
  // expected-error @+1 {{'mp.constant' op requires attribute 'value'}}
  %0 = mp.constant : () -> tensor<3xf32>
  return
}

//===----------------------------------------------------------------------===//
// TopK, CumSum, Einsum
//===----------------------------------------------------------------------===//

// -----

func.func @top_k_both_forms(%x: tensor<5xf32>, %k: tensor<1xi64>) {
  // expected-error @+1 {{'mp.top_k' op 'k' is given both as an attribute (opset < the revision that made it an input) and as an operand}}
  %0:2 = mp.top_k %x, %k {k = 2 : i64} : (tensor<5xf32>, tensor<1xi64>) -> (tensor<2xf32>, tensor<2xi64>)
  return
}

// -----

func.func @top_k_requires_k(%x: tensor<5xf32>) {
  // expected-error @+1 {{'mp.top_k' op requires 'k'}}
  %0:2 = mp.top_k %x : (tensor<5xf32>) -> (tensor<2xf32>, tensor<2xi64>)
  return
}

// -----

func.func @top_k_axis(%x: tensor<5xf32>) {
  // expected-error @+1 {{'mp.top_k' op axis 1 is out of range [-1, 0]}}
  %0:2 = mp.top_k %x {axis = 1 : i64, k = 2 : i64} : (tensor<5xf32>) -> (tensor<2xf32>, tensor<2xi64>)
  return
}

// -----

func.func @top_k_values_type(%x: tensor<5xf32>) {
  // expected-error @+1 {{'mp.top_k' op 'X' and 'Values' must have the same element type, got 'f32' and 'f16'}}
  %0:2 = mp.top_k %x {k = 2 : i64} : (tensor<5xf32>) -> (tensor<2xf16>, tensor<2xi64>)
  return
}

// -----

func.func @top_k_indices_type(%x: tensor<5xf32>) {
  // expected-error @+1 {{'mp.top_k' op result #1 must be tensor of 64-bit signless integer values, but got 'tensor<2xi32>'}}
  %0:2 = mp.top_k %x {k = 2 : i64} : (tensor<5xf32>) -> (tensor<2xf32>, tensor<2xi32>)
  return
}

// -----

func.func @cum_sum_axis_rank(%x: tensor<5xf32>, %a: tensor<1x1xi32>) {
  // expected-error @+1 {{'mp.cum_sum' op 'axis' must have rank in [0, 1], got 2}}
  %0 = mp.cum_sum %x, %a : (tensor<5xf32>, tensor<1x1xi32>) -> tensor<5xf32>
  return
}

// -----

func.func @cum_sum_element_type(%x: tensor<5xf32>, %a: tensor<i32>) {
  // expected-error @+1 {{'mp.cum_sum' op 'x' and 'y' must have the same element type, got 'f32' and 'f16'}}
  %0 = mp.cum_sum %x, %a : (tensor<5xf32>, tensor<i32>) -> tensor<5xf16>
  return
}

// -----

func.func @einsum_term_count(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.einsum' op equation has 2 input terms but the op has 1 operands}}
  %0 = mp.einsum %a {equation = "ij,jk->ik"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @einsum_subscripts(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.einsum' op term 'ijk' has 3 subscripts for an operand of rank 2}}
  %0 = mp.einsum %a {equation = "ijk->kji"} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @einsum_missing_equation(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.einsum' op requires attribute 'equation'}}
  %0 = mp.einsum %a : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

//===----------------------------------------------------------------------===//
// If
//===----------------------------------------------------------------------===//

// -----

func.func @if_cond_single_element(%c: tensor<2xi1>, %a: tensor<f32>) {
  // expected-error @+1 {{'mp.if' op 'cond' must hold a single element}}
  %0 = mp.if %c : (tensor<2xi1>) -> tensor<f32> then_branch {
    mp.yield %a : tensor<f32>
  } else_branch {
    mp.yield %a : tensor<f32>
  }
  return
}

// -----

func.func @if_cond_not_bool(%c: tensor<f32>, %a: tensor<f32>) {
  // expected-error @+1 {{'mp.if' op operand #0 must be tensor of 1-bit signless integer values, but got 'tensor<f32>'}}
  %0 = mp.if %c : (tensor<f32>) -> tensor<f32> then_branch {
    mp.yield %a : tensor<f32>
  } else_branch {
    mp.yield %a : tensor<f32>
  }
  return
}

// -----

func.func @if_branch_not_yield(%c: tensor<i1>, %a: tensor<f32>) {
  // expected-error @+1 {{'mp.if' op region 'then_branch' must end with mp.yield}}
  %0 = mp.if %c : (tensor<i1>) -> tensor<f32> then_branch {
    llvm.unreachable
  } else_branch {
    mp.yield %a : tensor<f32>
  }
  return
}

// -----

func.func @if_branch_empty(%c: tensor<i1>, %a: tensor<f32>) {
  // expected-error @+1 {{'mp.if' op region #1 ('else_branch') failed to verify constraint: region with 1 blocks}}
  %0 = mp.if %c : (tensor<i1>) -> tensor<f32> then_branch {
    mp.yield %a : tensor<f32>
  } else_branch {
  }
  return
}

// -----

func.func @if_branch_arguments(%c: tensor<i1>, %a: tensor<f32>) {
  // expected-error @+1 {{'mp.if' op region #0 should have no arguments}}
  %0 = mp.if %c : (tensor<i1>) -> tensor<f32> then_branch {
  ^bb0(%x: tensor<f32>):
    mp.yield %x : tensor<f32>
  } else_branch {
    mp.yield %a : tensor<f32>
  }
  return
}

// -----

func.func @if_yield_count(%c: tensor<i1>, %a: tensor<f32>) {
  // expected-error @+1 {{'mp.if' op region 'else_branch' yields 2 values, expected 1}}
  %0 = mp.if %c : (tensor<i1>) -> tensor<f32> then_branch {
    mp.yield %a : tensor<f32>
  } else_branch {
    mp.yield %a, %a : tensor<f32>, tensor<f32>
  }
  return
}

// -----

func.func @if_yield_type(%c: tensor<i1>, %a: tensor<f32>, %b: tensor<i32>) {
  // expected-error @+1 {{'mp.if' op region 'then_branch' yields 'tensor<i32>' for a result of type 'tensor<f32>'}}
  %0 = mp.if %c : (tensor<i1>) -> tensor<f32> then_branch {
    mp.yield %b : tensor<i32>
  } else_branch {
    mp.yield %a : tensor<f32>
  }
  return
}

//===----------------------------------------------------------------------===//
// Loop
//===----------------------------------------------------------------------===//

// -----

func.func @loop_body_not_yield(%m: tensor<i64>, %v: tensor<f32>) {
  // expected-error @+1 {{'mp.loop' op region 'body' must end with mp.yield}}
  %0 = mp.loop %m, none, %v : (tensor<i64>, tensor<f32>) -> tensor<f32> body {
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %x: tensor<f32>):
    %n = mp.neg %x : (tensor<f32>) -> tensor<f32>
  }
  return
}

// -----

func.func @loop_body_arity(%m: tensor<i64>, %v: tensor<f32>) {
  // expected-error @+1 {{'mp.loop' op body takes 2 arguments, expected 3 (iteration, cond, 1 carried)}}
  %0 = mp.loop %m, none, %v : (tensor<i64>, tensor<f32>) -> tensor<f32> body {
  ^bb0(%i: tensor<i64>, %x: tensor<f32>):
    mp.yield %x : tensor<f32>
  }
  return
}

// -----

func.func @loop_body_yields_too_few(%m: tensor<i64>, %v: tensor<f32>) {
  // expected-error @+1 {{'mp.loop' op body yields 1 values, expected at least 2}}
  %0 = mp.loop %m, none, %v : (tensor<i64>, tensor<f32>) -> tensor<f32> body {
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %x: tensor<f32>):
    mp.yield %c : tensor<i1>
  }
  return
}

// -----

func.func @loop_result_count(%m: tensor<i64>, %v: tensor<f32>) {
  // expected-error @+1 {{'mp.loop' op has 2 results but the body yields 1 carried/scan values}}
  %0:2 = mp.loop %m, none, %v : (tensor<i64>, tensor<f32>) -> (tensor<f32>, tensor<f32>) body {
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %x: tensor<f32>):
    mp.yield %c, %x : tensor<i1>, tensor<f32>
  }
  return
}

// -----

func.func @loop_cond_not_bool(%m: tensor<i64>, %v: tensor<f32>) {
  // expected-error @+1 {{'mp.loop' op operand #1 must be tensor of 1-bit signless integer values, but got 'tensor<i64>'}}
  %0 = mp.loop %m, %m, %v : (tensor<i64>, tensor<i64>, tensor<f32>) -> tensor<f32> body {
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %x: tensor<f32>):
    mp.yield %c, %x : tensor<i1>, tensor<f32>
  }
  return
}

//===----------------------------------------------------------------------===//
// Scan
//===----------------------------------------------------------------------===//

// -----

func.func @scan_body_not_yield(%s: tensor<2xf32>, %x: tensor<5x2xf32>) {
  // expected-error @+1 {{'mp.scan' op region 'body' must end with mp.yield}}
  %0:2 = mp.scan %s, %x {num_scan_inputs = 1 : i64} : (tensor<2xf32>, tensor<5x2xf32>) -> (tensor<2xf32>, tensor<5x2xf32>) body {
  ^bb0(%a: tensor<2xf32>, %b: tensor<2xf32>):
    llvm.unreachable
  }
  return
}

// -----

func.func @scan_missing_num_scan_inputs(%s: tensor<2xf32>, %x: tensor<5x2xf32>) {
  // expected-error @+1 {{'mp.scan' op requires attribute 'num_scan_inputs'}}
  %0:2 = mp.scan %s, %x : (tensor<2xf32>, tensor<5x2xf32>) -> (tensor<2xf32>, tensor<5x2xf32>) body {
  ^bb0(%a: tensor<2xf32>, %b: tensor<2xf32>):
    mp.yield %a, %b : tensor<2xf32>, tensor<2xf32>
  }
  return
}

// -----

func.func @scan_num_scan_inputs_zero(%s: tensor<2xf32>, %x: tensor<5x2xf32>) {
  // expected-error @+1 {{'mp.scan' op 'num_scan_inputs' (0) must be in [1, 2]}}
  %0:2 = mp.scan %s, %x {num_scan_inputs = 0 : i64} : (tensor<2xf32>, tensor<5x2xf32>) -> (tensor<2xf32>, tensor<5x2xf32>) body {
  ^bb0(%a: tensor<2xf32>, %b: tensor<2xf32>):
    mp.yield %a, %b : tensor<2xf32>, tensor<2xf32>
  }
  return
}

// -----

func.func @scan_num_scan_inputs_too_many(%s: tensor<2xf32>, %x: tensor<5x2xf32>) {
  // expected-error @+1 {{'mp.scan' op 'num_scan_inputs' (3) must be in [1, 2]}}
  %0:2 = mp.scan %s, %x {num_scan_inputs = 3 : i64} : (tensor<2xf32>, tensor<5x2xf32>) -> (tensor<2xf32>, tensor<5x2xf32>) body {
  ^bb0(%a: tensor<2xf32>, %b: tensor<2xf32>):
    mp.yield %a, %b : tensor<2xf32>, tensor<2xf32>
  }
  return
}

// -----

func.func @scan_body_arity(%s: tensor<2xf32>, %x: tensor<5x2xf32>) {
  // expected-error @+1 {{'mp.scan' op body takes 1 arguments, expected 2}}
  %0:2 = mp.scan %s, %x {num_scan_inputs = 1 : i64} : (tensor<2xf32>, tensor<5x2xf32>) -> (tensor<2xf32>, tensor<5x2xf32>) body {
  ^bb0(%a: tensor<2xf32>):
    mp.yield %a, %a : tensor<2xf32>, tensor<2xf32>
  }
  return
}

// -----

func.func @scan_yield_count(%s: tensor<2xf32>, %x: tensor<5x2xf32>) {
  // expected-error @+1 {{'mp.scan' op body yields 1 values for 2 results}}
  %0:2 = mp.scan %s, %x {num_scan_inputs = 1 : i64} : (tensor<2xf32>, tensor<5x2xf32>) -> (tensor<2xf32>, tensor<5x2xf32>) body {
  ^bb0(%a: tensor<2xf32>, %b: tensor<2xf32>):
    mp.yield %a : tensor<2xf32>
  }
  return
}

// -----

func.func @scan_input_axes_count(%s: tensor<2xf32>, %x: tensor<5x2xf32>) {
  // expected-error @+1 {{'mp.scan' op 'scan_input_axes' must have num_scan_inputs entries}}
  %0:2 = mp.scan %s, %x {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 0, 0>} : (tensor<2xf32>, tensor<5x2xf32>) -> (tensor<2xf32>, tensor<5x2xf32>) body {
  ^bb0(%a: tensor<2xf32>, %b: tensor<2xf32>):
    mp.yield %a, %b : tensor<2xf32>, tensor<2xf32>
  }
  return
}

//===----------------------------------------------------------------------===//
// mp.onnx_op
//===----------------------------------------------------------------------===//

// -----

func.func @onnx_op_empty_op_type(%a: tensor<2xf32>) {
  // expected-error @+1 {{'mp.onnx_op' op 'op_type' must not be empty}}
  %0 = mp.onnx_op "com.example"::"" %a : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @onnx_op_unnamed_region(%a: tensor<2xf32>) {
  // expected-error @+1 {{'mp.onnx_op' op has 1 regions but names 0}}
  %0 = "mp.onnx_op"(%a) ({
    mp.yield %a : tensor<2xf32>
  }) {domain = "com.example", op_type = "Map", onnx_attrs = {}} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @onnx_op_input_segments_entries(%a: tensor<2xf32>) {
  // expected-error @+1 {{'mp.onnx_op' op 'input_segments' entries must be 0 or 1}}
  %0 = "mp.onnx_op"(%a) {domain = "com.example", input_segments = array<i32: 1, 2>, onnx_attrs = {}, op_type = "Y"} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @onnx_op_input_segments_count(%a: tensor<2xf32>) {
  // expected-error @+1 {{'mp.onnx_op' op 'input_segments' marks 2 inputs present but the op has 1}}
  %0 = "mp.onnx_op"(%a) {domain = "com.example", input_segments = array<i32: 1, 0, 1>, onnx_attrs = {}, op_type = "Y"} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @onnx_op_attribute_kind(%a: tensor<2xf32>) {
  // expected-error @+1 {{'mp.onnx_op' op attribute 'flag' has no ONNX attribute kind}}
  %0 = mp.onnx_op "com.example"::"Y" %a {onnx_attrs = {flag}} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @onnx_op_nested_dictionary_attribute(%a: tensor<2xf32>) {
  // expected-error @+1 {{'mp.onnx_op' op attribute 'd' has no ONNX attribute kind}}
  %0 = mp.onnx_op "com.example"::"Y" %a {onnx_attrs = {d = {x = 1 : i64}}} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @onnx_op_missing_region(%a: tensor<2xf32>) {
  %0 = mp.onnx_op "com.example"::"Y" %a {region_names = ["body", "else_branch"]} : (tensor<2xf32>) -> tensor<2xf32> body {
    mp.yield %a : tensor<2xf32>
  }
  // expected-error @+1 {{custom op 'mp.onnx_op' expected 'else_branch'}}
  return
}

// -----

func.func @onnx_op_wrong_region_name(%a: tensor<2xf32>) {
  // expected-error @+1 {{custom op 'mp.onnx_op' expected 'body'}}
  %0 = mp.onnx_op "com.example"::"Y" %a {region_names = ["body"]} : (tensor<2xf32>) -> tensor<2xf32> then_branch {
    mp.yield %a : tensor<2xf32>
  }
  return
}

//===----------------------------------------------------------------------===//
// Custom syntax (parseMpOp)
//===----------------------------------------------------------------------===//

// -----

func.func @none_for_required_operand(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{custom op 'mp.clip' operands do not match the ONNX input layout '1??' ('1' required, '?' optional, '*' variadic)}}
  %0 = mp.clip none, %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @none_in_variadic_group(%m: tensor<i64>, %v: tensor<f32>) {
  // expected-error @+1 {{custom op 'mp.loop' operands do not match the ONNX input layout '??*' ('1' required, '?' optional, '*' variadic)}}
  %0:2 = mp.loop %m, none, %v, none, %v : (tensor<i64>, tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>) body {
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %x: tensor<f32>, %y: tensor<f32>):
    mp.yield %c, %x, %y : tensor<i1>, tensor<f32>, tensor<f32>
  }
  return
}

// -----

func.func @too_many_operands(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{custom op 'mp.clip' operands do not match the ONNX input layout '1??' ('1' required, '?' optional, '*' variadic)}}
  %0 = mp.clip %a, %a, %a, %a : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @none_on_op_without_segments(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{custom op 'mp.add' 'none' is only allowed for optional operands followed by present ones}}
  %0 = mp.add none, %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @trailing_none(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{custom op 'mp.gemm' 'none' is only allowed for optional operands followed by present ones}}
  %0 = mp.gemm %a, %b, none : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @operand_type_count(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{custom op 'mp.add' number of operands and types do not match: got 2 operands and 1 types}}
  %0 = mp.add %a, %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @missing_operand(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.add' op expected 2 operands, but found 1}}
  %0 = mp.add %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @if_missing_else_branch(%c: tensor<i1>, %a: tensor<f32>) {
  %0 = mp.if %c : (tensor<i1>) -> tensor<f32> then_branch {
    mp.yield %a : tensor<f32>
  }
  // expected-error @+1 {{custom op 'mp.if' expected 'else_branch'}}
  return
}

// -----

func.func @loop_region_without_name(%m: tensor<i64>, %v: tensor<f32>) {
  // expected-error @+1 {{custom op 'mp.loop' expected 'body'}}
  %0 = mp.loop %m, none, %v : (tensor<i64>, tensor<f32>) -> tensor<f32> {
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %x: tensor<f32>):
    mp.yield %c, %x : tensor<i1>, tensor<f32>
  }
  return
}

// -----

func.func @segment_attribute_given_twice(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{custom op 'mp.clip' attribute 'operandSegmentSizes' occurs more than once in the attribute list}}
  %0 = mp.clip %a, none, %a {operandSegmentSizes = array<i32: 1, 0, 1>} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @onnx_op_missing_domain_separator(%a: tensor<2xf32>) {
  // expected-error @+1 {{expected ':'}}
  %0 = mp.onnx_op "com.example" "Y" %a : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @flatten_axis_below_minus_rank(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'mp.flatten' op axis -3 is out of range [-2, 2]}}
  %0 = mp.flatten %x {axis = -3 : i64} : (tensor<2x3xf32>) -> tensor<1x6xf32>
  return
}

// -----

func.func @gemm_result_type(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{'mp.gemm' op 'A' and 'Y' must have the same element type, got 'f32' and 'i32'}}
  %0 = mp.gemm %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xi32>
  return
}

// -----

func.func @split_sum(%x: tensor<6xf32>) {
  // expected-error @+1 {{'mp.split' op 'split' sums to 5 but the input has 6 along axis 0}}
  %0:2 = mp.split %x {split = array<i64: 2, 3>} : (tensor<6xf32>) -> (tensor<2xf32>, tensor<3xf32>)
  return
}

// -----

func.func @range_result_type(%s: tensor<i32>) {
  // expected-error @+1 {{'mp.range' op 'start' and 'output' must have the same element type, got 'i32' and 'f32'}}
  %0 = mp.range %s, %s, %s : (tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<?xf32>
  return
}

// -----

func.func @attr_wrong_kind_custom_form(%a: tensor<2xf32>) {
  // expected-error @+1 {{custom op 'mp.leaky_relu' attribute 'alpha' failed to satisfy constraint: 32-bit float attribute}}
  %0 = mp.leaky_relu %a {alpha = 1 : i64} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @region_names_not_strings(%a: tensor<2xf32>) {
  // expected-error @+1 {{custom op 'mp.onnx_op' attribute 'region_names' failed to satisfy constraint: string array attribute}}
  %0 = mp.onnx_op "d"::"Y" %a {region_names = [1]} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @optimizer_update_missing_moment(%p: tensor<3xf32>, %g: tensor<3xf32>, %lr: tensor<f32>, %s: tensor<i64>, %k: tensor<f32>, %b: tensor<i1>) -> tensor<3xf32> {
  // expected-error @+1 {{'adam' needs first moment m (operand and result)}}
  %np = mp.optimizer_update "adam" %p, %g, lr = %lr, step = %s, grad_scale = %k, skip = %b {beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32, momentum = 0.0 : f32, weight_decay = 0.0 : f32, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<3xf32>, tensor<3xf32>, tensor<f32>, tensor<i64>, tensor<f32>, tensor<i1>) -> tensor<3xf32>
  return %np : tensor<3xf32>
}

// -----

func.func @optimizer_update_f16_master(%p: tensor<3xf16>, %g: tensor<3xf16>, %lr: tensor<f32>, %s: tensor<i64>, %k: tensor<f32>, %b: tensor<i1>) -> tensor<3xf16> {
  // expected-error @+1 {{needs an f32 master and a float gradient of its shape}}
  %np = mp.optimizer_update "sgd" %p, %g, lr = %lr, step = %s, grad_scale = %k, skip = %b {beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32, momentum = 0.0 : f32, weight_decay = 0.0 : f32, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<3xf16>, tensor<3xf16>, tensor<f32>, tensor<i64>, tensor<f32>, tensor<i1>) -> tensor<3xf16>
  return %np : tensor<3xf16>
}

// -----

func.func @max_pool_grad_type(%x: tensor<1x1x4x4xf32>, %dy: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf16> {
  // expected-error @+1 {{dX must have X's type}}
  %dx = mp.max_pool_grad %x, %dy {kernel_shape = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf16>
  return %dx : tensor<1x1x4x4xf16>
}

// -----

func.func @max_pool_grad_kernel(%x: tensor<1x1x4x4xf32>, %dy: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{kernel_shape needs one entry per spatial dim}}
  %dx = mp.max_pool_grad %x, %dy {kernel_shape = array<i64: 2>} : (tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %dx : tensor<1x1x4x4xf32>
}

// -----

func.func @dropout_mask_ratio(%s: tensor<i64>) -> tensor<4xi1> {
  // expected-error @+1 {{'ratio' must be in [0, 1)}}
  %m = mp.dropout_mask %s {ratio = 1.0 : f32, seed = 0 : i64} : (tensor<i64>) -> tensor<4xi1>
  return %m : tensor<4xi1>
}

// -----

func.func @loss_scale_role() -> tensor<f32> {
  // expected-error @+1 {{role must be 'seed' or 'unscale', got 'grow'}}
  %s = mp.loss_scale "grow" : tensor<f32>
  return %s : tensor<f32>
}
