//===- MpDialect.h - mp dialect ---------------------------------*- C++ -*-===//
//
// The mp dialect: ONNX operator semantics on builtin tensor types.
//
//===----------------------------------------------------------------------===//

#ifndef MIXPREC_DIALECT_MP_IR_MPDIALECT_H
#define MIXPREC_DIALECT_MP_IR_MPDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Traits.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "mixprec/Dialect/Mp/IR/MpDialect.h.inc"

namespace mixprec::mp {

/// Autocast categories; see PrecisionOpInterface.
enum class PrecisionCategory { Compute, Sensitive, PassThrough, ElementWise, Fixed };

/// Shared textual form of every ONNX-modelling op:
///   mp.<op> %a, none, %c {attrs} : (types) -> types [region-name {...}]*
/// `none` marks an absent optional operand.
mlir::ParseResult parseMpOp(mlir::OpAsmParser &parser,
                            mlir::OperationState &result,
                            llvm::StringRef inputGroups,
                            llvm::StringRef regionNames);
void printMpOp(mlir::OpAsmPrinter &printer, mlir::Operation *op,
               llvm::StringRef inputGroups, llvm::StringRef regionNames);

/// All attributes of `op`: inherent ones (stored as properties) first, then
/// discardable ones.
mlir::NamedAttrList getAllAttrs(mlir::Operation *op);

/// Result type inference shared by the ops that implement
/// InferTypeOpInterface (element-wise, Cast, MatMul, Shape, Transpose, ...).
llvm::LogicalResult inferMpReturnTypes(llvm::StringRef onnxOpType,
                                       std::optional<mlir::Location> loc,
                                       mlir::ValueRange operands,
                                       mlir::DictionaryAttr attrs,
                                       llvm::SmallVectorImpl<mlir::Type> &out);

/// Inferred and declared types are compatible when the element types agree
/// and the shapes are compatible (a dynamic dim matches any size).
bool areCompatibleMpTypes(mlir::TypeRange lhs, mlir::TypeRange rhs);

/// Inherent attributes live in properties; type inference wants them in the
/// attribute dictionary together with the discardable ones.
mlir::DictionaryAttr mergeInherentAttrs(mlir::MLIRContext *ctx,
                                        mlir::DictionaryAttr attrs,
                                        mlir::Attribute inherent);

} // namespace mixprec::mp

#include "mixprec/Dialect/Mp/IR/MpInterfaces.h.inc"

#define GET_OP_CLASSES
#include "mixprec/Dialect/Mp/IR/MpOps.h.inc"

namespace mixprec::mp {
/// Attaches GradientOpInterface (the VJP rules of MpGradients.cpp) to the
/// differentiable ops. Called by MpDialect::initialize.
void attachGradientModels(mlir::MLIRContext &ctx);
/// Replaces an LSTM, GRU or RNN op by its time steps as mp ops (Gemm,
/// Slice, Sigmoid, Tanh, Mul, Add, Concat), each of which has a gradient
/// rule: backpropagation through time by differentiating the unrolled
/// graph. Static shapes; any activations, clip and constant
/// sequence_lens; not LSTM's input_forget.
llvm::LogicalResult decomposeRecurrentForTraining(mlir::Operation *op);

/// One ONNX RNN/GRU/LSTM activation with its alpha/beta.
struct RecurrentActivation {
  std::string name;
  double alpha = 0, beta = 0;
};
/// The activations for every direction, in ONNX order: the op's
/// `activations` list, or `defaults` repeated per direction, with
/// activation_alpha/beta consumed in order by the functions that take them
/// (ONNX Runtime's convention), else the ONNX defaults. Fails on an unknown
/// name or a list of the wrong length.
mlir::FailureOr<llvm::SmallVector<RecurrentActivation>>
parseRecurrentActivations(std::optional<mlir::ArrayAttr> names,
                          std::optional<llvm::ArrayRef<float>> alphas,
                          std::optional<llvm::ArrayRef<float>> betas,
                          llvm::ArrayRef<llvm::StringRef> defaults, int64_t dirs);
/// GroupNormalization or InstanceNormalization as mp ops (Reshape,
/// ReduceMean, Sub, Mul, Div, Sqrt, Add; f32 statistics for f16/bf16),
/// built at `builder`'s insertion point; returns the result. Used by the CPU
/// lowering and by differentiation.
mlir::FailureOr<mlir::Value> expandNormalization(mlir::Operation *op, mlir::OpBuilder &builder);
} // namespace mixprec::mp

#endif // MIXPREC_DIALECT_MP_IR_MPDIALECT_H
