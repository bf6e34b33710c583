//===- ImportONNX.cpp - ONNX ModelProto to mp dialect ---------------------===//
//
// The importer is table-free: an ONNX node maps onto the mp op whose
// OnnxNodeOpInterface reports its op type, attributes keep their ONNX names,
// and inputs/outputs are laid out by the op's group strings. Nodes with no mp
// op become `mp.onnx_op`. Signatures are checked against libonnx's schemas
// (opsets <= 17) plus a small table of the revisions libonnx 1.12 predates.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Target/ONNX/ONNXImport.h"

#include "ONNXCommon.h"
#include "mixprec/Dialect/Mp/IR/MpDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/defs/parser.h"
#include "onnx/defs/schema.h"
#include "onnx/shape_inference/implementation.h"

#include <google/protobuf/io/coded_stream.h>

using namespace mlir;
using namespace mixprec;
using namespace mixprec::onnx_common;

bool mixprec::isONNXTextPath(StringRef path) {
  return path.ends_with(".onnxtxt") || path.ends_with(".onnxtext");
}
bool mixprec::isONNXPath(StringRef path) {
  return path.ends_with(".onnx") || isONNXTextPath(path);
}

void mixprec::registerONNXImportDialects(DialectRegistry &registry) {
  registry.insert<mp::MpDialect, func::FuncDialect>();
}

namespace {

/// Signature revisions after opset 17, which libonnx 1.12 does not know.
struct Revision {
  const char *opType;
  int64_t since;
  std::vector<std::string> addedAttrs;
  std::vector<std::string> removedAttrs;
  int maxInputs; // -1: unchanged
};

const std::vector<Revision> &laterRevisions() {
  static const std::vector<Revision> revs = {
      {"ReduceMean", 18, {"noop_with_empty_axes"}, {"axes"}, 2},
      {"ReduceMax", 18, {"noop_with_empty_axes"}, {"axes"}, 2},
      {"ReduceMin", 18, {"noop_with_empty_axes"}, {"axes"}, 2},
      {"ReduceProd", 18, {"noop_with_empty_axes"}, {"axes"}, 2},
      {"ReduceL2", 18, {"noop_with_empty_axes"}, {"axes"}, 2},
      {"ReduceL1", 18, {"noop_with_empty_axes"}, {"axes"}, 2},
      {"ReduceLogSum", 18, {"noop_with_empty_axes"}, {"axes"}, 2},
      {"ReduceSumSquare", 18, {"noop_with_empty_axes"}, {"axes"}, 2},
      {"ReduceLogSumExp", 18, {"noop_with_empty_axes"}, {"axes"}, 2},
      {"Split", 18, {"num_outputs"}, {}, -1},
      {"Resize", 18, {"antialias", "axes", "keep_aspect_ratio_policy"}, {}, -1},
      {"Pad", 18, {}, {}, 4},
      {"AveragePool", 19, {"dilations"}, {}, -1},
      {"Cast", 19, {"saturate"}, {}, -1},
  };
  return revs;
}

/// Ops newer than libonnx 1.12's schemas: (since version, attributes,
/// min inputs, max inputs).
struct NewOp {
  int64_t since;
  std::vector<std::pair<std::string, onnx::AttributeProto::AttributeType>>
      attrs;
  int minInputs, maxInputs;
};

const llvm::StringMap<NewOp> &newOps() {
  using A = onnx::AttributeProto;
  static const llvm::StringMap<NewOp> ops = {
      {"GroupNormalization",
       {18,
        {{"epsilon", A::FLOAT}, {"num_groups", A::INT}, {"stash_type", A::INT}},
        3,
        3}},
      {"Gelu", {20, {{"approximate", A::STRING}}, 1, 1}},
  };
  return ops;
}

std::string attrTypeName(int t) {
  if (onnx::AttributeProto_AttributeType_IsValid(t))
    return onnx::AttributeProto_AttributeType_Name(
        static_cast<onnx::AttributeProto_AttributeType>(t));
  return "kind " + std::to_string(t);
}

class Importer {
public:
  Importer(MLIRContext *ctx, StringRef fileName, const ImportOptions &opts)
      : ctx(ctx), b(ctx), fileName(fileName.str()), opts(opts),
        baseDir(opts.externalDataDir) {
    for (RegisteredOperationName name : ctx->getRegisteredOperations()) {
      if (auto *iface = name.getInterface<mp::OnnxNodeOpInterface>())
        opTable.try_emplace(iface->getOnnxOpType(), name);
    }
  }

  OwningOpRef<ModuleOp> importModel(onnx::ModelProto &model);

  /// For ONNX text input: maps each node's first output name to its line.
  void indexText(StringRef text) {
    SmallVector<StringRef> lines;
    text.split(lines, '\n');
    for (auto [i, line] : llvm::enumerate(lines)) {
      StringRef lhs = line.split('=').first;
      if (lhs.size() == line.size() || lhs.contains('<') || lhs.contains('('))
        continue;
      StringRef first = lhs.split(',').first.trim();
      if (!first.empty())
        textLines.try_emplace(first, i + 1);
    }
  }

private:
  // Diagnostics -------------------------------------------------------------
  Location fileLoc() { return FileLineColLoc::get(ctx, fileName, 0, 0); }
  /// Line of a node in ONNX text input (found by its outputs), else 0.
  unsigned nodeLine(const onnx::NodeProto &node) {
    if (node.output_size() == 0)
      return 0;
    auto it = textLines.find(node.output(0));
    return it == textLines.end() ? 0 : it->second;
  }
  /// Node names become NameLocs (the exporter restores them); unnamed
  /// nodes get a plain file location.
  Location nodeLoc(const onnx::NodeProto &node) {
    unsigned line = nodeLine(node);
    Location file = FileLineColLoc::get(
        ctx, fileName, line ? line + opts.lineOffset : 0, 0);
    if (node.name().empty())
      return file;
    return NameLoc::get(b.getStringAttr(node.name()), file);
  }
  std::string nodeDesc(const onnx::NodeProto &node) {
    return node.name().empty() ? "#" + std::to_string(nodeIndex)
                               : "'" + node.name() + "'";
  }
  Location tensorLoc(StringRef name) {
    return NameLoc::get(b.getStringAttr(name), fileLoc());
  }
  InFlightDiagnostic nodeError(const onnx::NodeProto &node) {
    InFlightDiagnostic d = emitError(nodeLoc(node));
    d << "node " << nodeDesc(node) << " ("
      << (node.domain().empty() ? "" : node.domain() + "::") << node.op_type()
      << "): ";
    return d;
  }

  // Types --------------------------------------------------------------------
  FailureOr<Type> convertType(const onnx::TypeProto &type, Location loc,
                              StringRef what);
  void collectValueInfo(const onnx::GraphProto &graph);

  // Tensors ------------------------------------------------------------------
  FailureOr<ElementsAttr> convertTensor(onnx::TensorProto &tensor,
                                        Location loc,
                                        bool isInitializer = false);
  FailureOr<AsmResourceBlob> loadExternal(onnx::TensorProto &tensor,
                                          int64_t expectedBytes,
                                          int64_t elemBytes, Location loc);

  // Graphs -------------------------------------------------------------------
  LogicalResult importGraphBody(onnx::GraphProto &graph, Block *block,
                                bool isMain);
  LogicalResult importNode(onnx::NodeProto &node);
  LogicalResult checkSignature(const onnx::NodeProto &node, int64_t version);
  FailureOr<Attribute> convertAttribute(onnx::AttributeProto &attr,
                                        const onnx::NodeProto &node);
  Value lookup(StringRef name) {
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end())
        return found->second;
    }
    return Value();
  }
  FailureOr<std::unique_ptr<Region>>
  importSubgraph(onnx::GraphProto &graph, const onnx::NodeProto &node,
                 ArrayRef<Type> argTypeHints);

  MLIRContext *ctx;
  OpBuilder b;
  std::string fileName;
  const ImportOptions &opts;
  std::string baseDir;
  llvm::StringMap<OperationName> opTable;
  llvm::StringMap<int64_t> opsets;
  int64_t defaultOpset = 0;
  int64_t nodeIndex = 0;
  std::vector<llvm::StringMap<Value>> scopes;
  llvm::StringMap<onnx::TypeProto> valueTypes;
  llvm::StringMap<unsigned> textLines;
  unsigned resourceCounter = 0;
};

} // namespace

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

