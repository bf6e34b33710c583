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

/// Rewrites a full reduction into an atomic parallel loop.
LogicalResult atomize(linalg::GenericOp g) {
  if (g.getNumDpsInits() != 1 || g.getNumParallelLoops() != 0 || g.getNumLoops() == 0 ||
      !g.hasPureBufferSemantics())
    return failure();
  Block &body = g.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Operation *combiner = yield.getValues()[0].getDefiningOp();
  BlockArgument acc = body.getArgument(body.getNumArguments() - 1);
  if (!combiner || combiner->getNumOperands() != 2 || combiner->getBlock() != &body)
    return failure();
  Value other = combiner->getOperand(0) == acc   ? combiner->getOperand(1)
                : combiner->getOperand(1) == acc ? combiner->getOperand(0)
                                                 : Value();
  if (!other || llvm::count_if(acc.getUses(), [](OpOperand &) { return true; }) != 1)
    return failure();
  auto kind = atomicKind(combiner, acc.getType());
  if (!kind)
    return failure();
  OpBuilder b(g);
  Location loc = g.getLoc();
  SmallVector<Range> ranges =
      cast<linalg::LinalgOp>(g.getOperation()).createLoopRanges(b, loc);
  SmallVector<Value> lbs, ubs, steps;
  for (Range r : ranges) {
    lbs.push_back(getValueOrCreateConstantIndexOp(b, loc, r.offset));
    ubs.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
    steps.push_back(getValueOrCreateConstantIndexOp(b, loc, r.stride));
  }
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  auto loop = scf::ParallelOp::create(
      b, loc, lbs, ubs, steps, [&](OpBuilder &pb, Location l, ValueRange ivs) {
        IRMapping map;
        auto indices = [&](AffineMap m) {
          SmallVector<Value> idx;
          for (AffineExpr e : m.getResults())
            idx.push_back(affine::AffineApplyOp::create(
                pb, l, AffineMap::get(m.getNumDims(), 0, e), ivs));
          return idx;
        };
        for (OpOperand *in : g.getDpsInputOperands()) {
          BlockArgument arg = body.getArgument(in->getOperandNumber());
          if (arg.use_empty())
            continue;
          if (isa<MemRefType>(in->get().getType()))
            map.map(arg, memref::LoadOp::create(pb, l, in->get(),
                                                indices(maps[in->getOperandNumber()])));
          else
            map.map(arg, in->get());
        }
        for (Operation &op : body.without_terminator()) {
          if (&op == combiner)
            continue;
          // linalg.index inside the body: the loop's induction variable.
          if (auto idx = dyn_cast<linalg::IndexOp>(op)) {
            map.map(idx.getResult(), ivs[idx.getDim()]);
            continue;
          }
          pb.clone(op, map);
        }
        memref::AtomicRMWOp::create(pb, l, *kind, map.lookupOrDefault(other),
                                    g.getDpsInits()[0], indices(maps.back()));
      });
  (void)loop;
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
  if (g.getNumDpsInits() != 1 || g.getNumReductionLoops() != 1 ||
      g.getNumParallelLoops() == 0 || !g.hasPureBufferSemantics() ||
      g.getNumDpsInputs() == 0)
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
  Block &body = g.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Operation *combiner = yield.getValues()[0].getDefiningOp();
  BlockArgument acc = body.getArgument(body.getNumArguments() - 1);
  if (!combiner || combiner->getNumOperands() != 2 || combiner->getBlock() != &body ||
      !acc.hasOneUse())
    return failure();
  Value other = combiner->getOperand(0) == acc   ? combiner->getOperand(1)
                : combiner->getOperand(1) == acc ? combiner->getOperand(0)
                                                 : Value();
  auto kind = other ? atomicKind(combiner, acc.getType()) : std::nullopt;
  if (!kind)
    return failure();
  OpBuilder b(g);
  Location loc = g.getLoc();
  auto init = identity(*kind, acc.getType(), b);
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
        auto loop = scf::ForOp::create(
            pb, l, lane, kSize, arith::ConstantIndexOp::create(pb, l, lanes), ValueRange{initV},
            [&](OpBuilder &fb, Location fl, Value k, ValueRange iter) {
              // All loop ivs in linalg's order.
              SmallVector<Value> ivs(ranges.size());
              for (size_t j = 0; j < parDims.size(); ++j)
                ivs[parDims[j]] = pivs[j];
              ivs[red] = k;
              auto indices = [&](AffineMap m) {
                SmallVector<Value> idx;
                for (AffineExpr e : m.getResults())
                  idx.push_back(affine::AffineApplyOp::create(
                      fb, fl, AffineMap::get(m.getNumDims(), 0, e), ivs));
                return idx;
              };
              IRMapping map;
              for (OpOperand *in : g.getDpsInputOperands()) {
                BlockArgument arg = body.getArgument(in->getOperandNumber());
                if (arg.use_empty())
                  continue;
                if (isa<MemRefType>(in->get().getType()))
                  map.map(arg, memref::LoadOp::create(fb, fl, in->get(),
                                                      indices(maps[in->getOperandNumber()])));
                else
                  map.map(arg, in->get());
              }
              for (Operation &op : body.without_terminator()) {
                if (&op == combiner)
                  continue;
                if (auto idx = dyn_cast<linalg::IndexOp>(op)) {
                  map.map(idx.getResult(), ivs[idx.getDim()]);
                  continue;
                }
                fb.clone(op, map);
              }
              // The private accumulator: combiner(iter, value).
              IRMapping cm;
              cm.map(acc, iter[0]);
              cm.map(other, map.lookupOrDefault(other));
              Operation *c = fb.clone(*combiner, cm);
              scf::YieldOp::create(fb, fl, c->getResult(0));
            });
        SmallVector<Value> outIdx;
        SmallVector<Value> ivs(ranges.size());
        for (size_t j = 0; j < parDims.size(); ++j)
          ivs[parDims[j]] = pivs[j];
        for (AffineExpr e : maps.back().getResults())
          outIdx.push_back(affine::AffineApplyOp::create(
              pb, l, AffineMap::get(maps.back().getNumDims(), 0, e),
              ValueRange(llvm::map_to_vector(ivs, [&](Value v) {
                // The reduction dim does not appear in the output map.
                return v ? v : lane;
              }))));
        memref::AtomicRMWOp::create(pb, l, *kind, loop.getResult(0), g.getDpsInits()[0], outIdx);
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
