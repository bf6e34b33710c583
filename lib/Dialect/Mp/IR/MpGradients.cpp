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
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>

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
  /// A rank-0 i64 constant.
  Value i64Scalar(int64_t v) {
    auto t = RankedTensorType::get({}, b.getI64Type());
    return ConstantOp::create(b, loc, t, DenseIntElementsAttr::get(t, ArrayRef<int64_t>{v}),
                              StringAttr());
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
  /// The numpy-broadcast type of `x` and `y` (x's element type).
  RankedTensorType bcast(Value x, Value y) const {
    auto xt = type(x), yt = type(y);
    int64_t r = std::max(xt.getRank(), yt.getRank());
    SmallVector<int64_t> shape(r, 1);
    for (int64_t d = 0; d < r; ++d) {
      int64_t dx = d - (r - xt.getRank()), dy = d - (r - yt.getRank());
      int64_t sx = dx >= 0 ? xt.getDimSize(dx) : 1, sy = dy >= 0 ? yt.getDimSize(dy) : 1;
      shape[d] = sx == 1 ? sy : sx;
    }
    return RankedTensorType::get(shape, xt.getElementType());
  }
  Value add(Value x, Value y) { return binary<AddOp>(bcast(x, y), x, y); }
  Value sub(Value x, Value y) { return binary<SubOp>(bcast(x, y), x, y); }
  Value mul(Value x, Value y) { return binary<MulOp>(bcast(x, y), x, y); }
  Value div(Value x, Value y) { return binary<DivOp>(bcast(x, y), x, y); }
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
  Value where(Value c, Value x, Value y, Type t) {
    return WhereOp::create(b, loc, TypeRange{t}, ValueRange{c, x, y}).getResult();
  }
  Value zerosLike(RankedTensorType t) {
    return ConstantOp::create(b, loc, t, DenseElementsAttr::get(t, b.getFloatAttr(t.getElementType(), 0.0)),
                              StringAttr());
  }
  Value reduceMeanKeep(Value v, ArrayRef<int64_t> axes) {
    auto t = type(v);
    SmallVector<int64_t> shape(t.getShape());
    for (int64_t a : axes)
      shape[a] = 1;
    SmallVector<NamedAttribute> attrs = {
        NamedAttribute(b.getStringAttr("axes"), b.getDenseI64ArrayAttr(axes)),
        NamedAttribute(b.getStringAttr("keepdims"), b.getI64IntegerAttr(1))};
    return ReduceMeanOp::create(b, loc, TypeRange{RankedTensorType::get(shape, t.getElementType())},
                                ValueRange{v}, attrs)
        .getResult();
  }
  template <typename OpT> Value unary(Value x) {
    return OpT::create(b, loc, TypeRange{type(x)}, ValueRange{x}).getResult();
  }
  Value greaterThan(Value x, Value y) {
    return GreaterOp::create(b, loc, TypeRange{RankedTensorType::get(type(x).getShape(), b.getI1Type())},
                             ValueRange{x, y})
        .getResult();
  }
  /// Zero padding: `lo`/`hi` elements before/after each dim.
  Value pad(Value v, ArrayRef<int64_t> lo, ArrayRef<int64_t> hi) {
    auto t = type(v);
    SmallVector<int64_t> shape(t.getShape()), pads(lo);
    pads.append(hi.begin(), hi.end());
    for (int64_t d = 0; d < t.getRank(); ++d)
      shape[d] += lo[d] + hi[d];
    NamedAttribute segments(b.getStringAttr("operandSegmentSizes"),
                            b.getDenseI32ArrayAttr({1, 1, 0, 0}));
    return PadOp::create(b, loc, TypeRange{RankedTensorType::get(shape, t.getElementType())},
                         ValueRange{v, i64s(pads)}, {segments})
        .getResult();
  }
  Value concat(ValueRange vs, int64_t axis) {
    auto t = type(vs[0]);
    SmallVector<int64_t> shape(t.getShape());
    shape[axis] = 0;
    for (Value v : vs)
      shape[axis] += type(v).getDimSize(axis);
    return ConcatOp::create(b, loc, TypeRange{RankedTensorType::get(shape, t.getElementType())}, vs,
                            {NamedAttribute(b.getStringAttr("axis"), b.getI64IntegerAttr(axis))})
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

/// Conv 2-D (grouped and depthwise too): dX is a ConvTranspose of the
/// gradient with the same weights and groups; dW, per group, a Conv of the
/// input (batch as channels) with the gradient as the kernel (stride and
/// dilation swap roles); dB a sum.
LogicalResult vjp(ConvOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto xt = e.type(op.getX()), wt = e.type(op.getW()), yt = e.type(op->getResult(0));
  if (xt.getRank() != 4)
    return fail(op, "only 2-D convolutions");
  int64_t groups = op.getGroup().value_or(1);
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
  // The conv's [F, C/g, kh, kw] kernel is the transposed conv's [in, out/g,
  // kh, kw] kernel: the same weights, the same groups.
  out.push_back(ConvTransposeOp::create(
                    e.b, e.loc, TypeRange{xt}, ValueRange{g[0], op.getW()},
                    {arr("strides", s), arr("dilations", d), arr("pads", p),
                     arr("kernel_shape", k), arr("output_padding", outPad),
                     NamedAttribute(e.b.getStringAttr("group"), e.b.getI64IntegerAttr(groups))})
                    .getResult());
  // dW[f, c, i, j] = sum_n,oh,ow g[n, f, oh, ow] * Xpad[n, c, oh*s + i*d, ...],
  // one group at a time (group g pairs input channels g*C/G.. with filters
  // g*F/G..).
  int64_t cg = xt.getDimSize(1) / groups, fg = wt.getDimSize(0) / groups;
  SmallVector<int64_t> full;
  for (int i = 0; i < 2; ++i)
    full.push_back((xt.getDimSize(2 + i) + p[i] + p[i + 2] - (yt.getDimSize(2 + i) - 1) * s[i] - 1) /
                       d[i] + 1);
  SmallVector<Value> perGroup;
  for (int64_t gi = 0; gi < groups; ++gi) {
    Value xg = groups == 1 ? op.getX() : e.slice(op.getX(), {gi * cg}, {(gi + 1) * cg}, {1});
    Value gg = groups == 1 ? g[0] : e.slice(g[0], {gi * fg}, {(gi + 1) * fg}, {1});
    Value xT = e.transpose(xg, {1, 0, 2, 3}); // [C/G, N, H, W]
    Value gT = e.transpose(gg, {1, 0, 2, 3}); // [F/G, N, OH, OW]
    auto cwT = RankedTensorType::get({cg, fg, full[0], full[1]}, wt.getElementType());
    Value cw = ConvOp::create(e.b, e.loc, TypeRange{cwT}, ValueRange{xT, gT},
                              {arr("strides", d), arr("dilations", s), arr("pads", p),
                               arr("kernel_shape", {yt.getDimSize(2), yt.getDimSize(3)})})
                   .getResult();
    if (full[0] != kh || full[1] != kw)
      cw = e.slice(cw, {0, 0}, {kh, kw}, {2, 3});
    perGroup.push_back(e.transpose(cw, {1, 0, 2, 3}));
  }
  out.push_back(groups == 1 ? perGroup[0] : e.concat(perGroup, 0));
  if (op.getB())
    out.push_back(e.reduceSum(g[0], {0, 2, 3}, false));
  return success();
}

LogicalResult vjp(ExpandOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  out.push_back(e.unbroadcast(g[0], e.type(op.getInput())));
  out.push_back(Value());
  return success();
}

LogicalResult vjp(WhereOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto gt = e.type(g[0]);
  Value zero = e.scalar(gt.getElementType(), 0.0);
  out.push_back(Value());
  out.push_back(e.unbroadcast(e.where(op.getCondition(), g[0], zero, gt), e.type(op.getX())));
  out.push_back(e.unbroadcast(e.where(op.getCondition(), zero, g[0], gt), e.type(op.getY())));
  return success();
}

LogicalResult vjp(ConcatOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  int64_t rank = e.type(g[0]).getRank();
  int64_t axis = static_cast<int64_t>(op.getAxis());
  if (axis < 0)
    axis += rank;
  int64_t off = 0;
  for (Value in : op.getInputs()) {
    int64_t n = e.type(in).getDimSize(axis);
    out.push_back(n == 0 ? Value() : e.slice(g[0], {off}, {off + n}, {axis}));
    off += n;
  }
  return success();
}

LogicalResult vjp(SplitOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  int64_t rank = e.type(op.getInput()).getRank();
  int64_t axis = static_cast<int64_t>(op.getAxis().value_or(0));
  if (axis < 0)
    axis += rank;
  SmallVector<Value> parts;
  for (auto [r, gr] : llvm::zip(op.getResults(), g))
    parts.push_back(gr ? gr : e.zerosLike(e.type(r)));
  out.push_back(e.concat(parts, axis));
  if (op.getSplitVal())
    out.push_back(Value());
  return success();
}

/// The values of a constant integer operand, or of the attribute that
/// replaced it in older opsets.
std::optional<SmallVector<int64_t>> constInts(Value v, std::optional<ArrayRef<int64_t>> attr) {
  if (!v) {
    if (!attr)
      return std::nullopt;
    return SmallVector<int64_t>(attr->begin(), attr->end());
  }
  DenseIntElementsAttr c;
  if (!matchPattern(v, m_Constant(&c)))
    return std::nullopt;
  SmallVector<int64_t> r;
  for (const APInt &x : c.getValues<APInt>())
    r.push_back(x.getSExtValue());
  return r;
}

/// Reverses `v` along `axis` (a Slice with step -1).
Value reverseAxis(Emit &e, Value v, int64_t axis) {
  NamedAttribute segments(e.b.getStringAttr("operandSegmentSizes"),
                          e.b.getDenseI32ArrayAttr({1, 1, 1, 1, 1}));
  return SliceOp::create(e.b, e.loc, TypeRange{e.type(v)},
                         ValueRange{v, e.i64s({-1}), e.i64s({std::numeric_limits<int64_t>::min()}),
                                    e.i64s({axis}), e.i64s({-1})},
                         {segments})
      .getResult();
}

/// Scatters `gv` (m elements along `axis`) to positions st, st + k, ... of
/// an axis of n elements (k >= 1), zeros elsewhere: the adjoint of a
/// strided slice along one axis.
Value scatterStrided(Emit &e, Value gv, int64_t axis, int64_t st, int64_t k, int64_t n) {
  auto t = e.type(gv);
  int64_t m = t.getDimSize(axis), rank = t.getRank();
  Value cur = gv;
  int64_t len = m;
  if (k > 1 && m > 0) {
    // [.., m, ..] -> [.., m, 1, ..] -> pad the new dim to k -> [.., m*k, ..].
    SmallVector<int64_t> shape(t.getShape());
    shape.insert(shape.begin() + axis + 1, 1);
    cur = e.reshape(cur, RankedTensorType::get(shape, t.getElementType()));
    SmallVector<int64_t> lo(rank + 1, 0), hi(rank + 1, 0);
    hi[axis + 1] = k - 1;
    cur = e.pad(cur, lo, hi);
    SmallVector<int64_t> merged(t.getShape());
    merged[axis] = m * k;
    cur = e.reshape(cur, RankedTensorType::get(merged, t.getElementType()));
    len = std::min(m * k, n - st);
    if (len != m * k)
      cur = e.slice(cur, {0}, {len}, {axis});
  }
  SmallVector<int64_t> lo(rank, 0), hi(rank, 0);
  lo[axis] = st;
  hi[axis] = n - st - len;
  return e.pad(cur, lo, hi);
}

/// Slice with constant starts/ends/axes/steps: the gradient is the output
/// gradient scattered back to the sliced positions (zero padding for unit
/// steps, interleaved zeros for larger ones, a reversal for negative ones).
LogicalResult vjp(SliceOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto xt = e.type(op.getData());
  auto starts = constInts(op.getStartsVal(), op.getStarts());
  auto ends = constInts(op.getEndsVal(), op.getEnds());
  if (!starts || !ends)
    return fail(op, "runtime starts/ends");
  SmallVector<int64_t> axes;
  if (op.getAxesVal() || op.getAxes()) {
    auto a = constInts(op.getAxesVal(), op.getAxes());
    if (!a)
      return fail(op, "runtime axes");
    axes = *a;
  } else {
    axes = llvm::to_vector(llvm::seq<int64_t>(0, starts->size()));
  }
  SmallVector<int64_t> steps(axes.size(), 1);
  if (op.getSteps()) {
    auto st = constInts(op.getSteps(), std::nullopt);
    if (!st)
      return fail(op, "runtime steps");
    steps = *st;
  }
  int64_t rank = xt.getRank();
  Value cur = g[0];
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    int64_t n = xt.getDimSize(a), k = steps[i];
    int64_t st = (*starts)[i] < 0 ? (*starts)[i] + n : (*starts)[i];
    if (k > 0) {
      cur = scatterStrided(e, cur, a, std::clamp<int64_t>(st, 0, n), k, n);
    } else {
      // Elements st, st - |k|, ... are, in the reversed axis and in the same
      // order, n-1-st, n-1-st + |k|, ...: scatter there, then reverse.
      st = std::clamp<int64_t>(st, 0, n - 1);
      cur = reverseAxis(e, scatterStrided(e, cur, a, n - 1 - st, -k, n), a);
    }
  }
  out.push_back(cur);
  for (unsigned i = 1; i < op->getNumOperands(); ++i)
    out.push_back(Value());
  return success();
}

/// Constant-mode Pad with constant pads: the gradient is the output
/// gradient cropped back (and zero-padded where the pads were negative).
LogicalResult vjp(PadOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  if (op.getMode() && *op.getMode() != "constant")
    return fail(op, "reflect, edge or wrap mode");
  auto xt = e.type(op.getData());
  int64_t rank = xt.getRank();
  auto pads = constInts(op.getPadsVal(), op.getPads());
  if (!pads)
    return fail(op, "runtime pads");
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (op.getAxesVal()) {
    auto a = constInts(op.getAxesVal(), std::nullopt);
    if (!a)
      return fail(op, "runtime axes");
    axes = *a;
  }
  int64_t na = axes.size();
  SmallVector<int64_t> lo(rank, 0), hi(rank, 0), cropLo(rank, 0), cropHi(rank, 0);
  bool negative = false;
  for (int64_t i = 0; i < na; ++i) {
    int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    int64_t pl = (*pads)[i], ph = (*pads)[i + na];
    lo[a] = std::max<int64_t>(-pl, 0);
    hi[a] = std::max<int64_t>(-ph, 0);
    cropLo[a] = std::max<int64_t>(pl, 0);
    negative |= pl < 0 || ph < 0;
  }
  Value cur = g[0];
  if (negative)
    cur = e.pad(cur, lo, hi);
  SmallVector<int64_t> starts, ends, sliceAxes;
  for (int64_t d = 0; d < rank; ++d) {
    if (cropLo[d] == 0 && e.type(cur).getDimSize(d) == xt.getDimSize(d))
      continue;
    starts.push_back(cropLo[d]);
    ends.push_back(cropLo[d] + xt.getDimSize(d));
    sliceAxes.push_back(d);
  }
  if (!sliceAxes.empty())
    cur = e.slice(cur, starts, ends, sliceAxes);
  out.push_back(cur);
  for (unsigned i = 1; i < op->getNumOperands(); ++i)
    out.push_back(Value());
  return success();
}

/// Tile: each input element is copied to one place per repeat, so its
/// gradient sums those: [r0*d0, ..] -> [r0, d0, ..] -> sum over the r axes.
LogicalResult vjp(TileOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto reps = constInts(op.getRepeats(), std::nullopt);
  if (!reps)
    return fail(op, "runtime repeats");
  auto xt = e.type(op.getInput());
  SmallVector<int64_t> split, axes;
  for (int64_t d = 0; d < xt.getRank(); ++d) {
    split.push_back((*reps)[d]);
    split.push_back(xt.getDimSize(d));
    axes.push_back(2 * d);
  }
  Value r = e.reshape(g[0], RankedTensorType::get(split, xt.getElementType()));
  out.push_back(e.reshape(e.reduceSum(r, axes, false), xt));
  out.push_back(Value());
  return success();
}

/// CumSum: y_i sums x_j over j <= i (j < i if exclusive), so dx_j sums g_i
/// over i >= j (i > j): the same scan in the other direction.
LogicalResult vjp(CumSumOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  SmallVector<NamedAttribute> attrs;
  if (auto x = op.getExclusive())
    attrs.push_back(NamedAttribute(e.b.getStringAttr("exclusive"), e.b.getI64IntegerAttr(*x)));
  attrs.push_back(NamedAttribute(e.b.getStringAttr("reverse"),
                                 e.b.getI64IntegerAttr(op.getReverse().value_or(0) ? 0 : 1)));
  out.push_back(CumSumOp::create(e.b, e.loc, TypeRange{e.type(g[0])}, ValueRange{g[0], op.getAxis()},
                                 attrs)
                    .getResult());
  out.push_back(Value());
  return success();
}

LogicalResult vjp(ReciprocalOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  Value y = op->getResult(0);
  out.push_back(e.neg(e.mul(g[0], e.mul(y, y))));
  return success();
}

LogicalResult vjp(ErfOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  Value x = op->getOperand(0);
  Value ex = e.exp(e.neg(e.mul(x, x)));
  out.push_back(e.mul(g[0], e.mulScalar(ex, 2.0 / std::sqrt(M_PI))));
  return success();
}

LogicalResult vjp(GeluOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  if (op.getApproximate() && *op.getApproximate() != "none")
    return fail(op, "tanh approximation");
  // d/dx x Phi(x) = Phi(x) + x phi(x).
  Value x = op.getX();
  Type et = e.type(x).getElementType();
  Value erf = e.unary<ErfOp>(e.mulScalar(x, M_SQRT1_2));
  Value cdf = e.mulScalar(e.add(erf, e.scalar(et, 1.0)), 0.5);
  Value pdf = e.mulScalar(e.exp(e.mulScalar(e.mul(x, x), -0.5)), 1.0 / std::sqrt(2 * M_PI));
  out.push_back(e.mul(g[0], e.add(cdf, e.mul(x, pdf))));
  return success();
}

LogicalResult vjp(LeakyReluOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  Value x = op.getX();
  Type et = e.type(x).getElementType();
  double alpha = op.getAlpha() ? op.getAlpha()->convertToDouble() : 0.01;
  Value pos = e.greaterThan(x, e.scalar(et, 0.0));
  out.push_back(e.mul(g[0], e.where(pos, e.scalar(et, 1.0), e.scalar(et, alpha), e.type(x))));
  return success();
}

LogicalResult vjp(AbsOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  Value x = op->getOperand(0);
  auto xt = e.type(x);
  Type et = xt.getElementType();
  Value zero = e.scalar(et, 0.0);
  Value neg = LessOp::create(e.b, e.loc, TypeRange{RankedTensorType::get(xt.getShape(), e.b.getI1Type())},
                             ValueRange{x, zero})
                  .getResult();
  Value sign = e.where(e.greaterThan(x, zero), e.scalar(et, 1.0),
                       e.where(neg, e.scalar(et, -1.0), zero, xt), xt);
  out.push_back(e.mul(g[0], sign));
  return success();
}

LogicalResult vjp(SoftplusOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  out.push_back(e.mul(g[0], e.unary<SigmoidOp>(op->getOperand(0))));
  return success();
}

LogicalResult vjp(PowOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  // y = x^p: dx = g p x^(p - 1); dp = g y log(x).
  Value x = op.getX(), p = op.getY(), y = op->getResult(0);
  if (!isFloatTensor(x) || !isFloatTensor(p) || e.type(x).getElementType() != e.type(p).getElementType())
    return fail(op, "integer or mixed-type Pow");
  Type et = e.type(x).getElementType();
  Value pm1 = e.binary<SubOp>(e.type(p), p, e.scalar(et, 1.0));
  Value xp = PowOp::create(e.b, e.loc, TypeRange{e.type(y)}, ValueRange{x, pm1}).getResult();
  out.push_back(e.unbroadcast(e.mul(e.mul(g[0], xp), p), e.type(x)));
  out.push_back(e.unbroadcast(e.mul(e.mul(g[0], y), e.unary<LogOp>(x)), e.type(p)));
  return success();
}

/// LayerNormalization: with xhat = (x - mean) * rstd over the normalised
/// axes, dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),
/// dscale = sum(g * xhat), dB = sum(g) over the leading axes.
LogicalResult vjp(LayerNormalizationOp op, Emit &e, ArrayRef<Value> g,
                  SmallVectorImpl<Value> &out) {
  Value x = op.getX();
  auto xt = e.type(x);
  int64_t rank = xt.getRank();
  int64_t axis = static_cast<int64_t>(op.getAxis().value_or(-1));
  if (axis < 0)
    axis += rank;
  double eps = op.getEpsilon() ? op.getEpsilon()->convertToDouble() : 1e-5;
  SmallVector<int64_t> norm, lead;
  for (int64_t d = 0; d < rank; ++d)
    (d >= axis ? norm : lead).push_back(d);
  Type et = xt.getElementType();
  Value mean = e.reduceMeanKeep(x, norm);
  Value xc = e.sub(x, mean);
  Value var = e.reduceMeanKeep(e.mul(xc, xc), norm);
  Value rstd = e.unary<ReciprocalOp>(e.unary<SqrtOp>(e.add(var, e.scalar(et, eps))));
  Value xhat = e.mul(xc, rstd);
  Value dxhat = e.mul(g[0], op.getScale());
  Value m1 = e.reduceMeanKeep(dxhat, norm);
  Value m2 = e.reduceMeanKeep(e.mul(dxhat, xhat), norm);
  out.push_back(e.mul(rstd, e.sub(e.sub(dxhat, m1), e.mul(xhat, m2))));
  out.push_back(e.unbroadcast(e.mul(g[0], xhat), e.type(op.getScale())));
  if (op.getB())
    out.push_back(e.unbroadcast(g[0], e.type(op.getB())));
  return success();
}

/// BatchNormalization. Inference form: y = (x - mean) * scale / sqrt(var +
/// eps) + B with the given statistics, linear in x, scale and B (the running
/// statistics are not trained). Training form (batch statistics, as
/// LayerNormalization over every dim but the channel): dx = rstd * (dxhat -
/// mean(dxhat) - xhat * mean(dxhat * xhat)); the running averages it also
/// returns carry no gradient.
LogicalResult vjp(BatchNormalizationOp op, Emit &e, ArrayRef<Value> g,
                  SmallVectorImpl<Value> &out) {
  bool training = op.getTrainingMode().value_or(0) != 0 || op->getNumResults() > 1;
  if (op.getSavedMean() || op.getSavedVar())
    return fail(op, "opset 7-8 saved statistics");
  auto xt = e.type(op.getX());
  int64_t rank = xt.getRank();
  Type et = xt.getElementType();
  double eps = op.getEpsilon() ? op.getEpsilon()->convertToDouble() : 1e-5;
  SmallVector<int64_t> chanShape(rank, 1);
  chanShape[1] = xt.getDimSize(1);
  auto asChan = [&](Value v) {
    return e.reshape(v, RankedTensorType::get(chanShape, e.type(v).getElementType()));
  };
  SmallVector<int64_t> red = {0};
  for (int64_t d = 2; d < rank; ++d)
    red.push_back(d);
  Value x = op.getX(), gy = g[0];
  Value mean, var;
  if (training) {
    mean = e.reduceMeanKeep(x, red);
    Value xc = e.sub(x, mean);
    var = e.reduceMeanKeep(e.mul(xc, xc), red);
  } else {
    mean = asChan(op.getInputMean());
    var = asChan(op.getInputVar());
  }
  Value rstd = e.unary<ReciprocalOp>(e.unary<SqrtOp>(e.add(var, e.scalar(et, eps))));
  Value xhat = e.mul(e.sub(x, mean), rstd);
  Value scale = asChan(op.getScale());
  if (training) {
    Value dxhat = e.mul(gy, scale);
    Value m1 = e.reduceMeanKeep(dxhat, red);
    Value m2 = e.reduceMeanKeep(e.mul(dxhat, xhat), red);
    out.push_back(e.mul(rstd, e.sub(e.sub(dxhat, m1), e.mul(xhat, m2))));
  } else {
    out.push_back(e.mul(gy, e.mul(scale, rstd)));
  }
  auto vecT = e.type(op.getScale());
  out.push_back(e.reshape(e.reduceSum(e.mul(gy, xhat), red, true), vecT));
  out.push_back(e.reshape(e.reduceSum(gy, red, true), e.type(op.getB())));
  out.push_back(Value());
  out.push_back(Value());
  return success();
}

/// ConvTranspose 2-D: the adjoint of a Conv. Per group, dX is a Conv of
/// the gradient with the same weights ([C, F, kh, kw] is Conv's
/// [out, in, kh, kw]); dW a Conv of the gradient (batch as channels) with
/// the input as the kernel, stride and dilation swapped; dB a sum. Groups
/// are sliced apart and their gradients concatenated.
LogicalResult vjp(ConvTransposeOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto xt = e.type(op.getX()), wt = e.type(op.getW()), yt = e.type(op->getResult(0));
  if (xt.getRank() != 4)
    return fail(op, "only 2-D transposed convolutions");
  if ((op.getAutoPad() && *op.getAutoPad() != "NOTSET") || op.getOutputShape())
    return fail(op, "auto_pad or output_shape");
  int64_t groups = op.getGroup().value_or(1);
  SmallVector<int64_t> s = {1, 1}, d = {1, 1}, p = {0, 0, 0, 0};
  if (auto v = op.getStrides())
    s.assign(v->begin(), v->end());
  if (auto v = op.getDilations())
    d.assign(v->begin(), v->end());
  if (auto v = op.getPads())
    p.assign(v->begin(), v->end());
  int64_t kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  auto arr = [&](StringRef n, ArrayRef<int64_t> v) {
    return NamedAttribute(e.b.getStringAttr(n), e.b.getDenseI64ArrayAttr(v));
  };
  // dX[n, c, i] = sum_f,k g[n, f, i*s + k*d - p] W[c, f, k]: a Conv of g.
  auto dataGrad = [&](Value gv, Value w) {
    SmallVector<int64_t> dxSize;
    for (int i = 0; i < 2; ++i)
      dxSize.push_back(
          (yt.getDimSize(2 + i) + p[i] + p[i + 2] - ((i ? kw : kh) - 1) * d[i] - 1) / s[i] + 1);
    auto dxT = RankedTensorType::get({xt.getDimSize(0), e.type(w).getDimSize(0), dxSize[0], dxSize[1]},
                                     xt.getElementType());
    Value dx = ConvOp::create(e.b, e.loc, TypeRange{dxT}, ValueRange{gv, w},
                              {arr("strides", s), arr("dilations", d), arr("pads", p),
                               arr("kernel_shape", {kh, kw})})
                   .getResult();
    if (dxSize[0] != xt.getDimSize(2) || dxSize[1] != xt.getDimSize(3))
      dx = e.slice(dx, {0, 0}, {xt.getDimSize(2), xt.getDimSize(3)}, {2, 3});
    return dx;
  };
  // dW[c, f, k] = sum_n,i x[n, c, i] g[n, f, i*s + k*d - p]: a Conv of g^T
  // ([F, N, OH, OW]) with x^T ([C, N, IH, IW]) as the kernel.
  auto weightGrad = [&](Value gv, Value x) {
    Value gT = e.transpose(gv, {1, 0, 2, 3});
    Value xT = e.transpose(x, {1, 0, 2, 3});
    SmallVector<int64_t> full;
    for (int i = 0; i < 2; ++i)
      full.push_back(
          (yt.getDimSize(2 + i) + p[i] + p[i + 2] - (xt.getDimSize(2 + i) - 1) * s[i] - 1) / d[i] +
          1);
    auto cwT = RankedTensorType::get({e.type(gv).getDimSize(1), e.type(x).getDimSize(1), full[0],
                                      full[1]},
                                     wt.getElementType());
    Value cw = ConvOp::create(e.b, e.loc, TypeRange{cwT}, ValueRange{gT, xT},
                              {arr("strides", d), arr("dilations", s), arr("pads", p),
                               arr("kernel_shape", {xt.getDimSize(2), xt.getDimSize(3)})})
                   .getResult();
    if (full[0] != kh || full[1] != kw)
      cw = e.slice(cw, {0, 0}, {kh, kw}, {2, 3});
    return e.transpose(cw, {1, 0, 2, 3});
  };
  if (groups == 1) {
    out.push_back(dataGrad(g[0], op.getW()));
    out.push_back(weightGrad(g[0], op.getX()));
  } else {
    int64_t cg = xt.getDimSize(1) / groups, fg = wt.getDimSize(1);
    SmallVector<Value> dxs, dws;
    for (int64_t j = 0; j < groups; ++j) {
      Value gj = e.slice(g[0], {j * fg}, {(j + 1) * fg}, {1});
      Value xj = e.slice(op.getX(), {j * cg}, {(j + 1) * cg}, {1});
      Value wj = e.slice(op.getW(), {j * cg}, {(j + 1) * cg}, {0});
      dxs.push_back(dataGrad(gj, wj));
      dws.push_back(weightGrad(gj, xj));
    }
    out.push_back(e.concat(dxs, 1));
    out.push_back(e.concat(dws, 0));
  }
  if (op.getB())
    out.push_back(e.reduceSum(g[0], {0, 2, 3}, false));
  return success();
}

/// The gradient of a Gather along axis 0 of a `dt` table: a one-hot
/// product, onehot(indices)^T g, which sums repeated rows.
Value gatherRowsGrad(Emit &e, Value indices, Value gv, RankedTensorType dt) {
  auto it = e.type(indices);
  Type et = dt.getElementType();
  int64_t v = dt.getDimSize(0), m = it.getNumElements();
  int64_t rowSize = dt.getNumElements() / std::max<int64_t>(v, 1);
  auto i64 = e.b.getI64Type();
  Value idx = e.reshape(e.castTo(indices, i64), RankedTensorType::get({m, 1}, i64));
  // Negative indices count from the end.
  Value neg = LessOp::create(e.b, e.loc, TypeRange{RankedTensorType::get({m, 1}, e.b.getI1Type())},
                             ValueRange{idx, ConstantOp::create(e.b, e.loc, RankedTensorType::get({}, i64),
                                                                DenseElementsAttr::get(RankedTensorType::get({}, i64), e.b.getI64IntegerAttr(0)), StringAttr())})
                  .getResult();
  Value wrapped = AddOp::create(e.b, e.loc, TypeRange{RankedTensorType::get({m, 1}, i64)},
                                ValueRange{idx, ConstantOp::create(e.b, e.loc, RankedTensorType::get({}, i64),
                                                                   DenseElementsAttr::get(RankedTensorType::get({}, i64), e.b.getI64IntegerAttr(v)), StringAttr())})
                      .getResult();
  idx = WhereOp::create(e.b, e.loc, TypeRange{RankedTensorType::get({m, 1}, i64)}, ValueRange{neg, wrapped, idx})
            .getResult();
  Value range = RangeOp::create(e.b, e.loc, TypeRange{RankedTensorType::get({v}, i64)},
                                ValueRange{ConstantOp::create(e.b, e.loc, RankedTensorType::get({}, i64), DenseElementsAttr::get(RankedTensorType::get({}, i64), e.b.getI64IntegerAttr(0)), StringAttr()),
                                           ConstantOp::create(e.b, e.loc, RankedTensorType::get({}, i64), DenseElementsAttr::get(RankedTensorType::get({}, i64), e.b.getI64IntegerAttr(v)), StringAttr()),
                                           ConstantOp::create(e.b, e.loc, RankedTensorType::get({}, i64), DenseElementsAttr::get(RankedTensorType::get({}, i64), e.b.getI64IntegerAttr(1)), StringAttr())})
                    .getResult();
  Value eq = EqualOp::create(e.b, e.loc, TypeRange{RankedTensorType::get({m, v}, e.b.getI1Type())},
                             ValueRange{idx, range})
                 .getResult();
  Value onehot = e.castTo(eq, et);
  Value g2 = e.reshape(gv, RankedTensorType::get({m, rowSize}, et));
  Value table = e.matmul(e.transpose(onehot, {1, 0}), g2);
  return e.reshape(table, dt);
}

/// Gather along axis a: the gathered axis is moved to the front of the data
/// and the index dims to the front of the gradient, and the axis-0 rule
/// applies; the result is moved back.
LogicalResult vjp(GatherOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto dt = e.type(op.getData());
  int64_t rank = dt.getRank(), a = op.getAxis().value_or(0);
  if (a < 0)
    a += rank;
  if (a == 0) {
    out.push_back(gatherRowsGrad(e, op.getIndices(), g[0], dt));
    out.push_back(Value());
    return success();
  }
  int64_t r = e.type(op.getIndices()).getRank(), gr = e.type(g[0]).getRank();
  SmallVector<int64_t> gPerm, dShape = {dt.getDimSize(a)}, back;
  for (int64_t i = a; i < a + r; ++i)
    gPerm.push_back(i);
  for (int64_t i = 0; i < gr; ++i)
    if (i < a || i >= a + r)
      gPerm.push_back(i);
  for (int64_t i = 0; i < rank; ++i)
    if (i != a)
      dShape.push_back(dt.getDimSize(i));
  // Data dim i sits at 1 + i (i < a), 0 (i == a) or i (i > a) of the table.
  for (int64_t i = 0; i < rank; ++i)
    back.push_back(i < a ? i + 1 : i == a ? 0 : i);
  Value table = gatherRowsGrad(e, op.getIndices(), e.transpose(g[0], gPerm),
                               RankedTensorType::get(dShape, dt.getElementType()));
  out.push_back(e.transpose(table, back));
  out.push_back(Value());
  return success();
}

/// The gradient of X for Y = X gathered along `axis` at `indices`
/// (GatherElements' semantics, which TopK's Values also follow): dX[.., v, ..]
/// sums dY[.., j, ..] over the j whose index is v. The axis is moved last and
/// the sum is a one-hot product; index dims smaller than X's are zero-padded.
Value scatterAlongAxis(Emit &e, Value indices, Value gv, RankedTensorType xt, int64_t axis) {
  auto it = e.type(indices);
  int64_t rank = it.getRank(), v = xt.getDimSize(axis);
  Type et = xt.getElementType(), i64 = e.b.getI64Type();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[axis], perm[rank - 1]);
  Value idx = e.transpose(e.castTo(indices, i64), perm);
  Value gT = e.transpose(gv, perm);
  SmallVector<int64_t> shape(e.type(idx).getShape());
  auto i1 = e.b.getI1Type();
  Value neg = LessOp::create(e.b, e.loc, TypeRange{RankedTensorType::get(shape, i1)},
                             ValueRange{idx, e.i64Scalar(0)})
                  .getResult();
  idx = WhereOp::create(e.b, e.loc, TypeRange{e.type(idx)},
                        ValueRange{neg, e.binary<AddOp>(e.type(idx), idx, e.i64Scalar(v)), idx})
            .getResult();
  SmallVector<int64_t> shape1(shape), shapeV(shape);
  shape1.push_back(1);
  shapeV.push_back(v);
  Value range = RangeOp::create(e.b, e.loc, TypeRange{RankedTensorType::get({v}, i64)},
                                ValueRange{e.i64Scalar(0), e.i64Scalar(v), e.i64Scalar(1)})
                    .getResult();
  Value eq = EqualOp::create(e.b, e.loc, TypeRange{RankedTensorType::get(shapeV, i1)},
                             ValueRange{e.reshape(idx, RankedTensorType::get(shape1, i64)), range})
                 .getResult();
  Value prod = e.mul(e.castTo(eq, et), e.reshape(gT, RankedTensorType::get(shape1, et)));
  Value r = e.transpose(e.reduceSum(prod, {rank - 1}, false), perm);
  SmallVector<int64_t> lo(rank, 0), hi(rank, 0);
  bool smaller = false;
  for (int64_t d = 0; d < rank; ++d) {
    hi[d] = xt.getDimSize(d) - e.type(r).getDimSize(d);
    smaller |= hi[d] != 0;
  }
  return smaller ? e.pad(r, lo, hi) : r;
}

