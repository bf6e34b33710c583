// RUN: mp-opt %s --split-input-file --mp-gpu-prepare-kernels --canonicalize | FileCheck %s

// A full sum (the finite check of loss scaling: sum of g * 0) becomes a
// parallel loop over every element that adds into the 0-d output
// atomically; the body's arithmetic is kept.
// CHECK-LABEL: func.func @finite_check
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[S:.*]] : memref<f32>)
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c0, %c0) to (%c64, %c256) step (%c1, %c1)
// CHECK:   %[[X:.*]] = memref.load %arg0[%[[I]], %[[J]]] : memref<64x256xf32>
// CHECK:   %[[Z:.*]] = arith.mulf %[[X]], %{{.*}} : f32
// CHECK:   memref.atomic_rmw addf %[[Z]], %[[S]][] : (f32, memref<f32>) -> f32
// CHECK-NOT: linalg.generic
#id = affine_map<(i, j) -> (i, j)>
#scalar = affine_map<(i, j) -> ()>
func.func @finite_check(%g: memref<64x256xf32>, %s: memref<f32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<f32>)
  linalg.generic {indexing_maps = [#id, #scalar], iterator_types = ["reduction", "reduction"]}
      ins(%g : memref<64x256xf32>) outs(%s : memref<f32>) {
  ^bb0(%x: f32, %acc: f32):
    %m = arith.mulf %x, %zero : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A maximum uses atomic maximumf; the index of linalg.index is the loop's.
// CHECK-LABEL: func.func @max_of_index
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK:   %[[V:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK:   %[[F:.*]] = arith.sitofp %[[V]]
// CHECK:   memref.atomic_rmw maximumf %[[F]], %arg1[] : (f32, memref<f32>) -> f32
#in = affine_map<(i) -> (i)>
#out = affine_map<(i) -> ()>
func.func @max_of_index(%x: memref<32xf32>, %m: memref<f32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction"]}
      ins(%x : memref<32xf32>) outs(%m : memref<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %i = linalg.index 0 : index
    %v = arith.index_cast %i : index to i64
    %f = arith.sitofp %v : i64 to f32
    %r = arith.maximumf %acc, %f : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A row reduction over the innermost dim (softmax, LayerNorm): lanes of one
// row read adjacent elements (lane, lane + 8, ...; 8 lanes for 8-element rows,
// 32 at most), accumulate privately from the identity and combine
// atomically into the row's output. A reduction over an outer dim (a bias
// gradient's sum over the batch) keeps one thread per output element, whose
// reads are already adjacent; an f16 accumulator has no atomic here; and
// memref.copy becomes linalg.copy.
// CHECK-LABEL: func.func @rows
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: scf.parallel (%[[I:.*]], %[[LANE:.*]]) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1)
// CHECK:   %[[P:.*]] = scf.for %[[K:.*]] = %[[LANE]] to %c8 step %c8 iter_args(%[[A:.*]] = %[[ZERO]]) -> (f32)
// CHECK:     %[[X:.*]] = memref.load %arg0[%[[I]], %[[K]]] : memref<4x8xf32>
// CHECK:     %[[S:.*]] = arith.addf %[[A]], %[[X]] : f32
// CHECK:     scf.yield %[[S]] : f32
// CHECK:   memref.atomic_rmw addf %[[P]], %arg1[%[[I]]] : (f32, memref<4xf32>) -> f32
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]
// CHECK-SAME: outs(%arg3 : memref<4xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction"]
// CHECK-SAME: outs(%arg5 : memref<f16>)
// CHECK: linalg.copy ins(%arg0 : memref<4x8xf32>) outs(%arg6 : memref<4x8xf32>)
// CHECK-NOT: memref.copy
#r2 = affine_map<(i, j) -> (i, j)>
#r1 = affine_map<(i, j) -> (i)>
#c2 = affine_map<(b, n) -> (b, n)>
#c1 = affine_map<(b, n) -> (n)>
#h1 = affine_map<(i) -> (i)>
#h0 = affine_map<(i) -> ()>
func.func @rows(%x: memref<4x8xf32>, %rows: memref<4xf32>, %g: memref<8x4xf32>, %bias: memref<4xf32>,
                %h: memref<8xf16>, %hs: memref<f16>, %copy: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [#r2, #r1], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x8xf32>) outs(%rows : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#c2, #c1], iterator_types = ["reduction", "parallel"]}
      ins(%g : memref<8x4xf32>) outs(%bias : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#h1, #h0], iterator_types = ["reduction"]}
      ins(%h : memref<8xf16>) outs(%hs : memref<f16>) {
  ^bb0(%a: f16, %acc: f16):
    %r = arith.addf %acc, %a : f16
    linalg.yield %r : f16
  }
  memref.copy %x, %copy : memref<4x8xf32> to memref<4x8xf32>
  return
}
