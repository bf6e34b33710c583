//===- PrepareKernels.cpp - mp-gpu-prepare-kernels ------------------------===//
//
// Full reductions become atomic parallel loops and memref.copy becomes
// linalg.copy (see the pass description in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "mixprec/Conversion/MpToLinalg.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"

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
      (void)atomize(g);
    for (memref::CopyOp c : copies) {
      OpBuilder b(c);
      linalg::CopyOp::create(b, c.getLoc(), c.getSource(), c.getTarget());
      c.erase();
    }
  }
};

} // namespace
