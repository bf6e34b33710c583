//===- AutocastPipeline.cpp - the mp-autocast pipeline --------------------===//

#include "mixprec/Dialect/Mp/Transforms/Autocast.h"
#include "mixprec/Dialect/Mp/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mixprec::mp;

void mixprec::mp::buildAutocastPipeline(OpPassManager &pm,
                                        const AutocastOptions &o) {
  MpAssignPrecisionOptions assign;
  assign.target = o.target;
  assign.keepIOTypes = o.keepIOTypes;
  assign.opTypesToExclude.assign(o.opTypesToExclude.begin(), o.opTypesToExclude.end());
  assign.opTypesToInclude.assign(o.opTypesToInclude.begin(), o.opTypesToInclude.end());
  assign.nodesToExclude.assign(o.nodesToExclude.begin(), o.nodesToExclude.end());
  assign.nodesToInclude.assign(o.nodesToInclude.begin(), o.nodesToInclude.end());
  assign.initMax = o.initMax;
  assign.dataMax = o.dataMax;
  assign.staticDataMax = o.staticDataMax;
  assign.minPositive = o.minPositive;
  assign.maxReductionDepth = o.maxReductionDepth;
  assign.chip = o.chip;
  assign.inputRanges.assign(o.inputRanges.begin(), o.inputRanges.end());
  assign.calibrationData.assign(o.calibrationData.begin(), o.calibrationData.end());
  pm.addPass(createMpAssignPrecision(assign));
  MpInsertCastsOptions insert;
  insert.clampConstants = o.clampConstants;
  pm.addPass(createMpInsertCasts(insert));
  pm.addPass(createMpOptimizeCasts());
  MpPrecisionReportOptions report;
  report.output = o.report;
  report.summary = o.summary;
  pm.addPass(createMpPrecisionReport(report));
}

namespace {
struct AutocastPipelineOptions
    : public PassPipelineOptions<AutocastPipelineOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("f16 or bf16"),
                             llvm::cl::init("f16")};
  Option<bool> keepIOTypes{*this, "keep-io-types",
                           llvm::cl::desc("Keep FP32 graph inputs/outputs"),
                           llvm::cl::init(false)};
  ListOption<std::string> opTypesToExclude{
      *this, "op-types-to-exclude", llvm::cl::desc("Op types kept in FP32")};
  ListOption<std::string> opTypesToInclude{
      *this, "op-types-to-include",
      llvm::cl::desc("Op types forced to low precision")};
  ListOption<std::string> nodesToExclude{
      *this, "nodes-to-exclude", llvm::cl::desc("Node-name regexes kept FP32")};
  ListOption<std::string> nodesToInclude{
      *this, "nodes-to-include",
      llvm::cl::desc("Node-name regexes forced to low precision")};
  Option<double> initMax{*this, "init-max", llvm::cl::desc("see mp-assign-precision"),
                         llvm::cl::init(65504.0)};
  Option<double> dataMax{*this, "data-max", llvm::cl::desc("see mp-assign-precision"),
                         llvm::cl::init(512.0)};
  Option<double> staticDataMax{*this, "static-data-max",
                               llvm::cl::desc("see mp-assign-precision"),
                               llvm::cl::init(65504.0)};
  Option<double> minPositive{*this, "min-positive",
                             llvm::cl::desc("see mp-assign-precision"),
                             llvm::cl::init(5.9604644775390625e-8)};
  Option<int64_t> maxReductionDepth{*this, "max-reduction-depth",
                                    llvm::cl::desc("0: no limit"),
                                    llvm::cl::init(0)};
  Option<std::string> chip{*this, "chip", llvm::cl::desc("sm_70 .. sm_90"),
                           llvm::cl::init("sm_90")};
  ListOption<std::string> inputRanges{*this, "input-range",
                                      llvm::cl::desc("name:lo:hi")};
  ListOption<std::string> calibrationData{
      *this, "calibration-data",
      llvm::cl::desc("Calibration batches (.npz), see mp-assign-precision")};
  Option<bool> clampConstants{*this, "clamp-constants",
                              llvm::cl::desc("Clamp out-of-range constants"),
                              llvm::cl::init(false)};
  Option<std::string> report{*this, "report",
                             llvm::cl::desc("JSON report path"),
                             llvm::cl::init("")};
  Option<bool> summary{*this, "summary",
                       llvm::cl::desc("Print a summary on stderr"),
                       llvm::cl::init(true)};
};
} // namespace

void mixprec::mp::registerAutocastPipeline() {
  PassPipelineRegistration<AutocastPipelineOptions>(
      "mp-autocast",
      "Automatic mixed precision: assign precisions, insert and optimise "
      "casts, report",
      [](OpPassManager &pm, const AutocastPipelineOptions &p) {
        AutocastOptions o;
        o.target = p.target;
        o.keepIOTypes = p.keepIOTypes;
        o.opTypesToExclude.assign(p.opTypesToExclude.begin(),
                                  p.opTypesToExclude.end());
        o.opTypesToInclude.assign(p.opTypesToInclude.begin(),
                                  p.opTypesToInclude.end());
        o.nodesToExclude.assign(p.nodesToExclude.begin(),
                                p.nodesToExclude.end());
        o.nodesToInclude.assign(p.nodesToInclude.begin(),
                                p.nodesToInclude.end());
        o.initMax = p.initMax;
        o.dataMax = p.dataMax;
        o.staticDataMax = p.staticDataMax;
        o.minPositive = p.minPositive;
        o.maxReductionDepth = p.maxReductionDepth;
        o.chip = p.chip;
        o.inputRanges.assign(p.inputRanges.begin(), p.inputRanges.end());
        o.calibrationData.assign(p.calibrationData.begin(),
                                 p.calibrationData.end());
        o.clampConstants = p.clampConstants;
        o.report = p.report;
        o.summary = p.summary;
        buildAutocastPipeline(pm, o);
      });
}
