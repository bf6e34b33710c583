//===- MpToLinalg.cpp - lower mp ops to linalg/tensor/arith/math ----------===//
//
// One OpConversionPattern per op family, exposed through
// populateMpToLinalgConversionPatterns. Assigned precisions are honoured:
// element types are kept as they are, and Compute ops and reductions whose
// storage is f16/bf16 accumulate in f32 inside the linalg body (no casts
// materialised as separate ops).
//
// Coverage is a subset of the dialect (see docs/cpu-execution.md); an op
// without a pattern is reported by the conversion as not legalised.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Conversion/MpToLinalg.h"

#include "mixprec/Dialect/Mp/IR/MpDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mixprec {
#define GEN_PASS_DEF_CONVERTMPTOLINALG
#include "mixprec/Conversion/Passes.h.inc"
} // namespace mixprec

using namespace mlir;
using namespace mixprec::mp;

namespace {

using utils::IteratorType;

bool isFloatLike(Type t) { return isa<FloatType>(t); }

/// Scalar conversion between element types (float, signed int, bool).
Value convertScalar(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  auto ff = dyn_cast<FloatType>(from), ft = dyn_cast<FloatType>(to);
  if (ff && ft)
    return ff.getWidth() < ft.getWidth()
               ? arith::ExtFOp::create(b, loc, to, v).getResult()
               : arith::TruncFOp::create(b, loc, to, v).getResult();
  auto fi = dyn_cast<IntegerType>(from), ti = dyn_cast<IntegerType>(to);
  if (ff && ti) {
    if (ti.getWidth() == 1)
      return arith::CmpFOp::create(
          b, loc, arith::CmpFPredicate::UNE, v,
          arith::ConstantOp::create(b, loc, b.getFloatAttr(from, 0.0)));
    return ti.isUnsigned()
               ? arith::FPToUIOp::create(b, loc, to, v).getResult()
               : arith::FPToSIOp::create(b, loc, to, v).getResult();
  }
  if (fi && ft)
    return fi.getWidth() == 1 || fi.isUnsigned()
               ? arith::UIToFPOp::create(b, loc, to, v).getResult()
               : arith::SIToFPOp::create(b, loc, to, v).getResult();
  if (fi && ti) {
    if (ti.getWidth() == 1)
      return arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::ne, v,
          arith::ConstantOp::create(b, loc, b.getIntegerAttr(from, 0)));
    if (fi.getWidth() < ti.getWidth())
      return fi.getWidth() == 1 || fi.isUnsigned()
                 ? arith::ExtUIOp::create(b, loc, to, v).getResult()
                 : arith::ExtSIOp::create(b, loc, to, v).getResult();
    return arith::TruncIOp::create(b, loc, to, v);
  }
  return Value();
}

Value floatConst(OpBuilder &b, Location loc, Type t, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
}

/// An empty tensor of `type`, taking dynamic sizes from `likes` (the first
/// value whose dim at that position is not 1).
Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type,
                ValueRange likes) {
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    Value size;
    for (Value v : likes) {
      auto t = cast<RankedTensorType>(v.getType());
      int64_t off = type.getRank() - t.getRank();
      int64_t vd = d - off;
      if (vd < 0 || (!t.isDynamicDim(vd) && t.getDimSize(vd) == 1))
        continue;
      size = tensor::DimOp::create(b, loc, v, vd);
      break;
    }
    if (!size)
      size = arith::ConstantIndexOp::create(b, loc, 1);
    dyn.push_back(size);
  }
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dyn);
}

/// numpy-broadcasting indexing map of `operand` into a result of `rank`.
AffineMap broadcastMap(MLIRContext *ctx, RankedTensorType operand,
                       RankedTensorType result) {
  SmallVector<AffineExpr> exprs;
  int64_t off = result.getRank() - operand.getRank();
  for (int64_t d = 0; d < operand.getRank(); ++d) {
    bool bcast = !operand.isDynamicDim(d) && operand.getDimSize(d) == 1 &&
                 (result.isDynamicDim(d + off) ||
                  result.getDimSize(d + off) != 1);
    exprs.push_back(bcast ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(d + off, ctx));
  }
  return AffineMap::get(result.getRank(), 0, exprs, ctx);
}

using ScalarFn =
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange, Type)>;

/// result[i] = fn(operands[i] broadcast...) as one linalg.generic.
Value buildElementwise(OpBuilder &b, Location loc, ValueRange operands,
                       RankedTensorType resultType, ScalarFn fn) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value v : operands)
    maps.push_back(broadcastMap(ctx, cast<RankedTensorType>(v.getType()),
                                resultType));
  maps.push_back(AffineMap::getMultiDimIdentityMap(resultType.getRank(), ctx));
  Value init = emptyLike(b, loc, resultType, operands);
  SmallVector<IteratorType> iters(resultType.getRank(), IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, operands, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value r = fn(nb, nl, args.drop_back(), resultType.getElementType());
        linalg::YieldOp::create(nb, nl, r);
      });
  return generic.getResult(0);
}

//===----------------------------------------------------------------------===//
// Element-wise
//===----------------------------------------------------------------------===//

