//===- MpGradients.cpp - vector-Jacobian rules of the mp ops --------------===//
//
// GradientOpInterface external models. Every rule emits mp ops, so a
// gradient graph is an ordinary mp graph: autocast, the CPU lowering and the
// ONNX exporter handle it like the forward graph. Rules need static shapes
// (mp-run pins a model's shapes to its data before compiling).
//
// Broadcasting ops reduce a gradient back to the operand's shape
// (`unbroadcast`: ReduceSum over the broadcast dims, then Reshape).
//
//===----------------------------------------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mixprec::mp;

namespace {

/// Builds the mp ops of one rule.
struct Emit {
  OpBuilder &b;
  Location loc;

  RankedTensorType type(Value v) const { return cast<RankedTensorType>(v.getType()); }
  MLIRContext *ctx() const { return b.getContext(); }

  Value i64s(ArrayRef<int64_t> vals) {
    auto t = RankedTensorType::get({(int64_t)vals.size()}, b.getI64Type());
    return ConstantOp::create(b, loc, t, DenseIntElementsAttr::get(t, vals), StringAttr());
  }
  /// A rank-0 constant of `elem`.
  Value scalar(Type elem, double v) {
    auto t = RankedTensorType::get({}, elem);
    return ConstantOp::create(b, loc, t, DenseElementsAttr::get(t, b.getFloatAttr(elem, v)),
                              StringAttr());
  }
  template <typename OpT> Value binary(Type t, Value x, Value y) {
    return OpT::create(b, loc, TypeRange{t}, ValueRange{x, y}).getResult();
  }
  Value add(Value x, Value y) { return binary<AddOp>(type(x), x, y); }
  Value sub(Value x, Value y) { return binary<SubOp>(type(x), x, y); }
  Value mul(Value x, Value y) { return binary<MulOp>(type(x), x, y); }
  Value div(Value x, Value y) { return binary<DivOp>(type(x), x, y); }
  Value neg(Value x) { return NegOp::create(b, loc, TypeRange{type(x)}, ValueRange{x}).getResult(); }
  Value exp(Value x) { return ExpOp::create(b, loc, TypeRange{type(x)}, ValueRange{x}).getResult(); }
  Value mulScalar(Value x, double v) {
    return v == 1.0 ? x : mul(x, scalar(type(x).getElementType(), v));
  }

