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

#include "PatternUtils.h"

#include "mixprec/Dialect/Mp/IR/MpDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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

// Scalar helpers shared with the other pattern files (PatternUtils.h).
namespace mixprec::detail {

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

Type accumulatorFor(Type storage) {
  if (storage.isF16() || storage.isBF16())
    return Float32Type::get(storage.getContext());
  return storage;
}

} // namespace mixprec::detail

using namespace mixprec::detail;

namespace {

using utils::IteratorType;

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
    for (Value &v : operands) {
      // An unranked value that is a cast of a ranked one (a lowered op whose
      // ONNX result type was unknown) is read through the cast.
      if (auto c = v.getDefiningOp<tensor::CastOp>())
        if (!isa<RankedTensorType>(v.getType()) &&
            isa<RankedTensorType>(c.getSource().getType()))
          v = c.getSource();
      if (!isa<RankedTensorType>(v.getType()))
        return rewriter.notifyMatchFailure(op, "unranked operand");
    }
    // arith works on signless integers; unsigned element types are not
    // lowered yet (the conversion then reports the op).
    auto isUnsigned = [](Type t) {
      auto i = dyn_cast<IntegerType>(getElementTypeOrSelf(t));
      return i && i.isUnsigned();
    };
    if (llvm::any_of(op->getOperandTypes(), isUnsigned) ||
        llvm::any_of(op->getResultTypes(), isUnsigned)) {
      // Unsigned tensors keep their type; inside the body each element is
      // viewed as signless (arith's only integer kind) and computed with the
      // unsigned forms. The views are unrealized casts that cancel once
      // loads and stores are lowered to LLVM, where signedness is gone.
      constexpr bool supported =
          llvm::is_one_of<OpT, AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, EqualOp, LessOp,
                          GreaterOp, IdentityOp, PowOp>::value;
      if (!supported)
        return rewriter.notifyMatchFailure(op, "unsigned integer element type");
      // Pow: only a float base with an unsigned exponent.
      if (std::is_same_v<OpT, PowOp> && !isFloatLike(resultType.getElementType()))
        return rewriter.notifyMatchFailure(op, "unsigned integer base");
      Type resElem = resultType.getElementType();
      Value r = buildElementwise(
          rewriter, op.getLoc(), operands, resultType,
          [&](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
            auto view = [&](Value v, Type to) {
              return UnrealizedConversionCastOp::create(b, loc, to, v).getResult(0);
            };
            SmallVector<Value> v;
            for (Value x : a) {
              auto it = dyn_cast<IntegerType>(x.getType());
              v.push_back(it && !it.isSignless()
                              ? view(x, IntegerType::get(b.getContext(), it.getWidth()))
                              : x);
            }
            Value res;
            if constexpr (std::is_same_v<OpT, AddOp>)
              res = arith::AddIOp::create(b, loc, v[0], v[1]);
            else if constexpr (std::is_same_v<OpT, SubOp>)
              res = arith::SubIOp::create(b, loc, v[0], v[1]);
            else if constexpr (std::is_same_v<OpT, MulOp>)
              res = arith::MulIOp::create(b, loc, v[0], v[1]);
            else if constexpr (std::is_same_v<OpT, DivOp>)
              res = arith::DivUIOp::create(b, loc, v[0], v[1]);
            else if constexpr (std::is_same_v<OpT, PowOp>)
              res = math::PowFOp::create(
                  b, loc, v[0], arith::UIToFPOp::create(b, loc, v[0].getType(), v[1]));
            else if constexpr (std::is_same_v<OpT, MaxOp> || std::is_same_v<OpT, MinOp>) {
              res = v[0];
              for (Value x : ArrayRef<Value>(v).drop_front())
                res = std::is_same_v<OpT, MaxOp>
                          ? arith::MaxUIOp::create(b, loc, res, x).getResult()
                          : arith::MinUIOp::create(b, loc, res, x).getResult();
            } else if constexpr (std::is_same_v<OpT, EqualOp>)
              res = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v[0], v[1]);
            else if constexpr (std::is_same_v<OpT, LessOp>)
              res = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, v[0], v[1]);
            else if constexpr (std::is_same_v<OpT, GreaterOp>)
              res = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, v[0], v[1]);
            else
              res = v[0];
            return res.getType() == resElem ? res : view(res, resElem);
          });
      rewriter.replaceOp(op, r);
      return success();
    }
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
    // Loop order batch..., m, k, n: the innermost loop walks rows of B and
    // of the accumulator contiguously, which LLVM vectorises without
    // reassociating the reduction.
    int64_t mDim = r - 2, kDim = r - 1, nDim = r;
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
        e.push_back(dim(mDim));
        e.push_back(dim(kDim));
      } else {
        e.push_back(dim(kDim));
        e.push_back(dim(nDim));
      }
      return AffineMap::get(nd, 0, e, ctx);
    };
    SmallVector<AffineMap> maps = {operandMap(a, true), operandMap(bt, false)};
    SmallVector<AffineExpr> outE;
    for (int64_t d = 0; d < r - 2; ++d)
      outE.push_back(dim(d));
    outE.push_back(dim(mDim));
    outE.push_back(dim(nDim));
    maps.push_back(AffineMap::get(nd, 0, outE, ctx));
    SmallVector<IteratorType> iters(nd, IteratorType::parallel);
    iters[kDim] = IteratorType::reduction;
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

/// `v` converted to `type`: element cast, then a tensor.cast for the shape.
Value matchType(OpBuilder &b, Location loc, Value v, Type type) {
  auto t = cast<RankedTensorType>(type);
  v = castTensor(b, loc, v, t.getElementType());
  if (v.getType() != t)
    v = tensor::CastOp::create(b, loc, t, v);
  return v;
}

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
  auto axesT = axesVal ? dyn_cast<RankedTensorType>(axesVal.getType()) : nullptr;
  // An empty runtime axes tensor is as good as a constant one.
  if (axesVal && !(axesT && axesT.hasStaticShape() && axesT.getNumElements() == 0)) {
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
    Location loc = op.getLoc();
    // The reduction over a known set of dims.
    auto build = [&](ArrayRef<int64_t> axesRef) -> FailureOr<Value> {
    if (axesRef.empty())
      return matchType(rewriter, loc, adaptor.getData(), out);
    std::optional<ArrayRef<int64_t>> axes = axesRef;
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
          return failure();
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
    return castTensor(rewriter, loc, r, out.getElementType());
    };

    FailureOr<SmallVector<int64_t>> axes = reductionAxes(op, in.getRank());
    if (succeeded(axes)) {
      FailureOr<Value> r = build(*axes);
      if (failed(r))
        return rewriter.notifyMatchFailure(op, "dynamic reduced dims");
      rewriter.replaceOp(op, *r);
      return success();
    }
    // Runtime axes: the candidate dim sets the static types allow, chosen at
    // run time by the bitmask of the normalised axes.
    Value axesVal = op.getAxesVal() ? adaptor.getAxesVal() : Value();
    auto axesT = axesVal ? dyn_cast<RankedTensorType>(axesVal.getType()) : nullptr;
    int64_t rank = in.getRank();
    if (!axesT || axesT.getRank() != 1 || axesT.isDynamicDim(0) || rank > 16 ||
        axesT.getDimSize(0) == 0)
      return rewriter.notifyMatchFailure(op, "runtime axes of unknown count");
    int64_t k = axesT.getDimSize(0);
    bool keep = out.getRank() == rank;
    SmallVector<int64_t> masks;
    for (int64_t m = 1; m < (int64_t(1) << rank); ++m) {
      if (llvm::popcount((uint64_t)m) != k)
        continue;
      SmallVector<int64_t> shape;
      for (int64_t d = 0; d < rank; ++d) {
        bool red = (m >> d) & 1;
        if (!red)
          shape.push_back(in.getDimSize(d));
        else if (keep)
          shape.push_back(1);
      }
      if ((int64_t)shape.size() != out.getRank())
        continue;
      bool ok = true;
      for (int64_t d = 0; d < out.getRank(); ++d)
        if (!ShapedType::isDynamic(shape[d]) && !out.isDynamicDim(d) &&
            shape[d] != out.getDimSize(d))
          ok = false;
      if (ok)
        masks.push_back(m);
    }
    if (masks.empty())
      return rewriter.notifyMatchFailure(op, "no axes match the result type");
    auto axesOf = [&](int64_t m) {
      SmallVector<int64_t> a;
      for (int64_t d = 0; d < rank; ++d)
        if ((m >> d) & 1)
          a.push_back(d);
      return a;
    };
    if (masks.size() == 1) {
      FailureOr<Value> r = build(axesOf(masks[0]));
      if (failed(r))
        return rewriter.notifyMatchFailure(op, "dynamic reduced dims");
      rewriter.replaceOp(op, *r);
      return success();
    }
    Value mask = arith::ConstantIndexOp::create(rewriter, loc, 0);
    for (int64_t i = 0; i < k; ++i) {
      Value a = tensor::ExtractOp::create(rewriter, loc, axesVal,
                                          ValueRange{arith::ConstantIndexOp::create(rewriter, loc, i)});
      a = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), a);
      Value neg = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt, a,
                                        arith::ConstantIndexOp::create(rewriter, loc, 0));
      a = arith::SelectOp::create(
          rewriter, loc, neg,
          arith::AddIOp::create(rewriter, loc, a, arith::ConstantIndexOp::create(rewriter, loc, rank)),
          a);
      Value bit = arith::ShLIOp::create(rewriter, loc,
                                        arith::ConstantIndexOp::create(rewriter, loc, 1), a);
      mask = arith::OrIOp::create(rewriter, loc, mask, bit);
    }
    auto sw = scf::IndexSwitchOp::create(rewriter, loc, TypeRange{out}, mask, masks,
                                         masks.size());
    for (size_t c = 0; c <= masks.size(); ++c) {
      Region &region = c < masks.size() ? sw.getCaseRegions()[c] : sw.getDefaultRegion();
      Block *blk = rewriter.createBlock(&region);
      rewriter.setInsertionPointToStart(blk);
      // Axes that match no candidate are invalid for these types; the
      // default computes the first candidate.
      FailureOr<Value> r = build(axesOf(masks[c < masks.size() ? c : 0]));
      if (failed(r))
        return rewriter.notifyMatchFailure(op, "dynamic reduced dims");
      scf::YieldOp::create(rewriter, loc, *r);
    }
    rewriter.setInsertionPointAfter(sw);
    rewriter.replaceOp(op, sw.getResults());
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
    if (!in)
      return failure();
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
    // stash_type 1: f32 statistics (f64 inputs keep f64).
    Type acc = in.getElementType().isF64() ? in.getElementType()
                                           : Float32Type::get(rewriter.getContext());
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
    // Mean and InvStdDev keep the normalised dims as size 1 (stash type).
    SmallVector<Value> results = {r};
    if (op.getMean())
      results.push_back(matchType(rewriter, loc, meanK, op.getMean().getType()));
    if (op.getInvStdDev())
      results.push_back(
          matchType(rewriter, loc, invK, op.getInvStdDev().getType()));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct BatchNormPattern : OpConversionPattern<BatchNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!in || in.getRank() < 2 || op.getSavedMean() || op.getSavedVar())
      return rewriter.notifyMatchFailure(op, "opset 7-8 saved statistics");
    MLIRContext *ctx = rewriter.getContext();
    Location loc = op.getLoc();
    double eps = op.getEpsilon() ? op.getEpsilon()->convertToDouble() : 1e-5;
    bool training = op.getTrainingMode().value_or(0) != 0 || op.getRunningMean() ||
                    op.getRunningVar();
    Value mean = adaptor.getInputMean(), var = adaptor.getInputVar();
    SmallVector<Value> stats;
    if (training) {
      // Batch statistics over every dim but the channel (population
      // variance), and the running averages
      //   running = input * momentum + batch * (1 - momentum).
      Type facc = in.getElementType().isF64() ? in.getElementType() : Float32Type::get(ctx);
      SmallVector<int64_t> dims = {0};
      double count = in.isDynamicDim(0) ? -1 : in.getDimSize(0);
      for (int64_t d = 2; d < in.getRank(); ++d) {
        dims.push_back(d);
        count = in.isDynamicDim(d) || count < 0 ? -1 : count * in.getDimSize(d);
      }
      if (count <= 0)
        return rewriter.notifyMatchFailure(op, "training needs static batch and spatial dims");
      auto addF = [](OpBuilder &b, Location l, Value a, Value x) {
        return arith::AddFOp::create(b, l, a, x).getResult();
      };
      Value sum = reduceDims(rewriter, loc, adaptor.getX(), dims, facc, 0.0, addF);
      auto ct = cast<RankedTensorType>(sum.getType());
      Value bm = buildElementwise(rewriter, loc, sum, ct,
                                  [&](OpBuilder &b, Location l, ValueRange a, Type) {
                                    return arith::DivFOp::create(b, l, a[0],
                                                                 floatConst(b, l, facc, count))
                                        .getResult();
                                  });
      auto fullMaps = SmallVector<AffineMap>{
          AffineMap::getMultiDimIdentityMap(in.getRank(), ctx),
          AffineMap::get(in.getRank(), 0, getAffineDimExpr(1, ctx)),
          AffineMap::getMultiDimIdentityMap(in.getRank(), ctx)};
      auto fullF = RankedTensorType::get(in.getShape(), facc);
      Value dev = linalg::GenericOp::create(
                      rewriter, loc, TypeRange{fullF}, ValueRange{adaptor.getX(), bm},
                      ValueRange{emptyLike(rewriter, loc, fullF, adaptor.getX())}, fullMaps,
                      SmallVector<IteratorType>(in.getRank(), IteratorType::parallel),
                      [&](OpBuilder &b, Location l, ValueRange a) {
                        Value dlt = arith::SubFOp::create(b, l, convertScalar(b, l, a[0], facc),
                                                          a[1]);
                        linalg::YieldOp::create(b, l,
                                                arith::MulFOp::create(b, l, dlt, dlt).getResult());
                      })
                      .getResult(0);
      Value sq = reduceDims(rewriter, loc, dev, dims, facc, 0.0, addF);
      Value bv = buildElementwise(rewriter, loc, sq, ct,
                                  [&](OpBuilder &b, Location l, ValueRange a, Type) {
                                    return arith::DivFOp::create(b, l, a[0],
                                                                 floatConst(b, l, facc, count))
                                        .getResult();
                                  });
      double momentum = op.getMomentum() ? op.getMomentum()->convertToDouble() : 0.9;
      for (auto [run, batch, res] :
           {std::tuple(adaptor.getInputMean(), bm, op.getRunningMean()),
            std::tuple(adaptor.getInputVar(), bv, op.getRunningVar())}) {
        if (!res)
          continue;
        auto rt = cast<RankedTensorType>(res.getType());
        stats.push_back(buildElementwise(
            rewriter, loc, ValueRange{run, batch}, rt,
            [&](OpBuilder &b, Location l, ValueRange a, Type e) {
              Value r = arith::AddFOp::create(
                  b, l,
                  arith::MulFOp::create(b, l, convertScalar(b, l, a[0], facc),
                                        floatConst(b, l, facc, momentum)),
                  arith::MulFOp::create(b, l, a[1], floatConst(b, l, facc, 1.0 - momentum)));
              return convertScalar(b, l, r, e);
            }));
      }
      mean = bm;
      var = bv;
    }
    // Per-channel parameters index dim 1.
    AffineMap chan = AffineMap::get(in.getRank(), 0, getAffineDimExpr(1, ctx));
    SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(in.getRank(), ctx),
                                   chan, chan, chan, chan,
                                   AffineMap::getMultiDimIdentityMap(in.getRank(), ctx)};
    Value init = emptyLike(rewriter, loc, in, adaptor.getX());
    SmallVector<IteratorType> iters(in.getRank(), IteratorType::parallel);
    // f32 statistics for f16/bf16/f32 storage; f64 keeps f64.
    Type acc = in.getElementType().isF64() ? in.getElementType() : Float32Type::get(ctx);
    auto g = linalg::GenericOp::create(
        rewriter, loc, TypeRange{in},
        ValueRange{adaptor.getX(), adaptor.getScale(), adaptor.getB(), mean, var},
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
    SmallVector<Value> results = {g.getResult(0)};
    llvm::append_range(results, stats);
    rewriter.replaceOp(op, results);
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
  return success();
}

