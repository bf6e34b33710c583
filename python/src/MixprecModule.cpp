//===- MixprecModule.cpp - nanobind bindings for mixprec ------------------===//
//
// The low-level module `mixprec._mixprec`. The public, documented API is the
// Python package `mixprec` (python/mixprec/__init__.py), which wraps these
// functions. Everything runs in-process on the same C++ library mp-opt uses.
// MLIR diagnostics are collected and raised as mixprec.MixprecError.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/ExecutionEngine/CPURunner.h"
#include "mixprec/ExecutionEngine/Training.h"
#include "mixprec/Dialect/Mp/Transforms/Autocast.h"
#include "mixprec/Dialect/Mp/Transforms/Passes.h"
#include "mixprec/Target/ONNX/ONNXExport.h"
#include "mixprec/Target/ONNX/ONNXImport.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>
#include <nanobind/stl/function.h>

#include <mutex>
#include <stdexcept>

namespace nb = nanobind;
using namespace mlir;

namespace {

struct MixprecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void registerOnce() {
  static std::once_flag flag;
  std::call_once(flag, [] {
    registerAllPasses();
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    mixprec::mp::registerMpPasses();
    mixprec::mp::registerAutocastPipeline();
  });
}

/// A context with every dialect, plus a handler that turns diagnostics into
/// one error message (errors and their notes; warnings are kept too).
struct Session {
  DialectRegistry registry;
  std::unique_ptr<MLIRContext> context;
  std::string messages;
  std::unique_ptr<ScopedDiagnosticHandler> handler;

  Session() {
    registerOnce();
    registerAllDialects(registry);
    registerAllExtensions(registry);
    registry.insert<mixprec::mp::MpDialect>();
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    context = std::make_unique<MLIRContext>(registry);
    context->loadDialect<mixprec::mp::MpDialect>();
    handler = std::make_unique<ScopedDiagnosticHandler>(
        context.get(), [this](Diagnostic &d) {
          llvm::raw_string_ostream os(messages);
          os << d.getLocation() << ": ";
          switch (d.getSeverity()) {
          case DiagnosticSeverity::Error: os << "error: "; break;
          case DiagnosticSeverity::Warning: os << "warning: "; break;
          case DiagnosticSeverity::Note: os << "note: "; break;
          case DiagnosticSeverity::Remark: os << "remark: "; break;
          }
          os << d.str() << "\n";
          for (Diagnostic &note : d.getNotes())
            os << note.getLocation() << ": note: " << note.str() << "\n";
          return success();
        });
  }
  [[noreturn]] void fail(const std::string &what) {
    std::string msg = what;
    if (!messages.empty())
      msg += ":\n" + messages;
    throw MixprecError(msg);
  }
};

std::string printModule(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os);
  return text;
}

OwningOpRef<ModuleOp> importBuffer(Session &s, nb::bytes data,
                                   const std::string &name, bool isText) {
  std::string_view view(data.c_str(), data.size());
  OwningOpRef<ModuleOp> module = mixprec::importONNX(
      llvm::StringRef(view.data(), view.size()), isText, name,
      s.context.get());
  if (!module)
    s.fail("cannot import ONNX model '" + name + "'");
  return module;
}

OwningOpRef<ModuleOp> importPath(Session &s, const std::string &path) {
  OwningOpRef<ModuleOp> module =
      mixprec::importONNXFile(path, s.context.get());
  if (!module)
    s.fail("cannot import ONNX model '" + path + "'");
  return module;
}

void runPipeline(Session &s, ModuleOp module, const std::string &pipeline) {
  PassManager pm(s.context.get(), ModuleOp::getOperationName());
  std::string err;
  llvm::raw_string_ostream errOs(err);
  if (failed(parsePassPipeline(pipeline, pm, errOs)))
    s.fail("invalid pass pipeline '" + pipeline + "': " + err);
  if (failed(pm.run(module)))
    s.fail("pass pipeline '" + pipeline + "' failed");
}

std::string autocastPipeline(const std::string &options,
                             const std::string &reportPath) {
  // Quoted: temporary paths may contain spaces.
  return "mp-autocast{" + options + " summary=0 report=\"" + reportPath +
         "\"}";
}

/// Removes a file when it goes out of scope (also when an error unwinds).
struct RemoveOnExit {
  std::string path;
  ~RemoveOnExit() {
    if (!path.empty())
      llvm::sys::fs::remove(path);
  }
};

std::string readAndRemove(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  std::string text = buf ? (*buf)->getBuffer().str() : "";
  llvm::sys::fs::remove(path);
  return text;
}

