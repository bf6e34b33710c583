// RUN: mp-opt %s --split-input-file --verify-diagnostics --mp-build-train-step="loss=mse"
// RUN: not mp-opt %s --split-input-file --mp-build-train-step="loss=hinge" 2>&1 | FileCheck %s --check-prefix=LOSS
// RUN: not mp-opt %s --split-input-file --mp-build-train-step="optimizer=lamb" 2>&1 | FileCheck %s --check-prefix=OPT
// RUN: not mp-opt %s --split-input-file --mp-build-train-step="loss=mse output=nosuch" 2>&1 | FileCheck %s --check-prefix=OUT

// LOSS: error: mp-build-train-step: unknown loss 'hinge' (cross-entropy, mse or output:<name>)
// OPT: error: mp-build-train-step: unknown optimizer 'lamb' (none, sgd, momentum, adam, adamw)
// OUT: error: mp-build-train-step: no graph output named 'nosuch'

// An op without a rule between a parameter and the loss is reported at the
// op.
func.func @main(%x: tensor<1x1x4x4xf32> {mp.name = "x"}) -> (tensor<1x1x4x4xf32> {mp.name = "y"}) {
  %w = mp.constant {initializer = "w", value = dense<0.5> : tensor<1x1x4x4xf32>} : () -> tensor<1x1x4x4xf32>
  %m = mp.mul %x, %w : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  // expected-error @+1 {{'mp.onnx_op' op has no gradient rule, but the loss depends on a parameter through it}}
  %p = mp.onnx_op ""::"Celu" %m : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  return %p : tensor<1x1x4x4xf32>
}

// -----

// A rule that does not cover the op's attributes says why.
func.func @main(%x: tensor<1x1x5x5xf32> {mp.name = "x"}) -> (tensor<1x1x3x3xf32> {mp.name = "y"}) {
  %w = mp.constant {initializer = "w", value = dense<0.5> : tensor<1x1x5x5xf32>} : () -> tensor<1x1x5x5xf32>
  %m = mp.mul %x, %w : (tensor<1x1x5x5xf32>, tensor<1x1x5x5xf32>) -> tensor<1x1x5x5xf32>
  // expected-error @+1 {{'mp.average_pool' op has no gradient: padding not counted, ceil_mode, auto_pad or dilations}}
  %p = mp.average_pool %m {dilations = array<i64: 2, 2>, kernel_shape = array<i64: 2, 2>} : (tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32>
  return %p : tensor<1x1x3x3xf32>
}

// -----

// A loss that depends on no float initializer has nothing to train.
// expected-error @+1 {{mp-build-train-step: the loss depends on no float initializer}}
module {
  func.func @main(%x: tensor<2x3xf32> {mp.name = "x"}) -> (tensor<2x3xf32> {mp.name = "y"}) {
    %y = mp.relu %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
    return %y : tensor<2x3xf32>
  }
}