FailureOr<Type> Importer::convertType(const onnx::TypeProto &type,
                                      Location loc, StringRef what) {
  if (!type.has_tensor_type()) {
    if (type.value_case() == onnx::TypeProto::VALUE_NOT_SET)
      return Type();
    return emitError(loc) << what
                          << " has a non-tensor type (sequence, map, optional "
                             "or sparse); only tensors are supported";
  }
  const auto &tt = type.tensor_type();
  if (tt.elem_type() == 0)
    return Type();
  Type elem = elementTypeFromONNX(tt.elem_type(), ctx);
  if (!elem)
    return emitError(loc) << what << " has unsupported element type "
                          << dataTypeName(tt.elem_type());
  if (!tt.has_shape())
    return Type(UnrankedTensorType::get(elem));
  SmallVector<int64_t> dims;
  for (const auto &d : tt.shape().dim()) {
    if (d.has_dim_value()) {
      if (d.dim_value() < 0)
        return emitError(loc) << what << " has a negative dimension "
                              << d.dim_value();
      dims.push_back(d.dim_value());
    } else {
      dims.push_back(ShapedType::kDynamic);
    }
  }
  return Type(RankedTensorType::get(dims, elem));
}

void Importer::collectValueInfo(const onnx::GraphProto &graph) {
  auto add = [&](const onnx::ValueInfoProto &vi) {
    if (vi.has_type())
      valueTypes[vi.name()] = vi.type();
  };
  for (const auto &vi : graph.value_info())
    add(vi);
  for (const auto &vi : graph.output())
    add(vi);
  for (const auto &vi : graph.input())
    add(vi);
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

/// Wraps an owned byte string as a blob without copying it when its data is
/// suitably aligned.
static AsmResourceBlob blobFromString(std::string &&bytes, size_t align) {
  auto *owned = new std::string(std::move(bytes));
  if (reinterpret_cast<uintptr_t>(owned->data()) % align != 0) {
    AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(owned->data(), owned->size()), align);
    delete owned;
    return blob;
  }
  return AsmResourceBlob(
      ArrayRef<char>(owned->data(), owned->size()), align,
      [owned](void *, size_t, size_t) { delete owned; },
      /*dataIsMutable=*/false);
}

FailureOr<AsmResourceBlob> Importer::loadExternal(onnx::TensorProto &tensor,
                                                  int64_t expectedBytes,
                                                  int64_t elemBytes,
                                                  Location loc) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : tensor.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset" || kv.key() == "length") {
      int64_t v;
      if (StringRef(kv.value()).getAsInteger(10, v) || v < 0)
        return emitError(loc) << "tensor '" << tensor.name()
                              << "': external data " << kv.key() << " '"
                              << kv.value() << "' is not a non-negative integer";
      (kv.key() == "offset" ? offset : length) = v;
    }
  }
  if (location.empty())
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data has no 'location'";
  // The location must stay inside the model's folder.
  if (llvm::sys::path::is_absolute(location) ||
      llvm::sys::path::is_absolute(location, llvm::sys::path::Style::windows))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data location '" << location
                          << "' is absolute; it must be relative to the "
                             "model's folder";
  for (auto it = llvm::sys::path::begin(location),
            e = llvm::sys::path::end(location);
       it != e; ++it)
    if (*it == "..")
      return emitError(loc) << "tensor '" << tensor.name()
                            << "': external data location '" << location
                            << "' contains '..' and could escape the model's "
                               "folder";
  SmallString<256> path(baseDir);
  llvm::sys::path::append(path, location);
  SmallString<256> realBase, realPath;
  if (llvm::sys::fs::real_path(baseDir, realBase) ||
      llvm::sys::fs::real_path(path, realPath))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data file '" << path
                          << "' does not exist";
  StringRef rp = realPath, rb = realBase;
  if (!rp.starts_with(rb) || (rp.size() > rb.size() &&
                              !llvm::sys::path::is_separator(rp[rb.size()])))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data location '" << location
                          << "' resolves (through a symbolic link) to '"
                          << realPath << "', outside the model's folder '"
                          << realBase << "'";
  uint64_t fileSize;
  if (llvm::sys::fs::file_size(realPath, fileSize))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': cannot stat external data file '" << realPath
                          << "'";
  if (length < 0)
    length = expectedBytes;
  if (length != expectedBytes)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data length " << length
                          << " does not match the " << expectedBytes
                          << " bytes its shape and type need";
  int64_t end;
  if (llvm::AddOverflow(offset, length, end) || (uint64_t)end > fileSize)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data range [" << offset << ", "
                          << offset + length << ") lies beyond the end of '"
                          << location << "' (" << fileSize << " bytes)";
  if (length == 0)
    return HeapAsmResourceBlob::allocate(0, 8);
  auto buf = llvm::MemoryBuffer::getFileSlice(realPath, length, offset,
                                              /*IsVolatile=*/false);
  if (!buf)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': cannot map external data: "
                          << buf.getError().message();
  std::unique_ptr<llvm::MemoryBuffer> mb = std::move(*buf);
  const char *data = mb->getBufferStart();
  // Same alignment as inline data (the element size, at most 8); copy in the
  // rare case the file offset does not provide it.
  size_t align = std::min<size_t>(8, llvm::PowerOf2Ceil(elemBytes));
  if (reinterpret_cast<uintptr_t>(data) % align)
    return HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(data, length), align);
  auto *raw = mb.release();
  return AsmResourceBlob(
      ArrayRef<char>(data, length), align,
      [raw](void *, size_t, size_t) { delete raw; }, /*dataIsMutable=*/false);
}

/// Copies typed repeated-field data into a little-endian byte buffer.
template <typename Src, typename Dst>
static std::string packTyped(const google::protobuf::RepeatedField<Src> &src) {
  std::string out(src.size() * sizeof(Dst), '\0');
  Dst *dst = reinterpret_cast<Dst *>(out.data());
  for (int i = 0; i < src.size(); ++i)
    dst[i] = static_cast<Dst>(src.Get(i));
  return out;
}

