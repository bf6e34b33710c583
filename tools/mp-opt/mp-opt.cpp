//===- mp-opt.cpp - mixprec optimizer driver ------------------------------===//
//
// mlir-opt with the mp dialect and passes, plus ONNX in and out:
//   mp-opt model.onnx -o model.mlir          # import
//   mp-opt model.mlir -o model.onnx          # export
//   mp-opt model.onnx --some-pass -o out.onnx
// Inputs ending in .onnx / .onnxtxt are imported; the output format follows
// the output file's extension unless --emit=onnx|mlir says otherwise.
// Outputs are written to a temporary file and renamed into place on success.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Conversion/MpToLinalg.h"
#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Dialect/Mp/Transforms/Autocast.h"
#include "mixprec/Dialect/Mp/Transforms/Passes.h"
#include "mixprec/Target/ONNX/ONNXExport.h"
#include "mixprec/Target/ONNX/ONNXImport.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/ToolUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mixprec;

static llvm::cl::OptionCategory mpCategory("mixprec options");

static llvm::cl::opt<std::string>
    emitFormat("emit",
               llvm::cl::desc("Output format: 'onnx', 'mlir', 'ptx' (the PTX of "
                              "the gpu.binary ops --mp-lower-to-nvptx makes), "
                              "or 'none' to run the pipeline and write nothing "
                              "(default: by the output file's extension, else "
                              "mlir)"),
               llvm::cl::init(""), llvm::cl::cat(mpCategory));

static llvm::cl::opt<std::string> externalData(
    "external-data",
    llvm::cl::desc("ONNX export: 'auto' (only past 2 GiB), 'always' or "
                   "'never'"),
    llvm::cl::init("auto"), llvm::cl::cat(mpCategory));

static llvm::cl::opt<int64_t> externalDataThreshold(
    "external-data-threshold",
    llvm::cl::desc("ONNX export: tensors of at least this many bytes go to "
                   "external data"),
    llvm::cl::init(1024), llvm::cl::cat(mpCategory));

static llvm::cl::opt<bool> noShapeInference(
    "no-onnx-shape-inference",
    llvm::cl::desc("ONNX import: do not run libonnx shape inference"),
    llvm::cl::init(false), llvm::cl::cat(mpCategory));

static llvm::cl::opt<bool> listONNXOps(
    "list-onnx-ops",
    llvm::cl::desc("Print the ONNX op types that have a typed mp op (and that op) and exit"),
    llvm::cl::init(false), llvm::cl::cat(mpCategory));

static llvm::cl::opt<std::string> reportPath(
    "mp-report",
    llvm::cl::desc("Write the autocast report (JSON) to this file; sets the "
                   "output of the pipeline's mp-precision-report pass, or "
                   "appends one"),
    llvm::cl::init(""), llvm::cl::cat(mpCategory));

/// Points the pipeline's report pass at --mp-report (or adds one).
static LogicalResult applyReportOption(PassManager &pm) {
  if (reportPath.empty())
    return success();
  bool found = false;
  for (Pass &pass : pm.getPasses())
    if (pass.getArgument() == "mp-precision-report") {
      if (failed(pass.initializeOptions("output=\"" + reportPath.getValue() +
                                            "\"",
                                        [](const Twine &msg) {
                                          llvm::errs() << msg << "\n";
                                          return failure();
                                        })))
        return failure();
      found = true;
    }
  if (!found) {
    mp::MpPrecisionReportOptions opts;
    opts.output = reportPath;
    opts.summary = false;
    pm.addPass(mp::createMpPrecisionReport(opts));
  }
  return success();
}

namespace {

/// Processes one ONNX-side input (import and/or export) in a fresh context.
LogicalResult processONNX(std::unique_ptr<llvm::MemoryBuffer> buffer,
                          StringRef inputName, bool inONNX, bool outONNX,
                          llvm::raw_ostream &os, StringRef outputPath,
                          DialectRegistry &registry,
                          const MlirOptMainConfig &config,
                          const ExportOptions &exportOpts,
                          unsigned lineOffset = 0) {
  MLIRContext context(registry);
  context.allowUnregisteredDialects(config.shouldAllowUnregisteredDialects());
  context.loadDialect<mp::MpDialect>();
  llvm::SourceMgr sourceMgr;
  StringRef bufferText = buffer->getBuffer();
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);

