//===- ONNXCommon.h - helpers shared by the ONNX importer and exporter ----===//

#ifndef MIXPREC_LIB_TARGET_ONNX_ONNXCOMMON_H
#define MIXPREC_LIB_TARGET_ONNX_ONNXCOMMON_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"

#include "onnx/onnx_pb.h"

#include <optional>

namespace mixprec::onnx_common {

/// ONNX TensorProto data type -> MLIR element type (null if unsupported).
mlir::Type elementTypeFromONNX(int32_t dataType, mlir::MLIRContext *ctx);
/// MLIR element type -> ONNX data type (nullopt if it has no ONNX equivalent).
std::optional<int32_t> elementTypeToONNX(mlir::Type type);
/// Storage size of one element in ONNX raw_data (bool: 1 byte).
int64_t elementByteSize(mlir::Type type);
/// Human-readable ONNX data type name ("FLOAT", "FLOAT16", ...).
std::string dataTypeName(int32_t dataType);

} // namespace mixprec::onnx_common

#endif
