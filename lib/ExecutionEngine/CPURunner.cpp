//===- CPURunner.cpp - compile and run mp modules on the host CPU ---------===//

#include "mixprec/ExecutionEngine/CPURunner.h"

#include "mixprec/Conversion/MpToLinalg.h"
#ifdef MP_HAVE_CUDA_RUNTIME
#include <dlfcn.h>
#endif

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include "onnx/onnx_pb.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace mixprec;
using llvm::APFloat;
using llvm::APInt;
using llvm::StringRef;
using llvm::Twine;

namespace {
llvm::Error fail(const Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg.str());
}
} // namespace

int64_t HostArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t mixprec::dtypeBytes(StringRef d) {
  if (d.size() < 2)
    return 0;
  int64_t n = 0;
  d.drop_front().getAsInteger(10, n);
  return n;
}

std::string mixprec::dtypeOf(Type t) {
  if (t.isF32()) return "f4";
  if (t.isF64()) return "f8";
  if (t.isF16()) return "f2";
  // bfloat16 has no numpy dtype: "V2" (ml_dtypes' descr), and raw uint16
  // bit patterns are accepted for it too.
  if (t.isBF16()) return "V2";
  if (t.isInteger(1)) return "b1";
  if (auto i = dyn_cast<IntegerType>(t))
    return (i.isUnsigned() ? "u" : "i") + std::to_string(i.getWidth() / 8);
  return "";
}

//===----------------------------------------------------------------------===//
// .npy / .npz / .pb
//===----------------------------------------------------------------------===//

namespace {
/// Bytes of `a` (numel * element size), or -1 if a dim is negative, the
/// dtype is unknown or the product overflows.
int64_t byteSize(const HostArray &a) {
  int64_t n = dtypeBytes(a.dtype);
  if (n <= 0)
    return -1;
  for (int64_t d : a.shape)
    if (d < 0 || __builtin_mul_overflow(n, d, &n))
      return -1;
  return n;
}

llvm::Expected<HostArray> parseNpy(StringRef bytes, const std::string &what) {
  if (!bytes.starts_with("\x93NUMPY") || bytes.size() < 10)
    return fail(what + " is not a .npy file");
  unsigned major = (unsigned char)bytes[6];
  if (major >= 2 && bytes.size() < 12)
    return fail(what + " is not a .npy file");
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
  HostArray a;
  size_t d = header.find("'descr':");
  size_t q1 = header.find('\'', d + 8), q2 = header.find('\'', q1 + 1);
  StringRef descr = header.slice(q1 + 1, q2);
  if (descr.starts_with(">"))
    return fail(what + ": big-endian arrays are not supported");
  a.dtype = descr.drop_while([](char c) { return c == '<' || c == '|' || c == '='; }).str();
  if (header.contains("'fortran_order': True"))
    return fail(what + ": Fortran-ordered arrays are not supported");
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
  int64_t need = byteSize(a);
  if (need < 0)
    return fail(what + ": unsupported dtype '" + a.dtype + "' or invalid shape");
  if ((int64_t)payload.size() < need)
    return fail(what + ": truncated data (" + Twine(payload.size()) + " bytes, need " +
        Twine(need) + ")");
  a.data.assign(payload.begin(), payload.begin() + need);
  return a;
}


/// An ONNX TensorProto (.pb), as shipped with the ONNX test data.
llvm::Expected<HostArray> parseTensorProto(StringRef bytes, StringRef path, std::string &name) {
  onnx::TensorProto t;
  if (!t.ParseFromArray(bytes.data(), bytes.size()))
    return fail("'" + path + "' is not an ONNX TensorProto");
  name = t.name();
  HostArray a;
  for (int64_t d : t.dims())
    a.shape.push_back(d);
  using TP = onnx::TensorProto;
  switch (t.data_type()) {
  case TP::FLOAT: a.dtype = "f4"; break;
  case TP::DOUBLE: a.dtype = "f8"; break;
  case TP::FLOAT16: a.dtype = "f2"; break;
  case TP::BFLOAT16: a.dtype = "V2"; break;
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
    return fail("'" + path + "': unsupported tensor data type " +
        Twine(t.data_type()));
  }
  if (byteSize(a) < 0)
    return fail("'" + path + "': invalid dims");
  int64_t eb = dtypeBytes(a.dtype), n = a.numel();
  if (t.has_raw_data()) {
    if ((int64_t)t.raw_data().size() != n * eb)
      return fail("'" + path + "': raw_data size does not match the shape");
    a.data.assign(t.raw_data().begin(), t.raw_data().end());
    return a;
  }
  a.data.resize(n * eb);
  // Each value is converted to the element type before it is copied.
  auto put = [&](int64_t i, auto v) {
    static_assert(sizeof(v) <= 8);
    if ((int64_t)sizeof(v) != eb)
      return false;
    std::memcpy(a.data.data() + i * eb, &v, eb);
    return true;
  };
  // ONNX stores these dtypes in int32_data (f2 as its bit pattern).
  bool inInt32 = a.dtype == "i4" || a.dtype == "i2" || a.dtype == "i1" ||
                 a.dtype == "u1" || a.dtype == "u2" || a.dtype == "b1" ||
                 a.dtype == "f2" || a.dtype == "V2";
  for (int64_t i = 0; i < n; ++i) {
    bool ok = false;
    if (a.dtype == "f4" && i < t.float_data_size())
      ok = put(i, t.float_data(i));
    else if (a.dtype == "f8" && i < t.double_data_size())
      ok = put(i, t.double_data(i));
    else if (a.dtype == "i8" && i < t.int64_data_size())
      ok = put(i, t.int64_data(i));
    else if (a.dtype == "u8" && i < t.uint64_data_size())
      ok = put(i, (uint64_t)t.uint64_data(i));
    else if (a.dtype == "u4" && i < t.uint64_data_size())
      ok = put(i, (uint32_t)t.uint64_data(i));
    else if (inInt32 && i < t.int32_data_size()) {
      int32_t v = t.int32_data(i);
      ok = eb == 4   ? put(i, v)
           : eb == 2 ? put(i, (int16_t)v)
                     : put(i, (int8_t)v);
    }
    if (!ok)
      return fail("'" + path + "': typed data shorter than the shape");
  }
  return a;
}


} // namespace

