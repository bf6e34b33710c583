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

#endif // MIXPREC_CONVERSION_PASSES_TD