  Value reshape(Value v, RankedTensorType to) {
    if (v.getType() == to)
      return v;
    return ReshapeOp::create(b, loc, TypeRange{to}, ValueRange{v, i64s(to.getShape())})
        .getResult();
  }
  Value transpose(Value v, ArrayRef<int64_t> perm) {
    auto t = type(v);
    SmallVector<int64_t> shape;
    for (int64_t p : perm)
      shape.push_back(t.getDimSize(p));
    NamedAttribute a(b.getStringAttr("perm"), b.getDenseI64ArrayAttr(perm));
    return TransposeOp::create(b, loc, TypeRange{RankedTensorType::get(shape, t.getElementType())},
                               ValueRange{v}, {a})
        .getResult();
  }
  /// Swaps the last two dims.
  Value transposeLast2(Value v) {
    int64_t r = type(v).getRank();
    SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, r));
    std::swap(perm[r - 1], perm[r - 2]);
    return transpose(v, perm);
  }
  Value reduceSum(Value v, ArrayRef<int64_t> axes, bool keep) {
    auto t = type(v);
    SmallVector<int64_t> shape;
    for (int64_t d = 0; d < t.getRank(); ++d) {
      if (!llvm::is_contained(axes, d))
        shape.push_back(t.getDimSize(d));
      else if (keep)
        shape.push_back(1);
    }
    SmallVector<NamedAttribute> attrs = {
        NamedAttribute(b.getStringAttr("axes"), b.getDenseI64ArrayAttr(axes)),
        NamedAttribute(b.getStringAttr("keepdims"), b.getI64IntegerAttr(keep ? 1 : 0))};
    return ReduceSumOp::create(b, loc, TypeRange{RankedTensorType::get(shape, t.getElementType())},
                               ValueRange{v}, attrs)
        .getResult();
  }
  Value expand(Value v, RankedTensorType to) {
    if (v.getType() == to)
      return v;
    return ExpandOp::create(b, loc, TypeRange{to}, ValueRange{v, i64s(to.getShape())})
        .getResult();
  }
  /// `g` (of a broadcast result's shape) summed down to `target`'s shape.
  Value unbroadcast(Value g, RankedTensorType target) {
    auto gt = type(g);
    if (gt.getShape() == target.getShape())
      return g;
    int64_t k = gt.getRank() - target.getRank();
    SmallVector<int64_t> axes;
    for (int64_t d = 0; d < gt.getRank(); ++d)
      if (d < k || (target.getDimSize(d - k) == 1 && gt.getDimSize(d) != 1))
        axes.push_back(d);
    Value r = axes.empty() ? g : reduceSum(g, axes, /*keep=*/true);
    return reshape(r, RankedTensorType::get(target.getShape(), gt.getElementType()));
  }
  Value matmul(Value x, Value y) {
    auto xt = type(x), yt = type(y);
    int64_t r = std::max(xt.getRank(), yt.getRank());
    SmallVector<int64_t> shape;
    for (int64_t d = 0; d < r - 2; ++d) {
      int64_t dx = d - (r - xt.getRank()), dy = d - (r - yt.getRank());
      int64_t sx = dx >= 0 ? xt.getDimSize(dx) : 1, sy = dy >= 0 ? yt.getDimSize(dy) : 1;
      shape.push_back(std::max(sx, sy));
    }
    shape.push_back(xt.getDimSize(xt.getRank() - 2));
    shape.push_back(yt.getDimSize(yt.getRank() - 1));
    return MatMulOp::create(b, loc, TypeRange{RankedTensorType::get(shape, xt.getElementType())},
                            ValueRange{x, y})
        .getResult();
  }
  Value castTo(Value v, Type elem) {
    auto t = type(v);
    if (t.getElementType() == elem)
      return v;
    return CastOp::create(b, loc, RankedTensorType::get(t.getShape(), elem), v, TypeAttr::get(elem),
                          IntegerAttr())
        .getResult();
  }
  Value slice(Value v, ArrayRef<int64_t> starts, ArrayRef<int64_t> ends, ArrayRef<int64_t> axes) {
    auto t = type(v);
    SmallVector<int64_t> shape(t.getShape());
    for (size_t i = 0; i < axes.size(); ++i)
      shape[axes[i]] = ends[i] - starts[i];
    NamedAttribute segments(b.getStringAttr("operandSegmentSizes"),
                            b.getDenseI32ArrayAttr({1, 1, 1, 1, 0}));
    return SliceOp::create(b, loc, TypeRange{RankedTensorType::get(shape, t.getElementType())},
                           ValueRange{v, i64s(starts), i64s(ends), i64s(axes)}, {segments})
        .getResult();
  }
};

bool allStatic(Operation *op) {
  for (Type t : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes())) {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt || !rt.hasStaticShape())
      return false;
  }
  return true;
}

bool isFloatTensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && isa<FloatType>(t.getElementType());
}

LogicalResult fail(Operation *op, const Twine &why) {
  return op->emitOpError() << "has no gradient: " << why;
}

//===----------------------------------------------------------------------===//
// Rules
//===----------------------------------------------------------------------===//

LogicalResult vjp(AddOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  out.push_back(e.unbroadcast(g[0], e.type(op.getA())));
  out.push_back(e.unbroadcast(g[0], e.type(op.getB())));
  return success();
}
LogicalResult vjp(SubOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  out.push_back(e.unbroadcast(g[0], e.type(op.getA())));
  out.push_back(e.unbroadcast(e.neg(g[0]), e.type(op.getB())));
  return success();
}
LogicalResult vjp(MulOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  out.push_back(e.unbroadcast(e.mul(g[0], op.getB()), e.type(op.getA())));
  out.push_back(e.unbroadcast(e.mul(g[0], op.getA()), e.type(op.getB())));
  return success();
}
LogicalResult vjp(DivOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  Value b2 = e.mul(op.getB(), op.getB());
  out.push_back(e.unbroadcast(e.div(g[0], op.getB()), e.type(op.getA())));
  out.push_back(e.unbroadcast(e.neg(e.div(e.mul(g[0], op.getA()), b2)), e.type(op.getB())));
  return success();
}
LogicalResult vjp(NegOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  out.push_back(e.neg(g[0]));
  return success();
}
LogicalResult vjp(IdentityOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  out.push_back(g[0]);
  return success();
}
LogicalResult vjp(ReluOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  Value x = op->getOperand(0);
  auto xt = e.type(x);
  Value pos = GreaterOp::create(e.b, e.loc,
                                TypeRange{RankedTensorType::get(xt.getShape(), e.b.getI1Type())},
                                ValueRange{x, e.scalar(xt.getElementType(), 0.0)})
                  .getResult();
  out.push_back(e.mul(g[0], e.castTo(pos, xt.getElementType())));
  return success();
}
LogicalResult vjp(TanhOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  Value y = op->getResult(0);
  Value one = e.scalar(e.type(y).getElementType(), 1.0);
  out.push_back(e.mul(g[0], e.binary<SubOp>(e.type(y), one, e.mul(y, y))));
  return success();
}
LogicalResult vjp(SigmoidOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  Value y = op->getResult(0);
  Value one = e.scalar(e.type(y).getElementType(), 1.0);
  out.push_back(e.mul(g[0], e.mul(y, e.binary<SubOp>(e.type(y), one, y))));
  return success();
}
LogicalResult vjp(ExpOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  out.push_back(e.mul(g[0], op->getResult(0)));
  return success();
}
LogicalResult vjp(LogOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  out.push_back(e.div(g[0], op->getOperand(0)));
  return success();
}
LogicalResult vjp(SqrtOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  out.push_back(e.div(g[0], e.mulScalar(op->getResult(0), 2.0)));
  return success();
}