std::string tempPath(const char *suffix) {
  llvm::SmallString<128> path;
  if (llvm::sys::fs::createTemporaryFile("mixprec", suffix, path))
    throw MixprecError("cannot create a temporary file");
  return std::string(path);
}

/// (name, dtype, shape, bytes): a host array crossing the binding.
using WireArray =
    std::tuple<std::string, std::string, std::vector<int64_t>, nb::bytes>;

std::vector<WireArray> runModel(nb::bytes data, const std::string &path,
                                const std::vector<WireArray> &inputs) {
  Session s;
  auto load = [&](const mixprec::ImportOptions &opts) {
    OwningOpRef<ModuleOp> module;
    if (!path.empty())
      module = mixprec::importONNXFile(path, s.context.get(), opts);
    else
      module = mixprec::importONNX(llvm::StringRef(data.c_str(), data.size()),
                                   /*isText=*/false, "<bytes>",
                                   s.context.get(), opts);
    if (!module)
      s.fail("cannot import the ONNX model");
    return module;
  };
  OwningOpRef<ModuleOp> module = load({});
  auto main = module->lookupSymbol<func::FuncOp>("main");
  FunctionType fnType = main.getFunctionType();
  std::vector<std::string> argNames = mixprec::graphValueNames(main, false);
  std::vector<std::string> resultNames = mixprec::graphValueNames(main, true);
  std::vector<std::pair<std::string, mixprec::HostArray>> given;
  for (const auto &[name, dtype, shape, bytes] : inputs) {
    mixprec::HostArray a{dtype, shape,
                         std::vector<char>(bytes.c_str(), bytes.c_str() + bytes.size())};
    if ((int64_t)a.data.size() != a.numel() * mixprec::dtypeBytes(dtype))
      throw MixprecError("input '" + name + "': data size does not match its shape and dtype");
    given.emplace_back(name, std::move(a));
  }
  auto args = mixprec::bindArguments(fnType, argNames, std::move(given));
  if (!args)
    throw MixprecError(llvm::toString(args.takeError()));
  // Symbolic dims are pinned to the data (as mp-run does).
  if (mixprec::hasDynamicArguments(fnType)) {
    mixprec::ImportOptions pinned;
    for (unsigned i = 0; i < args->size(); ++i)
      pinned.inputShapes[argNames[i]] = (*args)[i].shape;
    module = load(pinned);
  }
  auto exe = mixprec::CPUExecutable::compile(*module);
  if (!exe)
    s.fail(llvm::toString(exe.takeError()));
  auto results = (*exe)->run(*args);
  if (!results)
    s.fail(llvm::toString(results.takeError()));
  std::vector<WireArray> out;
  for (size_t i = 0; i < results->size(); ++i) {
    mixprec::HostArray &r = (*results)[i];
    out.emplace_back(resultNames[i], r.dtype, r.shape,
                     nb::bytes(r.data.data(), r.data.size()));
  }
  return out;
}

/// Imports the model, runs `pipeline` (mp-build-train-step and friends) and
/// trains on `arrays`; returns (trained ONNX bytes, per-step losses, loss
/// scales, skipped steps, final loss, samples/s).
nb::tuple trainModel(nb::bytes data, const std::string &path, const std::string &pipeline,
                     const std::vector<WireArray> &arrays, int64_t steps, int64_t batch,
                     int64_t logEvery, uint64_t seed, nb::object log) {
  Session s;
  OwningOpRef<ModuleOp> module = path.empty() ? importBuffer(s, data, "<bytes>", false)
                                              : importPath(s, path);
  runPipeline(s, *module, pipeline);
  std::map<std::string, mixprec::HostArray> dataMap;
  for (const auto &[name, dtype, shape, bytes] : arrays) {
    mixprec::HostArray a{dtype, shape,
                         std::vector<char>(bytes.c_str(), bytes.c_str() + bytes.size())};
    if ((int64_t)a.data.size() != a.numel() * mixprec::dtypeBytes(dtype))
      throw MixprecError("array '" + name + "': data size does not match its shape and dtype");
    dataMap[name] = std::move(a);
  }
  std::string saved = tempPath("onnx");
  RemoveOnExit cleanup{saved};
  mixprec::TrainOptions opts;
  opts.data = &dataMap;
  opts.steps = steps;
  opts.batch = batch;
  opts.logEvery = logEvery;
  opts.seed = seed;
  opts.savePath = saved;
  if (!log.is_none())
    opts.log = [&](const std::string &line) {
      // The model comes back as bytes: the temporary file is not news.
      if (!llvm::StringRef(line).starts_with("saved the trained model"))
        log(line);
    };
  auto result = mixprec::train(*module, opts);
  if (!result)
    s.fail(llvm::toString(result.takeError()));
  auto buf = llvm::MemoryBuffer::getFile(saved);
  if (!buf)
    throw MixprecError("cannot read the trained model back");
  return nb::make_tuple(nb::bytes((*buf)->getBufferStart(), (*buf)->getBufferSize()),
                        result->losses, result->lossScales, result->skippedSteps,
                        result->finalLoss, result->samplesPerSecond);
}

} // namespace