LogicalResult vjp(GatherElementsOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto xt = e.type(op.getData());
  int64_t a = op.getAxis().value_or(0);
  if (a < 0)
    a += xt.getRank();
  out.push_back(scatterAlongAxis(e, op.getIndices(), g[0], xt, a));
  out.push_back(Value());
  return success();
}

/// TopK: the values' gradient goes back to the positions Indices names.
LogicalResult vjp(TopKOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto xt = e.type(op.getX());
  int64_t a = op.getAxis().value_or(-1);
  if (a < 0)
    a += xt.getRank();
  out.push_back(scatterAlongAxis(e, op.getIndices(), g[0], xt, a));
  for (unsigned i = 1; i < op->getNumOperands(); ++i)
    out.push_back(Value());
  return success();
}

/// Einsum without ellipses or repeated indices in a term: the gradient of
/// operand i is the Einsum of the output gradient with the other operands
/// into operand i's indices ("out,others->term_i").
LogicalResult vjp(EinsumOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  std::string eq;
  for (char c : op.getEquation())
    if (!isspace(static_cast<unsigned char>(c)))
      eq.push_back(c);
  if (eq.find("...") != std::string::npos)
    return fail(op, "ellipsis in the equation");
  std::string lhs = eq, rhs;
  size_t arrow = eq.find("->");
  SmallVector<std::string> terms;
  if (arrow != std::string::npos) {
    lhs = eq.substr(0, arrow);
    rhs = eq.substr(arrow + 2);
  }
  SmallVector<StringRef> parts;
  StringRef(lhs).split(parts, ',');
  for (StringRef t : parts)
    terms.push_back(t.str());
  if (arrow == std::string::npos) {
    // Implicit output: the letters that occur once, in alphabetical order.
    for (char c = 'A'; c <= 'z'; ++c)
      if (llvm::count(lhs, c) == 1)
        rhs.push_back(c);
  }
  for (size_t i = 0; i < terms.size(); ++i) {
    const std::string &t = terms[i];
    for (char c : t) {
      if (llvm::count(t, c) != 1)
        return fail(op, "a repeated index in one operand (a diagonal)");
      bool elsewhere = rhs.find(c) != std::string::npos;
      for (size_t j = 0; j < terms.size() && !elsewhere; ++j)
        elsewhere = j != i && terms[j].find(c) != std::string::npos;
      if (!elsewhere)
        return fail(op, "an index summed within one operand only");
    }
  }
  auto inputs = op.getInputs();
  for (size_t i = 0; i < terms.size(); ++i) {
    if (!isFloatTensor(inputs[i])) {
      out.push_back(Value());
      continue;
    }
    std::string geq = rhs;
    SmallVector<Value> operands = {g[0]};
    for (size_t j = 0; j < terms.size(); ++j) {
      if (j == i)
        continue;
      geq += "," + terms[j];
      operands.push_back(inputs[j]);
    }
    geq += "->" + terms[i];
    out.push_back(EinsumOp::create(e.b, e.loc, TypeRange{e.type(inputs[i])}, operands,
                                   {NamedAttribute(e.b.getStringAttr("equation"),
                                                   e.b.getStringAttr(geq))})
                      .getResult());
  }
  return success();
}

