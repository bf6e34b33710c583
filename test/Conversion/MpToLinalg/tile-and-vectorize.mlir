// RUN: mp-opt %s --split-input-file --mp-tile-and-vectorize | FileCheck %s

// An f32 matmul in the loop order convert-mp-to-linalg emits (m, k, n):
// N blocks of 32 outside M blocks of 8, the reduction innermost with the
// 8x32 accumulator carried in registers (loaded before the K loop, stored
// after it), and one vector.fma per accumulator row.
#mA = affine_map<(m, k, n) -> (m, k)>
#mB = affine_map<(m, k, n) -> (k, n)>
#mC = affine_map<(m, k, n) -> (m, n)>
// CHECK-LABEL: func.func @matmul_f32
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK:         scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[C32]]
// CHECK:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[C8]]
// CHECK:             %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK:             %[[RES:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[ACC]]) -> (vector<8x32xf32>)
// CHECK:               vector.transfer_read {{.*}} : tensor<1x32xf32>, vector<32xf32>
// CHECK-COUNT-8:       vector.fma {{.*}} : vector<32xf32>
// CHECK:               scf.yield {{.*}} : vector<8x32xf32>
// CHECK:             vector.transfer_write %[[RES]], {{.*}} : vector<8x32xf32>, tensor<8x32xf32>
// CHECK-NOT:     linalg.generic
func.func @matmul_f32(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %0 = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<64x64xf32>, tensor<64x64xf32>) outs(%c : tensor<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  return %0 : tensor<64x64xf32>
}

// -----

// f16 storage, f32 accumulation: the loads stay f16 and are extended in
// registers. N = 49 is one 32-wide block, then the 17-wide remainder is
// split into a 16-wide block and a 1-wide tail instead of one odd vector.
#mA = affine_map<(m, k, n) -> (m, k)>
#mB = affine_map<(m, k, n) -> (k, n)>
#mC = affine_map<(m, k, n) -> (m, n)>
// CHECK-LABEL: func.func @matmul_f16_remainder
// CHECK:         scf.for {{.*}} -> (vector<8x32xf32>)
// CHECK:           vector.transfer_read {{.*}} : tensor<1x32xf16>, vector<32xf16>
// CHECK:           arith.extf {{.*}} : vector<32xf16> to vector<32xf32>
// CHECK-COUNT-8:   vector.fma {{.*}} : vector<32xf32>
// CHECK:         scf.for {{.*}} -> (vector<8x16xf32>, vector<8xf32>)
// CHECK:           vector.transfer_read {{.*}} : tensor<1x16xf16>, vector<16xf16>
// CHECK:           arith.extf {{.*}} : vector<16xf16> to vector<16xf32>
// CHECK-COUNT-8:   vector.fma {{.*}} : vector<16xf32>
// CHECK-NOT:     linalg.generic
func.func @matmul_f16_remainder(%a: tensor<16x64xf16>, %b: tensor<64x49xf16>, %c: tensor<16x49xf32>) -> tensor<16x49xf32> {
  %0 = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<16x64xf16>, tensor<64x49xf16>) outs(%c : tensor<16x49xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %p = arith.mulf %xe, %ye : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x49xf32>
  return %0 : tensor<16x49xf32>
}

// -----

// A batched matmul whose B is broadcast over the batch (MatMul of a
// [1, 16, 64] activation with a [64, 32] weight): the unit batch dim is
// dropped from the tile, so the block is still a 2-D vector<8x32xf32>.
#mA = affine_map<(b, m, k, n) -> (b, m, k)>
#mB = affine_map<(b, m, k, n) -> (k, n)>
#mC = affine_map<(b, m, k, n) -> (b, m, n)>
// CHECK-LABEL: func.func @batch_broadcast
// CHECK:         scf.for {{.*}} -> (vector<8x32xf32>)
// CHECK-COUNT-8:   vector.fma {{.*}} : vector<32xf32>
// CHECK-NOT:     vector<1x8x32xf32>
func.func @batch_broadcast(%a: tensor<1x16x64xf32>, %b: tensor<64x32xf32>, %c: tensor<1x16x32xf32>) -> tensor<1x16x32xf32> {
  %0 = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<1x16x64xf32>, tensor<64x32xf32>) outs(%c : tensor<1x16x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x16x32xf32>
  return %0 : tensor<1x16x32xf32>
}

// -----

// Smaller than one block, dynamic, or not a contraction: left alone.
#mA = affine_map<(m, k, n) -> (m, k)>
#mB = affine_map<(m, k, n) -> (k, n)>
#mC = affine_map<(m, k, n) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     vector.
// CHECK-NOT:     scf.for
// CHECK-COUNT-3: linalg.generic
func.func @left_alone(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>, %c: tensor<4x4xf32>,
                      %da: tensor<?x64xf32>, %db: tensor<64x64xf32>, %dc: tensor<?x64xf32>,
                      %e: tensor<64x64xf32>) -> (tensor<4x4xf32>, tensor<?x64xf32>, tensor<64x64xf32>) {
  %0 = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%c : tensor<4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x4xf32>
  %1 = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%da, %db : tensor<?x64xf32>, tensor<64x64xf32>) outs(%dc : tensor<?x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x64xf32>
  %2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%e : tensor<64x64xf32>) outs(%e : tensor<64x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = math.tanh %x : f32
    linalg.yield %t : f32
  } -> tensor<64x64xf32>
  return %0, %1, %2 : tensor<4x4xf32>, tensor<?x64xf32>, tensor<64x64xf32>
}
