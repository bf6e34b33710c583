// RUN: mp-opt %s -split-input-file -convert-mp-to-linalg | FileCheck %s

// FP16 MatMul accumulates in FP32 inside the linalg body (arith.extf on the
// loaded elements, an f32 accumulator), then rounds once to f16. Loop order
// is (m, k, n) so that the innermost loop is contiguous in B and the result.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @matmul_f16
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<8x4xf32>)
// CHECK: %[[MM:.*]] = linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%arg0, %arg1 : tensor<8x16xf16>, tensor<16x4xf16>) outs(%[[ACC]] : tensor<8x4xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.mulf %{{.*}} : f32
// CHECK: arith.addf %{{.*}} : f32
// CHECK: linalg.generic {{.*}} ins(%[[MM]] : tensor<8x4xf32>) outs(%{{.*}} : tensor<8x4xf16>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @matmul_f16(%a: tensor<8x16xf16>, %b: tensor<16x4xf16>) -> tensor<8x4xf16> {
  %0 = mp.matmul %a, %b {mp.acc_type = f32} : (tensor<8x16xf16>, tensor<16x4xf16>) -> tensor<8x4xf16>
  return %0 : tensor<8x4xf16>
}

// -----

// Batched MatMul with a broadcast right-hand side.
// CHECK-DAG: #[[BB:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func.func @matmul_batched
// CHECK: linalg.generic {indexing_maps = [{{.*}}, #[[BB]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
func.func @matmul_batched(%a: tensor<2x8x16xf32>, %b: tensor<16x4xf32>) -> tensor<2x8x4xf32> {
  %0 = mp.matmul %a, %b : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<2x8x4xf32>
  return %0 : tensor<2x8x4xf32>
}

// -----

// Conv: padding, im2col (the strides are in the gather map), a
// matmul-shaped generic over (n, g, f, k = c*kh*kw, p = oh*ow) with one
// group here, then the bias.
// CHECK-DAG: #[[IM2COL:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 * 2 + d2, d5 * 2 + d3)>
// CHECK-DAG: #[[WK:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d3)>
// CHECK-DAG: #[[COLK:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[OUTP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-LABEL: func.func @conv
// CHECK: %[[P:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[COL:.*]] = linalg.generic {indexing_maps = [#[[IM2COL]], {{.*}}]{{.*}} ins(%[[P]] : tensor<1x3x10x10xf32>) outs(%{{.*}} : tensor<1x3x3x3x4x4xf32>)
// CHECK: %[[C2:.*]] = tensor.collapse_shape %[[COL]] {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<1x3x3x3x4x4xf32> into tensor<1x27x16xf32>
// CHECK: %[[CG:.*]] = tensor.expand_shape %[[C2]] {{.*}} into tensor<1x1x27x16xf32>
// CHECK: %[[W2:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<4x3x3x3xf32> into tensor<4x27xf32>
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[W2]] {{.*}} into tensor<1x4x27xf32>
// CHECK: %[[MM:.*]] = linalg.generic {indexing_maps = [#[[WK]], #[[COLK]], #[[OUTP]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[WG]], %[[CG]] : tensor<1x4x27xf32>, tensor<1x1x27x16xf32>)
// CHECK: %[[MF:.*]] = tensor.collapse_shape %[[MM]] {{.*}} into tensor<1x4x16xf32>
// CHECK: tensor.expand_shape %[[MF]] {{\[}}[0], [1], [2, 3]] output_shape [1, 4, 4, 4]
// CHECK: arith.addf
func.func @conv(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = mp.conv %x, %w, %b {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// Softmax: max, shifted exp, sum, divide; reductions keep the storage type
// for f32.
// CHECK-LABEL: func.func @softmax
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
func.func @softmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = mp.softmax %x {axis = -1 : i64} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}


// -----

// AveragePool with ceil_mode and count_include_pad = 0: the explicit pads,
// then the ceil_mode growth (bottom/right), then a sum-pool in f32. The
// divisor is the sum-pool of a one-channel mask that is 1 on the input and
// 0 on both kinds of padding, so border windows divide by what they cover.
// CHECK-LABEL: func.func @avg_pool_ceil
// CHECK: %[[P1:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 0, 0]
// CHECK: %[[P2:.*]] = tensor.pad %[[P1]] low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum {{.*}} ins(%[[P2]], %{{.*}} : tensor<1x2x8x8xf16>, tensor<2x2xf32>) outs(%{{.*}} : tensor<1x2x4x4xf32>)
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[MASK:.*]] = linalg.fill ins(%[[ONE]] : f32) outs(%{{.*}} : tensor<1x1x6x6xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[M1:.*]] = tensor.pad %[[MASK]] low[0, 0, 1, 1] high[0, 0, 0, 0]
// CHECK: tensor.yield %[[ZERO]]
// CHECK: %[[M2:.*]] = tensor.pad %[[M1]] low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: %[[CNT:.*]] = linalg.pooling_nchw_sum {{.*}} ins(%[[M2]], %{{.*}} : tensor<1x1x8x8xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<1x1x4x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[CNT]] : tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) outs(%{{.*}} : tensor<1x2x4x4xf16>)
// CHECK: arith.divf
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @avg_pool_ceil(%x: tensor<1x2x6x6xf16>) -> tensor<1x2x4x4xf16> {
  %0 = mp.average_pool %x {ceil_mode = 1 : i64, kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x2x6x6xf16>) -> tensor<1x2x4x4xf16>
  return %0 : tensor<1x2x4x4xf16>
}

