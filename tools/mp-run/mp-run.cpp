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

#include "mixprec/ExecutionEngine/Training.h"
#include "mixprec/ExecutionEngine/CPURunner.h"
#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Target/ONNX/ONNXImport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/ADT/StringExtras.h"

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
static cl::opt<std::string> deviceName("device", cl::desc("Where to run: cpu, cuda (an NVIDIA GPU through mp-lower-to-nvptx), or cuda-emulated (the GPU pipeline's kernels as host loops, to check them without a GPU)"), cl::init("cpu"), cl::cat(runCategory));
static cl::opt<std::string> chipName("chip", cl::desc("--device=cuda: the SM to compile for (default: the GPU's; sm_90 with --compile-only)"), cl::init(""), cl::cat(runCategory));
static cl::opt<bool> compileOnly("compile-only", cl::desc("Lower and translate (kernels to PTX) but do not run: checks a GPU program without a GPU"), cl::init(false), cl::cat(runCategory));
static cl::opt<bool> printIR("print-lowered-ir", cl::desc("Print the LLVM-dialect module"), cl::init(false), cl::cat(runCategory));
static cl::OptionCategory trainCategory("mp-run training options (a module from mp-opt --mp-build-train-step)");
static cl::opt<std::string> trainData("train", cl::desc("Train on this .npz (one array per data input and the labels)"), cl::init(""), cl::cat(trainCategory));
static cl::opt<int64_t> trainSteps("steps", cl::desc("Training steps"), cl::init(100), cl::cat(trainCategory));
static cl::opt<int64_t> trainBatch("batch", cl::desc("Batch size (must match the training step's)"), cl::init(0), cl::cat(trainCategory));
static cl::opt<int64_t> logEvery("log-every", cl::desc("Print the loss every N steps (default: 10 lines)"), cl::init(0), cl::cat(trainCategory));
static cl::opt<uint64_t> trainSeed("seed", cl::desc("Shuffle seed"), cl::init(0), cl::cat(trainCategory));
static cl::opt<std::string> savePath("save", cl::desc("Write the trained model (ONNX, FP32 weights) here"), cl::init(""), cl::cat(trainCategory));

namespace {

[[noreturn]] void die(const llvm::Twine &msg) {
  llvm::errs() << "mp-run: error: " << msg << "\n";
  std::exit(1);
}

using mixprec::HostArray;

/// Inputs/expectations: FILE (graph order) or NAME=FILE; .npz by name.
std::vector<std::pair<std::string, HostArray>>
collect(const cl::list<std::string> &specs) {
  std::vector<std::pair<std::string, HostArray>> out;
  for (const std::string &spec : specs) {
    StringRef s(spec);
    std::string name;
    if (s.contains('=') && !llvm::sys::fs::exists(spec)) {
      auto [n, f] = s.split('=');
      name = n.str();
      s = f;
    }
    auto arrays = mixprec::readArrays(s);
    if (!arrays)
      die(llvm::toString(arrays.takeError()));
    for (auto &[key, array] : *arrays)
      out.push_back({key.empty() ? name : key, std::move(array)});
  }
  return out;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions({&runCategory, &trainCategory});
  cl::ParseCommandLineOptions(argc, argv, "mp-run: compile and run an mp model on the CPU or an NVIDIA GPU\n");
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<mixprec::mp::MpDialect>();
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  // --device=cuda: kernels (gpu.module, NVVM) and the host's gpu.binary.
  registerAllToLLVMIRTranslations(registry);
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
  if (deviceName != "cpu" && deviceName != "cuda" && deviceName != "cuda-emulated")
    die("--device must be 'cpu', 'cuda' or 'cuda-emulated', got '" + deviceName + "'");
  mixprec::Device device = deviceName == "cuda"            ? mixprec::Device::CUDA
                           : deviceName == "cuda-emulated" ? mixprec::Device::CUDAEmulated
                                                           : mixprec::Device::CPU;
  if (!trainData.empty()) {
    mixprec::TrainOptions opts;
    opts.dataPath = trainData;
    opts.steps = trainSteps;
    opts.batch = trainBatch;
    opts.logEvery = logEvery;
    opts.seed = trainSeed;
    opts.savePath = savePath;
    opts.device = device;
    return mixprec::runTraining(*module, opts);
  }
  FunctionType fnType = main.getFunctionType();
  // Names are read now: lowering replaces @main.
  std::vector<std::string> argNames = mixprec::graphValueNames(main, false);
  std::vector<std::string> resultNames = mixprec::graphValueNames(main, true);

  // Inputs, checked against the graph's types.
  auto args = mixprec::bindArguments(fnType, argNames, collect(inputs));
  if (!args)
    die(llvm::toString(args.takeError()));

  // Symbolic dims (a batch size, a sequence length) are pinned to the given
  // data by importing again with those input shapes, so that shape inference
  // makes every intermediate static (reshapes and pooling need that).
  if (mixprec::hasDynamicArguments(fnType) && mixprec::isONNXPath(modelPath)) {
    mixprec::ImportOptions opts;
    for (unsigned i = 0; i < args->size(); ++i)
      opts.inputShapes[argNames[i]] = (*args)[i].shape;
    module = mixprec::importONNXFile(modelPath, &context, opts);
    if (!module)
      return 1;
  }

  mixprec::CompileOptions copts;
  copts.device = device;
  copts.chip = chipName;
  copts.compileOnly = compileOnly;
  auto exe = mixprec::CPUExecutable::compile(*module, printIR ? &llvm::outs() : nullptr, copts);
  if (!exe)
    die(llvm::toString(exe.takeError()));
  if (compileOnly) {
    llvm::errs() << "mp-run: compiled for " << deviceName
                 << (chipName.empty() ? "" : " " + chipName) << "; not run (--compile-only)\n";
    return 0;
  }
  auto t1 = std::chrono::steady_clock::now();

  std::vector<HostArray> results;
  double best = INFINITY, bestDevice = INFINITY;
  for (int r = 0; r < std::max(1, (int)repeat); ++r) {
    auto s = std::chrono::steady_clock::now();
    auto out = (*exe)->run(*args);
    if (!out)
      die(llvm::toString(out.takeError()));
    best = std::min(best, std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - s).count());
    bestDevice = std::min(bestDevice, (*exe)->lastDeviceMs());
    results = std::move(*out);
  }
  if (device == mixprec::Device::CUDA)
    llvm::errs() << llvm::format("mp-run: device time %.4f ms (CUDA events, best of %d), peak "
                                 "device memory %.0f bytes\n",
                                 bestDevice, std::max(1, (int)repeat), (*exe)->peakDeviceBytes());

