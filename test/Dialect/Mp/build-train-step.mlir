// RUN: mp-opt %s --split-input-file --mp-build-train-step="loss=mse" --canonicalize | FileCheck %s
// RUN: mp-opt %s --split-input-file --mp-build-train-step="loss=cross-entropy labels=y" --canonicalize | FileCheck %s --check-prefix=CE
// RUN: mp-opt %s --split-input-file --mp-build-train-step="loss=mse optimizer=adamw lr=0.01" | FileCheck %s --check-prefix=OPT
// RUN: mp-opt %s --split-input-file --mp-build-train-step="loss=mse optimizer=sgd accumulate=4 clip-norm=1.5" | FileCheck %s --check-prefix=ACC

// MSE on y = x W + b: the initializers become arguments after the labels,
// the results are (loss, w_grad, b_grad). dL/dy = 2 (y - t) / 24; the bias
// gradient sums it over the broadcast batch dim; dW = x^T dL/dy.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:[^:]+]]: tensor<8x4xf32> {mp.name = "x"}, %[[T:[^:]+]]: tensor<8x3xf32> {mp.name = "labels"}, %[[W:[^:]+]]: tensor<4x3xf32> {mp.name = "w"}, %[[B:[^:]+]]: tensor<3xf32> {mp.name = "b"})
// CHECK-SAME: -> (tensor<f32> {mp.name = "loss"}, tensor<4x3xf32> {mp.name = "w_grad"}, tensor<3xf32> {mp.name = "b_grad"})
// CHECK-DAG: %[[INV:.*]] = mp.constant {value = dense<0.0416666679> : tensor<f32>, mp.keep_f32}
// CHECK: %[[M:.*]] = mp.matmul %[[X]], %[[W]]
// CHECK: %[[Y:.*]] = mp.add %[[M]], %[[B]]
// The loss's ops and their gradients are pinned to FP32 (mp.keep_f32): the
// backward pass starts from the loss scale, which FP16 cannot hold.
// CHECK: %[[D:.*]] = mp.sub %[[Y]], %[[T]] {mp.keep_f32}
// CHECK: %[[SQ:.*]] = mp.mul %[[D]], %[[D]] {mp.keep_f32}
// CHECK: %[[LOSS:.*]] = mp.reduce_mean %[[SQ]] {keepdims = 0 : i64, mp.keep_f32}
// The seed dL/dL is mp.loss_scale "seed": 1, or the scale once
// mp-loss-scaling has run.
// CHECK: %[[SEED:.*]] = mp.loss_scale "seed" : tensor<f32>
// CHECK: mp.reshape %[[SEED]]
// CHECK: mp.mul %{{.*}}, %[[INV]] {mp.keep_f32}
// CHECK: %[[GY:.*]] = mp.add {{.*}} {mp.keep_f32}
// CHECK: %[[GB:.*]] = mp.reduce_sum %[[GY]] {axes = array<i64: 0>, keepdims = 1 : i64} : (tensor<8x3xf32>) -> tensor<1x3xf32>
// CHECK: %[[GB1:.*]] = mp.reshape %[[GB]], %{{.*}} : (tensor<1x3xf32>, tensor<1xi64>) -> tensor<3xf32>
// CHECK: %[[XT:.*]] = mp.transpose %[[X]] {perm = array<i64: 1, 0>}
// CHECK: %[[GW:.*]] = mp.matmul %[[XT]], %[[GY]] : (tensor<4x8xf32>, tensor<8x3xf32>) -> tensor<4x3xf32>
// CHECK: return %[[LOSS]], %[[GW]], %[[GB1]]

// Cross-entropy: int64 labels named by `labels=`, a one-hot from Equal
// against Range, -mean(sum(onehot * log_softmax)); the logits' gradient
// comes back through LogSoftmax's rule.
// CE-LABEL: func.func @main(
// CE-SAME: tensor<8xi64> {mp.name = "y"}
// CE: mp.unsqueeze
// CE: mp.range
// CE: mp.equal {{.*}} -> tensor<8x3xi1>
// CE: mp.cast {{.*}} {to = f32, mp.keep_f32}
// CE: %[[LSM:.*]] = mp.log_softmax %{{.*}} {axis = 1 : i64, mp.keep_f32}
// CE: mp.reduce_sum {{.*}} {axes = array<i64: 1>, keepdims = 0 : i64, mp.keep_f32}
// CE: mp.reduce_mean
// CE: %[[LOSS:.*]] = mp.neg
// CE: mp.exp %[[LSM]]
// CE: return %[[LOSS]]
func.func @main(%x: tensor<8x4xf32> {mp.name = "x"}) -> (tensor<8x3xf32> {mp.name = "y"}) {
  %w = mp.constant {initializer = "w", value = dense<0.5> : tensor<4x3xf32>} : () -> tensor<4x3xf32>
  %b = mp.constant {initializer = "b", value = dense<0.1> : tensor<3xf32>} : () -> tensor<3xf32>
  %m = mp.matmul %x, %w : (tensor<8x4xf32>, tensor<4x3xf32>) -> tensor<8x3xf32>
  %y = mp.add %m, %b : (tensor<8x3xf32>, tensor<3xf32>) -> tensor<8x3xf32>
  return %y : tensor<8x3xf32>
}

