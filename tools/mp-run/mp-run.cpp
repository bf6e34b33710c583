//===- mp-run.cpp - compile and run an mp model on the CPU ----------------===//
//
//   mp-run MODEL [--input FILE | NAME=FILE]... [--expect FILE]...
//          [--output-dir DIR] [--atol A] [--rtol R] [--repeat N]
//
// Loads .onnx / .onnxtxt / .mlir, lowers @main with mp-lower-to-cpu, JITs
// it with MLIR's ExecutionEngine and runs it. Inputs and expected outputs
// are .npy files (or .npz archives keyed by name, written by np.savez),
// given in graph order or as NAME=FILE. Outputs are written as .npy. Exits
// non-zero on a shape/dtype mismatch of the inputs, an unsupported op, or an
// output that misses its expectation (the worst element is printed).
//
//===----------------------------------------------------------------------===//

#include "mixprec/Conversion/MpToLinalg.h"
#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Target/ONNX/ONNXImport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Target/TargetMachine.h"

#include "onnx/onnx_pb.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory runCategory("mp-run options");

static cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model>"),
                                      cl::Required, cl::cat(runCategory));
static cl::list<std::string> inputs("input", cl::desc("Input: FILE or NAME=FILE (.npy, .npz, ONNX TensorProto .pb)"), cl::cat(runCategory));
static cl::list<std::string> expects("expect", cl::desc("Expected output: FILE or NAME=FILE (.npy, .npz, .pb)"), cl::cat(runCategory));
static cl::opt<std::string> outputDir("output-dir", cl::desc("Write outputs as DIR/<name>.npy"), cl::init(""), cl::cat(runCategory));
static cl::opt<double> absTol("atol", cl::desc("Absolute tolerance"), cl::init(1e-5), cl::cat(runCategory));
static cl::opt<double> relTol("rtol", cl::desc("Relative tolerance"), cl::init(1e-4), cl::cat(runCategory));
static cl::opt<int> repeat("repeat", cl::desc("Run this many times; report the best time"), cl::init(1), cl::cat(runCategory));
static cl::opt<bool> printIR("print-lowered-ir", cl::desc("Print the LLVM-dialect module"), cl::init(false), cl::cat(runCategory));

