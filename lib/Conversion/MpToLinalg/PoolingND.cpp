//===- PoolingND.cpp - N-D MaxPool/AveragePool and MaxPool indices --------===//
//
// The 2-D patterns in MpToLinalg.cpp use linalg's named NCHW pooling ops;
// these cover what they do not: any number of spatial dims (3-D pooling),
// and MaxPool's Indices output. One linalg.generic per op over
// (n, c, out..., window...), the window extents coming from a shape-only
// operand as in linalg's named pooling ops:
//
//   MaxPool:     (max, argmax) over the window of the input padded with
//                -inf; the index is the flat position in the unpadded input
//                (row-major, or column-major spatial dims for
//                storage_order=1), ties to the first in window order.
//   AveragePool: sum of the zero-padded input over the sum of a mask that is
//                1 on the input, 1 or 0 on the explicit pads
//                (count_include_pad), and 0 on the ceil_mode overhang.
//
//===----------------------------------------------------------------------===//

#include "PatternUtils.h"

#include "mixprec/Dialect/Mp/IR/MpDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mixprec::mp;
using namespace mixprec::detail;
using utils::IteratorType;

namespace {

/// Explicit pads [begin..., end...] of an r-D window op (auto_pad resolved
/// from static sizes) and the ceil_mode overhang past the end pads.
template <typename OpT>
LogicalResult resolveWindow(OpT op, RankedTensorType x, RankedTensorType y,
                            ArrayRef<int64_t> k, ArrayRef<int64_t> strides,
                            ArrayRef<int64_t> dil, SmallVectorImpl<int64_t> &pads,
                            SmallVectorImpl<int64_t> &extra) {
  int64_t r = k.size();
  pads.assign(2 * r, 0);
  extra.assign(r, 0);
  if (auto p = op.getPads()) {
    if ((int64_t)p->size() != 2 * r)
      return failure();
    pads.assign(p->begin(), p->end());
  }
  StringRef autoPad = op.getAutoPad() ? StringRef(*op.getAutoPad()) : "NOTSET";
  for (int64_t d = 0; d < r; ++d) {
    int64_t in = x.getDimSize(2 + d), out = y.getDimSize(2 + d);
    int64_t span = (k[d] - 1) * dil[d] + 1;
    if (autoPad == "VALID") {
      pads[d] = pads[d + r] = 0;
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t total = std::max<int64_t>(0, (out - 1) * strides[d] + span - in);
      int64_t small = total / 2;
      pads[d] = autoPad == "SAME_UPPER" ? small : total - small;
      pads[d + r] = total - pads[d];
    }
    int64_t need = (out - 1) * strides[d] + span;
    extra[d] = std::max<int64_t>(0, need - (in + pads[d] + pads[d + r]));
  }
  return success();
}

/// `v` padded on the spatial dims: `pads` before, `pads` + `extra` after,
/// with `value` (explicit pads) and `extraValue` (the overhang).
Value padND(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> pads,
            ArrayRef<int64_t> extra, Value value, Value extraValue) {
  auto t = cast<RankedTensorType>(v.getType());
  int64_t r = extra.size();
  auto build = [&](Value src, ArrayRef<int64_t> lo, ArrayRef<int64_t> hi, Value pv) -> Value {
    auto st = cast<RankedTensorType>(src.getType());
    if (llvm::all_of(lo, [](int64_t p) { return p == 0; }) &&
        llvm::all_of(hi, [](int64_t p) { return p == 0; }))
      return src;
    SmallVector<int64_t> shape(st.getShape());
    SmallVector<OpFoldResult> l, h;
    for (int64_t d = 0; d < st.getRank(); ++d) {
      shape[d] += lo[d] + hi[d];
      l.push_back(b.getIndexAttr(lo[d]));
      h.push_back(b.getIndexAttr(hi[d]));
    }
    return tensor::PadOp::create(b, loc, RankedTensorType::get(shape, st.getElementType()), src,
                                 l, h, pv)
        .getResult();
  };
  SmallVector<int64_t> lo(t.getRank(), 0), hi(t.getRank(), 0), hx(t.getRank(), 0),
      zero(t.getRank(), 0);
  for (int64_t d = 0; d < r; ++d) {
    lo[2 + d] = pads[d];
    hi[2 + d] = pads[d + r];
    hx[2 + d] = extra[d];
  }
  return build(build(v, lo, hi, value), zero, hx, extraValue);
}

template <typename OpT>
struct PoolNDPattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    constexpr bool isMax = std::is_same_v<OpT, MaxPoolOp>;
    auto x = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto y = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    bool indices = op->getNumResults() > 1;
    // Plain 2-D float pooling goes to the named-op pattern; integer MaxPool
    // of any rank comes here.
    bool isInt = x && isa<IntegerType>(x.getElementType());
    if (!x || !y || x.getRank() < 3 || (x.getRank() == 4 && !indices && !isInt) ||
        !x.hasStaticShape() || !y.hasStaticShape() || (isInt && !isMax) ||
        (!isInt && !isFloatLike(x.getElementType())))
      return rewriter.notifyMatchFailure(op, "not a static N-D pool");
    int64_t r = x.getRank() - 2;
    ArrayRef<int64_t> k = op.getKernelShape();
    if ((int64_t)k.size() != r)
      return rewriter.notifyMatchFailure(op, "kernel_shape rank");
    SmallVector<int64_t> strides(r, 1), dil(r, 1);
    if (auto s = op.getStrides())
      strides.assign(s->begin(), s->end());
    if (auto d = op.getDilations())
      dil.assign(d->begin(), d->end());
    if ((int64_t)strides.size() != r || (int64_t)dil.size() != r)
      return rewriter.notifyMatchFailure(op, "strides/dilations rank");
    SmallVector<int64_t> pads, extra;
    if (failed(resolveWindow(op, x, y, k, strides, dil, pads, extra)))
      return rewriter.notifyMatchFailure(op, "pads");
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type e = x.getElementType(), acc = accumulatorFor(e), i64 = rewriter.getI64Type();
    double inf = std::numeric_limits<double>::infinity();
    // Loops: n, c, out_0..out_{r-1}, win_0..win_{r-1}.
    int64_t nd = 2 + 2 * r;
    SmallVector<AffineExpr> inE = {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)};
    SmallVector<AffineExpr> winE, outE = inE;
    for (int64_t d = 0; d < r; ++d) {
      inE.push_back(getAffineDimExpr(2 + d, ctx) * strides[d] +
                    getAffineDimExpr(2 + r + d, ctx) * dil[d]);
      winE.push_back(getAffineDimExpr(2 + r + d, ctx));
      outE.push_back(getAffineDimExpr(2 + d, ctx));
    }
    AffineMap inMap = AffineMap::get(nd, 0, inE, ctx);
    AffineMap winMap = AffineMap::get(nd, 0, winE, ctx);
    AffineMap outMap = AffineMap::get(nd, 0, outE, ctx);
    SmallVector<IteratorType> iters(2 + r, IteratorType::parallel);
    iters.append(r, IteratorType::reduction);
    Value window = tensor::EmptyOp::create(rewriter, loc, k, rewriter.getI1Type());
    auto filled = [&](Type t, Value v) {
      Value empty = tensor::EmptyOp::create(rewriter, loc, y.getShape(), t);
      return linalg::FillOp::create(rewriter, loc, v, empty).getResult(0);
    };
    SmallVector<Value> results;
    if constexpr (isMax) {
      // The identity of max: -inf, or the smallest integer. Unsigned
      // elements are viewed as signless inside the body (as element-wise
      // ops do) and compared unsigned.
      auto intT = dyn_cast<IntegerType>(e);
      bool isUnsigned = intT && intT.isUnsigned();
      Type sl = intT ? IntegerType::get(ctx, intT.getWidth()) : e;
      auto asElem = [&](OpBuilder &b, Value v) -> Value {
        return v.getType() == e ? v : UnrealizedConversionCastOp::create(b, loc, e, v).getResult(0);
      };
      auto asSignless = [&](OpBuilder &b, Location l, Value v) -> Value {
        return v.getType() == sl ? v : UnrealizedConversionCastOp::create(b, l, sl, v).getResult(0);
      };
      Value ninf =
          intT ? asElem(rewriter,
                        arith::ConstantOp::create(
                            rewriter, loc,
                            rewriter.getIntegerAttr(sl, isUnsigned ? APInt::getMinValue(intT.getWidth())
                                                                   : APInt::getSignedMinValue(intT.getWidth()))))
               : floatConst(rewriter, loc, e, -inf);
      Value in = padND(rewriter, loc, adaptor.getX(), pads, extra, ninf, ninf);
      auto vt = RankedTensorType::get(y.getShape(), e);
      auto it = RankedTensorType::get(y.getShape(), i64);
      bool colMajor = op.getStorageOrder().value_or(0) != 0;
      auto g = linalg::GenericOp::create(
          rewriter, loc, TypeRange{vt, it}, ValueRange{in, window},
          ValueRange{filled(e, ninf), filled(i64, arith::ConstantIntOp::create(rewriter, loc, -1, 64))},
          SmallVector<AffineMap>{inMap, winMap, outMap, outMap}, iters,
          [&](OpBuilder &b, Location l, ValueRange a) {
            // Flat index of the element in the unpadded input.
            auto idx = [&](int64_t i) {
              return arith::IndexCastOp::create(b, l, i64, linalg::IndexOp::create(b, l, i))
                  .getResult();
            };
            auto c64 = [&](int64_t v) { return arith::ConstantIntOp::create(b, l, v, 64).getResult(); };
            auto mul = [&](Value p, Value q) { return arith::MulIOp::create(b, l, p, q).getResult(); };
            auto add = [&](Value p, Value q) { return arith::AddIOp::create(b, l, p, q).getResult(); };
            SmallVector<Value> pos;
            for (int64_t d = 0; d < r; ++d)
              pos.push_back(add(add(mul(idx(2 + d), c64(strides[d])), mul(idx(2 + r + d), c64(dil[d]))),
                                c64(-pads[d])));
            Value flat = add(mul(idx(0), c64(x.getDimSize(1))), idx(1));
            for (int64_t j = 0; j < r; ++j) {
              int64_t d = colMajor ? r - 1 - j : j;
              flat = add(mul(flat, c64(x.getDimSize(2 + d))), pos[d]);
            }
            // Strictly greater keeps the first maximum in window order; an
            // element equal to the initial value (-inf, the smallest
            // integer) is still taken when nothing inside the input has
            // been, so every index is a real position.
            Value inBounds = arith::ConstantIntOp::create(b, l, 1, 1);
            for (int64_t d = 0; d < r; ++d)
              inBounds = arith::AndIOp::create(
                  b, l, inBounds,
                  arith::AndIOp::create(
                      b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, pos[d], c64(0)),
                      arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, pos[d],
                                            c64(x.getDimSize(2 + d)))));
            Value first = arith::AndIOp::create(
                b, l, inBounds, arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, a[3], c64(-1)));
            Value gtv = intT ? arith::CmpIOp::create(b, l,
                                                    isUnsigned ? arith::CmpIPredicate::ugt
                                                               : arith::CmpIPredicate::sgt,
                                                    asSignless(b, l, a[0]), asSignless(b, l, a[2]))
                                  .getResult()
                            : arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, a[0], a[2])
                                  .getResult();
            Value gt = arith::OrIOp::create(b, l, gtv, first);
            linalg::YieldOp::create(
                b, l,
                ValueRange{arith::SelectOp::create(b, l, gt, a[0], a[2]).getResult(),
                           arith::SelectOp::create(b, l, gt, flat, a[3]).getResult()});
          });
      results.push_back(g.getResult(0));
      if (indices)
        results.push_back(g.getResult(1));
    } else {
      bool includePad = op.getCountIncludePad().value_or(0) != 0;
      Value zero = floatConst(rewriter, loc, e, 0.0);
      Value in = padND(rewriter, loc, adaptor.getX(), pads, extra, zero, zero);
      Value ones = tensor::EmptyOp::create(rewriter, loc, x.getShape(), acc);
      ones = linalg::FillOp::create(rewriter, loc, floatConst(rewriter, loc, acc, 1.0), ones)
                 .getResult(0);
      Value mask = padND(rewriter, loc, ones, pads, extra,
                         floatConst(rewriter, loc, acc, includePad ? 1.0 : 0.0),
                         floatConst(rewriter, loc, acc, 0.0));
      auto at = RankedTensorType::get(y.getShape(), acc);
      Value accZero = floatConst(rewriter, loc, acc, 0.0);
      auto g = linalg::GenericOp::create(
          rewriter, loc, TypeRange{at, at}, ValueRange{in, mask, window},
          ValueRange{filled(acc, accZero), filled(acc, accZero)},
          SmallVector<AffineMap>{inMap, inMap, winMap, outMap, outMap}, iters,
          [&](OpBuilder &b, Location l, ValueRange a) {
            linalg::YieldOp::create(
                b, l,
                ValueRange{arith::AddFOp::create(b, l, a[3], convertScalar(b, l, a[0], acc)).getResult(),
                           arith::AddFOp::create(b, l, a[4], a[1]).getResult()});
          });
      Value out = tensor::EmptyOp::create(rewriter, loc, y.getShape(), e);
      SmallVector<AffineMap> maps(3, AffineMap::getMultiDimIdentityMap(y.getRank(), ctx));
      results.push_back(
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{y}, ValueRange{g.getResult(0), g.getResult(1)},
              ValueRange{out}, maps, SmallVector<IteratorType>(y.getRank(), IteratorType::parallel),
              [&](OpBuilder &b, Location l, ValueRange a) {
                linalg::YieldOp::create(
                    b, l, convertScalar(b, l, arith::DivFOp::create(b, l, a[0], a[1]), e));
              })
              .getResult(0));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mixprec::detail::populatePoolingNDPatterns(RewritePatternSet &patterns) {
  patterns.add<PoolNDPattern<MaxPoolOp>, PoolNDPattern<AveragePoolOp>>(patterns.getContext());
}
