// RUN: mp-opt %s --split-input-file --verify-diagnostics --mp-gpu-emulate-launches --canonicalize | FileCheck %s

// A launch becomes loops over the grid and the block (blocks outermost,
// thread x innermost); the body reads the loop variables as its ids.
// CHECK-LABEL: func.func @kernel
// CHECK-NOT: gpu.launch
// CHECK: scf.for %[[BX:.*]] = %c0 to %c75 step %c1 {
// CHECK:   scf.for %[[TX:.*]] = %c0 to %c256 step %c1 {
// CHECK:     %[[B:.*]] = arith.muli %[[BX]], %c256
// CHECK:     %[[LIN:.*]] = arith.addi %[[B]], %[[TX]]
// CHECK:     memref.store %{{.*}}, %arg0[%[[LIN]]]
func.func @kernel(%out: memref<19200xf32>) {
  %c1 = arith.constant 1 : index
  %c75 = arith.constant 75 : index
  %c256 = arith.constant 256 : index
  %one = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c75, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %b = arith.muli %bx, %sx : index
    %lin = arith.addi %b, %tx : index
    memref.store %one, %out[%lin] : memref<19200xf32>
    gpu.terminator
  }
  return
}

// -----

// Kernels that synchronise their threads cannot run as sequential loops.
func.func @barrier(%out: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{mp-gpu-emulate-launches: kernels with barriers are not emulated}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    gpu.barrier
    gpu.terminator
  }
  return
}