namespace {

[[noreturn]] void die(const llvm::Twine &msg) {
  llvm::errs() << "mp-run: error: " << msg << "\n";
  std::exit(1);
}

//===----------------------------------------------------------------------===//
// Arrays and .npy / .npz
//===----------------------------------------------------------------------===//

struct Array {
  std::string dtype; // numpy descr without byte order: f4 f8 f2 i8 i4 i1 u1 b1
  std::vector<int64_t> shape;
  std::vector<char> data;
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
};

int64_t dtypeBytes(StringRef d) {
  if (d.size() < 2)
    return 0;
  int64_t n = 0;
  d.drop_front().getAsInteger(10, n);
  return n;
}

std::string dtypeOf(Type t) {
  if (t.isF32()) return "f4";
  if (t.isF64()) return "f8";
  if (t.isF16()) return "f2";
  if (t.isInteger(1)) return "b1";
  if (auto i = dyn_cast<IntegerType>(t))
    return (i.isUnsigned() ? "u" : "i") + std::to_string(i.getWidth() / 8);
  return "";
}

Array parseNpy(StringRef bytes, const std::string &what) {
  if (!bytes.starts_with("\x93NUMPY") || bytes.size() < 10)
    die(what + " is not a .npy file");
  unsigned major = (unsigned char)bytes[6];
  size_t hlen, off;
  if (major == 1) {
    hlen = (unsigned char)bytes[8] | ((unsigned char)bytes[9] << 8);
    off = 10;
  } else {
    hlen = (unsigned char)bytes[8] | ((unsigned char)bytes[9] << 8) |
           ((size_t)(unsigned char)bytes[10] << 16) |
           ((size_t)(unsigned char)bytes[11] << 24);
    off = 12;
  }
  StringRef header = bytes.substr(off, hlen);
  Array a;
  size_t d = header.find("'descr':");
  size_t q1 = header.find('\'', d + 8), q2 = header.find('\'', q1 + 1);
  StringRef descr = header.slice(q1 + 1, q2);
  if (descr.starts_with(">"))
    die(what + ": big-endian arrays are not supported");
  a.dtype = descr.drop_while([](char c) { return c == '<' || c == '|' || c == '='; }).str();
  if (header.contains("'fortran_order': True"))
    die(what + ": Fortran-ordered arrays are not supported");
  size_t s = header.find("'shape':");
  StringRef shape = header.slice(header.find('(', s) + 1, header.find(')', s));
  SmallVector<StringRef> dims;
  shape.split(dims, ',', -1, false);
  for (StringRef dim : dims) {
    int64_t v;
    if (!dim.trim().empty() && !dim.trim().getAsInteger(10, v))
      a.shape.push_back(v);
  }
  StringRef payload = bytes.drop_front(off + hlen);
  int64_t need = a.numel() * dtypeBytes(a.dtype);
  if ((int64_t)payload.size() < need)
    die(what + ": truncated data (" + Twine(payload.size()) + " bytes, need " +
        Twine(need) + ")");
  a.data.assign(payload.begin(), payload.begin() + need);
  return a;
}

/// An ONNX TensorProto (.pb), as shipped with the ONNX test data.
Array parseTensorProto(StringRef bytes, StringRef path, std::string &name) {
  onnx::TensorProto t;
  if (!t.ParseFromArray(bytes.data(), bytes.size()))
    die("'" + path + "' is not an ONNX TensorProto");
  name = t.name();
  Array a;
  for (int64_t d : t.dims())
    a.shape.push_back(d);
  using TP = onnx::TensorProto;
  switch (t.data_type()) {
  case TP::FLOAT: a.dtype = "f4"; break;
  case TP::DOUBLE: a.dtype = "f8"; break;
  case TP::FLOAT16: a.dtype = "f2"; break;
  case TP::INT64: a.dtype = "i8"; break;
  case TP::INT32: a.dtype = "i4"; break;
  case TP::INT16: a.dtype = "i2"; break;
  case TP::INT8: a.dtype = "i1"; break;
  case TP::UINT8: a.dtype = "u1"; break;
  case TP::UINT16: a.dtype = "u2"; break;
  case TP::UINT32: a.dtype = "u4"; break;
  case TP::UINT64: a.dtype = "u8"; break;
  case TP::BOOL: a.dtype = "b1"; break;
  default:
    die("'" + path + "': unsupported tensor data type " +
        Twine(t.data_type()));
  }
  int64_t eb = dtypeBytes(a.dtype), n = a.numel();
  if (t.has_raw_data()) {
    if ((int64_t)t.raw_data().size() != n * eb)
      die("'" + path + "': raw_data size does not match the shape");
    a.data.assign(t.raw_data().begin(), t.raw_data().end());
    return a;
  }
  a.data.resize(n * eb);
  auto put = [&](int64_t i, auto v) { std::memcpy(a.data.data() + i * eb, &v, eb); };
  for (int64_t i = 0; i < n; ++i) {
    if (a.dtype == "f4" && i < t.float_data_size()) put(i, t.float_data(i));
    else if (a.dtype == "f8" && i < t.double_data_size()) put(i, t.double_data(i));
    else if (a.dtype == "i8" && i < t.int64_data_size()) put(i, t.int64_data(i));
    else if ((a.dtype == "u4" || a.dtype == "u8") && i < t.uint64_data_size()) {
      uint64_t v = t.uint64_data(i);
      if (eb == 8) put(i, v); else put(i, (uint32_t)v);
    }
    else if (i < t.int32_data_size()) {
      int32_t v = t.int32_data(i);
      if (eb == 4) put(i, v);
      else if (eb == 2) put(i, (int16_t)v);
      else put(i, (int8_t)v);
    } else
      die("'" + path + "': typed data shorter than the shape");
  }
  return a;
}

std::map<std::string, Array> readArrays(StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, false, false);
  if (!buf)
    die("cannot read '" + path + "': " + buf.getError().message());
  StringRef bytes = (*buf)->getBuffer();
  std::map<std::string, Array> out;
  if (path.ends_with(".pb")) {
    // Tensors are matched by position: the name in the file is informative.
    std::string name;
    out[""] = parseTensorProto(bytes, path, name);
    return out;
  }
  if (!path.ends_with(".npz")) {
    out[""] = parseNpy(bytes, path.str());
    return out;
  }
  // A .npz is a zip of .npy members (np.savez stores them uncompressed).
  size_t pos = 0;
  auto u16 = [&](size_t p) { return (unsigned)(unsigned char)bytes[p] | ((unsigned)(unsigned char)bytes[p + 1] << 8); };
  auto u32 = [&](size_t p) { return (uint64_t)u16(p) | ((uint64_t)u16(p + 2) << 16); };
  while (pos + 30 <= bytes.size() && u32(pos) == 0x04034b50) {
    unsigned method = u16(pos + 8);
    uint64_t size = u32(pos + 18);
    unsigned nameLen = u16(pos + 26), extraLen = u16(pos + 28);
    std::string name = bytes.substr(pos + 30, nameLen).str();
    StringRef extra = bytes.substr(pos + 30 + nameLen, extraLen);
    if (size == 0xffffffffu) // zip64: sizes in the extra field
      for (size_t e = 0; e + 4 <= extra.size();) {
        unsigned id = (unsigned char)extra[e] | ((unsigned char)extra[e + 1] << 8);
        unsigned len = (unsigned char)extra[e + 2] | ((unsigned char)extra[e + 3] << 8);
        if (id == 1 && len >= 16) {
          size = 0;
          for (int b = 7; b >= 0; --b)
            size = (size << 8) | (unsigned char)extra[e + 4 + 8 + b];
        }
        e += 4 + len;
      }
    if (method != 0)
      die("'" + path + "' member '" + name +
          "' is compressed; write the archive with np.savez, not "
          "np.savez_compressed");
    size_t data = pos + 30 + nameLen + extraLen;
    StringRef key = StringRef(name).ends_with(".npy") ? StringRef(name).drop_back(4) : StringRef(name);
    out[key.str()] = parseNpy(bytes.substr(data, size), (path + ":" + name).str());
    pos = data + size;
  }
  if (out.empty())
    die("'" + path + "' holds no arrays");
  return out;
}

