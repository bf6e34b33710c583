//===- BuildTrainStep.cpp - mp-build-train-step ---------------------------===//
//
// Appends a loss to @main and differentiates it in reverse mode through
// GradientOpInterface. See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Dialect/Mp/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

namespace mixprec::mp {
#define GEN_PASS_DEF_MPBUILDTRAINSTEP
#include "mixprec/Dialect/Mp/Transforms/Passes.h.inc"
} // namespace mixprec::mp

using namespace mlir;
using namespace mixprec::mp;

namespace {

RankedTensorType rtype(Value v) { return dyn_cast<RankedTensorType>(v.getType()); }

Value i64Const(OpBuilder &b, Location loc, ArrayRef<int64_t> vals, bool scalar = false) {
  auto t = scalar ? RankedTensorType::get({}, b.getI64Type())
                  : RankedTensorType::get({(int64_t)vals.size()}, b.getI64Type());
  return ConstantOp::create(b, loc, t, DenseIntElementsAttr::get(t, vals), StringAttr());
}

struct MpBuildTrainStepPass
    : mixprec::mp::impl::MpBuildTrainStepBase<MpBuildTrainStepPass> {
  using Base::Base;

  /// The step counter argument, once buildUpdates has added it.
  Value stepArg;

  /// Rewrites each training-mode Dropout (constant training_mode and ratio,
  /// static float data) into x * mp.dropout_mask(step) / (1 - ratio), so
  /// that every step draws a new mask. `step` is a placeholder until the
  /// optimizer's counter exists.
  void rewriteTrainingDropouts(func::FuncOp func, Value step) {
    SmallVector<DropoutOp> drops;
    func.walk([&](DropoutOp d) { drops.push_back(d); });
    for (DropoutOp d : drops) {
      DenseElementsAttr tm;
      if (!d.getTrainingMode() || !matchPattern(d.getTrainingMode(), m_Constant(&tm)) ||
          !tm.getSplatValue<bool>())
        continue;
      double ratio = d.getRatio() ? d.getRatio()->convertToDouble() : 0.5;
      if (Value r = d.getRatioVal()) {
        DenseFPElementsAttr c;
        if (!matchPattern(r, m_Constant(&c)))
          continue;
        ratio = (*c.getValues<APFloat>().begin()).convertToDouble();
      }
      auto xt = dyn_cast<RankedTensorType>(d.getData().getType());
      if (!xt || !xt.hasStaticShape() || !isa<FloatType>(xt.getElementType()))
        continue;
      OpBuilder b(d);
      Location loc = d.getLoc();
      auto maskT = RankedTensorType::get(xt.getShape(), b.getI1Type());
      Value mask = DropoutMaskOp::create(b, loc, maskT, step, b.getF32FloatAttr(ratio),
                                         b.getI64IntegerAttr(d.getSeed().value_or(0)));
      auto castTo = [&](Value v, Type e) -> Value {
        auto t = RankedTensorType::get(xt.getShape(), e);
        return CastOp::create(b, loc, t, v, TypeAttr::get(e), IntegerAttr()).getResult();
      };
      Type et = xt.getElementType();
      auto st = RankedTensorType::get({}, et);
      Value scale = ConstantOp::create(b, loc, st,
                                       DenseElementsAttr::get(st, b.getFloatAttr(et, 1.0 / (1.0 - ratio))),
                                       StringAttr());
      Value kept = MulOp::create(b, loc, TypeRange{xt}, ValueRange{d.getData(), castTo(mask, et)});
      Value y = MulOp::create(b, loc, TypeRange{xt}, ValueRange{kept, scale});
      d.getOutput().replaceAllUsesWith(y);
      if (Value m = d.getMask()) {
        Type me = cast<RankedTensorType>(m.getType()).getElementType();
        m.replaceAllUsesWith(me.isInteger(1) ? mask : castTo(mask, me));
      }
      d.erase();
    }
  }

  /// Appends the moments and step arguments, one mp.optimizer_update per
  /// parameter, the new state to `results`, and the @init function.
  template <typename ParamT, typename NameFn>
  LogicalResult buildUpdates(ModuleOp module, func::FuncOp func, OpBuilder &b,
                             ArrayRef<ParamT> trained, SmallVectorImpl<Value> &results,
                             SmallVectorImpl<Attribute> &resultAttrs, NameFn nameAttr) {
    Location loc = func.getLoc();
    Block &body = func.front();
    Operation *ret = body.getTerminator();
    bool needsM = optimizer != "sgd", needsV = optimizer == "adam" || optimizer == "adamw";
    double wd = weightDecay >= 0 ? weightDecay : (optimizer == "adamw" ? 0.01 : 0.0);
    auto f32 = b.getF32Type();
    auto scalarOf = [&](Type t, Attribute v) {
      auto st = RankedTensorType::get({}, t);
      return ConstantOp::create(b, loc, st, DenseElementsAttr::get(st, v), StringAttr());
    };
    // State arguments, after the parameters: moments, then the step.
    SmallVector<Value> ms, vs;
    for (const ParamT &p : trained) {
      auto t = cast<RankedTensorType>(p.arg.getType());
      if (!t.getElementType().isF32())
        return emitError(loc) << "mp-build-train-step: optimizer updates need f32 parameters; '"
                              << p.name << "' is " << t;
      if (needsM) {
        (void)func.insertArgument(func.getNumArguments(), t, nameAttr(p.name + ".m"), loc);
        ms.push_back(body.getArguments().back());
      }
    }
    if (needsV)
      for (const ParamT &p : trained) {
        (void)func.insertArgument(func.getNumArguments(), p.arg.getType(), nameAttr(p.name + ".v"),
                                  loc);
        vs.push_back(body.getArguments().back());
      }
    auto stepT = RankedTensorType::get({}, b.getI64Type());
    auto scalarF = RankedTensorType::get({}, f32);
    auto boolT = RankedTensorType::get({}, b.getI1Type());
    (void)func.insertArgument(func.getNumArguments(), stepT, nameAttr("step"), loc);
    Value step = body.getArguments().back();
    stepArg = step;
    // Gradient accumulation state: one FP32 sum per parameter and a count.
    SmallVector<Value> accs;
    Value accCount;
    if (accumulate > 1) {
      for (const ParamT &p : trained) {
        (void)func.insertArgument(func.getNumArguments(), p.arg.getType(),
                                  nameAttr(p.name + ".acc"), loc);
        accs.push_back(body.getArguments().back());
      }
      (void)func.insertArgument(func.getNumArguments(), stepT, nameAttr("accumulation_step"), loc);
      accCount = body.getArguments().back();
    }
    b.setInsertionPoint(ret);
    Value one64 = scalarOf(b.getI64Type(), b.getI64IntegerAttr(1));
    Value next = AddOp::create(b, loc, TypeRange{stepT}, ValueRange{step, one64}).getResult();
    Value lrV = scalarOf(f32, b.getF32FloatAttr(lr));
    // The gradients' multiplier (1 / loss scale once mp-loss-scaling runs);
    // the skip flag follows the finite probe below.
    Value unscaleV = LossScaleOp::create(b, loc, scalarF, b.getStringAttr("unscale"));
    Value skipV;
    auto to32 = [&](Value g) -> Value {
      auto gt = cast<RankedTensorType>(g.getType());
      if (gt.getElementType().isF32())
        return g;
      return CastOp::create(b, loc, RankedTensorType::get(gt.getShape(), f32), g, TypeAttr::get(f32),
                            IntegerAttr())
          .getResult();
    };
    auto mul = [&](Value x, Value y) {
      return MulOp::create(b, loc, TypeRange{x.getType()}, ValueRange{x, y}).getResult();
    };
    auto sumAll = [&](Value x) {
      return ReduceSumOp::create(b, loc, TypeRange{scalarF}, ValueRange{x},
                                 {b.getNamedAttr("keepdims", b.getI64IntegerAttr(0))})
          .getResult();
    };
    // The finite probe over the raw gradients: sum(g * 0) is 0 exactly when
    // every g is finite. mp-loss-scaling turns it into the skip flag.
    {
      Value probe;
      Value zero = scalarOf(f32, b.getF32FloatAttr(0.0));
      for (const ParamT &p : trained) {
        Value s = sumAll(mul(to32(p.grad), zero));
        probe = probe ? AddOp::create(b, loc, TypeRange{scalarF}, ValueRange{probe, s}).getResult() : s;
      }
      skipV = NonFiniteSkipOp::create(b, loc, RankedTensorType::get({}, b.getI1Type()), probe);
    }
    // What the updates read: the gradients, or their accumulated (unscaled)
    // sums, applied every `accumulate` steps.
    SmallVector<Value> updGrads, newAccs;
    Value gradScale = unscaleV, updSkip = skipV, nextCount;
    if (accumulate > 1) {
      Value cnt1 = AddOp::create(b, loc, TypeRange{stepT}, ValueRange{accCount, one64}).getResult();
      Value apply = EqualOp::create(b, loc, TypeRange{boolT},
                                    ValueRange{cnt1, scalarOf(b.getI64Type(), b.getI64IntegerAttr(accumulate))})
                        .getResult();
      nextCount = WhereOp::create(b, loc, TypeRange{stepT},
                                  ValueRange{apply, scalarOf(b.getI64Type(), b.getI64IntegerAttr(0)), cnt1})
                      .getResult();
      for (auto [i, p] : llvm::enumerate(trained)) {
        Type t = p.arg.getType();
        Value sum = AddOp::create(b, loc, TypeRange{t}, ValueRange{accs[i], mul(to32(p.grad), unscaleV)})
                        .getResult();
        // A non-finite micro-batch is dropped; an applied step restarts.
        Value kept = WhereOp::create(b, loc, TypeRange{t}, ValueRange{skipV, accs[i], sum}).getResult();
        auto rt = cast<RankedTensorType>(t);
        Value zeros = ConstantOp::create(b, loc, rt, DenseElementsAttr::get(rt, b.getF32FloatAttr(0.0)),
                                         StringAttr());
        newAccs.push_back(WhereOp::create(b, loc, TypeRange{t}, ValueRange{apply, zeros, kept}).getResult());
        updGrads.push_back(kept);
      }
      gradScale = scalarOf(f32, b.getF32FloatAttr(1.0 / accumulate));
      Value notApply = NotOp::create(b, loc, TypeRange{boolT}, ValueRange{apply}).getResult();
      updSkip = OrOp::create(b, loc, TypeRange{boolT}, ValueRange{skipV, notApply}).getResult();
    } else {
      for (const ParamT &p : trained)
        updGrads.push_back(p.grad);
    }
    Value scaleV = gradScale;
    if (clipNorm > 0) {
      // Clipping by the global norm of the unscaled gradients:
      // coef = min(1, clip / (norm + 1e-6)), folded into the multiplier.
      Value sumSq;
      for (Value g0 : updGrads) {
        Value g = mul(to32(g0), gradScale);
        Value sq = sumAll(mul(g, g));
        sumSq = sumSq ? AddOp::create(b, loc, TypeRange{scalarF}, ValueRange{sumSq, sq}).getResult() : sq;
      }
      Value norm = SqrtOp::create(b, loc, TypeRange{scalarF}, ValueRange{sumSq}).getResult();
      Value den = AddOp::create(b, loc, TypeRange{scalarF},
                                ValueRange{norm, scalarOf(f32, b.getF32FloatAttr(1e-6))})
                      .getResult();
      Value ratio = DivOp::create(b, loc, TypeRange{scalarF},
                                  ValueRange{scalarOf(f32, b.getF32FloatAttr(clipNorm)), den})
                        .getResult();
      Value coef = MinOp::create(b, loc, TypeRange{scalarF},
                                 ValueRange{ratio, scalarOf(f32, b.getF32FloatAttr(1.0))})
                       .getResult();
      scaleV = MulOp::create(b, loc, TypeRange{scalarF}, ValueRange{gradScale, coef}).getResult();
    }
    skipV = updSkip;
    // Adam's step count only advances on applied updates.
    Value nextStep = WhereOp::create(b, loc, TypeRange{stepT}, ValueRange{updSkip, step, next}).getResult();
    SmallVector<Value> newP, newM, newV;
    for (auto [i, p] : llvm::enumerate(trained)) {
      Type t = p.arg.getType();
      SmallVector<Type> rtypes = {t};
      if (needsM)
        rtypes.push_back(t);
      if (needsV)
        rtypes.push_back(t);
      SmallVector<Value> operands = {p.arg, updGrads[i]};
      if (needsM)
        operands.push_back(ms[i]);
      if (needsV)
        operands.push_back(vs[i]);
      operands.append({lrV, next, scaleV, skipV});
      SmallVector<NamedAttribute> attrs = {
          b.getNamedAttr("kind", b.getStringAttr(optimizer)),
          b.getNamedAttr("beta1", b.getF32FloatAttr(beta1)),
          b.getNamedAttr("beta2", b.getF32FloatAttr(beta2)),
          b.getNamedAttr("eps", b.getF32FloatAttr(eps)),
          b.getNamedAttr("weight_decay", b.getF32FloatAttr(wd)),
          b.getNamedAttr("momentum", b.getF32FloatAttr(momentum)),
          b.getNamedAttr("operandSegmentSizes",
                         b.getDenseI32ArrayAttr({1, 1, needsM ? 1 : 0, needsV ? 1 : 0, 1, 1, 1, 1})),
          b.getNamedAttr("resultSegmentSizes",
                         b.getDenseI32ArrayAttr({1, 0, needsM ? 1 : 0, needsV ? 1 : 0}))};
      auto upd = OptimizerUpdateOp::create(b, loc, rtypes, operands, attrs);
      newP.push_back(upd.getNewParam());
      if (needsM)
        newM.push_back(upd.getNewM());
      if (needsV)
        newV.push_back(upd.getNewV());
    }
    for (auto [i, p] : llvm::enumerate(trained)) {
      results.push_back(newP[i]);
      resultAttrs.push_back(nameAttr(p.name));
    }
    for (auto [i, p] : llvm::enumerate(trained))
      if (needsM) {
        results.push_back(newM[i]);
        resultAttrs.push_back(nameAttr(p.name + ".m"));
      }
    for (auto [i, p] : llvm::enumerate(trained))
      if (needsV) {
        results.push_back(newV[i]);
        resultAttrs.push_back(nameAttr(p.name + ".v"));
      }
    results.push_back(nextStep);
    resultAttrs.push_back(nameAttr("step"));
    if (accumulate > 1) {
      for (auto [i, p] : llvm::enumerate(trained)) {
        results.push_back(newAccs[i]);
        resultAttrs.push_back(nameAttr(p.name + ".acc"));
      }
      results.push_back(nextCount);
      resultAttrs.push_back(nameAttr("accumulation_step"));
    }

    // @init: the state before the first step, under the same names.
    OpBuilder mb(module.getBodyRegion());
    mb.setInsertionPointToEnd(module.getBody());
    SmallVector<Type> initTypes;
    SmallVector<Attribute> initNames;
    for (const ParamT &p : trained) {
      initTypes.push_back(p.arg.getType());
      initNames.push_back(nameAttr(p.name));
    }
    for (const ParamT &p : trained)
      if (needsM) {
        initTypes.push_back(p.arg.getType());
        initNames.push_back(nameAttr(p.name + ".m"));
      }
    for (const ParamT &p : trained)
      if (needsV) {
        initTypes.push_back(p.arg.getType());
        initNames.push_back(nameAttr(p.name + ".v"));
      }
    initTypes.push_back(stepT);
    initNames.push_back(nameAttr("step"));
    if (accumulate > 1) {
      for (const ParamT &p : trained) {
        initTypes.push_back(p.arg.getType());
        initNames.push_back(nameAttr(p.name + ".acc"));
      }
      initTypes.push_back(stepT);
      initNames.push_back(nameAttr("accumulation_step"));
    }
    auto init = func::FuncOp::create(mb, loc, "init", mb.getFunctionType({}, initTypes));
    init.setPrivate();
    init->setAttr(kNoAutocastAttr, UnitAttr::get(module.getContext()));
    init.setAllResultAttrs(initNames);
    OpBuilder ib(init.addEntryBlock(), init.getBody().front().begin());
    ib.setInsertionPointToStart(&init.getBody().front());
    SmallVector<Value> initVals;
    for (const ParamT &p : trained)
      initVals.push_back(ConstantOp::create(ib, loc, p.arg.getType(), p.init,
                                            ib.getStringAttr(p.name)));
    auto zerosLike = [&](Type t) {
      auto rt = cast<RankedTensorType>(t);
      return ConstantOp::create(ib, loc, rt, DenseElementsAttr::get(rt, ib.getF32FloatAttr(0.0)),
                                StringAttr())
          .getResult();
    };
    for (const ParamT &p : trained)
      if (needsM)
        initVals.push_back(zerosLike(p.arg.getType()));
    for (const ParamT &p : trained)
      if (needsV)
        initVals.push_back(zerosLike(p.arg.getType()));
    initVals.push_back(ConstantOp::create(ib, loc, stepT,
                                          DenseElementsAttr::get(stepT, ib.getI64IntegerAttr(0)),
                                          StringAttr()));
    if (accumulate > 1) {
      for (const ParamT &p : trained)
        initVals.push_back(zerosLike(p.arg.getType()));
      initVals.push_back(ConstantOp::create(ib, loc, stepT,
                                            DenseElementsAttr::get(stepT, ib.getI64IntegerAttr(0)),
                                            StringAttr()));
    }
    func::ReturnOp::create(ib, loc, initVals);
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>("main");
    if (!func || func.getBlocks().size() != 1) {
      module.emitError("mp-build-train-step: needs a single-block func.func @main");
      return signalPassFailure();
    }
    if (!llvm::is_contained({StringRef("none"), StringRef("sgd"), StringRef("momentum"),
                             StringRef("adam"), StringRef("adamw")},
                            StringRef(optimizer))) {
      module.emitError() << "mp-build-train-step: unknown optimizer '" << optimizer
                         << "' (none, sgd, momentum, adam, adamw)";
      return signalPassFailure();
    }
    // Recurrent ops become their time steps, which the gradient rules cover
    // (backpropagation through time). The inference clone below keeps them.
    SmallVector<Operation *> recurrent;
    func.walk([&](Operation *op) {
      if (isa<LSTMOp, GRUOp, RNNOp>(op))
        recurrent.push_back(op);
    });
    // The graph as it was, for saving the trained model.
    if (optimizer != "none") {
      auto inference = func.clone();
      inference.setName("inference");
      inference.setPrivate();
      inference->setAttr(kNoAutocastAttr, UnitAttr::get(&getContext()));
      module.push_back(inference);
    }
    // With an optimizer, training-mode Dropouts draw a new mask each step:
    // they read the step counter (a placeholder until the optimizer state
    // exists). A gradient-only step (optimizer=none) keeps the Dropout, whose
    // rule recomputes its mask.
    auto stepT = RankedTensorType::get({}, IntegerType::get(&getContext(), 64));
    OpBuilder pb(&func.front(), func.front().begin());
    auto stepPlaceholder = ConstantOp::create(
        pb, func.getLoc(), stepT, DenseElementsAttr::get(stepT, pb.getI64IntegerAttr(0)), StringAttr());
    if (optimizer != "none")
      rewriteTrainingDropouts(func, stepPlaceholder);
    for (Operation *op : recurrent)
      if (failed(decomposeRecurrentForTraining(op)))
        return signalPassFailure();
    // Group and instance normalisation become the mp ops they are made of.
    SmallVector<Operation *> norms;
    func.walk([&](Operation *op) {
      if (isa<GroupNormalizationOp, InstanceNormalizationOp>(op))
        norms.push_back(op);
    });
    for (Operation *op : norms) {
      OpBuilder nb(op);
      FailureOr<Value> r = expandNormalization(op, nb);
      if (failed(r))
        return signalPassFailure();
      op->getResult(0).replaceAllUsesWith(*r);
      op->erase();
    }
    Block &body = func.front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    Location loc = func.getLoc();

    // The output the loss is built from.
    auto resultNames = [&](unsigned i) {
      if (auto n = func.getResultAttrOfType<StringAttr>(i, MpDialect::kNameAttr))
        return n.getValue();
      return StringRef();
    };
    std::string lossKind = loss;
    std::string outName = output;
    if (StringRef(lossKind).starts_with("output:")) {
      outName = StringRef(lossKind).drop_front(7).str();
      lossKind = "output";
    } else if (lossKind != "cross-entropy" && lossKind != "mse") {
      module.emitError() << "mp-build-train-step: unknown loss '" << loss
                         << "' (cross-entropy, mse or output:<name>)";
      return signalPassFailure();
    }
    int outIdx = outName.empty() ? 0 : -1;
    for (unsigned i = 0; i < ret.getNumOperands() && outIdx < 0; ++i)
      if (resultNames(i) == outName)
        outIdx = i;
    if (outIdx < 0 || ret.getNumOperands() == 0) {
      module.emitError() << "mp-build-train-step: no graph output named '" << outName << "'";
      return signalPassFailure();
    }
    Value out = ret.getOperand(outIdx);
    auto outT = rtype(out);
    if (!outT || !outT.hasStaticShape() || !isa<FloatType>(outT.getElementType())) {
      module.emitError() << "mp-build-train-step: output '" << resultNames(outIdx)
                         << "' must be a statically shaped float tensor";
      return signalPassFailure();
    }
    Type f = outT.getElementType();

    // Append the labels argument and the loss.
    b.setInsertionPoint(ret);
    Value lossV;
    // The ops the loss adds (its "tail") and their gradients run in FP32,
    // as loss functions do under PyTorch autocast: the backward pass starts
    // from the loss scale (up to 2^24, beyond FP16), and the scaled
    // gradient only meets FP16 where it enters the model.
    Operation *beforeLoss = ret->getPrevNode();
    auto nameAttr = [&](StringRef n) {
      return b.getDictionaryAttr({b.getNamedAttr(MpDialect::kNameAttr, b.getStringAttr(n))});
    };
    auto scalarT = RankedTensorType::get({}, f);
    if (lossKind == "output") {
      if (outT.getNumElements() != 1) {
        module.emitError() << "mp-build-train-step: loss output '" << outName
                           << "' must have one element";
        return signalPassFailure();
      }
      lossV = outT.getRank() == 0
                  ? out
                  : ReshapeOp::create(b, loc, TypeRange{scalarT},
                                      ValueRange{out, i64Const(b, loc, {})})
                        .getResult();
    } else if (lossKind == "mse") {
      (void)func.insertArgument(func.getNumArguments(), outT, nameAttr(labels), loc);
      Value t = body.getArguments().back();
      Value d = SubOp::create(b, loc, TypeRange{outT}, ValueRange{out, t}).getResult();
      Value sq = MulOp::create(b, loc, TypeRange{outT}, ValueRange{d, d}).getResult();
      lossV = ReduceMeanOp::create(
                  b, loc, TypeRange{scalarT}, ValueRange{sq},
                  {b.getNamedAttr("keepdims", b.getI64IntegerAttr(0))})
                  .getResult();
    } else {
      if (outT.getRank() != 2) {
        module.emitError() << "mp-build-train-step: cross-entropy needs [N, C] logits, got "
                           << outT;
        return signalPassFailure();
      }
      int64_t n = outT.getDimSize(0), c = outT.getDimSize(1);
      auto labT = RankedTensorType::get({n}, b.getI64Type());
      (void)func.insertArgument(func.getNumArguments(), labT, nameAttr(labels), loc);
      Value lab = body.getArguments().back();
      // onehot[n, c] = (labels[n] == c), as the logits' type.
      Value lab2 = UnsqueezeOp::create(b, loc,
                                       TypeRange{RankedTensorType::get({n, 1}, b.getI64Type())},
                                       ValueRange{lab, i64Const(b, loc, {1})})
                       .getResult();
      Value range = RangeOp::create(b, loc, TypeRange{RankedTensorType::get({c}, b.getI64Type())},
                                    ValueRange{i64Const(b, loc, {0}, true),
                                               i64Const(b, loc, {c}, true),
                                               i64Const(b, loc, {1}, true)})
                        .getResult();
      Value eq = EqualOp::create(b, loc, TypeRange{RankedTensorType::get({n, c}, b.getI1Type())},
                                 ValueRange{lab2, range})
                     .getResult();
      Value onehot = CastOp::create(b, loc, outT, eq, TypeAttr::get(f), IntegerAttr()).getResult();
      Value lsm = LogSoftmaxOp::create(b, loc, TypeRange{outT}, ValueRange{out},
                                       {b.getNamedAttr("axis", b.getI64IntegerAttr(1))})
                      .getResult();
      Value picked = MulOp::create(b, loc, TypeRange{outT}, ValueRange{onehot, lsm}).getResult();
      Value perRow = ReduceSumOp::create(
                         b, loc, TypeRange{RankedTensorType::get({n}, f)}, ValueRange{picked},
                         {b.getNamedAttr("axes", b.getDenseI64ArrayAttr({1})),
                          b.getNamedAttr("keepdims", b.getI64IntegerAttr(0))})
                         .getResult();
      Value mean = ReduceMeanOp::create(b, loc, TypeRange{scalarT}, ValueRange{perRow},
                                        {b.getNamedAttr("keepdims", b.getI64IntegerAttr(0))})
                       .getResult();
      lossV = NegOp::create(b, loc, TypeRange{scalarT}, ValueRange{mean}).getResult();
    }

    llvm::SmallPtrSet<Operation *, 16> lossTail;
    for (Operation *op = beforeLoss ? beforeLoss->getNextNode() : &body.front(); op != ret;
         op = op->getNextNode()) {
      op->setAttr(kKeepF32Attr, UnitAttr::get(ctx));
      lossTail.insert(op);
    }

    // Parameters: float initializers the loss depends on, in first-use order.
    llvm::DenseSet<Value> needs; // values that depend on a parameter
    SmallVector<ConstantOp> params;
    for (Operation &op : body.without_terminator()) {
      if (auto c = dyn_cast<ConstantOp>(op)) {
        auto t = rtype(c.getResult());
        if (c.getInitializer() && t && isa<FloatType>(t.getElementType())) {
          params.push_back(c);
          needs.insert(c.getResult());
        }
        continue;
      }
      if (llvm::any_of(op.getOperands(), [&](Value v) { return needs.contains(v); }))
        for (Value r : op.getResults())
          if (auto t = rtype(r); t && isa<FloatType>(t.getElementType()))
            needs.insert(r);
    }

    // Reverse sweep from the loss.
    llvm::DenseMap<Value, Value> grad;
    // dL/dL = 1; mp-loss-scaling replaces it with the loss scale.
    auto one = LossScaleOp::create(b, loc, scalarT, b.getStringAttr("seed"));
    grad[lossV] = one;
    SmallVector<Operation *> ops;
    for (Operation &op : body.without_terminator())
      ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops)) {
      if (op == one.getOperation() || isa<ConstantOp>(op))
        continue;

      SmallVector<Value> rg;
      bool any = false;
      for (Value r : op->getResults()) {
        Value g = grad.lookup(r);
        rg.push_back(g);
        any |= (bool)g;
      }
      if (!any || llvm::none_of(op->getOperands(), [&](Value v) { return needs.contains(v); }))
        continue;
      auto iface = dyn_cast<GradientOpInterface>(op);
      if (!iface) {
        op->emitOpError() << "has no gradient rule, but the loss depends on a parameter "
                             "through it";
        return signalPassFailure();
      }
      b.setInsertionPoint(ret);
      SmallVector<Value> og;
      Operation *last = ret->getPrevNode();
      if (failed(iface.buildVJP(b, rg, og)))
        return signalPassFailure();

      for (auto [v, g] : llvm::zip(op->getOperands(), og)) {
        if (!g || !needs.contains(v))
          continue;
        Value &acc = grad[v];
        acc = acc ? AddOp::create(b, op->getLoc(), TypeRange{acc.getType()}, ValueRange{acc, g})
                        .getResult()
                  : g;
      }
      // The loss's own backward (and its gradient sums) stays FP32 too.
      if (lossTail.contains(op))
        for (Operation *n = last->getNextNode(); n != ret; n = n->getNextNode())
          n->setAttr(kKeepF32Attr, UnitAttr::get(ctx));
    }

