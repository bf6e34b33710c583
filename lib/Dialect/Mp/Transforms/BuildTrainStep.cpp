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

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>("main");
    if (!func || func.getBlocks().size() != 1) {
      module.emitError("mp-build-train-step: needs a single-block func.func @main");
      return signalPassFailure();
    }
    if (optimizer != "none") {
      module.emitError() << "mp-build-train-step: optimizer '" << optimizer
                         << "' is not implemented yet; optimizer=none returns the gradients";
      return signalPassFailure();
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
    auto one = ConstantOp::create(b, loc, scalarT,
                                  DenseElementsAttr::get(scalarT, b.getFloatAttr(f, 1.0)),
                                  StringAttr());
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
    }

    // Parameters become arguments; the results become (loss, gradients).
    SmallVector<Value> results = {lossV};
    SmallVector<Attribute> resultAttrs = {nameAttr("loss")};
    for (ConstantOp c : params) {
      StringRef name = *c.getInitializer();
      Value g = grad.lookup(c.getResult());
      if (!g)
        continue; // not on the path to the loss: stays a constant
      (void)func.insertArgument(func.getNumArguments(), c.getType(), nameAttr(name), c.getLoc());
      Value arg = body.getArguments().back();
      c.getResult().replaceAllUsesWith(arg);
      c.erase();
      results.push_back(g);
      resultAttrs.push_back(nameAttr((name + "_grad").str()));
    }
    if (results.size() == 1) {
      module.emitError("mp-build-train-step: the loss depends on no float initializer");
      return signalPassFailure();
    }
    b.setInsertionPoint(ret);
    func::ReturnOp::create(b, ret.getLoc(), results);
    ret.erase();
    func.setType(FunctionType::get(ctx, func.getArgumentTypes(), ValueRange(results).getTypes()));
    func.setAllResultAttrs(resultAttrs);
    module->setAttr("mp.train_step", b.getDictionaryAttr(
                                          {b.getNamedAttr("loss", b.getStringAttr(loss)),
                                           b.getNamedAttr("labels", b.getStringAttr(labels))}));
  }
};

} // namespace
