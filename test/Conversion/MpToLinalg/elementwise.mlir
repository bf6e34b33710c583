// RUN: mp-opt %s -split-input-file -convert-mp-to-linalg | FileCheck %s

// Broadcasting binary op: one linalg.generic, the smaller operand indexed by
// the trailing dim only; the f16 type is kept.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x3xf16>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%arg0, %arg1 : tensor<2x3xf16>, tensor<3xf16>) outs(%[[E]] : tensor<2x3xf16>)
// CHECK: arith.addf %{{.*}}, %{{.*}} : f16
func.func @add_broadcast(%a: tensor<2x3xf16>, %b: tensor<3xf16>) -> tensor<2x3xf16> {
  %0 = mp.add %a, %b : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// -----

// Size-1 dims broadcast through a constant index in the map.
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @mul_unit_dim
// CHECK: linalg.generic {indexing_maps = [{{.*}}, #[[B]], {{.*}}]
// CHECK: arith.mulf
func.func @mul_unit_dim(%a: tensor<4x3xf32>, %b: tensor<1x3xf32>) -> tensor<4x3xf32> {
  %0 = mp.mul %a, %b : (tensor<4x3xf32>, tensor<1x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Dynamic dims come from the operand that carries them.
// CHECK-LABEL: func.func @relu_dynamic
// CHECK: %[[D:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x8xf32>
// CHECK: tensor.empty(%[[D]]) : tensor<?x8xf32>
// CHECK: arith.maximumf
func.func @relu_dynamic(%a: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = mp.relu %a : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Cast f32 -> f16 is an arith.truncf in the body; comparisons produce i1.
// CHECK-LABEL: func.func @cast_and_compare
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: arith.cmpf olt
func.func @cast_and_compare(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf16>, tensor<4xi1>) {
  %0 = mp.cast %a {to = f16} : (tensor<4xf32>) -> tensor<4xf16>
  %1 = mp.less %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return %0, %1 : tensor<4xf16>, tensor<4xi1>
}

// -----

// Where selects; Gelu (erf form) uses math.erf.
// CHECK-LABEL: func.func @where_gelu
// CHECK: arith.select
// CHECK: math.erf
func.func @where_gelu(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = mp.where %c, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = mp.gelu %a : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Unsigned integers keep their tensor type; the body views each element as
// signless (unrealized casts that cancel in the LLVM lowering) and uses the
// unsigned forms of division, max and comparison.
// CHECK-LABEL: func.func @unsigned_ops
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[A:[^:]+]]: ui8, %[[B:[^:]+]]: ui8, %{{.*}}: ui8):
// CHECK-DAG:       %[[SA:.*]] = builtin.unrealized_conversion_cast %[[A]] : ui8 to i8
// CHECK-DAG:       %[[SB:.*]] = builtin.unrealized_conversion_cast %[[B]] : ui8 to i8
// CHECK:           %[[D:.*]] = arith.divui %[[SA]], %[[SB]] : i8
// CHECK:           %[[R:.*]] = builtin.unrealized_conversion_cast %[[D]] : i8 to ui8
// CHECK:           linalg.yield %[[R]] : ui8
// CHECK:         linalg.generic
// CHECK:           arith.maxui {{.*}} : i32
// CHECK:         linalg.generic
// CHECK:           %[[LT:.*]] = arith.cmpi ult, {{.*}} : i8
// CHECK:           linalg.yield %[[LT]] : i1
func.func @unsigned_ops(%a: tensor<4xui8>, %b: tensor<4xui8>, %c: tensor<4xui32>, %d: tensor<4xui32>)
    -> (tensor<4xui8>, tensor<4xui32>, tensor<4xi1>) {
  %0 = mp.div %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %1 = mp.max %c, %d : (tensor<4xui32>, tensor<4xui32>) -> tensor<4xui32>
  %2 = mp.less %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  return %0, %1, %2 : tensor<4xui8>, tensor<4xui32>, tensor<4xi1>
}
