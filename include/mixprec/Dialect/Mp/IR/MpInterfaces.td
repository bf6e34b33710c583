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

def Mp_PrecisionOpInterface : OpInterface<"PrecisionOpInterface"> {
  let cppNamespace = "::mixprec::mp";
  let description = [{
    What autocast needs to know about an op:

    * its category (`PrecisionCategory`): `Compute` (dot products and
      convolutions: worth FP16/BF16 inputs, accumulate in FP32), `Sensitive`
      (softmax, normalisations, large reductions, exp/log/pow/reciprocal,
      cumsum: stay FP32), `PassThrough` (data movement, Relu, MaxPool,
      comparisons: exact in any precision), `ElementWise` (follows its
      inputs), `Fixed` (shape computations, casts, control flow, unknown ops:
      types are left as they are);
    * which operands keep their type whatever the op's precision (Resize's
      roi and scales, Dropout's ratio; integer operands are never touched);
    * its accumulator type, separate from the storage type: a Compute op or a
      reduction with FP16 operands accumulates in FP32 without any cast in
      the IR. `mp-insert-casts` records it as `mp.acc_type` when it differs
      from the storage type.
  }];
  let methods = [
    StaticInterfaceMethod<"The op's precision category.",
      "::mixprec::mp::PrecisionCategory", "getPrecisionCategory">,
    StaticInterfaceMethod<
      "Comma-separated ODS operand group indices whose type never changes.",
      "::llvm::StringRef", "getKeptOperandGroups">,
    InterfaceMethod<"True if operand `index` keeps its type.",
      "bool", "keepsOperandType", (ins "unsigned":$index), [{}], [{
        ::llvm::SmallVector<::llvm::StringRef> groups;
        ConcreteOp::getKeptOperandGroups().split(groups, ',', -1, false);
        for (::llvm::StringRef g : groups) {
          unsigned group = 0;
          if (g.getAsInteger(10, group))
            continue;
          auto [start, len] = $_op.getODSOperandIndexAndLength(group);
          if (index >= start && index < start + len)
            return true;
        }
        return false;
      }]>,
    InterfaceMethod<
      "Accumulator type for storage type `storage` (FP32 for Compute ops and "
      "Sensitive reductions when the storage is FP16/BF16).",
      "::mlir::Type", "getAccumulatorType", (ins "::mlir::Type":$storage), [{}], [{
        auto cat = ConcreteOp::getPrecisionCategory();
        if ((cat == ::mixprec::mp::PrecisionCategory::Compute ||
             cat == ::mixprec::mp::PrecisionCategory::Sensitive) &&
            (storage.isF16() || storage.isBF16()))
          return ::mlir::Float32Type::get(storage.getContext());
        return storage;
      }]>,
  ];
}

def Mp_GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let cppNamespace = "::mixprec::mp";
  let description = [{
    Reverse-mode differentiation: an op's vector-Jacobian product. Given the
    gradients of the loss with respect to the op's results (a null Value for
    a result the loss does not depend on), `buildVJP` emits mp ops at the
    builder's insertion point that compute the gradients with respect to
    its operands, and appends one Value per operand (null for operands that
    have no gradient: integer inputs, shapes, indices). The rules live in
    `lib/Dialect/Mp/IR/MpGradients.cpp` and are attached to the ops as
    external models when the dialect loads; `mp-build-train-step` walks a
    graph backwards through them.
  }];
  let methods = [
    InterfaceMethod<"Appends the gradient of each operand to `operandGrads`.",
      "::llvm::LogicalResult", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$resultGrads,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>,
  ];
}

#endif // MIXPREC_DIALECT_MP_IR_MPINTERFACES_TD
