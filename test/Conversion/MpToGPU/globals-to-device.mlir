// RUN: mp-opt %s --mp-gpu-globals-to-device | FileCheck %s

// A constant global read by host code (here to pass its address on, as a
// kernel launch does) is reached through the runtime's cached device copy,
// sized from the global's type (128 x 10 x f32 = 5120 bytes). Kernel
// modules and mutable globals are left alone.
// CHECK-LABEL: llvm.func @main
// CHECK: %[[H:.*]] = llvm.mlir.addressof @__constant_128x10xf32 : !llvm.ptr
// CHECK: %[[N:.*]] = llvm.mlir.constant(5120 : i64) : i64
// CHECK: %[[D:.*]] = llvm.call @mpcudaDeviceGlobal(%[[H]], %[[N]]) : (!llvm.ptr, i64) -> !llvm.ptr
// CHECK: llvm.call @use(%[[D]])
// CHECK: %[[M:.*]] = llvm.mlir.addressof @counter : !llvm.ptr
// CHECK: llvm.call @use(%[[M]])
// CHECK: llvm.func @mpcudaDeviceGlobal(!llvm.ptr, i64) -> !llvm.ptr
module {
  llvm.mlir.global private constant @__constant_128x10xf32(dense<1.0> : tensor<128x10xf32>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<128 x array<10 x f32>>
  llvm.mlir.global private @counter(0 : i64) : i64
  llvm.func @use(!llvm.ptr)
  llvm.func @main() {
    %0 = llvm.mlir.addressof @__constant_128x10xf32 : !llvm.ptr
    llvm.call @use(%0) : (!llvm.ptr) -> ()
    %1 = llvm.mlir.addressof @counter : !llvm.ptr
    llvm.call @use(%1) : (!llvm.ptr) -> ()
    llvm.return
  }
}