/// Explicit (top, left, bottom, right) pads of a 2-D window op, resolving
/// auto_pad SAME_UPPER/SAME_LOWER/VALID from static spatial sizes, then
/// growing bottom/right so that every output window of `y` fits (ceil_mode).
/// `extra` receives that growth, which is not part of the op's padding.
template <typename OpT>
LogicalResult resolvePads(OpT op, RankedTensorType x, RankedTensorType y,
                          ArrayRef<int64_t> k, ArrayRef<int64_t> strides,
                          ArrayRef<int64_t> dil, SmallVectorImpl<int64_t> &pads,
                          SmallVectorImpl<int64_t> &extra) {
  pads.assign(4, 0);
  extra.assign(2, 0);
  if (auto p = op.getPads())
    pads.assign(p->begin(), p->end());
  StringRef autoPad = op.getAutoPad() ? StringRef(*op.getAutoPad()) : "NOTSET";
  for (int d = 0; d < 2; ++d) {
    int64_t in = x.getDimSize(2 + d), out = y.getDimSize(2 + d);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(out))
      return failure();
    int64_t span = (k[d] - 1) * dil[d] + 1;
    if (autoPad == "VALID") {
      pads[d] = pads[d + 2] = 0;
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t total = std::max<int64_t>(0, (out - 1) * strides[d] + span - in);
      int64_t small = total / 2;
      pads[d] = autoPad == "SAME_UPPER" ? small : total - small;
      pads[d + 2] = total - pads[d];
    }
    int64_t need = (out - 1) * strides[d] + span;
    extra[d] = std::max<int64_t>(0, need - (in + pads[d] + pads[d + 2]));
  }
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
    int64_t groups = op.getGroup().value_or(1);
    Location loc = op.getLoc();
    SmallVector<int64_t> strides = {1, 1}, dil = {1, 1};
    if (auto st = op.getStrides())
      strides.assign(st->begin(), st->end());
    if (auto dl = op.getDilations())
      dil.assign(dl->begin(), dl->end());
    auto w = dyn_cast<RankedTensorType>(adaptor.getW().getType());
    if (!w || w.isDynamicDim(2) || w.isDynamicDim(3))
      return rewriter.notifyMatchFailure(op, "needs a static kernel");
    SmallVector<int64_t> pads, extra;
    if (failed(resolvePads(op, x, y, {w.getDimSize(2), w.getDimSize(3)}, strides,
                           dil, pads, extra)))
      return rewriter.notifyMatchFailure(op, "dynamic spatial dims");
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
    // im2col, then a matmul-shaped generic per group, loop order
    // (n, g, f, k, p):
    //   col[n, c, kh, kw, oh, ow] = in[n, c, oh*s + kh*d, ow*s + kw*d]
    //   out[n, g, f, p] += w[g, f, k] * col[n, g, k, p]
    // with c = (g, c'), k = (c', kh, kw) and p = (oh, ow). The innermost loop
    // walks a whole output plane contiguously whatever the stride, so LLVM
    // vectorises it (the named conv_2d_nchw_fchw keeps the 3-wide kw loop
    // innermost). Depthwise convolution is the case c' = 1.
    MLIRContext *cctx = rewriter.getContext();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, cctx); };
    auto inT = cast<RankedTensorType>(in.getType());
    int64_t kh = w.getDimSize(2), kw = w.getDimSize(3);
    int64_t oh = y.getDimSize(2), ow = y.getDimSize(3);
    SmallVector<int64_t> colShape = {inT.getDimSize(0), inT.getDimSize(1), kh, kw, oh, ow};
    SmallVector<Value> colDyn;
    if (inT.isDynamicDim(0))
      colDyn.push_back(tensor::DimOp::create(rewriter, loc, in, 0));
    if (inT.isDynamicDim(1) || w.isDynamicDim(0) || w.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "dynamic channels");
    int64_t f = w.getDimSize(0), kg = w.getDimSize(1) * kh * kw;
    if (groups < 1 || f % groups || inT.getDimSize(1) != groups * w.getDimSize(1))
      return rewriter.notifyMatchFailure(op, "channels do not match group");
    Value col = tensor::EmptyOp::create(rewriter, loc, colShape,
                                        inT.getElementType(), colDyn);
    col = linalg::GenericOp::create(
              rewriter, loc, TypeRange{col.getType()}, ValueRange{in}, ValueRange{col},
              SmallVector<AffineMap>{
                  AffineMap::get(6, 0,
                                 {d(0), d(1), d(4) * strides[0] + d(2) * dil[0],
                                  d(5) * strides[1] + d(3) * dil[1]},
                                 cctx),
                  AffineMap::getMultiDimIdentityMap(6, cctx)},
              SmallVector<IteratorType>(6, IteratorType::parallel),
              [&](OpBuilder &b, Location l, ValueRange args) {
                linalg::YieldOp::create(b, l, args[0]);
              })
              .getResult(0);
    // [N, C*KH*KW, P] -> [N, G, Kg, P]; weights [F, Kg] -> [G, F/G, Kg].
    Value colK = tensor::CollapseShapeOp::create(
        rewriter, loc, col, ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}, {4, 5}});
    auto colKT = cast<RankedTensorType>(colK.getType());
    colK = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({colKT.getDimSize(0), groups, kg, oh * ow}, colKT.getElementType()),
        colK, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}});
    Value wK = tensor::CollapseShapeOp::create(
        rewriter, loc, adaptor.getW(), ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
    wK = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get({groups, f / groups, kg}, w.getElementType()), wK,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}});
    Value initP = tensor::CollapseShapeOp::create(
        rewriter, loc, init, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
    auto initPT = cast<RankedTensorType>(initP.getType());
    initP = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({initPT.getDimSize(0), groups, f / groups, oh * ow}, acc),
        initP, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}});
    Value convP =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{initP.getType()}, ValueRange{wK, colK},
            ValueRange{initP},
            SmallVector<AffineMap>{AffineMap::get(5, 0, {d(1), d(2), d(3)}, cctx),
                                   AffineMap::get(5, 0, {d(0), d(1), d(3), d(4)}, cctx),
                                   AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, cctx)},
            SmallVector<IteratorType>{IteratorType::parallel, IteratorType::parallel,
                                      IteratorType::parallel, IteratorType::reduction,
                                      IteratorType::parallel},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value prod = arith::MulFOp::create(b, l, convertScalar(b, l, args[0], acc),
                                                 convertScalar(b, l, args[1], acc));
              linalg::YieldOp::create(b, l,
                                      arith::AddFOp::create(b, l, args[2], prod).getResult());
            })
            .getResult(0);
    convP = tensor::CollapseShapeOp::create(
        rewriter, loc, convP, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}});
    Value conv = tensor::ExpandShapeOp::create(
        rewriter, loc, accType, convP, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
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

/// ConvTranspose (any spatial rank, groups, dilations, output_padding,
/// output_shape, auto_pad) in gather form, so that no output is written
/// twice: y[n, f, o] = sum over c, k of x[n, g*Cg + c, i] * w[g*Cg + c, f', k]
/// where o = i*stride - pad + k*dilation, i.e. i = (o + pad - k*dilation) /
/// stride when that divides exactly and lands inside x. Accumulates in f32
/// for f16/bf16 storage.
struct ConvTransposePattern : OpConversionPattern<ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto w = dyn_cast<RankedTensorType>(adaptor.getW().getType());
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (!x || !w || !y || x.getRank() < 3 || !w.hasStaticShape() ||
        !isFloatLike(y.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs ranked float tensors");
    int64_t r = x.getRank() - 2;
    for (int64_t d = 1; d < x.getRank(); ++d)
      if (x.isDynamicDim(d) || y.isDynamicDim(d))
        return rewriter.notifyMatchFailure(op, "dynamic channel/spatial dims");
    int64_t groups = op.getGroup().value_or(1);
    int64_t cg = x.getDimSize(1) / groups, fg = w.getDimSize(1);
    auto attrOr = [&](std::optional<ArrayRef<int64_t>> a, int64_t n, int64_t v) {
      SmallVector<int64_t> out(n, v);
      if (a && (int64_t)a->size() == n)
        out.assign(a->begin(), a->end());
      return out;
    };
    SmallVector<int64_t> strides = attrOr(op.getStrides(), r, 1);
    SmallVector<int64_t> dil = attrOr(op.getDilations(), r, 1);
    SmallVector<int64_t> pads = attrOr(op.getPads(), 2 * r, 0);
    SmallVector<int64_t> outPad = attrOr(op.getOutputPadding(), r, 0);
    StringRef autoPad = op.getAutoPad() ? StringRef(*op.getAutoPad()) : "NOTSET";
    SmallVector<int64_t> head(r);
    for (int64_t d = 0; d < r; ++d) {
      int64_t in = x.getDimSize(2 + d), out = y.getDimSize(2 + d);
      int64_t span = (w.getDimSize(2 + d) - 1) * dil[d] + 1;
      int64_t total = strides[d] * (in - 1) + outPad[d] + span - out;
      // The spec's formulas with floor division (as its reference does),
      // which matters when output_shape asks for more than the full output.
      if (autoPad == "SAME_UPPER")
        head[d] = llvm::divideFloorSigned(total, 2);
      else if (autoPad == "SAME_LOWER" || op.getOutputShape())
        head[d] = total - llvm::divideFloorSigned(total, 2);
      else if (autoPad == "VALID")
        head[d] = 0;
      else
        head[d] = pads[d];
    }
    MLIRContext *ctx = rewriter.getContext();
    Location loc = op.getLoc();
    Type acc = accumulatorFor(y.getElementType());
    // Dims: n, f, o[r], c, k[r].
    int64_t nd = 2 + r + 1 + r;
    SmallVector<AffineExpr> outE;
    for (int64_t d = 0; d < 2 + r; ++d)
      outE.push_back(getAffineDimExpr(d, ctx));
    SmallVector<IteratorType> iters(2 + r, IteratorType::parallel);
    iters.append(1 + r, IteratorType::reduction);
    SmallVector<Value> dyn;
    if (y.isDynamicDim(0))
      dyn.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getX(), 0));
    SmallVector<int64_t> loopShape(y.getShape());
    loopShape.push_back(cg);
    for (int64_t d = 0; d < r; ++d)
      loopShape.push_back(w.getDimSize(2 + d));
    // The reduction extents come from a shape-only operand.
    Value extents = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>(loopShape).drop_front(2 + r), acc);
    SmallVector<AffineExpr> extE;
    for (int64_t d = 2 + r; d < nd; ++d)
      extE.push_back(getAffineDimExpr(d, ctx));
    Value init = tensor::EmptyOp::create(rewriter, loc, y.getShape(), acc, dyn);
    init = linalg::FillOp::create(rewriter, loc, floatConst(rewriter, loc, acc, 0.0),
                                  init)
               .getResult(0);
    Value xv = adaptor.getX(), wv = adaptor.getW();
    Value sum =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{init.getType()}, ValueRange{extents},
            ValueRange{init},
            SmallVector<AffineMap>{AffineMap::get(nd, 0, extE, ctx),
                                   AffineMap::get(nd, 0, outE, ctx)},
            iters,
            [&](OpBuilder &b, Location l, ValueRange a) {
              auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
              Value n = linalg::IndexOp::create(b, l, 0);
              Value f = linalg::IndexOp::create(b, l, 1);
              Value c = linalg::IndexOp::create(b, l, 2 + r);
              Value g = arith::DivUIOp::create(b, l, f, cst(fg));
              Value cAll = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, g, cst(cg)), c);
              Value fIn = arith::RemUIOp::create(b, l, f, cst(fg));
              Value valid = arith::ConstantIntOp::create(b, l, 1, 1);
              SmallVector<Value> xi = {n, cAll}, wi = {cAll, fIn};
              for (int64_t d = 0; d < r; ++d) {
                Value o = linalg::IndexOp::create(b, l, 2 + d);
                Value k = linalg::IndexOp::create(b, l, 3 + r + d);
                // t = o + pad - k*dil; valid iff t >= 0, t % s == 0, t/s < in.
                Value t = arith::SubIOp::create(
                    b, l, arith::AddIOp::create(b, l, o, cst(head[d])),
                    arith::MulIOp::create(b, l, k, cst(dil[d])));
                Value i = arith::DivSIOp::create(b, l, t, cst(strides[d]));
                Value ok = arith::AndIOp::create(
                    b, l,
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, t, cst(0)),
                    arith::CmpIOp::create(
                        b, l, arith::CmpIPredicate::eq,
                        arith::RemSIOp::create(b, l, t, cst(strides[d])), cst(0)));
                ok = arith::AndIOp::create(
                    b, l, ok,
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i,
                                          cst(x.getDimSize(2 + d))));
                valid = arith::AndIOp::create(b, l, valid, ok);
                // Clamped so that the (discarded) read stays in bounds.
                xi.push_back(arith::SelectOp::create(b, l, ok, i, cst(0)));
                wi.push_back(k);
              }
              Value xs = convertScalar(b, l, tensor::ExtractOp::create(b, l, xv, xi), acc);
              Value ws = convertScalar(b, l, tensor::ExtractOp::create(b, l, wv, wi), acc);
              Value prod = arith::SelectOp::create(b, l, valid,
                                                   arith::MulFOp::create(b, l, xs, ws),
                                                   floatConst(b, l, acc, 0.0));
              linalg::YieldOp::create(b, l, arith::AddFOp::create(b, l, a[1], prod).getResult());
            })
            .getResult(0);
    // Bias per output channel, then the storage type.
    SmallVector<Value> ins = {sum};
    if (adaptor.getB()) {
      auto bt = cast<RankedTensorType>(adaptor.getB().getType());
      SmallVector<ReassociationIndices> re = {{0}};
      SmallVector<int64_t> shape = {bt.getDimSize(0)};
      for (int64_t d = 0; d < r; ++d) {
        re.back().push_back(d + 1);
        shape.push_back(1);
      }
      ins.push_back(tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, bt.getElementType()),
          adaptor.getB(), re));
    }
    Value out = buildElementwise(
        rewriter, loc, ins, y, [&](OpBuilder &b, Location l, ValueRange a, Type e) {
          Value v = a[0];
          if (a.size() > 1)
            v = arith::AddFOp::create(b, l, v, convertScalar(b, l, a[1], acc));
          return convertScalar(b, l, v, e);
        });
    rewriter.replaceOp(op, out);
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
    if (!isFloatLike(y.getElementType()))
      return rewriter.notifyMatchFailure(op, "integer pooling");
    Location loc = op.getLoc();
    SmallVector<int64_t> strides = {1, 1}, dil = {1, 1};
    if (auto st = op.getStrides())
      strides.assign(st->begin(), st->end());
    if (auto dl = op.getDilations())
      dil.assign(dl->begin(), dl->end());
    ArrayRef<int64_t> k = op.getKernelShape();
    SmallVector<int64_t> pads, extra;
    if (failed(resolvePads(op, x, y, k, strides, dil, pads, extra)))
      return rewriter.notifyMatchFailure(op, "dynamic spatial dims");
    SmallVector<int64_t> extraPads = {0, 0, extra[0], extra[1]};
    Type elem = y.getElementType();
    Type acc = IsMax ? elem : accumulatorFor(elem);
    double fillV = IsMax ? -INFINITY : 0.0;
    Value in = padSpatial(rewriter, loc, adaptor.getX(), pads, fillV);
    in = padSpatial(rewriter, loc, in, extraPads, fillV);
    Value window = tensor::EmptyOp::create(rewriter, loc, k, acc);
    SmallVector<Value> dyn;
    if (y.isDynamicDim(0))
      dyn.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getX(), 0));
    auto pool = [&](Value input, Value init) -> Value {
      if constexpr (IsMax)
        return linalg::PoolingNchwMaxOp::create(
                   rewriter, loc, TypeRange{init.getType()}, ValueRange{input, window},
                   ValueRange{init}, rewriter.getI64TensorAttr(strides),
                   rewriter.getI64TensorAttr(dil))
            .getResult(0);
      else
        return linalg::PoolingNchwSumOp::create(
                   rewriter, loc, TypeRange{init.getType()}, ValueRange{input, window},
                   ValueRange{init}, rewriter.getI64TensorAttr(strides),
                   rewriter.getI64TensorAttr(dil))
            .getResult(0);
    };
    Value init = tensor::EmptyOp::create(rewriter, loc, y.getShape(), acc, dyn);
    init = linalg::FillOp::create(rewriter, loc, floatConst(rewriter, loc, acc, fillV),
                                  init)
               .getResult(0);
    Value pooled = pool(in, init);
    Value r;
    if constexpr (IsMax) {
      r = castTensor(rewriter, loc, pooled, elem);
    } else {
      // The divisor counts the window positions that lie on the input, plus
      // the explicit pads when count_include_pad=1; the ceil_mode growth
      // never counts. It is the sum-pool of a one-channel mask.
      bool includePad = op.getCountIncludePad().value_or(0) != 0;
      auto maskType = RankedTensorType::get({1, 1, x.getDimSize(2), x.getDimSize(3)}, acc);
      Value mask = linalg::FillOp::create(
                       rewriter, loc, floatConst(rewriter, loc, acc, 1.0),
                       tensor::EmptyOp::create(rewriter, loc, maskType.getShape(), acc)
                           .getResult())
                       .getResult(0);
      mask = padSpatial(rewriter, loc, mask, pads, includePad ? 1.0 : 0.0);
      mask = padSpatial(rewriter, loc, mask, extraPads, 0.0);
      SmallVector<int64_t> cshape = {1, 1, y.getDimSize(2), y.getDimSize(3)};
      Value cinit = linalg::FillOp::create(
                        rewriter, loc, floatConst(rewriter, loc, acc, 0.0),
                        tensor::EmptyOp::create(rewriter, loc, cshape, acc).getResult())
                        .getResult(0);
      Value counts = pool(mask, cinit);
      r = buildElementwise(rewriter, loc, ValueRange{pooled, counts}, y,
                           [&](OpBuilder &b, Location l, ValueRange a, Type e) {
                             return convertScalar(
                                 b, l, arith::DivFOp::create(b, l, a[0], a[1]), e);
                           });
    }
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// GroupNormalization and InstanceNormalization: expanded into mp ops
/// (grouped statistics through Reshape and ReduceMean, f32 for f16/bf16),
/// which the other patterns then lower.
template <typename OpT>
struct NormExpansionPattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> r = expandNormalization(op, rewriter);
    if (failed(r))
      return rewriter.notifyMatchFailure(op, "cannot expand");
    rewriter.replaceOp(op, *r);
    return success();
  }
};