/// Scalar semantics of the element-wise ops, shared by every pattern.
Value scalarOp(Operation *op, OpBuilder &b, Location loc, ValueRange a,
               Type resultElem) {
  Type t = a.empty() ? resultElem : a[0].getType();
  bool f = isFloatLike(t);
  auto one = [&] { return floatConst(b, loc, t, 1.0); };
  auto zero = [&] {
    return f ? floatConst(b, loc, t, 0.0)
             : arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, 0))
                   .getResult();
  };
  if (isa<AddOp>(op))
    return f ? arith::AddFOp::create(b, loc, a[0], a[1]).getResult()
             : arith::AddIOp::create(b, loc, a[0], a[1]).getResult();
  if (isa<SubOp>(op))
    return f ? arith::SubFOp::create(b, loc, a[0], a[1]).getResult()
             : arith::SubIOp::create(b, loc, a[0], a[1]).getResult();
  if (isa<MulOp>(op))
    return f ? arith::MulFOp::create(b, loc, a[0], a[1]).getResult()
             : arith::MulIOp::create(b, loc, a[0], a[1]).getResult();
  if (isa<DivOp>(op))
    return f ? arith::DivFOp::create(b, loc, a[0], a[1]).getResult()
             : arith::DivSIOp::create(b, loc, a[0], a[1]).getResult();
  if (isa<PowOp>(op)) {
    if (!f) {
      // Integer base: compute in f64 and truncate towards zero, as ONNX does.
      Type f64 = b.getF64Type();
      Value r = math::PowFOp::create(b, loc, convertScalar(b, loc, a[0], f64),
                                     convertScalar(b, loc, a[1], f64));
      return convertScalar(b, loc, r, t);
    }
    Value e = convertScalar(b, loc, a[1], t);
    return math::PowFOp::create(b, loc, a[0], e);
  }
  if (isa<NegOp>(op))
    return f ? arith::NegFOp::create(b, loc, a[0]).getResult()
             : arith::SubIOp::create(b, loc, zero(), a[0]).getResult();
  if (isa<AbsOp>(op))
    return f ? math::AbsFOp::create(b, loc, a[0]).getResult()
             : math::AbsIOp::create(b, loc, a[0]).getResult();
  if (isa<ExpOp>(op))
    return math::ExpOp::create(b, loc, a[0]);
  if (isa<LogOp>(op))
    return math::LogOp::create(b, loc, a[0]);
  if (isa<SqrtOp>(op))
    return math::SqrtOp::create(b, loc, a[0]);
  if (isa<ReciprocalOp>(op))
    return arith::DivFOp::create(b, loc, one(), a[0]);
  if (isa<ErfOp>(op))
    return math::ErfOp::create(b, loc, a[0]);
  if (isa<TanhOp>(op))
    return math::TanhOp::create(b, loc, a[0]);
  if (isa<SigmoidOp>(op)) {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, a[0]));
    return arith::DivFOp::create(b, loc, one(),
                                 arith::AddFOp::create(b, loc, one(), e));
  }
  if (isa<ReluOp>(op))
    return f ? arith::MaximumFOp::create(b, loc, a[0], zero()).getResult()
             : arith::MaxSIOp::create(b, loc, a[0], zero()).getResult();
  if (auto lr = dyn_cast<LeakyReluOp>(op)) {
    double alpha = lr.getAlpha() ? lr.getAlpha()->convertToDouble() : 0.01;
    Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, a[0],
                                      zero());
    Value scaled =
        arith::MulFOp::create(b, loc, a[0], floatConst(b, loc, t, alpha));
    return arith::SelectOp::create(b, loc, neg, scaled, a[0]);
  }
  if (auto elu = dyn_cast<EluOp>(op)) {
    double alpha = elu.getAlpha() ? elu.getAlpha()->convertToDouble() : 1.0;
    Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, a[0],
                                      zero());
    Value em1 = arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, a[0]),
                                      one());
    Value scaled = arith::MulFOp::create(b, loc, em1, floatConst(b, loc, t, alpha));
    return arith::SelectOp::create(b, loc, neg, scaled, a[0]);
  }
  if (auto g = dyn_cast<GeluOp>(op)) {
    Value half = floatConst(b, loc, t, 0.5);
    if (g.getApproximate() == "tanh") {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      Value x3 = arith::MulFOp::create(
          b, loc, a[0], arith::MulFOp::create(b, loc, a[0], a[0]));
      Value inner = arith::AddFOp::create(
          b, loc, a[0],
          arith::MulFOp::create(b, loc, x3, floatConst(b, loc, t, 0.044715)));
      inner = arith::MulFOp::create(
          b, loc, inner, floatConst(b, loc, t, std::sqrt(2.0 / M_PI)));
      Value th = arith::AddFOp::create(b, loc, one(),
                                       math::TanhOp::create(b, loc, inner));
      return arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, half, a[0]),
                                   th);
    }
    Value e = math::ErfOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, a[0], floatConst(b, loc, t, M_SQRT1_2)));
    return arith::MulFOp::create(b, loc,
                                 arith::MulFOp::create(b, loc, half, a[0]),
                                 arith::AddFOp::create(b, loc, one(), e));
  }
  if (auto hs = dyn_cast<HardSigmoidOp>(op)) {
    double alpha = hs.getAlpha() ? hs.getAlpha()->convertToDouble() : 0.2;
    double beta = hs.getBeta() ? hs.getBeta()->convertToDouble() : 0.5;
    Value v = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, a[0], floatConst(b, loc, t, alpha)),
        floatConst(b, loc, t, beta));
    return arith::MinimumFOp::create(
        b, loc, arith::MaximumFOp::create(b, loc, v, zero()), one());
  }
  if (isa<HardSwishOp>(op)) {
    Value v = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, a[0], floatConst(b, loc, t, 1.0 / 6)),
        floatConst(b, loc, t, 0.5));
    v = arith::MinimumFOp::create(
        b, loc, arith::MaximumFOp::create(b, loc, v, zero()), one());
    return arith::MulFOp::create(b, loc, a[0], v);
  }
  if (isa<SoftplusOp>(op))
    return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, a[0]));
  if (isa<MinOp, MaxOp>(op)) {
    Value acc = a[0];
    for (Value v : a.drop_front()) {
      if (isa<MaxOp>(op))
        acc = f ? arith::MaximumFOp::create(b, loc, acc, v).getResult()
                : arith::MaxSIOp::create(b, loc, acc, v).getResult();
      else
        acc = f ? arith::MinimumFOp::create(b, loc, acc, v).getResult()
                : arith::MinSIOp::create(b, loc, acc, v).getResult();
    }
    return acc;
  }
  if (isa<EqualOp, LessOp, GreaterOp>(op)) {
    if (f) {
      auto pred = isa<EqualOp>(op)  ? arith::CmpFPredicate::OEQ
                  : isa<LessOp>(op) ? arith::CmpFPredicate::OLT
                                    : arith::CmpFPredicate::OGT;
      return arith::CmpFOp::create(b, loc, pred, a[0], a[1]);
    }
    auto pred = isa<EqualOp>(op)  ? arith::CmpIPredicate::eq
                : isa<LessOp>(op) ? arith::CmpIPredicate::slt
                                  : arith::CmpIPredicate::sgt;
    return arith::CmpIOp::create(b, loc, pred, a[0], a[1]);
  }
  if (isa<AndOp>(op))
    return arith::AndIOp::create(b, loc, a[0], a[1]);
  if (isa<OrOp>(op))
    return arith::OrIOp::create(b, loc, a[0], a[1]);
  if (isa<NotOp>(op))
    return arith::XOrIOp::create(
        b, loc, a[0], arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
  if (isa<WhereOp>(op))
    return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
  if (auto c = dyn_cast<ClipOp>(op)) {
    Value v = a[0];
    if (c.getMin())
      v = arith::MaximumFOp::create(
          b, loc, v, floatConst(b, loc, t, c.getMin()->convertToDouble()));
    if (c.getMax())
      v = arith::MinimumFOp::create(
          b, loc, v, floatConst(b, loc, t, c.getMax()->convertToDouble()));
    return v;
  }
  if (isa<CastOp>(op))
    return convertScalar(b, loc, a[0], resultElem);
  if (isa<IdentityOp>(op))
    return a[0];
  return Value();
}

