//===- LibraryCalls.cpp - mp-gpu-library-calls ----------------------------===//
//
// Matrix-product linalg.generics on memrefs become calls to the runtime's
// cuBLASLt wrapper, mpcudaMatmulI64 (see the pass description in
// Passes.td and include/mixprec/Runtime/CudaRuntime.h).
//
//===----------------------------------------------------------------------===//

#include "mixprec/Conversion/MpToLinalg.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"

namespace mixprec {
#define GEN_PASS_DEF_MPGPULIBRARYCALLS
#include "mixprec/Conversion/Passes.h.inc"
} // namespace mixprec

using namespace mlir;

namespace {

constexpr StringLiteral kMatmulFn = "mpcudaMatmulI64";

/// 0 f32, 1 f16, 2 bf16, -1 otherwise (the runtime's type codes).
int typeCode(Type t) {
  if (t.isF32())
    return 0;
  if (t.isF16())
    return 1;
  if (t.isBF16())
    return 2;
  return -1;
}

/// Looks through arith.extf to a block argument.
BlockArgument rootArg(Value v) {
  if (auto ext = v.getDefiningOp<arith::ExtFOp>())
    v = ext.getIn();
  return dyn_cast<BlockArgument>(v);
}

/// A matrix product in loop-dim groups: C[batch, M, N] = sum over K of
/// A[batch?, M, K] B[batch?, K, N], where each group may be several loop
/// dims that are adjacent in every operand (a convolution's K is channels x
/// kernel height x width, its N output height x width). Dims of extent 1
/// are ignored. An operand holds every batch dim or none (shared by the
/// batch), and its M/K or K/N groups in either order (transposed).
struct Gemm {
  SmallVector<int64_t> batch, m, n, k;
  bool transA, transB, bcastA, bcastB;
};

std::optional<Gemm> matchGemm(linalg::GenericOp g) {
  if (g.getNumDpsInputs() != 2 || g.getNumDpsInits() != 1 || g.getNumReductionLoops() == 0)
    return std::nullopt;
  Block &body = g.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  if (!add || body.getOperations().size() > 6)
    return std::nullopt;
  Value acc = add.getLhs(), prodV = add.getRhs();
  if (!isa<BlockArgument>(acc))
    std::swap(acc, prodV);
  auto prod = prodV.getDefiningOp<arith::MulFOp>();
  if (acc != body.getArgument(2) || !prod)
    return std::nullopt;
  BlockArgument x = rootArg(prod.getLhs()), y = rootArg(prod.getRhs());
  if (!x || !y || x.getArgNumber() + y.getArgNumber() != 1)
    return std::nullopt;
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  for (AffineMap m : maps)
    if (!m.isProjectedPermutation())
      return std::nullopt;
  SmallVector<int64_t> ranges = g.getStaticLoopRanges();
  // Each operand's non-trivial dims, in memory order.
  auto dimsOf = [&](AffineMap m) {
    SmallVector<int64_t> d;
    for (AffineExpr e : m.getResults()) {
      int64_t p = cast<AffineDimExpr>(e).getPosition();
      if (ranges[p] != 1)
        d.push_back(p);
    }
    return d;
  };
  SmallVector<int64_t> a = dimsOf(maps[0]), bm = dimsOf(maps[1]), c = dimsOf(maps[2]);
  auto in = [](ArrayRef<int64_t> v, int64_t d) { return llvm::is_contained(v, d); };
  Gemm r;
  // C = [batch..., M..., N...]: N trails (in B, not A), M before it (in A,
  // not B), the rest leads.
  size_t i = c.size();
  while (i > 0 && in(bm, c[i - 1]) && !in(a, c[i - 1]))
    --i;
  r.n.assign(c.begin() + i, c.end());
  size_t j = i;
  while (j > 0 && in(a, c[j - 1]) && !in(bm, c[j - 1]))
    --j;
  r.m.assign(c.begin() + j, c.begin() + i);
  r.batch.assign(c.begin(), c.begin() + j);
  for (int64_t d : a)
    if (!in(c, d))
      r.k.push_back(d);
  if (r.m.empty() || r.n.empty() || r.k.empty())
    return std::nullopt;
  // Every batch dim is in A or B; K is the reduction dims, in A and B.
  auto iters = g.getIteratorTypesArray();
  for (int64_t d : r.batch)
    if ((!in(a, d) && !in(bm, d)) || iters[d] != utils::IteratorType::parallel)
      return std::nullopt;
  SmallVector<int64_t> kb;
  for (int64_t d : bm)
    if (!in(c, d))
      kb.push_back(d);
  if (kb != r.k)
    return std::nullopt;
  for (int64_t d : r.k)
    if (iters[d] != utils::IteratorType::reduction)
      return std::nullopt;
  for (int64_t d = 0; d < (int64_t)ranges.size(); ++d)
    if (ranges[d] != 1 && iters[d] == utils::IteratorType::reduction && !in(r.k, d))
      return std::nullopt;
  // An operand is [batch | nothing] + [rows, cols] or [cols, rows].
  auto concat = [](ArrayRef<int64_t> x, ArrayRef<int64_t> y, ArrayRef<int64_t> z) {
    SmallVector<int64_t> v(x);
    v.append(y.begin(), y.end());
    v.append(z.begin(), z.end());
    return v;
  };
  auto layout = [&](ArrayRef<int64_t> d, ArrayRef<int64_t> rows, ArrayRef<int64_t> cols,
                    bool &trans, bool &bcast) {
    for (bool withBatch : {true, false}) {
      ArrayRef<int64_t> lead = withBatch ? ArrayRef<int64_t>(r.batch) : ArrayRef<int64_t>();
      if (withBatch && r.batch.empty())
        continue;
      if (d == ArrayRef<int64_t>(concat(lead, rows, cols))) {
        trans = false;
        bcast = !withBatch;
        return true;
      }
      if (d == ArrayRef<int64_t>(concat(lead, cols, rows))) {
        trans = true;
        bcast = !withBatch;
        return true;
      }
    }
    return false;
  };
  if (!layout(a, r.m, r.k, r.transA, r.bcastA) || !layout(bm, r.k, r.n, r.transB, r.bcastB))
    return std::nullopt;
  return r;
}

/// The linalg.fill of zero that is the last write to `buf` before `op` in
/// its block, if any.
linalg::FillOp zeroFillBefore(Operation *op, Value buf) {
  for (Operation *p = op->getPrevNode(); p; p = p->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(p)) {
      if (fill.getOutputs()[0] != buf)
        continue;
      return matchPattern(fill.getInputs()[0], m_AnyZeroFloat()) ? fill : linalg::FillOp();
    }
    // Anything else that may write memory ends the search.
    if (!isPure(p) && !isa<memref::AllocOp, memref::DeallocOp>(p))
      return {};
  }
  return {};
}

