//===- MapParallelLoops.cpp - mp-gpu-map-parallel-loops -------------------===//
//
// Each outermost scf.parallel becomes a 1-D gpu.launch over its linearised
// iteration space (see the pass description in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "mixprec/Conversion/MpToLinalg.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"

#include <functional>

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

/// Whether `op` (with everything nested) can run in a kernel.
bool deviceSafe(Operation *op) {
  return !op->walk([](Operation *n) {
              if (isa<gpu::LaunchOp>(n))
                return WalkResult::interrupt();
              if (isa<memref::LoadOp, memref::StoreOp, memref::AtomicRMWOp>(n))
                return WalkResult::advance();
              StringRef d = n->getDialect() ? n->getDialect()->getNamespace() : "";
              if (d == "arith" || d == "math" || d == "scf" || d == "affine" || d == "index")
                return WalkResult::advance();
              return WalkResult::interrupt();
            })
              .wasInterrupted();
}

bool accessesMemory(Operation *op) {
  return op->walk([](Operation *n) {
             return isa<memref::LoadOp, memref::StoreOp, memref::AtomicRMWOp>(n)
                        ? WalkResult::interrupt()
                        : WalkResult::advance();
           })
      .wasInterrupted();
}

/// Moves `run` (consecutive device-safe ops of one block) into a
/// single-thread gpu.launch. Pure ops whose results the host still needs
/// are cloned instead of moved; a run whose loaded values escape stays.
void wrapRun(ArrayRef<Operation *> run) {
  llvm::SmallPtrSet<Operation *, 16> inRun(run.begin(), run.end());
  auto escapes = [&](Operation *op) {
    for (Value r : op->getResults())
      for (Operation *user : r.getUsers()) {
        Operation *top = run.front()->getBlock()->findAncestorOpInBlock(*user);
        if (!top || !inRun.contains(top))
          return true;
      }
    return false;
  };
  // Ops that must stay available on the host, and whether they can be
  // cloned (no memory access in them or in what they depend on in the run).
  llvm::SmallPtrSet<Operation *, 8> keep;
  std::function<bool(Operation *)> cloneable = [&](Operation *op) {
    if (accessesMemory(op) || !isPure(op))
      return false;
    for (Value v : op->getOperands())
      if (Operation *d = v.getDefiningOp(); d && inRun.contains(d) && !cloneable(d))
        return false;
    return true;
  };
  // A kept op stays on the host with everything it depends on in the run
  // (all pure); the kernel gets clones.
  std::function<void(Operation *)> keepWithDeps = [&](Operation *op) {
    if (!keep.insert(op).second)
      return;
    for (Value v : op->getOperands())
      if (Operation *d = v.getDefiningOp(); d && inRun.contains(d))
        keepWithDeps(d);
  };
  for (Operation *op : run)
    if (escapes(op)) {
      if (!cloneable(op))
        return;
      keepWithDeps(op);
    }
  OpBuilder b(run.front());
  Location loc = run.front()->getLoc();
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto launch = gpu::LaunchOp::create(b, loc, one, one, one, one, one, one);
  Block &body = launch.getBody().front();
  OpBuilder ib = OpBuilder::atBlockEnd(&body);
  auto term = gpu::TerminatorOp::create(ib, loc);
  IRMapping map;
  for (Operation *op : run) {
    if (keep.contains(op)) {
      ib.setInsertionPoint(term);
      ib.clone(*op, map);
      continue;
    }
    op->moveBefore(term);
  }
  // Moved ops read the kernel's clones of kept values.
  for (Operation &op : body.without_terminator())
    op.walk([&](Operation *n) {
      for (OpOperand &use : n->getOpOperands())
        if (Value m = map.lookupOrNull(use.get()))
          use.set(m);
    });
}

/// `mem` and the views of it (subview, expand/collapse_shape, ...).
llvm::SmallPtrSet<Value, 8> viewsOf(Value mem) {
  llvm::SmallPtrSet<Value, 8> all;
  SmallVector<Value> work = {mem};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!all.insert(v).second)
      continue;
    for (Operation *u : v.getUsers())
      if (auto view = dyn_cast<ViewLikeOpInterface>(u); view && view.getViewSource() == v)
        for (Value r : u->getResults())
          work.push_back(r);
  }
  return all;
}

