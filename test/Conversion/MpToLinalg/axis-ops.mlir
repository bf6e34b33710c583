// RUN: mp-opt %s -split-input-file -convert-mp-to-linalg | FileCheck %s

// CumSum, TopK and Einsum.

// CumSum along a constant axis 1: one scf.for over the 4 columns carrying
// the running column sum and the output; each step adds column i and
// inserts the new sum at column i.
// CHECK-LABEL: func.func @cumsum
// CHECK: %[[SUM0:[^ ]+]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK: %[[OUT0:[^ ]+]] = tensor.empty() : tensor<3x4xf32>
// CHECK: %[[N:[^ ]+]] = arith.constant 4 : index
// CHECK: %[[L:[^ ]+]]:2 = scf.for %[[I:[^ ]+]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[SUM:[^ ]+]] = %[[SUM0]], %[[OUT:[^ ]+]] = %[[OUT0]]) -> (tensor<3xf32>, tensor<3x4xf32>) {
// CHECK:   %[[XCOL:[^ ]+]] = tensor.extract_slice %arg0[0, %[[I]]] [3, 1] [1, 1] : tensor<3x4xf32> to tensor<3xf32>
// CHECK:   %[[NEXT:[^ ]+]] = linalg.generic {{.*}} ins(%[[SUM]], %[[XCOL]] : tensor<3xf32>, tensor<3xf32>) outs(%{{.*}} : tensor<3xf32>)
// CHECK:     arith.addf
// CHECK:   %[[INS:[^ ]+]] = tensor.insert_slice %[[NEXT]] into %[[OUT]][0, %[[I]]] [3, 1] [1, 1] : tensor<3xf32> into tensor<3x4xf32>
// CHECK:   scf.yield %[[NEXT]], %[[INS]] : tensor<3xf32>, tensor<3x4xf32>
// CHECK: }
// CHECK-NOT: scf.index_switch
// CHECK: return %[[L]]#1 : tensor<3x4xf32>
func.func @cumsum(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %a = mp.constant {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %0 = mp.cum_sum %x, %a : (tensor<3x4xf32>, tensor<i64>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Reverse, exclusive CumSum of f16 along axis 0: the running sum is f32,
// rows are visited at (n - 1 - i), and the row written is the sum *before*
// adding row i (exclusive), truncated to f16.
// CHECK-LABEL: func.func @cumsum_rev_excl_f16
// CHECK: %[[SUM0:[^ ]+]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4xf32>)
// CHECK: %[[L:[^ ]+]]:2 = scf.for %[[I:[^ ]+]] = {{.*}} iter_args(%[[SUM:[^ ]+]] = %[[SUM0]], %[[OUT:[^ ]+]] = %{{.*}}) -> (tensor<4xf32>, tensor<3x4xf16>) {
// CHECK:   %[[LAST:[^ ]+]] = arith.constant 2 : index
// CHECK:   %[[AT:[^ ]+]] = arith.subi %[[LAST]], %[[I]] : index
// CHECK:   %[[ROW:[^ ]+]] = tensor.extract_slice %arg0[%[[AT]], 0] [1, 4] [1, 1] : tensor<3x4xf16> to tensor<4xf16>
// CHECK:   %[[NEXT:[^ ]+]] = linalg.generic {{.*}} ins(%[[SUM]], %[[ROW]] : tensor<4xf32>, tensor<4xf16>) outs(%{{.*}} : tensor<4xf32>)
// CHECK:     arith.extf %{{.*}} : f16 to f32
// CHECK:     arith.addf %{{.*}}, %{{.*}} : f32
// CHECK:   %[[EMIT:[^ ]+]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<4xf32>) outs(%{{.*}} : tensor<4xf16>)
// CHECK:     arith.truncf %{{.*}} : f32 to f16
// CHECK:   %[[INS:[^ ]+]] = tensor.insert_slice %[[EMIT]] into %[[OUT]][%[[AT]], 0] [1, 4] [1, 1] : tensor<4xf16> into tensor<3x4xf16>
// CHECK:   scf.yield %[[NEXT]], %[[INS]] : tensor<4xf32>, tensor<3x4xf16>
// CHECK: return %[[L]]#1 : tensor<3x4xf16>
func.func @cumsum_rev_excl_f16(%x: tensor<3x4xf16>) -> tensor<3x4xf16> {
  %a = mp.constant {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %0 = mp.cum_sum %x, %a {exclusive = 1 : i64, reverse = 1 : i64} : (tensor<3x4xf16>, tensor<i64>) -> tensor<3x4xf16>
  return %0 : tensor<3x4xf16>
}

// -----

// CumSum with a runtime axis: the axis is read, normalised (negative + rank)
// and switched on; each case is the loop along that axis, and the default
// (an invalid axis) reuses axis 0.
// CHECK-LABEL: func.func @cumsum_runtime
// CHECK: %[[A:[^ ]+]] = tensor.extract %arg1[] : tensor<i32>
// CHECK: %[[AI:[^ ]+]] = arith.index_cast %[[A]] : i32 to index
// CHECK: %[[NEG:[^ ]+]] = arith.cmpi slt, %[[AI]], %{{.*}} : index
// CHECK: %[[RANK:[^ ]+]] = arith.constant 2 : index
// CHECK: %[[WRAP:[^ ]+]] = arith.addi %[[AI]], %[[RANK]] : index
// CHECK: %[[AX:[^ ]+]] = arith.select %[[NEG]], %[[WRAP]], %[[AI]] : index
// CHECK: %[[SW:[^ ]+]] = scf.index_switch %[[AX]] -> tensor<3x4xf32>
// CHECK: case 0 {
// CHECK:   %[[L0:[^ ]+]]:2 = scf.for {{.*}} -> (tensor<4xf32>, tensor<3x4xf32>) {
// CHECK:     tensor.extract_slice %arg0[%{{.*}}, 0] [1, 4] [1, 1]
// CHECK:   scf.yield %[[L0]]#1 : tensor<3x4xf32>
// CHECK: }
// CHECK: case 1 {
// CHECK:   %[[L1:[^ ]+]]:2 = scf.for {{.*}} -> (tensor<3xf32>, tensor<3x4xf32>) {
// CHECK:     tensor.extract_slice %arg0[0, %{{.*}}] [3, 1] [1, 1]
// CHECK:   scf.yield %[[L1]]#1 : tensor<3x4xf32>
// CHECK: }
// CHECK: default {
// CHECK:   %[[LD:[^ ]+]]:2 = scf.for {{.*}} -> (tensor<4xf32>, tensor<3x4xf32>) {
// CHECK:   scf.yield %[[LD]]#1 : tensor<3x4xf32>
// CHECK: }
// CHECK: return %[[SW]] : tensor<3x4xf32>
func.func @cumsum_runtime(%x: tensor<3x4xf32>, %a: tensor<i32>) -> tensor<3x4xf32> {
  %0 = mp.cum_sum %x, %a : (tensor<3x4xf32>, tensor<i32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// TopK (k = 2, largest, last axis): scf.for over k carrying the previous
// pick (value, index) and the two outputs; each step is one reduction
// along the axis producing the best value and its i64 index among the
// elements after the previous pick, inserted at column j.
// CHECK-DAG: #[[ID:map[0-9]*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:map[0-9]*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @topk
// CHECK: %[[PINF:[^ ]+]] = arith.constant 0x7F800000 : f32
// CHECK: %[[PV0:[^ ]+]] = linalg.fill ins(%[[PINF]] : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK: %[[PI0:[^ ]+]] = linalg.fill ins(%c-1_i64 : i64) outs(%{{.*}} : tensor<3xi64>)
// CHECK: %[[V0:[^ ]+]] = tensor.empty() : tensor<3x2xf32>
// CHECK: %[[I0:[^ ]+]] = tensor.empty() : tensor<3x2xi64>
// CHECK: %[[K:[^ ]+]] = arith.constant 2 : index
// CHECK: %[[L:[^ ]+]]:4 = scf.for %[[J:[^ ]+]] = %{{.*}} to %[[K]] step %{{.*}} iter_args(%[[PV:[^ ]+]] = %[[PV0]], %[[PI:[^ ]+]] = %[[PI0]], %[[VS:[^ ]+]] = %[[V0]], %[[IS:[^ ]+]] = %[[I0]]) -> (tensor<3xf32>, tensor<3xi64>, tensor<3x2xf32>, tensor<3x2xi64>) {
// CHECK:   %[[NINF:[^ ]+]] = arith.constant 0xFF800000 : f32
// CHECK:   %[[BV:[^ ]+]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK:   %[[BI:[^ ]+]] = linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<3xi64>)
// CHECK:   %[[R:[^ ]+]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%arg0, %[[PV]], %[[PI]] : tensor<3x4xf32>, tensor<3xf32>, tensor<3xi64>) outs(%[[BV]], %[[BI]] : tensor<3xf32>, tensor<3xi64>) {
// The order is total with NaN above every number: the element must come
// after the previous pick (none yet: index -1) and beat the best so far
// (none yet: INT64_MAX), ties going to the lower index.
// CHECK:   ^bb0(%[[X:[^:]*]]: f32, %[[PVA:[^:]*]]: f32, %[[PIA:[^:]*]]: i64, %[[OV:[^:]*]]: f32, %[[OI:[^:]*]]: i64):
// CHECK:     %[[AXI:[^ ]+]] = linalg.index 1 : index
// CHECK:     %[[IDX:[^ ]+]] = arith.index_cast %[[AXI]] : index to i64
// CHECK:     arith.cmpi eq, %[[PIA]], %{{.*}} : i64
// CHECK:     arith.cmpf uno, %[[PVA]], %[[PVA]] : f32
// CHECK:     arith.cmpf ogt, %[[PVA]], %[[X]] : f32
// CHECK:     arith.cmpi sgt, %[[IDX]], %[[PIA]] : i64
// CHECK:     arith.ori
// CHECK:     %[[AFTER:[^ ]+]] = arith.ori
// CHECK-NEXT: arith.cmpi eq, %[[OI]], %{{.*}} : i64
// CHECK:     arith.cmpf ogt, %[[X]], %[[OV]] : f32
// CHECK:     arith.cmpi slt, %[[IDX]], %[[OI]] : i64
// CHECK:     arith.ori
// CHECK:     %[[BETTER:[^ ]+]] = arith.ori
// CHECK-NEXT: %[[TAKE:[^ ]+]] = arith.andi %[[AFTER]], %[[BETTER]] : i1
// CHECK:     %[[NV:[^ ]+]] = arith.select %[[TAKE]], %[[X]], %[[OV]] : f32
// CHECK:     %[[NI:[^ ]+]] = arith.select %[[TAKE]], %[[IDX]], %[[OI]] : i64
// CHECK:     linalg.yield %[[NV]], %[[NI]] : f32, i64
// CHECK:   } -> (tensor<3xf32>, tensor<3xi64>)
// CHECK:   %[[NVS:[^ ]+]] = tensor.insert_slice %[[R]]#0 into %[[VS]][0, %[[J]]] [3, 1] [1, 1] : tensor<3xf32> into tensor<3x2xf32>
// CHECK:   %[[NIS:[^ ]+]] = tensor.insert_slice %[[R]]#1 into %[[IS]][0, %[[J]]] [3, 1] [1, 1] : tensor<3xi64> into tensor<3x2xi64>
// CHECK:   scf.yield %[[R]]#0, %[[R]]#1, %[[NVS]], %[[NIS]] : tensor<3xf32>, tensor<3xi64>, tensor<3x2xf32>, tensor<3x2xi64>
// CHECK: }
// CHECK: return %[[L]]#2, %[[L]]#3 : tensor<3x2xf32>, tensor<3x2xi64>
func.func @topk(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>) {
  %k = mp.constant {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %v, %i = mp.top_k %x, %k {axis = -1 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
  return %v, %i : tensor<3x2xf32>, tensor<3x2xi64>
}

// -----

// TopK smallest (largest = 0) along axis 0 with k = 1: the previous pick
// starts at -inf, the best at +inf, the comparisons flip, and dim 0 is the
// reduction.
// CHECK-DAG: #[[COL:map[0-9]*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @topk_smallest
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4xf32>)
// CHECK: scf.for {{.*}} -> (tensor<4xf32>, tensor<4xi64>, tensor<1x4xf32>, tensor<1x4xi64>) {
// CHECK:   %[[PINF:[^ ]+]] = arith.constant 0x7F800000 : f32
// CHECK:   linalg.fill ins(%[[PINF]] : f32) outs(%{{.*}} : tensor<4xf32>)
// CHECK:   linalg.generic {indexing_maps = [#{{.*}}, #[[COL]], #[[COL]], #[[COL]], #[[COL]]], iterator_types = ["reduction", "parallel"]} ins(%arg0, {{.*}} : tensor<3x4xf32>, tensor<4xf32>, tensor<4xi64>)
// CHECK:     linalg.index 0 : index
// CHECK:     arith.cmpf ogt
// CHECK:   tensor.insert_slice %{{.*}} into %{{.*}}[%{{.*}}, 0] [1, 4] [1, 1] : tensor<4xi64> into tensor<1x4xi64>
func.func @topk_smallest(%x: tensor<3x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xi64>) {
  %k = mp.constant {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v, %i = mp.top_k %x, %k {axis = 0 : i64, largest = 0 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<1x4xf32>, tensor<1x4xi64>)
  return %v, %i : tensor<1x4xf32>, tensor<1x4xi64>
}

// -----

// Einsum batched matmul: one generic with a loop per label (b, i, j, k in
// order of appearance); j is missing from the output and reduces.
// CHECK-DAG: #[[MA:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[MB:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[MC:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @einsum_bmm
// CHECK: %[[Z:[^ ]+]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x3x5xf32>)
// CHECK: %[[R:[^ ]+]] = linalg.generic {indexing_maps = [#[[MA]], #[[MB]], #[[MC]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%arg0, %arg1 : tensor<2x3x4xf32>, tensor<2x4x5xf32>) outs(%[[Z]] : tensor<2x3x5xf32>) {
// CHECK:   %[[P:[^ ]+]] = arith.mulf
// CHECK:   %[[S:[^ ]+]] = arith.addf %{{.*}}, %[[P]] : f32
// CHECK:   linalg.yield %[[S]] : f32
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]] : tensor<2x3x5xf32>
func.func @einsum_bmm(%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x3x5xf32> {
  %0 = mp.einsum %a, %b {equation = "bij,bjk->bik"} : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// Einsum diagonal "ii->i" on f16: the repeated label reads the diagonal
// through (d0) -> (d0, d0); the sum accumulates in f32 and is truncated.
// CHECK-DAG: #[[DIAG:map[0-9]*]] = affine_map<(d0) -> (d0, d0)>
// CHECK-DAG: #[[ID:map[0-9]*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @einsum_diag
// CHECK: %[[Z:[^ ]+]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK: %[[R:[^ ]+]] = linalg.generic {indexing_maps = [#[[DIAG]], #[[ID]]], iterator_types = ["parallel"]} ins(%arg0 : tensor<3x3xf16>) outs(%[[Z]] : tensor<3xf32>) {
// CHECK:   arith.extf %{{.*}} : f16 to f32
// CHECK: %[[T:[^ ]+]] = linalg.generic {{.*}} ins(%[[R]] : tensor<3xf32>) outs(%{{.*}} : tensor<3xf16>)
// CHECK:   arith.truncf %{{.*}} : f32 to f16
// CHECK: return %[[T]] : tensor<3xf16>
func.func @einsum_diag(%a: tensor<3x3xf16>) -> tensor<3xf16> {
  %0 = mp.einsum %a {equation = "ii->i"} : (tensor<3x3xf16>) -> tensor<3xf16>
  return %0 : tensor<3xf16>
}