/// Dropout. In inference (no or false training_mode) it is the identity.
/// In training, dX = dY * mask / (1 - ratio). The mask is the op's own
/// second result, or, when the model does not ask for it, that of a copy of
/// the op: the CPU lowering's mask is a pure function of the seed and the
/// element index, so the copy drops the same elements.
LogicalResult vjp(DropoutOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  bool training = false;
  if (Value tm = op.getTrainingMode()) {
    DenseElementsAttr c;
    if (!matchPattern(tm, m_Constant(&c)))
      return fail(op, "runtime training_mode");
    training = c.getSplatValue<bool>();
  }
  auto pushRest = [&] {
    for (unsigned i = 1; i < op->getNumOperands(); ++i)
      out.push_back(Value());
  };
  if (!training) {
    out.push_back(g[0]);
    pushRest();
    return success();
  }
  double ratio = op.getRatio() ? op.getRatio()->convertToDouble() : 0.5;
  if (Value r = op.getRatioVal()) {
    DenseFPElementsAttr c;
    if (!matchPattern(r, m_Constant(&c)))
      return fail(op, "runtime ratio");
    ratio = (*c.getValues<APFloat>().begin()).convertToDouble();
  }
  auto xt = e.type(op.getData());
  Value mask = op.getMask();
  if (!mask) {
    auto maskT = RankedTensorType::get(xt.getShape(), e.b.getI1Type());
    mask = DropoutOp::create(e.b, e.loc, TypeRange{xt, maskT}, op->getOperands(), op->getAttrs())
               .getResult(1);
  }
  Value keep = e.castTo(mask, xt.getElementType());
  out.push_back(e.mulScalar(e.mul(g[0], keep), 1.0 / (1.0 - ratio)));
  pushRest();
  return success();
}

