//===- ExportONNX.cpp - mp dialect to ONNX ModelProto ---------------------===//
//
// Writes `func.func @main` back as an ONNX graph. Typed mp ops export through
// OnnxNodeOpInterface (op type, input/output layout, region names); their
// inherent attributes keep their ONNX names. `mp.onnx_op` exports verbatim.
// Weights stream from their dense_resource blobs; with external data they
// go straight to the data file without passing through protobuf.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Target/ONNX/ONNXExport.h"

#include "ONNXCommon.h"
#include "mixprec/Dialect/Mp/IR/MpDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mixprec;
using namespace mixprec::onnx_common;

namespace {

/// Raw little-endian bytes of an elements attribute, in ONNX raw_data layout.
/// Returns a view when the data is already laid out (resources, non-splat
/// dense), otherwise fills `storage`.
FailureOr<ArrayRef<char>> rawBytes(ElementsAttr attr, std::string &storage) {
  Type elem = attr.getElementType();
  int64_t numel = attr.getNumElements();
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return failure();
    return blob->getData();
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return failure();
  if (elem.isInteger(1)) {
    storage.resize(numel);
    auto values = dense.getValues<bool>();
    for (int64_t i = 0; i < numel; ++i)
      storage[i] = values[i] ? 1 : 0;
    return ArrayRef<char>(storage.data(), storage.size());
  }
  ArrayRef<char> raw = dense.getRawData();
  if (!dense.isSplat())
    return raw;
  storage.clear();
  storage.reserve(raw.size() * numel);
  for (int64_t i = 0; i < numel; ++i)
    storage.append(raw.data(), raw.size());
  return ArrayRef<char>(storage.data(), storage.size());
}

struct PendingExternal {
  onnx::TensorProto *tensor;
  ArrayRef<char> data;
};

class Exporter {
public:
  Exporter(ModuleOp module, const ExportOptions &opts)
      : module(module), opts(opts) {}

