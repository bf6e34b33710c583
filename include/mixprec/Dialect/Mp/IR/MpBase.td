//===- MpBase.td - mp dialect base definitions -------------*- tablegen -*-===//

#ifndef MIXPREC_DIALECT_MP_IR_MPBASE_TD
#define MIXPREC_DIALECT_MP_IR_MPBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mixprec/Dialect/Mp/IR/MpInterfaces.td"

def Mp_Dialect : Dialect {
  let name = "mp";
  let cppNamespace = "::mixprec::mp";
  let summary = "ONNX semantics on builtin tensors, the IR of the mixprec compiler";
  let description = [{
    The `mp` dialect carries ONNX operator semantics on builtin ranked (or,
    where ONNX cannot say, unranked) tensor types. Each op mirrors one ONNX
    operator across every opset revision from 7 to 23: inputs that moved from
    attributes to operands in some revision (ReduceMean's `axes` at 18,
    Squeeze/Unsqueeze/Split at 13, Clip at 11, ...) exist in both forms, and the
    verifier rejects a mix of the two. Attribute names are the ONNX names, so
    the importer and exporter are mechanical and `mp` IR reads like the ONNX
    specification.

    Module-level ONNX metadata lives in discardable `mp.*` attributes on the
    `builtin.module` (`mp.ir_version`, `mp.opset_import`, `mp.producer_name`,
    ...). In `mp.opset_import` the default domain is spelled `ai.onnx`. Graph inputs and outputs of `func.func @main` carry `mp.name`.
    Nodes the dialect does not model become `mp.onnx_op`, which keeps the op
    type, domain, attributes and subgraphs so that they export unchanged.
  }];
  let hasOperationAttrVerify = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    /// Name of the module attribute holding the opset imports.
    static constexpr ::llvm::StringLiteral kOpsetImportAttr = "mp.opset_import";
    /// Name of the argument/result attribute holding the ONNX value name.
    static constexpr ::llvm::StringLiteral kNameAttr = "mp.name";
  }];
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Mp_Tensor : AnyTypeOf<[AnyRankedTensor, AnyUnrankedTensor]>;
def Mp_FloatTensor : TensorOf<[AnyFloat]>;
def Mp_BoolTensor : TensorOf<[I1]>;
def Mp_IndexTensor : TensorOf<[I32, I64]>;
def Mp_I64Tensor : TensorOf<[I64]>;

//===----------------------------------------------------------------------===//
// Base op class
//===----------------------------------------------------------------------===//

// Every mp op that models an ONNX op derives from this class.
//   onnxType:   the ONNX op type.
//   inGroups:   formal input groups, see OnnxNodeOpInterface.
//   outGroups:  formal output groups.
//   regionNames: comma-separated GRAPH attributes held as regions.
class Mp_Op<string mnemonic, string onnxType, string inGroups = "1",
            string outGroups = "1", list<Trait> traits = [],
            string regionNames = "">
    : Op<Mp_Dialect, mnemonic,
         !listconcat(traits, [Mp_OnnxNodeOpInterface, Mp_PrecisionOpInterface])> {
  code mpExtraDecls = "";
  // Autocast category (see PrecisionOpInterface) and the operand groups that
  // keep their type.
  string precisionCategory = "ElementWise";
  string keptOperandGroups = "";
  let extraClassDeclaration = [{
    static ::llvm::StringRef getOnnxOpType() { return "}] # onnxType # [{"; }
    static ::llvm::StringRef getOnnxInputGroups() { return "}] # inGroups # [{"; }
    static ::llvm::StringRef getOnnxOutputGroups() { return "}] # outGroups # [{"; }
    static ::llvm::StringRef getOnnxRegionNames() { return "}] # regionNames # [{"; }
    static ::mixprec::mp::PrecisionCategory getPrecisionCategory() {
      return ::mixprec::mp::PrecisionCategory::}] # precisionCategory # [{;
    }
    static ::llvm::StringRef getKeptOperandGroups() { return "}] # keptOperandGroups # [{"; }
    static ::mlir::ParseResult parse(::mlir::OpAsmParser &parser,
                                     ::mlir::OperationState &result) {
      return ::mixprec::mp::parseMpOp(parser, result, getOnnxInputGroups(),
                                      getOnnxRegionNames());
    }
    void print(::mlir::OpAsmPrinter &printer) {
      ::mixprec::mp::printMpOp(printer, getOperation(), getOnnxInputGroups(),
                                getOnnxRegionNames());
    }
  }] # mpExtraDecls;
}

#endif // MIXPREC_DIALECT_MP_IR_MPBASE_TD