llvm::Expected<std::map<std::string, HostArray>>
mixprec::readArrays(StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, false, false);
  if (!buf)
    return fail("cannot read '" + path + "': " + buf.getError().message());
  StringRef bytes = (*buf)->getBuffer();
  std::map<std::string, HostArray> out;
  if (path.ends_with(".pb")) {
    // Tensors are matched by position: the name in the file is informative.
    std::string name;
    auto a = parseTensorProto(bytes, path, name);
    if (!a)
      return a.takeError();
    out[""] = std::move(*a);
    return out;
  }
  if (!path.ends_with(".npz")) {
    auto a = parseNpy(bytes, path.str());
    if (!a)
      return a.takeError();
    out[""] = std::move(*a);
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
        if (e + 4 + len > extra.size())
          break;
        if (id == 1 && len >= 16) {
          size = 0;
          for (int b = 7; b >= 0; --b)
            size = (size << 8) | (unsigned char)extra[e + 4 + 8 + b];
        }
        e += 4 + len;
      }
    if (method != 0)
      return fail("'" + path + "' member '" + name +
          "' is compressed; write the archive with np.savez, not "
          "np.savez_compressed");
    size_t data = pos + 30 + nameLen + extraLen;
    if (data > bytes.size() || size > bytes.size() - data)
      return fail("'" + path + "' member '" + name + "' is truncated");
    StringRef key = StringRef(name).ends_with(".npy") ? StringRef(name).drop_back(4) : StringRef(name);
    auto a = parseNpy(bytes.substr(data, size), (path + ":" + name).str());
    if (!a)
      return a.takeError();
    out[key.str()] = std::move(*a);
    pos = data + size;
  }
  if (out.empty())
    return fail("'" + path + "' holds no arrays");
  return out;
}


