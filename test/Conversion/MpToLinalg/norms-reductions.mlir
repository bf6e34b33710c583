// RUN: mp-opt %s -split-input-file -convert-mp-to-linalg | FileCheck %s

// Reductions with runtime axes, training-mode BatchNormalization and
// Dropout, and 1-D pooling.

// ReduceSum with runtime axes (one axis, keepdims = 0): of the single-axis
// dim sets of 3x2x2, only {1} (mask 0b010) and {2} (mask 0b100) give the
// 3x2 result. The axis is normalised and turned into a bitmask, and
// scf.index_switch picks the reduction; the default reuses the first.
// CHECK-DAG: #[[IN:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[DROP1:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[DROP2:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @reduce_sum_runtime_axes
// CHECK: %[[M0:[^ ]+]] = arith.constant 0 : index
// CHECK: %[[A:[^ ]+]] = tensor.extract %arg1[%{{.*}}] : tensor<1xi64>
// CHECK: %[[AI:[^ ]+]] = arith.index_cast %[[A]] : i64 to index
// CHECK: %[[NEG:[^ ]+]] = arith.cmpi slt, %[[AI]], %{{.*}} : index
// CHECK: %[[RANK:[^ ]+]] = arith.constant 3 : index
// CHECK: %[[WRAP:[^ ]+]] = arith.addi %[[AI]], %[[RANK]] : index
// CHECK: %[[AX:[^ ]+]] = arith.select %[[NEG]], %[[WRAP]], %[[AI]] : index
// CHECK: %[[ONE:[^ ]+]] = arith.constant 1 : index
// CHECK: %[[BIT:[^ ]+]] = arith.shli %[[ONE]], %[[AX]] : index
// CHECK: %[[MASK:[^ ]+]] = arith.ori %[[M0]], %[[BIT]] : index
// CHECK: %[[SW:[^ ]+]] = scf.index_switch %[[MASK]] -> tensor<3x2xf32>
// CHECK-NEXT: case 2 {
// CHECK:   %[[R1:[^ ]+]] = linalg.generic {indexing_maps = [#[[IN]], #[[DROP1]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%arg0 : tensor<3x2x2xf32>) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK:     arith.addf
// CHECK:   scf.yield %[[R1]] : tensor<3x2xf32>
// CHECK: }
// CHECK-NEXT: case 4 {
// CHECK:   %[[R2:[^ ]+]] = linalg.generic {indexing_maps = [#[[IN]], #[[DROP2]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0 : tensor<3x2x2xf32>) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK:   scf.yield %[[R2]] : tensor<3x2xf32>
// CHECK: }
// CHECK-NEXT: default {
// CHECK:   linalg.generic {indexing_maps = [#[[IN]], #[[DROP1]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK: }
// CHECK: return %[[SW]] : tensor<3x2xf32>
func.func @reduce_sum_runtime_axes(%x: tensor<3x2x2xf32>, %a: tensor<1xi64>) -> tensor<3x2xf32> {
  %0 = mp.reduce_sum %x, %a {keepdims = 0 : i64} : (tensor<3x2x2xf32>, tensor<1xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// ReduceMax of f16 over two runtime axes of 2x2x2 to [2]: every pair fits,
// so the cases are the masks 0b011, 0b101 and 0b110, built by OR-ing one
// bit per axis. Each case reduces in f32 and truncates to f16.
// CHECK-LABEL: func.func @reduce_max_two_axes
// CHECK: %[[M0:[^ ]+]] = arith.constant 0 : index
// CHECK: tensor.extract %arg1[%{{.*}}] : tensor<2xi64>
// CHECK: %[[B0:[^ ]+]] = arith.shli %{{.*}}, %{{.*}} : index
// CHECK: %[[M1:[^ ]+]] = arith.ori %[[M0]], %[[B0]] : index
// CHECK: tensor.extract %arg1[%{{.*}}] : tensor<2xi64>
// CHECK: %[[B1:[^ ]+]] = arith.shli %{{.*}}, %{{.*}} : index
// CHECK: %[[M2:[^ ]+]] = arith.ori %[[M1]], %[[B1]] : index
// CHECK: scf.index_switch %[[M2]] -> tensor<2xf16>
// CHECK-NEXT: case 3 {
// CHECK:   linalg.generic {{.*}}iterator_types = ["reduction", "reduction", "parallel"]} ins(%arg0 : tensor<2x2x2xf16>) outs(%{{.*}} : tensor<2xf32>)
// CHECK:     arith.extf %{{.*}} : f16 to f32
// CHECK:     arith.maximumf
// CHECK:     arith.truncf %{{.*}} : f32 to f16
// CHECK: case 5 {
// CHECK:   iterator_types = ["reduction", "parallel", "reduction"]
// CHECK: case 6 {
// CHECK:   iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: default {
func.func @reduce_max_two_axes(%x: tensor<2x2x2xf16>, %a: tensor<2xi64>) -> tensor<2xf16> {
  %0 = mp.reduce_max %x, %a {keepdims = 0 : i64} : (tensor<2x2x2xf16>, tensor<2xi64>) -> tensor<2xf16>
  return %0 : tensor<2xf16>
}

// -----

// ReduceMean with runtime axes where only one dim set ({1}) fits the
// keepdims result 2x1x4: no switch, and the axes tensor is never read.
// CHECK-LABEL: func.func @reduce_mean_one_candidate
// CHECK-NOT: scf.index_switch
// CHECK-NOT: tensor.extract %arg1
// CHECK: %[[S:[^ ]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]} ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[MEAN:[^ ]+]] = linalg.generic {{.*}} ins(%[[S]] : tensor<2x4xf32>)
// CHECK:   arith.constant 3.000000e+00 : f32
// CHECK:   arith.divf
// CHECK: %[[K:[^ ]+]] = tensor.expand_shape %[[MEAN]] {{\[\[}}0, 1], [2]] output_shape [2, 1, 4] : tensor<2x4xf32> into tensor<2x1x4xf32>
// CHECK: return %[[K]]
func.func @reduce_mean_one_candidate(%x: tensor<2x3x4xf32>, %a: tensor<1xi64>) -> tensor<2x1x4xf32> {
  %0 = mp.reduce_mean %x, %a : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
  return %0 : tensor<2x1x4xf32>
}

// -----

// BatchNormalization in training mode: batch mean and (population)
// variance over every dim but the channel (2 * 4 = 8 elements each), the
// running statistics input * momentum + batch * (1 - momentum), and the
// normalisation with the batch statistics. Three results.
// CHECK-DAG: #[[ID3:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[CH:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG: #[[ID1:map[0-9]*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @batchnorm_training
// CHECK: %[[SUM:[^ ]+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[CH]]], iterator_types = ["reduction", "parallel", "reduction"]} ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<3xf32>)
// CHECK:   arith.addf
// CHECK: %[[BM:[^ ]+]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<3xf32>)
// CHECK:   %[[N1:[^ ]+]] = arith.constant 8.000000e+00 : f32
// CHECK:   arith.divf %{{.*}}, %[[N1]] : f32
// CHECK: %[[DEV:[^ ]+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[CH]], #[[ID3]]], {{.*}} ins(%arg0, %[[BM]] : tensor<2x3x4xf32>, tensor<3xf32>) outs(%{{.*}} : tensor<2x3x4xf32>)
// CHECK:   %[[D:[^ ]+]] = arith.subf
// CHECK:   arith.mulf %[[D]], %[[D]] : f32
// CHECK: %[[SQ:[^ ]+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[CH]]], iterator_types = ["reduction", "parallel", "reduction"]} ins(%[[DEV]] : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<3xf32>)
// CHECK: %[[BV:[^ ]+]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<3xf32>)
// CHECK:   arith.constant 8.000000e+00 : f32
// CHECK:   arith.divf
// CHECK: %[[RM:[^ ]+]] = linalg.generic {indexing_maps = [#[[ID1]], #[[ID1]], #[[ID1]]], {{.*}} ins(%arg3, %[[BM]] : tensor<3xf32>, tensor<3xf32>) outs(%{{.*}} : tensor<3xf32>)
// CHECK:   %[[MOM:[^ ]+]] = arith.constant 7.500000e-01 : f32
// CHECK:   %[[OLD:[^ ]+]] = arith.mulf %{{.*}}, %[[MOM]] : f32
// CHECK:   %[[REST:[^ ]+]] = arith.constant 2.500000e-01 : f32
// CHECK:   %[[NEW:[^ ]+]] = arith.mulf %{{.*}}, %[[REST]] : f32
// CHECK:   %[[UPD:[^ ]+]] = arith.addf %[[OLD]], %[[NEW]] : f32
// CHECK:   linalg.yield %[[UPD]] : f32
// CHECK: %[[RV:[^ ]+]] = linalg.generic {{.*}} ins(%arg4, %[[BV]] : tensor<3xf32>, tensor<3xf32>) outs(%{{.*}} : tensor<3xf32>)
// CHECK:   arith.constant 7.500000e-01 : f32
// CHECK:   arith.constant 2.500000e-01 : f32
// CHECK: %[[Y:[^ ]+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[CH]], #[[CH]], #[[CH]], #[[CH]], #[[ID3]]], {{.*}} ins(%arg0, %arg1, %arg2, %[[BM]], %[[BV]] : {{.*}}) outs(%{{.*}} : tensor<2x3x4xf32>)
// CHECK:   %[[EPS:[^ ]+]] = arith.constant 9.99999974E-6 : f32
// CHECK:   %[[VE:[^ ]+]] = arith.addf %{{.*}}, %[[EPS]] : f32
// CHECK:   math.rsqrt %[[VE]] : f32
// CHECK: return %[[Y]], %[[RM]], %[[RV]] : tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>
func.func @batchnorm_training(%x: tensor<2x3x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>) {
  %Y, %rm, %rv = mp.batch_normalization %x, %s, %b, %m, %v {momentum = 0.75 : f32, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0>, training_mode = 1 : i64} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>)
  return %Y, %rm, %rv : tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// Training BatchNormalization on f16 (default momentum 0.9, 2 * 1 * 3 = 6
// elements per channel): statistics are f32, the running statistics are
// updated in f32 and stored as f16, and Y is truncated to f16.
// CHECK-LABEL: func.func @batchnorm_training_f16
// CHECK: %[[SUM:[^ ]+]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%arg0 : tensor<2x2x1x3xf16>) outs(%{{.*}} : tensor<2xf32>)
// CHECK:   arith.extf %{{.*}} : f16 to f32
// CHECK: %[[BM:[^ ]+]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<2xf32>) outs(%{{.*}} : tensor<2xf32>)
// CHECK:   arith.constant 6.000000e+00 : f32
// CHECK: %[[DEV:[^ ]+]] = linalg.generic {{.*}} ins(%arg0, %[[BM]] : tensor<2x2x1x3xf16>, tensor<2xf32>) outs(%{{.*}} : tensor<2x2x1x3xf32>)
// CHECK: %[[RM:[^ ]+]] = linalg.generic {{.*}} ins(%arg3, %[[BM]] : tensor<2xf16>, tensor<2xf32>) outs(%{{.*}} : tensor<2xf16>)
// CHECK:   arith.extf %{{.*}} : f16 to f32
// CHECK:   arith.constant 0.899999976 : f32
// CHECK:   arith.constant 1.000000e-01 : f32
// CHECK:   arith.truncf %{{.*}} : f32 to f16
// CHECK: %[[RV:[^ ]+]] = linalg.generic {{.*}} ins(%arg4, %{{.*}} : tensor<2xf16>, tensor<2xf32>) outs(%{{.*}} : tensor<2xf16>)
// CHECK: %[[Y:[^ ]+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x2x1x3xf16>)
// CHECK:   math.rsqrt
// CHECK:   arith.truncf %{{.*}} : f32 to f16
// CHECK: return %[[Y]], %[[RM]], %[[RV]]
func.func @batchnorm_training_f16(%x: tensor<2x2x1x3xf16>, %s: tensor<2xf16>, %b: tensor<2xf16>, %m: tensor<2xf16>, %v: tensor<2xf16>) -> (tensor<2x2x1x3xf16>, tensor<2xf16>, tensor<2xf16>) {
  %Y, %rm, %rv = mp.batch_normalization %x, %s, %b, %m, %v {resultSegmentSizes = array<i32: 1, 1, 1, 0, 0>, training_mode = 1 : i64} : (tensor<2x2x1x3xf16>, tensor<2xf16>, tensor<2xf16>, tensor<2xf16>, tensor<2xf16>) -> (tensor<2x2x1x3xf16>, tensor<2xf16>, tensor<2xf16>)
  return %Y, %rm, %rv : tensor<2x2x1x3xf16>, tensor<2xf16>, tensor<2xf16>
}

// -----

// Dropout with a runtime training flag and ratio: the ratio is 0 when the
// flag is false, the scale is 1 / (1 - ratio) (0 when ratio >= 1), and one
// generic yields the scaled output and the i1 keep mask, drawn from a
// 32-bit hash of the linear element index and the seed.
// CHECK-LABEL: func.func @dropout_training
// CHECK: %[[FLAG:[^ ]+]] = tensor.extract %arg2[] : tensor<i1>
// CHECK: %[[R:[^ ]+]] = tensor.extract %arg1[] : tensor<f32>
// CHECK: %[[RATIO:[^ ]+]] = arith.select %[[FLAG]], %[[R]], %{{.*}} : f32
// CHECK: %[[ALL:[^ ]+]] = arith.cmpf oge, %[[RATIO]], %{{.*}} : f32
// CHECK: %[[KEEPP:[^ ]+]] = arith.subf %{{.*}}, %[[RATIO]] : f32
// CHECK: %[[INV:[^ ]+]] = arith.divf %{{.*}}, %[[KEEPP]] : f32
// CHECK: %[[SCALE:[^ ]+]] = arith.select %[[ALL]], %{{.*}}, %[[INV]] : f32
// CHECK: %[[G:[^ ]+]]:2 = linalg.generic {{.*}} ins(%arg0 : tensor<2x3xf16>) outs(%{{.*}}, %{{.*}} : tensor<2x3xf16>, tensor<2x3xi1>) {
// CHECK:   linalg.index 0 : index
// CHECK:   linalg.index 1 : index
// CHECK:   %[[H0:[^ ]+]] = arith.index_castui %{{.*}} : index to i32
// CHECK:   arith.muli %[[H0]], %c-1640531527_i32 : i32
// Seed 7: 7 * 0x85EBCA6B + 0x27D4EB2F (mod 2^32).
// CHECK:   arith.addi %{{.*}}, %c-783846372_i32 : i32
// CHECK:   %[[S1:[^ ]+]] = arith.shrui %[[X1:[^,]+]], %c16_i32 : i32
// CHECK:   arith.xori %[[X1]], %[[S1]] : i32
// CHECK:   arith.muli %{{.*}}, %c2146121005_i32 : i32
// CHECK:   arith.shrui %{{.*}}, %c15_i32 : i32
// CHECK:   arith.xori
// CHECK:   arith.muli %{{.*}}, %c-2073254261_i32 : i32
// CHECK:   arith.shrui
// CHECK:   arith.xori
// CHECK:   %[[TOP:[^ ]+]] = arith.shrui %{{.*}}, %c8_i32 : i32
// CHECK:   %[[U:[^ ]+]] = arith.uitofp %[[TOP]] : i32 to f32
// CHECK:   %[[U01:[^ ]+]] = arith.mulf %[[U]], %{{.*}} : f32
// CHECK:   %[[KEEP:[^ ]+]] = arith.cmpf oge, %[[U01]], %[[RATIO]] : f32
// CHECK:   %[[XF:[^ ]+]] = arith.extf %{{.*}} : f16 to f32
// CHECK:   %[[XS:[^ ]+]] = arith.mulf %[[XF]], %[[SCALE]] : f32
// CHECK:   %[[Y:[^ ]+]] = arith.select %[[KEEP]], %[[XS]], %{{.*}} : f32
// CHECK:   %[[YH:[^ ]+]] = arith.truncf %[[Y]] : f32 to f16
// CHECK:   linalg.yield %[[YH]], %[[KEEP]] : f16, i1
// CHECK: } -> (tensor<2x3xf16>, tensor<2x3xi1>)
// CHECK: return %[[G]]#0, %[[G]]#1 : tensor<2x3xf16>, tensor<2x3xi1>
func.func @dropout_training(%x: tensor<2x3xf16>, %r: tensor<f32>, %t: tensor<i1>) -> (tensor<2x3xf16>, tensor<2x3xi1>) {
  %o, %m = mp.dropout %x, %r, %t {seed = 7 : i64} : (tensor<2x3xf16>, tensor<f32>, tensor<i1>) -> (tensor<2x3xf16>, tensor<2x3xi1>)
  return %o, %m : tensor<2x3xf16>, tensor<2x3xi1>
}

// -----

// 1-D MaxPool (kernel 3, stride 2, pads [1, 0]) is lifted to 2-D over a
// unit height: expand to [N, C, 1, L], pad the width on the left with
// -inf, pool with kernel [1, 3] and strides [1, 2], and collapse back.
// CHECK-LABEL: func.func @maxpool_1d
// CHECK: %[[X4:[^ ]+]] = tensor.expand_shape %arg0 {{\[\[}}0], [1], [2, 3]] output_shape [1, 3, 1, 8] : tensor<1x3x8xf32> into tensor<1x3x1x8xf32>
// CHECK: %[[NINF:[^ ]+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[P:[^ ]+]] = tensor.pad %[[X4]] low[0, 0, 0, 1] high[0, 0, 0, 0]
// CHECK:   tensor.yield %[[NINF]] : f32
// CHECK: } : tensor<1x3x1x8xf32> to tensor<1x3x1x9xf32>
// CHECK: %[[WIN:[^ ]+]] = tensor.empty() : tensor<1x3xf32>
// CHECK: %[[INIT:[^ ]+]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x3x1x4xf32>)
// CHECK: %[[POOL:[^ ]+]] = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>} ins(%[[P]], %[[WIN]] : tensor<1x3x1x9xf32>, tensor<1x3xf32>) outs(%[[INIT]] : tensor<1x3x1x4xf32>)
// CHECK: %[[Y:[^ ]+]] = tensor.collapse_shape %[[POOL]] {{\[\[}}0], [1], [2, 3]] : tensor<1x3x1x4xf32> into tensor<1x3x4xf32>
// CHECK: return %[[Y]] : tensor<1x3x4xf32>
func.func @maxpool_1d(%x: tensor<1x3x8xf32>) -> tensor<1x3x4xf32> {
  %0 = mp.max_pool %x {kernel_shape = array<i64: 3>, strides = array<i64: 2>, pads = array<i64: 1, 0>} : (tensor<1x3x8xf32>) -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// -----

// 1-D AveragePool on f16 takes the same lift; the 2-D sum pool accumulates
// in f32 and the division by the window count truncates to f16 before the
// collapse.
// CHECK-LABEL: func.func @avgpool_1d
// CHECK: %[[X4:[^ ]+]] = tensor.expand_shape %arg0 {{\[\[}}0], [1], [2, 3]] output_shape [1, 2, 1, 6] : tensor<1x2x6xf16> into tensor<1x2x1x6xf16>
// CHECK: %[[SUM:[^ ]+]] = linalg.pooling_nchw_sum {{.*}} ins(%[[X4]], %{{.*}} : tensor<1x2x1x6xf16>, tensor<1x2xf32>) outs(%{{.*}} : tensor<1x2x1x5xf32>)
// CHECK: %[[CNT:[^ ]+]] = linalg.pooling_nchw_sum {{.*}} outs(%{{.*}} : tensor<1x1x1x5xf32>)
// CHECK: %[[AVG:[^ ]+]] = linalg.generic {{.*}} ins(%[[SUM]], %[[CNT]] : tensor<1x2x1x5xf32>, tensor<1x1x1x5xf32>) outs(%{{.*}} : tensor<1x2x1x5xf16>)
// CHECK:   arith.divf
// CHECK:   arith.truncf %{{.*}} : f32 to f16
// CHECK: %[[Y:[^ ]+]] = tensor.collapse_shape %[[AVG]] {{\[\[}}0], [1], [2, 3]] : tensor<1x2x1x5xf16> into tensor<1x2x5xf16>
// CHECK: return %[[Y]] : tensor<1x2x5xf16>
func.func @avgpool_1d(%x: tensor<1x2x6xf16>) -> tensor<1x2x5xf16> {
  %0 = mp.average_pool %x {kernel_shape = array<i64: 2>} : (tensor<1x2x6xf16>) -> tensor<1x2x5xf16>
  return %0 : tensor<1x2x5xf16>
}
