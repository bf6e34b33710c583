//===- ONNXImport.h - ONNX to mp importer -----------------------*- C++ -*-===//
//
// Imports an ONNX ModelProto (binary protobuf or ONNX text syntax) into a
// builtin.module holding `func.func @main` in the mp dialect.
//
//===----------------------------------------------------------------------===//

#ifndef MIXPREC_TARGET_ONNX_ONNXIMPORT_H
#define MIXPREC_TARGET_ONNX_ONNXIMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <map>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace mixprec {

struct ImportOptions {
  /// Run ONNX shape inference (libonnx) before import when the model's
  /// default-domain opset is one libonnx knows (<= 17). Types from
  /// value_info always take precedence over mp's own inference.
  bool runShapeInference = true;
  /// Folder that external-data locations are relative to. Defaults to the
  /// model file's folder (the current directory for stdin).
  std::string externalDataDir;
  /// Tensors larger than this many bytes become dense_resource attributes
  /// (never hashed or copied); smaller ones become readable dense<>
  /// attributes. Floating-point initializers are always resources, bool
  /// tensors always dense<>.
  int64_t resourceThresholdBytes = 64;
  /// Added to ONNX-text line numbers (for -split-input-file chunks).
  unsigned lineOffset = 0;
  /// Pins graph inputs to these shapes before shape inference (mp-run uses
  /// it to specialise symbolic dims such as a batch size to the data it is
  /// given). A shape must match the declared rank and static dims; value_info
  /// and output shapes with symbolic dims are dropped so that inference
  /// recomputes them.
  std::map<std::string, std::vector<int64_t>> inputShapes;
};

/// Oldest and newest default-domain opsets the importer accepts.
constexpr int64_t kMinSupportedOpset = 7;
constexpr int64_t kMaxSupportedOpset = 23;

/// Registers the dialects the importer produces.
void registerONNXImportDialects(mlir::DialectRegistry &registry);

/// Imports `buffer` (binary ModelProto, or ONNX text if `isText`). Errors are
/// emitted as MLIR diagnostics located at the offending node or tensor, and
/// a null module is returned.
mlir::OwningOpRef<mlir::ModuleOp>
importONNX(llvm::StringRef buffer, bool isText, llvm::StringRef fileName,
           mlir::MLIRContext *context, const ImportOptions &options = {});

/// Imports a model file; `.onnxtxt`/`.onnxtext` files are parsed as text.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXFile(llvm::StringRef path, mlir::MLIRContext *context,
               const ImportOptions &options = {});

/// True if `path` names an ONNX model by its extension.
bool isONNXPath(llvm::StringRef path);
bool isONNXTextPath(llvm::StringRef path);

} // namespace mixprec

#endif // MIXPREC_TARGET_ONNX_ONNXIMPORT_H
