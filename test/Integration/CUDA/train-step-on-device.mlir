// A mixed-precision training step (AdamW, dynamic loss scaling, FP16
// autocast, FP32 masters) lowered for the GPU, checked without a GPU: every
// memory access of the step is in a kernel (the all-finite check is an
// atomic-add kernel, the loss-scale update and skip decision a single-thread
// kernel), so @main is device-only and waits for the GPU once, at its end.
// RUN: mp-opt %s --mp-build-train-step="loss=cross-entropy labels=y optimizer=adamw lr=1e-3" --mp-loss-scaling="mode=dynamic" --mp-autocast="target=f16 keep-io-types=1" --mp-master-weights --mp-lower-to-nvptx 2>/dev/null | FileCheck %s
// RUN: mp-opt %s --mp-build-train-step="loss=cross-entropy labels=y optimizer=adamw lr=1e-3" --mp-loss-scaling="mode=dynamic" --mp-autocast="target=f16 keep-io-types=1" --mp-master-weights --mp-lower-to-nvptx --emit=ptx -o - 2>/dev/null | FileCheck %s --check-prefix=PTX

// CHECK-LABEL: llvm.func @main(
// CHECK-SAME: attributes {mp.device_only}
// CHECK: llvm.call @mpcudaDeferSync
// CHECK-NOT: llvm.load
// CHECK-NOT: llvm.store
// CHECK: llvm.call @mpcudaMatmulI64
// CHECK-NOT: llvm.load
// CHECK-NOT: llvm.store
// CHECK: llvm.call @mpcudaDeferSync
// CHECK-NOT: llvm.call
// CHECK: llvm.return
// CHECK-LABEL: llvm.func @inference(

// The FP16 forward and backward kernels, the f32 atomic sums, and the
// master-weight update writing both the FP32 master and its FP16 copy.
// PTX-DAG: atom.global.add.f32
// PTX-DAG: ld.global.b16
// PTX-DAG: cvt.f32.f16
// PTX-DAG: cvt.rn.f16.f32
// PTX-DAG: sqrt.{{approx|rn}}.f32
func.func @main(%x: tensor<32x64xf32> {mp.name = "x"}) -> (tensor<32x10xf32> {mp.name = "logits"}) {
  %w1 = mp.constant {initializer = "w1", value = dense<0.05> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
  %b1 = mp.constant {initializer = "b1", value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %w2 = mp.constant {initializer = "w2", value = dense<0.05> : tensor<64x10xf32>} : () -> tensor<64x10xf32>
  %h = mp.gemm %x, %w1, %b1 : (tensor<32x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %r = mp.relu %h : (tensor<32x64xf32>) -> tensor<32x64xf32>
  %y = mp.matmul %r, %w2 : (tensor<32x64xf32>, tensor<64x10xf32>) -> tensor<32x10xf32>
  return %y : tensor<32x10xf32>
}