struct MpGpuLibraryCallsPass : mixprec::impl::MpGpuLibraryCallsBase<MpGpuLibraryCallsPass> {
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    auto module = fn->getParentOfType<ModuleOp>();
    struct Work {
      linalg::GenericOp g;
      Gemm gm;
      linalg::FillOp fill;
    };
    std::vector<Work> work;
    fn.walk([&](linalg::GenericOp g) {
      if (!g.hasPureBufferSemantics())
        return;
      auto gm = matchGemm(g);
      if (!gm)
        return;
      auto ta = cast<MemRefType>(g.getDpsInputs()[0].getType());
      auto tb = cast<MemRefType>(g.getDpsInputs()[1].getType());
      auto tc = cast<MemRefType>(g.getDpsInits()[0].getType());
      if (typeCode(ta.getElementType()) < 0 || ta.getElementType() != tb.getElementType() ||
          typeCode(tc.getElementType()) < 0 || !ta.getLayout().isIdentity() ||
          !tb.getLayout().isIdentity() || !tc.getLayout().isIdentity())
        return;
      linalg::FillOp fill = zeroFillBefore(g, g.getDpsInits()[0]);
      if (!fill)
        return;
      work.push_back({g, *gm, fill});
    });
    if (work.empty())
      return;
    OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
    auto i64 = mb.getI64Type(), i32 = mb.getI32Type();
    if (!module.lookupSymbol<func::FuncOp>(kMatmulFn)) {
      SmallVector<Type> args(10, i64);
      args.append(5, i32);
      auto decl = func::FuncOp::create(mb, module.getLoc(), kMatmulFn,
                                       mb.getFunctionType(args, {}));
      decl.setPrivate();
    }
    for (auto &[g, gm, fill] : work) {
      OpBuilder b(g);
      Location loc = g.getLoc();
      // Loop ranges from the operands' shapes.
      auto bounds = cast<linalg::LinalgOp>(g.getOperation()).createLoopRanges(b, loc);
      auto val = [&](int64_t dim) -> Value {
        return getValueOrCreateConstantIndexOp(b, loc, bounds[dim].size);
      };
      auto toI64 = [&](Value v) { return arith::IndexCastOp::create(b, loc, i64, v).getResult(); };
      auto addr = [&](Value m) {
        return toI64(memref::ExtractAlignedPointerAsIndexOp::create(b, loc, m));
      };
      auto product = [&](ArrayRef<int64_t> dims) {
        Value v = arith::ConstantIndexOp::create(b, loc, 1);
        for (int64_t d : dims)
          v = arith::MulIOp::create(b, loc, v, val(d));
        return v;
      };
      Value M = product(gm.m), N = product(gm.n), K = product(gm.k);
      Value batch = product(gm.batch);
      bool batched = !gm.batch.empty();
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value mk = arith::MulIOp::create(b, loc, M, K), kn = arith::MulIOp::create(b, loc, K, N),
            mn = arith::MulIOp::create(b, loc, M, N);
      Value sa = batched && !gm.bcastA ? mk : zero;
      Value sb = batched && !gm.bcastB ? kn : zero;
      Value sc = batched ? mn : zero;
      auto c32 = [&](int64_t v) {
        return arith::ConstantOp::create(b, loc, b.getIntegerAttr(i32, v)).getResult();
      };
      Value A = g.getDpsInputs()[0], B = g.getDpsInputs()[1], C = g.getDpsInits()[0];
      SmallVector<Value> args = {addr(A),   addr(B),   addr(C),   toI64(M),  toI64(N),
                                 toI64(K),  toI64(batch), toI64(sa), toI64(sb), toI64(sc),
                                 c32(gm.transA), c32(gm.transB),
                                 c32(typeCode(cast<MemRefType>(A.getType()).getElementType())),
                                 c32(typeCode(cast<MemRefType>(B.getType()).getElementType())),
                                 c32(typeCode(cast<MemRefType>(C.getType()).getElementType()))};
      func::CallOp::create(b, loc, kMatmulFn, TypeRange{}, args);
      g.erase();
      // beta = 0: the GEMM writes every element, the zero fill is dead.
      fill.erase();
    }
  }
};

} // namespace
