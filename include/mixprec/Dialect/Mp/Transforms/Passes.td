//===- Passes.td - mp dialect passes -----------------------*- tablegen -*-===//

#ifndef MIXPREC_DIALECT_MP_TRANSFORMS_PASSES_TD
#define MIXPREC_DIALECT_MP_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MpSummary : Pass<"mp-summary", "::mlir::ModuleOp"> {
  let summary = "Print a summary of an mp module: ops, weights, inputs and outputs";
  let description = [{
    Counts ops by ONNX op type (including ops inside subgraphs), weights by
    element type (elements and bytes), and lists the graph's inputs and
    outputs with their types. The IR is not changed.

    Input:
    ```mlir
    func.func @main(%x: tensor<1x4xf32> {mp.name = "x"}) -> (tensor<1x2xf32> {mp.name = "y"}) {
      %w = mp.constant {initializer = "w", value = dense<...> : tensor<4x2xf32>} : () -> tensor<4x2xf32>
      %y = mp.matmul %x, %w : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
      return %y : tensor<1x2xf32>
    }
    ```
    Output (on stderr or to `output`):
    ```
    mp-summary: 1 nodes, 1 initializers, 8 parameters (32 B)
      ops:     MatMul 1
      weights: f32 8 (32 B)
      input  x: tensor<1x4xf32>
      output y: tensor<1x2xf32>
    ```
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "File to write the summary to ('-' for stderr)">,
    Option<"emitJson", "json", "bool", /*default=*/"false",
           "Write the summary as JSON instead of text">,
  ];
}

#endif // MIXPREC_DIALECT_MP_TRANSFORMS_PASSES_TD
