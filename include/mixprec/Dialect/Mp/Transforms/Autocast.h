//===- Autocast.h - automatic mixed precision for mp ------------*- C++ -*-===//
//
// The autocast pipeline (mp-assign-precision -> mp-insert-casts ->
// mp-optimize-casts -> cse -> mp-precision-report), its options for C++
// embedding, the static range analysis it uses (with a hook for calibration
// data), and the reusable cast-optimisation patterns.
//
//===----------------------------------------------------------------------===//

#ifndef MIXPREC_DIALECT_MP_TRANSFORMS_AUTOCAST_H
#define MIXPREC_DIALECT_MP_TRANSFORMS_AUTOCAST_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mixprec::mp {

//===----------------------------------------------------------------------===//
// Static range analysis
//===----------------------------------------------------------------------===//

/// A closed interval [lo, hi] that holds every value of a tensor for every
/// input within the declared ranges. `known == false` means no bound.
struct Interval {
  double lo = 0, hi = 0;
  bool known = false;
  /// Where the bound came from ("initializer", "input-range", "calibration",
  /// or the op that derived it).
  std::string source;

  static Interval unknown() { return {}; }
  static Interval of(double lo, double hi, std::string source = "") {
    return {lo, hi, true, std::move(source)};
  }
  double maxAbs() const { return std::max(std::abs(lo), std::abs(hi)); }
};

struct RangeOptions {
  /// Declared ranges of graph inputs, by ONNX name.
  llvm::StringMap<Interval> inputRanges;
  /// Calibration hook: if it returns a range for a value, that observed
  /// range replaces the static bound (static bounds are sound but loose; the
  /// data-max rule is about what the data does). mp-assign-precision fills it
  /// from `calibrate`.
  std::function<std::optional<Interval>(mlir::Value)> observed;
};

/// Runs @main on calibration batches (`.npz` files keyed by graph input name,
/// or a `.npy` for a single-input graph) with the CPU executor and returns
/// the observed [min, max] of every floating-point tensor of @main's body and
/// of its inputs, pooled over all batches (source "observed over N
/// calibration batches").
/// On failure `error` says why (a missing input, a dtype or shape mismatch,
/// an op without a CPU lowering).
llvm::FailureOr<llvm::DenseMap<mlir::Value, Interval>>
calibrate(mlir::ModuleOp module, llvm::ArrayRef<std::string> files,
          std::string &error);

/// Computes an interval for every floating-point value in `module`.
llvm::DenseMap<mlir::Value, Interval>
computeRanges(mlir::ModuleOp module, const RangeOptions &options);

/// Statistics of a constant's values, for the init-max / min-positive rules.
struct ConstantStats {
  double maxAbs = 0;
  double minNonZeroAbs = 0; // 0 if all zero
  int64_t numNonZero = 0;
  int64_t numBelow = 0; // nonzero values below the queried threshold
};
std::optional<ConstantStats> constantStats(mlir::ElementsAttr value,
                                           double threshold);

/// Calls `fn` on every element of a floating-point constant (dense or
/// dense_resource; f64/f32/f16/bf16). Returns false if unsupported.
bool forEachFloatValue(mlir::ElementsAttr attr,
                       llvm::function_ref<void(double)> fn);

//===----------------------------------------------------------------------===//
// Helpers shared by the passes and the report
//===----------------------------------------------------------------------===//

/// ONNX node name of an op (the first NameLoc in its location), or "".
std::string getNodeName(mlir::Operation *op);

/// Estimated floating-point operations of one execution of `op` (2 per
/// multiply-add for Compute ops, one per output element otherwise); 0 when
/// shapes are not static.
double estimateFlops(mlir::Operation *op);

/// Cast-optimisation patterns (fold exact chains, sink casts through
/// pass-through ops); `mp-optimize-casts` runs them greedily, then CSE.
void populateOptimizeCastsPatterns(mlir::RewritePatternSet &patterns);

//===----------------------------------------------------------------------===//
// Pipeline
//===----------------------------------------------------------------------===//

struct AutocastOptions {
  std::string target = "f16";
  bool keepIOTypes = false;
  std::vector<std::string> opTypesToExclude, opTypesToInclude;
  std::vector<std::string> nodesToExclude, nodesToInclude;
  double initMax = 65504.0;
  double dataMax = 512.0;
  double staticDataMax = 65504.0;
  double minPositive = 5.9604644775390625e-8;
  int64_t maxReductionDepth = 0;
  std::string chip = "sm_90";
  std::vector<std::string> inputRanges;
  std::vector<std::string> calibrationData;
  bool clampConstants = false;
  /// JSON report path ("" for none) and whether to print the summary.
  std::string report;
  bool summary = true;
};

/// Appends the autocast pipeline to `pm` (which must run on builtin.module).
void buildAutocastPipeline(mlir::OpPassManager &pm,
                           const AutocastOptions &options);

/// Registers the textual pipeline `mp-autocast` (options as in
/// AutocastOptions, spelled like the pass options).
void registerAutocastPipeline();

} // namespace mixprec::mp

#endif // MIXPREC_DIALECT_MP_TRANSFORMS_AUTOCAST_H
