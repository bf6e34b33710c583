// RUN: mp-opt %s -split-input-file -convert-mp-to-linalg | FileCheck %s

// AdamW on an FP32 master with an FP16 gradient and an FP16 copy: one
// linalg.generic reads master, gradient and moments once and writes the new
// master, the copy and the moments. Bias corrections 1 - beta^step are
// computed once outside the loop; the skip flag selects the old values.
// CHECK-LABEL: func.func @adamw
// CHECK-DAG:   %[[SKIP:.*]] = tensor.extract %arg7[] : tensor<i1>
// CHECK-DAG:   math.powf
// CHECK:       %[[R:.*]]:4 = linalg.generic
// CHECK-SAME:    ins(%arg0, %arg1, %arg2, %arg3 : tensor<4x8xf32>, tensor<4x8xf16>, tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK-SAME:    outs({{.*}} : tensor<4x8xf32>, tensor<4x8xf16>, tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK:         arith.extf %{{.*}} : f16 to f32
// CHECK:         math.sqrt
// CHECK:         %[[NP:.*]] = arith.select %[[SKIP]], %{{.*}}, %{{.*}} : f32
// CHECK:         %[[LOW:.*]] = arith.truncf %[[NP]] : f32 to f16
// CHECK:         linalg.yield %[[NP]], %[[LOW]], %{{.*}}, %{{.*}} : f32, f16, f32, f32
// CHECK:       return %[[R]]#0, %[[R]]#1, %[[R]]#2, %[[R]]#3
func.func @adamw(%p: tensor<4x8xf32>, %g: tensor<4x8xf16>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>,
                 %lr: tensor<f32>, %step: tensor<i64>, %scale: tensor<f32>, %skip: tensor<i1>)
    -> (tensor<4x8xf32>, tensor<4x8xf16>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %np, %low, %nm, %nv = mp.optimizer_update "adamw" %p, %g, m = %m, v = %v, lr = %lr, step = %step, grad_scale = %scale, skip = %skip {beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32, momentum = 0.0 : f32, weight_decay = 0.01 : f32, resultSegmentSizes = array<i32: 1, 1, 1, 1>} : (tensor<4x8xf32>, tensor<4x8xf16>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<f32>, tensor<i64>, tensor<f32>, tensor<i1>) -> (tensor<4x8xf32>, tensor<4x8xf16>, tensor<4x8xf32>, tensor<4x8xf32>)
  return %np, %low, %nm, %nv : tensor<4x8xf32>, tensor<4x8xf16>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Plain SGD: no moments, p' = p - lr * g * grad_scale.
// CHECK-LABEL: func.func @sgd
// CHECK:       linalg.generic
// CHECK-SAME:    ins(%arg0, %arg1 : tensor<3xf32>, tensor<3xf32>)
// CHECK:         %[[G:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:         %[[STEP:.*]] = arith.mulf %{{.*}}, %[[G]] : f32
// CHECK:         arith.subf %{{.*}}, %[[STEP]] : f32
func.func @sgd(%p: tensor<3xf32>, %g: tensor<3xf32>, %lr: tensor<f32>, %step: tensor<i64>,
               %scale: tensor<f32>, %skip: tensor<i1>) -> tensor<3xf32> {
  %np = mp.optimizer_update "sgd" %p, %g, lr = %lr, step = %step, grad_scale = %scale, skip = %skip {beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32, momentum = 0.0 : f32, weight_decay = 0.0 : f32, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<3xf32>, tensor<3xf32>, tensor<f32>, tensor<i64>, tensor<f32>, tensor<i1>) -> tensor<3xf32>
  return %np : tensor<3xf32>
}

// -----

// Overlapping, padded MaxPool gradient: the forward pool with indices, then an
// FP32 scatter-add of dY at each window's argmax, truncated back to f16 once.
// CHECK-LABEL: func.func @max_pool_grad
// CHECK:       tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK:       %[[POOL:.*]]:2 = linalg.generic
// CHECK:       } -> (tensor<1x2x3x3xf16>, tensor<1x2x3x3xi64>)
// CHECK:       %[[IDX:.*]] = tensor.collapse_shape %[[POOL]]#1 {{.*}} into tensor<18xi64>
// CHECK:       %[[G:.*]] = tensor.collapse_shape %arg1 {{.*}} into tensor<18xf16>
// CHECK:       %[[Z:.*]] = linalg.fill {{.*}} -> tensor<50xf32>
// CHECK:       scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[Z]]) -> (tensor<50xf32>)
// CHECK:         %[[J:.*]] = tensor.extract %[[IDX]]
// CHECK:         arith.extf
// CHECK:         tensor.extract %[[ACC]]
// CHECK:         arith.addf
// CHECK:         tensor.insert
// CHECK:       arith.truncf %{{.*}} : f32 to f16
// CHECK:       tensor.expand_shape {{.*}} into tensor<1x2x5x5xf16>
func.func @max_pool_grad(%x: tensor<1x2x5x5xf16>, %dy: tensor<1x2x3x3xf16>) -> tensor<1x2x5x5xf16> {
  %dx = mp.max_pool_grad %x, %dy {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x5x5xf16>, tensor<1x2x3x3xf16>) -> tensor<1x2x5x5xf16>
  return %dx : tensor<1x2x5x5xf16>
}

// -----

// The per-step Dropout mask: the step (truncated to i32, times 0xC2B2AE35)
// joins the seed's term of the element hash; keep when u >= ratio.
// CHECK-LABEL: func.func @dropout_mask
// CHECK:       %[[S:.*]] = tensor.extract %arg0[] : tensor<i64>
// CHECK-DAG:   %[[SEED:.*]] = arith.constant 1065620699 : i32
// CHECK-DAG:   %[[T:.*]] = arith.trunci %[[S]] : i64 to i32
// CHECK:       %[[M:.*]] = arith.muli %[[T]], %{{.*}} : i32
// CHECK:       %[[TERM:.*]] = arith.addi %[[SEED]], %[[M]] : i32
// CHECK:       %[[R:.*]] = arith.constant 1.000000e-01 : f32
// CHECK:       linalg.generic
// CHECK:         arith.index_castui
// CHECK:         arith.addi %{{.*}}, %[[TERM]] : i32
// CHECK:         arith.uitofp
// CHECK:         %[[KEEP:.*]] = arith.cmpf oge, %{{.*}}, %[[R]] : f32
// CHECK:         linalg.yield %[[KEEP]] : i1
func.func @dropout_mask(%step: tensor<i64>) -> tensor<2x3xi1> {
  %m = mp.dropout_mask %step {ratio = 0.1 : f32, seed = 4 : i64} : (tensor<i64>) -> tensor<2x3xi1>
  return %m : tensor<2x3xi1>
}

// -----

// Without mp-loss-scaling the placeholders lower to their defaults: a scale
// of 1 and no skipping.
// CHECK-LABEL: func.func @placeholders
// CHECK-DAG: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-DAG: %[[NO:.*]] = arith.constant dense<false> : tensor<i1>
// CHECK: return %[[ONE]], %[[NO]]
func.func @placeholders(%probe: tensor<f32>) -> (tensor<f32>, tensor<i1>) {
  %s = mp.loss_scale "unscale" : tensor<f32>
  %k = mp.nonfinite_skip %probe : (tensor<f32>) -> tensor<i1>
  return %s, %k : tensor<f32>, tensor<i1>
}
