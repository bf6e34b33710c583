//===- Calibration.cpp - observed tensor ranges from calibration data -----===//
//
// Feeds mp-assign-precision's data-max rule. The FP32 module is run on each
// calibration batch with the CPU executor and the per-tensor min and max are
// pooled over all batches:
//
//  1. A clone of the module returns, besides its outputs, every
//     floating-point tensor of @main's body (the probes).
//  2. The clone goes through ONNX (export, then import in a private context
//     with the batch's input shapes pinned), so that shape inference makes
//     symbolic dims static and the executor's JIT state never touches the
//     pass's context.
//  3. It is lowered, JIT-compiled and run per batch (recompiled only when the
//     batch shapes change).
//
//===----------------------------------------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Dialect/Mp/Transforms/Autocast.h"
#include "mixprec/ExecutionEngine/CPURunner.h"
#include "mixprec/Target/ONNX/ONNXExport.h"
#include "mixprec/Target/ONNX/ONNXImport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/Support/TargetSelect.h"

#include <cmath>

using namespace mlir;
using namespace mixprec;
using namespace mixprec::mp;

namespace {
bool isFloatTensor(Type t) {
  auto rt = dyn_cast<RankedTensorType>(t);
  return rt && isa<FloatType>(rt.getElementType()) &&
         !dtypeOf(rt.getElementType()).empty();
}
} // namespace