template <typename OpT>
struct ElementwisePattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType =
        dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "unranked result");
    SmallVector<Value> operands(adaptor.getOperands());
    for (Value v : operands)
      if (!isa<RankedTensorType>(v.getType()))
        return rewriter.notifyMatchFailure(op, "unranked operand");
    // arith works on signless integers; unsigned element types are not
    // lowered yet (the conversion then reports the op).
    auto isUnsigned = [](Type t) {
      auto i = dyn_cast<IntegerType>(getElementTypeOrSelf(t));
      return i && i.isUnsigned();
    };
    if (llvm::any_of(op->getOperandTypes(), isUnsigned) ||
        llvm::any_of(op->getResultTypes(), isUnsigned))
      return rewriter.notifyMatchFailure(op, "unsigned integer element type");
    if constexpr (std::is_same_v<OpT, ClipOp>) {
      if (op.getMinVal() || op.getMaxVal()) {
        // Operand form: max(min(x, hi), lo) with scalar tensors.
        Operation *o = op.getOperation();
        Value x = adaptor.getInput();
        SmallVector<Value> ins = {x};
        if (op.getMinVal())
          ins.push_back(adaptor.getMinVal());
        if (op.getMaxVal())
          ins.push_back(adaptor.getMaxVal());
        bool hasMin = (bool)op.getMinVal();
        Value r = buildElementwise(
            rewriter, op.getLoc(), ins, resultType,
            [&](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
              Value v = a[0];
              bool fl = isFloatLike(v.getType());
              unsigned i = 1;
              if (hasMin)
                v = fl ? arith::MaximumFOp::create(b, loc, v, a[i++]).getResult()
                       : arith::MaxSIOp::create(b, loc, v, a[i++]).getResult();
              if (i < a.size())
                v = fl ? arith::MinimumFOp::create(b, loc, v, a[i]).getResult()
                       : arith::MinSIOp::create(b, loc, v, a[i]).getResult();
              return v;
            });
        (void)o;
        rewriter.replaceOp(op, r);
        return success();
      }
    }
    Operation *o = op.getOperation();
    Value r = buildElementwise(
        rewriter, op.getLoc(), operands, resultType,
        [&](OpBuilder &b, Location loc, ValueRange a, Type elem) {
          return scalarOp(o, b, loc, a, elem);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Constants and shape-only ops
//===----------------------------------------------------------------------===//

struct ConstantPattern : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto value = dyn_cast<TypedAttr>(op.getValue());
    if (!value)
      return failure();
    // Small resources become dense<> attributes: some upstream folders
    // iterate constant elements, which dense_resource does not support.
    if (auto res = dyn_cast<DenseResourceElementsAttr>(value)) {
      auto type = res.getType();
      AsmResourceBlob *blob = res.getRawHandle().getBlob();
      if (blob && type.getNumElements() <= 4096 &&
          type.getElementType().isIntOrFloat() &&
          !type.getElementType().isInteger(1)) {
        bool splat = false;
        if (DenseElementsAttr::isValidRawBuffer(type, blob->getData(), splat))
          value = DenseElementsAttr::getFromRawBuffer(type, blob->getData());
      }
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
    return success();
  }
};

/// Reshape, Flatten, Squeeze, Unsqueeze with a static result: the data does
/// not move, so a tensor.reshape to the result shape.
template <typename OpT>
struct StaticReshapePattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType || !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs a static result shape");
    Location loc = op.getLoc();
    auto shapeType = RankedTensorType::get({resultType.getRank()},
                                           rewriter.getIndexType());
    SmallVector<int64_t> dims(resultType.getShape());
    Value shape = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(shapeType,
                               llvm::map_to_vector(dims, [&](int64_t d) {
                                 return (Attribute)rewriter.getIndexAttr(d);
                               })));
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(
        op, resultType, adaptor.getOperands()[0], shape);
    return success();
  }
};

struct TransposePattern : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto out = dyn_cast<RankedTensorType>(op.getType());
    if (!in || !out)
      return failure();
    SmallVector<int64_t> perm;
    if (auto p = op.getPerm())
      perm.assign(p->begin(), p->end());
    else
      for (int64_t i = in.getRank() - 1; i >= 0; --i)
        perm.push_back(i);
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < out.getRank(); ++d)
      if (out.isDynamicDim(d))
        dyn.push_back(tensor::DimOp::create(rewriter, op.getLoc(),
                                            adaptor.getData(), perm[d]));
    Value init = tensor::EmptyOp::create(rewriter, op.getLoc(), out.getShape(),
                                         out.getElementType(), dyn);
    rewriter.replaceOpWithNewOp<linalg::TransposeOp>(op, adaptor.getData(),
                                                     init, perm);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// MatMul / Gemm (FP32 accumulation for FP16/BF16 storage)
//===----------------------------------------------------------------------===//

Type accumulatorFor(Type storage) {
  if (storage.isF16() || storage.isBF16())
    return Float32Type::get(storage.getContext());
  return storage;
}

/// Fills a tensor of `type` with zero of its element type.
Value zeros(OpBuilder &b, Location loc, RankedTensorType type, ValueRange likes) {
  Value init = emptyLike(b, loc, type, likes);
  Value zero = isFloatLike(type.getElementType())
                   ? floatConst(b, loc, type.getElementType(), 0.0)
                   : arith::ConstantOp::create(
                         b, loc, b.getIntegerAttr(type.getElementType(), 0))
                         .getResult();
  return linalg::FillOp::create(b, loc, zero, init).getResult(0);
}

/// Casts every element of `v` to `elem` (a linalg.generic), if needed.
Value castTensor(OpBuilder &b, Location loc, Value v, Type elem) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getElementType() == elem)
    return v;
  auto rt = RankedTensorType::get(t.getShape(), elem);
  return buildElementwise(b, loc, v, rt,
                          [&](OpBuilder &nb, Location nl, ValueRange a, Type e) {
                            return convertScalar(nb, nl, a[0], e);
                          });
}

struct MatMulPattern : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto a = dyn_cast<RankedTensorType>(adaptor.getA().getType());
    auto bt = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (!a || !bt || !y || a.getRank() < 2 || bt.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "needs ranked operands of rank >= 2");
    MLIRContext *ctx = rewriter.getContext();
    Location loc = op.getLoc();
    int64_t r = y.getRank(); // batch..., m, n
    int64_t nd = r + 1;      // + k
    auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    auto operandMap = [&](RankedTensorType t, bool isA) {
      SmallVector<AffineExpr> e;
      int64_t batch = t.getRank() - 2, off = (r - 2) - batch;
      for (int64_t d = 0; d < batch; ++d)
        e.push_back(!t.isDynamicDim(d) && t.getDimSize(d) == 1 &&
                            (y.isDynamicDim(d + off) || y.getDimSize(d + off) != 1)
                        ? getAffineConstantExpr(0, ctx)
                        : dim(d + off));
      if (isA) {
        e.push_back(dim(r - 2));
        e.push_back(dim(r));
      } else {
        e.push_back(dim(r));
        e.push_back(dim(r - 1));
      }
      return AffineMap::get(nd, 0, e, ctx);
    };
    SmallVector<AffineMap> maps = {operandMap(a, true), operandMap(bt, false)};
    SmallVector<AffineExpr> outE;
    for (int64_t d = 0; d < r; ++d)
      outE.push_back(dim(d));
    maps.push_back(AffineMap::get(nd, 0, outE, ctx));
    SmallVector<IteratorType> iters(r, IteratorType::parallel);
    iters.push_back(IteratorType::reduction);
    Type acc = accumulatorFor(y.getElementType());
    auto accType = RankedTensorType::get(y.getShape(), acc);
    SmallVector<Value> likes;
    // Dynamic output dims: batch from the operands, m from A, n from B.
    Value init;
    {
      SmallVector<Value> dyn;
      for (int64_t d = 0; d < r; ++d) {
        if (!y.isDynamicDim(d))
          continue;
        if (d == r - 2)
          dyn.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getA(),
                                              a.getRank() - 2));
        else if (d == r - 1)
          dyn.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getB(),
                                              bt.getRank() - 1));
        else {
          Value src = adaptor.getA();
          int64_t off = (r - 2) - (a.getRank() - 2);
          if (d - off < 0) {
            src = adaptor.getB();
            off = (r - 2) - (bt.getRank() - 2);
          }
          dyn.push_back(tensor::DimOp::create(rewriter, loc, src, d - off));
        }
      }
      init = tensor::EmptyOp::create(rewriter, loc, y.getShape(), acc, dyn);
      Value zero = isFloatLike(acc)
                       ? floatConst(rewriter, loc, acc, 0.0)
                       : arith::ConstantOp::create(rewriter, loc,
                                                   rewriter.getIntegerAttr(acc, 0))
                             .getResult();
      init = linalg::FillOp::create(rewriter, loc, zero, init).getResult(0);
    }
    auto mm = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accType},
        ValueRange{adaptor.getA(), adaptor.getB()}, ValueRange{init}, maps,
        iters, [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = convertScalar(b, l, args[0], acc);
          Value w = convertScalar(b, l, args[1], acc);
          Value p = isFloatLike(acc)
                        ? arith::MulFOp::create(b, l, x, w).getResult()
                        : arith::MulIOp::create(b, l, x, w).getResult();
          Value s = isFloatLike(acc)
                        ? arith::AddFOp::create(b, l, args[2], p).getResult()
                        : arith::AddIOp::create(b, l, args[2], p).getResult();
          linalg::YieldOp::create(b, l, s);
        });
    rewriter.replaceOp(op, castTensor(rewriter, loc, mm.getResult(0),
                                      y.getElementType()));
    return success();
  }
};