llvm::Error mixprec::writeNpy(const std::string &path, const HostArray &a) {
  std::string shape = "(";
  for (int64_t d : a.shape)
    shape += std::to_string(d) + ",";
  if (a.shape.size() > 1)
    shape.pop_back();
  shape += ")";
  // bfloat16 is written as its uint16 bit patterns (view them with
  // ml_dtypes.bfloat16); numpy cannot read a 'V2' array as numbers.
  std::string dt = a.dtype == "V2" ? "u2" : a.dtype;
  std::string descr = (dt == "b1" || dt == "i1" || dt == "u1" ? "|" : "<") + dt;
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return fail("cannot write '" + path + "': " + ec.message());
  os << "\x93NUMPY" << '\x01' << '\x00';
  os << (char)(header.size() & 0xff) << (char)(header.size() >> 8);
  os << header;
  os.write(a.data.data(), a.data.size());
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// JIT
//===----------------------------------------------------------------------===//

namespace {
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
} // namespace

double mixprec::loadAsDouble(const char *p, StringRef dtype) {
  if (dtype == "f4") { float v; std::memcpy(&v, p, 4); return v; }
  if (dtype == "f8") { double v; std::memcpy(&v, p, 8); return v; }
  if (dtype == "f2") {
    uint16_t h; std::memcpy(&h, p, 2);
    return APFloat(APFloat::IEEEhalf(), APInt(16, h)).convertToDouble();
  }
  if (dtype == "V2") {
    uint16_t h; std::memcpy(&h, p, 2);
    uint32_t bits = uint32_t(h) << 16;
    float v; std::memcpy(&v, &bits, 4);
    return v;
  }
  if (dtype == "i8") { int64_t v; std::memcpy(&v, p, 8); return v; }
  if (dtype == "i4") { int32_t v; std::memcpy(&v, p, 4); return v; }
  if (dtype == "i2") { int16_t v; std::memcpy(&v, p, 2); return v; }
  if (dtype == "i1") return (int8_t)*p;
  if (dtype == "u1" || dtype == "b1") return (uint8_t)*p;
  if (dtype == "u2") { uint16_t v; std::memcpy(&v, p, 2); return v; }
  if (dtype == "u4") { uint32_t v; std::memcpy(&v, p, 4); return v; }
  if (dtype == "u8") { uint64_t v; std::memcpy(&v, p, 8); return (double)v; }
  return NAN;
}


std::string mixprec::checkArgument(RankedTensorType type, const HostArray &a) {
  std::string want = dtypeOf(type.getElementType());
  bool ok = (want == a.dtype || (want == "V2" && a.dtype == "u2")) &&
            type.getRank() == (int64_t)a.shape.size();
  for (int64_t d = 0; ok && d < type.getRank(); ++d)
    ok = type.isDynamicDim(d) || type.getDimSize(d) == a.shape[d];
  if (ok)
    return "";
  std::string wantType, got = a.dtype + "[";
  llvm::raw_string_ostream(wantType) << type;
  for (size_t i = 0; i < a.shape.size(); ++i)
    got += (i ? "," : "") + std::to_string(a.shape[i]);
  std::string dt = dtypeOf(type.getElementType());
  return "expects " + wantType + " (numpy dtype " + (dt.empty() ? "none" : dt) +
         "), got " + got + "]";
}

CPUExecutable::~CPUExecutable() = default;

#ifdef MP_HAVE_CUDA_RUNTIME
namespace {
/// The CUDA runtime library's C API (include/mixprec/Runtime/CudaRuntime.h),
/// opened with dlopen when a program first asks for the GPU: nothing that
/// links the executor depends on the library or on CUDA.
struct CudaRuntimeAPI {
  int (*probe)(char *, size_t) = nullptr;
  int (*deviceInfo)(char *, size_t) = nullptr;
  void *(*allocManaged)(size_t) = nullptr;
  void (*free)(void *) = nullptr;
  void (*synchronize)() = nullptr;
  void *(*recordEvent)() = nullptr;
  float (*elapsedMs)(void *, void *) = nullptr;
  size_t (*peakBytes)() = nullptr;
  std::string error; // why it could not be loaded
};

const CudaRuntimeAPI &cudaRuntime() {
  static CudaRuntimeAPI api = [] {
    CudaRuntimeAPI a;
    void *h = dlopen(MP_CUDA_RUNTIME_LIB, RTLD_NOW | RTLD_GLOBAL);
    if (!h) {
      a.error = std::string("cannot load mixprec's CUDA runtime (") + dlerror() + ")";
      return a;
    }
    auto get = [&](const char *name, auto &fn) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      if (!fn && a.error.empty())
        a.error = std::string("mixprec's CUDA runtime lacks ") + name;
    };
    get("mpcudaProbe", a.probe);
    get("mpcudaDeviceInfo", a.deviceInfo);
    get("mpcudaAllocManaged", a.allocManaged);
    get("mpcudaFree", a.free);
    get("mpcudaSynchronize", a.synchronize);
    get("mpcudaRecordEvent", a.recordEvent);
    get("mpcudaElapsedMs", a.elapsedMs);
    get("mpcudaPeakBytes", a.peakBytes);
    return a;
  }();
  return api;
}
} // namespace
#endif