FailureOr<llvm::DenseMap<Value, Interval>>
mixprec::mp::calibrate(ModuleOp module, ArrayRef<std::string> files,
                       std::string &error) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main || main.isExternal()) {
    error = "calibration needs a func.func @main with a body";
    return failure();
  }
  // Probes: floating-point results of ops directly in @main's body (values
  // inside subgraphs cannot be returned), in walk order.
  // Constants are skipped: their values are known, and returning every
  // weight would copy the model.
  auto probed = [](Operation &op) { return !isa<ConstantOp>(op); };
  SmallVector<Value> probes;
  for (Operation &op : main.getBody().front().without_terminator())
    if (probed(op))
      for (Value r : op.getResults())
        if (isFloatTensor(r.getType()))
          probes.push_back(r);

  OwningOpRef<ModuleOp> clone = module.clone();
  auto cmain = clone->lookupSymbol<func::FuncOp>("main");
  auto ret = cast<func::ReturnOp>(cmain.getBody().front().getTerminator());
  unsigned numOutputs = ret.getNumOperands();
  SmallVector<Value> operands(ret.getOperands());
  SmallVector<Value> cprobes;
  for (Operation &op : cmain.getBody().front().without_terminator())
    if (probed(op))
      for (Value r : op.getResults())
        if (isFloatTensor(r.getType()))
          cprobes.push_back(r);
  // Probe k is result index[k]; an output already returned is not repeated.
  SmallVector<unsigned> index;
  for (Value v : cprobes) {
    auto it = llvm::find(ArrayRef<Value>(operands).take_front(numOutputs), v);
    if (it != operands.begin() + numOutputs) {
      index.push_back(it - operands.begin());
      continue;
    }
    index.push_back(operands.size());
    operands.push_back(v);
  }
  ret->setOperands(operands);
  SmallVector<Type> resultTypes;
  for (Value v : operands)
    resultTypes.push_back(v.getType());
  SmallVector<DictionaryAttr> resAttrs;
  for (unsigned i = 0; i < operands.size(); ++i) {
    DictionaryAttr old = i < numOutputs ? cmain.getResultAttrDict(i) : nullptr;
    NamedAttrList attrs(old);
    if (i >= numOutputs)
      attrs.set(MpDialect::kNameAttr,
                StringAttr::get(module.getContext(),
                                "mixprec.calibration." + std::to_string(i)));
    resAttrs.push_back(attrs.getDictionary(module.getContext()));
  }
  cmain.setFunctionType(
      FunctionType::get(module.getContext(), cmain.getArgumentTypes(), resultTypes));
  cmain.setAllResultAttrs(resAttrs);

  std::string bytes;
  {
    ExportOptions opts;
    opts.externalData = ExportOptions::ExternalData::Never;
    opts.emitValueInfo = false;
    if (failed(exportONNXToString(*clone, bytes, opts))) {
      error = "the calibration copy of the model cannot be exported";
      return failure();
    }
  }

  std::vector<std::string> argNames = graphValueNames(main, /*results=*/false);

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<MpDialect>();
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  MLIRContext ctx(registry, MLIRContext::Threading::DISABLED);
  ctx.loadDialect<MpDialect, func::FuncDialect>();
  std::string diags;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    llvm::raw_string_ostream os(diags);
    os << d.getLocation() << ": " << d.str() << "\n";
    return success();
  });

  std::vector<double> lo(probes.size(), INFINITY), hi(probes.size(), -INFINITY);
  std::vector<double> argLo(argNames.size(), INFINITY),
      argHi(argNames.size(), -INFINITY);
  std::unique_ptr<CPUExecutable> exe;
  std::vector<std::vector<int64_t>> compiledShapes;
  auto scan = [](const HostArray &a, double &l, double &h) {
    int64_t eb = dtypeBytes(a.dtype);
    for (int64_t n = 0; n < a.numel(); ++n) {
      double v = loadAsDouble(a.data.data() + n * eb, a.dtype);
      if (std::isnan(v))
        continue;
      l = std::min(l, v);
      h = std::max(h, v);
    }
  };
  for (const std::string &file : files) {
    auto arrays = readArrays(file);
    if (!arrays) {
      error = llvm::toString(arrays.takeError());
      return failure();
    }
    // Keyed by input name; a lone .npy (no key) takes the first input.
    std::vector<std::pair<std::string, HostArray>> given(
        std::make_move_iterator(arrays->begin()), std::make_move_iterator(arrays->end()));
    auto bound = bindArguments(main.getFunctionType(), argNames, std::move(given));
    if (!bound) {
      error = "calibration file '" + file + "': " + llvm::toString(bound.takeError());
      return failure();
    }
    std::vector<HostArray> &args = *bound;
    for (unsigned i = 0; i < args.size(); ++i)
      if (isFloatTensor(main.getArgumentTypes()[i]))
        scan(args[i], argLo[i], argHi[i]);
    std::vector<std::vector<int64_t>> shapes;
    for (HostArray &a : args)
      shapes.push_back(a.shape);
    if (!exe || shapes != compiledShapes) {
      ImportOptions opts;
      for (unsigned i = 0; i < args.size(); ++i)
        opts.inputShapes[argNames[i]] = args[i].shape;
      OwningOpRef<ModuleOp> m =
          importONNX(bytes, /*isText=*/false, "calibration", &ctx, opts);
      if (!m) {
        error = "cannot specialise the model to the calibration shapes:\n" + diags;
        return failure();
      }
      auto compiled = CPUExecutable::compile(*m);
      if (!compiled) {
        error = llvm::toString(compiled.takeError()) + "\n" + diags;
        return failure();
      }
      exe = std::move(*compiled);
      compiledShapes = shapes;
    }
    auto results = exe->run(args);
    if (!results) {
      error = llvm::toString(results.takeError());
      return failure();
    }
    for (size_t k = 0; k < probes.size(); ++k)
      scan((*results)[index[k]], lo[k], hi[k]);
  }

  llvm::DenseMap<Value, Interval> observed;
  std::string source = "observed over " + std::to_string(files.size()) +
                       (files.size() == 1 ? " calibration batch"
                                          : " calibration batches");
  for (size_t k = 0; k < probes.size(); ++k)
    if (lo[k] <= hi[k])
      observed[probes[k]] = Interval::of(lo[k], hi[k], source);
  for (unsigned i = 0; i < argNames.size(); ++i)
    if (argLo[i] <= argHi[i])
      observed[main.getArgument(i)] = Interval::of(argLo[i], argHi[i], source);
  return observed;
}