struct GemmPattern : OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (!y || !isa<RankedTensorType>(adaptor.getA().getType()) ||
        !isa<RankedTensorType>(adaptor.getB().getType()))
      return failure();
    MLIRContext *ctx = rewriter.getContext();
    Location loc = op.getLoc();
    bool ta = op.getTransA().value_or(0), tb = op.getTransB().value_or(0);
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               k = getAffineDimExpr(2, ctx);
    SmallVector<AffineMap> maps = {
        AffineMap::get(3, 0, ta ? ArrayRef<AffineExpr>{k, m} : ArrayRef<AffineExpr>{m, k}, ctx),
        AffineMap::get(3, 0, tb ? ArrayRef<AffineExpr>{n, k} : ArrayRef<AffineExpr>{k, n}, ctx),
        AffineMap::get(3, 0, {m, n}, ctx)};
    Type acc = accumulatorFor(y.getElementType());
    auto accType = RankedTensorType::get(y.getShape(), acc);
    SmallVector<Value> dyn;
    if (y.isDynamicDim(0))
      dyn.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getA(), ta ? 1 : 0));
    if (y.isDynamicDim(1))
      dyn.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getB(), tb ? 0 : 1));
    Value init = tensor::EmptyOp::create(rewriter, loc, y.getShape(), acc, dyn);
    init = linalg::FillOp::create(rewriter, loc, floatConst(rewriter, loc, acc, 0.0),
                                  init)
               .getResult(0);
    SmallVector<IteratorType> iters = {IteratorType::parallel,
                                       IteratorType::parallel,
                                       IteratorType::reduction};
    Value ab = linalg::GenericOp::create(
                   rewriter, loc, TypeRange{accType},
                   ValueRange{adaptor.getA(), adaptor.getB()}, ValueRange{init},
                   maps, iters,
                   [&](OpBuilder &b, Location l, ValueRange args) {
                     Value x = convertScalar(b, l, args[0], acc);
                     Value w = convertScalar(b, l, args[1], acc);
                     linalg::YieldOp::create(
                         b, l,
                         arith::AddFOp::create(
                             b, l, args[2], arith::MulFOp::create(b, l, x, w))
                             .getResult());
                   })
                   .getResult(0);
    double alpha = op.getAlpha() ? op.getAlpha()->convertToDouble() : 1.0;
    double beta = op.getBeta() ? op.getBeta()->convertToDouble() : 1.0;
    SmallVector<Value> ins = {ab};
    if (adaptor.getC())
      ins.push_back(adaptor.getC());
    Value r = buildElementwise(
        rewriter, loc, ins, y,
        [&](OpBuilder &b, Location l, ValueRange a, Type elem) {
          Value v = arith::MulFOp::create(b, l, a[0], floatConst(b, l, acc, alpha));
          if (a.size() > 1)
            v = arith::AddFOp::create(
                b, l, v,
                arith::MulFOp::create(b, l, convertScalar(b, l, a[1], acc),
                                      floatConst(b, l, acc, beta)));
          return convertScalar(b, l, v, elem);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Reductions, softmax, normalisation
//===----------------------------------------------------------------------===//

/// Reduces `input` over `dims` (sorted) with `combine`, starting from
/// `initValue`, in element type `acc`; the result drops the reduced dims.
Value reduceDims(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> dims,
                 Type acc, double initValue,
                 llvm::function_ref<Value(OpBuilder &, Location, Value, Value)>
                     combine) {
  auto t = cast<RankedTensorType>(input.getType());
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> shape;
  SmallVector<Value> dyn;
  SmallVector<AffineExpr> outE;
  SmallVector<IteratorType> iters;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    bool red = llvm::is_contained(dims, d);
    iters.push_back(red ? IteratorType::reduction : IteratorType::parallel);
    if (red)
      continue;
    shape.push_back(t.getDimSize(d));
    if (t.isDynamicDim(d))
      dyn.push_back(tensor::DimOp::create(b, loc, input, d));
    outE.push_back(getAffineDimExpr(d, ctx));
  }
  auto outType = RankedTensorType::get(shape, acc);
  Value init = tensor::EmptyOp::create(b, loc, shape, acc, dyn);
  init = linalg::FillOp::create(b, loc, floatConst(b, loc, acc, initValue), init)
             .getResult(0);
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(t.getRank(), ctx),
      AffineMap::get(t.getRank(), 0, outE, ctx)};
  return linalg::GenericOp::create(
             b, loc, TypeRange{outType}, ValueRange{input}, ValueRange{init},
             maps, iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value x = convertScalar(nb, nl, args[0], acc);
               linalg::YieldOp::create(nb, nl, combine(nb, nl, args[1], x));
             })
      .getResult(0);
}

/// Re-inserts size-1 dims at `dims` (keepdims) with tensor.expand_shape.
Value keepDims(OpBuilder &b, Location loc, Value reduced, ArrayRef<int64_t> dims,
               int64_t rank) {
  auto t = cast<RankedTensorType>(reduced.getType());
  SmallVector<int64_t> shape;
  int64_t src = 0;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(llvm::is_contained(dims, d) ? 1 : t.getDimSize(src++));
  // Attach leading size-1 dims to the first group and others to the group
  // before them.
  SmallVector<ReassociationIndices> reassoc;
  ReassociationIndices pending;
  for (int64_t d = 0; d < rank; ++d) {
    if (llvm::is_contained(dims, d)) {
      if (reassoc.empty())
        pending.push_back(d);
      else
        reassoc.back().push_back(d);
      continue;
    }
    ReassociationIndices g = pending;
    g.push_back(d);
    pending.clear();
    reassoc.push_back(g);
  }
  if (reassoc.empty()) // all dims reduced: result is rank 0
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, t.getElementType()), reduced,
        ArrayRef<ReassociationIndices>{});
  if (!pending.empty())
    reassoc.back().append(pending.begin(), pending.end());
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, t.getElementType()), reduced,
      reassoc);
}