namespace {
/// An element of the GEMM call's type code (0 f32, 1 f16, 2 bf16) as float.
float loadElement(const char *p, int32_t type) {
  if (type == 0) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  uint16_t bits;
  std::memcpy(&bits, p, 2);
  if (type == 2) {
    uint32_t w = uint32_t(bits) << 16;
    float f;
    std::memcpy(&f, &w, 4);
    return f;
  }
  APFloat h(APFloat::IEEEhalf(), APInt(16, bits));
  bool lost;
  h.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
  return h.convertToFloat();
}

void storeElement(char *p, int32_t type, float v) {
  if (type == 0) {
    std::memcpy(p, &v, 4);
    return;
  }
  APFloat f(v);
  bool lost;
  f.convert(type == 2 ? APFloat::BFloat() : APFloat::IEEEhalf(), APFloat::rmNearestTiesToEven,
            &lost);
  uint16_t bits = (uint16_t)f.bitcastToAPInt().getZExtValue();
  std::memcpy(p, &bits, 2);
}

/// The CPU reference of the runtime's mpcudaMatmulI64 (same arguments and
/// meaning, FP32 accumulation): the emulated GPU pipeline calls it, so its
/// library calls are checked numerically without a GPU.
extern "C" void mpEmulatedMatmulI64(int64_t a, int64_t b, int64_t c, int64_t m, int64_t n,
                                    int64_t k, int64_t batch, int64_t strideA, int64_t strideB,
                                    int64_t strideC, int32_t transA, int32_t transB,
                                    int32_t aType, int32_t bType, int32_t cType) {
  auto bytes = [](int32_t t) { return t == 0 ? 4 : 2; };
  const char *pa = (const char *)(intptr_t)a, *pb = (const char *)(intptr_t)b;
  char *pc = (char *)(intptr_t)c;
  for (int64_t q = 0; q < batch; ++q)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        float acc = 0;
        for (int64_t l = 0; l < k; ++l) {
          int64_t ia = q * strideA + (transA ? l * m + i : i * k + l);
          int64_t ib = q * strideB + (transB ? j * k + l : l * n + j);
          acc += loadElement(pa + ia * bytes(aType), aType) *
                 loadElement(pb + ib * bytes(bType), bType);
        }
        storeElement(pc + (q * strideC + i * n + j) * bytes(cType), cType, acc);
      }
}
} // namespace

llvm::Expected<std::unique_ptr<CPUExecutable>>
CPUExecutable::compile(ModuleOp module, llvm::raw_ostream *printLowered,
                       const CompileOptions &options) {
  Device device = options.device;
  std::string chip = options.chip;
  if (device == Device::CUDA && !options.compileOnly) {
#ifndef MP_HAVE_CUDA_RUNTIME
    return fail("--device=cuda: this mixprec was built without its CUDA runtime (cuda.h and "
                "cublasLt.h were not found when it was configured)");
#else
    const CudaRuntimeAPI &rt = cudaRuntime();
    if (!rt.error.empty())
      return fail("--device=cuda: " + rt.error);
    char why[512];
    if (rt.probe(why, sizeof(why)))
      return fail(Twine("--device=cuda: ") + why);
    char name[256];
    int cc = rt.deviceInfo(name, sizeof(name));
    if (chip.empty())
      chip = "sm_" + std::to_string(cc);
#endif
  }
  if (device == Device::CUDA && chip.empty())
    chip = "sm_90";
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return fail("the module has no func.func @main");
  std::unique_ptr<CPUExecutable> exe(new CPUExecutable());
  exe->device = device;
  FunctionType fnType = main.getFunctionType();
  for (Type t : fnType.getInputs()) {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt)
      return fail("@main takes a non-ranked-tensor argument");
    exe->argTypes.push_back(rt);
  }
  for (Type t : fnType.getResults()) {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt || dtypeOf(rt.getElementType()).empty())
      return fail("@main returns a type a host array cannot hold");
    exe->resultTypes.push_back(rt);
  }
  // ONNX names are not LLVM parameter attributes.
  main.removeArgAttrsAttr();
  main.removeResAttrsAttr();
  main->setAttr("llvm.emit_c_interface", UnitAttr::get(module.getContext()));
  PassManager pm(module.getContext());
  if (device == Device::CUDA) {
    LowerToNVPTXOptions o;
    o.chip = chip;
    // PTX, JIT-compiled by the driver at module load (no ptxas needed).
    o.format = "isa";
    if (failed(buildLowerToNVPTXPipeline(pm, o)))
      return fail("mp-lower-to-nvptx: bad options for " + chip);
    if (failed(pm.run(module)))
      return fail("lowering to CUDA (" + chip + ") failed, see the diagnostics above");
  } else if (device == Device::CUDAEmulated) {
    buildGpuEmulationPipeline(pm);
    if (failed(pm.run(module)))
      return fail("the emulated GPU pipeline failed, see the diagnostics above");
  } else {
    buildLowerToCPUPipeline(pm);
    if (failed(pm.run(module)))
      return fail("lowering to the CPU failed (an op above has no CPU lowering "
                  "yet, see docs/cpu-execution.md)");
  }
  if (printLowered)
    module.print(*printLowered);
  if (options.compileOnly) {
    // Host code to LLVM IR, with the kernels' PTX embedded: everything but
    // the JIT, which would load the kernels into a device.
    llvm::LLVMContext llvmContext;
    if (!translateModuleToLLVMIR(module, llvmContext))
      return fail("translating the lowered module to LLVM IR failed");
    exe->compiledOnly = true;
    return exe;
  }

  // Optimise for the host CPU: without a target machine the vectoriser's
  // cost model assumes a generic target and leaves most loops scalar.
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder)
    return tmBuilder.takeError();
  tmBuilder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto hostTM = tmBuilder->createTargetMachine();
  if (!hostTM)
    return hostTM.takeError();
  ExecutionEngineOptions opts;
  auto transformer = makeOptimizingTransformer(3, 0, hostTM->get());
  opts.transformer = transformer;
  opts.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  // memrefCopy and friends.
  llvm::SmallVector<StringRef> libs = {MP_MLIR_C_RUNNER_UTILS};
