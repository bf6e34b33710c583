//===- ControlFlow.cpp - mp.if/loop/scan to scf ---------------------------===//
//
// ONNX subgraph ops become structured control flow; their bodies are inlined
// (they may use values from above, as ONNX subgraphs do) and converted by the
// same conversion, so any op that lowers at the top level lowers inside.
//
//   If   -> scf.if on the extracted condition;
//   Loop -> scf.while carrying (iteration, cond, loop-carried values, scan
//           buffers); scan outputs are stacked into buffers that start at
//           min(M, 64) rows and double when full, then are cut to the
//           iterations actually run;
//   Scan -> scf.for over the scan axis, slicing scan inputs and inserting
//           scan outputs in either direction along any axis.
//
//===----------------------------------------------------------------------===//

#include "PatternUtils.h"

#include "mixprec/Dialect/Mp/IR/MpDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mixprec::mp;
using namespace mixprec::detail;

namespace {

/// `v` as `type`: a tensor.cast between compatible shapes when they differ.
Value castTo(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return tensor::CastOp::create(b, loc, type, v);
}

/// The single element of a one-element tensor (rank 0 or all dims 1).
Value scalarOf(OpBuilder &b, Location loc, Value t) {
  auto tt = cast<RankedTensorType>(t.getType());
  SmallVector<Value> idx(tt.getRank(), arith::ConstantIndexOp::create(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, t, idx);
}

/// Replaces the mp.yield ending `block` with scf.yield of its operands cast
/// to `types` (ONNX branches may yield more static shapes than the op's).
void yieldAs(ConversionPatternRewriter &rewriter, Block &block, TypeRange types) {
  auto y = cast<YieldOp>(block.getTerminator());
  rewriter.setInsertionPoint(y);
  SmallVector<Value> vals;
  for (auto [v, t] : llvm::zip(y.getResults(), types))
    vals.push_back(castTo(rewriter, y.getLoc(), v, t));
  rewriter.replaceOpWithNewOp<scf::YieldOp>(y, vals);
}

struct IfPattern : OpConversionPattern<IfOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(IfOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value cond = scalarOf(rewriter, loc, adaptor.getCond());
    auto ifOp = scf::IfOp::create(rewriter, loc, op.getResultTypes(), cond,
                                  /*addThenBlock=*/false, /*addElseBlock=*/false);
    rewriter.inlineRegionBefore(op.getThenBranch(), ifOp.getThenRegion(),
                                ifOp.getThenRegion().end());
    rewriter.inlineRegionBefore(op.getElseBranch(), ifOp.getElseRegion(),
                                ifOp.getElseRegion().end());
    yieldAs(rewriter, ifOp.getThenRegion().front(), op.getResultTypes());
    yieldAs(rewriter, ifOp.getElseRegion().front(), op.getResultTypes());
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }
};

/// Initial row capacity of a Loop's stacked scan outputs when M is unknown
/// or larger; the buffers double when full.
constexpr int64_t kInitialCapacity = 64;

struct LoopPattern : OpConversionPattern<LoopOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LoopOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Block &body = op.getBody().front();
    auto yield = cast<YieldOp>(body.getTerminator());
    unsigned nCarried = adaptor.getVInitial().size();
    unsigned nScan = op.getNumResults() - nCarried;
    if (body.getNumArguments() != 2 + nCarried ||
        yield.getNumOperands() != 1 + nCarried + nScan)
      return rewriter.notifyMatchFailure(op, "body signature does not match");
    Type i64 = rewriter.getI64Type();
    Type idx = rewriter.getIndexType();
    Value maxTrip;
    if (adaptor.getM())
      maxTrip = convertScalar(rewriter, loc, scalarOf(rewriter, loc, adaptor.getM()), i64);
    // Scan-output buffers [capacity, slice...]: min(M, 64) rows to start
    // with (M is often a huge "forever" with cond deciding), doubled
    // whenever an iteration finds them full.
    Value capacity;
    if (nScan) {
      Value cap = arith::ConstantIntOp::create(rewriter, loc, kInitialCapacity, 64);
      if (maxTrip)
        cap = arith::MaxSIOp::create(
            rewriter, loc, arith::MinSIOp::create(rewriter, loc, maxTrip, cap),
            arith::ConstantIntOp::create(rewriter, loc, 1, 64));
      capacity = arith::IndexCastOp::create(rewriter, loc, idx, cap);
    }
    SmallVector<Value> inits;
    inits.push_back(arith::ConstantIntOp::create(rewriter, loc, 0, 64));
    inits.push_back(adaptor.getCond()
                        ? convertScalar(rewriter, loc,
                                        scalarOf(rewriter, loc, adaptor.getCond()),
                                        rewriter.getI1Type())
                        : arith::ConstantIntOp::create(rewriter, loc, 1, 1).getResult());
    for (unsigned k = 0; k < nCarried; ++k)
      inits.push_back(castTo(rewriter, loc, adaptor.getVInitial()[k],
                             op.getResult(k).getType()));
    for (unsigned k = 0; k < nScan; ++k) {
      auto slice = dyn_cast<RankedTensorType>(yield.getOperand(1 + nCarried + k).getType());
      if (!slice || !slice.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "scan output slices need static shapes");
      SmallVector<int64_t> shape = {ShapedType::kDynamic};
      llvm::append_range(shape, slice.getShape());
      inits.push_back(tensor::EmptyOp::create(rewriter, loc, shape,
                                              slice.getElementType(), ValueRange{capacity}));
    }
    SmallVector<Type> types = llvm::to_vector(ValueRange(inits).getTypes());
    SmallVector<Location> locs(types.size(), loc);
    auto whileOp = scf::WhileOp::create(rewriter, loc, types, inits);