/// The reduced dims of a ReduceX op (attribute or constant operand form).
FailureOr<SmallVector<int64_t>> reductionAxes(Operation *op, int64_t rank) {
  SmallVector<int64_t> axes;
  std::optional<ArrayRef<int64_t>> attr;
  Value axesVal;
  int64_t noop = 0;
  llvm::TypeSwitch<Operation *, void>(op)
      .Case<ReduceMeanOp, ReduceSumOp, ReduceMaxOp, ReduceMinOp, ReduceProdOp,
            ReduceL2Op, ReduceLogSumExpOp>([&](auto r) {
        attr = r.getAxes();
        axesVal = r.getAxesVal();
        noop = r.getNoopWithEmptyAxes().value_or(0);
      });
  if (attr)
    axes.assign(attr->begin(), attr->end());
  if (axesVal) {
    DenseIntElementsAttr c;
    if (!matchPattern(axesVal, m_Constant(&c)))
      return failure();
    for (APInt v : c.getValues<APInt>())
      axes.push_back(v.getSExtValue());
  }
  if (axes.empty() && noop)
    return SmallVector<int64_t>{};
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  for (int64_t &a : axes)
    if (a < 0)
      a += rank;
  llvm::sort(axes);
  return axes;
}

template <typename OpT>
struct ReducePattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto out = dyn_cast<RankedTensorType>(op.getType());
    if (!in || !out || !isFloatLike(in.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs ranked float tensors");
    FailureOr<SmallVector<int64_t>> axes = reductionAxes(op, in.getRank());
    if (failed(axes))
      return rewriter.notifyMatchFailure(op, "axes must be constant");
    Location loc = op.getLoc();
    if (axes->empty()) {
      rewriter.replaceOp(op, adaptor.getData());
      return success();
    }
    Type acc = accumulatorFor(in.getElementType());
    bool isMax = std::is_same_v<OpT, ReduceMaxOp>,
         isMin = std::is_same_v<OpT, ReduceMinOp>,
         isProd = std::is_same_v<OpT, ReduceProdOp>,
         isL2 = std::is_same_v<OpT, ReduceL2Op>,
         isLSE = std::is_same_v<OpT, ReduceLogSumExpOp>,
         isMean = std::is_same_v<OpT, ReduceMeanOp>;
    Value data = adaptor.getData();
    Value r;
    if (isLSE) {
      // log(sum(exp(x - max))) + max, computed in FP32.
      Value mx = reduceDims(rewriter, loc, data, *axes, acc, -INFINITY,
                            [](OpBuilder &b, Location l, Value a, Value x) {
                              return arith::MaximumFOp::create(b, l, a, x).getResult();
                            });
      Value mxK = keepDims(rewriter, loc, mx, *axes, in.getRank());
      auto accIn = RankedTensorType::get(in.getShape(), acc);
      Value ex = buildElementwise(
          rewriter, loc, ValueRange{data, mxK}, accIn,
          [&](OpBuilder &b, Location l, ValueRange a, Type) {
            return math::ExpOp::create(
                       b, l,
                       arith::SubFOp::create(b, l, convertScalar(b, l, a[0], acc),
                                             a[1]))
                .getResult();
          });
      Value s = reduceDims(rewriter, loc, ex, *axes, acc, 0.0,
                           [](OpBuilder &b, Location l, Value a, Value x) {
                             return arith::AddFOp::create(b, l, a, x).getResult();
                           });
      auto st = cast<RankedTensorType>(s.getType());
      r = buildElementwise(rewriter, loc, ValueRange{s, mx}, st,
                           [&](OpBuilder &b, Location l, ValueRange a, Type) {
                             return arith::AddFOp::create(
                                        b, l, math::LogOp::create(b, l, a[0]), a[1])
                                 .getResult();
                           });
    } else {
      double init = isMax ? -INFINITY : isMin ? INFINITY : isProd ? 1.0 : 0.0;
      r = reduceDims(rewriter, loc, data, *axes, acc, init,
                     [&](OpBuilder &b, Location l, Value a, Value x) -> Value {
                       if (isMax)
                         return arith::MaximumFOp::create(b, l, a, x);
                       if (isMin)
                         return arith::MinimumFOp::create(b, l, a, x);
                       if (isProd)
                         return arith::MulFOp::create(b, l, a, x);
                       if (isL2)
                         return arith::AddFOp::create(
                             b, l, a, arith::MulFOp::create(b, l, x, x));
                       return arith::AddFOp::create(b, l, a, x);
                     });
      auto rt = cast<RankedTensorType>(r.getType());
      if (isMean || isL2) {
        double n = 1;
        bool dynamic = false;
        for (int64_t d : *axes) {
          if (in.isDynamicDim(d))
            dynamic = true;
          else
            n *= in.getDimSize(d);
        }
        if (dynamic)
          return rewriter.notifyMatchFailure(op, "dynamic reduced dims");
        r = buildElementwise(rewriter, loc, r, rt,
                             [&](OpBuilder &b, Location l, ValueRange a, Type) -> Value {
                               if (isL2)
                                 return math::SqrtOp::create(b, l, a[0]);
                               return arith::DivFOp::create(
                                   b, l, a[0], floatConst(b, l, acc, n));
                             });
      }
    }
    if (out.getRank() == in.getRank())
      r = keepDims(rewriter, loc, r, *axes, in.getRank());
    rewriter.replaceOp(op, castTensor(rewriter, loc, r, out.getElementType()));
    return success();
  }
};