/// Whether something between `from` and `to` (ops of one block) may write
/// `mem` or a view of it: a store or atomic to it, or a launch, call or copy
/// that uses it.
bool mayWriteBetween(Operation *from, Operation *to, Value mem) {
  llvm::SmallPtrSet<Value, 8> views = viewsOf(mem);
  for (Operation *op = from->getNextNode(); op && op != to; op = op->getNextNode()) {
    bool hit = false;
    op->walk([&](Operation *n) {
      if (auto st = dyn_cast<memref::StoreOp>(n))
        hit |= views.contains(st.getMemRef());
      else if (auto at = dyn_cast<memref::AtomicRMWOp>(n))
        hit |= views.contains(at.getMemref());
      else if (isa<func::CallOp, memref::CopyOp, linalg::LinalgOp>(n))
        hit |= llvm::any_of(n->getOperands(), [&](Value v) { return views.contains(v); });
    });
    if (hit)
      return true;
  }
  return false;
}

/// Host scalars that only kernels use (loads of 0-d state, the arithmetic
/// on them: bias corrections, a dropout seed) are recomputed inside each
/// kernel that uses them, so the host reads no device memory.
void sinkIntoLaunches(Block &block) {
  SmallVector<Operation *> ops;
  for (Operation &op : block.without_terminator())
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops)) {
    if (op->getNumResults() != 1 || op->getNumRegions() != 0)
      continue;
    auto load = dyn_cast<memref::LoadOp>(op);
    if (!load && !(isPure(op) && deviceSafe(op)))
      continue;
    // Every user is inside a launch.
    llvm::SetVector<gpu::LaunchOp> launches;
    bool onlyKernels = !op->use_empty();
    for (Operation *user : op->getUsers()) {
      auto l = user->getParentOfType<gpu::LaunchOp>();
      while (l && l->getBlock() != &block)
        l = l->getParentOfType<gpu::LaunchOp>();
      if (!l) {
        onlyKernels = false;
        break;
      }
      launches.insert(l);
    }
    if (!onlyKernels)
      continue;
    if (load && llvm::any_of(launches, [&](gpu::LaunchOp l) {
          return mayWriteBetween(op, l, load.getMemRef());
        }))
      continue;
    for (gpu::LaunchOp l : launches) {
      OpBuilder b = OpBuilder::atBlockBegin(&l.getBody().front());
      Operation *clone = b.clone(*op);
      op->getResult(0).replaceUsesWithIf(clone->getResult(0), [&](OpOperand &use) {
        return l->isProperAncestor(use.getOwner());
      });
    }
    if (op->use_empty())
      op->erase();
  }
}

/// Wraps the memory-accessing host code of `block` into kernels.
void wrapHostCode(Block &block) {
  SmallVector<SmallVector<Operation *>> runs(1);
  for (Operation &op : block.without_terminator()) {
    if (deviceSafe(&op)) {
      runs.back().push_back(&op);
    } else if (!runs.back().empty()) {
      runs.emplace_back();
    }
  }
  for (auto &run : runs)
    if (!run.empty() && llvm::any_of(run, accessesMemory))
      wrapRun(run);
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
    func::FuncOp fn = getOperation();
    if (hostCodeToKernels)
      for (Block &block : fn.getBody()) {
        sinkIntoLaunches(block);
        wrapHostCode(block);
      }
    // A function whose host code no longer touches memory only queues work
    // on the stream: it need not wait for each kernel, only before it
    // returns (mpcudaDeferSync(1) at entry, mpcudaDeferSync(0) at returns).
    bool hostTouchesMemory = fn.walk([](Operation *op) {
                                 if (op->getParentOfType<gpu::LaunchOp>())
                                   return WalkResult::skip();
                                 return isa<memref::LoadOp, memref::StoreOp, memref::AtomicRMWOp,
                                            memref::CopyOp>(op)
                                            ? WalkResult::interrupt()
                                            : WalkResult::advance();
                               })
                                 .wasInterrupted();
    bool hasKernels = !fn.getOps<gpu::LaunchOp>().empty();
    if (deferSync && hasKernels && !hostTouchesMemory && fn.getBody().hasOneBlock()) {
      auto module = fn->getParentOfType<ModuleOp>();
      OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
      if (!module.lookupSymbol<func::FuncOp>("mpcudaDeferSync")) {
        auto decl = func::FuncOp::create(mb, module.getLoc(), "mpcudaDeferSync",
                                         mb.getFunctionType({mb.getI32Type()}, {}));
        decl.setPrivate();
      }
      auto call = [&](OpBuilder &b, int v) {
        Value c = arith::ConstantOp::create(b, fn.getLoc(), b.getI32IntegerAttr(v));
        func::CallOp::create(b, fn.getLoc(), "mpcudaDeferSync", TypeRange{}, ValueRange{c});
      };
      OpBuilder eb = OpBuilder::atBlockBegin(&fn.getBody().front());
      call(eb, 1);
      fn.walk([&](func::ReturnOp ret) {
        OpBuilder rb(ret);
        call(rb, 0);
      });
      fn->setAttr("mp.device_only", UnitAttr::get(&getContext()));
    }
  }
};

} // namespace
