//===- MpInterfaces.td - mp op interfaces ------------------*- tablegen -*-===//
//
// Interfaces shared by the ops of the mp dialect.
//
//===----------------------------------------------------------------------===//

#ifndef MIXPREC_DIALECT_MP_IR_MPINTERFACES_TD
#define MIXPREC_DIALECT_MP_IR_MPINTERFACES_TD

include "mlir/IR/OpBase.td"

def Mp_OnnxNodeOpInterface : OpInterface<"OnnxNodeOpInterface"> {
  let cppNamespace = "::mixprec::mp";
  let description = [{
    Describes how an mp op maps onto an ONNX node in the default domain. The
    importer and exporter are table-free: they use this interface to find the
    mp op for an ONNX op type, to lay out optional and variadic inputs and
    outputs, and to name the graph-valued attributes that become regions.

    Group strings have one character per ONNX formal parameter, in order:
    `1` (required), `?` (optional, may be absent or given as ""), `*`
    (variadic; only ever the last group).
  }];
  let methods = [
    StaticInterfaceMethod<"ONNX op type, e.g. \"ReduceMean\".",
      "::llvm::StringRef", "getOnnxOpType">,
    StaticInterfaceMethod<"ONNX formal input groups.",
      "::llvm::StringRef", "getOnnxInputGroups">,
    StaticInterfaceMethod<"ONNX formal output groups.",
      "::llvm::StringRef", "getOnnxOutputGroups">,
    StaticInterfaceMethod<
      "Comma-separated names of the GRAPH attributes held as regions.",
      "::llvm::StringRef", "getOnnxRegionNames">,
  ];
}

#endif // MIXPREC_DIALECT_MP_IR_MPINTERFACES_TD