/// Softmax / LogSoftmax over `dims` (opset 13+: one axis; before 13 the
/// input is coerced to 2-D, i.e. all dims from `axis` on).
template <typename OpT>
struct SoftmaxPattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!in)
      return failure();
    int64_t opset = 13;
    if (auto module = op->template getParentOfType<ModuleOp>())
      if (auto imports =
              module->template getAttrOfType<DictionaryAttr>(MpDialect::kOpsetImportAttr))
        if (auto v = imports.template getAs<IntegerAttr>("ai.onnx"))
          opset = v.getInt();
    int64_t axis = op.getAxis() ? (int64_t)*op.getAxis() : (opset < 13 ? 1 : -1);
    if (axis < 0)
      axis += in.getRank();
    SmallVector<int64_t> dims;
    if (opset < 13)
      for (int64_t d = axis; d < in.getRank(); ++d)
        dims.push_back(d);
    else
      dims.push_back(axis);
    Location loc = op.getLoc();
    Type acc = accumulatorFor(in.getElementType());
    Value x = adaptor.getInput();
    Value mx = reduceDims(rewriter, loc, x, dims, acc, -INFINITY,
                          [](OpBuilder &b, Location l, Value a, Value v) {
                            return arith::MaximumFOp::create(b, l, a, v).getResult();
                          });
    Value mxK = keepDims(rewriter, loc, mx, dims, in.getRank());
    auto accIn = RankedTensorType::get(in.getShape(), acc);
    Value shifted = buildElementwise(
        rewriter, loc, ValueRange{x, mxK}, accIn,
        [&](OpBuilder &b, Location l, ValueRange a, Type) {
          return arith::SubFOp::create(b, l, convertScalar(b, l, a[0], acc), a[1])
              .getResult();
        });
    Value ex = buildElementwise(rewriter, loc, shifted, accIn,
                                [&](OpBuilder &b, Location l, ValueRange a, Type) {
                                  return math::ExpOp::create(b, l, a[0]).getResult();
                                });
    Value sum = reduceDims(rewriter, loc, ex, dims, acc, 0.0,
                           [](OpBuilder &b, Location l, Value a, Value v) {
                             return arith::AddFOp::create(b, l, a, v).getResult();
                           });
    Value sumK = keepDims(rewriter, loc, sum, dims, in.getRank());
    bool isLog = std::is_same_v<OpT, LogSoftmaxOp>;
    Value r = buildElementwise(
        rewriter, loc, ValueRange{isLog ? shifted : ex, sumK}, in,
        [&](OpBuilder &b, Location l, ValueRange a, Type elem) {
          Value v = isLog ? arith::SubFOp::create(
                                b, l, a[0], math::LogOp::create(b, l, a[1]))
                                .getResult()
                          : arith::DivFOp::create(b, l, a[0], a[1]).getResult();
          return convertScalar(b, l, v, elem);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct LayerNormPattern : OpConversionPattern<LayerNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!in || op.getMean() || op.getInvStdDev())
      return rewriter.notifyMatchFailure(op, "Mean/InvStdDev outputs");
    int64_t axis = op.getAxis() ? (int64_t)*op.getAxis() : -1;
    if (axis < 0)
      axis += in.getRank();
    SmallVector<int64_t> dims;
    double n = 1;
    for (int64_t d = axis; d < in.getRank(); ++d) {
      if (in.isDynamicDim(d))
        return rewriter.notifyMatchFailure(op, "dynamic normalised dims");
      dims.push_back(d);
      n *= in.getDimSize(d);
    }
    double eps = op.getEpsilon() ? op.getEpsilon()->convertToDouble() : 1e-5;
    Location loc = op.getLoc();
    Type acc = Float32Type::get(rewriter.getContext()); // stash_type 1
    Value x = adaptor.getX();
    auto add = [](OpBuilder &b, Location l, Value a, Value v) {
      return arith::AddFOp::create(b, l, a, v).getResult();
    };
    Value sum = reduceDims(rewriter, loc, x, dims, acc, 0.0, add);
    Value mean = buildElementwise(
        rewriter, loc, sum, cast<RankedTensorType>(sum.getType()),
        [&](OpBuilder &b, Location l, ValueRange a, Type) {
          return arith::DivFOp::create(b, l, a[0], floatConst(b, l, acc, n)).getResult();
        });
    Value meanK = keepDims(rewriter, loc, mean, dims, in.getRank());
    auto accIn = RankedTensorType::get(in.getShape(), acc);
    Value centered = buildElementwise(
        rewriter, loc, ValueRange{x, meanK}, accIn,
        [&](OpBuilder &b, Location l, ValueRange a, Type) {
          return arith::SubFOp::create(b, l, convertScalar(b, l, a[0], acc), a[1])
              .getResult();
        });
    Value sq = reduceDims(rewriter, loc, centered, dims, acc, 0.0,
                          [](OpBuilder &b, Location l, Value a, Value v) {
                            return arith::AddFOp::create(
                                       b, l, a, arith::MulFOp::create(b, l, v, v))
                                .getResult();
                          });
    Value inv = buildElementwise(
        rewriter, loc, sq, cast<RankedTensorType>(sq.getType()),
        [&](OpBuilder &b, Location l, ValueRange a, Type) {
          Value var = arith::DivFOp::create(b, l, a[0], floatConst(b, l, acc, n));
          return math::RsqrtOp::create(
                     b, l, arith::AddFOp::create(b, l, var, floatConst(b, l, acc, eps)))
              .getResult();
        });
    Value invK = keepDims(rewriter, loc, inv, dims, in.getRank());
    SmallVector<Value> ins = {centered, invK, adaptor.getScale()};
    if (adaptor.getB())
      ins.push_back(adaptor.getB());
    Value r = buildElementwise(
        rewriter, loc, ins, in, [&](OpBuilder &b, Location l, ValueRange a, Type elem) {
          Value v = arith::MulFOp::create(
              b, l, arith::MulFOp::create(b, l, a[0], a[1]),
              convertScalar(b, l, a[2], acc));
          if (a.size() > 3)
            v = arith::AddFOp::create(b, l, v, convertScalar(b, l, a[3], acc));
          return convertScalar(b, l, v, elem);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct BatchNormPattern : OpConversionPattern<BatchNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!in || op->getNumResults() != 1 || in.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "inference form only");
    MLIRContext *ctx = rewriter.getContext();
    Location loc = op.getLoc();
    double eps = op.getEpsilon() ? op.getEpsilon()->convertToDouble() : 1e-5;
    // Per-channel parameters index dim 1.
    AffineMap chan = AffineMap::get(in.getRank(), 0, getAffineDimExpr(1, ctx));
    SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(in.getRank(), ctx),
                                   chan, chan, chan, chan,
                                   AffineMap::getMultiDimIdentityMap(in.getRank(), ctx)};
    Value init = emptyLike(rewriter, loc, in, adaptor.getX());
    SmallVector<IteratorType> iters(in.getRank(), IteratorType::parallel);
    Type acc = Float32Type::get(ctx);
    auto g = linalg::GenericOp::create(
        rewriter, loc, TypeRange{in},
        ValueRange{adaptor.getX(), adaptor.getScale(), adaptor.getB(),
                   adaptor.getInputMean(), adaptor.getInputVar()},
        ValueRange{init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          auto f = [&](Value v) { return convertScalar(b, l, v, acc); };
          Value inv = math::RsqrtOp::create(
              b, l, arith::AddFOp::create(b, l, f(a[4]), floatConst(b, l, acc, eps)));
          Value v = arith::MulFOp::create(
              b, l, arith::SubFOp::create(b, l, f(a[0]), f(a[3])), inv);
          v = arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, v, f(a[1])),
                                    f(a[2]));
          linalg::YieldOp::create(b, l, convertScalar(b, l, v, in.getElementType()));
        });
    rewriter.replaceOp(op, g.getResult(0));
    return success();
  }
};


//===----------------------------------------------------------------------===//
// Convolution and pooling (2-D, NCHW)
//===----------------------------------------------------------------------===//

/// Pads the two spatial dims of an NCHW tensor with `value`.
Value padSpatial(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> pads,
                 double value) {
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return x;
  auto t = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> lo = {0, 0, pads[0], pads[1]},
                       hi = {0, 0, pads[2], pads[3]};
  SmallVector<int64_t> shape(t.getShape());
  for (int d = 2; d < 4; ++d)
    if (!t.isDynamicDim(d))
      shape[d] += lo[d] + hi[d];
  auto padType = RankedTensorType::get(shape, t.getElementType());
  Value pv = floatConst(b, loc, t.getElementType(), value);
  auto ofr = [&](ArrayRef<int64_t> v) {
    return llvm::map_to_vector(v, [&](int64_t i) -> OpFoldResult {
      return b.getIndexAttr(i);
    });
  };
  return tensor::PadOp::create(b, loc, padType, x, ofr(lo), ofr(hi), pv);
}

