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
