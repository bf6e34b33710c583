//===- AxisOps.cpp - CumSum, TopK and Einsum to linalg/scf ----------------===//
//
//   CumSum -> scf.for along the axis carrying the running sum (O(n), either
//             direction, inclusive or exclusive); a runtime axis selects
//             among one loop per possible axis with scf.index_switch.
//   TopK   -> scf.for over the k outputs; each step is one linalg reduction
//             along the axis for the best element that comes after the
//             previous pick in the (value, index) order, so ties resolve to
//             the lower index as ONNX requires. O(k n).
//   Einsum -> one linalg.generic: a loop per distinct label (ellipsis dims
//             included), labels missing from the output reduce, repeated
//             labels in an operand read its diagonal. f32 accumulation for
//             f16/bf16 storage.
//
//===----------------------------------------------------------------------===//

#include "PatternUtils.h"

#include "mixprec/Dialect/Mp/IR/MpDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mixprec::mp;
using namespace mixprec::detail;
using utils::IteratorType;

namespace {

/// The integer constant(s) `v` folds to, if any.
std::optional<SmallVector<int64_t>> constantInts(Value v) {
  DenseIntElementsAttr dense;
  if (!v || !matchPattern(v, m_Constant(&dense)))
    return std::nullopt;
  SmallVector<int64_t> r;
  for (const APInt &x : dense.getValues<APInt>())
    r.push_back(x.getSExtValue());
  return r;
}

/// Offsets/sizes/strides selecting index `at` (size 1) along `axis`.
void sliceAt(OpBuilder &b, RankedTensorType t, int64_t axis, OpFoldResult at,
             SmallVectorImpl<OpFoldResult> &offs, SmallVectorImpl<OpFoldResult> &sizes,
             SmallVectorImpl<OpFoldResult> &strides) {
  for (int64_t d = 0; d < t.getRank(); ++d) {
    offs.push_back(d == axis ? at : b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(d == axis ? 1 : t.getDimSize(d)));
    strides.push_back(b.getIndexAttr(1));
  }
}

RankedTensorType dropAxis(RankedTensorType t, int64_t axis, Type elem) {
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (d != axis)
      shape.push_back(t.getDimSize(d));
  return RankedTensorType::get(shape, elem);
}

Value addScalars(OpBuilder &b, Location l, Value x, Value y) {
  return isFloatLike(x.getType()) ? arith::AddFOp::create(b, l, x, y).getResult()
                                  : arith::AddIOp::create(b, l, x, y).getResult();
}

Value zeroOf(OpBuilder &b, Location l, Type t) {
  return isFloatLike(t) ? floatConst(b, l, t, 0.0)
                        : arith::ConstantOp::create(b, l, b.getIntegerAttr(t, 0)).getResult();
}

//===----------------------------------------------------------------------===//
// CumSum
//===----------------------------------------------------------------------===//

/// CumSum of static-shaped `x` along a static `axis`.
Value cumSumAlong(OpBuilder &b, Location loc, Value x, int64_t axis, bool exclusive,
                  bool reverse) {
  auto t = cast<RankedTensorType>(x.getType());
  Type e = t.getElementType(), acc = accumulatorFor(e);
  int64_t n = t.getDimSize(axis);
  RankedTensorType rowT = dropAxis(t, axis, acc);
  Value run = tensor::EmptyOp::create(b, loc, rowT.getShape(), acc);
  run = linalg::FillOp::create(b, loc, zeroOf(b, loc, acc), run).getResult(0);
  Value out = tensor::EmptyOp::create(b, loc, t.getShape(), e);
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value cn = arith::ConstantIndexOp::create(b, loc, n);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, c0, cn, c1, ValueRange{run, out},
      [&](OpBuilder &nb, Location l, Value i, ValueRange carried) {
        Value at = i;
        if (reverse)
          at = arith::SubIOp::create(nb, l, arith::ConstantIndexOp::create(nb, l, n - 1), i);
        SmallVector<OpFoldResult> offs, sizes, strides;
        sliceAt(nb, t, axis, at, offs, sizes, strides);
        Value row = tensor::ExtractSliceOp::create(nb, l, dropAxis(t, axis, e), x, offs,
                                                   sizes, strides);
        int64_t r = rowT.getRank();
        SmallVector<AffineMap> maps(3, AffineMap::getMultiDimIdentityMap(r, nb.getContext()));
        Value init = tensor::EmptyOp::create(nb, l, rowT.getShape(), acc);
        Value next = linalg::GenericOp::create(
                         nb, l, TypeRange{rowT}, ValueRange{carried[0], row}, ValueRange{init},
                         maps, SmallVector<IteratorType>(r, IteratorType::parallel),
                         [&](OpBuilder &bb, Location bl, ValueRange a) {
                           linalg::YieldOp::create(
                               bb, bl, addScalars(bb, bl, a[0], convertScalar(bb, bl, a[1], acc)));
                         })
                         .getResult(0);
        Value emit = exclusive ? carried[0] : next;
        if (acc != e) {
          Value cinit = tensor::EmptyOp::create(nb, l, rowT.getShape(), e);
          SmallVector<AffineMap> cmaps(2, AffineMap::getMultiDimIdentityMap(r, nb.getContext()));
          emit = linalg::GenericOp::create(
                     nb, l, TypeRange{cast<RankedTensorType>(cinit.getType())}, ValueRange{emit},
                     ValueRange{cinit}, cmaps, SmallVector<IteratorType>(r, IteratorType::parallel),
                     [&](OpBuilder &bb, Location bl, ValueRange a) {
                       linalg::YieldOp::create(bb, bl, convertScalar(bb, bl, a[0], e));
                     })
                     .getResult(0);
        }
        Value o = tensor::InsertSliceOp::create(nb, l, emit, carried[1], offs, sizes, strides);
        scf::YieldOp::create(nb, l, ValueRange{next, o});
      });
  return loop.getResult(1);
}

