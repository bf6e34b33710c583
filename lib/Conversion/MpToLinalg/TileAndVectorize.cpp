//===- TileAndVectorize.cpp - mp-tile-and-vectorize -----------------------===//
//
// Register-blocks the contractions that convert-mp-to-linalg produces
// (MatMul, Gemm, the im2col Conv matmul) with upstream transforms:
//
//   1. scf::tileUsingSCF tiles the innermost M and N dims by `m-tile` x
//      `n-tile` and the reduction by `k-tile`, every other dim by 1, with the
//      reduction loop innermost;
//   2. loops whose trip count the tile does not divide are peeled, so the
//      main loop has static full tiles (the remainder stays scalar and is
//      vectorised, if at all, by LLVM);
//   3. linalg::vectorize turns every full tile into vector.contract on
//      transfer reads/writes;
//   4. the accumulator read/write is hoisted out of the reduction loop
//      (hoistLoopInvariantSubsets), so the M x N block lives in registers
//      across K;
//   5. vector.contract is lowered to outer products (FMAs).
//
//===----------------------------------------------------------------------===//

#include "mixprec/Conversion/MpToLinalg.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mixprec {
#define GEN_PASS_DEF_MPTILEANDVECTORIZE
#include "mixprec/Conversion/Passes.h.inc"
} // namespace mixprec

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kTileMarker = "__mp_tile__";

/// Index of the dim in `dims` that the output map places last (the most
/// contiguous one), or the last of `dims` if none appears there.
unsigned innermost(linalg::LinalgOp op, ArrayRef<unsigned> dims) {
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  for (AffineExpr e : llvm::reverse(out.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(e))
      if (llvm::is_contained(dims, d.getPosition()))
        return d.getPosition();
  return dims.back();
}

/// Tile sizes and loop interchange for one contraction, or failure if it is
/// not a plain static contraction worth blocking.
LogicalResult planTiles(linalg::LinalgOp op, int64_t mTile, int64_t nTile,
                        int64_t kTile, SmallVectorImpl<int64_t> &sizes,
                        SmallVectorImpl<int64_t> &interchange) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return failure();
  FailureOr<linalg::ContractionDimensions> cd = linalg::inferContractionDims(op);
  if (failed(cd) || cd->m.empty() || cd->n.empty() || cd->k.empty())
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return failure();
  unsigned m = innermost(op, cd->m), n = innermost(op, cd->n);
  unsigned k = cd->k.back();
  // Too small to be worth it (and tiny tiles would only add overhead).
  if (ranges[m] < mTile || ranges[n] < nTile)
    return failure();
  sizes.assign(op.getNumLoops(), 1);
  sizes[m] = mTile;
  sizes[n] = nTile;
  sizes[k] = std::min(kTile, ranges[k]);
  // Loop nest order: batch, N, M, then the reductions innermost, so the
  // accumulator block is invariant in the reduction loop. N outside M keeps
  // one K x n-tile panel of B hot in cache while every M block of A streams
  // past it: with an 8 x 32 block that streams A N/32 times instead of
  // streaming B M/8 times.
  interchange.clear();
  for (ArrayRef<unsigned> group : {ArrayRef<unsigned>(cd->batch),
                                   ArrayRef<unsigned>(cd->n),
                                   ArrayRef<unsigned>(cd->m),
                                   ArrayRef<unsigned>(cd->k)})
    for (unsigned d : group)
      interchange.push_back(d);
  if (interchange.size() != op.getNumLoops())
    return failure();
  return success();
}

/// Tiles `op` (sizes of 0 leave a dim untiled) and peels every loop that
/// the tile does not divide, so the main loop carries full static tiles.
LogicalResult tileAndPeel(RewriterBase &rewriter, linalg::LinalgOp op,
                          ArrayRef<int64_t> sizes, ArrayRef<int64_t> interchange) {
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(op->getContext(), sizes));
  if (!interchange.empty())
    options.setInterchange(interchange);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  for (LoopLikeOpInterface loop : tiled->loops) {
    auto forOp = dyn_cast<scf::ForOp>(loop.getOperation());
    if (!forOp)
      continue;
    scf::ForOp partial;
    (void)scf::peelForLoopAndSimplifyBounds(rewriter, forOp, partial);
  }
  return success();
}

/// Canonicalizes `func` so that the peeled tiles' slice sizes (constants
/// after peeling) become static operand types.
LogicalResult foldToStaticTiles(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  RewritePatternSet patterns(ctx);
  for (RegisteredOperationName name : ctx->getRegisteredOperations())
    if (isa<linalg::LinalgDialect, tensor::TensorDialect, affine::AffineDialect,
            scf::SCFDialect, arith::ArithDialect>(name.getDialect()))
      name.getCanonicalizationPatterns(patterns, ctx);
  // Linalg's dialect-level patterns fold the tensor.casts around the peeled
  // tiles into the ops' operand types.
  ctx->getOrLoadDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(
      patterns);
  return applyPatternsGreedily(func, std::move(patterns));
}