/// 1-D pooling and convolution as their 2-D forms over a unit height:
/// [N, C, L] -> [N, C, 1, L] (and a Conv kernel [F, C/g, k] -> [F, C/g, 1, k]),
/// with the window attributes lifted (kernel [1, k], strides [1, s],
/// dilations [1, d], pads [0, b, 0, e]). The lifted op is converted by the
/// 2-D pattern, so the im2col convolution and its tiling apply.
template <typename OpT>
struct Pool1DPattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto y = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!x || !y || x.getRank() != 3 || y.getRank() != 3 || !x.hasStaticShape() ||
        !y.hasStaticShape() || op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not a static 1-D pool");
    Location loc = op.getLoc();
    auto lift = [](RankedTensorType t) {
      return RankedTensorType::get({t.getDimSize(0), t.getDimSize(1), 1, t.getDimSize(2)},
                                   t.getElementType());
    };
    SmallVector<ReassociationIndices> re = {{0}, {1}, {2, 3}};
    Value x4 = tensor::ExpandShapeOp::create(rewriter, loc, lift(x), adaptor.getX(), re);
    Value w4;
    if constexpr (std::is_same_v<OpT, ConvOp>) {
      // The kernel lifts the same way: [F, C/g, k] -> [F, C/g, 1, k].
      auto w = dyn_cast<RankedTensorType>(adaptor.getW().getType());
      if (!w || w.getRank() != 3 || !w.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "needs a static 1-D kernel");
      w4 = tensor::ExpandShapeOp::create(rewriter, loc, lift(w), adaptor.getW(), re);
    }
    Operation *lifted = rewriter.clone(*op);
    lifted->setOperand(0, x4);
    if (w4)
      lifted->setOperand(1, w4);
    lifted->getResult(0).setType(lift(y));
    auto setArray = [&](StringRef name, ArrayRef<int64_t> v) {
      lifted->setAttr(name, DenseI64ArrayAttr::get(rewriter.getContext(), v));
    };
    auto get = [&](StringRef name) -> std::optional<ArrayRef<int64_t>> {
      if (auto a = op->template getAttrOfType<DenseI64ArrayAttr>(name))
        return a.asArrayRef();
      return std::nullopt;
    };
    if (auto k = get("kernel_shape")) {
      if (k->size() != 1)
        return rewriter.notifyMatchFailure(op, "kernel_shape");
      setArray("kernel_shape", {1, (*k)[0]});
    } else if (!std::is_same_v<OpT, ConvOp>) {
      return rewriter.notifyMatchFailure(op, "kernel_shape");
    }
    if (auto v = get("strides"))
      setArray("strides", {1, (*v)[0]});
    if (auto v = get("dilations"))
      setArray("dilations", {1, (*v)[0]});
    if (auto v = get("pads"); v && v->size() == 2)
      setArray("pads", {0, (*v)[0], 0, (*v)[1]});
    Value r = tensor::CollapseShapeOp::create(rewriter, loc, y, lifted->getResult(0), re);
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