// With an optimizer the step is functional: parameters, moments (.m, .v)
// and the step counter come in and go out under the same names, one fused
// update per parameter with step + 1; @inference keeps the original graph
// and @init the initial state (the initializers, zero moments, step 0).
// OPT-LABEL: func.func @main(
// OPT-SAME: {mp.name = "w"}, %{{[^:]+}}: tensor<3xf32> {mp.name = "b"}, %[[WM:[^:]+]]: tensor<4x3xf32> {mp.name = "w.m"}, %{{[^:]+}}: tensor<3xf32> {mp.name = "b.m"}, %[[WV:[^:]+]]: tensor<4x3xf32> {mp.name = "w.v"}, %{{[^:]+}}: tensor<3xf32> {mp.name = "b.v"}, %[[STEP:[^:]+]]: tensor<i64> {mp.name = "step"})
// OPT-SAME: -> (tensor<f32> {mp.name = "loss"}, tensor<4x3xf32> {mp.name = "w"}, tensor<3xf32> {mp.name = "b"}, tensor<4x3xf32> {mp.name = "w.m"}, tensor<3xf32> {mp.name = "b.m"}, tensor<4x3xf32> {mp.name = "w.v"}, tensor<3xf32> {mp.name = "b.v"}, tensor<i64> {mp.name = "step"})
// OPT: %[[NEXT:.*]] = mp.add %[[STEP]], %{{.*}} : (tensor<i64>, tensor<i64>) -> tensor<i64>
// OPT: mp.optimizer_update "adamw" %{{.*}}, %{{.*}}, m = %[[WM]], v = %[[WV]], lr = %{{.*}}, step = %[[NEXT]]
// OPT-SAME: weight_decay = 0.00999999977 : f32
// OPT: mp.optimizer_update "adamw"
// OPT: func.func private @inference(%{{.*}}: tensor<8x4xf32> {mp.name = "x"}) -> (tensor<8x3xf32> {mp.name = "y"})
// OPT: mp.constant {initializer = "w", value = dense<5.000000e-01>
// OPT: func.func private @init() -> (tensor<4x3xf32> {mp.name = "w"}, tensor<3xf32> {mp.name = "b"}, tensor<4x3xf32> {mp.name = "w.m"}, tensor<3xf32> {mp.name = "b.m"}, tensor<4x3xf32> {mp.name = "w.v"}, tensor<3xf32> {mp.name = "b.v"}, tensor<i64> {mp.name = "step"})
// OPT-DAG: mp.constant {initializer = "w", value = dense<5.000000e-01> : tensor<4x3xf32>}
// OPT-DAG: mp.constant {value = dense<0> : tensor<i64>}

// Gradient accumulation: FP32 sums per parameter and a count are state;
// each step adds the unscaled gradient (dropping a non-finite one), every
// 4th applies the mean (grad_scale 1/4, times the clip coefficient computed
// on the mean) and restarts; the other steps skip the update.
// ACC-LABEL: func.func @main(
// ACC-SAME: %[[WACC:[^:]+]]: tensor<4x3xf32> {mp.name = "w.acc"}
// ACC-SAME: %[[CNT:[^:]+]]: tensor<i64> {mp.name = "accumulation_step"})
// ACC-SAME: tensor<4x3xf32> {mp.name = "w.acc"}, tensor<3xf32> {mp.name = "b.acc"}, tensor<i64> {mp.name = "accumulation_step"})
// A micro-batch whose gradients are not finite (mp.nonfinite_skip over the
// probe: false until mp-loss-scaling) is not added.
// ACC: %[[NF:.*]] = mp.nonfinite_skip %{{.*}} : (tensor<f32>) -> tensor<i1>
// ACC: %[[C1:.*]] = mp.add %[[CNT]], %{{.*}} : (tensor<i64>, tensor<i64>) -> tensor<i64>
// ACC: %[[APPLY:.*]] = mp.equal %[[C1]], %{{.*}}
// ACC: %[[SUM:.*]] = mp.add %[[WACC]], %{{.*}} : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
// ACC: %[[KEPT:.*]] = mp.where %[[NF]], %[[WACC]], %[[SUM]]
// ACC: mp.where %[[APPLY]], %{{.*}}, %[[KEPT]]
// ACC: mp.constant {value = dense<2.500000e-01> : tensor<f32>}
// ACC: %[[NOT:.*]] = mp.not %[[APPLY]]
// ACC: %[[SKIP:.*]] = mp.or %[[NF]], %[[NOT]]
// ACC: mp.sqrt
// ACC: mp.min
// ACC: mp.optimizer_update "sgd" %{{.*}}, %[[KEPT]], {{.*}} skip = %[[SKIP]]
