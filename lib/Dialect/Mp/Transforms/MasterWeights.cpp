//===- MasterWeights.cpp - mp-master-weights ------------------------------===//
//
// FP32 master weights with a persistent low-precision copy written by the
// fused optimizer update. See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Dialect/Mp/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mixprec::mp {
#define GEN_PASS_DEF_MPMASTERWEIGHTS
#include "mixprec/Dialect/Mp/Transforms/Passes.h.inc"
} // namespace mixprec::mp

using namespace mlir;
using namespace mixprec::mp;

namespace {

struct MpMasterWeightsPass : mixprec::mp::impl::MpMasterWeightsBase<MpMasterWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>("main");
    auto init = module.lookupSymbol<func::FuncOp>("init");
    SmallVector<OptimizerUpdateOp> updates;
    if (func)
      func.walk([&](OptimizerUpdateOp u) { updates.push_back(u); });
    if (!func || !init || updates.empty()) {
      module.emitError("mp-master-weights: needs a training step from mp-build-train-step "
                       "with an optimizer");
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    Block &body = func.front();
    auto nameOf = [&](func::FuncOp f, unsigned i, bool result) -> StringRef {
      auto a = result ? f.getResultAttrOfType<StringAttr>(i, MpDialect::kNameAttr)
                      : f.getArgAttrOfType<StringAttr>(i, MpDialect::kNameAttr);
      return a ? a.getValue() : StringRef();
    };
    auto nameAttr = [&](StringRef n) {
      return b.getDictionaryAttr({b.getNamedAttr(MpDialect::kNameAttr, b.getStringAttr(n))});
    };
    auto iret = cast<func::ReturnOp>(init.front().getTerminator());
    SmallVector<Value> extraResults, initExtra;
    SmallVector<Attribute> extraNames;
    int converted = 0;
    for (OptimizerUpdateOp u : updates) {
      auto p = dyn_cast<BlockArgument>(u.getParam());
      if (!p || p.getOwner() != &body || u.getLow())
        continue;
      // The low-precision casts of the master (all to one type).
      SmallVector<CastOp> casts;
      Type low;
      bool mixed = false;
      for (Operation *user : p.getUsers())
        if (auto c = dyn_cast<CastOp>(user)) {
          Type t = cast<RankedTensorType>(c.getType()).getElementType();
          if (!t.isF16() && !t.isBF16())
            continue;
          mixed |= low && low != t;
          low = t;
          casts.push_back(c);
        }
      if (casts.empty() || mixed)
        continue;
      StringRef name = nameOf(func, p.getArgNumber(), false);
      auto lowT = RankedTensorType::get(cast<RankedTensorType>(p.getType()).getShape(), low);
      (void)func.insertArgument(func.getNumArguments(), lowT, nameAttr((name + ".low").str()),
                                p.getLoc());
      Value lowArg = body.getArguments().back();
      for (CastOp c : casts) {
        c.getResult().replaceAllUsesWith(lowArg);
        c.erase();
      }
      // The same update, also writing the copy.
      b.setInsertionPoint(u);
      SmallVector<Type> types = {u.getNewParam().getType(), lowT};
      if (u.getNewM())
        types.push_back(u.getNewM().getType());
      if (u.getNewV())
        types.push_back(u.getNewV().getType());
      SmallVector<NamedAttribute> attrs(u->getAttrs());
      auto props = u.getProperties();
      auto nu = OptimizerUpdateOp::create(
          b, u.getLoc(), types, u->getOperands(),
          {b.getNamedAttr("kind", props.kind), b.getNamedAttr("beta1", props.beta1),
           b.getNamedAttr("beta2", props.beta2), b.getNamedAttr("eps", props.eps),
           b.getNamedAttr("weight_decay", props.weight_decay),
           b.getNamedAttr("momentum", props.momentum),
           b.getNamedAttr("operandSegmentSizes",
                          b.getDenseI32ArrayAttr({1, 1, u.getM() ? 1 : 0, u.getV() ? 1 : 0, 1, 1,
                                                  1, 1})),
           b.getNamedAttr("resultSegmentSizes",
                          b.getDenseI32ArrayAttr({1, 1, u.getNewM() ? 1 : 0,
                                                  u.getNewV() ? 1 : 0}))});
      u.getNewParam().replaceAllUsesWith(nu.getNewParam());
      if (u.getNewM())
        u.getNewM().replaceAllUsesWith(nu.getNewM());
      if (u.getNewV())
        u.getNewV().replaceAllUsesWith(nu.getNewV());
      u.erase();
      extraResults.push_back(nu.getLow());
      extraNames.push_back(nameAttr((name + ".low").str()));
      // The initial copy, from the initial master.
      for (unsigned i = 0; i < iret.getNumOperands(); ++i)
        if (nameOf(init, i, true) == name) {
          b.setInsertionPoint(iret);
          initExtra.push_back(CastOp::create(b, iret.getLoc(), lowT, iret.getOperand(i),
                                             TypeAttr::get(low), IntegerAttr())
                                  .getResult());
        }
      ++converted;
    }
    if (!converted) {
      module.emitError("mp-master-weights: no FP32 parameter is cast to FP16/BF16; run "
                       "mp-autocast on the training step first");
      return signalPassFailure();
    }
    auto appendResults = [&](func::FuncOp f, ArrayRef<Value> extra, ArrayRef<Attribute> names) {
      auto ret = cast<func::ReturnOp>(f.front().getTerminator());
      SmallVector<Value> vals(ret.getOperands());
      SmallVector<Attribute> attrs;
      for (unsigned i = 0; i < vals.size(); ++i)
        attrs.push_back(f.getResultAttrDict(i) ? Attribute(f.getResultAttrDict(i))
                                               : b.getDictionaryAttr({}));
      llvm::append_range(vals, extra);
      llvm::append_range(attrs, names);
      b.setInsertionPoint(ret);
      func::ReturnOp::create(b, ret.getLoc(), vals);
      ret.erase();
      f.setType(FunctionType::get(ctx, f.getArgumentTypes(), ValueRange(vals).getTypes()));
      f.setAllResultAttrs(attrs);
    };
    appendResults(func, extraResults, extraNames);
    appendResults(init, initExtra, extraNames);
  }
};

} // namespace