struct MpTileAndVectorizePass
    : mixprec::impl::MpTileAndVectorizeBase<MpTileAndVectorizePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);

    // 1-2. Tile and peel.
    SmallVector<linalg::LinalgOp> targets;
    func.walk([&](linalg::LinalgOp op) { targets.push_back(op); });
    for (linalg::LinalgOp op : targets) {
      SmallVector<int64_t> sizes, interchange;
      if (failed(planTiles(op, mTile, nTile, kTile, sizes, interchange)))
        continue;
      op->setAttr(kTileMarker, UnitAttr::get(ctx));
      if (failed(tileAndPeel(rewriter, op, sizes, interchange)))
        op->removeAttr(kTileMarker);
    }
    if (failed(foldToStaticTiles(func)))
      return signalPassFailure();

    // 2b. A remainder tile r columns wide (r < n-tile, not a multiple of the
    // 8-lane half vector) would become one odd-width vector, which LLVM
    // legalises element by element. Split it into 16/8/4-wide tiles plus a
    // scalar tail narrower than 4 instead.
    for (int round = 0; round < 3; ++round) {
      bool changed = false;
      SmallVector<linalg::LinalgOp> tiles;
      func.walk([&](linalg::LinalgOp op) {
        if (op->hasAttr(kTileMarker))
          tiles.push_back(op);
      });
      for (linalg::LinalgOp op : tiles) {
        SmallVector<int64_t> ranges = op.getStaticLoopRanges();
        FailureOr<linalg::ContractionDimensions> cd =
            linalg::inferContractionDims(op);
        if (failed(cd) || cd->n.empty() ||
            llvm::any_of(ranges, ShapedType::isDynamic))
          continue;
        unsigned n = innermost(op, cd->n);
        int64_t r = ranges[n];
        if (r % 8 == 0 || r < 4)
          continue;
        int64_t w = r >= 16 ? 16 : r >= 8 ? 8 : 4;
        SmallVector<int64_t> sizes(op.getNumLoops(), 0);
        sizes[n] = w;
        if (succeeded(tileAndPeel(rewriter, op, sizes, {})))
          changed = true;
      }
      if (!changed)
        break;
      if (failed(foldToStaticTiles(func)))
        return signalPassFailure();
    }

    // 3. Vectorize every full (static) tile.
    SmallVector<linalg::LinalgOp> tiles;
    func.walk([&](linalg::LinalgOp op) {
      if (op->hasAttr(kTileMarker))
        tiles.push_back(op);
    });
    for (linalg::LinalgOp op : tiles) {
      op->removeAttr(kTileMarker);
      if (!op.hasPureTensorSemantics() ||
          llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
        continue;
      // Drop the unit parallel dims (batch dims tiled by 1) so the tile is
      // a plain 2-D (M x N) block; a leading unit dim would otherwise turn
      // the contraction lowering into element-wise shuffles.
      if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation())) {
        linalg::ControlDropUnitDims control;
        control.rankReductionStrategy = linalg::ControlDropUnitDims::
            RankReductionStrategy::ExtractInsertSlice;
        control.controlFn = [](Operation *o) {
          auto g = cast<linalg::GenericOp>(o);
          SmallVector<unsigned> dims;
          SmallVector<int64_t> ranges = g.getStaticLoopRanges();
          for (unsigned d = 0; d < g.getNumLoops(); ++d)
            if (ranges[d] == 1 &&
                g.getIteratorTypesArray()[d] == utils::IteratorType::parallel)
              dims.push_back(d);
          return dims;
        };
        rewriter.setInsertionPoint(generic);
        FailureOr<linalg::DropUnitDimsResult> dropped =
            linalg::dropUnitDims(rewriter, generic, control);
        if (succeeded(dropped)) {
          rewriter.replaceOp(generic, dropped->replacements);
          op = cast<linalg::LinalgOp>(dropped->resultOp.getOperation());
        }
      }
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::VectorizationResult> v =
          linalg::vectorize(rewriter, op, /*inputVectorSizes=*/{},
                            /*inputScalableVecDims=*/{},
                            /*vectorizeNDExtract=*/false,
                            /*flatten1DDepthwiseConv=*/false,
                            /*assumeDynamicDimsMatchVecSizes=*/false,
                            /*createNamedContraction=*/true);
      if (succeeded(v))
        rewriter.replaceOp(op, v->replacements);
    }

    // 4. Keep the accumulator block in registers across the reduction loop.
    {
      RewritePatternSet patterns(ctx);
      // extf(broadcast(x)) -> broadcast(extf(x)), so an f16 x f16 -> f32
      // body still folds into one vector.contract.
      vector::populateSinkVectorOpsPatterns(patterns);
      vector::populateVectorReductionToContractPatterns(patterns);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
      vector::populateVectorTransferDropUnitDimsPatterns(patterns);
      for (RegisteredOperationName name : ctx->getRegisteredOperations())
        if (isa<vector::VectorDialect, tensor::TensorDialect>(name.getDialect()))
          name.getCanonicalizationPatterns(patterns, ctx);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
    SmallVector<scf::ForOp> loops;
    func.walk([&](scf::ForOp loop) { loops.push_back(loop); });
    // Innermost first (walk is post-order), so a hoisted subset can be
    // hoisted again from the enclosing loop.
    for (scf::ForOp loop : loops)
      (void)hoistLoopInvariantSubsets(rewriter, loop);
    // Drop the iter_args the hoisting left unchanged, so bufferization sees
    // one in-place read-modify-write of the accumulator tile.
    {
      RewritePatternSet patterns(ctx);
      for (RegisteredOperationName name : ctx->getRegisteredOperations())
        if (isa<scf::SCFDialect, tensor::TensorDialect, vector::VectorDialect>(
                name.getDialect()))
          name.getCanonicalizationPatterns(patterns, ctx);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }

    // 5. vector.contract -> outer products -> FMAs. No canonicalization
    // after this point: it would fold the chains of vector.insert that
    // rebuild the accumulator block into scalar vector.from_elements.
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorContractLoweringPatterns(
          patterns, vector::VectorContractLowering::OuterProduct);
      vector::populateVectorTransposeLoweringPatterns(
          patterns, vector::VectorTransposeLowering::EltWise);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      vector::populateVectorOuterProductLoweringPatterns(patterns);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
  }
};

} // namespace