struct CumSumPattern : OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto t = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!t || !t.hasStaticShape() || t.getRank() == 0 || op.getType() != t)
      return rewriter.notifyMatchFailure(op, "needs a static input of the result type");
    if (auto it = dyn_cast<IntegerType>(t.getElementType()); it && !it.isSignless())
      return rewriter.notifyMatchFailure(op, "unsigned integer element type");
    Location loc = op.getLoc();
    bool excl = op.getExclusive().value_or(0), rev = op.getReverse().value_or(0);
    int64_t rank = t.getRank();
    if (auto axis = constantInts(adaptor.getAxis())) {
      if (axis->size() != 1)
        return rewriter.notifyMatchFailure(op, "axis must be a scalar");
      int64_t a = (*axis)[0] < 0 ? (*axis)[0] + rank : (*axis)[0];
      if (a < 0 || a >= rank)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      rewriter.replaceOp(op, cumSumAlong(rewriter, loc, adaptor.getX(), a, excl, rev));
      return success();
    }
    // A runtime axis: one loop per possible axis, chosen at run time.
    auto axisT = cast<RankedTensorType>(adaptor.getAxis().getType());
    SmallVector<Value> zeros(axisT.getRank(), arith::ConstantIndexOp::create(rewriter, loc, 0));
    Value a = tensor::ExtractOp::create(rewriter, loc, adaptor.getAxis(), zeros);
    a = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), a);
    Value neg = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt, a,
                                      arith::ConstantIndexOp::create(rewriter, loc, 0));
    a = arith::SelectOp::create(
        rewriter, loc, neg,
        arith::AddIOp::create(rewriter, loc, a, arith::ConstantIndexOp::create(rewriter, loc, rank)),
        a);
    SmallVector<int64_t> cases = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    auto sw = scf::IndexSwitchOp::create(rewriter, loc, TypeRange{t}, a, cases, cases.size());
    for (int64_t k = 0; k <= rank; ++k) {
      Region &r = k < rank ? sw.getCaseRegions()[k] : sw.getDefaultRegion();
      Block *blk = rewriter.createBlock(&r);
      rewriter.setInsertionPointToStart(blk);
      // Out-of-range axes are rejected by ONNX; the default reuses axis 0.
      Value v = cumSumAlong(rewriter, loc, adaptor.getX(), k < rank ? k : 0, excl, rev);
      scf::YieldOp::create(rewriter, loc, v);
    }
    rewriter.setInsertionPointAfter(sw);
    rewriter.replaceOp(op, sw.getResults());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// TopK