template <typename OpT>
LogicalResult check2D(OpT op, ConversionPatternRewriter &rewriter,
                      RankedTensorType x) {
  if (!x || x.getRank() != 4)
    return rewriter.notifyMatchFailure(op, "only 2-D NCHW");
  if (auto ap = op.getAutoPad(); ap && *ap != "NOTSET" && *ap != "VALID")
    return rewriter.notifyMatchFailure(op, "auto_pad SAME_* not lowered yet");
  return success();
}

struct ConvPattern : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (failed(check2D(op, rewriter, x)) || !y)
      return failure();
    if (op.getGroup().value_or(1) != 1)
      return rewriter.notifyMatchFailure(op, "grouped convolution");
    Location loc = op.getLoc();
    SmallVector<int64_t> pads(4, 0);
    if (auto p = op.getPads())
      pads.assign(p->begin(), p->end());
    SmallVector<int64_t> strides = {1, 1}, dil = {1, 1};
    if (auto st = op.getStrides())
      strides.assign(st->begin(), st->end());
    if (auto dl = op.getDilations())
      dil.assign(dl->begin(), dl->end());
    Value in = padSpatial(rewriter, loc, adaptor.getX(), pads, 0.0);
    Type acc = accumulatorFor(y.getElementType());
    auto accType = RankedTensorType::get(y.getShape(), acc);
    SmallVector<Value> dyn;
    if (y.isDynamicDim(0))
      dyn.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getX(), 0));
    for (int d = 1; d < 4; ++d)
      if (y.isDynamicDim(d))
        return rewriter.notifyMatchFailure(op, "dynamic spatial dims");
    Value init = tensor::EmptyOp::create(rewriter, loc, y.getShape(), acc, dyn);
    init = linalg::FillOp::create(rewriter, loc, floatConst(rewriter, loc, acc, 0.0),
                                  init)
               .getResult(0);
    Value conv =
        linalg::Conv2DNchwFchwOp::create(
            rewriter, loc, TypeRange{accType}, ValueRange{in, adaptor.getW()},
            ValueRange{init}, rewriter.getI64TensorAttr(strides),
            rewriter.getI64TensorAttr(dil))
            .getResult(0);
    // Bias (per output channel) and the cast back to the storage type.
    SmallVector<Value> ins = {conv};
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(4, ctx)};
    if (adaptor.getB()) {
      ins.push_back(adaptor.getB());
      maps.push_back(AffineMap::get(4, 0, getAffineDimExpr(1, ctx)));
    }
    maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
    Value out = emptyLike(rewriter, loc, y, adaptor.getX());
    SmallVector<IteratorType> iters(4, IteratorType::parallel);
    Value r = linalg::GenericOp::create(
                  rewriter, loc, TypeRange{y}, ins, ValueRange{out}, maps, iters,
                  [&](OpBuilder &b, Location l, ValueRange a) {
                    Value v = a[0];
                    if (a.size() > 2)
                      v = arith::AddFOp::create(b, l, v,
                                                convertScalar(b, l, a[1], acc));
                    linalg::YieldOp::create(
                        b, l, convertScalar(b, l, v, y.getElementType()));
                  })
                  .getResult(0);
    rewriter.replaceOp(op, r);
    return success();
  }
};

template <typename OpT, bool IsMax>
struct PoolPattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto y = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (failed(check2D(op, rewriter, x)) || !y || op->getNumResults() != 1)
      return failure();
    if (op.getCeilMode().value_or(0))
      return rewriter.notifyMatchFailure(op, "ceil_mode");
    if (!isFloatLike(y.getElementType()))
      return rewriter.notifyMatchFailure(op, "integer pooling");
    Location loc = op.getLoc();
    SmallVector<int64_t> pads(4, 0), strides = {1, 1}, dil = {1, 1};
    if (auto p = op.getPads())
      pads.assign(p->begin(), p->end());
    if (auto st = op.getStrides())
      strides.assign(st->begin(), st->end());
    if (auto dl = op.getDilations())
      dil.assign(dl->begin(), dl->end());
    bool anyPad = llvm::any_of(pads, [](int64_t p) { return p != 0; });
    if constexpr (!IsMax) {
      if (anyPad && !op.getCountIncludePad().value_or(0))
        return rewriter.notifyMatchFailure(op, "padding with count_include_pad=0");
    }
    Type elem = y.getElementType();
    Type acc = IsMax ? elem : accumulatorFor(elem);
    Value in = padSpatial(rewriter, loc, adaptor.getX(), pads,
                          IsMax ? -INFINITY : 0.0);
    ArrayRef<int64_t> k = op.getKernelShape();
    Value window = tensor::EmptyOp::create(rewriter, loc, k, acc);
    SmallVector<Value> dyn;
    if (y.isDynamicDim(0))
      dyn.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getX(), 0));
    auto accType = RankedTensorType::get(y.getShape(), acc);
    Value init = tensor::EmptyOp::create(rewriter, loc, y.getShape(), acc, dyn);
    init = linalg::FillOp::create(
               rewriter, loc, floatConst(rewriter, loc, acc, IsMax ? -INFINITY : 0.0),
               init)
               .getResult(0);
    Value pooled;
    if constexpr (IsMax)
      pooled = linalg::PoolingNchwMaxOp::create(
                   rewriter, loc, TypeRange{accType}, ValueRange{in, window},
                   ValueRange{init}, rewriter.getI64TensorAttr(strides),
                   rewriter.getI64TensorAttr(dil))
                   .getResult(0);
    else
      pooled = linalg::PoolingNchwSumOp::create(
                   rewriter, loc, TypeRange{accType}, ValueRange{in, window},
                   ValueRange{init}, rewriter.getI64TensorAttr(strides),
                   rewriter.getI64TensorAttr(dil))
                   .getResult(0);
    double count = k[0] * k[1];
    Value r = buildElementwise(
        rewriter, loc, pooled, y,
        [&](OpBuilder &b, Location l, ValueRange a, Type e) {
          Value v = a[0];
          if (!IsMax)
            v = arith::DivFOp::create(b, l, v, floatConst(b, l, acc, count));
          return convertScalar(b, l, v, e);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct GlobalAveragePoolPattern : OpConversionPattern<GlobalAveragePoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GlobalAveragePoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (!x || !y)
      return failure();
    SmallVector<int64_t> dims;
    double n = 1;
    for (int64_t d = 2; d < x.getRank(); ++d) {
      if (x.isDynamicDim(d))
        return rewriter.notifyMatchFailure(op, "dynamic spatial dims");
      dims.push_back(d);
      n *= x.getDimSize(d);
    }
    Location loc = op.getLoc();
    Type acc = accumulatorFor(x.getElementType());
    Value sum = reduceDims(rewriter, loc, adaptor.getX(), dims, acc, 0.0,
                           [](OpBuilder &b, Location l, Value a, Value v) {
                             return arith::AddFOp::create(b, l, a, v).getResult();
                           });
    Value mean = buildElementwise(
        rewriter, loc, sum,
        RankedTensorType::get(cast<RankedTensorType>(sum.getType()).getShape(),
                              y.getElementType()),
        [&](OpBuilder &b, Location l, ValueRange a, Type e) {
          return convertScalar(
              b, l, arith::DivFOp::create(b, l, a[0], floatConst(b, l, acc, n)), e);
        });
    rewriter.replaceOp(op, keepDims(rewriter, loc, mean, dims, x.getRank()));
    return success();
  }
};