    // Parameters become arguments; the results become (loss, gradients),
    // or (loss, new parameters, new moments, step) with an optimizer.
    SmallVector<Value> results = {lossV};
    SmallVector<Attribute> resultAttrs = {nameAttr("loss")};
    struct Param {
      std::string name;
      Value arg, grad;
      ElementsAttr init;
    };
    SmallVector<Param> trained;
    for (ConstantOp c : params) {
      StringRef name = *c.getInitializer();
      Value g = grad.lookup(c.getResult());
      if (!g)
        continue; // not on the path to the loss: stays a constant
      (void)func.insertArgument(func.getNumArguments(), c.getType(), nameAttr(name), c.getLoc());
      Value arg = body.getArguments().back();
      c.getResult().replaceAllUsesWith(arg);
      trained.push_back({name.str(), arg, g, c.getValue()});
      c.erase();
    }
    if (trained.empty()) {
      module.emitError("mp-build-train-step: the loss depends on no float initializer");
      return signalPassFailure();
    }
    b.setInsertionPoint(ret);
    if (optimizer == "none") {
      for (Param &p : trained) {
        results.push_back(p.grad);
        resultAttrs.push_back(nameAttr(p.name + "_grad"));
      }
    } else if (failed(buildUpdates(module, func, b, ArrayRef<Param>(trained), results,
                                   resultAttrs, nameAttr))) {
      return signalPassFailure();
    }
    if (stepArg)
      stepPlaceholder.getResult().replaceAllUsesWith(stepArg);
    if (stepPlaceholder->use_empty())
      stepPlaceholder.erase();
    b.setInsertionPoint(ret);
    func::ReturnOp::create(b, ret.getLoc(), results);
    ret.erase();
    func.setType(FunctionType::get(ctx, func.getArgumentTypes(), ValueRange(results).getTypes()));
    func.setAllResultAttrs(resultAttrs);
    module->setAttr("mp.train_step", b.getDictionaryAttr(
                                          {b.getNamedAttr("loss", b.getStringAttr(loss)),
                                           b.getNamedAttr("labels", b.getStringAttr(labels)),
                                           b.getNamedAttr("optimizer", b.getStringAttr(optimizer))}));
  }
};

} // namespace
