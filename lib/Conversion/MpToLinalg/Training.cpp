//===- Training.cpp - mp.optimizer_update to one linalg.generic -----------===//
//
// The update reads the master, the gradient and the moments once and writes
// the new master, its low-precision copy and the new moments in the same
// loop: one pass over memory per parameter, f32 math, and the skip flag
// (non-finite gradients under loss scaling) selecting the old values.
//
//===----------------------------------------------------------------------===//

#include "PatternUtils.h"

#include "mixprec/Dialect/Mp/IR/MpDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mixprec::mp;
using namespace mixprec::detail;
using utils::IteratorType;

namespace {

struct OptimizerUpdatePattern : OpConversionPattern<OptimizerUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OptimizerUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto pt = dyn_cast<RankedTensorType>(adaptor.getParam().getType());
    if (!pt || !pt.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs a static master");
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    auto scalar = [&](Value t) -> Value {
      auto tt = cast<RankedTensorType>(t.getType());
      SmallVector<Value> zeros(tt.getRank(), arith::ConstantIndexOp::create(rewriter, loc, 0));
      return tensor::ExtractOp::create(rewriter, loc, t, zeros);
    };
    auto c = [&](OpBuilder &b, Location l, double v) { return floatConst(b, l, f32, v); };
    Value lr = convertScalar(rewriter, loc, scalar(adaptor.getLr()), f32);
    Value scale = convertScalar(rewriter, loc, scalar(adaptor.getGradScale()), f32);
    Value skip = scalar(adaptor.getSkip());
    Value step = convertScalar(rewriter, loc, scalar(adaptor.getStep()), f32);
    StringRef kind = op.getKind();
    double b1 = op.getBeta1().convertToDouble(), b2 = op.getBeta2().convertToDouble();
    double eps = op.getEps().convertToDouble(), wd = op.getWeightDecay().convertToDouble();
    double mu = op.getMomentum().convertToDouble();
    bool adam = kind == "adam" || kind == "adamw";
    Value bc1, bc2;
    if (adam) {
      // 1 - beta^step, once per step.
      bc1 = arith::SubFOp::create(rewriter, loc, c(rewriter, loc, 1.0),
                                  math::PowFOp::create(rewriter, loc, c(rewriter, loc, b1), step));
      bc2 = arith::SubFOp::create(rewriter, loc, c(rewriter, loc, 1.0),
                                  math::PowFOp::create(rewriter, loc, c(rewriter, loc, b2), step));
    }
    SmallVector<Value> ins = {adaptor.getParam(), adaptor.getGrad()};
    if (adaptor.getM())
      ins.push_back(adaptor.getM());
    if (adaptor.getV())
      ins.push_back(adaptor.getV());
    SmallVector<Type> types;
    SmallVector<Value> outs;
    for (Value r : op->getResults()) {
      auto t = cast<RankedTensorType>(r.getType());
      types.push_back(t);
      outs.push_back(tensor::EmptyOp::create(rewriter, loc, t.getShape(), t.getElementType()));
    }
    int64_t rank = pt.getRank();
    SmallVector<AffineMap> maps(ins.size() + outs.size(),
                                AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext()));
    bool hasLow = (bool)op.getLow(), hasM = (bool)op.getM(), hasV = (bool)op.getV();
    auto g = linalg::GenericOp::create(
        rewriter, loc, types, ins, outs, maps, SmallVector<IteratorType>(rank, IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          auto mul = [&](Value x, Value y) { return arith::MulFOp::create(b, l, x, y).getResult(); };
          auto add = [&](Value x, Value y) { return arith::AddFOp::create(b, l, x, y).getResult(); };
          auto sub = [&](Value x, Value y) { return arith::SubFOp::create(b, l, x, y).getResult(); };
          Value p = a[0];
          Value gr = mul(convertScalar(b, l, a[1], f32), scale);
          Value m = hasM ? a[2] : Value(), v = hasV ? a[3] : Value();
          if (wd != 0.0 && kind != "adamw")
            gr = add(gr, mul(c(b, l, wd), p));
          Value np, nm, nv;
          if (kind == "sgd") {
            np = sub(p, mul(lr, gr));
          } else if (kind == "momentum") {
            nm = add(mul(c(b, l, mu), m), gr);
            np = sub(p, mul(lr, nm));
          } else {
            nm = add(mul(c(b, l, b1), m), mul(c(b, l, 1.0 - b1), gr));
            nv = add(mul(c(b, l, b2), v), mul(c(b, l, 1.0 - b2), mul(gr, gr)));
            Value mhat = arith::DivFOp::create(b, l, nm, bc1);
            Value vhat = arith::DivFOp::create(b, l, nv, bc2);
            Value upd = arith::DivFOp::create(b, l, mhat,
                                              add(math::SqrtOp::create(b, l, vhat), c(b, l, eps)));
            if (kind == "adamw" && wd != 0.0)
              upd = add(upd, mul(c(b, l, wd), p));
            np = sub(p, mul(lr, upd));
          }
          auto keep = [&](Value nw, Value old) {
            return arith::SelectOp::create(b, l, skip, old, nw).getResult();
          };
          SmallVector<Value> res = {keep(np, p)};
          if (hasLow)
            res.push_back(convertScalar(b, l, res[0],
                                        cast<RankedTensorType>(types[1]).getElementType()));
          if (hasM)
            res.push_back(keep(nm, m));
          if (hasV)
            res.push_back(keep(nv, v));
          linalg::YieldOp::create(b, l, res);
        });
    rewriter.replaceOp(op, g.getResults());
    return success();
  }
};