/// A parallel linalg.generic over `init` whose body yields
/// `source[coords(loaded ins)]`; `ins` are read through `inMaps`. The common
/// shape of Gather, GatherElements, Slice and Tile.
Value buildIndexedRead(
    OpBuilder &b, Location loc, Value init, ValueRange ins,
    ArrayRef<AffineMap> inMaps, Value source,
    llvm::function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
        coords) {
  auto type = cast<RankedTensorType>(init.getType());
  SmallVector<AffineMap> maps(inMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext()));
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ins, ValueRange{init}, maps,
             SmallVector<IteratorType>(type.getRank(), IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange a) {
               SmallVector<Value> at = coords(nb, l, a.drop_back());
               linalg::YieldOp::create(
                   nb, l, tensor::ExtractOp::create(nb, l, source, at).getResult());
             })
      .getResult(0);
}

/// An ONNX index (any integer type) as an `index`, negative values counting
/// back from dim `axis` of `source`.
Value wrapIndex(OpBuilder &b, Location l, Value idx, Value source, int64_t axis) {
  Value i = arith::IndexCastOp::create(b, l, b.getIndexType(), idx);
  Value n = tensor::DimOp::create(b, l, source, axis);
  Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i,
                                    arith::ConstantIndexOp::create(b, l, 0));
  return arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, i, n), i);
}

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
    AffineMap idxMap = AffineMap::get(y.getRank(), 0, idxE, ctx);
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
    Value dataV = adaptor.getData();
    Value r = buildIndexedRead(
        rewriter, loc, init, adaptor.getIndices(), idxMap, dataV,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value i = wrapIndex(b, l, a[0], dataV, axis);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < data.getRank(); ++d)
            coords.push_back(d < axis    ? linalg::IndexOp::create(b, l, d).getResult()
                             : d == axis ? i
                                         : linalg::IndexOp::create(b, l, d + q - 1).getResult());
          return coords;
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Shape and data movement with static results
//===----------------------------------------------------------------------===//

/// `true` if `t` is an unsigned integer type (signless lowering would be
/// wrong for comparisons, divisions and extensions).
bool isUnsignedInt(Type t) {
  auto i = dyn_cast<IntegerType>(t);
  return i && i.isUnsigned();
}

/// Dropout. In inference (no training_mode, or a constant false) the output
/// is the input and the mask is all true. In training mode (a runtime or
/// constant true flag) each element is kept when u >= ratio, with u uniform
/// in [0, 1) from a counter-based hash of (seed, element index), and scaled
/// by 1 / (1 - ratio); a false runtime flag gives the inference result. The
/// mask is the same on every call with the same seed: it is reproducible,
/// not fresh randomness per step.
} // namespace

Value mixprec::detail::dropoutSeedTerm(OpBuilder &b, Location l, uint32_t seed, Value step) {
  Type i32 = b.getI32Type();
  auto c32 = [&](uint32_t v) {
    return arith::ConstantOp::create(b, l, b.getIntegerAttr(i32, (int64_t)(int32_t)v)).getResult();
  };
  Value t = c32(seed * 0x85EBCA6Bu + 0x27D4EB2Fu);
  if (step)
    t = arith::AddIOp::create(b, l, t,
                              arith::MulIOp::create(b, l, arith::TruncIOp::create(b, l, i32, step),
                                                    c32(0xC2B2AE35u)));
  return t;
}

Value mixprec::detail::dropoutKeep(OpBuilder &b, Location l, Value lin, Value seedTerm,
                                   Value ratio) {
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto c32 = [&](uint32_t v) {
    return arith::ConstantOp::create(b, l, b.getIntegerAttr(i32, (int64_t)(int32_t)v)).getResult();
  };
  // A 32-bit integer finaliser hash of the index mixed with the seed.
  Value h = arith::IndexCastUIOp::create(b, l, i32, lin);
  h = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, h, c32(0x9E3779B9u)), seedTerm);
  for (auto [shift, mul] : {std::pair<uint32_t, uint32_t>{16, 0x7FEB352Du}, {15, 0x846CA68Bu}}) {
    h = arith::XOrIOp::create(b, l, h, arith::ShRUIOp::create(b, l, h, c32(shift)));
    h = arith::MulIOp::create(b, l, h, c32(mul));
  }
  h = arith::XOrIOp::create(b, l, h, arith::ShRUIOp::create(b, l, h, c32(16)));
  // u = top 24 bits / 2^24, in [0, 1).
  Value u = arith::UIToFPOp::create(b, l, f32, arith::ShRUIOp::create(b, l, h, c32(8)));
  u = arith::MulFOp::create(b, l, u, floatConst(b, l, f32, 1.0 / 16777216.0));
  return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, u, ratio);
}

