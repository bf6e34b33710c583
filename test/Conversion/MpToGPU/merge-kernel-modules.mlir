// RUN: mp-opt %s --mp-gpu-merge-kernel-modules | FileCheck %s

// Two outlined kernels, both named @main_kernel in their own modules, end in
// the first module as @main_kernel and @main_kernel_0; the launches follow.
// CHECK: gpu.module @main_kernel {
// CHECK:   gpu.func @main_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK:   gpu.func @main_kernel_0(%{{.*}}: memref<4xf32>) kernel
// CHECK: }
// CHECK-NOT: gpu.module
// CHECK-LABEL: func.func @main
// CHECK: gpu.launch_func @main_kernel::@main_kernel blocks
// CHECK: gpu.launch_func @main_kernel::@main_kernel_0 blocks
module attributes {gpu.container_module} {
  gpu.module @main_kernel {
    gpu.func @main_kernel(%m: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @main_kernel_0 {
    gpu.func @main_kernel(%m: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @main(%m: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @main_kernel::@main_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @main_kernel_0::@main_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    return
  }
}
