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

#endif // MIXPREC_CONVERSION_PASSES_TD