FailureOr<ElementsAttr> Importer::convertTensor(onnx::TensorProto &tensor,
                                                Location loc,
                                                bool isInitializer) {
  Type elem = elementTypeFromONNX(tensor.data_type(), ctx);
  if (!elem)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "' has unsupported data type "
                          << dataTypeName(tensor.data_type());
  SmallVector<int64_t> dims;
  int64_t numel = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0)
      return emitError(loc) << "tensor '" << tensor.name()
                            << "' has a negative dimension " << d;
    dims.push_back(d);
    if (llvm::MulOverflow(numel, d, numel))
      return emitError(loc) << "tensor '" << tensor.name()
                            << "' has more elements than fit in 64 bits";
  }
  auto type = RankedTensorType::get(dims, elem);
  int64_t elemBytes = elementByteSize(elem);
  int64_t expected;
  if (llvm::MulOverflow(numel, elemBytes, expected))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "' is larger than 2^63 bytes";
  if (tensor.has_segment())
    return emitError(loc) << "tensor '" << tensor.name()
                          << "' is segmented; segments are not supported";

  std::string bytes;
  std::optional<AsmResourceBlob> blob;
  auto mismatch = [&](int64_t have, StringRef field) {
    return emitError(loc) << "tensor '" << tensor.name() << "' holds " << have
                          << (field == "raw_data" ? " bytes" : " values")
                          << " in " << field << " but its shape " << type
                          << " needs " << (field == "raw_data" ? expected : numel);
  };
  using TP = onnx::TensorProto;
  if (tensor.data_location() == TP::EXTERNAL) {
    FailureOr<AsmResourceBlob> ext =
        loadExternal(tensor, expected, elemBytes, loc);
    if (failed(ext))
      return failure();
    blob = std::move(*ext);
  } else if (tensor.has_raw_data()) {
    if ((int64_t)tensor.raw_data().size() != expected)
      return mismatch(tensor.raw_data().size(), "raw_data");
    bytes = std::move(*tensor.mutable_raw_data());
  } else {
    int dt = tensor.data_type();
    switch (dt) {
    case TP::FLOAT:
      if (tensor.float_data_size() != numel)
        return mismatch(tensor.float_data_size(), "float_data");
      bytes = packTyped<float, float>(tensor.float_data());
      break;
    case TP::COMPLEX64:
      if (tensor.float_data_size() != 2 * numel)
        return mismatch(tensor.float_data_size() / 2, "float_data");
      bytes = packTyped<float, float>(tensor.float_data());
      break;
    case TP::DOUBLE:
      if (tensor.double_data_size() != numel)
        return mismatch(tensor.double_data_size(), "double_data");
      bytes = packTyped<double, double>(tensor.double_data());
      break;
    case TP::COMPLEX128:
      if (tensor.double_data_size() != 2 * numel)
        return mismatch(tensor.double_data_size() / 2, "double_data");
      bytes = packTyped<double, double>(tensor.double_data());
      break;
    case TP::INT64:
      if (tensor.int64_data_size() != numel)
        return mismatch(tensor.int64_data_size(), "int64_data");
      bytes = packTyped<int64_t, int64_t>(tensor.int64_data());
      break;
    case TP::UINT32:
    case TP::UINT64:
      if (tensor.uint64_data_size() != numel)
        return mismatch(tensor.uint64_data_size(), "uint64_data");
      bytes = dt == TP::UINT32
                  ? packTyped<uint64_t, uint32_t>(tensor.uint64_data())
                  : packTyped<uint64_t, uint64_t>(tensor.uint64_data());
      break;
    case TP::INT32:
    case TP::INT16:
    case TP::INT8:
    case TP::UINT16:
    case TP::UINT8:
    case TP::BOOL:
    case TP::FLOAT16:
    case TP::BFLOAT16:
    case 17:
    case 18:
    case 19:
    case 20:
      if (tensor.int32_data_size() != numel)
        return mismatch(tensor.int32_data_size(), "int32_data");
      if (elemBytes == 4)
        bytes = packTyped<int32_t, int32_t>(tensor.int32_data());
      else if (elemBytes == 2)
        bytes = packTyped<int32_t, uint16_t>(tensor.int32_data());
      else
        bytes = packTyped<int32_t, uint8_t>(tensor.int32_data());
      break;
    case TP::STRING:
    default:
      return emitError(loc) << "tensor '" << tensor.name() << "' of type "
                            << dataTypeName(dt) << " is not supported";
    }
  }

  // Bool and small tensors: readable dense<> attributes.
  auto rawView = [&]() -> ArrayRef<char> {
    if (blob)
      return blob->getData();
    return ArrayRef<char>(bytes.data(), bytes.size());
  };
  if (elem.isInteger(1)) {
    ArrayRef<char> raw = rawView();
    SmallVector<bool> values;
    values.reserve(numel);
    for (int64_t i = 0; i < numel; ++i)
      values.push_back(raw[i] != 0);
    return ElementsAttr(DenseElementsAttr::get(type, values));
  }
  // Floating-point initializers are parameters with an identity: always a
  // named resource, so that no folder ever merges two equal-valued weights.
  bool forceResource = isInitializer && isa<FloatType>(elem);
  if (expected <= opts.resourceThresholdBytes && !isa<ComplexType>(elem) &&
      !forceResource) {
    ArrayRef<char> raw = rawView();
    bool isSplat = false;
    if (!DenseElementsAttr::isValidRawBuffer(type, raw, isSplat))
      return emitError(loc) << "tensor '" << tensor.name()
                            << "': malformed data";
    return ElementsAttr(DenseElementsAttr::getFromRawBuffer(type, raw));
  }
  if (!blob)
    blob = blobFromString(std::move(bytes),
                          std::min<size_t>(8, llvm::PowerOf2Ceil(elemBytes)));
  // Resource keys: the tensor name, made printable.
  std::string key = tensor.name().empty()
                        ? "tensor_" + std::to_string(resourceCounter++)
                        : tensor.name();
  for (char &c : key)
    if (!llvm::isAlnum(c) && c != '_' && c != '.')
      c = '_';
  if (key.empty() || llvm::isDigit(key[0]))
    key = "t_" + key;
  return ElementsAttr(DenseResourceElementsAttr::get(type, key, std::move(*blob)));
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

FailureOr<Attribute> Importer::convertAttribute(onnx::AttributeProto &attr,
                                                const onnx::NodeProto &node) {
  using A = onnx::AttributeProto;
  if (!attr.ref_attr_name().empty())
    return nodeError(node) << "attribute '" << attr.name()
                           << "' refers to a function attribute; functions "
                              "are not supported";
  switch (attr.type()) {
  case A::INT:
    if (node.op_type() == "Cast" && attr.name() == "to" &&
        node.domain().empty()) {
      Type t = elementTypeFromONNX(attr.i(), ctx);
      if (!t)
        return nodeError(node) << "'to' names unsupported data type "
                               << dataTypeName(attr.i());
      return Attribute(TypeAttr::get(t));
    }
    return Attribute(b.getI64IntegerAttr(attr.i()));
  case A::FLOAT:
    return Attribute(b.getF32FloatAttr(attr.f()));
  case A::STRING:
    return Attribute(b.getStringAttr(attr.s()));
  case A::INTS:
    return Attribute(b.getDenseI64ArrayAttr(
        SmallVector<int64_t>(attr.ints().begin(), attr.ints().end())));
  case A::FLOATS:
    return Attribute(b.getDenseF32ArrayAttr(
        SmallVector<float>(attr.floats().begin(), attr.floats().end())));
  case A::STRINGS: {
    SmallVector<Attribute> strs;
    for (const auto &s : attr.strings())
      strs.push_back(b.getStringAttr(s));
    return Attribute(b.getArrayAttr(strs));
  }
  case A::TENSOR: {
    FailureOr<ElementsAttr> t = convertTensor(*attr.mutable_t(), nodeLoc(node));
    if (failed(t))
      return failure();
    return Attribute(*t);
  }
  case A::TENSORS: {
    SmallVector<Attribute> ts;
    for (auto &t : *attr.mutable_tensors()) {
      FailureOr<ElementsAttr> e = convertTensor(t, nodeLoc(node));
      if (failed(e))
        return failure();
      ts.push_back(*e);
    }
    return Attribute(b.getArrayAttr(ts));
  }
  default:
    return nodeError(node) << "attribute '" << attr.name() << "' of kind "
                           << attrTypeName(attr.type())
                           << " is not supported";
  }
}

//===----------------------------------------------------------------------===//
// Signature checks
//===----------------------------------------------------------------------===//