  double compile = std::chrono::duration<double>(t1 - t0).count();
  llvm::errs() << llvm::format("mp-run: compile %.3f s, run %.6f s (best of %d)\n",
                               compile, best, std::max(1, (int)repeat));
  if (!outputDir.empty()) {
    llvm::sys::fs::create_directories(outputDir);
    for (unsigned i = 0; i < results.size(); ++i) {
      std::string file = resultNames[i];
      for (char &c : file)
        if (!llvm::isAlnum(c) && c != '_' && c != '-' && c != '.')
          c = '_';
      SmallString<256> path(outputDir);
      llvm::sys::path::append(path, file + ".npy");
      if (llvm::Error err = mixprec::writeNpy(std::string(path), results[i]))
        die(llvm::toString(std::move(err)));
    }
  }

  // Expectations.
  int status = 0;
  auto expected = collect(expects);
  unsigned nextOut = 0;
  for (auto &[name, e] : expected) {
    unsigned idx = nextOut++;
    if (!name.empty()) {
      auto it = llvm::find(resultNames, name);
      if (it == resultNames.end())
        die("no graph output is named '" + name + "'");
      idx = it - resultNames.begin();
    }
    if (idx >= results.size())
      die("more expected outputs than the graph has");
    HostArray &got = results[idx];
    const std::string &outName = resultNames[idx];
    if (got.shape != e.shape)
      die("output '" + outName + "': shape differs from the expectation");
    // A bfloat16 output compares with V2 or raw uint16 bit patterns.
    if (got.dtype == "V2" && e.dtype == "u2")
      e.dtype = "V2";
    static const char *known[] = {"f2", "f4", "f8", "i1", "i2", "i4", "i8",
                                  "u1", "u2", "u4", "u8", "b1", "V2"};
    if (!llvm::is_contained(known, StringRef(e.dtype)))
      die("expected output '" + outName + "' has unsupported dtype '" +
          e.dtype + "'");
    double worst = -1, worstGot = 0, worstWant = 0;
    int64_t worstAt = -1, bad = 0;
    int64_t gb = mixprec::dtypeBytes(got.dtype), wb = mixprec::dtypeBytes(e.dtype);
    for (int64_t n = 0; n < got.numel(); ++n) {
      double g = mixprec::loadAsDouble(got.data.data() + n * gb, got.dtype);
      double w = mixprec::loadAsDouble(e.data.data() + n * wb, e.dtype);
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
      llvm::errs() << "mp-run: output '" << outName << "': " << bad << " of "
                   << got.numel() << " elements outside atol " << absTol
                   << " + rtol " << relTol << "; worst at flat index "
                   << worstAt << ": got " << worstGot << ", expected "
                   << worstWant << "\n";
      status = 1;
    } else {
      llvm::errs() << "mp-run: output '" << outName << "' matches ("
                   << got.numel() << " elements)\n";
    }
  }
  return status;
}