LogicalResult vjp(MatMulOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  Value a = op.getA(), b = op.getB();
  if (e.type(a).getRank() < 2 || e.type(b).getRank() < 2)
    return fail(op, "1-D MatMul operands");
  out.push_back(e.unbroadcast(e.matmul(g[0], e.transposeLast2(b)), e.type(a)));
  out.push_back(e.unbroadcast(e.matmul(e.transposeLast2(a), g[0]), e.type(b)));
  return success();
}

LogicalResult vjp(GemmOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  // Y = alpha op(A) op(B) + beta C.
  double alpha = op.getAlpha() ? op.getAlpha()->convertToDouble() : 1.0;
  double beta = op.getBeta() ? op.getBeta()->convertToDouble() : 1.0;
  bool ta = op.getTransA().value_or(0), tb = op.getTransB().value_or(0);
  Value a = op.getA(), b = op.getB();
  Value opA = ta ? e.transpose(a, {1, 0}) : a;
  Value opB = tb ? e.transpose(b, {1, 0}) : b;
  Value dOpA = e.mulScalar(e.matmul(g[0], e.transpose(opB, {1, 0})), alpha);
  Value dOpB = e.mulScalar(e.matmul(e.transpose(opA, {1, 0}), g[0]), alpha);
  out.push_back(ta ? e.transpose(dOpA, {1, 0}) : dOpA);
  out.push_back(tb ? e.transpose(dOpB, {1, 0}) : dOpB);
  if (op.getC())
    out.push_back(e.unbroadcast(e.mulScalar(g[0], beta), e.type(op.getC())));
  return success();
}

/// Shape-only ops: the gradient takes the operand's shape back.
template <typename OpT>
LogicalResult reshapeVJP(OpT op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  out.push_back(e.reshape(g[0], e.type(op->getOperand(0))));
  for (unsigned i = 1; i < op->getNumOperands(); ++i)
    out.push_back(Value());
  return success();
}
LogicalResult vjp(ReshapeOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return reshapeVJP(op, e, g, out);
}
LogicalResult vjp(FlattenOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return reshapeVJP(op, e, g, out);
}
LogicalResult vjp(SqueezeOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return reshapeVJP(op, e, g, out);
}
LogicalResult vjp(UnsqueezeOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return reshapeVJP(op, e, g, out);
}

LogicalResult vjp(TransposeOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  int64_t r = e.type(op.getData()).getRank();
  SmallVector<int64_t> perm;
  if (auto p = op.getPerm())
    perm.assign(p->begin(), p->end());
  else
    for (int64_t d = r - 1; d >= 0; --d)
      perm.push_back(d);
  SmallVector<int64_t> inv(r);
  for (int64_t i = 0; i < r; ++i)
    inv[perm[i]] = i;
  out.push_back(e.transpose(g[0], inv));
  return success();
}

/// The softmax axis, if the op normalises over one axis (opset 13+, or the
/// last axis before).
std::optional<int64_t> softmaxAxis(Operation *op, std::optional<int64_t> attr) {
  int64_t rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  int64_t opset = 13;
  if (auto module = op->getParentOfType<ModuleOp>())
    if (auto imports = module->getAttrOfType<DictionaryAttr>(MpDialect::kOpsetImportAttr))
      if (auto v = imports.getAs<IntegerAttr>("ai.onnx"))
        opset = v.getInt();
  int64_t axis = attr ? *attr : (opset < 13 ? 1 : -1);
  if (axis < 0)
    axis += rank;
  if (opset < 13 && axis != rank - 1)
    return std::nullopt;
  return axis;
}

