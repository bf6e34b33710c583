// RUN: mp-opt %s --split-input-file --mp-gpu-map-parallel-loops --canonicalize | FileCheck %s
// RUN: mp-opt %s --split-input-file --mp-gpu-map-parallel-loops="block-size=128" --canonicalize | FileCheck %s --check-prefix=B128
// RUN: not mp-opt %s --split-input-file --mp-gpu-map-parallel-loops="block-size=100" 2>&1 | FileCheck %s --check-prefix=BAD

// A 64x300 element-wise loop: 19200 threads in blocks of 256 (75 blocks),
// a bounds check, and the innermost dim taken from the thread's linear id,
// so that a warp reads 32 adjacent elements.
// CHECK-LABEL: func.func @ew
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[C300:.*]] = arith.constant 300 : index
// CHECK-DAG: %[[TOTAL:.*]] = arith.constant 19200 : index
// CHECK-DAG: %[[BLOCKS:.*]] = arith.constant 75 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCKS]], %{{.*}} = %c1, %{{.*}} = %c1) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C256]], %{{.*}} = %c1, %{{.*}} = %c1)
// CHECK: %[[B:.*]] = arith.muli %[[BX]], %[[C256]]
// CHECK: %[[LIN:.*]] = arith.addi %[[B]], %[[TX]]
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[LIN]], %[[TOTAL]]
// CHECK: scf.if %[[IN]]
// CHECK:   %[[J:.*]] = arith.remsi %[[LIN]], %[[C300]]
// CHECK:   %[[I:.*]] = arith.divsi %[[LIN]], %[[C300]]
// CHECK:   memref.load %arg0[%[[I]], %[[J]]] : memref<64x300xf16>
// CHECK:   memref.store %{{.*}}, %arg1[%[[I]], %[[J]]] : memref<64x300xf32>
// CHECK: gpu.terminator
// CHECK-NOT: scf.parallel
// B128-LABEL: func.func @ew
// B128: gpu.launch blocks({{.*}}) in (%{{.*}} = %c150, {{.*}} threads({{.*}}) in (%{{.*}} = %c128,
// BAD: error: mp-gpu-map-parallel-loops: block-size must be a positive multiple of 32, got 100
func.func @ew(%a: memref<64x300xf16>, %b: memref<64x300xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c300 = arith.constant 300 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c300) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<64x300xf16>
    %y = arith.extf %x : f16 to f32
    memref.store %y, %b[%i, %j] : memref<64x300xf32>
    scf.reduce
  }
  return
}

// -----

// A row reduction: one thread per row runs the inner loop; a parallel loop
// with its own reduction (scf.reduce with operands) stays on the host.
// CHECK-LABEL: func.func @rows
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c1, {{.*}} threads({{.*}}) in (%{{.*}} = %c256,
// CHECK:   scf.if
// CHECK:     scf.for
// CHECK: scf.parallel
// CHECK:   scf.reduce(%{{.*}} : f32)
func.func @rows(%a: memref<64x300xf32>, %s: memref<64xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c300 = arith.constant 300 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %r = scf.for %j = %c0 to %c300 step %c1 iter_args(%acc = %zero) -> f32 {
      %x = memref.load %a[%i, %j] : memref<64x300xf32>
      %n = arith.addf %acc, %x : f32
      scf.yield %n : f32
    }
    memref.store %r, %s[%i] : memref<64xf32>
    scf.reduce
  }
  %t = scf.parallel (%i) = (%c0) to (%c64) step (%c1) init (%zero) -> f32 {
    %x = memref.load %s[%i] : memref<64xf32>
    scf.reduce(%x : f32) {
    ^bb0(%l: f32, %r: f32):
      %sum = arith.addf %l, %r : f32
      scf.reduce.return %sum : f32
    }
  }
  return %t : f32
}

// -----

// Host scalar code: the loss-scale update (loads, a select, a store) runs as
// a single-thread kernel; the step count that only a kernel uses is loaded
// inside that kernel. Nothing on the host touches memory any more, so the
// function waits only before it returns (mpcudaDeferSync).
// CHECK-LABEL: func.func private @mpcudaDeferSync(i32)
// CHECK-LABEL: func.func @scalars
// CHECK-SAME: attributes {mp.device_only}
// CHECK: call @mpcudaDeferSync(%c1_i32)
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c1, %{{.*}} = %c1, %{{.*}} = %c1) threads({{.*}}) in (%{{.*}} = %c1, %{{.*}} = %c1, %{{.*}} = %c1)
// CHECK:   %[[OK:.*]] = memref.load %arg1[] : memref<i1>
// CHECK:   %[[SC:.*]] = memref.load %arg2[] : memref<f32>
// CHECK:   %[[HALF:.*]] = arith.mulf %[[SC]]
// CHECK:   %[[NEW:.*]] = arith.select %[[OK]], %[[SC]], %[[HALF]] : f32
// CHECK:   memref.store %[[NEW]], %arg3[] : memref<f32>
// CHECK: gpu.launch
// CHECK:   %[[STEP:.*]] = memref.load %arg4[] : memref<i64>
// CHECK:   arith.sitofp %[[STEP]]
// CHECK: call @mpcudaDeferSync(%c0_i32)
// CHECK-NEXT: return
func.func @scalars(%g: memref<256xf32>, %ok: memref<i1>, %scale: memref<f32>, %newScale: memref<f32>,
                   %step: memref<i64>, %out: memref<256xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %half = arith.constant 0.5 : f32
  %o = memref.load %ok[] : memref<i1>
  %s = memref.load %scale[] : memref<f32>
  %h = arith.mulf %s, %half : f32
  %n = arith.select %o, %s, %h : f32
  memref.store %n, %newScale[] : memref<f32>
  %t = memref.load %step[] : memref<i64>
  %tf = arith.sitofp %t : i64 to f32
  scf.parallel (%i) = (%c0) to (%c256) step (%c1) {
    %x = memref.load %g[%i] : memref<256xf32>
    %y = arith.mulf %x, %tf : f32
    memref.store %y, %out[%i] : memref<256xf32>
    scf.reduce
  }
  return
}
