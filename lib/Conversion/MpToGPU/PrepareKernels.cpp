//===- PrepareKernels.cpp - mp-gpu-prepare-kernels ------------------------===//
//
// Full reductions become atomic parallel loops and memref.copy becomes
// linalg.copy (see the pass description in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "mixprec/Conversion/MpToLinalg.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"

#include <cmath>

namespace mixprec {
#define GEN_PASS_DEF_MPGPUPREPAREKERNELS
#include "mixprec/Conversion/Passes.h.inc"
} // namespace mixprec

using namespace mlir;

namespace {

/// The atomic kind for a combiner `acc = op(acc, v)`, if there is one.
std::optional<arith::AtomicRMWKind> atomicKind(Operation *combiner, Type t) {
  bool f = t.isF32() || t.isF64(), i = t.isInteger(32) || t.isInteger(64);
  if (f && isa<arith::AddFOp>(combiner))
    return arith::AtomicRMWKind::addf;
  if (f && isa<arith::MaximumFOp>(combiner))
    return arith::AtomicRMWKind::maximumf;
  if (f && isa<arith::MinimumFOp>(combiner))
    return arith::AtomicRMWKind::minimumf;
  if (i && isa<arith::AddIOp>(combiner))
    return arith::AtomicRMWKind::addi;
  if (i && isa<arith::OrIOp>(combiner))
    return arith::AtomicRMWKind::ori;
  return std::nullopt;
}

/// A reduction `acc = combiner(acc, other)` with an atomic form: the last
/// statement of a single-output linalg.generic.
struct Reduction {
  Operation *combiner;
  BlockArgument acc;
  Value other;
  arith::AtomicRMWKind kind;
};

std::optional<Reduction> matchReduction(linalg::GenericOp g) {
  if (g.getNumDpsInits() != 1 || !g.hasPureBufferSemantics())
    return std::nullopt;
  Block &body = g.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Operation *combiner = yield.getValues()[0].getDefiningOp();
  BlockArgument acc = body.getArgument(body.getNumArguments() - 1);
  if (!combiner || combiner->getNumOperands() != 2 || combiner->getBlock() != &body ||
      !acc.hasOneUse())
    return std::nullopt;
  Value other = combiner->getOperand(0) == acc   ? combiner->getOperand(1)
                : combiner->getOperand(1) == acc ? combiner->getOperand(0)
                                                 : Value();
  auto kind = other ? atomicKind(combiner, acc.getType()) : std::nullopt;
  if (!kind)
    return std::nullopt;
  return Reduction{combiner, acc, other, *kind};
}

/// The indices the indexing map `m` selects at the loop point `ivs`.
SmallVector<Value> indicesAt(OpBuilder &b, Location l, AffineMap m, ValueRange ivs) {
  SmallVector<Value> idx;
  for (AffineExpr e : m.getResults())
    idx.push_back(affine::AffineApplyOp::create(b, l, AffineMap::get(m.getNumDims(), 0, e), ivs));
  return idx;
}

/// Emits the body of `g` at the loop point `ivs` (its memref inputs loaded
/// there, linalg.index as the induction variables), all but the combiner;
/// returns the value the combiner folds into the accumulator.
Value emitBodyAt(OpBuilder &b, Location l, linalg::GenericOp g, const Reduction &r,
                 ValueRange ivs) {
  Block &body = g.getRegion().front();
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  IRMapping map;
  for (OpOperand *in : g.getDpsInputOperands()) {
    BlockArgument arg = body.getArgument(in->getOperandNumber());
    if (arg.use_empty())
      continue;
    if (isa<MemRefType>(in->get().getType()))
      map.map(arg, memref::LoadOp::create(b, l, in->get(),
                                          indicesAt(b, l, maps[in->getOperandNumber()], ivs)));
    else
      map.map(arg, in->get());
  }
  for (Operation &op : body.without_terminator()) {
    if (&op == r.combiner)
      continue;
    if (auto idx = dyn_cast<linalg::IndexOp>(op)) {
      map.map(idx.getResult(), ivs[idx.getDim()]);
      continue;
    }
    b.clone(op, map);
  }
  return map.lookupOrDefault(r.other);
}

/// Rewrites a full reduction into an atomic parallel loop.
LogicalResult atomize(linalg::GenericOp g) {
  if (g.getNumParallelLoops() != 0 || g.getNumLoops() == 0)
    return failure();
  std::optional<Reduction> r = matchReduction(g);
  if (!r)
    return failure();
  OpBuilder b(g);
  Location loc = g.getLoc();
  SmallVector<Range> ranges =
      cast<linalg::LinalgOp>(g.getOperation()).createLoopRanges(b, loc);
  SmallVector<Value> lbs, ubs, steps;
  for (Range range : ranges) {
    lbs.push_back(getValueOrCreateConstantIndexOp(b, loc, range.offset));
    ubs.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
    steps.push_back(getValueOrCreateConstantIndexOp(b, loc, range.stride));
  }
  AffineMap outMap = g.getIndexingMapsArray().back();
  scf::ParallelOp::create(b, loc, lbs, ubs, steps, [&](OpBuilder &pb, Location l, ValueRange ivs) {
    Value v = emitBodyAt(pb, l, g, *r, ivs);
    memref::AtomicRMWOp::create(pb, l, r->kind, v, g.getDpsInits()[0],
                                indicesAt(pb, l, outMap, ivs));
  });
  g.erase();
  return success();
}

/// The combiner's identity (the private accumulator's start).
std::optional<TypedAttr> identity(arith::AtomicRMWKind kind, Type t, OpBuilder &b) {
  switch (kind) {
  case arith::AtomicRMWKind::addf:
    return b.getFloatAttr(t, 0.0);
  case arith::AtomicRMWKind::maximumf:
    return b.getFloatAttr(t, -INFINITY);
  case arith::AtomicRMWKind::minimumf:
    return b.getFloatAttr(t, INFINITY);
  case arith::AtomicRMWKind::addi:
  case arith::AtomicRMWKind::ori:
    return b.getIntegerAttr(t, 0);
  default:
    return std::nullopt;
  }
}

/// A reduction along the innermost dim of its input (a softmax or
/// normalisation row, a mean over features) becomes `kLanes` threads per
/// output element: lane l accumulates elements l, l + kLanes, ... privately
/// (adjacent lanes read adjacent elements: coalesced) and combines its
/// partial result into the output atomically.
LogicalResult splitRows(linalg::GenericOp g, int64_t kLanes) {
  if (g.getNumReductionLoops() != 1 || g.getNumParallelLoops() == 0 || g.getNumDpsInputs() == 0)
    return failure();
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  auto iters = g.getIteratorTypesArray();
  int64_t red = -1;
  for (int64_t i = 0; i < (int64_t)iters.size(); ++i)
    if (iters[i] == utils::IteratorType::reduction)
      red = i;
  // The reduction dim is the innermost dim of the first input.
  AffineMap in0 = maps.front();
  if (in0.getNumResults() == 0 || in0.getResults().back() != getAffineDimExpr(red, g.getContext()))
    return failure();
  std::optional<Reduction> r = matchReduction(g);
  if (!r)
    return failure();
  OpBuilder b(g);
  Location loc = g.getLoc();
  auto init = identity(r->kind, r->acc.getType(), b);
  if (!init)
    return failure();
  SmallVector<Range> ranges = cast<linalg::LinalgOp>(g.getOperation()).createLoopRanges(b, loc);
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  // Lanes: kLanes, or fewer for a short static row.
  int64_t lanes = kLanes;
  if (auto k = getConstantIntValue(ranges[red].size))
    lanes = std::max<int64_t>(1, std::min<int64_t>(kLanes, *k));
  SmallVector<Value> lbs, ubs, steps;
  SmallVector<int64_t> parDims;
  for (int64_t i = 0; i < (int64_t)ranges.size(); ++i) {
    if (i == red)
      continue;
    parDims.push_back(i);
    lbs.push_back(getValueOrCreateConstantIndexOp(b, loc, ranges[i].offset));
    ubs.push_back(getValueOrCreateConstantIndexOp(b, loc, ranges[i].size));
    steps.push_back(getValueOrCreateConstantIndexOp(b, loc, ranges[i].stride));
  }
  // The lane is the innermost (fastest) parallel dim.
  lbs.push_back(cst(0));
  ubs.push_back(cst(lanes));
  steps.push_back(cst(1));
  Value kSize = getValueOrCreateConstantIndexOp(b, loc, ranges[red].size);
  Value initV = arith::ConstantOp::create(b, loc, *init);
  scf::ParallelOp::create(
      b, loc, lbs, ubs, steps, [&](OpBuilder &pb, Location l, ValueRange pivs) {
        Value lane = pivs.back();
        // All loop ivs in linalg's order; the reduction dim's is set per
        // iteration (the output map does not use it).
        SmallVector<Value> ivs(ranges.size(), lane);
        for (size_t j = 0; j < parDims.size(); ++j)
          ivs[parDims[j]] = pivs[j];
        auto loop = scf::ForOp::create(
            pb, l, lane, kSize, arith::ConstantIndexOp::create(pb, l, lanes), ValueRange{initV},
            [&](OpBuilder &fb, Location fl, Value k, ValueRange iter) {
              SmallVector<Value> at = ivs;
              at[red] = k;
              Value v = emitBodyAt(fb, fl, g, *r, at);
              // The private accumulator: combiner(iter, value).
              IRMapping cm;
              cm.map(r->acc, iter[0]);
              cm.map(r->other, v);
              Operation *c = fb.clone(*r->combiner, cm);
              scf::YieldOp::create(fb, fl, c->getResult(0));
            });
        memref::AtomicRMWOp::create(pb, l, r->kind, loop.getResult(0), g.getDpsInits()[0],
                                    indicesAt(pb, l, maps.back(), ivs));
      });
  g.erase();
  return success();
}

struct MpGpuPrepareKernelsPass
    : mixprec::impl::MpGpuPrepareKernelsBase<MpGpuPrepareKernelsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> reductions;
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](Operation *op) {
      if (auto g = dyn_cast<linalg::GenericOp>(op))
        reductions.push_back(g);
      else if (auto c = dyn_cast<memref::CopyOp>(op))
        copies.push_back(c);
    });
    for (linalg::GenericOp g : reductions)
      if (failed(atomize(g)))
        (void)splitRows(g, 32);
    for (memref::CopyOp c : copies) {
      OpBuilder b(c);
      linalg::CopyOp::create(b, c.getLoc(), c.getSource(), c.getTarget());
      c.erase();
    }
  }
};

} // namespace
