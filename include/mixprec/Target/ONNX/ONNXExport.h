//===- ONNXExport.h - mp to ONNX exporter -----------------------*- C++ -*-===//

#ifndef MIXPREC_TARGET_ONNX_ONNXEXPORT_H
#define MIXPREC_TARGET_ONNX_ONNXEXPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mixprec {

struct ExportOptions {
  enum class ExternalData { Auto, Always, Never };
  /// Auto: write tensors >= `externalDataThreshold` bytes to an external
  /// data file only when the model would exceed protobuf's 2 GiB limit.
  ExternalData externalData = ExternalData::Auto;
  int64_t externalDataThreshold = 1024;
  /// Name of the external data file, relative to the model. Defaults to
  /// "<model file name>.data".
  std::string externalDataName;
  /// Emit value_info for every intermediate tensor with a known type.
  bool emitValueInfo = true;
};

/// Writes `module` as an ONNX model to `path` (and its external data file,
/// if any). Both files are written to temporaries and renamed into place
/// only on success, so a failed export leaves nothing behind.
llvm::LogicalResult exportONNXFile(mlir::ModuleOp module, llvm::StringRef path,
                                   const ExportOptions &options = {});

/// Serialises `module` to ModelProto bytes; fails if external data would be
/// required.
llvm::LogicalResult exportONNXToString(mlir::ModuleOp module,
                                       std::string &bytes,
                                       const ExportOptions &options = {});

} // namespace mixprec

#endif // MIXPREC_TARGET_ONNX_ONNXEXPORT_H
