//===- OptimizeCasts.cpp - mp-optimize-casts ------------------------------===//
//
// Cast clean-up patterns (exposed through populateOptimizeCastsPatterns) and
// the pass that applies them and then merges identical casts (CSE).
//
//===----------------------------------------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Dialect/Mp/Transforms/Autocast.h"
#include "mixprec/Dialect/Mp/Transforms/Passes.h"

#include "mlir/IR/Dominance.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mixprec::mp {
#define GEN_PASS_DEF_MPOPTIMIZECASTS
#include "mixprec/Dialect/Mp/Transforms/Passes.h.inc"
} // namespace mixprec::mp

using namespace mlir;
using namespace mixprec::mp;

namespace {

/// True if every value of `from` is exactly representable in `to`.
bool isExactWidening(Type from, Type to) {
  if (from == to)
    return true;
  auto ff = dyn_cast<FloatType>(from), ft = dyn_cast<FloatType>(to);
  if (!ff || !ft)
    return false;
  if (ft.isF64())
    return ff.isF16() || ff.isBF16() || ff.isF32();
  if (ft.isF32())
    return ff.isF16() || ff.isBF16();
  return false;
}

Type withElement(Type t, Type elem) {
  if (auto r = dyn_cast<RankedTensorType>(t))
    return RankedTensorType::get(r.getShape(), elem, r.getEncoding());
  return UnrankedTensorType::get(elem);
}

/// cast(cast(x : A -> B) -> C) with A -> B exact is cast(x -> C), or x when
/// C is A.
struct FoldExactCastChain : OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CastOp outer,
                                PatternRewriter &rewriter) const override {
    auto inner = outer.getInput().getDefiningOp<CastOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(outer, "input is not a cast");
    Value x = inner.getInput();
    Type a = getElementTypeOrSelf(x.getType());
    if (!isExactWidening(a, inner.getTo()))
      return rewriter.notifyMatchFailure(outer, "first cast is lossy");
    if (x.getType() == outer.getType()) {
      rewriter.replaceOp(outer, x);
      return success();
    }
    rewriter.replaceOpWithNewOp<CastOp>(outer, outer.getType(), x,
                                        outer.getToAttr(),
                                        outer.getSaturateAttr());
    return success();
  }
};

/// P(cast(x : narrow -> wide)) -> cast(P(x)) for a pass-through op P that
/// does not grow the data: P then moves the narrow type, and the cast can
/// meet (and cancel with) a later narrowing cast.
template <typename OpT>
struct SinkWideningCast : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    Operation *o = op.getOperation();
    if (o->getNumResults() != 1)
      return failure();
    auto c = o->getOperand(0).template getDefiningOp<CastOp>();
    if (!c || !c->hasOneUse())
      return rewriter.notifyMatchFailure(o, "data is not a single-use cast");
    Type narrow = getElementTypeOrSelf(c.getInput().getType());
    if (!isa<FloatType>(narrow) || !isExactWidening(narrow, c.getTo()) ||
        narrow == c.getTo())
      return rewriter.notifyMatchFailure(o, "not a widening float cast");
    Type resultType = o->getResult(0).getType();
    if (getElementTypeOrSelf(resultType) != c.getTo())
      return failure();
    // Never override an explicit decision (exclude, range rules, ...): only
    // ops whose precision merely followed their neighbours may move.
    if (auto rule = o->getAttrOfType<StringAttr>("mp.rule"))
      if (!llvm::is_contained({"follows-f32-input", "follows-low-input",
                               "feeds-low-consumer", "no-low-neighbour",
                               "cast-sunk"},
                              rule.getValue()))
        return rewriter.notifyMatchFailure(o, "precision decided by a rule");
    Operation *clone = rewriter.clone(*o);
    clone->setOperand(0, c.getInput());
    clone->getResult(0).setType(withElement(resultType, narrow));
    if (clone->hasAttr("mp.precision")) {
      clone->setAttr("mp.precision",
                     rewriter.getStringAttr(narrow.isBF16() ? "bf16" : "f16"));
      clone->setAttr("mp.rule", rewriter.getStringAttr("cast-sunk"));
      clone->setAttr("mp.evidence",
                     rewriter.getStringAttr(
                         "mp-optimize-casts moved a widening cast below it, so "
                         "it moves the narrower type"));
      clone->removeAttr("mp.casts_in");
    }
    auto up = CastOp::create(rewriter, o->getLoc(), resultType,
                             clone->getResult(0), TypeAttr::get(c.getTo()),
                             IntegerAttr());
    rewriter.replaceOp(o, up.getResult());
    return success();
  }
};

struct MpOptimizeCastsPass
    : mixprec::mp::impl::MpOptimizeCastsBase<MpOptimizeCastsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateOptimizeCastsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Identical casts of one value become one (casts only: other ops are
    // not this pass's business).
    DominanceInfo dom(getOperation());
    SmallVector<CastOp> casts;
    getOperation()->walk([&](CastOp c) { casts.push_back(c); });
    llvm::DenseMap<std::pair<Value, Type>, SmallVector<CastOp>> groups;
    for (CastOp c : casts)
      groups[{c.getInput(), c.getType()}].push_back(c);
    for (auto &[key, group] : groups)
      for (size_t i = 0; i < group.size(); ++i) {
        if (!group[i])
          continue;
        for (size_t j = 0; j < group.size(); ++j) {
          if (i == j || !group[j] ||
              !dom.properlyDominates(group[i].getOperation(), group[j]))
            continue;
          group[j].getResult().replaceAllUsesWith(group[i].getResult());
          group[j].erase();
          group[j] = nullptr;
        }
      }
  }
};

} // namespace

void mixprec::mp::populateOptimizeCastsPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldExactCastChain, SinkWideningCast<ReshapeOp>,
               SinkWideningCast<TransposeOp>, SinkWideningCast<SqueezeOp>,
               SinkWideningCast<UnsqueezeOp>, SinkWideningCast<FlattenOp>,
               SinkWideningCast<IdentityOp>, SinkWideningCast<SliceOp>>(
      patterns.getContext());
}