/// Resize with constant scales or sizes (and roi). Every mode is separable
/// and linear in X: along each resized axis d, Y = A_d X for an
/// [out_d, in_d] matrix that depends only on that axis' sizes, scale, roi
/// and the interpolation attributes. So dX applies A_d^T along each axis.
/// A_d is obtained from the op itself: the same Resize, in f32, on a probe
/// that holds an identity in (axis c, axis d), resized along d only, gives
/// A_d^T in (c, d). Extrapolated outputs (tf_crop_and_resize) are constants,
/// so the probe extrapolates zeros.
LogicalResult vjp(ResizeOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  if (op.getAntialias().value_or(0))
    return fail(op, "antialias");
  if (op.getAxes())
    return fail(op, "axes");
  if (op.getKeepAspectRatioPolicy() && *op.getKeepAspectRatioPolicy() != "stretch")
    return fail(op, "keep_aspect_ratio_policy other than stretch");
  auto xt = e.type(op.getX()), yt = e.type(op->getResult(0));
  int64_t rank = xt.getRank();
  if (rank < 2)
    return fail(op, "rank < 2");
  auto floats = [&](Value v) -> std::optional<SmallVector<double>> {
    DenseFPElementsAttr c;
    if (!matchPattern(v, m_Constant(&c)))
      return std::nullopt;
    SmallVector<double> r;
    for (const APFloat &f : c.getValues<APFloat>())
      r.push_back(f.convertToDouble());
    return r;
  };
  std::optional<SmallVector<double>> scales, roi;
  if (Value sc = op.getScales(); sc && e.type(sc).getNumElements() > 0) {
    scales = floats(sc);
    if (!scales)
      return fail(op, "runtime scales");
  } else if (Value sz = op.getSizes()) {
    if (!constInts(sz, std::nullopt))
      return fail(op, "runtime sizes");
  }
  bool crop = op.getCoordinateTransformationMode() &&
              *op.getCoordinateTransformationMode() == "tf_crop_and_resize";
  if (Value r = op.getRoi(); crop && r && e.type(r).getNumElements() > 0) {
    roi = floats(r);
    if (!roi || (int64_t)roi->size() != 2 * rank)
      return fail(op, "runtime roi");
  }
  Type f32 = e.b.getF32Type(), et = e.type(g[0]).getElementType();
  SmallVector<NamedAttribute> attrs;
  for (NamedAttribute a : op->getAttrs())
    if (a.getName() != "operandSegmentSizes" && a.getName() != "extrapolation_value" &&
        a.getName() != "mp.precision")
      attrs.push_back(a);
  attrs.push_back(NamedAttribute(e.b.getStringAttr("extrapolation_value"), e.b.getF32FloatAttr(0)));
  auto f32Const = [&](ArrayRef<int64_t> shape, ArrayRef<float> vals) -> Value {
    auto t = RankedTensorType::get(shape, f32);
    return ConstantOp::create(e.b, e.loc, t, DenseElementsAttr::get(t, vals), StringAttr());
  };
  Value cur = g[0];
  for (int64_t d = 0; d < rank; ++d) {
    int64_t in = xt.getDimSize(d), outD = yt.getDimSize(d);
    double sc = scales ? (*scales)[d] : (double)outD / in;
    bool roiTrivial = !roi || ((*roi)[d] == 0 && (*roi)[d + rank] == 1);
    if (sc == 1.0 && in == outD && roiTrivial)
      continue;
    // The probe: identity in (c, d), ones elsewhere.
    int64_t c = d == 0 ? 1 : 0;
    SmallVector<int64_t> ps(rank, 1), pos(rank, 1);
    ps[c] = in;
    ps[d] = in;
    pos[c] = in;
    pos[d] = outD;
    SmallVector<float> ident(in * in, 0.0f);
    for (int64_t i = 0; i < in; ++i)
      ident[i * in + i] = 1.0f;
    Value probe = f32Const(ps, ident);
    Value roiV, scV, szV;
    if (roi) {
      SmallVector<float> r(rank, 0.0f);
      r.append(rank, 1.0f);
      r[d] = (*roi)[d];
      r[d + rank] = (*roi)[d + rank];
      roiV = f32Const({2 * rank}, r);
    }
    if (scales) {
      SmallVector<float> v(rank, 1.0f);
      v[d] = (float)sc;
      scV = f32Const({rank}, v);
    } else {
      szV = e.i64s(pos);
    }
    SmallVector<Value> operands = {probe};
    for (Value v : {roiV, scV, szV})
      if (v)
        operands.push_back(v);
    SmallVector<NamedAttribute> pa(attrs);
    pa.push_back(NamedAttribute(e.b.getStringAttr("operandSegmentSizes"),
                                e.b.getDenseI32ArrayAttr({1, roiV ? 1 : 0, scV ? 1 : 0, szV ? 1 : 0})));
    Value r = ResizeOp::create(e.b, e.loc, TypeRange{RankedTensorType::get(pos, f32)}, operands, pa)
                  .getResult();
    // r holds A^T at (c, d): [in, out] when c < d, [out, in] when c > d.
    Value a = c < d ? e.transpose(e.reshape(r, RankedTensorType::get({in, outD}, f32)), {1, 0})
                    : e.reshape(r, RankedTensorType::get({outD, in}, f32));
    a = e.castTo(a, et);
    SmallVector<int64_t> perm, inv(rank);
    for (int64_t i = 0; i < rank; ++i)
      if (i != d)
        perm.push_back(i);
    perm.push_back(d);
    for (int64_t i = 0; i < rank; ++i)
      inv[perm[i]] = i;
    cur = e.transpose(e.matmul(e.transpose(cur, perm), a), inv);
  }
  out.push_back(cur);
  for (unsigned i = 1; i < op->getNumOperands(); ++i)
    out.push_back(Value());
  return success();
}