NB_MODULE(_mixprec, m) {
  m.doc() = "Low-level bindings of mixprec; use the `mixprec` package.";
  nb::exception<MixprecError>(m, "MixprecError");

  m.def(
      "import_onnx_bytes",
      [](nb::bytes data, const std::string &name, bool isText) {
        Session s;
        return printModule(*importBuffer(s, data, name, isText));
      },
      nb::arg("data"), nb::arg("name") = "<bytes>", nb::arg("is_text") = false,
      "Imports a serialized ONNX model and returns the mp-dialect MLIR text.");

  m.def(
      "import_onnx_file",
      [](const std::string &path) {
        Session s;
        return printModule(*importPath(s, path));
      },
      nb::arg("path"),
      "Imports an ONNX file (external data is memory-mapped) to MLIR text.");

  m.def(
      "run_pipeline",
      [](const std::string &mlir, const std::string &pipeline) {
        Session s;
        OwningOpRef<ModuleOp> module =
            parseSourceString<ModuleOp>(mlir, s.context.get(), "<mlir>");
        if (!module)
          s.fail("cannot parse the MLIR input");
        runPipeline(s, *module, pipeline);
        return printModule(*module);
      },
      nb::arg("mlir"), nb::arg("pipeline"),
      "Parses MLIR text, runs a textual pass pipeline (as in mp-opt "
      "--pass-pipeline, without the builtin.module(...) wrapper), and "
      "returns the result.");

  m.def(
      "autocast_bytes",
      [](nb::bytes data, const std::string &options) {
        Session s;
        OwningOpRef<ModuleOp> module = importBuffer(s, data, "<bytes>", false);
        std::string report = tempPath("json");
        RemoveOnExit cleanup{report};
        runPipeline(s, *module, autocastPipeline(options, report));
        std::string json = readAndRemove(report);
        std::string out;
        if (failed(mixprec::exportONNXToString(*module, out)))
          s.fail("cannot export the result (use the path API for models "
                 "over 2 GiB)");
        return std::make_tuple(nb::bytes(out.data(), out.size()), json);
      },
      nb::arg("data"), nb::arg("options"),
      "Autocasts a serialized model; returns (model bytes, report JSON).");

  m.def(
      "autocast_file",
      [](const std::string &input, const std::string &output,
         const std::string &options, const std::string &externalData) {
        Session s;
        OwningOpRef<ModuleOp> module = importPath(s, input);
        std::string report = tempPath("json");
        RemoveOnExit cleanup{report};
        runPipeline(s, *module, autocastPipeline(options, report));
        std::string json = readAndRemove(report);
        mixprec::ExportOptions opts;
        if (externalData == "always")
          opts.externalData = mixprec::ExportOptions::ExternalData::Always;
        else if (externalData == "never")
          opts.externalData = mixprec::ExportOptions::ExternalData::Never;
        else if (externalData != "auto")
          throw MixprecError("external_data must be 'auto', 'always' or "
                             "'never', got '" + externalData + "'");
        if (failed(mixprec::exportONNXFile(*module, output, opts)))
          s.fail("cannot write '" + output + "'");
        return json;
      },
      nb::arg("input"), nb::arg("output"), nb::arg("options"),
      nb::arg("external_data") = "auto",
      "Autocasts the model at `input` and writes it to `output` (external "
      "data as needed); returns the report JSON.");

  m.def("train_model", &trainModel, nb::arg("data"), nb::arg("path"), nb::arg("pipeline"),
        nb::arg("arrays"), nb::arg("steps"), nb::arg("batch"), nb::arg("log_every"),
        nb::arg("seed"), nb::arg("log").none(),
        "Imports the ONNX model (bytes, or `path` if not empty), runs the pass "
        "pipeline that builds the training step, trains on the (name, dtype, "
        "shape, bytes) arrays, and returns (trained ONNX bytes, losses, loss "
        "scales, skipped steps, final loss, samples/s).");
  m.def("run_model", &runModel, nb::arg("data"), nb::arg("path"),
        nb::arg("inputs"),
        "Compiles the ONNX model (bytes, or `path` if not empty) for the CPU "
        "and runs it on (name, dtype, shape, bytes) inputs; returns the "
        "outputs in the same form.");
}