LogicalResult vjp(SoftmaxOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto axis = softmaxAxis(op, op.getAxis() ? std::optional<int64_t>(*op.getAxis()) : std::nullopt);
  if (!axis)
    return fail(op, "opset < 13 Softmax over several axes");
  Value y = op->getResult(0);
  Value s = e.reduceSum(e.mul(g[0], y), {*axis}, true);
  out.push_back(e.mul(y, e.sub(g[0], s)));
  return success();
}
LogicalResult vjp(LogSoftmaxOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto axis = softmaxAxis(op, op.getAxis() ? std::optional<int64_t>(*op.getAxis()) : std::nullopt);
  if (!axis)
    return fail(op, "opset < 13 LogSoftmax over several axes");
  Value y = op->getResult(0);
  Value s = e.reduceSum(g[0], {*axis}, true);
  out.push_back(e.sub(g[0], e.mul(e.exp(y), s)));
  return success();
}

/// ReduceSum / ReduceMean: the gradient is broadcast back over the reduced
/// dims (divided by their size for the mean).
template <typename OpT>
LogicalResult reduceVJP(OpT op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out,
                        bool mean) {
  auto xt = e.type(op.getData());
  int64_t rank = xt.getRank();
  SmallVector<int64_t> axes;
  if (auto a = op.getAxes())
    axes.assign(a->begin(), a->end());
  if (Value av = op.getAxesVal()) {
    DenseIntElementsAttr c;
    if (!matchPattern(av, m_Constant(&c)))
      return fail(op, "runtime axes");
    for (const APInt &v : c.getValues<APInt>())
      axes.push_back(v.getSExtValue());
  }
  if (axes.empty()) {
    if (op.getNoopWithEmptyAxes().value_or(0)) {
      out.push_back(g[0]);
      if (op.getAxesVal())
        out.push_back(Value());
      return success();
    }
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  double count = 1;
  SmallVector<int64_t> keepShape(xt.getShape());
  for (int64_t &a : axes) {
    if (a < 0)
      a += rank;
    count *= xt.getDimSize(a);
    keepShape[a] = 1;
  }
  Value gk = e.reshape(g[0], RankedTensorType::get(keepShape, xt.getElementType()));
  if (mean)
    gk = e.mulScalar(gk, 1.0 / count);
  out.push_back(e.expand(gk, xt));
  if (op.getAxesVal())
    out.push_back(Value());
  return success();
}
LogicalResult vjp(ReduceSumOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return reduceVJP(op, e, g, out, false);
}
LogicalResult vjp(ReduceMeanOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return reduceVJP(op, e, g, out, true);
}

LogicalResult vjp(CastOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  if (!isFloatTensor(op->getOperand(0)))
    return fail(op, "cast from a non-float type");
  out.push_back(e.castTo(g[0], e.type(op->getOperand(0)).getElementType()));
  return success();
}

LogicalResult vjp(GlobalAveragePoolOp op, Emit &e, ArrayRef<Value> g,
                  SmallVectorImpl<Value> &out) {
  auto xt = e.type(op.getX());
  double n = 1;
  for (int64_t d = 2; d < xt.getRank(); ++d)
    n *= xt.getDimSize(d);
  out.push_back(e.expand(e.mulScalar(g[0], 1.0 / n), xt));
  return success();
}

/// Conv 2-D, one group: dX is a ConvTranspose of the gradient with the
/// same weights; dW a Conv of the input (batch as channels) with the
/// gradient as the kernel (stride and dilation swap roles); dB a sum.
LogicalResult vjp(ConvOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto xt = e.type(op.getX()), wt = e.type(op.getW()), yt = e.type(op->getResult(0));
  if (xt.getRank() != 4)
    return fail(op, "only 2-D convolutions");
  if (op.getGroup().value_or(1) != 1)
    return fail(op, "grouped convolution");
  if (op.getAutoPad() && *op.getAutoPad() != "NOTSET")
    return fail(op, "auto_pad");
  SmallVector<int64_t> s = {1, 1}, d = {1, 1}, p = {0, 0, 0, 0};
  if (auto v = op.getStrides())
    s.assign(v->begin(), v->end());
  if (auto v = op.getDilations())
    d.assign(v->begin(), v->end());
  if (auto v = op.getPads())
    p.assign(v->begin(), v->end());
  int64_t kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  SmallVector<int64_t> k = {kh, kw};
  auto arr = [&](StringRef n, ArrayRef<int64_t> v) {
    return NamedAttribute(e.b.getStringAttr(n), e.b.getDenseI64ArrayAttr(v));
  };
  // dX: the transposed convolution back to X's spatial size.
  SmallVector<int64_t> outPad;
  for (int i = 0; i < 2; ++i) {
    int64_t natural = (yt.getDimSize(2 + i) - 1) * s[i] - p[i] - p[i + 2] + (k[i] - 1) * d[i] + 1;
    outPad.push_back(xt.getDimSize(2 + i) - natural);
    if (outPad.back() < 0)
      return fail(op, "inconsistent output size");
  }
  out.push_back(ConvTransposeOp::create(
                    e.b, e.loc, TypeRange{xt}, ValueRange{g[0], op.getW()},
                    {arr("strides", s), arr("dilations", d), arr("pads", p),
                     arr("kernel_shape", k), arr("output_padding", outPad)})
                    .getResult());
  // dW[f, c, i, j] = sum_n,oh,ow g[n, f, oh, ow] * Xpad[n, c, oh*s + i*d, ...]
  Value xT = e.transpose(op.getX(), {1, 0, 2, 3});  // [C, N, H, W]
  Value gT = e.transpose(g[0], {1, 0, 2, 3});       // [F, N, OH, OW]
  SmallVector<int64_t> full;
  for (int i = 0; i < 2; ++i)
    full.push_back((xt.getDimSize(2 + i) + p[i] + p[i + 2] - (yt.getDimSize(2 + i) - 1) * s[i] - 1) /
                       d[i] + 1);
  auto cwT = RankedTensorType::get({xt.getDimSize(1), wt.getDimSize(0), full[0], full[1]},
                                   wt.getElementType());
  Value cw = ConvOp::create(e.b, e.loc, TypeRange{cwT}, ValueRange{xT, gT},
                            {arr("strides", d), arr("dilations", s), arr("pads", p),
                             arr("kernel_shape", {yt.getDimSize(2), yt.getDimSize(3)})})
                 .getResult();
  if (full[0] != kh || full[1] != kw)
    cw = e.slice(cw, {0, 0}, {kh, kw}, {2, 3});
  out.push_back(e.transpose(cw, {1, 0, 2, 3}));
  if (op.getB())
    out.push_back(e.reduceSum(g[0], {0, 2, 3}, false));
  return success();
}

template <typename OpT>
struct VJPModel : GradientOpInterface::ExternalModel<VJPModel<OpT>, OpT> {
  LogicalResult buildVJP(Operation *op, OpBuilder &builder, ArrayRef<Value> resultGrads,
                         SmallVectorImpl<Value> &operandGrads) const {
    if (!allStatic(op))
      return fail(op, "dynamic shapes (pin the input shapes first)");
    if (llvm::any_of(op->getOperands(), [](Value v) {
          auto t = dyn_cast<RankedTensorType>(v.getType());
          return t && isa<FloatType>(t.getElementType()) && !t.getElementType().isF32() &&
                 !t.getElementType().isF64() && !t.getElementType().isF16() &&
                 !t.getElementType().isBF16();
        }))
      return fail(op, "element type");
    if (resultGrads.empty() || !resultGrads[0])
      return fail(op, "no gradient for its first result");
    Emit e{builder, op->getLoc()};
    return vjp(cast<OpT>(op), e, resultGrads, operandGrads);
  }
};

template <typename... Ops> void attach(MLIRContext &ctx) {
  (Ops::template attachInterface<VJPModel<Ops>>(ctx), ...);
}

} // namespace

void mixprec::mp::attachGradientModels(MLIRContext &ctx) {
  attach<AddOp, SubOp, MulOp, DivOp, NegOp, IdentityOp, ReluOp, TanhOp, SigmoidOp, ExpOp, LogOp,
         SqrtOp, MatMulOp, GemmOp, ReshapeOp, FlattenOp, SqueezeOp, UnsqueezeOp, TransposeOp,
         SoftmaxOp, LogSoftmaxOp, ReduceSumOp, ReduceMeanOp, CastOp, GlobalAveragePoolOp, ConvOp>(
      ctx);
}
