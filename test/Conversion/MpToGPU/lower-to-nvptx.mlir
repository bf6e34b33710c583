// The whole pipeline on an f16 MatMul + bias + Relu + Softmax, as autocast
// leaves it: the PTX, the host side's launches and library call, and bad
// options.
// RUN: mp-opt %s --mp-lower-to-nvptx -o - --emit=ptx | FileCheck %s --check-prefix=PTX
// RUN: mp-opt %s --mp-lower-to-nvptx="chip=sm_80" --emit=ptx -o - | FileCheck %s --check-prefix=SM80
// RUN: mp-opt %s --mp-lower-to-nvptx | FileCheck %s --check-prefix=HOST
// RUN: not mp-opt %s --mp-lower-to-nvptx="chip=sm_60" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not mp-opt %s --mp-lower-to-nvptx="format=elf" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not mp-opt %s -o %t.ptx 2>&1 | FileCheck %s --check-prefix=NOPTX
// RUN: mp-opt %s --mp-lower-to-nvptx -o %t.ptx && FileCheck %s --check-prefix=FILE --input-file=%t.ptx

// One PTX module for sm_90 (PTX ISA 8.0). f16 tensors move as 16-bit loads
// and stores; the softmax's exponentials and sums run in f32 after a
// cvt.f32.f16; the bias add and Relu are f16 arithmetic in the kernel that
// also rounds the GEMM's f32 result (cvt.rn.f16.f32): no separate cast pass.
// PTX: .version 8.0
// PTX: .target sm_90
// PTX-NOT: .version
// PTX: .visible .entry main_kernel(
// PTX: .maxntid 256, 1, 1
// PTX-DAG: ld.global.b16
// PTX-DAG: cvt.rn.f16.f32
// PTX-DAG: add.rn.f16
// PTX-DAG: max.NaN.f16
// PTX-DAG: st.global.b16
// PTX: .visible .entry main_kernel_1(
// PTX: cvt.f32.f16
// PTX: atom.{{.*}}cas.b32
// PTX: .visible .entry main_kernel_2(
// PTX: ex2.approx
// SM80: .version 7.0
// SM80: .target sm_80

// The host launches kernels through the runtime: 1-D grids of 256-thread
// blocks, and the f16 GEMM (64x256x128, f32 accumulator) is a cuBLASLt call.
// Buffers come from the runtime's allocator (managed memory), not malloc.
// HOST-NOT: llvm.func @malloc
// HOST-DAG: llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
// HOST-DAG: llvm.func @mpcudaMatmulI64(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i32, i32, i32, i32, i32)
// HOST: llvm.func @main(
// HOST-DAG: %[[C64:.*]] = llvm.mlir.constant(64 : index) : i64
// HOST-DAG: %[[C256:.*]] = llvm.mlir.constant(256 : index) : i64
// HOST-DAG: %[[ONE:.*]] = llvm.mlir.constant(1 : index) : i64
// HOST-DAG: %[[C8:.*]] = llvm.mlir.constant(8 : index) : i64
// HOST-DAG: %[[M:.*]] = llvm.mlir.constant(64 : i64) : i64
// HOST-DAG: %[[N:.*]] = llvm.mlir.constant(256 : i64) : i64
// HOST-DAG: %[[K:.*]] = llvm.mlir.constant(128 : i64) : i64
// HOST-DAG: %[[B:.*]] = llvm.mlir.constant(1 : i64) : i64
// HOST: llvm.call @mpcudaMatmulI64(%{{.*}}, %{{.*}}, %{{.*}}, %[[M]], %[[N]], %[[K]], %[[B]],
// The bias + Relu kernel: 64 blocks of 256 threads over the 64x256 output.
// HOST: gpu.launch_func @main_kernel::@main_kernel blocks in (%[[C64]], %[[ONE]], %[[ONE]]) threads in (%[[C256]], %[[ONE]], %[[ONE]]) : i64
// The softmax: a fill of the 64 row maxima (one block), then the row max
// with 32 lanes per row (64 x 32 threads: 8 blocks), each lane reading
// every 32nd element of its row and combining atomically.
// HOST: gpu.launch_func @main_kernel::@main_kernel_0 blocks in (%[[ONE]], %[[ONE]], %[[ONE]]) threads in (%[[C256]], %[[ONE]], %[[ONE]]) : i64
// HOST: gpu.launch_func @main_kernel::@main_kernel_1 blocks in (%[[C8]], %[[ONE]], %[[ONE]]) threads in (%[[C256]], %[[ONE]], %[[ONE]]) : i64
// HOST: gpu.binary @main_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">
// CHIP: mp-lower-to-nvptx: chip must be sm_70 or newer (sm_70 ... sm_90, sm_90a), got 'sm_60'
// FORMAT: mp-lower-to-nvptx: format must be isa (PTX), bin (cubin) or fatbin, got 'elf'
// NOPTX: error: --emit=ptx: the module has no PTX; lower it with --mp-lower-to-nvptx (format=isa, the default) first
// FILE: .target sm_90
func.func @main(%x: tensor<64x128xf16>, %w: tensor<128x256xf16>, %b: tensor<256xf16>) -> tensor<64x256xf16> {
  %m = mp.matmul %x, %w {mp.acc_type = f32} : (tensor<64x128xf16>, tensor<128x256xf16>) -> tensor<64x256xf16>
  %a = mp.add %m, %b : (tensor<64x256xf16>, tensor<256xf16>) -> tensor<64x256xf16>
  %r = mp.relu %a : (tensor<64x256xf16>) -> tensor<64x256xf16>
  %s = mp.softmax %r {axis = 1 : i64} : (tensor<64x256xf16>) -> tensor<64x256xf16>
  return %s : tensor<64x256xf16>
}