void writeNpy(const std::string &path, const Array &a) {
  std::string shape = "(";
  for (int64_t d : a.shape)
    shape += std::to_string(d) + ",";
  if (a.shape.size() > 1)
    shape.pop_back();
  shape += ")";
  std::string descr = (a.dtype == "b1" || a.dtype == "i1" || a.dtype == "u1" ? "|" : "<") + a.dtype;
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    die("cannot write '" + path + "': " + ec.message());
  os << "\x93NUMPY" << '\x01' << '\x00';
  os << (char)(header.size() & 0xff) << (char)(header.size() >> 8);
  os << header;
  os.write(a.data.data(), a.data.size());
}

/// Inputs/expectations: FILE (graph order) or NAME=FILE; .npz by name.
std::vector<std::pair<std::string, Array>>
collect(const cl::list<std::string> &specs) {
  std::vector<std::pair<std::string, Array>> out;
  for (const std::string &spec : specs) {
    StringRef s(spec);
    std::string name;
    if (s.contains('=') && !llvm::sys::fs::exists(spec)) {
      auto [n, f] = s.split('=');
      name = n.str();
      s = f;
    }
    for (auto &[key, array] : readArrays(s))
      out.push_back({key.empty() ? name : key, std::move(array)});
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Memref descriptors for the C interface
//===----------------------------------------------------------------------===//

/// {allocated, aligned, offset, sizes[rank], strides[rank]} as int64 words.
std::vector<int64_t> descriptorFor(void *data, ArrayRef<int64_t> shape) {
  std::vector<int64_t> d = {(int64_t)(intptr_t)data, (int64_t)(intptr_t)data, 0};
  for (int64_t s : shape)
    d.push_back(s);
  int64_t stride = 1;
  std::vector<int64_t> strides(shape.size());
  for (int64_t i = shape.size() - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= shape[i];
  }
  d.insert(d.end(), strides.begin(), strides.end());
  return d;
}

double loadAsDouble(const char *p, StringRef dtype) {
  if (dtype == "f4") { float v; std::memcpy(&v, p, 4); return v; }
  if (dtype == "f8") { double v; std::memcpy(&v, p, 8); return v; }
  if (dtype == "f2") {
    uint16_t h; std::memcpy(&h, p, 2);
    return APFloat(APFloat::IEEEhalf(), APInt(16, h)).convertToDouble();
  }
  if (dtype == "i8") { int64_t v; std::memcpy(&v, p, 8); return v; }
  if (dtype == "i4") { int32_t v; std::memcpy(&v, p, 4); return v; }
  if (dtype == "i2") { int16_t v; std::memcpy(&v, p, 2); return v; }
  if (dtype == "i1") return (int8_t)*p;
  if (dtype == "u1" || dtype == "b1") return (uint8_t)*p;
  return NAN;
}

std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream(s) << t;
  return s;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(argc, argv, "mp-run: compile and run an mp model on the CPU\n");
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<mixprec::mp::MpDialect>();
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerAllPasses();
  MLIRContext context(registry);
  context.loadDialect<mixprec::mp::MpDialect, func::FuncDialect>();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diag(sourceMgr, &context);

  auto t0 = std::chrono::steady_clock::now();
  OwningOpRef<ModuleOp> module;
  if (mixprec::isONNXPath(modelPath))
    module = mixprec::importONNXFile(modelPath, &context);
  else
    module = parseSourceFile<ModuleOp>(modelPath, sourceMgr, &context);
  if (!module)
    return 1;
  auto main = module->lookupSymbol<func::FuncOp>("main");
  if (!main)
    die("the model has no func.func @main");
  FunctionType fnType = main.getFunctionType();
  // Names are read now: lowering replaces @main.
  std::vector<std::string> argNames, resultNames;
  for (unsigned i = 0; i < fnType.getNumInputs(); ++i) {
    auto n = main.getArgAttrOfType<StringAttr>(i, "mp.name");
    argNames.push_back(n ? n.getValue().str() : "input" + std::to_string(i));
  }
  for (unsigned i = 0; i < fnType.getNumResults(); ++i) {
    auto n = main.getResultAttrOfType<StringAttr>(i, "mp.name");
    resultNames.push_back(n ? n.getValue().str() : "output" + std::to_string(i));
  }
  auto nameOf = [&](bool result, unsigned i) {
    return result ? resultNames[i] : argNames[i];
  };

  // Inputs, checked against the graph's types.
  auto given = collect(inputs);
  std::vector<Array> args(fnType.getNumInputs());
  std::vector<bool> have(fnType.getNumInputs(), false);
  unsigned next = 0;
  for (auto &[name, array] : given) {
    unsigned idx = next;
    if (!name.empty()) {
      idx = fnType.getNumInputs();
      for (unsigned i = 0; i < fnType.getNumInputs(); ++i)
        if (nameOf(false, i) == name)
          idx = i;
      if (idx == fnType.getNumInputs())
        die("no graph input is named '" + name + "'");
    } else {
      while (idx < have.size() && have[idx])
        ++idx;
      if (idx >= have.size())
        die("more inputs given than the graph has (" +
            Twine(fnType.getNumInputs()) + ")");
      next = idx + 1;
    }
    auto type = dyn_cast<RankedTensorType>(fnType.getInput(idx));
    if (!type)
      die("input '" + nameOf(false, idx) + "' is not a ranked tensor");
    std::string want = dtypeOf(type.getElementType());
    bool shapeOk = type.getRank() == (int64_t)array.shape.size();
    for (int64_t d = 0; shapeOk && d < type.getRank(); ++d)
      shapeOk = type.isDynamicDim(d) || type.getDimSize(d) == array.shape[d];
    if (want != array.dtype || !shapeOk) {
      std::string got = array.dtype + "[";
      for (size_t i = 0; i < array.shape.size(); ++i)
        got += (i ? "," : "") + std::to_string(array.shape[i]);
      die("input '" + nameOf(false, idx) + "' (#" + Twine(idx) + ") expects " +
          typeStr(type) + " (numpy dtype " + want + "), got " + got + "]");
    }
    args[idx] = std::move(array);
    have[idx] = true;
  }
  for (unsigned i = 0; i < have.size(); ++i)
    if (!have[i])
      die("missing input '" + nameOf(false, i) + "' (#" + Twine(i) + ")");

  // Symbolic dims (a batch size, a sequence length) are pinned to the given
  // data by importing again with those input shapes, so that shape inference
  // makes every intermediate static (reshapes and pooling need that).
  bool dynamicArgs = llvm::any_of(fnType.getInputs(), [](Type t) {
    auto rt = dyn_cast<RankedTensorType>(t);
    return rt && !rt.hasStaticShape();
  });
  if (dynamicArgs && mixprec::isONNXPath(modelPath)) {
    mixprec::ImportOptions opts;
    for (unsigned i = 0; i < args.size(); ++i)
      opts.inputShapes[argNames[i]] = args[i].shape;
    module = mixprec::importONNXFile(modelPath, &context, opts);
    if (!module)
      return 1;
    main = module->lookupSymbol<func::FuncOp>("main");
    fnType = main.getFunctionType();
  }

  // Lower and JIT. ONNX names are not LLVM parameter attributes.
  main.removeArgAttrsAttr();
  main.removeResAttrsAttr();
  main->setAttr("llvm.emit_c_interface", UnitAttr::get(&context));
  PassManager pm(&context);
  mixprec::buildLowerToCPUPipeline(pm);
  if (failed(pm.run(*module)))
    die("lowering to the CPU failed (an op above has no CPU lowering yet, "
        "see docs/cpu-execution.md)");
  if (printIR)
    module->print(llvm::outs());
  ExecutionEngineOptions engineOpts;
  // Optimise for the host CPU: without a target machine the vectoriser's
  // cost model assumes a generic target and leaves most loops scalar.
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder)
    die("cannot detect the host CPU: " + llvm::toString(tmBuilder.takeError()));
  tmBuilder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto hostTM = tmBuilder->createTargetMachine();
  if (!hostTM)
    die("cannot create a target machine: " + llvm::toString(hostTM.takeError()));
  auto transformer = makeOptimizingTransformer(3, 0, hostTM->get());
  engineOpts.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  engineOpts.transformer = transformer;
  // memrefCopy and friends.
  SmallVector<StringRef> libs = {MP_MLIR_C_RUNNER_UTILS};
  engineOpts.sharedLibPaths = libs;
  auto engine = ExecutionEngine::create(*module, engineOpts);
  if (!engine)
    die("JIT compilation failed: " + llvm::toString(engine.takeError()));
  auto t1 = std::chrono::steady_clock::now();

  // Packed call of _mlir_ciface_main(results*, arg descriptors*...).
  std::vector<std::vector<int64_t>> argDescs;
  for (Array &a : args)
    argDescs.push_back(descriptorFor(a.data.data(), a.shape));
  std::vector<size_t> resultOffsets;
  size_t words = 0;
  for (Type t : fnType.getResults()) {
    resultOffsets.push_back(words);
    words += 3 + 2 * cast<RankedTensorType>(t).getRank();
  }
  std::vector<int64_t> resultStorage(words);
  double best = INFINITY;
  for (int r = 0; r < std::max(1, (int)repeat); ++r) {
    void *resultPtr = resultStorage.data();
    std::vector<void *> argPtrs(argDescs.size());
    SmallVector<void *> packed;
    if (words)
      packed.push_back(&resultPtr);
    for (size_t i = 0; i < argDescs.size(); ++i) {
      argPtrs[i] = argDescs[i].data();
      packed.push_back(&argPtrs[i]);
    }
    auto s = std::chrono::steady_clock::now();
    if (llvm::Error err = (*engine)->invokePacked("_mlir_ciface_main", packed))
      die("invocation failed: " + llvm::toString(std::move(err)));
    best = std::min(best, std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - s).count());
    if (r + 1 < repeat) // free this run's results before the next
      for (size_t i = 0; i < resultOffsets.size(); ++i) {
        void *alloc = (void *)(intptr_t)resultStorage[resultOffsets[i]];
        bool isInput = false;
        for (Array &a : args)
          isInput |= (void *)(intptr_t)resultStorage[resultOffsets[i] + 1] == a.data.data();
        if (!isInput)
          std::free(alloc);
      }
  }

  // Results.
  std::vector<std::pair<std::string, Array>> results;
  std::vector<void *> toFree;
  for (unsigned i = 0; i < fnType.getNumResults(); ++i) {
    auto type = cast<RankedTensorType>(fnType.getResult(i));
    const int64_t *d = &resultStorage[resultOffsets[i]];
    int64_t rank = type.getRank();
    Array a;
    a.dtype = dtypeOf(type.getElementType());
    if (a.dtype.empty())
      die("output '" + nameOf(true, i) + "' has element type " +
          typeStr(type.getElementType()) + ", which .npy cannot hold");
    int64_t eb = dtypeBytes(a.dtype);
    for (int64_t k = 0; k < rank; ++k)
      a.shape.push_back(d[3 + k]);
    a.data.resize(a.numel() * eb);
    const char *base = (const char *)(intptr_t)d[1] + d[2] * eb;
    std::vector<int64_t> idx(rank, 0);
    for (int64_t n = 0; n < a.numel(); ++n) {
      int64_t off = 0;
      for (int64_t k = 0; k < rank; ++k)
        off += idx[k] * d[3 + rank + k];
      std::memcpy(a.data.data() + n * eb, base + off * eb, eb);
      for (int64_t k = rank - 1; k >= 0; --k)
        if (++idx[k] < a.shape[k])
          break;
        else
          idx[k] = 0;
    }
    void *alloc = (void *)(intptr_t)d[0];
    bool isInput = false;
    for (Array &in : args)
      isInput |= (const char *)(intptr_t)d[1] == in.data.data();
    if (!isInput && !llvm::is_contained(toFree, alloc))
      toFree.push_back(alloc);
    results.push_back({nameOf(true, i), std::move(a)});
  }
  for (void *p : toFree)
    std::free(p);

  double compile = std::chrono::duration<double>(t1 - t0).count();
  llvm::errs() << llvm::format("mp-run: compile %.3f s, run %.6f s (best of %d)\n",
                               compile, best, std::max(1, (int)repeat));
  if (!outputDir.empty()) {
    llvm::sys::fs::create_directories(outputDir);
    for (auto &[name, a] : results) {
      std::string file = name;
      for (char &c : file)
        if (!llvm::isAlnum(c) && c != '_' && c != '-' && c != '.')
          c = '_';
      SmallString<256> path(outputDir);
      llvm::sys::path::append(path, file + ".npy");
      writeNpy(std::string(path), a);
    }
  }

  // Expectations.
  int status = 0;
  auto expected = collect(expects);
  unsigned nextOut = 0;
  for (auto &[name, e] : expected) {
    unsigned idx = nextOut++;
    if (!name.empty())
      for (unsigned i = 0; i < results.size(); ++i)
        if (results[i].first == name)
          idx = i;
    if (idx >= results.size())
      die("more expected outputs than the graph has");
    Array &got = results[idx].second;
    if (got.shape != e.shape)
      die("output '" + results[idx].first + "': shape differs from the expectation");
    double worst = -1, worstGot = 0, worstWant = 0;
    int64_t worstAt = -1, bad = 0;
    for (int64_t n = 0; n < got.numel(); ++n) {
      double g = loadAsDouble(got.data.data() + n * dtypeBytes(got.dtype), got.dtype);
      double w = loadAsDouble(e.data.data() + n * dtypeBytes(e.dtype), e.dtype);
      double err = std::abs(g - w);
      bool ok = (std::isnan(g) && std::isnan(w)) || g == w ||
                err <= absTol + relTol * std::abs(w);
      if (!ok) {
        ++bad;
        if (!(err <= worst)) {
          worst = err;
          worstAt = n;
          worstGot = g;
          worstWant = w;
        }
      }
    }
    if (bad) {
      llvm::errs() << "mp-run: output '" << results[idx].first << "': " << bad
                   << " of " << got.numel() << " elements outside atol "
                   << absTol << " + rtol " << relTol << "; worst at flat index "
                   << worstAt << ": got " << worstGot << ", expected "
                   << worstWant << "\n";
      status = 1;
    } else {
      llvm::errs() << "mp-run: output '" << results[idx].first
                   << "' matches (" << got.numel() << " elements)\n";
    }
  }
  return status;
}