/// MaxPool. Windows that tile the input (kernel == stride, no padding or
/// dilation): the gradient goes to the positions that equal their window's
/// maximum, with mp ops only. Otherwise mp.max_pool_grad scatters each
/// window's gradient to its first maximum.
LogicalResult vjp(MaxPoolOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto xt = e.type(op.getX());
  if (op->getNumResults() != 1)
    return fail(op, "MaxPool with Indices");
  if (xt.getRank() != 4) {
    SmallVector<NamedAttribute> attrs(op->getAttrs());
    out.push_back(MaxPoolGradOp::create(e.b, e.loc, TypeRange{xt}, ValueRange{op.getX(), g[0]}, attrs)
                      .getResult());
    return success();
  }
  ArrayRef<int64_t> k = op.getKernelShape();
  SmallVector<int64_t> s(k.begin(), k.end());
  if (auto v = op.getStrides())
    s.assign(v->begin(), v->end());
  bool padded = op.getPads() && llvm::any_of(*op.getPads(), [](int64_t p) { return p != 0; });
  bool dilated = op.getDilations() && llvm::any_of(*op.getDilations(), [](int64_t p) { return p != 1; });
  if (s[0] != k[0] || s[1] != k[1] || padded || dilated ||
      (op.getAutoPad() && *op.getAutoPad() != "NOTSET" && *op.getAutoPad() != "VALID") ||
      xt.getDimSize(2) % k[0] || xt.getDimSize(3) % k[1]) {
    // Overlapping, padded or partial windows: the gradient scatter op, which
    // routes each window's gradient to its (first) maximum.
    SmallVector<NamedAttribute> attrs(op->getAttrs());
    out.push_back(MaxPoolGradOp::create(e.b, e.loc, TypeRange{xt}, ValueRange{op.getX(), g[0]}, attrs)
                      .getResult());
    return success();
  }
  int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), oh = xt.getDimSize(2) / k[0],
          ow = xt.getDimSize(3) / k[1];
  Type et = xt.getElementType();
  auto up = [&](Value v) {
    Value r = e.reshape(v, RankedTensorType::get({n, c, oh, 1, ow, 1}, et));
    r = e.expand(r, RankedTensorType::get({n, c, oh, k[0], ow, k[1]}, et));
    return e.reshape(r, xt);
  };
  Value hit = EqualOp::create(e.b, e.loc, TypeRange{RankedTensorType::get(xt.getShape(), e.b.getI1Type())},
                              ValueRange{op.getX(), up(op->getResult(0))})
                  .getResult();
  out.push_back(e.mul(up(g[0]), e.castTo(hit, et)));
  return success();
}