/// Flatten as a collapse of [0, axis) and [axis, rank) (dynamic dims ok).
struct FlattenPattern : OpConversionPattern<FlattenOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(FlattenOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!x)
      return failure();
    int64_t axis = (int64_t)op.getAxis().value_or(1);
    if (axis < 0)
      axis += x.getRank();
    if (axis == 0 || axis == x.getRank())
      return rewriter.notifyMatchFailure(op, "axis 0 or rank: reshape path");
    ReassociationIndices lo, hi;
    for (int64_t d = 0; d < x.getRank(); ++d)
      (d < axis ? lo : hi).push_back(d);
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, op.getType(), adaptor.getInput(),
        ArrayRef<ReassociationIndices>{lo, hi});
    return success();
  }
};

struct ConcatPattern : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (!y || !y.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs a static result");
    int64_t axis = static_cast<int64_t>(op.getAxis());
    if (axis < 0)
      axis += y.getRank();
    Location loc = op.getLoc();
    Value acc = tensor::EmptyOp::create(rewriter, loc, y.getShape(),
                                        y.getElementType());
    int64_t offset = 0;
    for (Value in : adaptor.getInputs()) {
      auto t = cast<RankedTensorType>(in.getType());
      SmallVector<int64_t> offs(y.getRank(), 0), strides(y.getRank(), 1);
      offs[axis] = offset;
      acc = tensor::InsertSliceOp::create(rewriter, loc, in, acc, ValueRange{},
                                          ValueRange{}, ValueRange{}, offs,
                                          t.getShape(), strides);
      offset += t.getDimSize(axis);
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

/// Gather along `axis` with tensor.extract in a linalg.generic body.
struct GatherPattern : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto data = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto idx = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (!data || !idx || !y)
      return failure();
    int64_t axis = (int64_t)op.getAxis().value_or(0);
    if (axis < 0)
      axis += data.getRank();
    MLIRContext *ctx = rewriter.getContext();
    Location loc = op.getLoc();
    int64_t q = idx.getRank();
    SmallVector<AffineExpr> idxE;
    for (int64_t d = 0; d < q; ++d)
      idxE.push_back(getAffineDimExpr(axis + d, ctx));
    SmallVector<AffineMap> maps = {
        AffineMap::get(y.getRank(), 0, idxE, ctx),
        AffineMap::getMultiDimIdentityMap(y.getRank(), ctx)};
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < y.getRank(); ++d) {
      if (!y.isDynamicDim(d))
        continue;
      if (d < axis)
        dyn.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getData(), d));
      else if (d < axis + q)
        dyn.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getIndices(),
                                            d - axis));
      else
        dyn.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getData(),
                                            d - q + 1));
    }
    Value init = tensor::EmptyOp::create(rewriter, loc, y.getShape(),
                                         y.getElementType(), dyn);
    SmallVector<IteratorType> iters(y.getRank(), IteratorType::parallel);
    Value dataV = adaptor.getData();
    Value r = linalg::GenericOp::create(
                  rewriter, loc, TypeRange{y}, ValueRange{adaptor.getIndices()},
                  ValueRange{init}, maps, iters,
                  [&](OpBuilder &b, Location l, ValueRange a) {
                    // Negative indices count from the end.
                    Value i = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                                         a[0]);
                    Value dimSize = tensor::DimOp::create(b, l, dataV, axis);
                    Value zero = arith::ConstantIndexOp::create(b, l, 0);
                    Value neg = arith::CmpIOp::create(
                        b, l, arith::CmpIPredicate::slt, i, zero);
                    i = arith::SelectOp::create(
                        b, l, neg, arith::AddIOp::create(b, l, i, dimSize), i);
                    SmallVector<Value> coords;
                    for (int64_t d = 0; d < data.getRank(); ++d) {
                      if (d < axis)
                        coords.push_back(linalg::IndexOp::create(b, l, d));
                      else if (d == axis)
                        coords.push_back(i);
                      else
                        coords.push_back(linalg::IndexOp::create(b, l, d + q - 1));
                    }
                    linalg::YieldOp::create(
                        b, l, tensor::ExtractOp::create(b, l, dataV, coords)
                                  .getResult());
                  })
                  .getResult(0);
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

struct ConvertMpToLinalgPass
    : mixprec::impl::ConvertMpToLinalgBase<ConvertMpToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           func::FuncDialect, bufferization::BufferizationDialect>();
    target.addIllegalDialect<MpDialect>();
    RewritePatternSet patterns(ctx);
    mixprec::populateMpToLinalgConversionPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mixprec::populateMpToLinalgConversionPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<
      ElementwisePattern<AddOp>, ElementwisePattern<SubOp>,
      ElementwisePattern<MulOp>, ElementwisePattern<DivOp>,
      ElementwisePattern<PowOp>, ElementwisePattern<NegOp>,
      ElementwisePattern<AbsOp>, ElementwisePattern<ExpOp>,
      ElementwisePattern<LogOp>, ElementwisePattern<SqrtOp>,
      ElementwisePattern<ReciprocalOp>, ElementwisePattern<ErfOp>,
      ElementwisePattern<TanhOp>, ElementwisePattern<SigmoidOp>,
      ElementwisePattern<ReluOp>, ElementwisePattern<LeakyReluOp>,
      ElementwisePattern<EluOp>, ElementwisePattern<GeluOp>,
      ElementwisePattern<HardSigmoidOp>, ElementwisePattern<HardSwishOp>,
      ElementwisePattern<SoftplusOp>, ElementwisePattern<MinOp>,
      ElementwisePattern<MaxOp>, ElementwisePattern<EqualOp>,
      ElementwisePattern<LessOp>, ElementwisePattern<GreaterOp>,
      ElementwisePattern<AndOp>, ElementwisePattern<OrOp>,
      ElementwisePattern<NotOp>, ElementwisePattern<WhereOp>,
      ElementwisePattern<ClipOp>, ElementwisePattern<CastOp>,
      ElementwisePattern<IdentityOp>, ConstantPattern,
      StaticReshapePattern<ReshapeOp>, StaticReshapePattern<FlattenOp>,
      StaticReshapePattern<SqueezeOp>, StaticReshapePattern<UnsqueezeOp>,
      TransposePattern, MatMulPattern, GemmPattern,
      ReducePattern<ReduceMeanOp>, ReducePattern<ReduceSumOp>,
      ReducePattern<ReduceMaxOp>, ReducePattern<ReduceMinOp>,
      ReducePattern<ReduceProdOp>, ReducePattern<ReduceL2Op>,
      ReducePattern<ReduceLogSumExpOp>, SoftmaxPattern<SoftmaxOp>,
      SoftmaxPattern<LogSoftmaxOp>, LayerNormPattern, BatchNormPattern,
      ConvPattern, PoolPattern<MaxPoolOp, true>,
      PoolPattern<AveragePoolOp, false>, GlobalAveragePoolPattern,
      ConcatPattern, GatherPattern>(ctx);
  // Flatten with a dynamic batch collapses; a static result reshapes.
  patterns.add<FlattenPattern>(ctx, /*benefit=*/2);
}