  OwningOpRef<ModuleOp> module;
  if (inONNX) {
    ImportOptions opts;
    opts.runShapeInference = !noShapeInference;
    opts.lineOffset = lineOffset;
    module = importONNX(bufferText, isONNXTextPath(inputName), inputName,
                        &context, opts);
  } else {
    ParserConfig parserConfig(&context, config.shouldVerifyOnParsing());
    module = parseSourceFile<ModuleOp>(sourceMgr, parserConfig);
  }
  if (!module)
    return failure();

  PassManager pm(module.get()->getName(), PassManager::Nesting::Implicit);
  if (failed(applyPassManagerCLOptions(pm)) ||
      failed(config.setupPassPipeline(pm)) || failed(pm.run(*module)))
    return failure();

  if (emitFormat == "none")
    return success();
  if (emitFormat == "ptx") {
    // The kernels' PTX, one module per gpu.binary (mp-lower-to-nvptx makes
    // one for the whole program).
    unsigned count = 0;
    for (auto bin : module->getOps<gpu::BinaryOp>())
      for (Attribute a : bin.getObjects()) {
        auto obj = dyn_cast<gpu::ObjectAttr>(a);
        if (!obj || obj.getFormat() != gpu::CompilationTarget::Assembly)
          continue;
        os << obj.getObject().getValue();
        ++count;
      }
    if (!count)
      return emitError(module->getLoc())
             << "--emit=ptx: the module has no PTX; lower it with "
                "--mp-lower-to-nvptx (format=isa, the default) first";
    return success();
  }
  if (outONNX) {
    if (outputPath == "-") {
      std::string bytes;
      if (failed(exportONNXToString(*module, bytes, exportOpts)))
        return failure();
      os.write(bytes.data(), bytes.size());
      return success();
    }
    return exportONNXFile(*module, outputPath, exportOpts);
  }
  if (config.shouldEmitBytecode())
    return writeBytecodeToFile(*module, os);
  // ONNX node names live in NameLocs. When the model names its nodes, print
  // locations so that a later export (mp-opt model.mlir -o model.onnx)
  // restores the names; models without node names print without them.
  OpPrintingFlags flags;
  bool hasNames = false;
  if (inONNX)
    module->walk([&](Operation *op) {
      if (isa<mp::OnnxNodeOpInterface, mp::OnnxOp>(op) &&
          !isa<mp::ConstantOp>(op) && isa<NameLoc>(op->getLoc())) {
        hasNames = true;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
  auto &clOpts = llvm::cl::getRegisteredOptions();
  auto debugInfoOpt = clOpts.find("mlir-print-debuginfo");
  bool userChose = debugInfoOpt != clOpts.end() &&
                   debugInfoOpt->second->getNumOccurrences() > 0;
  if (hasNames && !userChose)
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  module->print(os, flags);
  os << '\n';
  return success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAllPasses();
  mp::registerMpPasses();
  mp::registerAutocastPipeline();
  mixprec::registerMixprecConversionPasses();
  mixprec::registerLowerToCPUPipeline();
  mixprec::registerLowerToNVPTXPipeline();
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR (mp-lower-to-nvptx).
  registerAllToLLVMIRTranslations(registry);
  registry.insert<mp::MpDialect>();

  auto [inputFilenameB, outputFilenameB] = registerAndParseCLIOptions(
      argc, argv,
      "mixprec optimizer driver: ONNX <-> mp dialect, with every upstream "
      "MLIR pass and the mp passes\n",
      registry);
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  // --mp-report applies to whatever pipeline the command line builds.
  MlirOptMainConfig baseConfig = config;
  config.setPassPipelineSetupFn([baseConfig](PassManager &pm) {
    if (failed(baseConfig.setupPassPipeline(pm)))
      return failure();
    return applyReportOption(pm);
  });
  std::string inputFilename = inputFilenameB, outputFilename = outputFilenameB;

  if (listONNXOps) {
    MLIRContext context(registry);
    context.loadDialect<mp::MpDialect>();
    std::vector<std::pair<std::string, std::string>> names;
    for (RegisteredOperationName name : context.getRegisteredOperations())
      if (auto *iface = name.getInterface<mp::OnnxNodeOpInterface>())
        names.push_back({iface->getOnnxOpType().str(),
                         name.getStringRef().str()});
    llvm::sort(names);
    for (const auto &[onnxName, mpName] : names)
      llvm::outs() << onnxName << " " << mpName << "\n";
    return 0;
  }

  if (emitFormat.empty() && StringRef(outputFilename).ends_with(".ptx"))
    emitFormat = "ptx";
  if (emitFormat != "" && emitFormat != "onnx" && emitFormat != "mlir" &&
      emitFormat != "ptx" && emitFormat != "none") {
    llvm::errs() << "mp-opt: error: --emit must be 'onnx', 'mlir', 'ptx' or 'none', "
                    "got '"
                 << emitFormat << "'\n";
    return 1;
  }
  ExportOptions exportOpts;
  if (externalData == "auto")
    exportOpts.externalData = ExportOptions::ExternalData::Auto;
  else if (externalData == "always")
    exportOpts.externalData = ExportOptions::ExternalData::Always;
  else if (externalData == "never")
    exportOpts.externalData = ExportOptions::ExternalData::Never;
  else {
    llvm::errs() << "mp-opt: error: --external-data must be 'auto', 'always' "
                    "or 'never', got '"
                 << externalData << "'\n";
    return 1;
  }
  if (externalDataThreshold < 0) {
    llvm::errs() << "mp-opt: error: --external-data-threshold must be >= 0\n";
    return 1;
  }
  exportOpts.externalDataThreshold = externalDataThreshold;

  bool inONNX = isONNXPath(inputFilename);
  bool outONNX = emitFormat == "onnx" ||
                 (emitFormat.empty() && StringRef(outputFilename).ends_with(".onnx"));
  if (outONNX && StringRef(outputFilename).ends_with(".mlir") && emitFormat.empty())
    outONNX = false;

  std::string errorMessage;
  auto file = openInputFile(inputFilename, &errorMessage);
  if (!file) {
    llvm::errs() << "mp-opt: error: " << errorMessage << "\n";
    return 1;
  }

  if (emitFormat == "none") {
    // Run the pipeline for its side effects (diagnostics, reports).
    if (failed(processONNX(std::move(file), inputFilename, inONNX,
                           /*outONNX=*/false, llvm::nulls(), "-", registry,
                           config, exportOpts)))
      return 1;
    return 0;
  }

  // Plain MLIR in and out: exactly mlir-opt (split-input-file,
  // verify-diagnostics, ...), with an atomic output file.
  if (!inONNX && !outONNX && emitFormat != "ptx") {
    llvm::Error err = llvm::writeToOutput(
        outputFilename, [&](llvm::raw_ostream &os) -> llvm::Error {
          if (failed(MlirOptMain(os, std::move(file), registry, config))) {
            os.flush(); // the temporary is discarded; flush before that
            return llvm::createStringError("mp-opt failed");
          }
          return llvm::Error::success();
        });
    if (err) {
      llvm::consumeError(std::move(err));
      return 1;
    }
    return 0;
  }

  if (outONNX && config.inputSplitMarker().size()) {
    llvm::errs() << "mp-opt: error: -split-input-file cannot be combined "
                    "with ONNX output\n";
    return 1;
  }

  auto process = [&](std::unique_ptr<llvm::MemoryBuffer> chunk,
                     llvm::raw_ostream &os, unsigned lineOffset = 0) {
    return processONNX(std::move(chunk), inputFilename, inONNX, outONNX, os,
                       outputFilename, registry, config, exportOpts,
                       lineOffset);
  };
  if (outONNX) {
    // The exporter writes the file (and its external data) atomically.
    llvm::raw_null_ostream nullOs;
    return failed(process(std::move(file), llvm::outs())) ? 1 : 0;
  }
  llvm::Error err = llvm::writeToOutput(
      outputFilename, [&](llvm::raw_ostream &os) -> llvm::Error {
        LogicalResult r =
            config.inputSplitMarker().empty()
                ? process(std::move(file), os)
                : splitAndProcessBuffer(
                      std::move(file),
                      [&](std::unique_ptr<llvm::MemoryBuffer> chunk,
                          const llvm::MemoryBufferRef &source,
                          llvm::raw_ostream &chunkOs) {
                        // Report lines of the whole file, as MLIR does.
                        StringRef whole = source.getBuffer();
                        StringRef text = chunk->getBuffer();
                        unsigned offset = 0;
                        size_t at = text.data() >= whole.begin() &&
                                            text.data() < whole.end()
                                        ? text.data() - whole.data()
                                        : whole.find(text);
                        if (at != StringRef::npos)
                          offset = whole.take_front(at).count('\n');
                        return process(std::move(chunk), chunkOs, offset);
                      },
                      os, config.inputSplitMarker(),
                      std::as_const(config).outputSplitMarker());
        if (failed(r)) {
          os.flush(); // the temporary is discarded; flush before that
          return llvm::createStringError("mp-opt failed");
        }
        return llvm::Error::success();
      });
  if (err) {
    llvm::consumeError(std::move(err));
    return 1;
  }
  return 0;
}
