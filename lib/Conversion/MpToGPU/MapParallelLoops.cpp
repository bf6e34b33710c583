//===- MapParallelLoops.cpp - mp-gpu-map-parallel-loops -------------------===//
//
// Each outermost scf.parallel becomes a 1-D gpu.launch over its linearised
// iteration space (see the pass description in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "mixprec/Conversion/MpToLinalg.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/IRMapping.h"

namespace mixprec {
#define GEN_PASS_DEF_MPGPUMAPPARALLELLOOPS
#include "mixprec/Conversion/Passes.h.inc"
} // namespace mixprec

using namespace mlir;

namespace {

/// Rewrites `loop` into a gpu.launch with `blockSize` threads per block.
LogicalResult mapToLaunch(scf::ParallelOp loop, int64_t blockSize) {
  if (loop.getNumReductions() != 0)
    return failure();
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  // Trip counts: (ub - lb + step - 1) / step per dim.
  SmallVector<Value> trips;
  Value total = idx(1);
  for (auto [lb, ub, st] : llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    Value span = arith::SubIOp::create(b, loc, ub, lb);
    Value n = arith::CeilDivSIOp::create(b, loc, span, st);
    trips.push_back(n);
    total = arith::MulIOp::create(b, loc, total, n);
  }
  Value threads = idx(blockSize);
  Value blocks = arith::CeilDivSIOp::create(b, loc, total, threads);
  Value one = idx(1);
  auto launch = gpu::LaunchOp::create(b, loc, blocks, one, one, threads, one, one);
  OpBuilder ib = OpBuilder::atBlockBegin(&launch.getBody().front());
  Value lin = arith::AddIOp::create(
      ib, loc, arith::MulIOp::create(ib, loc, launch.getBlockIds().x, threads),
      launch.getThreadIds().x);
  Value inRange = arith::CmpIOp::create(ib, loc, arith::CmpIPredicate::slt, lin, total);
  auto guard = scf::IfOp::create(ib, loc, inRange, /*withElseRegion=*/false);
  OpBuilder gb = guard.getThenBodyBuilder();
  // Row-major delinearisation, innermost dim fastest.
  IRMapping map;
  Value rest = lin;
  SmallVector<Value> ivs(trips.size());
  for (int64_t d = (int64_t)trips.size() - 1; d >= 0; --d) {
    Value i = d == 0 ? rest : arith::RemSIOp::create(gb, loc, rest, trips[d]).getResult();
    if (d > 0)
      rest = arith::DivSIOp::create(gb, loc, rest, trips[d]);
    ivs[d] = arith::AddIOp::create(
        gb, loc, loop.getLowerBound()[d],
        arith::MulIOp::create(gb, loc, i, loop.getStep()[d]));
  }
  for (auto [iv, v] : llvm::zip(loop.getInductionVars(), ivs))
    map.map(iv, v);
  for (Operation &op : loop.getBody()->without_terminator())
    gb.clone(op, map);
  ib.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(ib, loc);
  loop.erase();
  return success();
}

struct MpGpuMapParallelLoopsPass
    : mixprec::impl::MpGpuMapParallelLoopsBase<MpGpuMapParallelLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (blockSize <= 0 || blockSize % 32) {
      getOperation().emitError() << "mp-gpu-map-parallel-loops: block-size must be a positive "
                                    "multiple of 32, got "
                                 << static_cast<int64_t>(blockSize.getValue());
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outer;
    getOperation().walk([&](scf::ParallelOp p) {
      if (!p->getParentOfType<scf::ParallelOp>() && !p->getParentOfType<gpu::LaunchOp>())
        outer.push_back(p);
    });
    for (scf::ParallelOp p : outer)
      (void)mapToLaunch(p, blockSize);
  }
};

} // namespace