#ifdef MP_HAVE_CUDA_RUNTIME
  // mgpu*, the generic memref allocation functions and mpcudaMatmulI64.
  if (device == Device::CUDA)
    libs.push_back(MP_CUDA_RUNTIME_LIB);
#endif
  opts.sharedLibPaths = libs;
  auto engine = ExecutionEngine::create(module, opts);
  if (!engine)
    return fail("JIT compilation failed: " + llvm::toString(engine.takeError()));
  exe->engine = std::move(*engine);
  if (device == Device::CUDAEmulated)
    exe->engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
      llvm::orc::SymbolMap map;
      map[interner("mpcudaMatmulI64")] = {llvm::orc::ExecutorAddr::fromPtr(&mpEmulatedMatmulI64),
                                          llvm::JITSymbolFlags::Exported};
      return map;
    });
  // The JIT generates machine code when a symbol is first looked up: do it
  // now, so that compile time covers code generation and the first run()
  // measures execution only.
  auto fn = exe->engine->lookupPacked("_mlir_ciface_main");
  if (!fn)
    return fail("JIT compilation failed: " + llvm::toString(fn.takeError()));
  exe->entry = *fn;
  return exe;
}

llvm::Expected<std::vector<HostArray>>
CPUExecutable::run(std::vector<HostArray> &args) {
  if (compiledOnly)
    return fail("this program was compiled with compileOnly and cannot run");
  if (args.size() != argTypes.size())
    return fail("@main takes " + Twine(argTypes.size()) + " arguments, got " +
                Twine(args.size()));
  // Packed call of _mlir_ciface_main(results*, arg descriptors*...). On
  // the GPU the arguments are staged in managed memory.
  std::vector<std::vector<int64_t>> argDescs;
  std::vector<void *> staged;
  for (HostArray &a : args) {
    void *p = a.data.data();
#ifdef MP_HAVE_CUDA_RUNTIME
    if (device == Device::CUDA) {
      p = cudaRuntime().allocManaged(a.data.size());
      std::memcpy(p, a.data.data(), a.data.size());
      staged.push_back(p);
    }
#endif
    argDescs.push_back(descriptorFor(p, a.shape));
  }
  std::vector<size_t> offsets;
  size_t words = 0;
  for (RankedTensorType t : resultTypes) {
    offsets.push_back(words);
    words += 3 + 2 * t.getRank();
  }
  std::vector<int64_t> storage(words);
  void *resultPtr = storage.data();
  std::vector<void *> argPtrs(argDescs.size());
  llvm::SmallVector<void *> packed;
  if (words)
    packed.push_back(&resultPtr);
  for (size_t i = 0; i < argDescs.size(); ++i) {
    argPtrs[i] = argDescs[i].data();
    packed.push_back(&argPtrs[i]);
  }
#ifdef MP_HAVE_CUDA_RUNTIME
  void *startEvent = device == Device::CUDA ? cudaRuntime().recordEvent() : nullptr;
#endif
  entry(packed.data());
#ifdef MP_HAVE_CUDA_RUNTIME
  if (device == Device::CUDA) {
    void *endEvent = cudaRuntime().recordEvent();
    cudaRuntime().synchronize();
    deviceMs = cudaRuntime().elapsedMs(startEvent, endEvent);
  }
#endif

  // Copy the (possibly strided) results out, then free their buffers; a
  // result that aliases an argument is not ours to free.
  std::vector<HostArray> results;
  std::vector<void *> toFree;
  for (size_t i = 0; i < resultTypes.size(); ++i) {
    RankedTensorType type = resultTypes[i];
    const int64_t *d = &storage[offsets[i]];
    int64_t rank = type.getRank();
    HostArray a;
    a.dtype = dtypeOf(type.getElementType());
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
      for (int64_t k = rank - 1; k >= 0; --k) {
        if (++idx[k] < a.shape[k])
          break;
        idx[k] = 0;
      }
    }
    void *alloc = (void *)(intptr_t)d[0];
    bool isArg = false;
    for (HostArray &in : args)
      isArg |= (const char *)(intptr_t)d[1] == in.data.data();
    for (void *p : staged)
      isArg |= (void *)(intptr_t)d[0] == p;
    if (!isArg && !llvm::is_contained(toFree, alloc))
      toFree.push_back(alloc);
    results.push_back(std::move(a));
  }