/// AveragePool 2-D without padding (or counting it): a depthwise
/// ConvTranspose of the gradient with a constant 1/(kh kw) kernel.
LogicalResult vjp(AveragePoolOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  auto xt = e.type(op.getX()), yt = e.type(op->getResult(0));
  if (xt.getRank() != 4)
    return fail(op, "only 2-D AveragePool");
  ArrayRef<int64_t> k = op.getKernelShape();
  SmallVector<int64_t> s = {1, 1}, p = {0, 0, 0, 0};
  if (auto v = op.getStrides())
    s.assign(v->begin(), v->end());
  if (auto v = op.getPads())
    p.assign(v->begin(), v->end());
  bool padded = llvm::any_of(p, [](int64_t v) { return v != 0; });
  if ((padded && !op.getCountIncludePad().value_or(0)) || op.getCeilMode().value_or(0) ||
      (op.getAutoPad() && *op.getAutoPad() != "NOTSET") ||
      (op.getDilations() && llvm::any_of(*op.getDilations(), [](int64_t v) { return v != 1; })))
    return fail(op, "padding not counted, ceil_mode, auto_pad or dilations");
  int64_t c = xt.getDimSize(1);
  Type et = xt.getElementType();
  auto wt = RankedTensorType::get({c, 1, k[0], k[1]}, et);
  Value w = ConstantOp::create(e.b, e.loc, wt,
                               DenseElementsAttr::get(wt, e.b.getFloatAttr(et, 1.0 / (k[0] * k[1]))),
                               StringAttr());
  SmallVector<int64_t> outPad;
  for (int i = 0; i < 2; ++i)
    outPad.push_back(xt.getDimSize(2 + i) -
                     ((yt.getDimSize(2 + i) - 1) * s[i] - p[i] - p[i + 2] + k[i]));
  auto arr = [&](StringRef name, ArrayRef<int64_t> v) {
    return NamedAttribute(e.b.getStringAttr(name), e.b.getDenseI64ArrayAttr(v));
  };
  out.push_back(ConvTransposeOp::create(
                    e.b, e.loc, TypeRange{xt}, ValueRange{g[0], w},
                    {arr("strides", s), arr("pads", p), arr("kernel_shape", k),
                     arr("output_padding", outPad),
                     NamedAttribute(e.b.getStringAttr("group"), e.b.getI64IntegerAttr(c))})
                    .getResult());
  return success();
}

LogicalResult vjp(EluOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  Value x = op.getX(), y = op->getResult(0);
  Type et = e.type(x).getElementType();
  double alpha = op.getAlpha() ? op.getAlpha()->convertToDouble() : 1.0;
  // x > 0: 1; else alpha e^x = y + alpha.
  Value d = e.where(e.greaterThan(x, e.scalar(et, 0.0)), e.scalar(et, 1.0),
                    e.add(y, e.scalar(et, alpha)), e.type(x));
  out.push_back(e.mul(g[0], d));
  return success();
}

/// 1 inside (lo, hi) of `v`, else 0, as `v`'s type.
Value inside(Emit &e, Value v, double lo, double hi) {
  auto t = e.type(v);
  Type et = t.getElementType();
  auto bt = RankedTensorType::get(t.getShape(), e.b.getI1Type());
  Value a = e.greaterThan(v, e.scalar(et, lo));
  Value b2 = LessOp::create(e.b, e.loc, TypeRange{bt}, ValueRange{v, e.scalar(et, hi)}).getResult();
  return e.castTo(AndOp::create(e.b, e.loc, TypeRange{bt}, ValueRange{a, b2}).getResult(), et);
}

LogicalResult vjp(HardSigmoidOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  double alpha = op.getAlpha() ? op.getAlpha()->convertToDouble() : 0.2;
  double beta = op.getBeta() ? op.getBeta()->convertToDouble() : 0.5;
  Value x = op.getX();
  Value pre = e.add(e.mulScalar(x, alpha), e.scalar(e.type(x).getElementType(), beta));
  out.push_back(e.mulScalar(e.mul(g[0], inside(e, pre, 0.0, 1.0)), alpha));
  return success();
}

LogicalResult vjp(HardSwishOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  // y = x hs(x), hs(x) = clip(x / 6 + 1/2, 0, 1): dy = hs(x) + x / 6 on (-3, 3).
  Value x = op->getOperand(0);
  Type et = e.type(x).getElementType();
  Value hs = HardSigmoidOp::create(e.b, e.loc, TypeRange{e.type(x)}, ValueRange{x},
                                   {NamedAttribute(e.b.getStringAttr("alpha"), e.b.getF32FloatAttr(1.0 / 6)),
                                    NamedAttribute(e.b.getStringAttr("beta"), e.b.getF32FloatAttr(0.5))})
                 .getResult();
  Value d = e.add(hs, e.mul(e.mulScalar(x, 1.0 / 6), inside(e, x, -3.0, 3.0)));
  (void)et;
  out.push_back(e.mul(g[0], d));
  return success();
}

LogicalResult vjp(ClipOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  // The gradient passes where the input is within [min, max].
  Value x = op.getInput(), y = op->getResult(0);
  auto xt = e.type(x);
  Value pass = EqualOp::create(e.b, e.loc,
                               TypeRange{RankedTensorType::get(xt.getShape(), e.b.getI1Type())},
                               ValueRange{x, y})
                   .getResult();
  out.push_back(e.mul(g[0], e.castTo(pass, xt.getElementType())));
  for (unsigned i = 1; i < op->getNumOperands(); ++i)
    out.push_back(Value());
  return success();
}

/// Min/Max: each operand gets the gradient where it is the selected value;
/// tied operands share it evenly (as PyTorch does).
template <typename OpT>
LogicalResult selectVJP(OpT op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  Value y = op->getResult(0);
  auto yt = e.type(y);
  SmallVector<Value> hits;
  Value count;
  for (Value x : op->getOperands()) {
    Value hit = EqualOp::create(e.b, e.loc,
                                TypeRange{RankedTensorType::get(yt.getShape(), e.b.getI1Type())},
                                ValueRange{x, y})
                    .getResult();
    hits.push_back(e.castTo(hit, yt.getElementType()));
    count = count ? e.add(count, hits.back()) : hits.back();
  }
  Value share = e.div(g[0], count);
  for (auto [x, hit] : llvm::zip(op->getOperands(), hits))
    out.push_back(e.unbroadcast(e.mul(share, hit), e.type(x)));
  return success();
}
LogicalResult vjp(MaxOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return selectVJP(op, e, g, out);
}
LogicalResult vjp(MinOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return selectVJP(op, e, g, out);
}

/// The normalised reduced axes of a ReduceX op (attribute or constant operand;
/// all when empty).
template <typename OpT> SmallVector<int64_t> reducedAxes(OpT op, int64_t rank) {
  SmallVector<int64_t> axes;
  if (auto a = op.getAxes())
    axes.assign(a->begin(), a->end());
  if (Value av = op.getAxesVal()) {
    DenseIntElementsAttr c;
    if (matchPattern(av, m_Constant(&c)))
      for (const APInt &v : c.getValues<APInt>())
        axes.push_back(v.getSExtValue());
  }
  if (axes.empty())
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  for (int64_t &a : axes)
    if (a < 0)
      a += rank;
  return axes;
}
template <typename OpT> SmallVector<int64_t> keptShape(OpT op, RankedTensorType xt) {
  SmallVector<int64_t> shape(xt.getShape());
  for (int64_t a : reducedAxes(op, xt.getRank()))
    shape[a] = 1;
  return shape;
}

/// The reduced axes of a ReduceX op (attribute or constant operand) and the
/// gradient and result broadcast back to the input's shape.
template <typename OpT>
LogicalResult reduceBroadcast(OpT op, Emit &e, ArrayRef<Value> g, Value &gOut, Value &yOut) {
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
  if (axes.empty())
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  SmallVector<int64_t> keepShape(xt.getShape());
  for (int64_t &a : axes) {
    if (a < 0)
      a += rank;
    keepShape[a] = 1;
  }
  auto kt = RankedTensorType::get(keepShape, xt.getElementType());
  gOut = e.expand(e.reshape(g[0], kt), xt);
  yOut = e.expand(e.reshape(op->getResult(0), kt), xt);
  return success();
}

