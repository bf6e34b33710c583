//===- LossScaling.cpp - mp-loss-scaling ----------------------------------===//
//
// Static or dynamic loss scaling on a training step built by
// mp-build-train-step. See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Dialect/Mp/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mixprec::mp {
#define GEN_PASS_DEF_MPLOSSSCALING
#include "mixprec/Dialect/Mp/Transforms/Passes.h.inc"
} // namespace mixprec::mp

using namespace mlir;
using namespace mixprec::mp;

namespace {

struct MpLossScalingPass : mixprec::mp::impl::MpLossScalingBase<MpLossScalingPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>("main");
    auto init = module.lookupSymbol<func::FuncOp>("init");
    // What mp-build-train-step left for this pass: the backward pass's seed
    // and the updates' multiplier (mp.loss_scale), the skip flag over the
    // finite probe (mp.nonfinite_skip). Found by op, so passes in between
    // (autocast, master weights) may have run.
    SmallVector<LossScaleOp> seeds, unscales;
    SmallVector<NonFiniteSkipOp> skips;
    SmallVector<OptimizerUpdateOp> updates;
    if (func)
      func.walk([&](Operation *op) {
        if (auto ls = dyn_cast<LossScaleOp>(op))
          (ls.getRole() == "seed" ? seeds : unscales).push_back(ls);
        if (auto sk = dyn_cast<NonFiniteSkipOp>(op))
          skips.push_back(sk);
        if (auto u = dyn_cast<OptimizerUpdateOp>(op))
          updates.push_back(u);
      });
    if (!func || !init || seeds.empty() || skips.empty() || updates.empty()) {
      module.emitError("mp-loss-scaling: needs a training step from mp-build-train-step "
                       "with an optimizer (and not already loss-scaled)");
      return signalPassFailure();
    }
    if (mode != "static" && mode != "dynamic") {
      module.emitError() << "mp-loss-scaling: unknown mode '" << mode << "' (static, dynamic)";
      return signalPassFailure();
    }
    if (initScale <= 0 || growthFactor < 1 || backoffFactor <= 0 || backoffFactor >= 1 ||
        growthInterval < 1 || minScale <= 0 || maxScale < minScale) {
      module.emitError("mp-loss-scaling: needs init-scale > 0, growth-factor >= 1, "
                       "0 < backoff-factor < 1, growth-interval >= 1, 0 < min-scale <= max-scale");
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    Location loc = func.getLoc();
    Block &body = func.front();
    Operation *ret = body.getTerminator();
    Type f32 = b.getF32Type(), i64 = b.getI64Type(), i1 = b.getI1Type();
    auto scalarT = [&](Type t) { return RankedTensorType::get({}, t); };
    auto constant = [&](Type t, Attribute v) -> Value {
      return ConstantOp::create(b, loc, scalarT(t), DenseElementsAttr::get(scalarT(t), v),
                                StringAttr());
    };
    auto nameAttr = [&](StringRef n) {
      return b.getDictionaryAttr({b.getNamedAttr(MpDialect::kNameAttr, b.getStringAttr(n))});
    };
    auto binary = [&](auto tag, Type t, Value x, Value y) -> Value {
      using OpT = decltype(tag);
      return OpT::create(b, loc, TypeRange{scalarT(t)}, ValueRange{x, y}).getResult();
    };

    // The scale: a constant, or state carried by the step.
    Value scale;
    BlockArgument scaleArg, goodArg;
    b.setInsertionPointToStart(&body);
    if (mode == "static") {
      scale = constant(f32, b.getF32FloatAttr(initScale));
    } else {
      (void)func.insertArgument(func.getNumArguments(), scalarT(f32), nameAttr("loss_scale"), loc);
      scaleArg = body.getArguments().back();
      (void)func.insertArgument(func.getNumArguments(), scalarT(i64),
                                nameAttr("loss_scale_good_steps"), loc);
      goodArg = body.getArguments().back();
      scale = scaleArg;
    }

    // Seed the backward pass with the scale (in the loss's type).
    for (LossScaleOp seed : seeds) {
      b.setInsertionPoint(seed);
      auto seedT = cast<RankedTensorType>(seed.getType());
      Value seedV = scale;
      if (seedT.getElementType() != f32)
        seedV = CastOp::create(b, loc, seedT, scale, TypeAttr::get(seedT.getElementType()),
                               IntegerAttr())
                    .getResult();
      seed.getResult().replaceAllUsesWith(seedV);
      seed.erase();
    }

    // Unscale inside the updates, and skip them on non-finite gradients.
    if (Operation *def = scale.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(&body);
    Value inv = binary(DivOp(), f32, constant(f32, b.getF32FloatAttr(1.0)), scale);
    for (LossScaleOp unscale : unscales) {
      Value v = inv;
      auto t = cast<RankedTensorType>(unscale.getType());
      if (t.getElementType() != f32) {
        b.setInsertionPoint(unscale);
        v = CastOp::create(b, loc, t, inv, TypeAttr::get(t.getElementType()), IntegerAttr());
      }
      unscale.getResult().replaceAllUsesWith(v);
      unscale.erase();
    }
    // The finite probe (sum of g * 0 over the raw gradients) decides.
    Value finite;
    for (NonFiniteSkipOp skip : skips) {
      b.setInsertionPoint(skip);
      Value probe = skip.getProbe();
      Value fin = EqualOp::create(b, loc, TypeRange{scalarT(i1)},
                                  ValueRange{probe, constant(f32, b.getF32FloatAttr(0.0))})
                      .getResult();
      Value skipV = NotOp::create(b, loc, TypeRange{scalarT(i1)}, ValueRange{fin}).getResult();
      skip.getResult().replaceAllUsesWith(skipV);
      skip.erase();
      finite = finite ? AndOp::create(b, loc, TypeRange{scalarT(i1)}, ValueRange{finite, fin})
                            .getResult()
                      : fin;
    }

    SmallVector<Value> results(ret->getOperands());
    SmallVector<Attribute> resultAttrs;
    for (unsigned i = 0; i < results.size(); ++i)
      resultAttrs.push_back(func.getResultAttrDict(i) ? Attribute(func.getResultAttrDict(i))
                                                       : b.getDictionaryAttr({}));
    if (mode == "dynamic") {
      // good' = finite ? (good + 1 == interval ? 0 : good + 1) : 0
      // scale' = finite ? (grown ? min(scale * growth, max) : scale)
      //                 : max(scale * backoff, min)
      b.setInsertionPoint(ret);
      Value good1 = binary(AddOp(), i64, goodArg, constant(i64, b.getI64IntegerAttr(1)));
      Value grow = binary(EqualOp(), i1, good1, constant(i64, b.getI64IntegerAttr(growthInterval)));
      auto where = [&](Type t, Value c, Value x, Value y) -> Value {
        return WhereOp::create(b, loc, TypeRange{scalarT(t)}, ValueRange{c, x, y}).getResult();
      };
      Value zero64 = constant(i64, b.getI64IntegerAttr(0));
      Value nextGood = where(i64, finite, where(i64, grow, zero64, good1), zero64);
      Value grown = MinOp::create(b, loc, TypeRange{scalarT(f32)},
                                  ValueRange{binary(MulOp(), f32, scaleArg,
                                                    constant(f32, b.getF32FloatAttr(growthFactor))),
                                             constant(f32, b.getF32FloatAttr(maxScale))})
                        .getResult();
      Value backed = MaxOp::create(b, loc, TypeRange{scalarT(f32)},
                                   ValueRange{binary(MulOp(), f32, scaleArg,
                                                     constant(f32, b.getF32FloatAttr(backoffFactor))),
                                              constant(f32, b.getF32FloatAttr(minScale))})
                         .getResult();
      Value nextScale = where(f32, finite, where(f32, grow, grown, scaleArg), backed);
      results.push_back(nextScale);
      resultAttrs.push_back(nameAttr("loss_scale"));
      results.push_back(nextGood);
      resultAttrs.push_back(nameAttr("loss_scale_good_steps"));
      func::ReturnOp::create(b, ret->getLoc(), results);
      ret->erase();
      func.setType(FunctionType::get(ctx, func.getArgumentTypes(), ValueRange(results).getTypes()));
      func.setAllResultAttrs(resultAttrs);

      // Initial state.
      Block &ib = init.front();
      auto iret = cast<func::ReturnOp>(ib.getTerminator());
      b.setInsertionPoint(iret);
      SmallVector<Value> ivals(iret.getOperands());
      SmallVector<Attribute> inames;
      for (unsigned i = 0; i < ivals.size(); ++i)
        inames.push_back(init.getResultAttrDict(i) ? Attribute(init.getResultAttrDict(i))
                                                    : b.getDictionaryAttr({}));
      ivals.push_back(constant(f32, b.getF32FloatAttr(initScale)));
      inames.push_back(nameAttr("loss_scale"));
      ivals.push_back(constant(i64, b.getI64IntegerAttr(0)));
      inames.push_back(nameAttr("loss_scale_good_steps"));
      func::ReturnOp::create(b, iret.getLoc(), ivals);
      iret.erase();
      init.setType(FunctionType::get(ctx, {}, ValueRange(ivals).getTypes()));
      init.setAllResultAttrs(inames);
    }
    module->setAttr("mp.loss_scaling",
                    b.getDictionaryAttr({b.getNamedAttr("mode", b.getStringAttr(mode)),
                                         b.getNamedAttr("init_scale", b.getF64FloatAttr(initScale))}));
  }
};

} // namespace
