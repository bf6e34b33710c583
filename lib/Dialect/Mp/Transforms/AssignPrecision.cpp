//===- AssignPrecision.cpp - mp-assign-precision --------------------------===//
//
// Decides a precision per op and records the rule and evidence that decided
// it. See the pass description in Passes.td for the rules.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Dialect/Mp/Transforms/Autocast.h"
#include "mixprec/Dialect/Mp/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Format.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Regex.h"

namespace mixprec::mp {
#define GEN_PASS_DEF_MPASSIGNPRECISION
#include "mixprec/Dialect/Mp/Transforms/Passes.h.inc"
} // namespace mixprec::mp

using namespace mlir;
using namespace mixprec::mp;

namespace {

enum class Color { Undecided, Low, F32, Keep };

struct Decision {
  Color color = Color::Undecided;
  std::string rule, evidence;
};

std::string fmt(double v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format("%.4g", v);
  return s;
}

std::string describe(Operation *op) {
  std::string name = getNodeName(op);
  std::string type = op->getName().getStringRef().str();
  if (auto iface = dyn_cast<OnnxNodeOpInterface>(op))
    type = iface.getOnnxOpType().str();
  return name.empty() ? type : "'" + name + "' (" + type + ")";
}

bool isFloatTensor(Type t) {
  Type e = getElementTypeOrSelf(t);
  return e.isF32() || e.isF16() || e.isBF16();
}

struct MpAssignPrecisionPass
    : mixprec::mp::impl::MpAssignPrecisionBase<MpAssignPrecisionPass> {
  using MpAssignPrecisionBase::MpAssignPrecisionBase;

  void runOnOperation() override;

  // Configuration, validated in runOnOperation.
  // shared_ptr: passes are copied when cloned, and llvm::Regex is not.
  std::vector<std::shared_ptr<llvm::Regex>> includeRe, excludeRe;
  llvm::DenseMap<Operation *, Decision> decisions;
  llvm::DenseMap<Value, Interval> ranges;

  LogicalResult validate(ModuleOp module, RangeOptions &rangeOpts);
  Decision initial(Operation *op);
  std::optional<Decision> rangeRule(Value v, StringRef what);
  bool floatDataOperand(Operation *op, unsigned i) {
    auto iface = cast<PrecisionOpInterface>(op);
    return !iface.keepsOperandType(i) &&
           isFloatTensor(op->getOperand(i).getType());
  }
};

LogicalResult MpAssignPrecisionPass::validate(ModuleOp module,
                                              RangeOptions &rangeOpts) {
  auto fail = [&](const Twine &msg) {
    module.emitError() << "mp-assign-precision: " << msg;
    return failure();
  };
  if (target != "f16" && target != "bf16")
    return fail("target must be 'f16' or 'bf16', got '" + target + "'");
  static const char *chips[] = {"sm_70", "sm_75", "sm_80", "sm_86",
                                "sm_87", "sm_89", "sm_90"};
  if (!llvm::is_contained(chips, StringRef(chip)))
    return fail("chip must be one of sm_70, sm_75, sm_80, sm_86, sm_87, "
                "sm_89, sm_90; got '" +
                chip + "'");
  if (target == "bf16" && (chip == "sm_70" || chip == "sm_75"))
    return fail("target=bf16 needs chip sm_80 or newer (got " + chip +
                "); use target=f16 on Volta and Turing");
  if (!(initMax > 0) || !(dataMax > 0) || !(staticDataMax > 0) ||
      !(minPositive >= 0))
    return fail("init-max, data-max and static-data-max must be positive and "
                "min-positive non-negative");
  if (maxReductionDepth < 0)
    return fail("max-reduction-depth must be >= 0 (0: no limit)");
  for (auto [list, out] : {std::pair{&nodesToInclude, &includeRe},
                           {&nodesToExclude, &excludeRe}}) {
    out->clear();
    for (const std::string &pat : *list) {
      auto re = std::make_shared<llvm::Regex>("^(" + pat + ")");
      std::string err;
      if (!re->isValid(err))
        return fail("invalid node-name regex '" + pat + "': " + err);
      out->push_back(std::move(re));
    }
  }
  for (const std::string &spec : inputRanges) {
    StringRef rest(spec);
    // name:lo:hi; the name may itself contain ':'.
    auto [head, hiStr] = rest.rsplit(':');
    auto [name, loStr] = head.rsplit(':');
    double lo, hi;
    if (name.empty() || loStr.getAsDouble(lo) || hiStr.getAsDouble(hi) ||
        lo > hi)
      return fail("input-range must be name:lo:hi with lo <= hi, got '" +
                  spec + "'");
    rangeOpts.inputRanges[name] = Interval::of(lo, hi, "input-range");
  }
  // A misspelt input name would silently do nothing: reject it.
  llvm::StringSet<> inputs;
  std::string names;
  module.walk([&](func::FuncOp f) {
    for (unsigned i = 0; i < f.getNumArguments(); ++i)
      if (auto n = f.getArgAttrOfType<StringAttr>(i, MpDialect::kNameAttr)) {
        inputs.insert(n.getValue());
        names += (names.empty() ? "" : ", ") + n.getValue().str();
      }
  });
  // (A warning, not an error: one pipeline may serve several modules.)
  for (auto &entry : rangeOpts.inputRanges)
    if (!inputs.contains(entry.getKey()))
      module.emitWarning() << "mp-assign-precision: input-range names '"
                           << entry.getKey()
                           << "', which is not a graph input (inputs: "
                           << (names.empty() ? "none" : names)
                           << "); it has no effect";
  return success();
}

/// data-max on observed (calibrated) ranges; static worst-case bounds only
/// deny when they could overflow the low-precision type (static-data-max).
std::optional<Decision> MpAssignPrecisionPass::rangeRule(Value v,
                                                        StringRef what) {
  auto it = ranges.find(v);
  if (it == ranges.end() || !it->second.known)
    return std::nullopt;
  const Interval &iv = it->second;
  bool observed = StringRef(iv.source).contains("calibration");
  double limit = observed ? dataMax : staticDataMax;
  if (iv.maxAbs() <= limit)
    return std::nullopt;
  return Decision{Color::F32, observed ? "data-max" : "static-data-max",
                  what.str() + " range [" + fmt(iv.lo) + ", " + fmt(iv.hi) +
                      "] (" + (observed ? iv.source : "static bound via " + iv.source) +
                      ") exceeds " + (observed ? "data-max " : "static-data-max ") +
                      fmt(limit)};
}

/// Normalisations whose ONNX definition computes in FP32 whatever the
/// storage type: LayerNormalization (stash_type 1) without its Mean and
/// InvStdDev outputs, and inference-form BatchNormalization (FP32 statistics
/// stay FP32, see keptOperandGroups). They may take low-precision input and
/// output when their neighbours are low precision, saving two casts each.
static bool lowStorageFP32Compute(Operation *op) {
  if (auto ln = dyn_cast<LayerNormalizationOp>(op))
    return ln.getStashType().value_or(1) == 1 && !ln.getMean() &&
           !ln.getInvStdDev();
  if (auto bn = dyn_cast<BatchNormalizationOp>(op)) {
    // Separate statistics types (T1/T2) exist from opset 15 on; IR without
    // ONNX opset information is taken as the newest opset.
    int64_t opset = 23;
    if (auto module = op->getParentOfType<ModuleOp>())
      if (auto imports = module->getAttrOfType<DictionaryAttr>(
              MpDialect::kOpsetImportAttr))
        if (auto v = imports.getAs<IntegerAttr>("ai.onnx"))
          opset = v.getInt();
    return opset >= 15 && op->getNumResults() == 1 &&
           bn.getTrainingMode().value_or(0) == 0;
  }
  return false;
}

Decision MpAssignPrecisionPass::initial(Operation *op) {
  if (op->hasAttr(kKeepF32Attr))
    return {Color::F32, "keep-f32",
            "part of the loss or its backward, which mp-build-train-step keeps "
            "FP32 (as PyTorch autocast keeps loss functions)"};
  auto iface = cast<PrecisionOpInterface>(op);
  std::string opType = cast<OnnxNodeOpInterface>(op).getOnnxOpType().str();
  std::string name = getNodeName(op);
  PrecisionCategory cat = iface.getPrecisionCategory();

  bool hasFloat = false;
  for (unsigned i = 0; i < op->getNumOperands(); ++i)
    hasFloat |= floatDataOperand(op, i);
  for (Value r : op->getResults())
    hasFloat |= isFloatTensor(r.getType());

  auto matches =
      [&](std::vector<std::shared_ptr<llvm::Regex>> &res) -> std::string {
    for (auto &re : res)
      if (!name.empty() && re->match(name))
        return name;
    return "";
  };
  if (cat != PrecisionCategory::Fixed && hasFloat) {
    if (llvm::is_contained(opTypesToInclude, opType))
      return {Color::Low, "include",
              "op type " + opType + " is in op-types-to-include"};
    if (!matches(includeRe).empty())
      return {Color::Low, "include",
              "node name '" + name + "' matches nodes-to-include"};
  }
  if (llvm::is_contained(opTypesToExclude, opType))
    return {Color::F32, "exclude",
            "op type " + opType + " is in op-types-to-exclude"};
  if (!matches(excludeRe).empty())
    return {Color::F32, "exclude",
            "node name '" + name + "' matches nodes-to-exclude"};
  if (cat == PrecisionCategory::Fixed)
    return {Color::Keep, "fixed",
            opType + " computes shapes, casts or control flow; its types "
                     "are left as they are"};
  if (!hasFloat)
    return {Color::Keep, "no-float", "no FP32/FP16/BF16 data operands"};
  bool storageOnly = lowStorageFP32Compute(op);
  if (cat == PrecisionCategory::Sensitive && !storageOnly)
    return {Color::F32, "sensitive",
            opType + " is numerically sensitive (exponentials, "
                     "normalisation or a large reduction)"};

  // Range rules.
  for (unsigned i = 0; i < op->getNumOperands(); ++i) {
    if (!floatDataOperand(op, i))
      continue;
    Value v = op->getOperand(i);
    if (auto c = v.getDefiningOp<ConstantOp>()) {
      std::string cname = c.getInitializer() ? c.getInitializer()->str()
                                             : "constant";
      std::optional<ConstantStats> st =
          constantStats(c.getValue(), minPositive);
      if (st && st->maxAbs > initMax)
        return {Color::F32, "init-max",
                "initializer '" + cname + "' holds |x| up to " +
                    fmt(st->maxAbs) + " > init-max " + fmt(initMax)};
      if (st && st->numNonZero > 0 && minPositive > 0 &&
          (st->maxAbs < minPositive * 1024 ||
           st->numBelow * 100 > st->numNonZero))
        return {Color::F32, "min-positive",
                "initializer '" + cname + "': " + std::to_string(st->numBelow) +
                    " of " + std::to_string(st->numNonZero) +
                    " nonzero values below min-positive " + fmt(minPositive) +
                    " (max |x| " + fmt(st->maxAbs) + ")"};
      continue;
    }
    if (std::optional<Decision> d = rangeRule(v, "input " + std::to_string(i)))
      return *d;
  }
  for (Value r : op->getResults())
    if (std::optional<Decision> d = rangeRule(r, "output"))
      return *d;
  if (cat == PrecisionCategory::Compute) {
    if (maxReductionDepth > 0) {
      int64_t depth = -1;
      if (auto m = dyn_cast<MatMulOp>(op)) {
        if (auto t = dyn_cast<RankedTensorType>(m.getA().getType()))
          depth = t.getRank() ? t.getDimSize(t.getRank() - 1) : -1;
      } else if (auto g = dyn_cast<GemmOp>(op)) {
        if (auto t = dyn_cast<RankedTensorType>(g.getA().getType()))
          depth = t.getDimSize(g.getTransA().value_or(0) ? 0 : 1);
      } else if (auto c = dyn_cast<ConvOp>(op)) {
        if (auto t = dyn_cast<RankedTensorType>(c.getW().getType());
            t && t.hasStaticShape() && t.getDimSize(0) > 0)
          depth = t.getNumElements() / t.getDimSize(0);
      }
      if (depth > maxReductionDepth)
        return {Color::F32, "max-reduction-depth",
                "reduction depth " + std::to_string(depth) +
                    " > max-reduction-depth " +
                    std::to_string(maxReductionDepth)};
    }
    return {Color::Low, "compute",
            opType + ": " + target +
                " inputs, FP32 accumulation (compute-bound)"};
  }
  return {};
}

void MpAssignPrecisionPass::runOnOperation() {
  ModuleOp module = getOperation();
  RangeOptions rangeOpts;
  if (failed(validate(module, rangeOpts)))
    return signalPassFailure();
  llvm::DenseMap<Value, Interval> observed;
  if (!calibrationData.empty()) {
    std::string error;
    auto seen = calibrate(module, calibrationData, error);
    if (failed(seen)) {
      module.emitError() << "mp-assign-precision: calibration failed: " << error;
      return signalPassFailure();
    }
    observed = std::move(*seen);
    rangeOpts.observed = [&](Value v) -> std::optional<Interval> {
      auto it = observed.find(v);
      if (it == observed.end())
        return std::nullopt;
      return it->second;
    };
  }
  ranges = computeRanges(module, rangeOpts);
  decisions.clear();

  SmallVector<Operation *> ops;
  module.walk<WalkOrder::PreOrder>([&](Operation *op) -> WalkResult {
    // Functions kept as they are (a training module's @inference and @init).
    if (isa<func::FuncOp>(op) && op->hasAttr(kNoAutocastAttr))
      return WalkResult::skip();
    if (isa<ConstantOp, CastOp>(op))
      return WalkResult::advance(); // constants follow their consumers
                                    // (converted offline); casts are what
                                    // the pipeline manages
    if (isa<PrecisionOpInterface>(op) && isa<OnnxNodeOpInterface>(op)) {
      ops.push_back(op);
      decisions[op] = initial(op);
    } else if (isa<OnnxOp>(op)) {
      ops.push_back(op);
      decisions[op] = {Color::Keep, "unknown-op",
                       "ops mixprec does not model keep their types"};
    }
    return WalkResult::advance();
  });

  auto colorOf = [&](Operation *op) {
    auto it = decisions.find(op);
    return it == decisions.end() ? Color::Undecided : it->second.color;
  };
  // Painting: forward from producers, then backward from consumers.
  bool changed = true;
  for (int iter = 0; changed && iter < 8; ++iter) {
    changed = false;
    for (Operation *op : ops) {
      Decision &d = decisions[op];
      if (d.color != Color::Undecided)
        continue;
      Operation *lowSrc = nullptr, *f32Src = nullptr;
      for (unsigned i = 0; i < op->getNumOperands(); ++i) {
        if (!floatDataOperand(op, i))
          continue;
        Operation *def = op->getOperand(i).getDefiningOp();
        if (!def || isa<ConstantOp>(def))
          continue;
        Color c = colorOf(def);
        if (c == Color::F32 && !f32Src)
          f32Src = def;
        if (c == Color::Low && !lowSrc)
          lowSrc = def;
      }
      if (f32Src) {
        d = {Color::F32, "follows-f32-input",
             "input from " + describe(f32Src) + " is FP32"};
        changed = true;
      } else if (lowSrc) {
        d = {Color::Low, "follows-low-input",
             "input from " + describe(lowSrc) + " is " + target};
        changed = true;
      }
    }
    for (Operation *op : llvm::reverse(ops)) {
      Decision &d = decisions[op];
      if (d.color != Color::Undecided)
        continue;
      Operation *lowUser = nullptr;
      bool f32User = false;
      for (Value r : op->getResults())
        for (Operation *user : r.getUsers()) {
          if (isa<ShapeOp>(user))
            continue; // reads only the shape: any precision will do
          Color c = colorOf(user);
          if (c == Color::Low && !lowUser)
            lowUser = user;
          if (c == Color::F32 || c == Color::Keep ||
              (isa<func::ReturnOp>(user) && keepIOTypes))
            f32User = true;
        }
      if (lowUser && !f32User) {
        d = {Color::Low, "feeds-low-consumer",
             "its results feed " + describe(lowUser) + ", which is " + target};
        changed = true;
      }
    }
  }

  Builder b(&getContext());
  for (Operation *op : ops) {
    Decision &d = decisions[op];
    bool storageOnly = lowStorageFP32Compute(op);
    if (storageOnly && d.color == Color::Low &&
        (d.rule == "follows-low-input" || d.rule == "feeds-low-consumer"))
      d = {Color::Low, "fp32-compute",
           cast<OnnxNodeOpInterface>(op).getOnnxOpType().str() +
               " normalises in FP32 internally; only its input and output "
               "are " +
               target + " (" + d.evidence + ")"};
    else if (storageOnly && d.color == Color::Undecided)
      d = {Color::F32, "sensitive",
           cast<OnnxNodeOpInterface>(op).getOnnxOpType().str() +
               " is numerically sensitive and has no low-precision "
               "neighbour"};
    if (d.color == Color::Undecided)
      d = {Color::F32, "no-low-neighbour",
           "no low-precision producer or consumer; stays FP32"};
    StringRef prec = d.color == Color::Low    ? StringRef(target)
                     : d.color == Color::F32 ? StringRef("f32")
                                             : StringRef("keep");
    op->setAttr("mp.precision", b.getStringAttr(prec));
    op->setAttr("mp.rule", b.getStringAttr(d.rule));
    op->setAttr("mp.evidence", b.getStringAttr(d.evidence));
  }
  auto strs = [&](ArrayRef<std::string> list) {
    SmallVector<Attribute> out;
    for (const std::string &v : list)
      out.push_back(b.getStringAttr(v));
    return b.getArrayAttr(out);
  };
  module->setAttr("mp.autocast",
                  b.getDictionaryAttr({
                      b.getNamedAttr("target", b.getStringAttr(target)),
                      b.getNamedAttr("keep_io_types", b.getBoolAttr(keepIOTypes)),
                      b.getNamedAttr("chip", b.getStringAttr(chip)),
                      b.getNamedAttr("init_max", b.getF64FloatAttr(initMax)),
                      b.getNamedAttr("data_max", b.getF64FloatAttr(dataMax)),
                      b.getNamedAttr("min_positive",
                                     b.getF64FloatAttr(minPositive)),
                      b.getNamedAttr("static_data_max",
                                     b.getF64FloatAttr(staticDataMax)),
                      b.getNamedAttr("max_reduction_depth",
                                     b.getI64IntegerAttr(maxReductionDepth)),
                      b.getNamedAttr("op_types_to_exclude", strs(opTypesToExclude)),
                      b.getNamedAttr("op_types_to_include", strs(opTypesToInclude)),
                      b.getNamedAttr("nodes_to_exclude", strs(nodesToExclude)),
                      b.getNamedAttr("nodes_to_include", strs(nodesToInclude)),
                      b.getNamedAttr("input_ranges", strs(inputRanges)),
                  }));
}

} // namespace