template <typename OpT>
LogicalResult reduceOtherVJP(OpT op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  Value gx, yx;
  if (failed(reduceBroadcast(op, e, g, gx, yx)))
    return failure();
  Value x = op.getData();
  auto xt = e.type(x);
  Value d;
  if constexpr (std::is_same_v<OpT, ReduceMaxOp> || std::is_same_v<OpT, ReduceMinOp>) {
    // Tied extremes share the gradient evenly.
    Value hit = EqualOp::create(e.b, e.loc,
                                TypeRange{RankedTensorType::get(xt.getShape(), e.b.getI1Type())},
                                ValueRange{x, yx})
                    .getResult();
    d = e.castTo(hit, xt.getElementType());
    Value cnt = e.expand(e.reshape(e.reduceSum(d, reducedAxes(op, xt.getRank()), true),
                                   RankedTensorType::get(keptShape(op, xt), xt.getElementType())),
                         xt);
    d = e.div(d, cnt);
  } else if constexpr (std::is_same_v<OpT, ReduceL2Op>) {
    d = e.div(x, yx);
  } else if constexpr (std::is_same_v<OpT, ReduceLogSumExpOp>) {
    d = e.exp(e.sub(x, yx));
  } else { // ReduceProd: y / x (x != 0)
    d = e.div(yx, x);
  }
  out.push_back(e.mul(gx, d));
  if (op.getAxesVal())
    out.push_back(Value());
  return success();
}
LogicalResult vjp(ReduceMaxOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return reduceOtherVJP(op, e, g, out);
}
LogicalResult vjp(ReduceMinOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return reduceOtherVJP(op, e, g, out);
}
LogicalResult vjp(ReduceL2Op op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return reduceOtherVJP(op, e, g, out);
}
LogicalResult vjp(ReduceLogSumExpOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return reduceOtherVJP(op, e, g, out);
}
LogicalResult vjp(ReduceProdOp op, Emit &e, ArrayRef<Value> g, SmallVectorImpl<Value> &out) {
  return reduceOtherVJP(op, e, g, out);
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
    if (llvm::none_of(resultGrads, [](Value g) { return (bool)g; }))
      return fail(op, "no result has a gradient");
    // Rules read the first result's gradient unless they handle several.
    if (!resultGrads[0] && !isa<SplitOp>(op))
      return fail(op, "only its secondary results have gradients");
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
         SoftmaxOp, LogSoftmaxOp, ReduceSumOp, ReduceMeanOp, CastOp, GlobalAveragePoolOp, ConvOp,
         ExpandOp, WhereOp, ConcatOp, SplitOp, SliceOp, ReciprocalOp, ErfOp, GeluOp, LeakyReluOp,
         SoftplusOp, AbsOp, PowOp, LayerNormalizationOp, BatchNormalizationOp, GatherOp, MaxPoolOp,
         AveragePoolOp, ConvTransposeOp, EluOp, HardSigmoidOp, HardSwishOp, ClipOp, MaxOp, MinOp,
         ReduceMaxOp, ReduceMinOp, ReduceL2Op, ReduceLogSumExpOp, ReduceProdOp, PadOp, TileOp,
         CumSumOp, GatherElementsOp, TopKOp, EinsumOp, DropoutOp, ResizeOp>(ctx);
}

//===----------------------------------------------------------------------===//
// Recurrent ops as time steps (for differentiation)
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<RecurrentActivation>>
mixprec::mp::parseRecurrentActivations(std::optional<ArrayAttr> names,
                                       std::optional<ArrayRef<float>> alphas,
                                       std::optional<ArrayRef<float>> betas,
                                       ArrayRef<StringRef> defaults, int64_t dirs) {
  SmallVector<std::string> list;
  if (names && !names->empty()) {
    for (Attribute a : *names)
      list.push_back(cast<StringAttr>(a).getValue().str());
  } else {
    for (int64_t d = 0; d < dirs; ++d)
      for (StringRef s : defaults)
        list.push_back(s.str());
  }
  if ((int64_t)list.size() != (int64_t)defaults.size() * dirs)
    return failure();
  size_t ai = 0, bi = 0;
  auto next = [](std::optional<ArrayRef<float>> v, size_t &i, double dflt) {
    return v && i < v->size() ? (double)(*v)[i++] : dflt;
  };
  SmallVector<RecurrentActivation> acts;
  static const llvm::StringMap<std::pair<double, double>> params = {
      {"LeakyRelu", {0.01, 0}},   {"ThresholdedRelu", {1.0, 0}},
      {"Elu", {1.0, 0}},          {"Affine", {1.0, 0.0}},
      {"ScaledTanh", {1.0, 1.0}}, {"HardSigmoid", {0.2, 0.5}}};
  for (const std::string &n : list) {
    RecurrentActivation a{n};
    auto it = params.find(n);
    if (it != params.end()) {
      a.alpha = next(alphas, ai, it->second.first);
      if (n == "Affine" || n == "ScaledTanh" || n == "HardSigmoid")
        a.beta = next(betas, bi, it->second.second);
    }
    static const llvm::StringSet<llvm::MallocAllocator> known = {
        "Tanh", "Sigmoid", "Relu", "Affine", "LeakyRelu", "ThresholdedRelu",
        "ScaledTanh", "HardSigmoid", "Elu", "Softsign", "Softplus"};
    if (!known.contains(n))
      return failure();
    acts.push_back(a);
  }
  return acts;
}