  LogicalResult run(onnx::ModelProto &model, bool allowExternal);
  std::vector<PendingExternal> externals;
  uint64_t totalBytes = 0;

private:
  LogicalResult exportBlock(Block &block, onnx::GraphProto &graph,
                            bool isMain, StringRef graphName);
  LogicalResult exportOp(Operation *op, onnx::GraphProto &graph);
  LogicalResult setTensor(onnx::TensorProto &t, ElementsAttr value,
                          StringRef name, Location loc);
  LogicalResult setType(onnx::TypeProto &tp, Type type, Location loc,
                        ArrayAttr dimParams = {});
  LogicalResult setAttribute(onnx::AttributeProto &a, StringRef name,
                             Attribute value, Operation *op);
  std::string uniqueName(StringRef base) {
    std::string name = base.empty() ? "t" : base.str();
    if (usedNames.insert(name).second)
      return name;
    for (unsigned i = 1;; ++i) {
      std::string candidate = name + "_" + std::to_string(i);
      if (usedNames.insert(candidate).second)
        return candidate;
    }
  }
  std::string nameOf(Value v) {
    auto it = valueNames.find(v);
    if (it != valueNames.end())
      return it->second;
    std::string base;
    if (auto res = dyn_cast<OpResult>(v)) {
      std::string node = nodeName(res.getOwner(), /*peek=*/true);
      base = node + "_out" + std::to_string(res.getResultNumber());
    }
    std::string n = uniqueName(base);
    valueNames[v] = n;
    return n;
  }
  std::string nodeName(Operation *op, bool peek = false) {
    auto it = nodeNames.find(op);
    if (it != nodeNames.end())
      return it->second;
    std::string base;
    // The first NameLoc in the location (passes may fuse locations).
    op->getLoc()->walk([&](Location l) {
      if (auto nl = dyn_cast<NameLoc>(l)) {
        base = nl.getName().str();
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (base.empty()) {
      if (auto iface = dyn_cast<mp::OnnxNodeOpInterface>(op))
        base = iface.getOnnxOpType().str();
      else if (auto g = dyn_cast<mp::OnnxOp>(op))
        base = g.getOpType().str();
      base += "_" + std::to_string(anonCounter++);
    }
    if (peek)
      return base;
    std::string n = base;
    for (unsigned i = 1; !usedNodeNames.insert(n).second; ++i)
      n = base + "_" + std::to_string(i);
    nodeNames[op] = n;
    return n;
  }
  void addValueInfo(onnx::GraphProto &graph, Value v) {
    if (!opts.emitValueInfo)
      return;
    auto *vi = graph.add_value_info();
    vi->set_name(nameOf(v));
    if (failed(setType(*vi->mutable_type(), v.getType(), v.getLoc())))
      graph.mutable_value_info()->RemoveLast();
  }

  ModuleOp module;
  const ExportOptions &opts;
  DenseMap<Value, std::string> valueNames;
  DenseMap<Operation *, std::string> nodeNames;
  llvm::StringSet<> usedNames;
  llvm::StringSet<> usedNodeNames;
  unsigned anonCounter = 0;
  bool externalize = false;
};

} // namespace

LogicalResult Exporter::setType(onnx::TypeProto &tp, Type type, Location loc,
                                ArrayAttr dimParams) {
  auto shaped = dyn_cast<TensorType>(type);
  if (!shaped)
    return emitError(loc) << "type " << type << " has no ONNX equivalent";
  auto dt = elementTypeToONNX(shaped.getElementType());
  if (!dt)
    return emitError(loc) << "element type " << shaped.getElementType()
                          << " has no ONNX equivalent";
  auto *tt = tp.mutable_tensor_type();
  tt->set_elem_type(*dt);
  if (auto ranked = dyn_cast<RankedTensorType>(type)) {
    auto *shape = tt->mutable_shape();
    for (auto [i, d] : llvm::enumerate(ranked.getShape())) {
      auto *dim = shape->add_dim();
      if (!ShapedType::isDynamic(d))
        dim->set_dim_value(d);
      else if (dimParams && i < dimParams.size()) {
        StringRef p = cast<StringAttr>(dimParams[i]).getValue();
        if (!p.empty())
          dim->set_dim_param(p.str());
      }
    }
  }
  return success();
}

LogicalResult Exporter::setTensor(onnx::TensorProto &t, ElementsAttr value,
                                  StringRef name, Location loc) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return emitError(loc) << "tensor '" << name << "' is not ranked";
  auto dt = elementTypeToONNX(type.getElementType());
  if (!dt)
    return emitError(loc) << "tensor '" << name << "' has element type "
                          << type.getElementType()
                          << ", which has no ONNX equivalent";
  t.set_name(name.str());
  t.set_data_type(*dt);
  for (int64_t d : type.getShape())
    t.add_dims(d);
  std::string storage;
  FailureOr<ArrayRef<char>> bytes = rawBytes(value, storage);
  if (failed(bytes))
    return emitError(loc) << "tensor '" << name
                          << "' has no data (an elided or unknown resource)";
  int64_t expected =
      type.getNumElements() * elementByteSize(type.getElementType());
  if ((int64_t)bytes->size() != expected)
    return emitError(loc) << "tensor '" << name << "' holds " << bytes->size()
                          << " bytes but its type needs " << expected;
  totalBytes += bytes->size();
  if (externalize && (int64_t)bytes->size() >= opts.externalDataThreshold &&
      storage.empty()) {
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    externals.push_back({&t, *bytes});
    return success();
  }
  t.set_raw_data(bytes->data(), bytes->size());
  return success();
}

LogicalResult Exporter::setAttribute(onnx::AttributeProto &a, StringRef name,
                                     Attribute value, Operation *op) {
  using A = onnx::AttributeProto;
  a.set_name(name.str());
  if (auto t = dyn_cast<TypeAttr>(value)) {
    auto dt = elementTypeToONNX(t.getValue());
    if (!dt)
      return op->emitError() << "attribute '" << name << "': type "
                             << t.getValue() << " has no ONNX data type";
    a.set_type(A::INT);
    a.set_i(*dt);
  } else if (auto i = dyn_cast<IntegerAttr>(value)) {
    a.set_type(A::INT);
    a.set_i(i.getInt());
  } else if (auto f = dyn_cast<FloatAttr>(value)) {
    a.set_type(A::FLOAT);
    a.set_f(f.getValueAsDouble());
  } else if (auto s = dyn_cast<StringAttr>(value)) {
    a.set_type(A::STRING);
    a.set_s(s.getValue().str());
  } else if (auto ints = dyn_cast<DenseI64ArrayAttr>(value)) {
    a.set_type(A::INTS);
    for (int64_t v : ints.asArrayRef())
      a.add_ints(v);
  } else if (auto floats = dyn_cast<DenseF32ArrayAttr>(value)) {
    a.set_type(A::FLOATS);
    for (float v : floats.asArrayRef())
      a.add_floats(v);
  } else if (auto e = dyn_cast<ElementsAttr>(value)) {
    a.set_type(A::TENSOR);
    bool saved = externalize;
    externalize = false; // attribute tensors stay inline
    LogicalResult r = setTensor(*a.mutable_t(), e, "", op->getLoc());
    externalize = saved;
    return r;
  } else if (auto arr = dyn_cast<ArrayAttr>(value)) {
    if (!arr.empty() && isa<ElementsAttr>(arr[0])) {
      a.set_type(A::TENSORS);
      for (Attribute el : arr) {
        auto e = dyn_cast<ElementsAttr>(el);
        if (!e || failed(setTensor(*a.add_tensors(), e, "", op->getLoc())))
          return op->emitError() << "attribute '" << name
                                 << "': mixed tensor list";
      }
    } else {
      a.set_type(A::STRINGS);
      for (Attribute el : arr) {
        auto s = dyn_cast<StringAttr>(el);
        if (!s)
          return op->emitError() << "attribute '" << name
                                 << "': array elements must be strings";
        a.add_strings(s.getValue().str());
      }
    }
  } else {
    return op->emitError() << "attribute '" << name << "' (" << value
                           << ") has no ONNX attribute kind";
  }
  return success();
}

LogicalResult Exporter::exportOp(Operation *op, onnx::GraphProto &graph) {
  if (auto c = dyn_cast<mp::ConstantOp>(op)) {
    if (auto init = c.getInitializer()) {
      std::string name = uniqueName(*init);
      valueNames[c.getResult()] = name;
      return setTensor(*graph.add_initializer(), c.getValue(), name,
                       op->getLoc());
    }
  }
  auto iface = dyn_cast<mp::OnnxNodeOpInterface>(op);
  auto generic = dyn_cast<mp::OnnxOp>(op);
  if (!iface && !generic)
    return op->emitError() << "'" << op->getName()
                           << "' has no ONNX equivalent; only mp ops can be "
                              "exported to ONNX";

  auto *node = graph.add_node();
  node->set_name(nodeName(op));
  SmallVector<StringRef> regionNames;
  StringRef outGroups = "*";
  if (iface) {
    node->set_op_type(iface.getOnnxOpType().str());
    outGroups = iface.getOnnxOutputGroups();
    StringRef rn = iface.getOnnxRegionNames();
    if (!rn.empty())
      rn.split(regionNames, ',');
  } else {
    node->set_op_type(generic.getOpType().str());
    if (!generic.getDomain().empty())
      node->set_domain(generic.getDomain().str());
    if (auto names = generic.getRegionNames())
      for (Attribute a : *names)
        regionNames.push_back(cast<StringAttr>(a).getValue());
  }

  // Inputs, with "" for absent optional ones.
  auto segAttr = op->getAttrOfType<DenseI32ArrayAttr>(
      generic ? "input_segments" : "operandSegmentSizes");
  unsigned idx = 0;
  if (segAttr) {
    SmallVector<std::string> inputs;
    for (int32_t n : segAttr.asArrayRef()) {
      if (n == 0)
        inputs.push_back("");
      for (int32_t i = 0; i < n; ++i)
        inputs.push_back(nameOf(op->getOperand(idx++)));
    }
    // Resize-10 has no roi input: (X, scales).
    if (isa<mp::ResizeOp>(op)) {
      auto opsets = module->getAttrOfType<DictionaryAttr>(
          mp::MpDialect::kOpsetImportAttr);
      IntegerAttr v =
          opsets ? opsets.getAs<IntegerAttr>("ai.onnx") : IntegerAttr();
      if (v && v.getInt() < 11 && inputs.size() >= 3 && inputs[1].empty())
        inputs.erase(inputs.begin() + 1);
    }
    while (!inputs.empty() && inputs.back().empty())
      inputs.pop_back();
    for (auto &s : inputs)
      node->add_input(s);
  } else {
    for (Value v : op->getOperands())
      node->add_input(nameOf(v));
  }

  // Outputs, with "" for absent optional ones.
  auto resSegs = op->getAttrOfType<DenseI32ArrayAttr>("resultSegmentSizes");
  SmallVector<Value> results(op->getResults());
  if (resSegs) {
    unsigned r = 0;
    SmallVector<std::string> outs;
    for (int32_t n : resSegs.asArrayRef()) {
      if (n == 0)
        outs.push_back("");
      for (int32_t i = 0; i < n; ++i)
        outs.push_back(nameOf(op->getResult(r++)));
    }
    while (!outs.empty() && outs.back().empty())
      outs.pop_back();
    for (auto &s : outs)
      node->add_output(s);
  } else {
    for (Value v : results)
      node->add_output(nameOf(v));
  }
  (void)outGroups;

  // Attributes.
  if (generic) {
    for (NamedAttribute a : generic.getOnnxAttrs())
      if (failed(setAttribute(*node->add_attribute(), a.getName().getValue(),
                              a.getValue(), op)))
        return failure();
  } else {
    for (NamedAttribute a : mp::getAllAttrs(op)) {
      StringRef n = a.getName().getValue();
      if (n == "operandSegmentSizes" || n == "resultSegmentSizes" ||
          n.contains('.'))
        continue; // structural or discardable (mp.*) attributes
      if (failed(setAttribute(*node->add_attribute(), n, a.getValue(), op)))
        return failure();
    }
  }
  if (auto doc = op->getAttrOfType<StringAttr>("mp.doc_string"))
    node->set_doc_string(doc.getValue().str());

  // Subgraphs.
  for (auto [name, region] : llvm::zip(regionNames, op->getRegions())) {
    auto *attr = node->add_attribute();
    attr->set_name(name.str());
    attr->set_type(onnx::AttributeProto::GRAPH);
    auto *g = attr->mutable_g();
    std::string gname = node->name() + "_" + name.str();
    g->set_name(gname);
    if (region.empty())
      return op->emitError() << "region '" << name << "' is empty";
    if (failed(exportBlock(region.front(), *g, /*isMain=*/false, gname)))
      return failure();
  }
  for (Value v : results)
    addValueInfo(graph, v);
  return success();
}

LogicalResult Exporter::exportBlock(Block &block, onnx::GraphProto &graph,
                                    bool isMain, StringRef graphName) {
  if (!isMain) {
    for (BlockArgument arg : block.getArguments()) {
      // Subgraph inputs keep their ONNX names (NameLoc) when they have one.
      std::string want =
          graphName.str() + "_in" + std::to_string(arg.getArgNumber());
      if (auto nl = dyn_cast<NameLoc>(arg.getLoc()))
        want = nl.getName().str();
      std::string name = uniqueName(want);
      valueNames[arg] = name;
      auto *vi = graph.add_input();
      vi->set_name(name);
      if (failed(setType(*vi->mutable_type(), arg.getType(), arg.getLoc())))
        return failure();
    }
  }
  Operation *terminator = block.empty() ? nullptr : &block.back();
  if (!terminator || !(isa<func::ReturnOp>(terminator) ||
                       isa<mp::YieldOp>(terminator)))
    return emitError(block.getParent()->getLoc())
           << "block must end with func.return or mp.yield";

  // Name the producers of graph outputs after the outputs, so that no
  // Identity is needed in the common case.
  auto func = isMain ? dyn_cast<func::FuncOp>(block.getParentOp()) : nullptr;
  SmallVector<std::string> outNames;
  llvm::StringSet<> claimed;
  for (auto [i, v] : llvm::enumerate(terminator->getOperands())) {
    std::string want;
    if (func)
      if (auto n = func.getResultAttrOfType<StringAttr>(
              i, mp::MpDialect::kNameAttr))
        want = n.getValue().str();
    if (want.empty())
      want = isMain ? "output_" + std::to_string(i)
                    : graphName.str() + "_out" + std::to_string(i);
    outNames.push_back(want);
    bool producedHere =
        v.getDefiningOp() && v.getDefiningOp()->getBlock() == &block &&
        !isa<mp::ConstantOp>(v.getDefiningOp());
    if (producedHere && !valueNames.count(v) && claimed.insert(want).second &&
        usedNames.insert(want).second)
      valueNames[v] = want;
  }

  for (Operation &op : block.without_terminator())
    if (failed(exportOp(&op, graph)))
      return failure();

  for (auto [i, v] : llvm::enumerate(terminator->getOperands())) {
    std::string have = nameOf(v);
    std::string out = outNames[i];
    if (have != out) {
      // The value is an input, an initializer, an outer value or already an
      // output: route it through an Identity node.
      out = uniqueName(out);
      auto *id = graph.add_node();
      id->set_op_type("Identity");
      id->set_name(uniqueName(out + "_identity"));
      id->add_input(have);
      id->add_output(out);
    }
    auto *vi = graph.add_output();
    vi->set_name(out);
    ArrayAttr dimParams =
        func ? func.getResultAttrOfType<ArrayAttr>(i, "mp.dim_params")
             : ArrayAttr();
    if (failed(setType(*vi->mutable_type(), v.getType(), v.getLoc(),
                       dimParams)))
      return failure();
  }
  // Outputs need no value_info entries.
  llvm::StringSet<> outSet;
  for (const auto &o : graph.output())
    outSet.insert(o.name());
  auto *vis = graph.mutable_value_info();
  for (int i = vis->size() - 1; i >= 0; --i)
    if (outSet.contains(vis->Get(i).name()))
      vis->DeleteSubrange(i, 1);
  return success();
}

LogicalResult Exporter::run(onnx::ModelProto &model, bool allowExternal) {
  auto funcs = module.getOps<func::FuncOp>();
  func::FuncOp main;
  for (func::FuncOp f : funcs)
    if (f.getName() == "main" || !main)
      main = f;
  if (!main)
    return module.emitError() << "no func.func to export (expected @main)";
  if (main.isExternal())
    return main.emitError() << "@main has no body";
  if (!llvm::hasSingleElement(main.getBody()))
    return main.emitError() << "@main must have a single block to export";

  // Decide on external data: needed past protobuf's 2 GiB limit.
  uint64_t weightBytes = 0;
  main.walk([&](mp::ConstantOp c) {
    weightBytes += c.getValue().getNumElements() *
                   elementByteSize(c.getValue().getElementType());
  });
  externalize =
      allowExternal &&
      (opts.externalData == ExportOptions::ExternalData::Always ||
       (opts.externalData == ExportOptions::ExternalData::Auto &&
        weightBytes > (uint64_t(1) << 31) - (uint64_t(64) << 20)));
  if (!allowExternal && weightBytes > (uint64_t(1) << 31) - (uint64_t(64) << 20))
    return module.emitError() << "the model holds " << weightBytes
                              << " bytes of weights, more than a single "
                                 "protobuf can hold; export to a file so "
                                 "that external data can be used";

  auto i64 = [&](StringRef n, int64_t dflt) {
    if (auto a = module->getAttrOfType<IntegerAttr>(n))
      return a.getInt();
    return dflt;
  };
  auto str = [&](StringRef n) -> std::string {
    if (auto a = module->getAttrOfType<StringAttr>(n))
      return a.getValue().str();
    return "";
  };
  if (auto opsets = module->getAttrOfType<DictionaryAttr>(
          mp::MpDialect::kOpsetImportAttr)) {
    for (NamedAttribute o : opsets) {
      auto *op = model.add_opset_import();
      StringRef domain = o.getName().getValue();
      op->set_domain(domain == "ai.onnx" ? "" : domain.str());
      op->set_version(cast<IntegerAttr>(o.getValue()).getInt());
    }
  } else {
    auto *op = model.add_opset_import();
    op->set_domain("");
    op->set_version(17);
  }
  model.set_ir_version(i64("mp.ir_version", 8));
  model.set_producer_name(str("mp.producer_name"));
  model.set_producer_version(str("mp.producer_version"));
  model.set_domain(str("mp.domain"));
  model.set_doc_string(str("mp.doc_string"));
  if (auto mv = module->getAttrOfType<IntegerAttr>("mp.model_version"))
    model.set_model_version(mv.getInt());
  if (auto props = module->getAttrOfType<DictionaryAttr>("mp.metadata_props"))
    for (NamedAttribute p : props) {
      auto *e = model.add_metadata_props();
      e->set_key(p.getName().getValue().str());
      e->set_value(cast<StringAttr>(p.getValue()).getValue().str());
    }

  auto &graph = *model.mutable_graph();
  std::string gname = str("mp.graph_name");
  graph.set_name(gname.empty() ? "main" : gname);
  graph.set_doc_string(str("mp.graph_doc_string"));

  Block &entry = main.getBody().front();
  for (BlockArgument arg : entry.getArguments()) {
    unsigned i = arg.getArgNumber();
    std::string want = "input_" + std::to_string(i);
    if (auto n = main.getArgAttrOfType<StringAttr>(i, mp::MpDialect::kNameAttr))
      want = n.getValue().str();
    std::string name = uniqueName(want);
    valueNames[arg] = name;
    auto *vi = graph.add_input();
    vi->set_name(name);
    if (failed(setType(*vi->mutable_type(), arg.getType(), arg.getLoc(),
                       main.getArgAttrOfType<ArrayAttr>(i, "mp.dim_params"))))
      return failure();
    if (auto init =
            main.getArgAttrOfType<ElementsAttr>(i, "mp.default_initializer"))
      if (failed(setTensor(*graph.add_initializer(), init, name, arg.getLoc())))
        return failure();
  }
  return exportBlock(entry, graph, /*isMain=*/true, graph.name());
}

/// Writes `data` to `path` through a temporary file renamed into place.
static LogicalResult
writeAtomically(StringRef path, Location loc,
                llvm::function_ref<bool(llvm::raw_ostream &)> write) {
  llvm::Error err =
      llvm::writeToOutput(path, [&](llvm::raw_ostream &os) -> llvm::Error {
    if (!write(os)) {
      os.flush();
      return llvm::createStringError("serialisation failed");
    }
    return llvm::Error::success();
  });
  if (err) {
    emitError(loc) << "cannot write '" << path
                   << "': " << llvm::toString(std::move(err));
    return failure();
  }
  return success();
}

LogicalResult mixprec::exportONNXToString(ModuleOp module, std::string &bytes,
                                          const ExportOptions &options) {
  onnx::ModelProto model;
  Exporter exporter(module, options);
  if (failed(exporter.run(model, /*allowExternal=*/false)))
    return failure();
  if (!model.SerializeToString(&bytes))
    return module.emitError() << "protobuf serialisation failed";
  return success();
}

LogicalResult mixprec::exportONNXFile(ModuleOp module, StringRef path,
                                      const ExportOptions &options) {
  onnx::ModelProto model;
  Exporter exporter(module, options);
  if (failed(exporter.run(model, /*allowExternal=*/true)))
    return failure();
  Location loc = module.getLoc();

  std::string dataName = options.externalDataName;
  if (dataName.empty())
    dataName = llvm::sys::path::filename(path).str() + ".data";
  SmallString<256> dataPath(path);
  llvm::sys::path::remove_filename(dataPath);
  llvm::sys::path::append(dataPath, dataName);
  std::string dataTmp;
  if (!exporter.externals.empty()) {
    // Lay the tensors out 64-byte aligned, then stream them.
    uint64_t offset = 0;
    for (PendingExternal &e : exporter.externals) {
      offset = llvm::alignTo(offset, 64);
      auto add = [&](StringRef k, const std::string &v) {
        auto *kv = e.tensor->add_external_data();
        kv->set_key(k.str());
        kv->set_value(v);
      };
      add("location", dataName);
      add("offset", std::to_string(offset));
      add("length", std::to_string(e.data.size()));
      offset += e.data.size();
    }
    SmallString<256> tmp;
    if (llvm::sys::fs::createUniqueFile(dataPath + "-%%%%%%.tmp", tmp))
      return emitError(loc) << "cannot create a temporary file next to '"
                            << dataPath << "'";
    dataTmp = std::string(tmp);
    std::error_code ec;
    {
      llvm::raw_fd_ostream os(dataTmp, ec);
      if (ec)
        return emitError(loc) << "cannot write '" << dataTmp
                              << "': " << ec.message();
      uint64_t pos = 0;
      for (PendingExternal &e : exporter.externals) {
        uint64_t aligned = llvm::alignTo(pos, 64);
        os.write_zeros(aligned - pos);
        os.write(e.data.data(), e.data.size());
        pos = aligned + e.data.size();
      }
      os.close();
      if (os.has_error()) {
        llvm::sys::fs::remove(dataTmp);
        return emitError(loc) << "error writing '" << dataPath
                              << "': " << os.error().message();
      }
    }
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    if (!dataTmp.empty())
      llvm::sys::fs::remove(dataTmp);
    return emitError(loc) << "protobuf serialisation failed (is the model "
                             "over 2 GiB without external data?)";
  }
  // The data file goes into place first: a model is never left pointing at
  // a missing or stale data file.
  if (!dataTmp.empty())
    if (std::error_code ec = llvm::sys::fs::rename(dataTmp, dataPath)) {
      llvm::sys::fs::remove(dataTmp);
      return emitError(loc) << "cannot move external data into place at '"
                            << dataPath << "': " << ec.message();
    }
  if (failed(writeAtomically(path, loc, [&](llvm::raw_ostream &os) {
        os.write(bytes.data(), bytes.size());
        return true;
      })))
    return failure();
  return success();
}
