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

/// The dims of a matrix product in loop-dim numbering.
struct Gemm {
  int64_t b = -1, m, n, k;
  bool transA, transB, bcastA, bcastB;
};

/// Whether `g` computes out += extf(in0) * extf(in1) with one reduction
/// dim, and which loop dims are batch, M, N and K.
std::optional<Gemm> matchGemm(linalg::GenericOp g) {
  if (g.getNumDpsInputs() != 2 || g.getNumDpsInits() != 1 || g.getNumReductionLoops() != 1)
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
  auto dimsOf = [](AffineMap m) {
    SmallVector<int64_t> d;
    for (AffineExpr e : m.getResults())
      d.push_back(cast<AffineDimExpr>(e).getPosition());
    return d;
  };
  SmallVector<int64_t> a = dimsOf(maps[0]), bm = dimsOf(maps[1]), c = dimsOf(maps[2]);
  if (c.size() != 2 && c.size() != 3)
    return std::nullopt;
  Gemm r;
  r.m = c[c.size() - 2];
  r.n = c[c.size() - 1];
  if (c.size() == 3)
    r.b = c[0];
  auto iters = g.getIteratorTypesArray();
  r.k = -1;
  for (int64_t i = 0; i < (int64_t)iters.size(); ++i)
    if (iters[i] == utils::IteratorType::reduction)
      r.k = i;
  // A: [b?, m, k] or [b?, k, m]; B: [b?, k, n] or [b?, n, k].
  auto operand = [&](ArrayRef<int64_t> d, int64_t row, int64_t col, bool &trans,
                     bool &bcast) -> bool {
    size_t off = 0;
    bcast = true;
    if (d.size() == 3) {
      if (d[0] != r.b)
        return false;
      bcast = false;
      off = 1;
    } else if (d.size() != 2) {
      return false;
    }
    if (r.b < 0)
      bcast = false;
    if (d[off] == row && d[off + 1] == col)
      trans = false;
    else if (d[off] == col && d[off + 1] == row)
      trans = true;
    else
      return false;
    return true;
  };
  if (!operand(a, r.m, r.k, r.transA, r.bcastA) || !operand(bm, r.k, r.n, r.transB, r.bcastB))
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
    SmallVector<Work> work;
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
      Value M = val(gm.m), N = val(gm.n), K = val(gm.k);
      Value batch = gm.b >= 0 ? val(gm.b) : arith::ConstantIndexOp::create(b, loc, 1).getResult();
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value mk = arith::MulIOp::create(b, loc, M, K), kn = arith::MulIOp::create(b, loc, K, N),
            mn = arith::MulIOp::create(b, loc, M, N);
      Value sa = gm.b >= 0 && !gm.bcastA ? mk : zero;
      Value sb = gm.b >= 0 && !gm.bcastB ? kn : zero;
      Value sc = gm.b >= 0 ? mn : zero;
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