    // Before: continue while cond (if given) and i < M (if given).
    Block *before = rewriter.createBlock(&whileOp.getBefore(), {}, types, locs);
    {
      Value go = before->getArgument(1);
      if (maxTrip) {
        Value lt = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt,
                                         before->getArgument(0), maxTrip);
        go = arith::AndIOp::create(rewriter, loc, go, lt);
      }
      scf::ConditionOp::create(rewriter, loc, go, before->getArguments());
    }

    // After: the body, with (iteration, cond) as one-element tensors.
    Block *after = rewriter.createBlock(&whileOp.getAfter(), {}, types, locs);
    Value iter = after->getArgument(0);
    SmallVector<Value> repl;
    repl.push_back(tensor::FromElementsOp::create(
        rewriter, loc, body.getArgument(0).getType(),
        ValueRange{convertScalar(rewriter, loc, iter,
                                 cast<ShapedType>(body.getArgument(0).getType())
                                     .getElementType())}));
    repl.push_back(tensor::FromElementsOp::create(
        rewriter, loc, body.getArgument(1).getType(), ValueRange{after->getArgument(1)}));
    for (unsigned k = 0; k < nCarried; ++k)
      repl.push_back(castTo(rewriter, loc, after->getArgument(2 + k),
                            body.getArgument(2 + k).getType()));
    rewriter.mergeBlocks(&body, after, repl);

    rewriter.setInsertionPoint(yield);
    SmallVector<Value> next;
    Value one = arith::ConstantIntOp::create(rewriter, loc, 1, 64);
    next.push_back(arith::AddIOp::create(rewriter, loc, iter, one));
    // The body's cond output decides the next iteration. (The ONNX spec's
    // pseudo-code ignores it when the cond input is absent; ONNX Runtime and
    // the ONNX reference evaluator do not, and we follow them.)
    next.push_back(convertScalar(rewriter, loc, scalarOf(rewriter, loc, yield.getOperand(0)),
                                 rewriter.getI1Type()));
    for (unsigned k = 0; k < nCarried; ++k)
      next.push_back(castTo(rewriter, loc, yield.getOperand(1 + k), types[2 + k]));
    Value at = arith::IndexCastOp::create(rewriter, loc, idx, iter);
    for (unsigned k = 0; k < nScan; ++k) {
      Value slice = yield.getOperand(1 + nCarried + k);
      auto st = cast<RankedTensorType>(slice.getType());
      // Full: copy into a buffer twice the size first.
      Value buf = after->getArgument(2 + nCarried + k);
      auto bufT = cast<RankedTensorType>(buf.getType());
      Value cap = tensor::DimOp::create(rewriter, loc, buf, 0);
      Value full = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, at, cap);
      auto grow = scf::IfOp::create(
          rewriter, loc, full,
          [&](OpBuilder &b, Location l) {
            Value twice = arith::MulIOp::create(b, l, cap, arith::ConstantIndexOp::create(b, l, 2));
            Value bigger = tensor::EmptyOp::create(b, l, bufT.getShape(), bufT.getElementType(),
                                                   ValueRange{twice});
            SmallVector<OpFoldResult> offs(bufT.getRank(), b.getIndexAttr(0));
            SmallVector<OpFoldResult> sizes = {cap};
            for (int64_t d = 1; d < bufT.getRank(); ++d)
              sizes.push_back(b.getIndexAttr(bufT.getDimSize(d)));
            SmallVector<OpFoldResult> strides(bufT.getRank(), b.getIndexAttr(1));
            Value copied = tensor::InsertSliceOp::create(b, l, buf, bigger, offs, sizes, strides);
            scf::YieldOp::create(b, l, copied);
          },
          [&](OpBuilder &b, Location l) { scf::YieldOp::create(b, l, buf); });
      SmallVector<OpFoldResult> offs(st.getRank() + 1, rewriter.getIndexAttr(0));
      offs[0] = at;
      SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(1)};
      for (int64_t s : st.getShape())
        sizes.push_back(rewriter.getIndexAttr(s));
      SmallVector<OpFoldResult> strides(st.getRank() + 1, rewriter.getIndexAttr(1));
      next.push_back(tensor::InsertSliceOp::create(rewriter, loc, slice, grow.getResult(0),
                                                   offs, sizes, strides));
    }
    scf::YieldOp::create(rewriter, loc, next);
    rewriter.eraseOp(yield);

    // Results: the carried values, and the scan buffers cut to the count.
    rewriter.setInsertionPointAfter(whileOp);
    SmallVector<Value> results;
    for (unsigned k = 0; k < nCarried; ++k)
      results.push_back(whileOp.getResult(2 + k));
    Value count = arith::IndexCastOp::create(rewriter, loc, idx, whileOp.getResult(0));
    for (unsigned k = 0; k < nScan; ++k) {
      Value buf = whileOp.getResult(2 + nCarried + k);
      auto bt = cast<RankedTensorType>(buf.getType());
      SmallVector<OpFoldResult> offs(bt.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = {count};
      for (int64_t d = 1; d < bt.getRank(); ++d)
        sizes.push_back(rewriter.getIndexAttr(bt.getDimSize(d)));
      SmallVector<OpFoldResult> strides(bt.getRank(), rewriter.getIndexAttr(1));
      Value cut = tensor::ExtractSliceOp::create(rewriter, loc, buf, offs, sizes, strides);
      results.push_back(castTo(rewriter, loc, cut, op.getResult(nCarried + k).getType()));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// Offsets/sizes selecting index `at` along `axis` of a tensor of type `t`
/// (size 1 there, full elsewhere).
void sliceAlong(OpBuilder &b, Location loc, Value source, int64_t axis, Value at,
                SmallVectorImpl<OpFoldResult> &offs,
                SmallVectorImpl<OpFoldResult> &sizes,
                SmallVectorImpl<OpFoldResult> &strides) {
  auto t = cast<RankedTensorType>(source.getType());
  for (int64_t d = 0; d < t.getRank(); ++d) {
    offs.push_back(d == axis ? OpFoldResult(at) : b.getIndexAttr(0));
    if (d == axis)
      sizes.push_back(b.getIndexAttr(1));
    else if (t.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, source, d).getResult());
    else
      sizes.push_back(b.getIndexAttr(t.getDimSize(d)));
    strides.push_back(b.getIndexAttr(1));
  }
}

/// `shape` with dim `axis` removed.
SmallVector<int64_t> dropDim(ArrayRef<int64_t> shape, int64_t axis) {
  SmallVector<int64_t> r;
  for (int64_t d = 0; d < (int64_t)shape.size(); ++d)
    if (d != axis)
      r.push_back(shape[d]);
  return r;
}

struct ScanPattern : OpConversionPattern<ScanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ValueRange ins = adaptor.getInitialStateAndScanInputs();
    int64_t nIn = op.getNumScanInputs();
    int64_t nState = (int64_t)ins.size() - nIn;
    int64_t nOut = (int64_t)op.getNumResults() - nState;
    Block &body = op.getBody().front();
    auto yield = cast<YieldOp>(body.getTerminator());
    if (nIn < 1 || nState < 0 || nOut < 0 ||
        body.getNumArguments() != (unsigned)(nState + nIn) ||
        yield.getNumOperands() != (unsigned)(nState + nOut))
      return rewriter.notifyMatchFailure(op, "body signature does not match");
    auto attrAt = [](std::optional<ArrayRef<int64_t>> a, int64_t i) -> int64_t {
      return a && i < (int64_t)a->size() ? (*a)[i] : 0;
    };
    SmallVector<int64_t> inAxes, inDirs, outAxes, outDirs;
    for (int64_t k = 0; k < nIn; ++k) {
      auto t = dyn_cast<RankedTensorType>(ins[nState + k].getType());
      if (!t)
        return rewriter.notifyMatchFailure(op, "unranked scan input");
      int64_t a = attrAt(op.getScanInputAxes(), k);
      inAxes.push_back(a < 0 ? a + t.getRank() : a);
      inDirs.push_back(attrAt(op.getScanInputDirections(), k));
    }
    for (int64_t k = 0; k < nOut; ++k) {
      auto t = dyn_cast<RankedTensorType>(op.getResult(nState + k).getType());
      if (!t)
        return rewriter.notifyMatchFailure(op, "unranked scan output");
      int64_t a = attrAt(op.getScanOutputAxes(), k);
      outAxes.push_back(a < 0 ? a + t.getRank() : a);
      outDirs.push_back(attrAt(op.getScanOutputDirections(), k));
    }
    Value len = tensor::DimOp::create(rewriter, loc, ins[nState], inAxes[0]);
    SmallVector<Value> inits;
    for (int64_t k = 0; k < nState; ++k)
      inits.push_back(castTo(rewriter, loc, ins[k], op.getResult(k).getType()));
    for (int64_t k = 0; k < nOut; ++k) {
      auto slice = dyn_cast<RankedTensorType>(yield.getOperand(nState + k).getType());
      if (!slice || !slice.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "scan output slices need static shapes");
      SmallVector<int64_t> shape(slice.getShape());
      shape.insert(shape.begin() + outAxes[k], ShapedType::kDynamic);
      inits.push_back(tensor::EmptyOp::create(rewriter, loc, shape,
                                              slice.getElementType(), ValueRange{len}));
    }
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value last = arith::SubIOp::create(rewriter, loc, len, c1);
    auto forOp = scf::ForOp::create(rewriter, loc, c0, len, c1, inits);
    Block *loopBody = forOp.getBody();
    rewriter.setInsertionPointToStart(loopBody);
    Value i = forOp.getInductionVar();
    Value rev = arith::SubIOp::create(rewriter, loc, last, i);
    SmallVector<Value> repl;
    for (int64_t k = 0; k < nState; ++k)
      repl.push_back(castTo(rewriter, loc, forOp.getRegionIterArgs()[k],
                            body.getArgument(k).getType()));
    for (int64_t k = 0; k < nIn; ++k) {
      Value src = ins[nState + k];
      auto st = cast<RankedTensorType>(src.getType());
      SmallVector<OpFoldResult> offs, sizes, strides;
      sliceAlong(rewriter, loc, src, inAxes[k], inDirs[k] ? rev : i, offs, sizes, strides);
      auto sliceType = RankedTensorType::get(dropDim(st.getShape(), inAxes[k]),
                                             st.getElementType());
      Value slice = tensor::ExtractSliceOp::create(rewriter, loc, sliceType, src, offs,
                                                   sizes, strides);
      repl.push_back(castTo(rewriter, loc, slice, body.getArgument(nState + k).getType()));
    }
    // scf.for builds a default scf.yield only when it carries nothing.
    if (!loopBody->empty() && loopBody->back().hasTrait<OpTrait::IsTerminator>())
      rewriter.eraseOp(&loopBody->back());
    rewriter.mergeBlocks(&body, loopBody, repl);
    rewriter.setInsertionPoint(yield);
    SmallVector<Value> next;
    for (int64_t k = 0; k < nState; ++k)
      next.push_back(castTo(rewriter, loc, yield.getOperand(k), inits[k].getType()));
    for (int64_t k = 0; k < nOut; ++k) {
      Value buf = forOp.getRegionIterArgs()[nState + k];
      SmallVector<OpFoldResult> offs, sizes, strides;
      sliceAlong(rewriter, loc, buf, outAxes[k], outDirs[k] ? rev : i, offs, sizes, strides);
      next.push_back(tensor::InsertSliceOp::create(rewriter, loc, yield.getOperand(nState + k),
                                                   buf, offs, sizes, strides));
    }
    scf::YieldOp::create(rewriter, loc, next);
    rewriter.eraseOp(yield);
    rewriter.setInsertionPointAfter(forOp);
    SmallVector<Value> results;
    for (int64_t k = 0; k < nState + nOut; ++k)
      results.push_back(castTo(rewriter, loc, forOp.getResult(k), op.getResult(k).getType()));
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mixprec::detail::populateControlFlowPatterns(RewritePatternSet &patterns) {
  patterns.add<IfPattern, LoopPattern, ScanPattern>(patterns.getContext());
}