/// MaxPool's input gradient: the window maxima's flat indices from a MaxPool
/// with `Indices`, then dX[idx[i]] += dY[i] over every output element (a
/// sequential scatter-add, so overlapping windows accumulate).
struct MaxPoolGradPattern : OpConversionPattern<MaxPoolGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxPoolGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto xt = dyn_cast<RankedTensorType>(op.getX().getType());
    auto gt = dyn_cast<RankedTensorType>(op.getDY().getType());
    if (!xt || !gt || !xt.hasStaticShape() || !gt.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    Location loc = op.getLoc();
    auto it = RankedTensorType::get(gt.getShape(), rewriter.getI64Type());
    // The forward pool with indices; its lowering is the N-D pooling pattern.
    SmallVector<NamedAttribute> attrs;
    for (NamedAttribute a : op->getAttrs())
      attrs.push_back(a);
    auto pool = MaxPoolOp::create(rewriter, loc, TypeRange{gt, it}, ValueRange{op.getX()}, attrs);
    Value idx = pool.getResult(1);
    int64_t n = gt.getNumElements(), m = xt.getNumElements();
    Type e = xt.getElementType(), acc = accumulatorFor(e);
    auto flat = [&](Value v, int64_t size, Type elem) -> Value {
      auto t = cast<RankedTensorType>(v.getType());
      SmallVector<ReassociationIndices> re = {llvm::to_vector(llvm::seq<int64_t>(0, t.getRank()))};
      return tensor::CollapseShapeOp::create(rewriter, loc, RankedTensorType::get({size}, elem), v, re);
    };
    Value idxF = flat(idx, n, rewriter.getI64Type());
    Value gF = flat(adaptor.getDY(), n, gt.getElementType());
    Value dx = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{m}, acc);
    dx = linalg::FillOp::create(rewriter, loc, floatConst(rewriter, loc, acc, 0.0), dx).getResult(0);
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value cn = arith::ConstantIndexOp::create(rewriter, loc, n);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto loop = scf::ForOp::create(
        rewriter, loc, c0, cn, c1, ValueRange{dx},
        [&](OpBuilder &b, Location l, Value i, ValueRange carried) {
          Value j = arith::IndexCastOp::create(
              b, l, b.getIndexType(), tensor::ExtractOp::create(b, l, idxF, ValueRange{i}));
          Value gv = convertScalar(b, l, tensor::ExtractOp::create(b, l, gF, ValueRange{i}), acc);
          Value cur = tensor::ExtractOp::create(b, l, carried[0], ValueRange{j});
          Value upd = tensor::InsertOp::create(b, l, arith::AddFOp::create(b, l, cur, gv),
                                               carried[0], ValueRange{j});
          scf::YieldOp::create(b, l, upd);
        });
    Value r = loop.getResult(0);
    if (acc != e) {
      Value o = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{m}, e);
      SmallVector<AffineMap> maps(2, AffineMap::getMultiDimIdentityMap(1, rewriter.getContext()));
      r = linalg::GenericOp::create(
              rewriter, loc, TypeRange{o.getType()}, ValueRange{r}, ValueRange{o}, maps,
              SmallVector<IteratorType>{IteratorType::parallel},
              [&](OpBuilder &b, Location l, ValueRange a) {
                linalg::YieldOp::create(b, l, convertScalar(b, l, a[0], e));
              })
              .getResult(0);
    }
    SmallVector<ReassociationIndices> re = {llvm::to_vector(llvm::seq<int64_t>(0, xt.getRank()))};
    rewriter.replaceOp(op, tensor::ExpandShapeOp::create(rewriter, loc, xt, r, re).getResult());
    return success();
  }
};