// -----

// MaxPool with auto_pad = SAME_UPPER: pads resolved from the static sizes
// (total 2 -> 1 before, 1 after), padding with -inf.
// CHECK-LABEL: func.func @max_pool_same
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[P:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NINF]]
// CHECK: linalg.pooling_nchw_max {{.*}} ins(%[[P]], %{{.*}} : tensor<1x2x7x7xf32>, tensor<3x3xf32>) outs(%{{.*}} : tensor<1x2x3x3xf32>)
func.func @max_pool_same(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %0 = mp.max_pool %x {auto_pad = "SAME_UPPER", kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

// Depthwise convolution (group = channels, f16 storage): the K dim of each
// group is 1*kh*kw, products are accumulated in f32, and the dynamic batch
// flows through the reshapes.
// CHECK-LABEL: func.func @depthwise_f16
// CHECK: tensor.expand_shape %{{.*}} {{.*}} into tensor<?x8x9x16xf16>
// CHECK: tensor.expand_shape %{{.*}} {{.*}} into tensor<8x1x9xf16>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x1x9xf16>, tensor<?x8x9x16xf16>) outs(%{{.*}} : tensor<?x8x1x16xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @depthwise_f16(%x: tensor<?x8x4x4xf16>, %w: tensor<8x1x3x3xf16>) -> tensor<?x8x4x4xf16> {
  %0 = mp.conv %x, %w {group = 8 : i64, pads = array<i64: 1, 1, 1, 1>, mp.acc_type = f32} : (tensor<?x8x4x4xf16>, tensor<8x1x3x3xf16>) -> tensor<?x8x4x4xf16>
  return %0 : tensor<?x8x4x4xf16>
}

// -----

// ConvTranspose in gather form: one generic over (n, f, oh, ow | c, kh, kw)
// whose body maps each output position back to an input position
// i = (o + pad - k*dilation) / stride, keeps the product only where that
// divides exactly and lands inside x, and accumulates f16 products in f32.
// CHECK-DAG: #[[EXT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @conv_transpose_f16
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4x7x7xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[EXT]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%{{.*}} : tensor<2x3x3xf32>) outs(%[[ACC]] : tensor<1x4x7x7xf32>)
// CHECK: %[[Q:.*]] = arith.divsi %[[T:.*]], %c2
// CHECK: %[[R:.*]] = arith.remsi %[[T]], %c2
// CHECK: arith.cmpi eq, %[[R]]
// CHECK: %[[XV:.*]] = tensor.extract %arg0
// CHECK: arith.extf %[[XV]] : f16 to f32
// CHECK: %[[WV:.*]] = tensor.extract %arg1
// CHECK: arith.extf %[[WV]] : f16 to f32
// CHECK: arith.select
// CHECK: tensor.expand_shape %arg2 {{\[\[}}0, 1, 2]] output_shape [4, 1, 1]
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @conv_transpose_f16(%x: tensor<1x2x3x3xf16>, %w: tensor<2x4x3x3xf16>, %b: tensor<4xf16>) -> tensor<1x4x7x7xf16> {
  %0 = mp.conv_transpose %x, %w, %b {strides = array<i64: 2, 2>, mp.acc_type = f32} : (tensor<1x2x3x3xf16>, tensor<2x4x3x3xf16>, tensor<4xf16>) -> tensor<1x4x7x7xf16>
  return %0 : tensor<1x4x7x7xf16>
}