LogicalResult Importer::checkSignature(const onnx::NodeProto &node,
                                       int64_t version) {
  using A = onnx::AttributeProto;
  const std::string &op = node.op_type();
  int numInputs = node.input_size();
  while (numInputs > 0 && node.input(numInputs - 1).empty())
    --numInputs;
  int numOutputs = node.output_size();

  // Ops libonnx 1.12 does not know.
  auto newIt = newOps().find(op);
  if (newIt != newOps().end()) {
    const NewOp &info = newIt->second;
    if (version < info.since)
      return nodeError(node) << op << " is not defined in opset " << version
                             << " (introduced in opset " << info.since << ")";
    for (const auto &a : node.attribute()) {
      auto it = llvm::find_if(info.attrs,
                              [&](auto &p) { return p.first == a.name(); });
      if (it == info.attrs.end())
        return nodeError(node) << "unknown attribute '" << a.name()
                               << "' for " << op << "-" << info.since;
      if (it->second != a.type())
        return nodeError(node) << "attribute '" << a.name() << "' must be "
                               << attrTypeName(it->second) << ", got "
                               << attrTypeName(a.type());
    }
    if (numInputs < info.minInputs || numInputs > info.maxInputs)
      return nodeError(node) << "expects " << info.minInputs << " to "
                             << info.maxInputs << " inputs, got " << numInputs;
    return success();
  }

  const onnx::OpSchema *schema = onnx::OpSchemaRegistry::Schema(
      op, std::min<int64_t>(version, 17), "");
  if (!schema) {
    const onnx::OpSchema *latest = onnx::OpSchemaRegistry::Schema(op, 17, "");
    if (latest && latest->SinceVersion() > version)
      return nodeError(node) << op << " is not defined in opset " << version
                             << " (introduced in opset "
                             << latest->SinceVersion() << ")";
    return success(); // Unknown to libonnx: treated like a custom op.
  }
  if (schema->Deprecated())
    return nodeError(node) << op << " is deprecated in opset " << version;

  // Attribute set: the schema's, adjusted by later revisions.
  std::map<std::string, A::AttributeType> allowed;
  std::set<std::string> required;
  for (const auto &[name, a] : schema->attributes()) {
    allowed[name] = a.type;
    if (a.required)
      required.insert(name);
  }
  int maxInputs = schema->max_input();
  for (const Revision &r : laterRevisions()) {
    if (op != r.opType || version < r.since)
      continue;
    for (const auto &a : r.removedAttrs) {
      allowed.erase(a);
      required.erase(a);
    }
    for (const auto &a : r.addedAttrs)
      allowed[a] = a == "saturate" || a == "antialias" ||
                           a == "num_outputs" || a == "noop_with_empty_axes"
                       ? A::INT
                   : a == "axes" || a == "dilations" ? A::INTS
                                                     : A::STRING;
    if (r.maxInputs >= 0)
      maxInputs = r.maxInputs;
  }
  for (const auto &a : node.attribute()) {
    auto it = allowed.find(a.name());
    if (it == allowed.end()) {
      for (const Revision &r : laterRevisions())
        if (op == r.opType && version >= r.since &&
            llvm::is_contained(r.removedAttrs, a.name()))
          return nodeError(node)
                 << "attribute '" << a.name() << "' of " << op
                 << " became an input in opset " << r.since;
      return nodeError(node) << "unknown attribute '" << a.name() << "' for "
                             << op << "-" << schema->SinceVersion();
    }
    if (it->second != a.type())
      return nodeError(node) << "attribute '" << a.name() << "' must be "
                             << attrTypeName(it->second) << ", got "
                             << attrTypeName(a.type());
    required.erase(a.name());
  }
  if (!required.empty())
    return nodeError(node) << "missing required attribute '"
                           << *required.begin() << "'";
  // "" placeholders count towards the minimum (Loop(M, "") is valid).
  if (node.input_size() < schema->min_input() || numInputs > maxInputs)
    return nodeError(node) << "expects " << schema->min_input() << " to "
                           << maxInputs << " inputs in opset " << version
                           << ", got " << numInputs;
  if (numOutputs < schema->min_output() || numOutputs > schema->max_output())
    return nodeError(node) << "expects " << schema->min_output() << " to "
                           << schema->max_output() << " outputs, got "
                           << numOutputs;

  // Type constraints: every input bound to the same type parameter must
  // carry the same element type, and that type must be allowed.
  const auto &formals = schema->inputs();
  std::map<std::string, std::pair<Type, std::string>> bound;
  for (int i = 0; i < numInputs; ++i) {
    if (node.input(i).empty() || formals.empty())
      continue;
    const auto &formal =
        formals[std::min<size_t>(i, formals.size() - 1)];
    if (i >= (int)formals.size() &&
        formal.GetOption() != onnx::OpSchema::Variadic)
      break;
    Value v = lookup(node.input(i));
    if (!v)
      continue;
    Type elem = getElementTypeOrSelf(v.getType());
    const std::string &param = formal.GetTypeStr();
    auto [it, inserted] = bound.try_emplace(param, elem, node.input(i));
    if (!inserted && it->second.first != elem && formal.GetIsHomogeneous())
      return nodeError(node) << "inputs '" << it->second.second << "' ("
                             << it->second.first << ") and '" << node.input(i)
                             << "' (" << elem << ") must have the same "
                             << "element type (type parameter " << param
                             << ")";
    // Allowed types, for parameters the schema constrains.
    if (version > 17)
      continue; // later revisions widened many type lists
    auto onnxType = elementTypeToONNX(elem);
    if (!onnxType)
      continue;
    std::string name = StringRef(dataTypeName(*onnxType)).lower();
    std::string str = "tensor(" + (name == "float" ? name : name) + ")";
    for (const auto &tc : schema->typeConstraintParams()) {
      if (tc.type_param_str != param || tc.allowed_type_strs.empty())
        continue;
      if (!llvm::is_contained(tc.allowed_type_strs, str))
        return nodeError(node)
               << "input '" << node.input(i) << "' has element type " << elem
               << ", which " << op << "-" << schema->SinceVersion()
               << " does not allow for type parameter " << param;
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Nodes
//===----------------------------------------------------------------------===//

/// Result types of control-flow ops when ONNX gives none.
static Type prependDim(Type t) {
  if (auto r = dyn_cast<RankedTensorType>(t)) {
    SmallVector<int64_t> shape = {ShapedType::kDynamic};
    llvm::append_range(shape, r.getShape());
    return RankedTensorType::get(shape, r.getElementType());
  }
  return t;
}

FailureOr<std::unique_ptr<Region>>
Importer::importSubgraph(onnx::GraphProto &graph, const onnx::NodeProto &node,
                         ArrayRef<Type> argTypeHints) {
  auto region = std::make_unique<Region>();
  Block *block = new Block();
  region->push_back(block);
  scopes.emplace_back();
  llvm::scope_exit popScope([&] { scopes.pop_back(); });
  llvm::StringSet<> initNames;
  for (const auto &init : graph.initializer())
    initNames.insert(init.name());
  collectValueInfo(graph);
  int argIdx = 0;
  for (const auto &in : graph.input()) {
    // An input with an initializer (required in IR version 3 subgraphs) is
    // that constant; importGraphBody imports it for subgraphs.
    if (initNames.contains(in.name()))
      continue;
    FailureOr<Type> t = convertType(in.type(), nodeLoc(node),
                                    "subgraph input '" + in.name() + "'");
    if (failed(t))
      return failure();
    Type ty = *t;
    if (argIdx < (int)argTypeHints.size() && argTypeHints[argIdx] &&
        (!ty || isa<UnrankedTensorType>(ty)))
      ty = argTypeHints[argIdx];
    if (!ty)
      return nodeError(node) << "cannot determine the type of subgraph input '"
                             << in.name() << "'";
    scopes.back()[in.name()] = block->addArgument(ty, tensorLoc(in.name()));
    ++argIdx;
  }
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(block);
  if (failed(importGraphBody(graph, block, /*isMain=*/false)))
    return failure();
  SmallVector<Value> results;
  for (const auto &out : graph.output()) {
    Value v = lookup(out.name());
    if (!v)
      return nodeError(node) << "subgraph output '" << out.name()
                             << "' is never produced";
    results.push_back(v);
  }
  mp::YieldOp::create(b, nodeLoc(node), results);
  return region;
}

LogicalResult Importer::importNode(onnx::NodeProto &node) {
  Location loc = nodeLoc(node);
  const std::string &domain = node.domain();
  bool isDefault = domain.empty() || domain == "ai.onnx";
  int64_t version = 0;
  {
    auto it = opsets.find(isDefault ? "" : domain);
    if (it == opsets.end())
      return nodeError(node) << "domain '" << domain
                             << "' is not listed in the model's opset_import";
    version = it->second;
  }

  // Inputs.
  SmallVector<Value> operands;
  SmallVector<bool> present;
  for (const auto &in : node.input()) {
    if (in.empty()) {
      present.push_back(false);
      continue;
    }
    Value v = lookup(in);
    if (!v)
      return nodeError(node) << "input '" << in
                             << "' is not a graph input, initializer or "
                                "output of an earlier node";
    operands.push_back(v);
    present.push_back(true);
  }
  while (!present.empty() && !present.back())
    present.pop_back();

  auto tableIt = isDefault ? opTable.find(node.op_type()) : opTable.end();
  bool typed = tableIt != opTable.end();
  // Scan-8 (leading sequence_lens) predates mp.scan: keep it generic.
  if (typed && node.op_type() == "Scan" && version < 9)
    typed = false;
  // Signatures are checked for modelled ops at every opset, and for the
  // others up to opset 17: libonnx 1.12 does not know later revisions of
  // ops that mp keeps generic, and those pass through unchanged anyway.
  if (isDefault && (typed || version <= 17) &&
      failed(checkSignature(node, version)))
    return failure();

  std::optional<OperationName> opName;
  StringRef inGroups = "*", outGroups = "*", regionNamesStr;
  if (typed) {
    opName = tableIt->second;
    auto *iface = opName->getInterface<mp::OnnxNodeOpInterface>();
    inGroups = iface->getOnnxInputGroups();
    outGroups = iface->getOnnxOutputGroups();
    regionNamesStr = iface->getOnnxRegionNames();
  } else {
    opName = OperationName("mp.onnx_op", ctx);
  }
  OperationState state(loc, *opName);
  state.addOperands(operands);

  // Resize-10 takes (X, scales): scales sits in the opset-11 'scales' slot.
  if (typed && node.op_type() == "Resize" && version < 11 && present.size() == 2)
    present.insert(present.begin() + 1, false);

  if (typed) {
    // Operand layout.
    SmallVector<int32_t> segs;
    size_t pos = 0;
    for (char g : inGroups) {
      if (g == '*') {
        int32_t n = 0;
        for (; pos < present.size(); ++pos) {
          if (!present[pos])
            return nodeError(node) << "variadic input " << pos
                                   << " must not be empty";
          ++n;
        }
        segs.push_back(n);
        continue;
      }
      bool has = pos < present.size() && present[pos];
      if (g == '1' && !has)
        return nodeError(node) << "required input " << pos << " is missing";
      segs.push_back(has ? 1 : 0);
      ++pos;
    }
    if (pos < present.size())
      return nodeError(node) << "has " << present.size()
                             << " inputs; at most " << inGroups.size()
                             << " are defined";
    if (opName->hasTrait<OpTrait::AttrSizedOperandSegments>())
      state.addAttribute("operandSegmentSizes", b.getDenseI32ArrayAttr(segs));
    else if (llvm::is_contained(present, false))
      return nodeError(node) << "skips an optional input that mp cannot leave "
                                "out here";
  } else {
    state.addAttribute("op_type", b.getStringAttr(node.op_type()));
    state.addAttribute("domain", b.getStringAttr(domain));
    if (llvm::is_contained(present, false)) {
      SmallVector<int32_t> segs;
      for (bool p : present)
        segs.push_back(p ? 1 : 0);
      state.addAttribute("input_segments", b.getDenseI32ArrayAttr(segs));
    }
  }

  // Attributes and subgraphs.
  NamedAttrList onnxAttrs;
  llvm::StringMap<onnx::GraphProto *> graphs;
  SmallVector<std::string> graphOrder;
  for (auto &attr : *node.mutable_attribute()) {
    if (attr.type() == onnx::AttributeProto::GRAPH) {
      graphs[attr.name()] = attr.mutable_g();
      graphOrder.push_back(attr.name());
      continue;
    }
    if (attr.type() == onnx::AttributeProto::GRAPHS)
      return nodeError(node) << "attribute '" << attr.name()
                             << "' of kind GRAPHS is not supported";
    FailureOr<Attribute> a = convertAttribute(attr, node);
    if (failed(a))
      return failure();
    if (typed)
      state.addAttribute(attr.name(), *a);
    else
      onnxAttrs.set(attr.name(), *a);
  }
  if (!typed)
    state.addAttribute("onnx_attrs", onnxAttrs.getDictionary(ctx));
  // Constant's scalar/list forms (opset 12+) become the `value` tensor.
  if (typed && node.op_type() == "Constant" && !state.attributes.get("value")) {
    for (const auto &attr : node.attribute()) {
      using A = onnx::AttributeProto;
      Attribute v;
      if (attr.name() == "value_float")
        v = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                   attr.f());
      else if (attr.name() == "value_int")
        v = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()),
                                   (int64_t)attr.i());
      else if (attr.name() == "value_floats")
        v = DenseElementsAttr::get(
            RankedTensorType::get({attr.floats_size()}, b.getF32Type()),
            ArrayRef<float>(attr.floats().data(), attr.floats_size()));
      else if (attr.name() == "value_ints")
        v = DenseElementsAttr::get(
            RankedTensorType::get({attr.ints_size()}, b.getI64Type()),
            ArrayRef<int64_t>(attr.ints().data(), attr.ints_size()));
      else if (attr.type() == A::SPARSE_TENSOR || attr.name() == "value_string" ||
               attr.name() == "value_strings")
        return nodeError(node) << "Constant attribute '" << attr.name()
                               << "' is not supported (sparse or string data)";
      if (v) {
        state.attributes.erase(attr.name());
        state.addAttribute("value", v);
      }
    }
  }

  SmallVector<StringRef> regionNames;
  if (typed) {
    if (!regionNamesStr.empty())
      regionNamesStr.split(regionNames, ',');
  } else {
    for (auto &n : graphOrder)
      regionNames.push_back(n);
    if (!regionNames.empty()) {
      SmallVector<Attribute> names;
      for (StringRef n : regionNames)
        names.push_back(b.getStringAttr(n));
      state.addAttribute("region_names", b.getArrayAttr(names));
    }
  }
  SmallVector<SmallVector<Type>> regionYieldTypes;
  for (StringRef rn : regionNames) {
    auto it = graphs.find(rn);
    if (it == graphs.end())
      return nodeError(node) << "missing subgraph attribute '" << rn << "'";
    // Argument type hints for Loop/Scan bodies whose inputs lack types.
    SmallVector<Type> hints;
    if (node.op_type() == "Loop" && typed) {
      Type i64 = RankedTensorType::get({}, b.getI64Type());
      hints.push_back(i64);
      hints.push_back(RankedTensorType::get({}, b.getI1Type()));
      size_t skip = (present.size() > 0 && present[0]) +
                    (present.size() > 1 && present[1]);
      for (size_t i = skip; i < operands.size(); ++i)
        hints.push_back(operands[i].getType());
    } else if (node.op_type() == "Scan" && typed) {
      int64_t nScan = 0;
      for (const auto &a : node.attribute())
        if (a.name() == "num_scan_inputs")
          nScan = a.i();
      int64_t nState = (int64_t)operands.size() - nScan;
      for (int64_t i = 0; i < (int64_t)operands.size(); ++i) {
        Type t = operands[i].getType();
        if (i >= nState)
          if (auto r = dyn_cast<RankedTensorType>(t); r && r.getRank() > 0)
            t = RankedTensorType::get(r.getShape().drop_front(),
                                      r.getElementType());
        hints.push_back(t);
      }
    }
    FailureOr<std::unique_ptr<Region>> region =
        importSubgraph(*it->second, node, hints);
    if (failed(region))
      return failure();
    auto yield = cast<mp::YieldOp>((*region)->front().back());
    regionYieldTypes.emplace_back(yield.getOperandTypes().begin(),
                                  yield.getOperandTypes().end());
    state.addRegion(std::move(*region));
  }
  if (graphs.size() != regionNames.size())
    return nodeError(node) << "has an unexpected subgraph attribute";

  // Results.
  SmallVector<bool> outPresent;
  SmallVector<std::string> outNames;
  for (const auto &out : node.output()) {
    outPresent.push_back(!out.empty());
    if (!out.empty())
      outNames.push_back(out);
  }
  while (!outPresent.empty() && !outPresent.back())
    outPresent.pop_back();
  if (typed) {
    SmallVector<int32_t> segs;
    size_t pos = 0;
    for (char g : outGroups) {
      if (g == '*') {
        int32_t n = 0;
        for (; pos < outPresent.size(); ++pos, ++n)
          if (!outPresent[pos])
            return nodeError(node) << "variadic output " << pos
                                   << " must not be empty";
        segs.push_back(n);
        continue;
      }
      bool has = pos < outPresent.size() && outPresent[pos];
      if (g == '1' && !has)
        return nodeError(node) << "required output " << pos << " is missing";
      segs.push_back(has ? 1 : 0);
      ++pos;
    }
    if (pos < outPresent.size())
      return nodeError(node) << "has " << outPresent.size()
                             << " outputs; at most " << outGroups.size()
                             << " are defined";
    if (opName->hasTrait<OpTrait::AttrSizedResultSegments>())
      state.addAttribute("resultSegmentSizes", b.getDenseI32ArrayAttr(segs));
    else if (llvm::is_contained(outPresent, false))
      return nodeError(node) << "skips an optional output that mp cannot "
                                "leave out here";
  } else if (llvm::is_contained(outPresent, false)) {
    return nodeError(node) << "skipped outputs of custom ops are not supported";
  }

  SmallVector<Type> resultTypes(outNames.size());
  bool missing = false;
  for (auto [i, name] : llvm::enumerate(outNames)) {
    auto it = valueTypes.find(name);
    if (it != valueTypes.end()) {
      FailureOr<Type> t =
          convertType(it->second, loc, "output '" + name + "'");
      if (failed(t))
        return failure();
      resultTypes[i] = *t;
    }
    missing |= !resultTypes[i];
  }
  if (missing && typed) {
    SmallVector<Type> inferred;
    const std::string &op = node.op_type();
    if (opName->hasInterface<InferTypeOpInterface>()) {
      if (succeeded(mp::inferMpReturnTypes(
              op, loc, operands, state.attributes.getDictionary(ctx),
              inferred)) &&
          inferred.size() == resultTypes.size())
        for (auto [r, t] : llvm::zip(resultTypes, inferred))
          if (!r)
            r = t;
    } else if (op == "If" && !regionYieldTypes.empty()) {
      for (auto [i, r] : llvm::enumerate(resultTypes))
        if (!r && i < regionYieldTypes[0].size())
          r = regionYieldTypes[0][i];
    } else if ((op == "Loop" || op == "Scan") && !regionYieldTypes.empty()) {
      ArrayRef<Type> yields = regionYieldTypes[0];
      if (op == "Loop")
      {
        if (yields.empty())
          return nodeError(node) << "Loop body must yield at least the "
                                    "condition";
        yields = yields.drop_front(); // the condition
      }
      int64_t nCarried =
          op == "Loop"
              ? (int64_t)operands.size() - (present.size() > 0 && present[0]) -
                    (present.size() > 1 && present[1])
              : (int64_t)operands.size() - [&] {
                  for (const auto &a : node.attribute())
                    if (a.name() == "num_scan_inputs")
                      return (int64_t)a.i();
                  return (int64_t)0;
                }();
      for (auto [i, r] : llvm::enumerate(resultTypes))
        if (!r && i < yields.size())
          r = (int64_t)i < nCarried ? yields[i] : prependDim(yields[i]);
    } else if (op == "Identity" || op == "Dropout") {
      if (!resultTypes[0])
        resultTypes[0] = operands[0].getType();
    }
  }
  for (auto [i, t] : llvm::enumerate(resultTypes))
    if (!t)
      return nodeError(node) << "cannot determine the type of output '"
                             << outNames[i]
                             << "'; add a value_info entry for it";
  state.addTypes(resultTypes);
  if (!node.doc_string().empty())
    state.addAttribute("mp.doc_string", b.getStringAttr(node.doc_string()));

  Operation *op = b.create(state);
  // Verify now, and restate the verifier's complaint at the node.
  std::string verifyMsg;
  bool verifyFailed;
  {
    ScopedDiagnosticHandler capture(ctx, [&](Diagnostic &d) {
      if (d.getSeverity() == DiagnosticSeverity::Error && verifyMsg.empty())
        verifyMsg = d.str();
      return success();
    });
    // Only the op's own invariants: region/dominance checks need the
    // enclosing subgraph, which is attached later (the module is verified
    // as a whole at the end).
    verifyFailed = failed(op->getName().verifyInvariants(op)) ||
                   failed(op->getName().verifyRegionInvariants(op));
  }
  if (verifyFailed) {
    op->erase();
    return nodeError(node) << verifyMsg;
  }
  for (auto [name, v] : llvm::zip(outNames, op->getResults())) {
    if (scopes.back().count(name))
      return nodeError(node) << "output '" << name
                             << "' is already defined in this graph "
                                "(duplicate tensor name)";
    scopes.back()[name] = v;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Graphs
//===----------------------------------------------------------------------===//

LogicalResult Importer::importGraphBody(onnx::GraphProto &graph, Block *block,
                                        bool isMain) {
  // Initializers (those that are not also inputs).
  llvm::StringSet<> inputNames;
  for (const auto &in : graph.input())
    inputNames.insert(in.name());
  llvm::StringSet<> seenInits;
  for (auto &init : *graph.mutable_initializer()) {
    Location loc = tensorLoc(init.name());
    if (init.name().empty())
      return emitError(loc) << "initializer without a name";
    if (!seenInits.insert(init.name()).second)
      return emitError(loc) << "duplicate initializer '" << init.name() << "'";
    if (isMain && inputNames.contains(init.name()))
      continue; // Handled with the inputs (an overridable default).
    FailureOr<ElementsAttr> value = convertTensor(init, loc, true);
    if (failed(value))
      return failure();
    auto c = mp::ConstantOp::create(b, fileLoc(), value->getType(), *value,
                                    b.getStringAttr(init.name()));
    scopes.back()[init.name()] = c;
  }
  if (graph.sparse_initializer_size())
    return emitError(fileLoc()) << "sparse initializers are not supported";

  // Nodes, in a topological order (ONNX requires one; we accept any order
  // and diagnose cycles).
  llvm::StringMap<int> producer;
  for (int i = 0; i < graph.node_size(); ++i)
    for (const auto &out : graph.node(i).output()) {
      if (out.empty())
        continue;
      auto [it, inserted] = producer.try_emplace(out, i);
      if (!inserted) {
        const auto &other = graph.node(it->second);
        nodeIndex = i;
        std::string otherDesc =
            other.name().empty() ? "#" + std::to_string(it->second)
                                 : "'" + other.name() + "'";
        return nodeError(graph.node(i))
               << "output '" << out << "' is also produced by node "
               << otherDesc << " (duplicate tensor name)";
      }
      if (scopes.back().count(out) && !lookup(out).getDefiningOp()) {
        nodeIndex = i;
        return nodeError(graph.node(i))
               << "output '" << out << "' redefines a graph input";
      }
    }
  // Names a node reads, including implicit reads from its subgraphs.
  std::function<void(const onnx::GraphProto &, llvm::StringSet<> &,
                     llvm::StringSet<> &)>
      collectGraphReads = [&](const onnx::GraphProto &g,
                              llvm::StringSet<> &reads,
                              llvm::StringSet<> &local) {
        for (const auto &in : g.input())
          local.insert(in.name());
        for (const auto &init : g.initializer())
          local.insert(init.name());
        for (const auto &n : g.node()) {
          for (const auto &in : n.input())
            if (!in.empty() && !local.contains(in))
              reads.insert(in);
          for (const auto &a : n.attribute())
            if (a.has_g()) {
              llvm::StringSet<> inner = local;
              collectGraphReads(a.g(), reads, inner);
            }
          for (const auto &o : n.output())
            local.insert(o);
        }
      };
  std::vector<llvm::SmallVector<int>> deps(graph.node_size());
  std::vector<int> indegree(graph.node_size(), 0);
  std::vector<llvm::SmallVector<int>> users(graph.node_size());
  for (int i = 0; i < graph.node_size(); ++i) {
    llvm::StringSet<> reads;
    for (const auto &in : graph.node(i).input())
      if (!in.empty())
        reads.insert(in);
    for (const auto &a : graph.node(i).attribute())
      if (a.has_g()) {
        llvm::StringSet<> local;
        collectGraphReads(a.g(), reads, local);
      }
    llvm::SmallSet<int, 4> seen;
    for (const auto &r : reads) {
      auto it = producer.find(r.getKey());
      if (it != producer.end() && seen.insert(it->second).second) {
        users[it->second].push_back(i);
        ++indegree[i];
      }
    }
  }
  std::vector<int> order;
  std::vector<int> ready;
  for (int i = graph.node_size() - 1; i >= 0; --i)
    if (indegree[i] == 0)
      ready.push_back(i);
  while (!ready.empty()) {
    // Keep the file order among ready nodes.
    auto minIt = std::min_element(ready.begin(), ready.end());
    int n = *minIt;
    ready.erase(minIt);
    order.push_back(n);
    for (int u : users[n])
      if (--indegree[u] == 0)
        ready.push_back(u);
  }
  if ((int)order.size() != graph.node_size()) {
    for (int i = 0; i < graph.node_size(); ++i)
      if (indegree[i] > 0) {
        nodeIndex = i;
        return nodeError(graph.node(i)) << "is part of a cycle in the graph";
      }
  }
  for (int i : order) {
    nodeIndex = i;
    if (failed(importNode(*graph.mutable_node(i))))
      return failure();
  }
  (void)block;
  (void)isMain;
  return success();
}

OwningOpRef<ModuleOp> Importer::importModel(onnx::ModelProto &model) {
  Location loc = fileLoc();
  if (!model.has_graph())
    return emitError(loc) << "not an ONNX model: no graph", nullptr;
  if (model.ir_version() <= 0)
    return emitError(loc) << "not an ONNX model: missing ir_version", nullptr;
  if (model.opset_import_size() == 0)
    return emitError(loc) << "model has no opset_import", nullptr;

  for (const auto &o : model.opset_import()) {
    std::string dom = o.domain() == "ai.onnx" ? "" : o.domain();
    if (!opsets.try_emplace(dom, o.version()).second)
      return emitError(loc) << "opset_import lists domain '" << o.domain()
                            << "' twice",
             nullptr;
    if (dom.empty()) {
      defaultOpset = o.version();
      if (o.version() < kMinSupportedOpset || o.version() > kMaxSupportedOpset)
        return emitError(loc) << "unsupported opset " << o.version()
                              << " for the default ONNX domain; mixprec "
                                 "supports opsets "
                              << kMinSupportedOpset << " to "
                              << kMaxSupportedOpset,
               nullptr;
    } else if (dom == "ai.onnx.ml" && (o.version() < 1 || o.version() > 5)) {
      return emitError(loc) << "unsupported opset " << o.version()
                            << " for domain 'ai.onnx.ml'",
             nullptr;
    } else if (o.version() < 1) {
      return emitError(loc) << "invalid opset version " << o.version()
                            << " for domain '" << o.domain() << "'",
             nullptr;
    }
  }
  if (!opsets.count(""))
    opsets[""] = defaultOpset = 0;

  if (!opts.inputShapes.empty()) {
    onnx::GraphProto &g = *model.mutable_graph();
    for (auto &in : *g.mutable_input()) {
      auto it = opts.inputShapes.find(in.name());
      if (it == opts.inputShapes.end() || !in.type().has_tensor_type())
        continue;
      const std::vector<int64_t> &want = it->second;
      auto *shape = in.mutable_type()->mutable_tensor_type()->mutable_shape();
      bool hadShape = in.type().tensor_type().has_shape();
      if (hadShape && shape->dim_size() != (int)want.size())
        return emitError(tensorLoc(in.name()))
                   << "graph input '" << in.name() << "' has rank "
                   << shape->dim_size() << " but was given a rank-"
                   << want.size() << " shape",
               nullptr;
      for (size_t d = 0; hadShape && d < want.size(); ++d)
        if (shape->dim(d).has_dim_value() && shape->dim(d).dim_value() != want[d])
          return emitError(tensorLoc(in.name()))
                     << "graph input '" << in.name() << "' has size "
                     << shape->dim(d).dim_value() << " in dim " << d
                     << " but was given " << want[d],
                 nullptr;
      shape->clear_dim();
      for (int64_t v : want)
        shape->add_dim()->set_dim_value(v);
    }
    auto dropSymbolic = [](onnx::ValueInfoProto &vi) {
      if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape())
        return;
      for (const auto &d : vi.type().tensor_type().shape().dim())
        if (!d.has_dim_value()) {
          vi.mutable_type()->mutable_tensor_type()->clear_shape();
          return;
        }
    };
    for (auto &vi : *g.mutable_value_info())
      dropSymbolic(vi);
    for (auto &vi : *g.mutable_output())
      dropSymbolic(vi);
  }

  // libonnx's inference only knows opsets up to 17. A newer model is
  // inferred as opset 17 when none of its nodes uses an op whose signature
  // changed after 17 (else inference would apply the old signature).
  if (opts.runShapeInference && defaultOpset > 0) {
    std::function<bool(const onnx::GraphProto &)> safe =
        [&](const onnx::GraphProto &g) {
          for (const auto &n : g.node()) {
            if (!n.domain().empty() && n.domain() != "ai.onnx")
              continue;
            if (newOps().count(n.op_type()))
              return false;
            for (const Revision &r : laterRevisions())
              if (n.op_type() == r.opType)
                return false;
            for (const auto &a : n.attribute())
              if (a.has_g() && !safe(a.g()))
                return false;
          }
          return true;
        };
    bool downgrade = defaultOpset > 17;
    if (!downgrade || safe(model.graph())) {
      onnx::OperatorSetIdProto *defaultImport = nullptr;
      for (auto &o : *model.mutable_opset_import())
        if (o.domain().empty() || o.domain() == "ai.onnx")
          defaultImport = &o;
      if (downgrade)
        defaultImport->set_version(17);
      try {
        onnx::ShapeInferenceOptions siOpts{/*check_type=*/false,
                                           /*error_mode=*/0,
                                           /*enable_data_propagation=*/false};
        onnx::shape_inference::InferShapes(
            model, onnx::OpSchemaRegistry::Instance(), siOpts);
      } catch (const std::exception &) {
        // Non-strict: fall back to value_info and mp's own inference.
      }
      if (downgrade)
        defaultImport->set_version(defaultOpset);
    }
  }

  onnx::GraphProto &graph = *model.mutable_graph();
  collectValueInfo(graph);

  OwningOpRef<ModuleOp> moduleRef = ModuleOp::create(loc);
  ModuleOp module = *moduleRef;
  // Model metadata.
  module->setAttr("mp.ir_version", b.getI64IntegerAttr(model.ir_version()));
  NamedAttrList opsetAttrs;
  // The default domain is spelled "ai.onnx" in the IR: MLIR dictionaries
  // cannot have an empty key.
  for (const auto &o : model.opset_import())
    opsetAttrs.append(o.domain().empty() ? "ai.onnx" : o.domain(),
                      b.getI64IntegerAttr(o.version()));
  module->setAttr(mp::MpDialect::kOpsetImportAttr,
                  opsetAttrs.getDictionary(ctx));
  auto setStr = [&](StringRef name, const std::string &v) {
    if (!v.empty())
      module->setAttr(name, b.getStringAttr(v));
  };
  setStr("mp.producer_name", model.producer_name());
  setStr("mp.producer_version", model.producer_version());
  setStr("mp.domain", model.domain());
  setStr("mp.doc_string", model.doc_string());
  setStr("mp.graph_name", graph.name());
  setStr("mp.graph_doc_string", graph.doc_string());
  if (model.model_version())
    module->setAttr("mp.model_version",
                    b.getI64IntegerAttr(model.model_version()));
  if (model.metadata_props_size()) {
    NamedAttrList props;
    for (const auto &p : model.metadata_props())
      props.set(p.key(), b.getStringAttr(p.value()));
    module->setAttr("mp.metadata_props", props.getDictionary(ctx));
  }
  if (model.functions_size())
    return emitError(loc) << "model-local functions are not supported",
           nullptr;

  // Inputs (initializers that are also inputs are overridable defaults).
  llvm::StringMap<onnx::TensorProto *> inits;
  for (auto &init : *graph.mutable_initializer())
    inits[init.name()] = &init;
  SmallVector<Type> argTypes;
  SmallVector<DictionaryAttr> argAttrs;
  SmallVector<std::string> argNames;
  llvm::StringSet<> seenInputs;
  for (const auto &in : graph.input()) {
    Location il = tensorLoc(in.name());
    if (!seenInputs.insert(in.name()).second)
      return emitError(il) << "duplicate graph input '" << in.name() << "'",
             nullptr;
    FailureOr<Type> t =
        convertType(in.type(), il, "graph input '" + in.name() + "'");
    if (failed(t))
      return nullptr;
    NamedAttrList attrs;
    attrs.set(mp::MpDialect::kNameAttr, b.getStringAttr(in.name()));
    Type ty = *t;
    auto initIt = inits.find(in.name());
    if (initIt != inits.end()) {
      FailureOr<ElementsAttr> v = convertTensor(*initIt->second, il);
      if (failed(v))
        return nullptr;
      if (ty && (failed(verifyCompatibleShape(ty, v->getType())) ||
                 getElementTypeOrSelf(ty) != v->getElementType()))
        return emitError(il) << "graph input '" << in.name() << "' is declared "
                             << ty << " but its initializer is "
                             << v->getType(),
               nullptr;
      if (!ty)
        ty = v->getType();
      attrs.set("mp.default_initializer", *v);
    }
    if (!ty)
      return emitError(il) << "graph input '" << in.name()
                           << "' has no tensor type",
             nullptr;
    if (in.type().tensor_type().has_shape()) {
      SmallVector<Attribute> params;
      bool any = false;
      for (const auto &d : in.type().tensor_type().shape().dim()) {
        params.push_back(b.getStringAttr(d.dim_param()));
        any |= !d.dim_param().empty();
      }
      if (any)
        attrs.set("mp.dim_params", b.getArrayAttr(params));
    }
    argTypes.push_back(ty);
    argAttrs.push_back(attrs.getDictionary(ctx));
    argNames.push_back(in.name());
  }

  auto funcType = b.getFunctionType(argTypes, {});
  auto func = func::FuncOp::create(b, loc, "main", funcType);
  module.push_back(func);
  Block *entry = func.addEntryBlock();
  func.setAllArgAttrs(argAttrs);
  scopes.emplace_back();
  for (auto [i, name] : llvm::enumerate(argNames)) {
    entry->getArgument(i).setLoc(fileLoc()); // the name is in mp.name
    scopes.back()[name] = entry->getArgument(i);
  }
  b.setInsertionPointToEnd(entry);
  if (failed(importGraphBody(graph, entry, /*isMain=*/true)))
    return nullptr;

  // Outputs.
  SmallVector<Value> results;
  SmallVector<DictionaryAttr> resAttrs;
  for (const auto &out : graph.output()) {
    Value v = lookup(out.name());
    if (!v)
      return emitError(tensorLoc(out.name()))
                 << "graph output '" << out.name()
                 << "' is not produced by any node, input or initializer",
             nullptr;
    FailureOr<Type> declared = convertType(
        out.type(), tensorLoc(out.name()), "graph output '" + out.name() + "'");
    if (failed(declared))
      return nullptr;
    if (*declared && !mp::areCompatibleMpTypes(*declared, v.getType()))
      return emitError(tensorLoc(out.name()))
                 << "graph output '" << out.name() << "' is declared "
                 << *declared << " but its producer gives " << v.getType(),
             nullptr;
    results.push_back(v);
    NamedAttrList attrs;
    attrs.set(mp::MpDialect::kNameAttr, b.getStringAttr(out.name()));
    if (out.type().tensor_type().has_shape()) {
      SmallVector<Attribute> params;
      bool any = false;
      for (const auto &d : out.type().tensor_type().shape().dim()) {
        // Inference names dims it cannot resolve "unk__<n>": not the user's.
        StringRef p = d.dim_param();
        if (p.starts_with("unk__"))
          p = "";
        params.push_back(b.getStringAttr(p));
        any |= !p.empty();
      }
      if (any)
        attrs.set("mp.dim_params", b.getArrayAttr(params));
    }
    resAttrs.push_back(attrs.getDictionary(ctx));
  }
  func::ReturnOp::create(b, loc, results);
  func.setFunctionType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  func.setAllResultAttrs(resAttrs);
  if (failed(verify(module)))
    return nullptr;
  return moduleRef;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> mixprec::importONNX(StringRef buffer, bool isText,
                                          StringRef fileName,
                                          MLIRContext *context,
                                          const ImportOptions &options) {
  context->loadDialect<mp::MpDialect, func::FuncDialect>();
  Location loc = FileLineColLoc::get(context, fileName, 0, 0);
  onnx::ModelProto model;
  if (isText) {
    // Drop whole-line `//` comments (lit RUN lines) before parsing.
    std::string text;
    SmallVector<StringRef> lines;
    buffer.split(lines, '\n');
    for (StringRef line : lines) {
      if (!line.ltrim().starts_with("//"))
        text += line.str();
      text += '\n';
    }
    onnx::Common::Status status;
    try {
      status = onnx::OnnxParser::Parse(model, text.c_str());
    } catch (const std::exception &e) {
      return emitError(loc) << "invalid ONNX text: " << e.what(), nullptr;
    }
    if (!status.IsOK())
      return emitError(loc) << "invalid ONNX text: " << status.ErrorMessage(),
             nullptr;
  } else {
    google::protobuf::io::CodedInputStream stream(
        reinterpret_cast<const uint8_t *>(buffer.data()), buffer.size());
    stream.SetTotalBytesLimit(std::numeric_limits<int>::max());
    if (!model.ParseFromCodedStream(&stream) ||
        !stream.ConsumedEntireMessage())
      return emitError(loc)
                 << "cannot parse the file as an ONNX ModelProto (truncated "
                    "or not an ONNX protobuf; "
                 << buffer.size() << " bytes)",
             nullptr;
  }
  ImportOptions opts = options;
  // External data is relative to the model's folder.
  if (opts.externalDataDir.empty()) {
    SmallString<256> dir(fileName);
    llvm::sys::path::remove_filename(dir);
    opts.externalDataDir = dir.empty() ? "." : std::string(dir);
  }
  Importer importer(context, fileName, opts);
  if (isText)
    importer.indexText(buffer);
  return importer.importModel(model);
}

OwningOpRef<ModuleOp> mixprec::importONNXFile(StringRef path,
                                              MLIRContext *context,
                                              const ImportOptions &options) {
  auto buf = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                /*RequiresNullTerminator=*/false);
  if (!buf) {
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << "cannot open '" << path << "': " << buf.getError().message();
    return nullptr;
  }
  return importONNX((*buf)->getBuffer(), isONNXTextPath(path), path, context,
                    options);
}