#ifdef MP_HAVE_CUDA_RUNTIME
  if (device == Device::CUDA) {
    for (void *p : toFree)
      cudaRuntime().free(p);
    for (void *p : staged)
      cudaRuntime().free(p);
    return results;
  }
#endif
  for (void *p : toFree)
    std::free(p);
  return results;
}

double CPUExecutable::peakDeviceBytes() const {
#ifdef MP_HAVE_CUDA_RUNTIME
  if (device == Device::CUDA)
    return (double)cudaRuntime().peakBytes();
#endif
  return -1;
}

std::vector<std::string> mixprec::graphValueNames(func::FuncOp main, bool results) {
  std::vector<std::string> names;
  unsigned n = results ? main.getNumResults() : main.getNumArguments();
  for (unsigned i = 0; i < n; ++i) {
    auto name = results ? main.getResultAttrOfType<StringAttr>(i, "mp.name")
                        : main.getArgAttrOfType<StringAttr>(i, "mp.name");
    names.push_back(name ? name.getValue().str()
                         : (results ? "output" : "input") + std::to_string(i));
  }
  return names;
}

llvm::Expected<std::vector<HostArray>>
mixprec::bindArguments(FunctionType fnType, llvm::ArrayRef<std::string> argNames,
                       std::vector<std::pair<std::string, HostArray>> given) {
  unsigned n = fnType.getNumInputs();
  std::vector<HostArray> args(n);
  std::vector<bool> have(n, false);
  unsigned next = 0;
  for (auto &[name, array] : given) {
    unsigned idx;
    if (!name.empty()) {
      auto it = llvm::find(argNames, name);
      if (it == argNames.end())
        return fail("no graph input is named '" + name + "'");
      idx = it - argNames.begin();
    } else {
      idx = next;
      while (idx < n && have[idx])
        ++idx;
      if (idx >= n)
        return fail("more inputs given than the graph has (" + Twine(n) + ")");
      next = idx + 1;
    }
    auto type = dyn_cast<RankedTensorType>(fnType.getInput(idx));
    if (!type)
      return fail("input '" + argNames[idx] + "' is not a ranked tensor");
    std::string problem = checkArgument(type, array);
    if (!problem.empty())
      return fail("input '" + argNames[idx] + "' (#" + Twine(idx) + ") " + problem);
    args[idx] = std::move(array);
    have[idx] = true;
  }
  for (unsigned i = 0; i < n; ++i)
    if (!have[i])
      return fail("missing input '" + argNames[i] + "' (#" + Twine(i) + ")");
  return args;
}

bool mixprec::hasDynamicArguments(FunctionType fnType) {
  return llvm::any_of(fnType.getInputs(), [](Type t) {
    auto rt = dyn_cast<RankedTensorType>(t);
    return rt && !rt.hasStaticShape();
  });
}
