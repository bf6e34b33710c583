// RUN: mp-opt %s --split-input-file --mp-gpu-library-calls --canonicalize | FileCheck %s

// An f16 x f16 -> f32 GEMM after a zero fill: one cuBLASLt call with
// M=64, N=256, K=128, batch 1, no transposes, types (f16, f16, f32); the
// fill is gone (the call writes every element with beta = 0).
// CHECK-LABEL: func.func private @mpcudaMatmulI64(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i32, i32, i32, i32, i32)
// CHECK-LABEL: func.func @gemm
// CHECK-DAG: %[[M:.*]] = arith.constant 64 : i64
// CHECK-DAG: %[[N:.*]] = arith.constant 256 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 128 : i64
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[NO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[F16:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[PA:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK-DAG: %[[PB:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK-DAG: %[[PC:.*]] = memref.extract_aligned_pointer_as_index %arg2
// CHECK-NOT: linalg.fill
// CHECK: call @mpcudaMatmulI64(%{{.*}}, %{{.*}}, %{{.*}}, %[[M]], %[[N]], %[[K]], %[[ONE]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[NO]], %[[NO]], %[[F16]], %[[F16]], %[[NO]])
// CHECK-NOT: linalg.generic
#mA = affine_map<(d0, d1, d2) -> (d0, d1)>
#mB = affine_map<(d0, d1, d2) -> (d1, d2)>
#mC = affine_map<(d0, d1, d2) -> (d0, d2)>
func.func @gemm(%a: memref<64x128xf16>, %b: memref<128x256xf16>, %c: memref<64x256xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x256xf32>)
  linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<64x128xf16>, memref<128x256xf16>) outs(%c : memref<64x256xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %p = arith.mulf %xe, %ye : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Batched bf16 GEMM, B transposed ([b, n, k]) and A shared by the batch:
// batch 4, strides (0, N*K, M*N), transB = 1, types (bf16, bf16, f32).
// CHECK-LABEL: func.func @batched
// CHECK-DAG: %[[B:.*]] = arith.constant 4 : i64
// CHECK-DAG: %[[SB:.*]] = arith.constant 512 : i64
// CHECK-DAG: %[[SC:.*]] = arith.constant 256 : i64
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[NO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[YES:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[BF16:.*]] = arith.constant 2 : i32
// CHECK: call @mpcudaMatmulI64(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[B]], %[[ZERO]], %[[SB]], %[[SC]], %[[NO]], %[[YES]], %[[BF16]], %[[BF16]], %[[NO]])
#a3 = affine_map<(b, m, n, k) -> (m, k)>
#b3 = affine_map<(b, m, n, k) -> (b, n, k)>
#c3 = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @batched(%a: memref<8x16xbf16>, %b: memref<4x32x16xbf16>, %c: memref<4x8x32xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<4x8x32xf32>)
  linalg.generic {indexing_maps = [#a3, #b3, #c3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<8x16xbf16>, memref<4x32x16xbf16>) outs(%c : memref<4x8x32xf32>) {
  ^bb0(%x: bf16, %y: bf16, %acc: f32):
    %xe = arith.extf %x : bf16 to f32
    %ye = arith.extf %y : bf16 to f32
    %p = arith.mulf %xe, %ye : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// An accumulator that does not start at zero (here, a fill of one) is not a
// plain GEMM: it stays linalg and becomes a kernel.
// CHECK-LABEL: func.func @accumulate
// CHECK-NOT: call @mpcudaMatmulI64
// CHECK: linalg.fill
// CHECK: linalg.generic
#mA = affine_map<(d0, d1, d2) -> (d0, d1)>
#mB = affine_map<(d0, d1, d2) -> (d1, d2)>
#mC = affine_map<(d0, d1, d2) -> (d0, d2)>
func.func @accumulate(%a: memref<4x8xf32>, %b: memref<8x4xf32>, %c: memref<4x4xf32>) {
  %one = arith.constant 1.0 : f32
  linalg.fill ins(%one : f32) outs(%c : memref<4x4xf32>)
  linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<4x8xf32>, memref<8x4xf32>) outs(%c : memref<4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The Conv lowering's contraction (im2col x weights): K is channels x kernel
// height x width (16*3*3 = 144), N output height x width (32*32 = 1024),
// the batch (8) indexes the im2col buffer only, so the weights are shared
// (stride 0), and the unit group dim is ignored.
// CHECK-LABEL: func.func @conv
// CHECK-DAG: %[[M:.*]] = arith.constant 32 : i64
// CHECK-DAG: %[[N:.*]] = arith.constant 1024 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 144 : i64
// CHECK-DAG: %[[B:.*]] = arith.constant 8 : i64
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[SB:.*]] = arith.constant 147456 : i64
// CHECK-DAG: %[[SC:.*]] = arith.constant 32768 : i64
// CHECK: call @mpcudaMatmulI64(%{{.*}}, %{{.*}}, %{{.*}}, %[[M]], %[[N]], %[[K]], %[[B]], %[[ZERO]], %[[SB]], %[[SC]],
#cw = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d3, d4, d5)>
#cx = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d3, d4, d5, d6, d7)>
#cy = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d6, d7)>
func.func @conv(%w: memref<1x32x16x3x3xf16>, %cols: memref<8x1x16x3x3x32x32xf16>, %y: memref<8x1x32x32x32xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<8x1x32x32x32xf32>)
  linalg.generic {indexing_maps = [#cw, #cx, #cy],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel", "parallel"]}
      ins(%w, %cols : memref<1x32x16x3x3xf16>, memref<8x1x16x3x3x32x32xf16>) outs(%y : memref<8x1x32x32x32xf32>) {
  ^bb0(%a: f16, %b: f16, %acc: f32):
    %ae = arith.extf %a : f16 to f32
    %be = arith.extf %b : f16 to f32
    %p = arith.mulf %ae, %be : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
