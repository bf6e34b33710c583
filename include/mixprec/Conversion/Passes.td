//===- Passes.td - mixprec conversion passes ---------------*- tablegen -*-===//

#ifndef MIXPREC_CONVERSION_PASSES_TD
#define MIXPREC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMpToLinalg : Pass<"convert-mp-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower mp ops to linalg, tensor, arith and math";
  let description = [{
    Rewrites mp ops into linalg.generic / named linalg ops on tensors, with
    arith and math in their bodies. Element types are kept exactly as
    assigned: an f16 op computes in f16, and MatMul, Gemm, reductions,
    softmax and normalisations whose storage is f16/bf16 accumulate in f32
    inside the linalg body (arith.extf on the loaded elements), with no
    separate cast ops. Ops without a pattern are left in place and reported
    by the conversion (see docs/cpu-execution.md for the covered subset).

    Input:
    ```mlir
    %0 = mp.add %a, %b : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
    ```
    Output:
    ```mlir
    %e = tensor.empty() : tensor<2x3xf16>
    %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                          affine_map<(d0, d1) -> (d1)>,
                                          affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%a, %b : tensor<2x3xf16>, tensor<3xf16>) outs(%e : tensor<2x3xf16>) {
    ^bb0(%x: f16, %y: f16, %o: f16):
      %s = arith.addf %x, %y : f16
      linalg.yield %s : f16
    } -> tensor<2x3xf16>
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def MpTileAndVectorize : Pass<"mp-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Register-block and vectorize linalg contractions for the CPU";
  let description = [{
    Blocks every static linalg contraction that convert-mp-to-linalg emits
    (MatMul, Gemm, and the per-group matmul of the im2col Conv) with
    upstream transforms, so the JIT gets an FMA micro-kernel instead of a
    scalar loop nest:

    1. `scf::tileUsingSCF` tiles the innermost M dim by `m-tile`, the
       innermost N dim by `n-tile` and the innermost reduction dim by
       `k-tile` (all other dims by 1), with the reduction loops innermost;
    2. loops that the tile does not divide are peeled, so the main loop
       has full static tiles; remainders stay scalar linalg;
    3. `linalg::vectorize` turns each full tile into `vector.contract`;
    4. `hoistLoopInvariantSubsets` moves the accumulator read/write out of
       the reduction loop, keeping the M x N block in registers across K;
    5. the contraction is lowered to outer products (`vector.fma`).

    Element types are unchanged: an f16 x f16 -> f32 tile keeps f16 loads
    and extends in registers. Contractions smaller than one tile, and
    those with dynamic loop ranges, are left as they are.

    Input (a 64x64x64 matmul as convert-mp-to-linalg emits it):
    ```mlir
    %0 = linalg.generic {indexing_maps = [(m, k, n) -> (m, k), (m, k, n) -> (k, n),
                                          (m, k, n) -> (m, n)],
                         iterator_types = ["parallel", "reduction", "parallel"]}
        ins(%a, %b : tensor<64x64xf32>, tensor<64x64xf32>)
        outs(%acc : tensor<64x64xf32>) { mulf, addf }
    ```
    Output (schematically):
    ```mlir
    scf.for %m = 0 to 64 step 8 {
      scf.for %n = 0 to 64 step 32 {
        %c0 = vector.transfer_read %acc[%m, %n] : vector<8x32xf32>
        %c = scf.for %k = 0 to 64 iter_args(%c1 = %c0) -> vector<8x32xf32> {
          %a = vector.transfer_read %a[%m, %k] ...
          %b = vector.transfer_read %b[%k, %n] : vector<32xf32>
          // 8 x vector.fma over vector<32xf32>
        }
        vector.transfer_write %c, %acc[%m, %n]
      }
    }
    ```
  }];
  let options = [
    Option<"mTile", "m-tile", "int64_t", /*default=*/"8",
           "Rows of the register block (innermost M dim)">,
    Option<"nTile", "n-tile", "int64_t", /*default=*/"32",
           "Columns of the register block (innermost N dim); a multiple of "
           "the vector width">,
    Option<"kTile", "k-tile", "int64_t", /*default=*/"1",
           "Reduction steps per vector.contract">,
  ];
  let dependentDialects = ["::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def MpGpuLibraryCalls : Pass<"mp-gpu-library-calls", "::mlir::func::FuncOp"> {
  let summary = "Turn GEMM and batched GEMM contractions into cuBLASLt calls";
  let description = [{
    Runs on bufferized code (memrefs). Each `linalg.generic` that is a
    matrix product, `C[b, m, n] = sum_k A[b, m, k] * B[b, k, n]` with any of
    the operands transposed or broadcast over the batch, f16/bf16/f32 inputs
    (extended to f32 in the body) and an f16/bf16/f32 accumulator, and whose
    operands have identity-strided layouts, becomes a call to the runtime's
    `mpcudaMatmulI64` (cuBLASLt, FP32 compute). The call receives the
    operands' byte addresses, the sizes, the batch strides and the types.
    The accumulator's initial value (the linalg.fill of zeros that
    convert-mp-to-linalg emits) must be zero, and the fill is removed (the
    call overwrites C); other contractions stay linalg and become kernels.

    Before:
    ```mlir
    linalg.fill ins(%zero : f32) outs(%c : memref<64x256xf32>)
    linalg.generic {indexing_maps = [(m, k, n) -> (m, k), (m, k, n) -> (k, n),
                                     (m, k, n) -> (m, n)], ...}
        ins(%a, %b : memref<64x128xf16>, memref<128x256xf16>)
        outs(%c : memref<64x256xf32>) { extf, extf, mulf, addf }
    ```
    After:
    ```mlir
    %pa = memref.extract_aligned_pointer_as_index %a : memref<64x128xf16> -> index
    ...
    func.call @mpcudaMatmulI64(%pa_i64, %pb_i64, %pc_i64, %c64, %c256, %c128, %c1,
                               %c0, %c0, %c0, %false, %false, %f16, %f16, %f32)
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def MpGpuMapParallelLoops : Pass<"mp-gpu-map-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Map each outermost scf.parallel to a 1-D gpu.launch";
  let description = [{
    Each outermost `scf.parallel` (as convert-linalg-to-parallel-loops emits
    for a linalg op, reductions left as inner loops) becomes a `gpu.launch`
    over its iteration space linearised row-major: `block-size` threads per
    block along x, as many blocks as needed, and a bounds check. Adjacent
    threads take adjacent elements of the innermost dim, so loads and stores
    of the element-wise kernels are coalesced. Loops that carry reductions
    (`scf.reduce` with operands) are left alone.

    Then the host code that still reads or writes memory (0-d linalg ops
    become plain loads, arithmetic and stores: the loss-scale update, the
    step counter, the skip decision) is wrapped, run by run, into
    single-thread `gpu.launch`es, so that it runs on the device too and
    reads kernel results in stream order. Host scalars that only kernels use
    (a loaded step count, bias corrections) are recomputed in each kernel
    that uses them instead. A run whose loaded values the host needs stays
    on the host.

    When no host code of a function touches memory any more, the function
    is marked `mp.device_only` and brackets its body with
    `mpcudaDeferSync(1)` / `mpcudaDeferSync(0)`: the runtime then queues
    kernels, GEMMs and frees on its stream without waiting, and waits once,
    before the function returns. A training step then decides on its loss
    scale and skip on the device, with no host synchronisation inside it.

    Before:
    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c256) step (%c1, %c1) {
      %x = memref.load %a[%i, %j] : memref<64x256xf16>
      ...
    }
    ```
    After:
    ```mlir
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c64, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      %lin = bx * 256 + tx
      scf.if %lin < 16384 {
        %i, %j = delinearize %lin into (64, 256)
        ...
      }
      gpu.terminator
    }
    ```
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block (a multiple of 32)">,
    Option<"hostCodeToKernels", "host-code-to-kernels", "bool", /*default=*/"true",
           "Wrap the remaining memory-accessing host code into single-thread kernels">,
    Option<"deferSync", "defer-sync", "bool", /*default=*/"true",
           "In functions whose host code touches no memory, wait for the GPU only "
           "before returning (calls to mpcudaDeferSync)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect"];
}

def MpGpuMergeKernelModules : Pass<"mp-gpu-merge-kernel-modules", "::mlir::ModuleOp"> {
  let summary = "Put every outlined kernel into one gpu.module";
  let description = [{
    gpu-kernel-outlining makes one `gpu.module` per kernel, each holding a
    kernel named after the host function. This pass moves every kernel into
    the first module, renames each to its old module's (unique) name and
    updates the `gpu.launch_func` references, so the program has one PTX
    module: one file for `-o model.ptx`, one module load at start-up.

    Before:
    ```mlir
    gpu.module @main_kernel { gpu.func @main_kernel(...) kernel {...} }
    gpu.module @main_kernel_0 { gpu.func @main_kernel(...) kernel {...} }
    gpu.launch_func @main_kernel_0::@main_kernel ...
    ```
    After:
    ```mlir
    gpu.module @main_kernel {
      gpu.func @main_kernel(...) kernel {...}
      gpu.func @main_kernel_0(...) kernel {...}
    }
    gpu.launch_func @main_kernel::@main_kernel_0 ...
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def MpGpuPrepareKernels : Pass<"mp-gpu-prepare-kernels", "::mlir::func::FuncOp"> {
  let summary = "Make full reductions and copies parallel kernels";
  let description = [{
    Runs on bufferized linalg, before convert-linalg-to-parallel-loops, so
    that every loop nest of the program becomes a parallel GPU kernel:

    - A `linalg.generic` with only reduction loops (a sum, max or min of a
      whole tensor into a 0-d or all-ones output: the loss, the finite check
      of loss scaling, a gradient norm) would become one sequential loop. It
      becomes a parallel loop over every element that combines into the
      output with `memref.atomic_rmw` (addf, maximumf, minimumf, addi, ori).
      Only f32, f64, i32 and i64 outputs; the order of float additions is not
      fixed, as with any parallel reduction.
    - A reduction along the innermost dim of its input (softmax and
      normalisation rows) would become one thread per row, each reading a
      row alone: adjacent threads would read addresses a row apart. It
      becomes 32 lanes per row (fewer for shorter static rows): lane l
      accumulates elements l, l + 32, ... from the combiner's identity, so a
      warp reads 32 adjacent elements, and combines its partial result into
      the row's output atomically. Reductions over outer dims keep one
      thread per output element, whose reads are already adjacent.
    - `memref.copy` (from bufferization) becomes `linalg.copy`, a kernel,
      instead of a host-side copy.

    Before:
    ```mlir
    linalg.generic {indexing_maps = [(i, j) -> (i, j), (i, j) -> ()],
                    iterator_types = ["reduction", "reduction"]}
        ins(%g : memref<64x256xf32>) outs(%s : memref<f32>) {
    ^bb0(%x: f32, %acc: f32):
      %m = arith.mulf %x, %zero : f32
      %r = arith.addf %acc, %m : f32
      linalg.yield %r : f32
    }
    ```
    After:
    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c256) step (%c1, %c1) {
      %x = memref.load %g[%i, %j] : memref<64x256xf32>
      %m = arith.mulf %x, %zero : f32
      %old = memref.atomic_rmw addf %m, %s[] : (f32, memref<f32>) -> f32
    }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def MpGpuEmulateLaunches : Pass<"mp-gpu-emulate-launches", "::mlir::func::FuncOp"> {
  let summary = "Run gpu.launch bodies as host loops (checks the GPU mapping on a CPU)";
  let description = [{
    Replaces each `gpu.launch` by loops over its grid and block (blocks
    outermost, thread x innermost) that run the body with the block and
    thread ids of each iteration. The program then lowers and runs with the
    CPU pipeline, so the GPU pipeline's own transformations (the 1-D thread
    mapping and its bounds checks, atomic reductions, host code moved into
    single-thread kernels, values recomputed in kernels) are checked
    numerically on machines without a GPU: `mp-run --device=cuda-emulated`
    and the conformance suite use it. Kernels must not synchronise
    (`gpu.barrier`); mixprec's do not.

    Before:
    ```mlir
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c75, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      ... %bx ... %tx ...
      gpu.terminator
    }
    ```
    After:
    ```mlir
    scf.for %bz = %c0 to %c1 step %c1 {
      scf.for %by = ... { scf.for %bx = %c0 to %c75 step %c1 {
        scf.for %tz = ... { scf.for %ty = ... { scf.for %tx = %c0 to %c256 step %c1 {
          ... %bx ... %tx ...
    }}}}}}
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def MpGpuGlobalsToDevice : Pass<"mp-gpu-globals-to-device", "::mlir::ModuleOp"> {
  let summary = "Give kernels device copies of the program's constant globals";
  let description = [{
    Runs on the host's LLVM dialect. Bufferized constants (weights, shape
    tensors) are `llvm.mlir.global constant`s in host memory, which kernels
    cannot read. Each `llvm.mlir.addressof` of one in a host function
    becomes a call to the runtime's `mpcudaDeviceGlobal(ptr, bytes)`, which
    copies the global into managed memory once per process and returns the
    copy (cached by address), so weights cross to the device once, not per
    call.

    Before:
    ```mlir
    %w = llvm.mlir.addressof @__constant_128x10xf32 : !llvm.ptr
    ```
    After:
    ```mlir
    %h = llvm.mlir.addressof @__constant_128x10xf32 : !llvm.ptr
    %n = llvm.mlir.constant(5120 : i64) : i64
    %w = llvm.call @mpcudaDeviceGlobal(%h, %n) : (!llvm.ptr, i64) -> !llvm.ptr
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MIXPREC_CONVERSION_PASSES_TD
