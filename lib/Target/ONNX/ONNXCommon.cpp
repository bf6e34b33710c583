//===- ONNXCommon.cpp - ONNX <-> MLIR type mapping ------------------------===//

#include "ONNXCommon.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using TP = onnx::TensorProto;

namespace mixprec::onnx_common {

Type elementTypeFromONNX(int32_t dt, MLIRContext *ctx) {
  Builder b(ctx);
  switch (dt) {
  case TP::FLOAT: return b.getF32Type();
  case TP::DOUBLE: return b.getF64Type();
  case TP::FLOAT16: return b.getF16Type();
  case TP::BFLOAT16: return b.getBF16Type();
  case TP::BOOL: return b.getI1Type();
  case TP::INT8: return b.getIntegerType(8);
  case TP::INT16: return b.getIntegerType(16);
  case TP::INT32: return b.getIntegerType(32);
  case TP::INT64: return b.getIntegerType(64);
  case TP::UINT8: return b.getIntegerType(8, /*isSigned=*/false);
  case TP::UINT16: return b.getIntegerType(16, false);
  case TP::UINT32: return b.getIntegerType(32, false);
  case TP::UINT64: return b.getIntegerType(64, false);
  case TP::COMPLEX64: return ComplexType::get(b.getF32Type());
  case TP::COMPLEX128: return ComplexType::get(b.getF64Type());
  // float8 variants (ONNX 1.14+) are numbered 17..20.
  case 17: return b.getType<Float8E4M3FNType>();
  case 18: return b.getType<Float8E4M3FNUZType>();
  case 19: return b.getType<Float8E5M2Type>();
  case 20: return b.getType<Float8E5M2FNUZType>();
  default: return Type();
  }
}

std::optional<int32_t> elementTypeToONNX(Type t) {
  if (t.isF32()) return TP::FLOAT;
  if (t.isF64()) return TP::DOUBLE;
  if (t.isF16()) return TP::FLOAT16;
  if (t.isBF16()) return TP::BFLOAT16;
  if (isa<Float8E4M3FNType>(t)) return 17;
  if (isa<Float8E4M3FNUZType>(t)) return 18;
  if (isa<Float8E5M2Type>(t)) return 19;
  if (isa<Float8E5M2FNUZType>(t)) return 20;
  if (auto c = dyn_cast<ComplexType>(t)) {
    if (c.getElementType().isF32()) return TP::COMPLEX64;
    if (c.getElementType().isF64()) return TP::COMPLEX128;
    return std::nullopt;
  }
  if (auto i = dyn_cast<IntegerType>(t)) {
    bool u = i.isUnsigned();
    switch (i.getWidth()) {
    case 1: return i.isSignless() ? std::optional<int32_t>(TP::BOOL) : std::nullopt;
    case 8: return u ? TP::UINT8 : TP::INT8;
    case 16: return u ? TP::UINT16 : TP::INT16;
    case 32: return u ? TP::UINT32 : TP::INT32;
    case 64: return u ? TP::UINT64 : TP::INT64;
    default: return std::nullopt;
    }
  }
  return std::nullopt;
}

int64_t elementByteSize(Type t) {
  if (auto c = dyn_cast<ComplexType>(t))
    return 2 * elementByteSize(c.getElementType());
  unsigned bits = t.getIntOrFloatBitWidth();
  return bits == 1 ? 1 : (bits + 7) / 8;
}

std::string dataTypeName(int32_t dt) {
  if (onnx::TensorProto_DataType_IsValid(dt))
    return onnx::TensorProto_DataType_Name(
        static_cast<onnx::TensorProto_DataType>(dt));
  switch (dt) {
  case 17: return "FLOAT8E4M3FN";
  case 18: return "FLOAT8E4M3FNUZ";
  case 19: return "FLOAT8E5M2";
  case 20: return "FLOAT8E5M2FNUZ";
  default: return "data type " + std::to_string(dt);
  }
}

} // namespace mixprec::onnx_common