namespace {

struct DropoutPattern : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    bool training = false;
    if (Value tm = adaptor.getTrainingMode()) {
      DenseElementsAttr attr;
      training = !matchPattern(tm, m_Constant(&attr)) || attr.getSplatValue<bool>();
    }
    auto maskT = op.getMask() ? dyn_cast<RankedTensorType>(op.getMask().getType()) : nullptr;
    if (op.getMask() && (!maskT || isUnsignedInt(maskT.getElementType())))
      return rewriter.notifyMatchFailure(op, "mask type");
    if (!training) {
      SmallVector<Value> results = {adaptor.getData()};
      if (maskT) {
        Type e = maskT.getElementType();
        Value one = isFloatLike(e)
                        ? floatConst(rewriter, loc, e, 1.0)
                        : arith::ConstantOp::create(rewriter, loc, rewriter.getIntegerAttr(e, 1))
                              .getResult();
        Value init = emptyLike(rewriter, loc, maskT, adaptor.getData());
        results.push_back(linalg::FillOp::create(rewriter, loc, one, init).getResult(0));
      }
      rewriter.replaceOp(op, results);
      return success();
    }
    auto xt = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!xt || !xt.hasStaticShape() || !isFloatLike(xt.getElementType()))
      return rewriter.notifyMatchFailure(op, "training dropout needs a static float input");
    Type f32 = rewriter.getF32Type();
    // The arithmetic type: f64 data keeps f64, the rest computes in f32.
    Type ft = xt.getElementType().isF64() ? xt.getElementType() : f32;
    auto scalar = [&](Value t) {
      auto tt = cast<RankedTensorType>(t.getType());
      SmallVector<Value> zeros(tt.getRank(), arith::ConstantIndexOp::create(rewriter, loc, 0));
      return tensor::ExtractOp::create(rewriter, loc, t, zeros).getResult();
    };
    Value flag = scalar(adaptor.getTrainingMode());
    Value ratioFt = adaptor.getRatioVal()
                        ? convertScalar(rewriter, loc, scalar(adaptor.getRatioVal()), ft)
                        : floatConst(rewriter, loc, ft,
                                     op.getRatio() ? op.getRatio()->convertToDouble() : 0.5);
    // Inference when the flag is false: ratio 0.
    ratioFt = arith::SelectOp::create(rewriter, loc, flag, ratioFt, floatConst(rewriter, loc, ft, 0.0));
    Value ratio = convertScalar(rewriter, loc, ratioFt, f32);
    Value one = floatConst(rewriter, loc, ft, 1.0);
    Value keepAll = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGE, ratioFt, one);
    Value scale = arith::SelectOp::create(
        rewriter, loc, keepAll, floatConst(rewriter, loc, ft, 0.0),
        arith::DivFOp::create(rewriter, loc, one, arith::SubFOp::create(rewriter, loc, one, ratioFt)));
    Value seedTerm = dropoutSeedTerm(rewriter, loc, (uint32_t)op.getSeed().value_or(0));
    MLIRContext *ctx = rewriter.getContext();
    int64_t rank = xt.getRank();
    Type i1 = rewriter.getI1Type();
    SmallVector<Type> types = {xt};
    SmallVector<Value> outs = {tensor::EmptyOp::create(rewriter, loc, xt.getShape(), xt.getElementType())};
    auto boolT = RankedTensorType::get(xt.getShape(), i1);
    types.push_back(boolT);
    outs.push_back(tensor::EmptyOp::create(rewriter, loc, xt.getShape(), i1));
    SmallVector<AffineMap> maps(3, AffineMap::getMultiDimIdentityMap(rank, ctx));
    auto g = linalg::GenericOp::create(
        rewriter, loc, types, ValueRange{adaptor.getData()}, outs, maps,
        SmallVector<IteratorType>(rank, IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          // Linear element index, then a 32-bit integer finaliser hash.
          Value lin = arith::ConstantIndexOp::create(b, l, 0);
          for (int64_t d = 0; d < rank; ++d)
            lin = arith::AddIOp::create(
                b, l,
                arith::MulIOp::create(b, l, lin,
                                      arith::ConstantIndexOp::create(b, l, xt.getDimSize(d))),
                linalg::IndexOp::create(b, l, d));
          Value keep = dropoutKeep(b, l, lin, seedTerm, ratio);
          Value x = convertScalar(b, l, a[0], ft);
          Value y = arith::SelectOp::create(b, l, keep, arith::MulFOp::create(b, l, x, scale),
                                            floatConst(b, l, ft, 0.0));
          linalg::YieldOp::create(b, l,
                                  ValueRange{convertScalar(b, l, y, xt.getElementType()), keep});
        });
    SmallVector<Value> results = {g.getResult(0)};
    if (maskT)
      results.push_back(maskT.getElementType() == i1
                            ? g.getResult(1)
                            : castTensor(rewriter, loc, g.getResult(1), maskT.getElementType()));
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// Shape of a statically shaped tensor, as an i64 constant.
struct ShapePattern : OpConversionPattern<ShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!x)
      return failure();
    int64_t r = x.getRank();
    auto clampDim = [&](int64_t v) {
      if (v < 0)
        v += r;
      return std::clamp<int64_t>(v, 0, r);
    };
    int64_t start = clampDim(op.getStart() ? (int64_t)*op.getStart() : 0);
    int64_t end = clampDim(op.getEnd() ? (int64_t)*op.getEnd() : r);
    SmallVector<int64_t> dims;
    for (int64_t d = start; d < end; ++d) {
      if (x.isDynamicDim(d))
        return rewriter.notifyMatchFailure(op, "dynamic dim");
      dims.push_back(x.getDimSize(d));
    }
    auto t = RankedTensorType::get({(int64_t)dims.size()}, rewriter.getI64Type());
    Value c = arith::ConstantOp::create(rewriter, op.getLoc(),
                                        DenseIntElementsAttr::get(t, dims));
    rewriter.replaceOp(op, matchType(rewriter, op.getLoc(), c, op.getType()));
    return success();
  }
};

/// GatherElements: out[i] = data[i with i[axis] := indices[i]].
struct GatherElementsPattern : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto data = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (!data || !y)
      return failure();
    int64_t axis = (int64_t)op.getAxis().value_or(0);
    if (axis < 0)
      axis += data.getRank();
    MLIRContext *ctx = rewriter.getContext();
    Location loc = op.getLoc();
    Value indices = adaptor.getIndices(), dataV = adaptor.getData();
    Value init = emptyLike(rewriter, loc, y, indices);
    Value r = buildIndexedRead(
        rewriter, loc, init, indices, AffineMap::getMultiDimIdentityMap(y.getRank(), ctx),
        dataV, [&](OpBuilder &b, Location l, ValueRange a) {
          Value i = wrapIndex(b, l, a[0], dataV, axis);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < data.getRank(); ++d)
            coords.push_back(d == axis ? i : linalg::IndexOp::create(b, l, d).getResult());
          return coords;
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Expand to a static result shape: a broadcasting copy.
struct ExpandPattern : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto y = dyn_cast<RankedTensorType>(op.getType());
    auto x = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!y || !x || !y.hasStaticShape() || !x.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    rewriter.replaceOp(op, buildElementwise(rewriter, op.getLoc(),
                                            adaptor.getInput(), y,
                                            [](OpBuilder &, Location,
                                               ValueRange a, Type) { return a[0]; }));
    return success();
  }
};

/// Tile to a static result: out[i] = in[i mod dim(in)].
struct TilePattern : OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto y = dyn_cast<RankedTensorType>(op.getType());
    auto x = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!y || !x || !y.hasStaticShape() || !x.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    Value init = tensor::EmptyOp::create(rewriter, loc, y.getShape(), y.getElementType());
    Value r = buildIndexedRead(
        rewriter, loc, init, ValueRange{}, {}, in, [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < y.getRank(); ++d)
            coords.push_back(arith::RemUIOp::create(
                b, l, linalg::IndexOp::create(b, l, d),
                arith::ConstantIndexOp::create(b, l, x.getDimSize(d))));
          return coords;
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// ConstantOfShape with a static result: a linalg.fill.
struct ConstantOfShapePattern : OpConversionPattern<ConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOfShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (!y || !y.hasStaticShape() || isUnsignedInt(y.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs a static signless result");
    Type e = y.getElementType();
    TypedAttr value;
    if (auto v = op.getValueAttr()) {
      auto dense = dyn_cast<DenseElementsAttr>(v);
      if (!dense || dense.getNumElements() != 1)
        return rewriter.notifyMatchFailure(op, "value must be a dense scalar");
      value = dense.getValues<TypedAttr>()[0];
    } else {
      value = rewriter.getFloatAttr(e, 0.0);
    }
    Location loc = op.getLoc();
    Value c = arith::ConstantOp::create(rewriter, loc, value);
    Value init = tensor::EmptyOp::create(rewriter, loc, y.getShape(), e);
    rewriter.replaceOp(op, linalg::FillOp::create(rewriter, loc, c, init).getResult(0));
    return success();
  }
};

/// Range with a static result: out[i] = start + i * delta.
struct RangePattern : OpConversionPattern<RangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RangeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (!y || !y.hasStaticShape() || isUnsignedInt(y.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs a static signless result");
    MLIRContext *ctx = rewriter.getContext();
    Location loc = op.getLoc();
    Type e = y.getElementType();
    Value start = adaptor.getStart(), delta = adaptor.getDelta();
    Value init = tensor::EmptyOp::create(rewriter, loc, y.getShape(), e);
    Value r = linalg::GenericOp::create(
                  rewriter, loc, TypeRange{y}, ValueRange{}, ValueRange{init},
                  SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(1, ctx)},
                  SmallVector<IteratorType>{IteratorType::parallel},
                  [&](OpBuilder &b, Location l, ValueRange) {
                    Value s = tensor::ExtractOp::create(b, l, start, ValueRange{});
                    Value d = tensor::ExtractOp::create(b, l, delta, ValueRange{});
                    Value i = arith::IndexCastOp::create(
                        b, l, b.getI64Type(), linalg::IndexOp::create(b, l, 0));
                    Value v;
                    if (isFloatLike(e))
                      v = arith::AddFOp::create(
                          b, l, s,
                          arith::MulFOp::create(
                              b, l, arith::SIToFPOp::create(b, l, e, i), d));
                    else
                      v = arith::AddIOp::create(
                          b, l, s,
                          arith::MulIOp::create(b, l, convertScalar(b, l, i, e), d));
                    linalg::YieldOp::create(b, l, v);
                  })
                  .getResult(0);
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Split with statically shaped outputs: one tensor.extract_slice each.
struct SplitPattern : OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!x)
      return failure();
    int64_t axis = (int64_t)op.getAxis().value_or(0);
    if (axis < 0)
      axis += x.getRank();
    SmallVector<Value> results;
    int64_t offset = 0;
    for (Value out : op.getOutputs()) {
      auto t = dyn_cast<RankedTensorType>(out.getType());
      if (!t || !t.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "needs static output shapes");
      if (t.getNumElements() == 0) {
        // Empty pieces (the verifier rejects slices at an offset == size).
        results.push_back(tensor::EmptyOp::create(rewriter, op.getLoc(),
                                                  t.getShape(), t.getElementType()));
        continue;
      }
      SmallVector<int64_t> offs(x.getRank(), 0), strides(x.getRank(), 1);
      offs[axis] = offset;
      results.push_back(tensor::ExtractSliceOp::create(
          rewriter, op.getLoc(), t, adaptor.getInput(), ValueRange{}, ValueRange{},
          ValueRange{}, offs, t.getShape(), strides));
      offset += t.getDimSize(axis);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// ArgMax: a two-output reduction carrying the best value and its index.
struct ArgMaxPattern : OpConversionPattern<ArgMaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ArgMaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!x || isUnsignedInt(x.getElementType()) ||
        x.getElementType().isInteger(1))
      return rewriter.notifyMatchFailure(op, "needs a float or signed tensor");
    int64_t axis = (int64_t)op.getAxis().value_or(0);
    if (axis < 0)
      axis += x.getRank();
    bool last = op.getSelectLastIndex().value_or(0) != 0;
    MLIRContext *ctx = rewriter.getContext();
    Location loc = op.getLoc();
    Type e = x.getElementType();
    SmallVector<int64_t> shape;
    SmallVector<Value> dyn;
    SmallVector<AffineExpr> outE;
    SmallVector<IteratorType> iters;
    for (int64_t d = 0; d < x.getRank(); ++d) {
      iters.push_back(d == axis ? IteratorType::reduction : IteratorType::parallel);
      if (d == axis)
        continue;
      shape.push_back(x.getDimSize(d));
      if (x.isDynamicDim(d))
        dyn.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getData(), d));
      outE.push_back(getAffineDimExpr(d, ctx));
    }
    TypedAttr lowest;
    if (auto ft = dyn_cast<FloatType>(e))
      lowest = rewriter.getFloatAttr(
          e, APFloat::getInf(ft.getFloatSemantics(), /*Negative=*/true));
    else
      lowest = rewriter.getIntegerAttr(
          e, APInt::getSignedMinValue(e.getIntOrFloatBitWidth()));
    Type i64 = rewriter.getI64Type();
    Value vInit = linalg::FillOp::create(
                      rewriter, loc, arith::ConstantOp::create(rewriter, loc, lowest).getResult(),
                      tensor::EmptyOp::create(rewriter, loc, shape, e, dyn).getResult())
                      .getResult(0);
    Value iInit = linalg::FillOp::create(
                      rewriter, loc,
                      arith::ConstantOp::create(rewriter, loc, rewriter.getI64IntegerAttr(0))
                          .getResult(),
                      tensor::EmptyOp::create(rewriter, loc, shape, i64, dyn).getResult())
                      .getResult(0);
    AffineMap outMap = AffineMap::get(x.getRank(), 0, outE, ctx);
    SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(x.getRank(), ctx),
                                   outMap, outMap};
    auto g = linalg::GenericOp::create(
        rewriter, loc,
        TypeRange{RankedTensorType::get(shape, e), RankedTensorType::get(shape, i64)},
        ValueRange{adaptor.getData()}, ValueRange{vInit, iInit}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value i = arith::IndexCastOp::create(b, l, i64,
                                               linalg::IndexOp::create(b, l, axis));
          Value take;
          if (isFloatLike(e))
            take = arith::CmpFOp::create(
                b, l, last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT,
                a[0], a[1]);
          else
            take = arith::CmpIOp::create(
                b, l, last ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sgt,
                a[0], a[1]);
          // The first element always wins, so -inf inputs still get index 0.
          Value first = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::eq, linalg::IndexOp::create(b, l, axis),
              arith::ConstantIndexOp::create(b, l, 0));
          take = arith::OrIOp::create(b, l, take, first);
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, take, a[0], a[1]).getResult(),
                         arith::SelectOp::create(b, l, take, i, a[2]).getResult()});
        });
    Value r = g.getResult(1);
    if (op.getKeepdims().value_or(1))
      r = keepDims(rewriter, loc, r, {axis}, x.getRank());
    rewriter.replaceOp(op, matchType(rewriter, loc, r, op.getType()));
    return success();
  }
};

