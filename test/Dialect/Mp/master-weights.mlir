// RUN: mp-opt %s --mp-build-train-step="loss=mse optimizer=adam lr=0.1" --mp-autocast="target=f16 keep-io-types=1 summary=0" --mp-master-weights | FileCheck %s
// RUN: not mp-opt %s --mp-build-train-step="loss=mse optimizer=adam" --mp-master-weights 2>&1 | FileCheck %s --check-prefix=ERR

// After autocast the FP32 master w is cast to FP16 for the MatMuls of the
// forward and backward pass. mp-master-weights makes that copy state
// ("w.low"): the casts are gone, both MatMuls read the copy, and the one
// fused update writes the new master and the new copy.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[W:[^:]+]]: tensor<4x3xf32> {mp.name = "w"}
// CHECK-SAME: %[[LOW:[^:]+]]: tensor<4x3xf16> {mp.name = "w.low"})
// CHECK-SAME: tensor<4x3xf16> {mp.name = "w.low"})
// CHECK-NOT: mp.cast %[[W]]
// CHECK: mp.matmul %{{.*}}, %[[LOW]] {{.*}} : (tensor<8x4xf16>, tensor<4x3xf16>)
// CHECK-NOT: mp.cast %[[W]]
// CHECK: %[[NW:[^,]+]], %[[NLOW:[^,]+]], %{{.*}}, %{{.*}} = mp.optimizer_update "adam" %[[W]],
// CHECK-SAME: -> (tensor<4x3xf32>, tensor<4x3xf16>, tensor<4x3xf32>, tensor<4x3xf32>)
// CHECK: return {{.*}}%[[NW]], {{.*}}%[[NLOW]] :
// CHECK: func.func private @init()
// CHECK-SAME: tensor<4x3xf16> {mp.name = "w.low"})
// CHECK: mp.cast %{{.*}} {to = f16} : (tensor<4x3xf32>) -> tensor<4x3xf16>

// ERR: error: mp-master-weights: no FP32 parameter is cast to FP16/BF16; run mp-autocast on the training step first
func.func @main(%x: tensor<8x4xf32> {mp.name = "x"}) -> (tensor<8x3xf32> {mp.name = "y"}) {
  %w = mp.constant {initializer = "w", value = dense<0.5> : tensor<4x3xf32>} : () -> tensor<4x3xf32>
  %y = mp.matmul %x, %w : (tensor<8x4xf32>, tensor<4x3xf32>) -> tensor<8x3xf32>
  return %y : tensor<8x3xf32>
}