//===----------------------------------------------------------------------===//

struct TopKPattern : OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto t = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto vt = dyn_cast<RankedTensorType>(op.getValues().getType());
    auto it = dyn_cast<RankedTensorType>(op.getIndices().getType());
    if (!t || !t.hasStaticShape() || !vt || !vt.hasStaticShape() || !it ||
        !it.hasStaticShape() || !isFloatLike(t.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs static float tensors");
    int64_t rank = t.getRank();
    int64_t axis = op.getAxis().value_or(-1);
    if (axis < 0)
      axis += rank;
    int64_t k;
    if (adaptor.getKVal()) {
      // A runtime k is read from the (static) result type.
      auto kv = constantInts(adaptor.getKVal());
      if (kv && kv->size() != 1)
        return rewriter.notifyMatchFailure(op, "k must be a scalar");
      int64_t a = axis < 0 ? axis + rank : axis;
      k = kv ? (*kv)[0] : (a >= 0 && a < rank ? vt.getDimSize(a) : -1);
    } else {
      k = op.getK().value_or(1);
    }
    if (axis < 0 || axis >= rank || k < 0 || k > t.getDimSize(axis) ||
        vt.getDimSize(axis) != k)
      return rewriter.notifyMatchFailure(op, "k/axis do not match the types");
    bool largest = op.getLargest().value_or(1) != 0;
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type e = t.getElementType();
    Type i64 = rewriter.getI64Type();
    RankedTensorType rowV = dropAxis(t, axis, e), rowI = dropAxis(t, axis, i64);
    double inf = std::numeric_limits<double>::infinity();
    auto filled = [&](OpBuilder &b, RankedTensorType rt, Value v) {
      Value e0 = tensor::EmptyOp::create(b, loc, rt.getShape(), rt.getElementType());
      return linalg::FillOp::create(b, loc, v, e0).getResult(0);
    };
    // The previous pick: before the first, every element comes after it.
    Value prevV = filled(rewriter, rowV, floatConst(rewriter, loc, e, largest ? inf : -inf));
    Value prevI = filled(rewriter, rowI, arith::ConstantIntOp::create(rewriter, loc, -1, 64));
    Value vals = tensor::EmptyOp::create(rewriter, loc, vt.getShape(), e);
    Value idxs = tensor::EmptyOp::create(rewriter, loc, it.getShape(), i64);
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value ck = arith::ConstantIndexOp::create(rewriter, loc, k);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    // Maps over (input dims) with the axis as the reduction.
    SmallVector<AffineExpr> rowE;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        rowE.push_back(getAffineDimExpr(d, ctx));
    AffineMap rowMap = AffineMap::get(rank, 0, rowE, ctx);
    AffineMap idMap = AffineMap::getMultiDimIdentityMap(rank, ctx);
    SmallVector<IteratorType> iters(rank, IteratorType::parallel);
    iters[axis] = IteratorType::reduction;
    auto loop = scf::ForOp::create(
        rewriter, loc, c0, ck, c1, ValueRange{prevV, prevI, vals, idxs},
        [&](OpBuilder &b, Location l, Value j, ValueRange c) {
          Value bestV = filled(b, rowV, floatConst(b, l, e, largest ? -inf : inf));
          Value bestI =
              filled(b, rowI, arith::ConstantIntOp::create(b, l, std::numeric_limits<int64_t>::max(), 64));
          auto red = linalg::GenericOp::create(
              b, l, TypeRange{rowV, rowI}, ValueRange{adaptor.getX(), c[0], c[1]},
              ValueRange{bestV, bestI},
              SmallVector<AffineMap>{idMap, rowMap, rowMap, rowMap, rowMap}, iters,
              [&](OpBuilder &bb, Location bl, ValueRange a) {
                Value v = a[0], pv = a[1], pi = a[2], bv = a[3], bi = a[4];
                Value idx = arith::IndexCastOp::create(bb, bl, i64,
                                                       linalg::IndexOp::create(bb, bl, axis));
                auto fcmp = [&](arith::CmpFPredicate p, Value x, Value y) {
                  return arith::CmpFOp::create(bb, bl, p, x, y).getResult();
                };
                auto icmp = [&](arith::CmpIPredicate p, Value x, Value y) {
                  return arith::CmpIOp::create(bb, bl, p, x, y).getResult();
                };
                auto orOp = [&](Value x, Value y) {
                  return arith::OrIOp::create(bb, bl, x, y).getResult();
                };
                auto andOp = [&](Value x, Value y) {
                  return arith::AndIOp::create(bb, bl, x, y).getResult();
                };
                // A total order in which NaN is above every number (as
                // ONNX Runtime sorts): x ranks above y, and x ties with y.
                auto isNan = [&](Value x) { return fcmp(arith::CmpFPredicate::UNO, x, x); };
                auto above = [&](Value x, Value y) {
                  Value nanX = andOp(isNan(x), fcmp(arith::CmpFPredicate::ORD, y, y));
                  return orOp(nanX, fcmp(arith::CmpFPredicate::OGT, x, y));
                };
                auto ties = [&](Value x, Value y) {
                  return orOp(fcmp(arith::CmpFPredicate::OEQ, x, y),
                              andOp(isNan(x), isNan(y)));
                };
                // "first" ranks x before y in the output order.
                auto first = [&](Value x, Value y) { return largest ? above(x, y) : above(y, x); };
                // After the previous pick (none yet: pi == -1), and better
                // than the best so far (none yet: bi == INT64_MAX); ties go
                // to the lower index.
                Value none = arith::ConstantIntOp::create(bb, bl, -1, 64);
                Value unset = arith::ConstantIntOp::create(
                    bb, bl, std::numeric_limits<int64_t>::max(), 64);
                Value after = orOp(icmp(arith::CmpIPredicate::eq, pi, none),
                                   orOp(first(pv, v), andOp(ties(v, pv),
                                                            icmp(arith::CmpIPredicate::sgt, idx, pi))));
                Value better = orOp(icmp(arith::CmpIPredicate::eq, bi, unset),
                                    orOp(first(v, bv), andOp(ties(v, bv),
                                                             icmp(arith::CmpIPredicate::slt, idx, bi))));
                Value take = andOp(after, better);
                linalg::YieldOp::create(
                    bb, bl,
                    ValueRange{arith::SelectOp::create(bb, bl, take, v, bv).getResult(),
                               arith::SelectOp::create(bb, bl, take, idx, bi).getResult()});
              });
          SmallVector<OpFoldResult> offs, sizes, strides;
          sliceAt(b, vt, axis, j, offs, sizes, strides);
          Value nv = tensor::InsertSliceOp::create(b, l, red.getResult(0), c[2], offs, sizes, strides);
          Value ni = tensor::InsertSliceOp::create(b, l, red.getResult(1), c[3], offs, sizes, strides);
          scf::YieldOp::create(b, l, ValueRange{red.getResult(0), red.getResult(1), nv, ni});
        });
    rewriter.replaceOp(op, {loop.getResult(2), loop.getResult(3)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

/// One operand's (or the output's) labels; -1 marks the ellipsis position.
struct EinsumTerm {
  SmallVector<int> labels; // letters as chars; '.' for an ellipsis dim
  bool ellipsis = false;
};

FailureOr<EinsumTerm> parseTerm(StringRef s) {
  EinsumTerm t;
  s = s.trim();
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ')
      continue;
    if (c == '.') {
      if (t.ellipsis || !s.substr(i).starts_with("..."))
        return failure();
      t.ellipsis = true;
      t.labels.push_back(-1);
      i += 2;
      continue;
    }
    if (!llvm::isAlpha(c))
      return failure();
    t.labels.push_back(c);
  }
  return t;
}

struct EinsumPattern : OpConversionPattern<EinsumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EinsumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (!y || !y.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs a static result");
    ValueRange ins = adaptor.getInputs();
    SmallVector<RankedTensorType> types;
    for (Value v : ins) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t || !t.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "needs static inputs");
      types.push_back(t);
    }
    if (auto it = dyn_cast<IntegerType>(y.getElementType()); it && !it.isSignless())
      return rewriter.notifyMatchFailure(op, "unsigned integer element type");
    StringRef eq = op.getEquation();
    auto arrow = eq.split("->");
    SmallVector<StringRef> lhs;
    arrow.first.split(lhs, ',');
    if (lhs.size() != ins.size())
      return rewriter.notifyMatchFailure(op, "equation does not match the inputs");
    SmallVector<EinsumTerm> terms;
    for (StringRef s : lhs) {
      auto t = parseTerm(s);
      if (failed(t))
        return rewriter.notifyMatchFailure(op, "bad equation");
      terms.push_back(*t);
    }
    // Ellipsis rank: the widest among the inputs, right-aligned.
    int64_t eRank = 0;
    SmallVector<int64_t> eOf(ins.size(), 0);
    for (size_t i = 0; i < ins.size(); ++i) {
      int64_t named = (int64_t)terms[i].labels.size() - (terms[i].ellipsis ? 1 : 0);
      int64_t e = types[i].getRank() - named;
      if (e < 0 || (e > 0 && !terms[i].ellipsis))
        return rewriter.notifyMatchFailure(op, "operand rank does not match its labels");
      eOf[i] = e;
      eRank = std::max(eRank, e);
    }
    EinsumTerm out;
    if (arrow.second.data() != nullptr && eq.contains("->")) {
      auto t = parseTerm(arrow.second);
      if (failed(t))
        return rewriter.notifyMatchFailure(op, "bad equation");
      out = *t;
    } else {
      // Implicit output: the ellipsis, then labels used once, sorted.
      llvm::DenseMap<int, int> count;
      for (const EinsumTerm &t : terms)
        for (int c : t.labels)
          if (c != -1)
            ++count[c];
      if (eRank > 0) {
        out.ellipsis = true;
        out.labels.push_back(-1);
      }
      SmallVector<int> once;
      for (auto [c, n] : count)
        if (n == 1)
          once.push_back(c);
      llvm::sort(once);
      llvm::append_range(out.labels, once);
    }
    // Loop dims: ellipsis dims 0..eRank-1, then each distinct letter.
    llvm::DenseMap<int, unsigned> dimOf;
    unsigned nDims = eRank;
    auto addLabel = [&](int c) {
      if (c != -1 && !dimOf.count(c))
        dimOf[c] = nDims++;
    };
    for (const EinsumTerm &t : terms)
      for (int c : t.labels)
        addLabel(c);
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<int64_t> extent(nDims, -1);
    SmallVector<AffineMap> maps;
    for (size_t i = 0; i < ins.size(); ++i) {
      SmallVector<AffineExpr> exprs;
      int64_t d = 0;
      for (int c : terms[i].labels) {
        if (c == -1) {
          for (int64_t k = 0; k < eOf[i]; ++k, ++d) {
            unsigned ld = eRank - eOf[i] + k;
            int64_t size = types[i].getDimSize(d);
            // Size-1 ellipsis dims broadcast against wider ones.
            exprs.push_back(size == 1 ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(ld, ctx));
            if (size != 1) {
              if (extent[ld] != -1 && extent[ld] != size)
                return rewriter.notifyMatchFailure(op, "ellipsis dims do not broadcast");
              extent[ld] = size;
            }
          }
          continue;
        }
        unsigned ld = dimOf[c];
        int64_t size = types[i].getDimSize(d++);
        if (extent[ld] != -1 && extent[ld] != size)
          return rewriter.notifyMatchFailure(op, "label sizes differ");
        extent[ld] = size;
        exprs.push_back(getAffineDimExpr(ld, ctx));
      }
      maps.push_back(AffineMap::get(nDims, 0, exprs, ctx));
    }
    SmallVector<AffineExpr> outE;
    SmallVector<bool> inOut(nDims, false);
    for (int c : out.labels) {
      if (c == -1) {
        for (int64_t k = 0; k < eRank; ++k) {
          outE.push_back(getAffineDimExpr(k, ctx));
          inOut[k] = true;
        }
        continue;
      }
      if (!dimOf.count(c))
        return rewriter.notifyMatchFailure(op, "output label not in any input");
      outE.push_back(getAffineDimExpr(dimOf[c], ctx));
      inOut[dimOf[c]] = true;
    }
    if ((int64_t)outE.size() != y.getRank())
      return rewriter.notifyMatchFailure(op, "output rank does not match");
    for (unsigned d = 0; d < nDims; ++d)
      if (extent[d] == -1 && !inOut[d]) // a size-1 ellipsis dim summed away
        return rewriter.notifyMatchFailure(op, "unsupported broadcast");
    maps.push_back(AffineMap::get(nDims, 0, outE, ctx));
    SmallVector<IteratorType> iters;
    for (unsigned d = 0; d < nDims; ++d)
      iters.push_back(inOut[d] ? IteratorType::parallel : IteratorType::reduction);
    Location loc = op.getLoc();
    Type e = y.getElementType(), acc = accumulatorFor(e);
    auto accT = RankedTensorType::get(y.getShape(), acc);
    Value init = tensor::EmptyOp::create(rewriter, loc, y.getShape(), acc);
    init = linalg::FillOp::create(rewriter, loc, zeroOf(rewriter, loc, acc), init).getResult(0);
    bool f = isFloatLike(acc);
    Value r = linalg::GenericOp::create(
                  rewriter, loc, TypeRange{accT}, ins, ValueRange{init}, maps, iters,
                  [&](OpBuilder &b, Location l, ValueRange a) {
                    Value p = convertScalar(b, l, a[0], acc);
                    for (Value v : a.drop_front().drop_back()) {
                      Value x = convertScalar(b, l, v, acc);
                      p = f ? arith::MulFOp::create(b, l, p, x).getResult()
                            : arith::MulIOp::create(b, l, p, x).getResult();
                    }
                    linalg::YieldOp::create(b, l, addScalars(b, l, a.back(), p));
                  })
                  .getResult(0);
    if (acc != e) {
      Value o = tensor::EmptyOp::create(rewriter, loc, y.getShape(), e);
      SmallVector<AffineMap> cm(2, AffineMap::getMultiDimIdentityMap(y.getRank(), ctx));
      r = linalg::GenericOp::create(
              rewriter, loc, TypeRange{y}, ValueRange{r}, ValueRange{o}, cm,
              SmallVector<IteratorType>(y.getRank(), IteratorType::parallel),
              [&](OpBuilder &b, Location l, ValueRange a) {
                linalg::YieldOp::create(b, l, convertScalar(b, l, a[0], e));
              })
              .getResult(0);
    }
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void mixprec::detail::populateAxisOpPatterns(RewritePatternSet &patterns) {
  patterns.add<CumSumPattern, TopKPattern, EinsumPattern>(patterns.getContext());
}