/// Reads an integer operand that folds to a constant, or an attribute list.
static std::optional<SmallVector<int64_t>>
constInts(Value v, std::optional<ArrayRef<int64_t>> attr) {
  if (!v) {
    if (!attr)
      return std::nullopt;
    return SmallVector<int64_t>(attr->begin(), attr->end());
  }
  DenseIntElementsAttr dense;
  if (!matchPattern(v, m_Constant(&dense)))
    return std::nullopt;
  SmallVector<int64_t> r;
  for (const APInt &x : dense.getValues<APInt>())
    r.push_back(x.getSExtValue());
  return r;
}

/// Slice with constant starts/ends/axes/steps of a statically shaped input:
/// out[i] = in[start + i * step] (negative steps included).
struct SlicePattern : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!x || !x.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs a static input");
    auto starts = constInts(adaptor.getStartsVal(), op.getStarts());
    auto ends = constInts(adaptor.getEndsVal(), op.getEnds());
    bool constAxes = !adaptor.getAxesVal() || constInts(adaptor.getAxesVal(), std::nullopt);
    bool constSteps = !adaptor.getSteps() || constInts(adaptor.getSteps(), std::nullopt);
    if (!starts || !ends || !constAxes || !constSteps)
      return runtimeSlice(op, adaptor, rewriter);
    if (starts->size() != ends->size())
      return rewriter.notifyMatchFailure(op, "starts/ends differ in length");
    int64_t n = starts->size(), rank = x.getRank();
    SmallVector<int64_t> axes, steps(n, 1);
    if (adaptor.getAxesVal() || op.getAxes()) {
      auto a = constInts(adaptor.getAxesVal(), op.getAxes());
      if (!a || (int64_t)a->size() != n)
        return rewriter.notifyMatchFailure(op, "axes must be constant");
      axes = *a;
    } else {
      for (int64_t i = 0; i < n; ++i)
        axes.push_back(i);
    }
    if (adaptor.getSteps()) {
      auto s = constInts(adaptor.getSteps(), std::nullopt);
      if (!s || (int64_t)s->size() != n || llvm::is_contained(*s, 0))
        return rewriter.notifyMatchFailure(op, "steps must be constant, non-zero");
      steps = *s;
    }
    SmallVector<int64_t> off(rank, 0), step(rank, 1), shape(x.getShape());
    for (int64_t i = 0; i < n; ++i) {
      int64_t ax = axes[i] < 0 ? axes[i] + rank : axes[i];
      if (ax < 0 || ax >= rank)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      int64_t dim = x.getDimSize(ax), st = steps[i];
      int64_t s = (*starts)[i], e = (*ends)[i];
      if (s < 0)
        s += dim;
      if (e < 0)
        e += dim;
      int64_t len;
      if (st > 0) {
        s = std::clamp<int64_t>(s, 0, dim);
        e = std::clamp<int64_t>(e, 0, dim);
        len = e > s ? (e - s + st - 1) / st : 0;
      } else {
        s = std::clamp<int64_t>(s, 0, dim - 1);
        e = std::clamp<int64_t>(e, -1, dim - 1);
        len = s > e ? (s - e - st - 1) / -st : 0;
      }
      off[ax] = s;
      step[ax] = st;
      shape[ax] = len;
    }
    Location loc = op.getLoc();
    auto y = RankedTensorType::get(shape, x.getElementType());
    Value in = adaptor.getData();
    Value init = tensor::EmptyOp::create(rewriter, loc, shape, x.getElementType());
    Value r = init;
    if (y.getNumElements() != 0)
      r = buildIndexedRead(
          rewriter, loc, init, ValueRange{}, {}, in, [&](OpBuilder &b, Location l, ValueRange) {
            SmallVector<Value> coords;
            for (int64_t d = 0; d < rank; ++d)
              coords.push_back(arith::AddIOp::create(
                  b, l, arith::ConstantIndexOp::create(b, l, off[d]),
                  arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, d),
                                        arith::ConstantIndexOp::create(b, l, step[d]))));
            return coords;
          });
    rewriter.replaceOp(op, matchType(rewriter, loc, r, op.getType()));
    return success();
  }
  /// Slice whose starts/axes/steps are runtime values but whose result type
  /// is static (as shape inference or value_info gives it): the offset and
  /// step of every dim are computed at run time, the extents come from the
  /// type. (Ends only decide the extent, which the type already fixes.)
  LogicalResult runtimeSlice(SliceOp op, OpAdaptor adaptor,
                             ConversionPatternRewriter &rewriter) const {
    auto x = cast<RankedTensorType>(adaptor.getData().getType());
    auto st = adaptor.getStartsVal()
                  ? dyn_cast<RankedTensorType>(adaptor.getStartsVal().getType())
                  : nullptr;
    // The result keeps the input's rank; dims the type leaves open (or an
    // unranked result, as ONNX shape inference leaves some subgraph values)
    // are computed at run time from starts/ends/steps.
    auto declared = dyn_cast<RankedTensorType>(op.getType());
    if ((declared && declared.getRank() != x.getRank()) || !st || st.getRank() != 1 ||
        st.isDynamicDim(0) || !adaptor.getEndsVal())
      return rewriter.notifyMatchFailure(op, "runtime slice of unknown arity");
    RankedTensorType y =
        declared ? declared
                 : RankedTensorType::get(SmallVector<int64_t>(x.getRank(), ShapedType::kDynamic),
                                         x.getElementType());
    Location loc = op.getLoc();
    int64_t n = st.getDimSize(0), rank = x.getRank();
    auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(rewriter, loc, v).getResult(); };
    auto entry = [&](Value t, int64_t i) {
      Value v = tensor::ExtractOp::create(rewriter, loc, t, ValueRange{idx(i)});
      return arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), v).getResult();
    };
    auto sel = [&](Value c, Value a, Value b) {
      return arith::SelectOp::create(rewriter, loc, c, a, b).getResult();
    };
    auto cmp = [&](arith::CmpIPredicate p, Value a, Value b) {
      return arith::CmpIOp::create(rewriter, loc, p, a, b).getResult();
    };
    auto clampIdx = [&](Value v, Value lo, Value hi) {
      return arith::MinSIOp::create(rewriter, loc, arith::MaxSIOp::create(rewriter, loc, v, lo), hi)
          .getResult();
    };
    SmallVector<Value> off(rank, idx(0)), step(rank, idx(1)), size;
    for (int64_t d = 0; d < rank; ++d)
      size.push_back(idx(x.getDimSize(d)));
    auto ceilDiv = [&](Value a, Value b) {
      return arith::CeilDivSIOp::create(rewriter, loc, a, b).getResult();
    };
    for (int64_t i = 0; i < n; ++i) {
      Value ax = adaptor.getAxesVal() ? entry(adaptor.getAxesVal(), i) : idx(i);
      ax = sel(cmp(arith::CmpIPredicate::slt, ax, idx(0)),
               arith::AddIOp::create(rewriter, loc, ax, idx(rank)), ax);
      Value stp = adaptor.getSteps() ? entry(adaptor.getSteps(), i) : idx(1);
      Value s = entry(adaptor.getStartsVal(), i);
      // Ends may be INT64_MAX ("to the end"): clamp in i64 before the cast.
      Value eRaw = tensor::ExtractOp::create(rewriter, loc, adaptor.getEndsVal(),
                                             ValueRange{idx(i)});
      for (int64_t d = 0; d < rank; ++d) {
        Value dim = idx(x.getDimSize(d));
        Value pos = cmp(arith::CmpIPredicate::sgt, stp, idx(0));
        Value sd = sel(cmp(arith::CmpIPredicate::slt, s, idx(0)),
                       arith::AddIOp::create(rewriter, loc, s, dim), s);
        Value last = idx(std::max<int64_t>(x.getDimSize(d) - 1, 0));
        sd = sel(pos, clampIdx(sd, idx(0), dim), clampIdx(sd, idx(0), last));
        Type et = eRaw.getType();
        auto ec = [&](int64_t v) {
          return arith::ConstantOp::create(rewriter, loc, rewriter.getIntegerAttr(et, v))
              .getResult();
        };
        Value dimE = ec(x.getDimSize(d));
        Value e = sel(cmp(arith::CmpIPredicate::slt, eRaw, ec(0)),
                      arith::AddIOp::create(rewriter, loc, eRaw, dimE), eRaw);
        e = arith::MinSIOp::create(rewriter, loc, arith::MaxSIOp::create(rewriter, loc, e, ec(-1)),
                                   dimE);
        Value ed = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), e);
        ed = sel(pos, clampIdx(ed, idx(0), dim), clampIdx(ed, idx(-1), last));
        Value len = sel(pos,
                        ceilDiv(arith::SubIOp::create(rewriter, loc, ed, sd), stp),
                        ceilDiv(arith::SubIOp::create(rewriter, loc, sd, ed),
                                arith::SubIOp::create(rewriter, loc, idx(0), stp)));
        len = arith::MaxSIOp::create(rewriter, loc, len, idx(0));
        Value hit = cmp(arith::CmpIPredicate::eq, ax, idx(d));
        off[d] = sel(hit, sd, off[d]);
        step[d] = sel(hit, stp, step[d]);
        size[d] = sel(hit, len, size[d]);
      }
    }
    SmallVector<Value> dynSizes;
    for (int64_t d = 0; d < rank; ++d)
      if (y.isDynamicDim(d))
        dynSizes.push_back(size[d]);
    Value init =
        tensor::EmptyOp::create(rewriter, loc, y.getShape(), y.getElementType(), dynSizes);
    Value r = init;
    if (!y.hasStaticShape() || y.getNumElements() != 0)
      r = buildIndexedRead(
          rewriter, loc, init, ValueRange{}, {}, adaptor.getData(),
          [&](OpBuilder &b, Location l, ValueRange) {
            SmallVector<Value> coords;
            for (int64_t d = 0; d < rank; ++d)
              coords.push_back(arith::AddIOp::create(
                  b, l, off[d],
                  arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, d), step[d])));
            return coords;
          });
    if (r.getType() != op.getType())
      r = tensor::CastOp::create(rewriter, loc, op.getType(), r);
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Pad with a static result shape: out[i] = in[j] with j = i - pads_begin
/// mapped per mode (constant: outside -> value; edge: clamped; reflect:
/// mirrored; wrap: modulo). `pads` (and `constant_value`) may be runtime
/// tensors: they are read inside the body. Negative pads crop.
struct PadPattern : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (!x || !y || !x.hasStaticShape() || !y.hasStaticShape() ||
        isUnsignedInt(x.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs static signless shapes");
    int64_t rank = x.getRank();
    StringRef mode = op.getMode() ? StringRef(*op.getMode()) : "constant";
    if (mode != "constant" && mode != "edge" && mode != "reflect" && mode != "wrap")
      return rewriter.notifyMatchFailure(op, "unknown mode");
    // Which dims the pads address (axes, opset 18), in pads order.
    SmallVector<int64_t> axes;
    if (adaptor.getAxesVal()) {
      auto a = constInts(adaptor.getAxesVal(), std::nullopt);
      if (!a)
        return rewriter.notifyMatchFailure(op, "axes must be constant");
      for (int64_t v : *a)
        axes.push_back(v < 0 ? v + rank : v);
    } else {
      for (int64_t d = 0; d < rank; ++d)
        axes.push_back(d);
    }
    Location loc = op.getLoc();
    Type e = x.getElementType();
    Value in = adaptor.getData(), padsV = adaptor.getPadsVal(),
          valueV = adaptor.getConstantValue();
    std::optional<ArrayRef<int64_t>> padsAttr = op.getPads();
    if (!padsV && !padsAttr)
      return rewriter.notifyMatchFailure(op, "no pads");
    Value init = tensor::EmptyOp::create(rewriter, loc, y.getShape(), e);
    Value r = linalg::GenericOp::create(
                  rewriter, loc, TypeRange{y}, ValueRange{}, ValueRange{init},
                  SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(
                      rank, rewriter.getContext())},
                  SmallVector<IteratorType>(rank, IteratorType::parallel),
                  [&](OpBuilder &b, Location l, ValueRange) {
                    auto cst = [&](int64_t v) {
                      return arith::ConstantIndexOp::create(b, l, v);
                    };
                    Value inside = arith::ConstantIntOp::create(b, l, 1, 1);
                    SmallVector<Value> coords;
                    for (int64_t d = 0; d < rank; ++d) {
                      Value i = linalg::IndexOp::create(b, l, d);
                      const int64_t *slot = llvm::find(axes, d);
                      if (slot == axes.end()) {
                        coords.push_back(i);
                        continue;
                      }
                      int64_t k = slot - axes.begin();
                      Value begin;
                      if (padsV)
                        begin = arith::IndexCastOp::create(
                            b, l, b.getIndexType(),
                            tensor::ExtractOp::create(b, l, padsV, ValueRange{cst(k)}));
                      else
                        begin = cst((*padsAttr)[k]);
                      int64_t n = x.getDimSize(d);
                      Value j = arith::SubIOp::create(b, l, i, begin);
                      Value lo = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, j, cst(0));
                      Value hi = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, j, cst(n));
                      if (mode == "constant") {
                        inside = arith::AndIOp::create(
                            b, l, inside,
                            arith::XOrIOp::create(b, l, arith::OrIOp::create(b, l, lo, hi),
                                                  arith::ConstantIntOp::create(b, l, 1, 1)));
                        j = arith::SelectOp::create(b, l, arith::OrIOp::create(b, l, lo, hi),
                                                    cst(0), j);
                      } else if (mode == "edge") {
                        j = arith::SelectOp::create(b, l, lo, cst(0), j);
                        j = arith::SelectOp::create(b, l, hi, cst(n - 1), j);
                      } else if (mode == "reflect") {
                        // Mirror without repeating the edge: fold j into the
                        // period 2(n-1), then reflect the upper half (also
                        // for pads as long as the input or longer; n = 1
                        // repeats its only element).
                        if (n == 1) {
                          j = cst(0);
                        } else {
                          Value p = cst(2 * (n - 1));
                          j = arith::RemSIOp::create(
                              b, l, arith::AddIOp::create(b, l, arith::RemSIOp::create(b, l, j, p), p),
                              p);
                          j = arith::SelectOp::create(
                              b, l,
                              arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, j, cst(n)),
                              arith::SubIOp::create(b, l, p, j), j);
                        }
                      } else { // wrap
                        j = arith::RemSIOp::create(
                            b, l, arith::AddIOp::create(b, l, arith::RemSIOp::create(b, l, j, cst(n)),
                                                       cst(n)),
                            cst(n));
                      }
                      coords.push_back(j);
                    }
                    Value v = tensor::ExtractOp::create(b, l, in, coords);
                    if (mode == "constant") {
                      Value pad;
                      if (valueV) {
                        // A scalar, or (as some exporters write it) shape [1].
                        SmallVector<Value> at(
                            cast<RankedTensorType>(valueV.getType()).getRank(), cst(0));
                        pad = tensor::ExtractOp::create(b, l, valueV, at);
                      }
                      else if (isFloatLike(e))
                        pad = floatConst(b, l, e, op.getValue() ? op.getValue()->convertToDouble() : 0.0);
                      else
                        pad = arith::ConstantOp::create(b, l, b.getIntegerAttr(e, 0));
                      v = arith::SelectOp::create(b, l, inside, v, pad);
                    }
                    linalg::YieldOp::create(b, l, v);
                  })
                  .getResult(0);
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Resize, modes nearest and linear (n-linear over the resized axes), with
/// the half_pixel, pytorch_half_pixel, align_corners, asymmetric and
/// tf_half_pixel_for_nn coordinate transforms, opset 11+. Scales may be a
/// runtime tensor (read in the body); with `sizes`, the scale of an axis is
/// out/in. The result shape must be static. Coordinates are computed in f32
/// like ONNX Runtime; linear interpolation clamps to the edge.
struct ResizePattern : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto y = dyn_cast<RankedTensorType>(op.getType());
    if (!x || !y || !x.hasStaticShape() || !y.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    int64_t opset = 13;
    if (auto module = op->getParentOfType<ModuleOp>())
      if (auto imports =
              module->getAttrOfType<DictionaryAttr>(MpDialect::kOpsetImportAttr))
        if (auto v = imports.getAs<IntegerAttr>("ai.onnx"))
          opset = v.getInt();
    StringRef mode = op.getMode() ? StringRef(*op.getMode()) : "nearest";
    StringRef coord = op.getCoordinateTransformationMode()
                          ? StringRef(*op.getCoordinateTransformationMode())
                          : "half_pixel";
    StringRef nearest = op.getNearestMode() ? StringRef(*op.getNearestMode())
                                            : "round_prefer_floor";
    bool linear = mode == "linear", cubic = mode == "cubic";
    bool crop = coord == "tf_crop_and_resize";
    if (opset < 11 || (mode != "nearest" && !linear && !cubic) ||
        op.getAntialias().value_or(0) || op.getAxes() ||
        (op.getKeepAspectRatioPolicy() && *op.getKeepAspectRatioPolicy() != "stretch") ||
        !llvm::is_contained({StringRef("half_pixel"), StringRef("pytorch_half_pixel"),
                             StringRef("align_corners"), StringRef("asymmetric"),
                             StringRef("tf_half_pixel_for_nn"),
                             StringRef("tf_crop_and_resize")},
                            coord) ||
        (crop && !adaptor.getRoi()) ||
        !llvm::is_contained({StringRef("round_prefer_floor"),
                             StringRef("round_prefer_ceil"), StringRef("floor"),
                             StringRef("ceil")},
                            nearest) ||
        ((linear || cubic) && !isFloatLike(x.getElementType())) ||
        isUnsignedInt(x.getElementType()))
      return rewriter.notifyMatchFailure(op, "variant not lowered");
    Value scalesV = adaptor.getScales();
    if (scalesV) {
      auto st = dyn_cast<RankedTensorType>(scalesV.getType());
      // An empty scales tensor means `sizes` decides.
      if (!st || (st.hasStaticShape() && st.getNumElements() == 0))
        scalesV = Value();
    }
    int64_t rank = x.getRank();
    Location loc = op.getLoc();
    Type e = x.getElementType();
    Type ct = e.isF64() ? e : Float32Type::get(rewriter.getContext());
    Value in = adaptor.getX();
    Value roi = adaptor.getRoi();
    double cubicA = op.getCubicCoeffA() ? op.getCubicCoeffA()->convertToDouble() : -0.75;
    bool excludeOutside = op.getExcludeOutside().value_or(0) != 0;
    double extrapolation =
        op.getExtrapolationValue() ? op.getExtrapolationValue()->convertToDouble() : 0.0;
    Value init = tensor::EmptyOp::create(rewriter, loc, y.getShape(), e);
    Value r = linalg::GenericOp::create(
                  rewriter, loc, TypeRange{y}, ValueRange{}, ValueRange{init},
                  SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(
                      rank, rewriter.getContext())},
                  SmallVector<IteratorType>(rank, IteratorType::parallel),
                  [&](OpBuilder &b, Location l, ValueRange) {
                    auto fc = [&](double v) { return floatConst(b, l, ct, v); };
                    auto icst = [&](int64_t v) {
                      return arith::ConstantIndexOp::create(b, l, v);
                    };
                    auto clampIdx = [&](Value i, int64_t n) {
                      i = arith::MaxSIOp::create(b, l, i, icst(0));
                      return arith::MinSIOp::create(b, l, i, icst(n - 1)).getResult();
                    };
                    auto toIndex = [&](Value f) {
                      return arith::IndexCastOp::create(
                          b, l, b.getIndexType(),
                          arith::FPToSIOp::create(b, l, b.getI64Type(), f));
                    };
                    // Per axis, the taps (index, weight) to combine: one tap
                    // with no weight for nearest and unresized axes, two for
                    // linear, four for cubic.
                    using Tap = std::pair<Value, Value>;
                    SmallVector<SmallVector<Tap>> taps;
                    Value outside; // tf_crop_and_resize: sampled outside the input
                    for (int64_t d = 0; d < rank; ++d) {
                      Value i = linalg::IndexOp::create(b, l, d);
                      int64_t n = x.getDimSize(d), m = y.getDimSize(d);
                      // Unresized axes read straight through (with runtime
                      // scales only when the axis has one element, since a
                      // scale in [1, 1 + 1/n) also keeps n elements).
                      if (n == m && (!scalesV || n == 1) && !crop) {
                        taps.push_back({{i, Value()}});
                        continue;
                      }
                      Value s = scalesV
                                    ? convertScalar(b, l,
                                                    tensor::ExtractOp::create(
                                                        b, l, scalesV, ValueRange{icst(d)}),
                                                    ct)
                                    : fc((double)m / (double)n);
                      Value xf = arith::SIToFPOp::create(
                          b, l, ct,
                          arith::IndexCastOp::create(b, l, b.getI64Type(), i));
                      Value half = fc(0.5);
                      Value xo;
                      if (coord == "half_pixel" || coord == "pytorch_half_pixel") {
                        xo = arith::SubFOp::create(
                            b, l,
                            arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, xf, half), s),
                            half);
                        if (coord == "pytorch_half_pixel" && m <= 1)
                          xo = fc(0.0);
                      } else if (coord == "align_corners") {
                        xo = m <= 1 ? fc(0.0)
                                    : arith::MulFOp::create(
                                          b, l, xf, fc((double)(n - 1) / (double)(m - 1)))
                                          .getResult();
                      } else if (coord == "asymmetric") {
                        xo = arith::DivFOp::create(b, l, xf, s);
                      } else if (crop) {
                        // roi = [starts..., ends...] in normalised coordinates.
                        Value st = convertScalar(
                            b, l, tensor::ExtractOp::create(b, l, roi, ValueRange{icst(d)}), ct);
                        Value en = convertScalar(
                            b, l, tensor::ExtractOp::create(b, l, roi, ValueRange{icst(rank + d)}),
                            ct);
                        Value nm1 = fc((double)(n - 1));
                        if (m > 1)
                          xo = arith::AddFOp::create(
                              b, l, arith::MulFOp::create(b, l, st, nm1),
                              arith::MulFOp::create(
                                  b, l, xf,
                                  arith::DivFOp::create(
                                      b, l,
                                      arith::MulFOp::create(b, l, arith::SubFOp::create(b, l, en, st),
                                                            nm1),
                                      fc((double)(m - 1)))));
                        else
                          xo = arith::MulFOp::create(
                              b, l, arith::MulFOp::create(b, l, arith::AddFOp::create(b, l, st, en), half),
                              nm1);
                        Value out = arith::OrIOp::create(
                            b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, xo, fc(0.0)),
                            arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, xo, nm1));
                        outside = outside ? arith::OrIOp::create(b, l, outside, out).getResult() : out;
                      } else { // tf_half_pixel_for_nn
                        xo = arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, xf, half), s);
                      }
                      if (!linear && !cubic) {
                        Value ri;
                        if (nearest == "floor")
                          ri = math::FloorOp::create(b, l, xo);
                        else if (nearest == "ceil")
                          ri = math::CeilOp::create(b, l, xo);
                        else if (nearest == "round_prefer_ceil")
                          ri = math::FloorOp::create(b, l, arith::AddFOp::create(b, l, xo, half));
                        else
                          ri = math::CeilOp::create(b, l, arith::SubFOp::create(b, l, xo, half));
                        taps.push_back({{clampIdx(toIndex(ri), n), Value()}});
                        continue;
                      }
                      Value f0 = math::FloorOp::create(b, l, xo);
                      Value i0 = toIndex(f0);
                      Value t = arith::SubFOp::create(b, l, xo, f0);
                      if (linear) {
                        taps.push_back(
                            {{clampIdx(i0, n), arith::SubFOp::create(b, l, fc(1.0), t).getResult()},
                             {clampIdx(arith::AddIOp::create(b, l, i0, icst(1)), n), t}});
                        continue;
                      }
                      // Cubic convolution (Keys) with coefficient A: taps at
                      // floor - 1 .. floor + 2, at distances 1 + t, t, 1 - t, 2 - t.
                      auto far = [&](Value dist) { // 1 <= |dist| < 2
                        Value r = arith::SubFOp::create(
                            b, l, arith::MulFOp::create(b, l, fc(cubicA), dist), fc(5 * cubicA));
                        r = arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, r, dist),
                                                  fc(8 * cubicA));
                        return arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, r, dist),
                                                     fc(4 * cubicA))
                            .getResult();
                      };
                      auto near = [&](Value dist) { // |dist| < 1
                        Value r = arith::SubFOp::create(
                            b, l, arith::MulFOp::create(b, l, fc(cubicA + 2), dist), fc(cubicA + 3));
                        return arith::AddFOp::create(
                                   b, l,
                                   arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, r, dist),
                                                         dist),
                                   fc(1.0))
                            .getResult();
                      };
                      Value one = fc(1.0);
                      SmallVector<Value> ws = {far(arith::AddFOp::create(b, l, t, one)), near(t),
                                               near(arith::SubFOp::create(b, l, one, t)),
                                               far(arith::SubFOp::create(b, l, fc(2.0), t))};
                      SmallVector<Value> raw;
                      for (int64_t k = 0; k < 4; ++k)
                        raw.push_back(arith::AddIOp::create(b, l, i0, icst(k - 1)));
                      if (excludeOutside) {
                        // Taps outside the input get weight 0; renormalise.
                        Value sum;
                        for (int64_t k = 0; k < 4; ++k) {
                          Value inb = arith::AndIOp::create(
                              b, l,
                              arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, raw[k], icst(0)),
                              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, raw[k], icst(n)));
                          ws[k] = arith::SelectOp::create(b, l, inb, ws[k], fc(0.0));
                          sum = sum ? arith::AddFOp::create(b, l, sum, ws[k]).getResult() : ws[k];
                        }
                        for (int64_t k = 0; k < 4; ++k)
                          ws[k] = arith::DivFOp::create(b, l, ws[k], sum);
                      }
                      SmallVector<Tap> axisTaps;
                      for (int64_t k = 0; k < 4; ++k)
                        axisTaps.push_back({clampIdx(raw[k], n), ws[k]});
                      taps.push_back(axisTaps);
                    }
                    // Sum over every combination of taps (mixed radix).
                    int64_t combos = 1;
                    bool weighted = false;
                    for (auto &t : taps) {
                      combos *= t.size();
                      weighted |= t.front().second != nullptr;
                    }
                    Value acc;
                    for (int64_t c = 0; c < combos; ++c) {
                      SmallVector<Value> coords;
                      Value weight;
                      int64_t rest = c;
                      for (auto &t : taps) {
                        const Tap &tap = t[rest % t.size()];
                        rest /= t.size();
                        coords.push_back(tap.first);
                        if (tap.second)
                          weight = weight ? arith::MulFOp::create(b, l, weight, tap.second).getResult()
                                          : tap.second;
                      }
                      Value v = tensor::ExtractOp::create(b, l, in, coords);
                      if (!weighted) {
                        acc = v;
                        break;
                      }
                      Value term = arith::MulFOp::create(b, l, convertScalar(b, l, v, ct), weight);
                      acc = acc ? arith::AddFOp::create(b, l, acc, term).getResult() : term;
                    }
                    Value res = weighted ? convertScalar(b, l, acc, e) : acc;
                    if (outside)
                      res = arith::SelectOp::create(
                          b, l, outside,
                          isFloatLike(e) ? floatConst(b, l, e, extrapolation)
                                         : arith::ConstantOp::create(
                                               b, l, b.getIntegerAttr(e, (int64_t)extrapolation))
                                               .getResult(),
                          res);
                    linalg::YieldOp::create(b, l, res);
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
                           arith::ArithDialect, math::MathDialect, scf::SCFDialect,
                           func::FuncDialect, bufferization::BufferizationDialect>();
    target.addIllegalDialect<MpDialect>();
    // Signless views of unsigned elements (see ElementwisePattern).
    target.addLegalOp<UnrealizedConversionCastOp>();
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
      ConvPattern, ConvTransposePattern, PoolPattern<MaxPoolOp, true>,
      PoolPattern<AveragePoolOp, false>, GlobalAveragePoolPattern,
      ConcatPattern, GatherPattern, DropoutPattern, ShapePattern,
      GatherElementsPattern, ExpandPattern, TilePattern, ConstantOfShapePattern,
      RangePattern, SplitPattern, ArgMaxPattern, SlicePattern, PadPattern,
      ResizePattern>(ctx);
  // Flatten with a dynamic batch collapses; a static result reshapes.
  patterns.add<FlattenPattern>(ctx, /*benefit=*/2);
  patterns.add<Pool1DPattern<MaxPoolOp>, Pool1DPattern<AveragePoolOp>,
               Pool1DPattern<ConvOp>>(ctx, /*benefit=*/2);
  patterns.add<NormExpansionPattern<GroupNormalizationOp>,
               NormExpansionPattern<InstanceNormalizationOp>>(ctx);
  mixprec::detail::populateControlFlowPatterns(patterns);
  mixprec::detail::populateRecurrentPatterns(patterns);
  mixprec::detail::populateAxisOpPatterns(patterns);
  mixprec::detail::populatePoolingNDPatterns(patterns);
  mixprec::detail::populateTrainingPatterns(patterns);
}