/// mp.dropout_mask: the Dropout hash with the step mixed into the seed.
struct DropoutMaskPattern : OpConversionPattern<DropoutMaskOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DropoutMaskOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto mt = cast<RankedTensorType>(op.getMask().getType());
    Location loc = op.getLoc();
    Value step = tensor::ExtractOp::create(rewriter, loc, adaptor.getStep(), ValueRange{});
    Value seedTerm = dropoutSeedTerm(rewriter, loc, (uint32_t)op.getSeed(), step);
    Value ratio = floatConst(rewriter, loc, rewriter.getF32Type(), op.getRatio().convertToDouble());
    int64_t rank = mt.getRank();
    Value init = tensor::EmptyOp::create(rewriter, loc, mt.getShape(), mt.getElementType());
    auto g = linalg::GenericOp::create(
        rewriter, loc, TypeRange{mt}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext())},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange) {
          Value lin = arith::ConstantIndexOp::create(b, l, 0);
          for (int64_t d = 0; d < rank; ++d)
            lin = arith::AddIOp::create(
                b, l,
                arith::MulIOp::create(b, l, lin, arith::ConstantIndexOp::create(b, l, mt.getDimSize(d))),
                linalg::IndexOp::create(b, l, d));
          linalg::YieldOp::create(b, l, dropoutKeep(b, l, lin, seedTerm, ratio));
        });
    rewriter.replaceOp(op, g.getResult(0));
    return success();
  }
};

/// Without mp-loss-scaling: the scale is 1 and nothing is skipped.
struct LossScalePattern : OpConversionPattern<LossScaleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LossScaleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto t = cast<RankedTensorType>(op.getType());
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, DenseElementsAttr::get(t, rewriter.getFloatAttr(t.getElementType(), 1.0)));
    return success();
  }
};
struct NonFiniteSkipPattern : OpConversionPattern<NonFiniteSkipOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NonFiniteSkipOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto t = cast<RankedTensorType>(op.getType());
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op,
                                                   DenseElementsAttr::get(t, rewriter.getBoolAttr(false)));
    return success();
  }
};

} // namespace

void mixprec::detail::populateTrainingPatterns(RewritePatternSet &patterns) {
  patterns.add<OptimizerUpdatePattern, MaxPoolGradPattern, DropoutMaskPattern, LossScalePattern,
               NonFiniteSkipPattern>(patterns.getContext());
}
