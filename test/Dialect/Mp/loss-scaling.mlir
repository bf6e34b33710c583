// RUN: mp-opt %s --mp-build-train-step="loss=mse optimizer=sgd lr=0.1" --mp-loss-scaling="mode=dynamic growth-interval=100 min-scale=2" | FileCheck %s
// RUN: mp-opt %s --mp-build-train-step="loss=mse optimizer=sgd lr=0.1" --mp-loss-scaling="mode=static init-scale=1024" | FileCheck %s --check-prefix=STATIC
// RUN: mp-opt %s --mp-build-train-step="loss=mse optimizer=sgd lr=0.1" --mp-autocast="target=f16" --mp-master-weights --mp-loss-scaling="mode=dynamic" | FileCheck %s --check-prefix=ORDER
// RUN: not mp-opt %s --mp-loss-scaling 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: not mp-opt %s --mp-build-train-step="loss=mse optimizer=sgd" --mp-loss-scaling="backoff-factor=2" 2>&1 | FileCheck %s --check-prefix=OPT

// Dynamic: the scale and the good-step count are state. The backward pass
// starts from the scale; the updates get 1/scale and skip when the sum of
// g * 0 over the gradients is not 0 (some gradient is not finite); the new
// scale grows after growth-interval finite steps and backs off on a
// non-finite one, within [min-scale, max-scale].
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[S:[^:]+]]: tensor<f32> {mp.name = "loss_scale"}, %[[G:[^:]+]]: tensor<i64> {mp.name = "loss_scale_good_steps"})
// CHECK-SAME: tensor<f32> {mp.name = "loss_scale"}, tensor<i64> {mp.name = "loss_scale_good_steps"})
// CHECK: %[[INV:.*]] = mp.div %{{.*}}, %[[S]] : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK: mp.reshape %[[S]]
// CHECK: %[[Z:.*]] = mp.mul %{{.*}}, %{{.*}} : (tensor<4x3xf32>, tensor<f32>) -> tensor<4x3xf32>
// CHECK: %[[SUM:.*]] = mp.reduce_sum %[[Z]] {keepdims = 0 : i64}
// CHECK: %[[FIN:.*]] = mp.equal %[[SUM]], %{{.*}}
// CHECK: %[[SKIP:.*]] = mp.not %[[FIN]]
// A skipped update does not advance Adam's step count.
// CHECK: mp.where %[[SKIP]], %{{.*}}, %{{.*}} : (tensor<i1>, tensor<i64>, tensor<i64>) -> tensor<i64>
// CHECK: mp.optimizer_update "sgd" {{.*}} grad_scale = %[[INV]], skip = %[[SKIP]]
// CHECK: %[[G1:.*]] = mp.add %[[G]], %{{.*}} : (tensor<i64>, tensor<i64>) -> tensor<i64>
// CHECK: %[[GROW:.*]] = mp.equal %[[G1]], %{{.*}}
// CHECK: mp.where %[[FIN]]
// CHECK: mp.min
// CHECK: mp.max
// CHECK: %[[NS:.*]] = mp.where %[[FIN]]
// CHECK: func.func private @init()
// CHECK-SAME: tensor<f32> {mp.name = "loss_scale"}, tensor<i64> {mp.name = "loss_scale_good_steps"})
// CHECK-DAG: mp.constant {value = dense<6.553600e+04> : tensor<f32>}

// Static: a constant scale, still skipping non-finite steps; no state.
// STATIC-LABEL: func.func @main(
// STATIC-NOT: loss_scale
// STATIC: mp.constant {value = dense<1.024000e+03> : tensor<f32>}
// STATIC: mp.not
// STATIC: mp.optimizer_update "sgd"

// The issue's order, loss scaling last (after autocast and master weights):
// the state stays FP32 (autocast keeps a training step's inputs and outputs
// without keep-io-types), and the update still gets 1/scale and the skip.
// ORDER-LABEL: func.func @main(
// ORDER-SAME: %[[W:[^:]+]]: tensor<4x3xf32> {mp.name = "w"}
// ORDER-SAME: %[[LOW:[^:]+]]: tensor<4x3xf16> {mp.name = "w.low"}
// ORDER-SAME: %[[S:[^:]+]]: tensor<f32> {mp.name = "loss_scale"}
// ORDER: %[[INV:.*]] = mp.div %{{.*}}, %[[S]] : (tensor<f32>, tensor<f32>) -> tensor<f32>
// ORDER: mp.matmul %{{.*}}, %[[LOW]]
// ORDER: %[[FIN:.*]] = mp.equal
// ORDER: %[[SKIP:.*]] = mp.not %[[FIN]]
// ORDER: mp.optimizer_update "sgd" %[[W]], {{.*}} grad_scale = %[[INV]], skip = %[[SKIP]]
// ORDER-NOT: mp.loss_scale "
// ORDER-NOT: mp.nonfinite_skip

// ERR: error: mp-loss-scaling: needs a training step from mp-build-train-step with an optimizer
// OPT: error: mp-loss-scaling: needs init-scale > 0, growth-factor >= 1, 0 < backoff-factor < 1
func.func @main(%x: tensor<8x4xf32> {mp.name = "x"}) -> (tensor<8x3xf32> {mp.name = "y"}) {
  %w = mp.constant {initializer = "w", value = dense<0.5> : tensor<4x3xf32>} : () -> tensor<4x3xf32>
  %y = mp.matmul %x, %w : (tensor<8x4xf32>, tensor<4x3xf32>) -> tensor<8x3xf32>
  return %y : tensor<8x3xf32>
}