namespace {

/// Y = A B^T (+ C), for [M, K] x [N, K].
Value gemmT(Emit &e, Value a, Value b, Value c) {
  auto at = e.type(a), bt = e.type(b);
  auto yt = RankedTensorType::get({at.getDimSize(0), bt.getDimSize(0)}, at.getElementType());
  SmallVector<Value> ops = {a, b};
  if (c)
    ops.push_back(c);
  return GemmOp::create(e.b, e.loc, TypeRange{yt}, ops,
                        {NamedAttribute(e.b.getStringAttr("transB"), e.b.getI64IntegerAttr(1))})
      .getResult();
}

/// Rows [off, off + n) of dim `axis`.
Value rows(Emit &e, Value v, int64_t axis, int64_t off, int64_t n) {
  return e.slice(v, {off}, {off + n}, {axis});
}

Value unsqueeze(Emit &e, Value v, ArrayRef<int64_t> axes) {
  auto t = e.type(v);
  SmallVector<int64_t> shape(t.getShape());
  for (int64_t a : axes)
    shape.insert(shape.begin() + a, 1);
  return e.reshape(v, RankedTensorType::get(shape, t.getElementType()));
}

template <typename OpT>
LogicalResult decompose(OpT op, OpBuilder &b) {
  constexpr bool isLstm = std::is_same_v<OpT, LSTMOp>, isGru = std::is_same_v<OpT, GRUOp>;
  Emit e{b, op.getLoc()};
  if (!allStatic(op))
    return fail(op, "dynamic shapes");
  if constexpr (isLstm)
    if (op.getInputForget().value_or(0))
      return fail(op, "input_forget");
  int64_t dirs = e.type(op.getW()).getDimSize(0);
  SmallVector<StringRef> defaults = isLstm  ? SmallVector<StringRef>{"Sigmoid", "Tanh", "Tanh"}
                                    : isGru ? SmallVector<StringRef>{"Sigmoid", "Tanh"}
                                            : SmallVector<StringRef>{"Tanh"};
  auto acts = parseRecurrentActivations(op.getActivations(), op.getActivationAlpha(),
                                        op.getActivationBeta(), defaults, dirs);
  if (failed(acts))
    return fail(op, "unknown activations");
  std::optional<SmallVector<int64_t>> lens;
  if (Value sl = op.getSequenceLens()) {
    lens = constInts(sl, std::nullopt);
    if (!lens)
      return fail(op, "runtime sequence_lens");
  }
  std::optional<double> clipV;
  if (auto c = op.getClip())
    clipV = c->convertToDouble();
  bool layout1 = op.getLayout().value_or(0) != 0;
  Value x = op.getX();
  if (layout1)
    x = e.transpose(x, {1, 0, 2});
  auto xt = e.type(x);
  int64_t T = xt.getDimSize(0), B = xt.getDimSize(1), I = xt.getDimSize(2);
  int64_t D = e.type(op.getW()).getDimSize(0), H = e.type(op.getR()).getDimSize(2);
  int64_t G = isLstm ? 4 : isGru ? 3 : 1;
  Type et = xt.getElementType();
  StringRef dir = op.getDirection().value_or("forward");
  auto f32Attr = [&](StringRef n, double v) {
    return NamedAttribute(e.b.getStringAttr(n), e.b.getF32FloatAttr(v));
  };
  // Clip bounds the activations' inputs to [-clip, clip].
  auto clip = [&](Value v) -> Value {
    if (!clipV)
      return v;
    auto t = e.type(v);
    Value lo = MaxOp::create(e.b, e.loc, TypeRange{t}, ValueRange{v, e.scalar(et, -*clipV)});
    return MinOp::create(e.b, e.loc, TypeRange{t}, ValueRange{lo, e.scalar(et, *clipV)});
  };
  // Activation `a` of a gate pre-activation (clipped), or of the LSTM cell
  // (not clipped, as ONNX Runtime does).
  auto act = [&](const RecurrentActivation &a, Value v, bool clipped = true) -> Value {
    if (clipped)
      v = clip(v);
    auto t = e.type(v);
    const std::string &n = a.name;
    if (n == "Tanh")
      return e.unary<TanhOp>(v);
    if (n == "Sigmoid")
      return e.unary<SigmoidOp>(v);
    if (n == "Relu")
      return e.unary<ReluOp>(v);
    if (n == "Softplus")
      return e.unary<SoftplusOp>(v);
    if (n == "Affine")
      return e.add(e.mulScalar(v, a.alpha), e.scalar(et, a.beta));
    if (n == "ScaledTanh")
      return e.mulScalar(e.unary<TanhOp>(e.mulScalar(v, a.beta)), a.alpha);
    if (n == "LeakyRelu")
      return LeakyReluOp::create(e.b, e.loc, TypeRange{t}, ValueRange{v}, {f32Attr("alpha", a.alpha)});
    if (n == "Elu")
      return EluOp::create(e.b, e.loc, TypeRange{t}, ValueRange{v}, {f32Attr("alpha", a.alpha)});
    if (n == "HardSigmoid")
      return HardSigmoidOp::create(e.b, e.loc, TypeRange{t}, ValueRange{v},
                                   {f32Attr("alpha", a.alpha), f32Attr("beta", a.beta)});
    if (n == "ThresholdedRelu")
      return e.mul(v, e.castTo(e.greaterThan(v, e.scalar(et, a.alpha)), et));
    // Softsign: x / (1 + |x|).
    return e.div(v, e.add(e.unary<AbsOp>(v), e.scalar(et, 1.0)));
  };
  auto state0 = [&](Value init, int64_t d) -> Value {
    auto bh = RankedTensorType::get({B, H}, et);
    if (!init)
      return e.zerosLike(bh);
    Value v = layout1 ? e.transpose(init, {1, 0, 2}) : init;
    return e.reshape(rows(e, v, 0, d, 1), bh);
  };
  Value hInit = op.getInitialH();
  Value cInit;
  if constexpr (isLstm)
    cInit = op.getInitialC();
  SmallVector<Value> ys, hs, cs;
  for (int64_t d = 0; d < D; ++d) {
    bool rev = dir == "reverse" || (dir == "bidirectional" && d == 1);
    Value w = e.reshape(rows(e, op.getW(), 0, d, 1), RankedTensorType::get({G * H, I}, et));
    Value r = e.reshape(rows(e, op.getR(), 0, d, 1), RankedTensorType::get({G * H, H}, et));
    Value wb, rb;
    if (op.getB()) {
      Value bd = e.reshape(rows(e, op.getB(), 0, d, 1), RankedTensorType::get({2 * G * H}, et));
      wb = rows(e, bd, 0, 0, G * H);
      rb = rows(e, bd, 0, G * H, G * H);
    }
    Value pi, po, pf;
    if constexpr (isLstm)
      if (op.getP()) {
        Value pd = e.reshape(rows(e, op.getP(), 0, d, 1), RankedTensorType::get({3 * H}, et));
        pi = rows(e, pd, 0, 0, H);
        po = rows(e, pd, 0, H, H);
        pf = rows(e, pd, 0, 2 * H, H);
      }
    Value h = state0(hInit, d), c = isLstm ? state0(cInit, d) : Value();
    ArrayRef<RecurrentActivation> da = ArrayRef(*acts).slice(d * defaults.size(), defaults.size());
    SmallVector<Value> stepY(T);
    auto gate = [&](Value v, int64_t k) { return rows(e, v, 1, k * H, H); };
    for (int64_t s = 0; s < T; ++s) {
      int64_t t = rev ? T - 1 - s : s;
      Value xs = e.reshape(rows(e, x, 0, t, 1), RankedTensorType::get({B, I}, et));
      Value xw = gemmT(e, xs, w, wb);
      Value hPrev = h, cPrev = c;
      if constexpr (isLstm) {
        Value g4 = e.add(xw, gemmT(e, h, r, rb));
        Value ig = gate(g4, 0), og = gate(g4, 1), fg = gate(g4, 2), cg = gate(g4, 3);
        if (pi) {
          ig = e.add(ig, e.mul(c, pi));
          fg = e.add(fg, e.mul(c, pf));
        }
        ig = act(da[0], ig);
        fg = act(da[0], fg);
        cg = act(da[1], cg);
        c = e.add(e.mul(fg, c), e.mul(ig, cg));
        if (po)
          og = e.add(og, e.mul(c, po));
        og = act(da[0], og);
        h = e.mul(og, act(da[2], c, /*clipped=*/false));
      } else if constexpr (isGru) {
        bool lbr = op.getLinearBeforeReset().value_or(0) != 0;
        Value hr = gemmT(e, h, r, rb);
        Value z = act(da[0], e.add(gate(xw, 0), gate(hr, 0)));
        Value rg = act(da[0], e.add(gate(xw, 1), gate(hr, 1)));
        Value pre;
        if (lbr) {
          pre = e.add(gate(xw, 2), e.mul(rg, gate(hr, 2)));
        } else {
          Value rh = rows(e, r, 0, 2 * H, H);
          Value rbh = rb ? rows(e, rb, 0, 2 * H, H) : Value();
          pre = e.add(gate(xw, 2), gemmT(e, e.mul(rg, h), rh, rbh));
        }
        Value ht = act(da[1], pre);
        Value one = e.scalar(et, 1.0);
        h = e.add(e.mul(e.binary<SubOp>(e.type(z), one, z), ht), e.mul(z, h));
      } else {
        h = act(da[0], e.add(xw, gemmT(e, h, r, rb)));
      }
      Value yStep = h;
      // sequence_lens: rows whose sequence has ended by step t keep their
      // state and output zeros (in both directions, a reverse pass starts
      // at len - 1).
      if (lens && llvm::any_of(*lens, [&](int64_t l) { return t >= l; })) {
        SmallVector<float> live;
        for (int64_t bi = 0; bi < B; ++bi)
          live.push_back(t < (*lens)[bi] ? 1.0f : 0.0f);
        auto mt = RankedTensorType::get({B, 1}, e.b.getF32Type());
        Value m = e.castTo(ConstantOp::create(e.b, e.loc, mt, DenseElementsAttr::get(mt, ArrayRef(live)),
                                              StringAttr()),
                           et);
        Value dead = e.binary<SubOp>(e.type(m), e.scalar(et, 1.0), m);
        yStep = e.mul(h, m);
        h = e.add(yStep, e.mul(hPrev, dead));
        if (c)
          c = e.add(e.mul(c, m), e.mul(cPrev, dead));
      }
      stepY[t] = unsqueeze(e, yStep, {0, 1});
    }
    ys.push_back(e.concat(stepY, 0)); // [T, 1, B, H]
    hs.push_back(unsqueeze(e, h, {0}));
    if (c)
      cs.push_back(unsqueeze(e, c, {0}));
  }
  SmallVector<Value> results;
  if (Value y = op.getY()) {
    Value v = e.concat(ys, 1); // [T, D, B, H]
    results.push_back(layout1 ? e.transpose(v, {2, 0, 1, 3}) : v);
  }
  if (op.getYH()) {
    Value v = e.concat(hs, 0);
    results.push_back(layout1 ? e.transpose(v, {1, 0, 2}) : v);
  }
  if constexpr (isLstm)
    if (op.getYC()) {
      Value v = e.concat(cs, 0);
      results.push_back(layout1 ? e.transpose(v, {1, 0, 2}) : v);
    }
  op->replaceAllUsesWith(results);
  op->erase();
  return success();
}

} // namespace

LogicalResult mixprec::mp::decomposeRecurrentForTraining(Operation *op) {
  OpBuilder b(op);
  if (auto l = dyn_cast<LSTMOp>(op))
    return decompose(l, b);
  if (auto g = dyn_cast<GRUOp>(op))
    return decompose(g, b);
  if (auto r = dyn_cast<RNNOp>(op))
    return decompose(r, b);
  return failure();
}

//===----------------------------------------------------------------------===//
// GroupNormalization / InstanceNormalization as mp ops
//===----------------------------------------------------------------------===//

namespace {

/// y = scale * (x - mean) / sqrt(var + eps) + bias with the statistics over
/// each (n, group): x is viewed as [N, G, C/G * spatial]. Statistics in f32
/// for f16/bf16 storage.
FailureOr<Value> normalizeGroups(Operation *op, OpBuilder &b, Value x, Value scale, Value bias,
                                 int64_t groups, double eps) {
  Emit e{b, op->getLoc()};
  auto xt = dyn_cast<RankedTensorType>(x.getType());
  if (!xt || !xt.hasStaticShape() || xt.getRank() < 3 ||
      !cast<RankedTensorType>(scale.getType()).hasStaticShape())
    return op->emitOpError("needs static shapes"), failure();
  int64_t n = xt.getDimSize(0), c = xt.getDimSize(1);
  if (groups <= 0 || c % groups)
    return op->emitOpError("channels must divide into the groups"), failure();
  Type et = xt.getElementType();
  Type ct = (et.isF16() || et.isBF16()) ? Type(b.getF32Type()) : et;
  Value xc = e.castTo(x, ct);
  int64_t inner = xt.getNumElements() / (n * groups);
  auto gT = RankedTensorType::get({n, groups, inner}, ct);
  Value xg = e.reshape(xc, gT);
  Value mean = e.reduceMeanKeep(xg, {2});
  Value d = e.sub(xg, mean);
  Value var = e.reduceMeanKeep(e.mul(d, d), {2});
  Value xhat = e.div(d, e.unary<SqrtOp>(e.add(var, e.scalar(ct, eps))));
  Value y = e.reshape(xhat, RankedTensorType::get(xt.getShape(), ct));
  // Per-channel (C entries) or per-group (G entries, GroupNormalization-18)
  // affine parameters, broadcast over [N, C, spatial...].
  auto affine = [&](Value v) -> Value {
    Value vc = e.castTo(v, ct);
    int64_t k = cast<RankedTensorType>(v.getType()).getNumElements();
    SmallVector<int64_t> shape(xt.getRank(), 1);
    if (k == c) {
      shape[1] = c;
      return e.reshape(vc, RankedTensorType::get(shape, ct));
    }
    // One value per group: repeat it over the group's channels.
    SmallVector<int64_t> g3 = {groups, 1};
    Value r = e.reshape(vc, RankedTensorType::get(g3, ct));
    r = e.expand(r, RankedTensorType::get({groups, c / groups}, ct));
    shape[1] = c;
    return e.reshape(r, RankedTensorType::get(shape, ct));
  };
  y = e.add(e.mul(y, affine(scale)), affine(bias));
  return e.castTo(y, et);
}

} // namespace

FailureOr<Value> mixprec::mp::expandNormalization(Operation *op, OpBuilder &b) {
  if (auto g = dyn_cast<GroupNormalizationOp>(op)) {
    double eps = g.getEpsilon() ? g.getEpsilon()->convertToDouble() : 1e-5;
    return normalizeGroups(op, b, g.getX(), g.getScale(), g.getBias(),
                           static_cast<int64_t>(g.getNumGroups()), eps);
  }
  if (auto in = dyn_cast<InstanceNormalizationOp>(op)) {
    double eps = in.getEpsilon() ? in.getEpsilon()->convertToDouble() : 1e-5;
    auto t = dyn_cast<RankedTensorType>(in.getInput().getType());
    if (!t || t.getRank() < 3)
      return op->emitOpError("needs a ranked input"), failure();
    return normalizeGroups(op, b, in.getInput(), in.getScale(), in.getB(), t.getDimSize(1), eps);
  }
  return failure();
}
