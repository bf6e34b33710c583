// RUN: mp-opt %s -canonicalize | FileCheck %s

// Folders of the mp dialect: Identity, Cast, Reshape, Transpose (and
// Constant, which must survive canonicalization unchanged).

// CHECK-LABEL: func.func @identity_folds(
// CHECK-SAME: %[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: mp.identity
// CHECK: return %[[X]], %[[X]] : tensor<2x3xf32>, tensor<2x3xf32>
func.func @identity_folds(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = mp.identity %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = mp.identity %0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// An identity that refines the type is kept: folding would change the type
// seen by the user.
// CHECK-LABEL: func.func @identity_refining_type_kept(
// CHECK-SAME: %[[X:.*]]: tensor<?x3xf32>)
// CHECK: %[[R:.*]] = mp.identity %[[X]] : (tensor<?x3xf32>) -> tensor<2x3xf32>
// CHECK: return %[[R]]
func.func @identity_refining_type_kept(%x: tensor<?x3xf32>) -> tensor<2x3xf32> {
  %0 = mp.identity %x : (tensor<?x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @cast_same_type_folds(
// CHECK-SAME: %[[X:.*]]: tensor<2x3xf32>, %[[U:.*]]: tensor<*xi64>)
// CHECK-NOT: mp.cast
// CHECK: return %[[X]], %[[U]] : tensor<2x3xf32>, tensor<*xi64>
func.func @cast_same_type_folds(%x: tensor<2x3xf32>, %u: tensor<*xi64>) -> (tensor<2x3xf32>, tensor<*xi64>) {
  %0 = mp.cast %x {to = f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = mp.cast %u {to = i64} : (tensor<*xi64>) -> tensor<*xi64>
  return %0, %1 : tensor<2x3xf32>, tensor<*xi64>
}

// CHECK-LABEL: func.func @cast_to_other_type_kept(
// CHECK-SAME: %[[X:.*]]: tensor<2x3xf32>, %[[D:.*]]: tensor<?x3xf32>)
// CHECK: %[[H:.*]] = mp.cast %[[X]] {to = f16} : (tensor<2x3xf32>) -> tensor<2x3xf16>
// CHECK: %[[S:.*]] = mp.cast %[[D]] {to = f32} : (tensor<?x3xf32>) -> tensor<2x3xf32>
// CHECK: return %[[H]], %[[S]]
func.func @cast_to_other_type_kept(%x: tensor<2x3xf32>, %d: tensor<?x3xf32>) -> (tensor<2x3xf16>, tensor<2x3xf32>) {
  %0 = mp.cast %x {to = f16} : (tensor<2x3xf32>) -> tensor<2x3xf16>
  %1 = mp.cast %d {to = f32} : (tensor<?x3xf32>) -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf16>, tensor<2x3xf32>
}

// The folded reshape leaves its shape constant dead, so it goes too.
// CHECK-LABEL: func.func @reshape_same_static_type_folds(
// CHECK-SAME: %[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: mp.reshape
// CHECK-NOT: mp.constant
// CHECK: return %[[X]] : tensor<2x3xf32>
func.func @reshape_same_static_type_folds(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %s = mp.constant {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = mp.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// A reshape of the same element count but another shape, and a dynamic
// reshape whose types merely coincide, are kept.
// CHECK-LABEL: func.func @reshape_kept(
// CHECK-SAME: %[[X:.*]]: tensor<2x3xf32>, %[[D:.*]]: tensor<?x3xf32>, %[[S:.*]]: tensor<2xi64>)
// CHECK: %[[A:.*]] = mp.reshape %[[X]], %[[S]] : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
// CHECK: %[[B:.*]] = mp.reshape %[[D]], %[[S]] : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x3xf32>
// CHECK: return %[[A]], %[[B]]
func.func @reshape_kept(%x: tensor<2x3xf32>, %d: tensor<?x3xf32>, %s: tensor<2xi64>) -> (tensor<3x2xf32>, tensor<?x3xf32>) {
  %0 = mp.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  %1 = mp.reshape %d, %s : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x3xf32>
  return %0, %1 : tensor<3x2xf32>, tensor<?x3xf32>
}

// CHECK-LABEL: func.func @transpose_identity_perm_folds(
// CHECK-SAME: %[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NOT: mp.transpose
// CHECK: return %[[X]] : tensor<2x3x4xf32>
func.func @transpose_identity_perm_folds(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = mp.transpose %x {perm = array<i64: 0, 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// A real permutation is kept, also when the result type equals the input
// type (square matrix), and so is the default (reversing) permutation.
// CHECK-LABEL: func.func @transpose_permutation_kept(
// CHECK-SAME: %[[X:.*]]: tensor<2x3xf32>, %[[Q:.*]]: tensor<2x2xf32>)
// CHECK: %[[A:.*]] = mp.transpose %[[X]] {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK: %[[B:.*]] = mp.transpose %[[Q]] {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
// CHECK: %[[C:.*]] = mp.transpose %[[Q]] : (tensor<2x2xf32>) -> tensor<2x2xf32>
// CHECK: return %[[A]], %[[B]], %[[C]]
func.func @transpose_permutation_kept(%x: tensor<2x3xf32>, %q: tensor<2x2xf32>) -> (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
  %0 = mp.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = mp.transpose %q {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %2 = mp.transpose %q : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0, %1, %2 : tensor<3x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}

// Constants (dense and dense_resource, with the initializer name) stay, and
// so do the ops that use them.
// CHECK-LABEL: func.func @constants_stay(
// CHECK-SAME: %[[X:.*]]: tensor<2xf32>)
// CHECK-DAG: %[[C:.*]] = mp.constant {value = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>} : () -> tensor<2xf32>
// CHECK-DAG: %[[W:.*]] = mp.constant {initializer = "fc.weight", value = dense_resource<fc_weight> : tensor<2xf32>} : () -> tensor<2xf32>
// CHECK: %[[A:.*]] = mp.add %[[X]], %[[C]] : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK: %[[M:.*]] = mp.mul %[[A]], %[[W]] : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK: return %[[M]]
func.func @constants_stay(%x: tensor<2xf32>) -> tensor<2xf32> {
  %c = mp.constant {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %w = mp.constant {initializer = "fc.weight", value = dense_resource<fc_weight> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = mp.add %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = mp.mul %0, %w : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}

// CHECK: fc_weight: "0x040000000000803F00000040"
{-#
  dialect_resources: {
    builtin: {
      fc_weight: "0x040000000000803F00000040"
    }
  }
#-}
