//===- EmulateLaunches.cpp - mp-gpu-emulate-launches ----------------------===//
//
// gpu.launch bodies as host loops, to check the GPU pipeline's mapping on a
// CPU (see the pass description in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "mixprec/Conversion/MpToLinalg.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/IRMapping.h"

namespace mixprec {
#define GEN_PASS_DEF_MPGPUEMULATELAUNCHES
#include "mixprec/Conversion/Passes.h.inc"
} // namespace mixprec

using namespace mlir;

namespace {

LogicalResult emulate(gpu::LaunchOp launch) {
  if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty() ||
      launch.getClusterSizeX())
    return launch.emitError("mp-gpu-emulate-launches: async or clustered launches are not emulated");
  bool barrier = false;
  launch.getBody().walk([&](gpu::BarrierOp) { barrier = true; });
  if (barrier)
    return launch.emitError("mp-gpu-emulate-launches: kernels with barriers are not emulated");
  if (!launch.getBody().hasOneBlock())
    return launch.emitError("mp-gpu-emulate-launches: only single-block kernels are emulated");
  OpBuilder b(launch);
  Location loc = launch.getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  // Loop order: bz, by, bx, tz, ty, tx.
  SmallVector<Value> bounds = {grid.z, grid.y, grid.x, block.z, block.y, block.x};
  SmallVector<Value> ivs;
  Block *inner = nullptr;
  OpBuilder lb = b;
  for (Value ub : bounds) {
    auto loop = scf::ForOp::create(lb, loc, zero, ub, one);
    ivs.push_back(loop.getInductionVar());
    inner = loop.getBody();
    lb.setInsertionPoint(inner->getTerminator());
  }
  IRMapping map;
  gpu::KernelDim3 bid = launch.getBlockIds(), tid = launch.getThreadIds();
  gpu::KernelDim3 gsz = launch.getGridSize(), bsz = launch.getBlockSize();
  map.map(bid.z, ivs[0]);
  map.map(bid.y, ivs[1]);
  map.map(bid.x, ivs[2]);
  map.map(tid.z, ivs[3]);
  map.map(tid.y, ivs[4]);
  map.map(tid.x, ivs[5]);
  map.map(gsz.x, grid.x);
  map.map(gsz.y, grid.y);
  map.map(gsz.z, grid.z);
  map.map(bsz.x, block.x);
  map.map(bsz.y, block.y);
  map.map(bsz.z, block.z);
  Block &body = launch.getBody().front();
  for (Operation &op : body.without_terminator())
    lb.clone(op, map);
  launch.erase();
  return success();
}

struct MpGpuEmulateLaunchesPass
    : mixprec::impl::MpGpuEmulateLaunchesBase<MpGpuEmulateLaunchesPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp l) { launches.push_back(l); });
    for (gpu::LaunchOp l : launches)
      if (failed(emulate(l)))
        return signalPassFailure();
  }
};

} // namespace
