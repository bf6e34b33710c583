//===- MpOps.cpp - mp op verifiers and folders ----------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mixprec::mp;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static std::optional<int64_t> rankOf(Type t) {
  if (auto r = dyn_cast<RankedTensorType>(t))
    return r.getRank();
  return std::nullopt;
}

/// Checks that `axis` lies in [-rank, rank + extra) when the rank is known.
static LogicalResult checkAxis(Operation *op, StringRef what, int64_t axis,
                               std::optional<int64_t> rank, int64_t extra = 0) {
  if (!rank)
    return success();
  int64_t hi = *rank + extra;
  if (axis < -hi || axis >= hi)
    return op->emitOpError() << what << " " << axis << " is out of range [-"
                             << hi << ", " << hi - 1 << "]";
  return success();
}

static LogicalResult checkAxes(Operation *op, StringRef what,
                               ArrayRef<int64_t> axes,
                               std::optional<int64_t> rank, int64_t extra = 0) {
  llvm::SmallSet<int64_t, 8> seen;
  for (int64_t a : axes) {
    if (failed(checkAxis(op, what, a, rank, extra)))
      return failure();
    int64_t norm = rank ? (a < 0 ? a + *rank + extra : a) : a;
    if (!seen.insert(norm).second)
      return op->emitOpError() << what << " contains " << a << " twice";
  }
  return success();
}

static LogicalResult checkSameElementType(Operation *op, Value a, Value b,
                                          StringRef an, StringRef bn) {
  Type ea = getElementTypeOrSelf(a.getType());
  Type eb = getElementTypeOrSelf(b.getType());
  if (ea != eb)
    return op->emitOpError() << "'" << an << "' and '" << bn
                             << "' must have the same element type, got " << ea
                             << " and " << eb;
  return success();
}

static LogicalResult checkRank(Operation *op, Value v, StringRef name,
                               int64_t lo, int64_t hi) {
  std::optional<int64_t> r = rankOf(v.getType());
  if (r && (*r < lo || *r > hi)) {
    if (lo == hi)
      return op->emitOpError() << "'" << name << "' must have rank " << lo
                               << ", got " << *r;
    return op->emitOpError() << "'" << name << "' must have rank in [" << lo
                             << ", " << hi << "], got " << *r;
  }
  return success();
}

static LogicalResult checkFloat(Operation *op, Value v, StringRef name) {
  if (!isa<FloatType>(getElementTypeOrSelf(v.getType())))
    return op->emitOpError() << "'" << name
                             << "' must have a floating-point element type";
  return success();
}

/// Both the attribute (old opsets) and the operand (new opsets) form given.
static LogicalResult checkNotBoth(Operation *op, bool hasAttr, Value operand,
                                  StringRef name) {
  if (hasAttr && operand)
    return op->emitOpError() << "'" << name
                             << "' is given both as an attribute (opset < the "
                                "revision that made it an input) and as an "
                                "operand";
  return success();
}

static LogicalResult checkSpatial(Operation *op, Value x, StringRef name,
                                  std::optional<ArrayRef<int64_t>> arr,
                                  int64_t factor = 1) {
  std::optional<int64_t> r = rankOf(x.getType());
  if (!r || !arr)
    return success();
  int64_t spatial = *r - 2;
  if ((int64_t)arr->size() != spatial * factor)
    return op->emitOpError() << "'" << name << "' has " << arr->size()
                             << " entries, expected " << spatial * factor
                             << " for " << spatial << " spatial dims";
  return success();
}

static LogicalResult checkPositive(Operation *op, StringRef name,
                                   std::optional<ArrayRef<int64_t>> arr) {
  if (arr && llvm::any_of(*arr, [](int64_t v) { return v <= 0; }))
    return op->emitOpError() << "'" << name << "' entries must be positive";
  return success();
}

static LogicalResult checkAutoPad(Operation *op, std::optional<StringRef> pad) {
  if (pad && !llvm::is_contained({"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"},
                                 *pad))
    return op->emitOpError() << "'auto_pad' must be NOTSET, SAME_UPPER, "
                                "SAME_LOWER or VALID, got '"
                             << *pad << "'";
  return success();
}

static LogicalResult checkRegionYield(Operation *op, Region &region,
                                      StringRef name) {
  if (region.empty())
    return op->emitOpError() << "region '" << name << "' is empty";
  Block &block = region.front();
  if (block.empty() || !isa<YieldOp>(block.back()))
    return op->emitOpError() << "region '" << name
                             << "' must end with mp.yield";
  return success();
}

//===----------------------------------------------------------------------===//
// Element-wise
//===----------------------------------------------------------------------===//

OpFoldResult IdentityOp::fold(FoldAdaptor) {
  if (getX().getType() == getY().getType())
    return getX();
  return {};
}

LogicalResult GeluOp::verify() {
  if (auto a = getApproximate(); a && *a != "none" && *a != "tanh")
    return emitOpError() << "'approximate' must be 'none' or 'tanh', got '"
                         << *a << "'";
  return success();
}

LogicalResult ClipOp::verify() {
  if (failed(checkNotBoth(*this, getMinAttr() != nullptr, getMinVal(), "min")) ||
      failed(checkNotBoth(*this, getMaxAttr() != nullptr, getMaxVal(), "max")))
    return failure();
  for (auto [v, n] : {std::pair{getMinVal(), "min"}, {getMaxVal(), "max"}}) {
    if (!v)
      continue;
    if (failed(checkSameElementType(*this, getInput(), v, "input", n)))
      return failure();
    if (auto r = rankOf(v.getType()); r && *r > 1)
      return emitOpError() << "'" << n << "' must be a scalar";
  }
  if (failed(checkSameElementType(*this, getInput(), getOutput(), "input",
                                  "output")))
    return failure();
  return verifyCompatibleShape(getInput().getType(), getOutput().getType())
             .failed()
             ? emitOpError("result shape must match the input shape")
             : success();
}

LogicalResult CastOp::verify() {
  Type out = getElementTypeOrSelf(getOutput().getType());
  if (out != getTo())
    return emitOpError() << "result element type " << out
                         << " does not match 'to' " << getTo();
  if (failed(verifyCompatibleShape(getInput().getType(), getOutput().getType())))
    return emitOpError("result shape must match the input shape");
  return success();
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  return {};
}

LogicalResult PowOp::verify() {
  return checkSameElementType(*this, getX(), getZ(), "X", "Z");
}

template <typename OpT>
static LogicalResult verifyVariadic(OpT op) {
  if (op->getNumOperands() == 0)
    return op.emitOpError("expects at least one input");
  return success();
}
LogicalResult MinOp::verify() { return verifyVariadic(*this); }
LogicalResult MaxOp::verify() { return verifyVariadic(*this); }

LogicalResult WhereOp::verify() {
  if (failed(checkSameElementType(*this, getX(), getY(), "X", "Y")) ||
      failed(checkSameElementType(*this, getX(), getOutput(), "X", "output")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// NN
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::verify() {
  return checkSameElementType(*this, getA(), getB(), "A", "B");
}

LogicalResult GemmOp::verify() {
  if (failed(checkRank(*this, getA(), "A", 2, 2)) ||
      failed(checkRank(*this, getB(), "B", 2, 2)) ||
      failed(checkSameElementType(*this, getA(), getB(), "A", "B")))
    return failure();
  auto a = dyn_cast<RankedTensorType>(getA().getType());
  auto b = dyn_cast<RankedTensorType>(getB().getType());
  if (a && b) {
    int64_t ka = a.getDimSize(getTransA().value_or(0) ? 0 : 1);
    int64_t kb = b.getDimSize(getTransB().value_or(0) ? 1 : 0);
    if (!ShapedType::isDynamic(ka) && !ShapedType::isDynamic(kb) && ka != kb)
      return emitOpError() << "contraction dimensions differ: " << ka << " vs "
                           << kb;
  }
  if (getC() && failed(checkSameElementType(*this, getA(), getC(), "A", "C")))
    return failure();
  return checkSameElementType(*this, getA(), getY(), "A", "Y");
}

/// Checks the static output dims of a convolution or pooling against the
/// window arithmetic (ONNX's shape inference formulas), so that a model whose
/// declared output shape contradicts the op is rejected at the node instead
/// of executing into a wrongly shaped buffer. With ceil_mode both ONNX's
/// count and the one that drops a last window starting past the input are
/// accepted, as runtimes differ there.
static LogicalResult checkWindowOutput(Operation *op, Value x, Value y,
                                       std::optional<ArrayRef<int64_t>> kernel,
                                       std::optional<ArrayRef<int64_t>> strides,
                                       std::optional<ArrayRef<int64_t>> dilations,
                                       std::optional<ArrayRef<int64_t>> pads,
                                       std::optional<StringRef> autoPad, bool ceilMode) {
  auto xt = dyn_cast<RankedTensorType>(x.getType());
  auto yt = dyn_cast<RankedTensorType>(y.getType());
  if (!xt || !yt || xt.getRank() != yt.getRank() || xt.getRank() < 3 || !kernel)
    return success();
  int64_t r = xt.getRank() - 2;
  if ((int64_t)kernel->size() != r)
    return success();
  if (!xt.isDynamicDim(0) && !yt.isDynamicDim(0) && xt.getDimSize(0) != yt.getDimSize(0))
    return op->emitOpError() << "result batch size " << yt.getDimSize(0)
                             << " differs from the input's " << xt.getDimSize(0);
  StringRef ap = autoPad.value_or("NOTSET");
  for (int64_t d = 0; d < r; ++d) {
    int64_t in = xt.getDimSize(2 + d), out = yt.getDimSize(2 + d);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(out))
      continue;
    int64_t s = strides && (int64_t)strides->size() == r ? (*strides)[d] : 1;
    int64_t dil = dilations && (int64_t)dilations->size() == r ? (*dilations)[d] : 1;
    int64_t pb = pads && (int64_t)pads->size() == 2 * r ? (*pads)[d] : 0;
    int64_t pe = pads && (int64_t)pads->size() == 2 * r ? (*pads)[d + r] : 0;
    if (s <= 0 || dil <= 0)
      continue;
    int64_t span = ((*kernel)[d] - 1) * dil + 1;
    SmallVector<int64_t> allowed;
    if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
      int64_t o = (in + s - 1) / s;
      allowed.push_back(o);
      // ONNX's shape inference applies ceil_mode on top of the SAME pads,
      // which gives one more window when the kernel is shorter than the
      // stride.
      if (ceilMode) {
        int64_t total = std::max<int64_t>(0, (o - 1) * s + span - in);
        int64_t room = in + total - span;
        if (room >= 0)
          allowed.push_back((room + s - 1) / s + 1);
      }
    } else {
      int64_t total = ap == "VALID" ? in : in + pb + pe;
      int64_t room = total - span;
      if (room < 0) {
        allowed.push_back(0);
      } else if (ceilMode) {
        int64_t o = (room + s - 1) / s + 1;
        allowed.push_back(o);
        if ((o - 1) * s >= in + (ap == "VALID" ? 0 : pb))
          allowed.push_back(o - 1);
      } else {
        allowed.push_back(room / s + 1);
      }
    }
    if (!llvm::is_contained(allowed, out))
      return op->emitOpError() << "result spatial dim " << d << " is " << out
                               << ", but the window (kernel " << (*kernel)[d]
                               << ", stride " << s << ", dilation " << dil
                               << ", pads " << pb << "/" << pe << ") over " << in
                               << " gives " << allowed.front();
  }
  return success();
}

template <typename OpT>
static LogicalResult verifyConvLike(OpT op, bool transpose) {
  Value x = op.getX(), w = op.getW();
  if (failed(checkRank(op, x, "X", 3, 10)) ||
      failed(checkSameElementType(op, x, w, "X", "W")) ||
      failed(checkAutoPad(op, op.getAutoPad())) ||
      failed(checkSpatial(op, x, "kernel_shape", op.getKernelShape())) ||
      failed(checkSpatial(op, x, "strides", op.getStrides())) ||
      failed(checkSpatial(op, x, "dilations", op.getDilations())) ||
      failed(checkSpatial(op, x, "pads", op.getPads(), 2)) ||
      failed(checkPositive(op, "strides", op.getStrides())) ||
      failed(checkPositive(op, "dilations", op.getDilations())))
    return failure();
  if (auto xr = rankOf(x.getType()), wr = rankOf(w.getType());
      xr && wr && *xr != *wr)
    return op.emitOpError() << "'W' must have the rank of 'X' (" << *xr
                            << "), got " << *wr;
  int64_t group = op.getGroup().value_or(1);
  if (group <= 0)
    return op.emitOpError("'group' must be positive");
  auto xt = dyn_cast<RankedTensorType>(x.getType());
  auto wt = dyn_cast<RankedTensorType>(w.getType());
  if (xt && wt && xt.getRank() >= 2) {
    int64_t c = xt.getDimSize(1);
    if (!transpose) {
      int64_t wc = wt.getDimSize(1);
      if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(wc) &&
          c != wc * group)
        return op.emitOpError()
               << "input channels (" << c << ") must equal W.shape[1] (" << wc
               << ") * group (" << group << ")";
    } else {
      int64_t wc = wt.getDimSize(0);
      if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(wc) && c != wc)
        return op.emitOpError() << "input channels (" << c
                                << ") must equal W.shape[0] (" << wc << ")";
    }
  }
  if (op.getB()) {
    if (failed(checkRank(op, op.getB(), "B", 1, 1)))
      return failure();
    if (failed(checkSameElementType(op, x, op.getB(), "X", "B")))
      return failure();
  }
  if (!transpose && wt && xt) {
    auto yt = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (yt && yt.getRank() >= 2 && !yt.isDynamicDim(1) && !wt.isDynamicDim(0) &&
        yt.getDimSize(1) != wt.getDimSize(0))
      return op.emitOpError() << "result channels (" << yt.getDimSize(1)
                              << ") must equal W.shape[0] (" << wt.getDimSize(0) << ")";
    SmallVector<int64_t> kernel;
    if (auto k = op.getKernelShape())
      kernel.assign(k->begin(), k->end());
    else if (wt.hasStaticShape())
      kernel.assign(wt.getShape().begin() + 2, wt.getShape().end());
    if (!kernel.empty() &&
        failed(checkWindowOutput(op, x, op->getResult(0), ArrayRef<int64_t>(kernel),
                                 op.getStrides(), op.getDilations(), op.getPads(),
                                 op.getAutoPad(), /*ceilMode=*/false)))
      return failure();
  }
  return success();
}
LogicalResult ConvOp::verify() { return verifyConvLike(*this, false); }
LogicalResult ConvTransposeOp::verify() { return verifyConvLike(*this, true); }

template <typename OpT>
static LogicalResult verifyPool(OpT op) {
  Value x = op.getX();
  if (failed(checkRank(op, x, "X", 3, 10)) ||
      failed(checkAutoPad(op, op.getAutoPad())) ||
      failed(checkSpatial(op, x, "kernel_shape", op.getKernelShape())) ||
      failed(checkSpatial(op, x, "strides", op.getStrides())) ||
      failed(checkSpatial(op, x, "pads", op.getPads(), 2)) ||
      failed(checkPositive(op, "kernel_shape", op.getKernelShape())) ||
      failed(checkPositive(op, "strides", op.getStrides())) ||
      failed(checkSameElementType(op, x, op.getY(), "X", "Y")))
    return failure();
  auto xt = dyn_cast<RankedTensorType>(x.getType());
  auto yt = dyn_cast<RankedTensorType>(op.getY().getType());
  if (xt && yt && xt.getRank() >= 2 && yt.getRank() >= 2 && !xt.isDynamicDim(1) &&
      !yt.isDynamicDim(1) && xt.getDimSize(1) != yt.getDimSize(1))
    return op.emitOpError() << "result channels (" << yt.getDimSize(1)
                            << ") differ from the input's (" << xt.getDimSize(1) << ")";
  return checkWindowOutput(op, x, op.getY(), op.getKernelShape(), op.getStrides(),
                           op.getDilations(),
                           op.getPads(), op.getAutoPad(), op.getCeilMode().value_or(0) != 0);
}
LogicalResult MaxPoolOp::verify() { return verifyPool(*this); }
LogicalResult AveragePoolOp::verify() { return verifyPool(*this); }

LogicalResult GlobalAveragePoolOp::verify() {
  if (failed(checkRank(*this, getX(), "X", 3, 10)) ||
      failed(checkSameElementType(*this, getX(), getY(), "X", "Y")))
    return failure();
  if (auto r = rankOf(getY().getType()), xr = rankOf(getX().getType());
      r && xr && *r != *xr)
    return emitOpError("result must have the input's rank");
  return success();
}

LogicalResult BatchNormalizationOp::verify() {
  if (failed(checkRank(*this, getX(), "X", 2, 10)) ||
      failed(checkFloat(*this, getX(), "X")))
    return failure();
  for (auto [v, n] : {std::pair{getScale(), "scale"}, {getB(), "B"},
                      {getInputMean(), "input_mean"},
                      {getInputVar(), "input_var"}})
    if (failed(checkRank(*this, v, n, 1, 1)))
      return failure();
  if (auto m = getMomentum(); m && (m->convertToFloat() < 0))
    return emitOpError("'momentum' must be non-negative");
  return success();
}

LogicalResult LayerNormalizationOp::verify() {
  if (failed(checkFloat(*this, getX(), "X")) ||
      failed(checkAxis(*this, "axis", getAxis().value_or(-1),
                       rankOf(getX().getType()))))
    return failure();
  if (auto st = getStashType(); st && *st != 1)
    return emitOpError("'stash_type' must be 1 (float32)");
  return success();
}

LogicalResult InstanceNormalizationOp::verify() {
  if (failed(checkRank(*this, getInput(), "input", 3, 10)) ||
      failed(checkRank(*this, getScale(), "scale", 1, 1)) ||
      failed(checkRank(*this, getB(), "B", 1, 1)) ||
      failed(checkFloat(*this, getInput(), "input")))
    return failure();
  return success();
}

LogicalResult GroupNormalizationOp::verify() {
  if (failed(checkRank(*this, getX(), "X", 3, 10)) ||
      failed(checkFloat(*this, getX(), "X")))
    return failure();
  if (static_cast<int64_t>(getNumGroups()) <= 0)
    return emitOpError("'num_groups' must be positive");
  auto x = dyn_cast<RankedTensorType>(getX().getType());
  if (x && !x.isDynamicDim(1) && x.getDimSize(1) % getNumGroups() != 0)
    return emitOpError() << "channel count " << x.getDimSize(1)
                         << " is not divisible by num_groups "
                         << getNumGroups();
  // Opset 18 scales per group, opset 21 per channel.
  for (auto [v, n] : {std::pair{getScale(), "scale"}, {getBias(), "bias"}}) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t)
      continue;
    if (t.getRank() != 1)
      return emitOpError() << "'" << n << "' must be 1-D";
    int64_t len = t.getDimSize(0);
    int64_t c = x && !x.isDynamicDim(1) ? x.getDimSize(1) : ShapedType::kDynamic;
    if (!ShapedType::isDynamic(len) && len != (int64_t)getNumGroups() &&
        (ShapedType::isDynamic(c) || len != c))
      return emitOpError() << "'" << n << "' has " << len
                           << " entries; expected num_groups (" << getNumGroups()
                           << ", opset 18) or the channel count (opset 21)";
  }
  return success();
}

template <typename OpT>
static LogicalResult verifySoftmax(OpT op) {
  return checkAxis(op, "axis", op.getAxis().value_or(-1),
                   rankOf(op.getInput().getType()));
}
LogicalResult SoftmaxOp::verify() { return verifySoftmax(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifySoftmax(*this); }

LogicalResult DropoutOp::verify() {
  if (failed(checkNotBoth(*this, getRatioAttr() != nullptr, getRatioVal(),
                          "ratio")))
    return failure();
  if (auto r = getRatio(); r && (r->convertToFloat() < 0 ||
                                 r->convertToFloat() >= 1))
    return emitOpError("'ratio' must be in [0, 1)");
  if (Value mask = getMask()) {
    Type me = getElementTypeOrSelf(mask.getType());
    if (!me.isInteger(1) && me != getElementTypeOrSelf(getData().getType()))
      return emitOpError("'mask' must be bool (opset 10+) or have the data's "
                         "element type (opset 7-9)");
  }
  return success();
}

template <typename OpT>
static LogicalResult verifyRnn(OpT op, int64_t gates) {
  if (failed(checkRank(op, op.getX(), "X", 3, 3)) ||
      failed(checkRank(op, op.getW(), "W", 3, 3)) ||
      failed(checkRank(op, op.getR(), "R", 3, 3)) ||
      failed(checkSameElementType(op, op.getX(), op.getW(), "X", "W")) ||
      failed(checkSameElementType(op, op.getX(), op.getR(), "X", "R")))
    return failure();
  if (auto d = op.getDirection();
      d && !llvm::is_contained({"forward", "reverse", "bidirectional"}, *d))
    return op.emitOpError() << "'direction' must be forward, reverse or "
                               "bidirectional, got '"
                            << *d << "'";
  auto w = dyn_cast<RankedTensorType>(op.getW().getType());
  if (auto hs = op.getHiddenSize(); hs && w && !w.isDynamicDim(1) &&
                                    w.getDimSize(1) != gates * (int64_t)*hs)
    return op.emitOpError() << "W.shape[1] (" << w.getDimSize(1)
                            << ") must be " << gates << " * hidden_size ("
                            << *hs << ")";
  int64_t dirs = op.getDirection() == "bidirectional" ? 2 : 1;
  if (w && !w.isDynamicDim(0) && w.getDimSize(0) != dirs)
    return op.emitOpError() << "W.shape[0] (" << w.getDimSize(0)
                            << ") must equal the number of directions ("
                            << dirs << ")";
  return success();
}
LogicalResult LSTMOp::verify() { return verifyRnn(*this, 4); }
LogicalResult GRUOp::verify() { return verifyRnn(*this, 3); }
LogicalResult RNNOp::verify() { return verifyRnn(*this, 1); }

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

template <typename OpT>
static LogicalResult verifyReduce(OpT op) {
  if (failed(checkNotBoth(op, op.getAxesAttr() != nullptr, op.getAxesVal(),
                          "axes")))
    return failure();
  if (op.getAxesVal() && failed(checkRank(op, op.getAxesVal(), "axes", 1, 1)))
    return failure();
  if (auto axes = op.getAxes())
    if (failed(checkAxes(op, "axes", *axes, rankOf(op.getData().getType()))))
      return failure();
  if (failed(checkSameElementType(op, op.getData(), op.getReduced(), "data",
                                  "reduced")))
    return failure();
  auto in = rankOf(op.getData().getType()),
       out = rankOf(op.getReduced().getType());
  if (op.getKeepdims().value_or(1) == 1) {
    if (in && out && *in != *out)
      return op.emitOpError() << "with keepdims=1 the result rank (" << *out
                              << ") must equal the input rank (" << *in << ")";
  } else if (auto axes = op.getAxes(); axes && !axes->empty() && in && out &&
                                       *out != *in - (int64_t)axes->size()) {
    return op.emitOpError() << "with keepdims=0 and " << axes->size()
                            << " axes the result rank must be "
                            << *in - (int64_t)axes->size() << ", got " << *out;
  }
  return success();
}
#define MP_REDUCE_VERIFY(Op)                                                   \
  LogicalResult Op::verify() { return verifyReduce(*this); }
MP_REDUCE_VERIFY(ReduceMeanOp)
MP_REDUCE_VERIFY(ReduceSumOp)
MP_REDUCE_VERIFY(ReduceMaxOp)
MP_REDUCE_VERIFY(ReduceMinOp)
MP_REDUCE_VERIFY(ReduceProdOp)
MP_REDUCE_VERIFY(ReduceL2Op)
MP_REDUCE_VERIFY(ReduceLogSumExpOp)
#undef MP_REDUCE_VERIFY

LogicalResult ArgMaxOp::verify() {
  return checkAxis(*this, "axis", getAxis().value_or(0),
                   rankOf(getData().getType()));
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  if (failed(checkRank(*this, getShape(), "shape", 1, 1)) ||
      failed(checkSameElementType(*this, getData(), getReshaped(), "data",
                                  "reshaped")))
    return failure();
  auto in = dyn_cast<RankedTensorType>(getData().getType());
  auto out = dyn_cast<RankedTensorType>(getReshaped().getType());
  if (in && out && in.hasStaticShape() && out.hasStaticShape() &&
      in.getNumElements() != out.getNumElements())
    return emitOpError() << "cannot reshape " << in.getNumElements()
                         << " elements into " << out.getNumElements();
  auto shape = dyn_cast<RankedTensorType>(getShape().getType());
  if (shape && out && !shape.isDynamicDim(0) &&
      shape.getDimSize(0) != out.getRank())
    return emitOpError() << "'shape' has " << shape.getDimSize(0)
                         << " entries but the result has rank "
                         << out.getRank();
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  auto t = dyn_cast<RankedTensorType>(getData().getType());
  if (t && t.hasStaticShape() && t == getReshaped().getType())
    return getData();
  return {};
}

LogicalResult FlattenOp::verify() {
  auto r = rankOf(getInput().getType());
  int64_t axis = static_cast<int64_t>(getAxis().value_or(1));
  if (r && (axis < -*r || axis > *r))
    return emitOpError() << "axis " << axis << " is out of range [-" << *r
                         << ", " << *r << "]";
  if (
      failed(checkRank(*this, getOutput(), "output", 2, 2)) ||
      failed(checkSameElementType(*this, getInput(), getOutput(), "input",
                                  "output")))
    return failure();
  return success();
}

LogicalResult TransposeOp::verify() {
  auto r = rankOf(getData().getType());
  if (auto perm = getPerm()) {
    if (r && (int64_t)perm->size() != *r)
      return emitOpError() << "'perm' has " << perm->size()
                           << " entries for an input of rank " << *r;
    SmallVector<bool> seen(perm->size(), false);
    for (int64_t p : *perm) {
      if (p < 0 || p >= (int64_t)perm->size() || seen[p])
        return emitOpError("'perm' must be a permutation of [0, rank)");
      seen[p] = true;
    }
  }
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  auto perm = getPerm();
  if (!perm || getData().getType() != getTransposed().getType())
    return {};
  for (auto [i, p] : llvm::enumerate(*perm))
    if ((int64_t)i != p)
      return {};
  return getData();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("expects at least one input");
  Value first = getInputs().front();
  auto r = rankOf(first.getType());
  if (failed(checkAxis(*this, "axis", static_cast<int64_t>(getAxis()), r)))
    return failure();
  if (failed(checkSameElementType(*this, first, getConcatResult(), "inputs[0]",
                                  "concat_result")))
    return failure();
  for (Value v : getInputs()) {
    if (failed(checkSameElementType(*this, first, v, "inputs[0]", "inputs[i]")))
      return failure();
    auto vr = rankOf(v.getType());
    if (r && vr && *r != *vr)
      return emitOpError() << "all inputs must have the same rank, got " << *r
                           << " and " << *vr;
  }
  if (!r)
    return success();
  // I64Attr getters return uint64_t; ONNX axes are signed.
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0)
    axis += *r;
  auto ft = dyn_cast<RankedTensorType>(first.getType());
  if (!ft)
    return success();
  for (Value v : getInputs()) {
    auto vt = dyn_cast<RankedTensorType>(v.getType());
    if (!vt)
      continue;
    for (int64_t d = 0; d < *r; ++d) {
      if (d == axis || ft.isDynamicDim(d) || vt.isDynamicDim(d))
        continue;
      if (ft.getDimSize(d) != vt.getDimSize(d))
        return emitOpError() << "inputs differ in dimension " << d << " ("
                             << ft.getDimSize(d) << " vs " << vt.getDimSize(d)
                             << ") outside the concatenation axis";
    }
  }
  return success();
}

LogicalResult SplitOp::verify() {
  if (failed(checkNotBoth(*this, getSplitAttr() != nullptr, getSplitVal(),
                          "split")) ||
      failed(checkAxis(*this, "axis", getAxis().value_or(0),
                       rankOf(getInput().getType()))))
    return failure();
  if (getOutputs().empty())
    return emitOpError("expects at least one output");
  if (auto split = getSplit()) {
    if (split->size() != getOutputs().size())
      return emitOpError() << "'split' has " << split->size()
                           << " entries for " << getOutputs().size()
                           << " outputs";
    if (llvm::any_of(*split, [](int64_t s) { return s < 0; }))
      return emitOpError("'split' entries must be non-negative");
  }
  if (auto n = getNumOutputs(); n && (int64_t)*n != (int64_t)getOutputs().size())
    return emitOpError() << "'num_outputs' is " << *n << " but the op has "
                         << getOutputs().size() << " results";
  if (getNumOutputs() && (getSplitVal() || getSplitAttr()))
    return emitOpError("'num_outputs' and 'split' are mutually exclusive");
  for (Value out : getOutputs())
    if (failed(checkSameElementType(*this, getInput(), out, "input", "outputs")))
      return failure();
  auto in = dyn_cast<RankedTensorType>(getInput().getType());
  if (auto split = getSplit(); split && in) {
    int64_t axis = static_cast<int64_t>(getAxis().value_or(0));
    if (axis < 0)
      axis += in.getRank();
    int64_t total = 0;
    for (int64_t s : *split)
      total += s;
    if (!in.isDynamicDim(axis) && total != in.getDimSize(axis))
      return emitOpError() << "'split' sums to " << total
                           << " but the input has " << in.getDimSize(axis)
                           << " along axis " << axis;
  }
  return success();
}

LogicalResult SliceOp::verify() {
  bool attrForm = getStartsAttr() || getEndsAttr();
  bool operandForm = getStartsVal() || getEndsVal();
  if (attrForm && operandForm)
    return emitOpError("mixes the attribute form (opset < 10) and the operand "
                       "form of starts/ends");
  if (!attrForm && !operandForm)
    return emitOpError("requires 'starts' and 'ends'");
  if (attrForm) {
    if (!getStarts() || !getEnds())
      return emitOpError("requires both 'starts' and 'ends' attributes");
    if (getStarts()->size() != getEnds()->size())
      return emitOpError("'starts' and 'ends' must have the same length");
    if (getAxesVal() || getSteps())
      return emitOpError("the attribute form takes no axes/steps operands");
  } else if (!getStartsVal() || !getEndsVal()) {
    return emitOpError("requires both 'starts' and 'ends' operands");
  }
  if (!attrForm && getAxes())
    return emitOpError("the operand form (opset 10+) takes 'axes' as an "
                       "operand, not an attribute");
  return checkSameElementType(*this, getData(), getOutput(), "data", "output");
}

template <typename OpT>
static LogicalResult verifyGather(OpT op, bool elements) {
  auto r = rankOf(op.getData().getType());
  if (r && *r == 0)
    return op.emitOpError("'data' must have rank >= 1");
  if (failed(checkAxis(op, "axis", op.getAxis().value_or(0), r)) ||
      failed(checkSameElementType(op, op.getData(), op.getOutput(), "data",
                                  "output")))
    return failure();
  if (elements) {
    auto ir = rankOf(op.getIndices().getType());
    if (r && ir && *r != *ir)
      return op.emitOpError("'indices' must have the rank of 'data'");
  }
  return success();
}
LogicalResult GatherOp::verify() { return verifyGather(*this, false); }
LogicalResult GatherElementsOp::verify() { return verifyGather(*this, true); }

template <typename OpT>
static LogicalResult verifySqueeze(OpT op, bool unsqueeze) {
  if (failed(checkNotBoth(op, op.getAxesAttr() != nullptr, op.getAxesVal(),
                          "axes")))
    return failure();
  if (unsqueeze && !op.getAxesAttr() && !op.getAxesVal())
    return op.emitOpError("requires 'axes'");
  if (auto axes = op.getAxes()) {
    std::optional<int64_t> r =
        unsqueeze ? rankOf(op.getOutput().getType())
                  : rankOf(op.getData().getType());
    if (failed(checkAxes(op, "axes", *axes, r)))
      return failure();
    auto in = rankOf(op.getData().getType()),
         out = rankOf(op.getOutput().getType());
    int64_t delta = unsqueeze ? (int64_t)axes->size() : -(int64_t)axes->size();
    if (in && out && *out != *in + delta)
      return op.emitOpError() << "result rank " << *out << " must be "
                              << *in + delta;
  }
  return checkSameElementType(op, op.getData(), op.getOutput(), "data",
                              "output");
}
LogicalResult SqueezeOp::verify() { return verifySqueeze(*this, false); }
LogicalResult UnsqueezeOp::verify() { return verifySqueeze(*this, true); }

LogicalResult ExpandOp::verify() {
  if (failed(checkRank(*this, getShape(), "shape", 1, 1)))
    return failure();
  return checkSameElementType(*this, getInput(), getOutput(), "input",
                              "output");
}

LogicalResult TileOp::verify() {
  if (failed(checkRank(*this, getRepeats(), "repeats", 1, 1)))
    return failure();
  auto r = rankOf(getInput().getType());
  auto rep = dyn_cast<RankedTensorType>(getRepeats().getType());
  if (r && rep && !rep.isDynamicDim(0) && rep.getDimSize(0) != *r)
    return emitOpError() << "'repeats' has " << rep.getDimSize(0)
                         << " entries for an input of rank " << *r;
  return checkSameElementType(*this, getInput(), getOutput(), "input",
                              "output");
}

LogicalResult PadOp::verify() {
  if (failed(checkNotBoth(*this, getPadsAttr() != nullptr, getPadsVal(),
                          "pads")) ||
      failed(checkNotBoth(*this, getValueAttr() != nullptr, getConstantValue(),
                          "value")))
    return failure();
  if (!getPadsAttr() && !getPadsVal())
    return emitOpError("requires 'pads'");
  if (auto m = getMode();
      m && !llvm::is_contained({"constant", "reflect", "edge", "wrap"}, *m))
    return emitOpError() << "'mode' must be constant, reflect, edge or wrap, "
                            "got '"
                         << *m << "'";
  if (auto pads = getPads()) {
    auto r = rankOf(getData().getType());
    if (r && (int64_t)pads->size() != 2 * *r)
      return emitOpError() << "'pads' has " << pads->size()
                           << " entries, expected " << 2 * *r;
  }
  if (getConstantValue() &&
      failed(checkSameElementType(*this, getData(), getConstantValue(), "data",
                                  "constant_value")))
    return failure();
  return checkSameElementType(*this, getData(), getOutput(), "data", "output");
}

/// An empty 1-D tensor stands for "not given" in older Resize models.
static bool isEmptyTensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.hasStaticShape() && t.getNumElements() == 0;
}

LogicalResult ResizeOp::verify() {
  if (getScales() && getSizes() && !isEmptyTensor(getScales()) &&
      !isEmptyTensor(getSizes()))
    return emitOpError("'scales' and 'sizes' are mutually exclusive");
  bool hasScales = getScales() && !isEmptyTensor(getScales());
  bool hasSizes = getSizes() && !isEmptyTensor(getSizes());
  if (!hasScales && !hasSizes)
    return emitOpError("requires non-empty 'scales' or 'sizes'");
  if (auto m = getMode();
      m && !llvm::is_contained({"nearest", "linear", "cubic"}, *m))
    return emitOpError() << "'mode' must be nearest, linear or cubic, got '"
                         << *m << "'";
  if (getScales() && failed(checkFloat(*this, getScales(), "scales")))
    return failure();
  return checkSameElementType(*this, getX(), getY(), "X", "Y");
}

LogicalResult ShapeOp::verify() { return success(); }

LogicalResult ConstantOfShapeOp::verify() {
  if (failed(checkRank(*this, getInput(), "input", 1, 1)))
    return failure();
  if (auto v = getValue()) {
    if (v->getNumElements() != 1)
      return emitOpError("'value' must hold exactly one element");
    if (v->getElementType() != getElementTypeOrSelf(getOutput().getType()))
      return emitOpError("'value' element type must match the result");
  } else if (!getElementTypeOrSelf(getOutput().getType()).isF32()) {
    return emitOpError("without 'value' the result element type is f32");
  }
  return success();
}

LogicalResult RangeOp::verify() {
  for (auto [v, n] : {std::pair{getStart(), "start"}, {getLimit(), "limit"},
                      {getDelta(), "delta"}}) {
    if (failed(checkRank(*this, v, n, 0, 0)) ||
        failed(checkSameElementType(*this, getStart(), v, "start", n)))
      return failure();
  }
  if (failed(checkSameElementType(*this, getStart(), getOutput(), "start",
                                  "output")))
    return failure();
  return checkRank(*this, getOutput(), "output", 1, 1);
}

LogicalResult ConstantOp::verify() {
  if (getValue().getType() != getOutput().getType())
    return emitOpError() << "value type " << getValue().getType()
                         << " does not match the result type "
                         << getOutput().getType();
  // A resource blob must hold exactly the bytes its type needs (readers
  // index it by element count).
  if (auto res = dyn_cast<DenseResourceElementsAttr>(getValue())) {
    if (AsmResourceBlob *blob = res.getRawHandle().getBlob()) {
      Type e = res.getType().getElementType();
      if (e.isIntOrFloat()) {
        uint64_t bytes = std::max(1u, e.getIntOrFloatBitWidth() / 8);
        uint64_t n = res.getType().getNumElements();
        if (n != 0 && (bytes > UINT64_MAX / n ||
                       blob->getData().size() != n * bytes))
          return emitOpError() << "resource holds " << blob->getData().size()
                               << " bytes but " << res.getType()
                               << " needs " << n * bytes;
      }
    }
  }
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

LogicalResult TopKOp::verify() {
  if (failed(checkNotBoth(*this, getKAttr() != nullptr, getKVal(), "k")))
    return failure();
  if (!getKAttr() && !getKVal())
    return emitOpError("requires 'k'");
  if (failed(checkAxis(*this, "axis", getAxis().value_or(-1),
                       rankOf(getX().getType()))))
    return failure();
  return checkSameElementType(*this, getX(), getValues(), "X", "Values");
}

LogicalResult CumSumOp::verify() {
  if (failed(checkRank(*this, getAxis(), "axis", 0, 1)))
    return failure();
  return checkSameElementType(*this, getX(), getY(), "x", "y");
}

LogicalResult EinsumOp::verify() {
  StringRef eq = getEquation();
  StringRef lhs = eq.split("->").first;
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != getInputs().size())
    return emitOpError() << "equation has " << terms.size()
                         << " input terms but the op has "
                         << getInputs().size() << " operands";
  if (!getInputs().empty() &&
      failed(checkSameElementType(*this, getInputs().front(), getOutput(),
                                  "Inputs[0]", "Output")))
    return failure();
  for (auto [term, v] : llvm::zip(terms, getInputs())) {
    StringRef t = term.trim();
    if (t.contains("..."))
      continue;
    auto r = rankOf(v.getType());
    if (r && (int64_t)t.size() != *r)
      return emitOpError() << "term '" << t << "' has " << t.size()
                           << " subscripts for an operand of rank " << *r;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Control flow
//===----------------------------------------------------------------------===//

LogicalResult IfOp::verify() {
  if (auto t = dyn_cast<RankedTensorType>(getCond().getType());
      t && t.getNumElements() != 1)
    return emitOpError("'cond' must hold a single element");
  for (auto [region, name] : {std::pair{&getThenBranch(), "then_branch"},
                              {&getElseBranch(), "else_branch"}}) {
    if (failed(checkRegionYield(*this, *region, name)))
      return failure();
    if (region->front().getNumArguments() != 0)
      return emitOpError() << "region '" << name << "' takes no arguments";
    auto yield = cast<YieldOp>(region->front().back());
    if (yield.getNumOperands() != getNumResults())
      return emitOpError() << "region '" << name << "' yields "
                           << yield.getNumOperands() << " values, expected "
                           << getNumResults();
    for (auto [y, r] : llvm::zip(yield.getOperandTypes(), getResultTypes()))
      if (getElementTypeOrSelf(y) != getElementTypeOrSelf(r))
        return emitOpError() << "region '" << name << "' yields " << y
                             << " for a result of type " << r;
  }
  return success();
}

LogicalResult LoopOp::verify() {
  if (failed(checkRegionYield(*this, getBody(), "body")))
    return failure();
  Block &body = getBody().front();
  size_t carried = getVInitial().size();
  if (body.getNumArguments() != carried + 2)
    return emitOpError() << "body takes " << body.getNumArguments()
                         << " arguments, expected " << carried + 2
                         << " (iteration, cond, " << carried << " carried)";
  auto yield = cast<YieldOp>(body.back());
  if (yield.getNumOperands() < carried + 1)
    return emitOpError() << "body yields " << yield.getNumOperands()
                         << " values, expected at least " << carried + 1;
  if (getNumResults() != yield.getNumOperands() - 1)
    return emitOpError() << "has " << getNumResults()
                         << " results but the body yields "
                         << yield.getNumOperands() - 1
                         << " carried/scan values";
  return success();
}

LogicalResult ScanOp::verify() {
  if (failed(checkRegionYield(*this, getBody(), "body")))
    return failure();
  int64_t nScan = static_cast<int64_t>(getNumScanInputs());
  int64_t nIn = getInitialStateAndScanInputs().size();
  if (nScan < 1 || nScan > nIn)
    return emitOpError() << "'num_scan_inputs' (" << nScan
                         << ") must be in [1, " << nIn << "]";
  Block &body = getBody().front();
  if ((int64_t)body.getNumArguments() != nIn)
    return emitOpError() << "body takes " << body.getNumArguments()
                         << " arguments, expected " << nIn;
  auto yield = cast<YieldOp>(body.back());
  if (yield.getNumOperands() != getNumResults())
    return emitOpError() << "body yields " << yield.getNumOperands()
                         << " values for " << getNumResults() << " results";
  if (auto axes = getScanInputAxes(); axes && (int64_t)axes->size() != nScan)
    return emitOpError("'scan_input_axes' must have num_scan_inputs entries");
  return success();
}

//===----------------------------------------------------------------------===//
// Generic op
//===----------------------------------------------------------------------===//

ParseResult OnnxOp::parse(OpAsmParser &parser, OperationState &result) {
  std::string domain, opType;
  if (parser.parseString(&domain) || parser.parseColon() ||
      parser.parseColon() || parser.parseString(&opType))
    return failure();
  result.addAttribute("domain", parser.getBuilder().getStringAttr(domain));
  result.addAttribute("op_type", parser.getBuilder().getStringAttr(opType));
  if (parseMpOp(parser, result, "*", ""))
    return failure();
  if (!result.attributes.get("onnx_attrs"))
    result.addAttribute("onnx_attrs", parser.getBuilder().getDictionaryAttr({}));
  return success();
}

void OnnxOp::print(OpAsmPrinter &p) {
  p << ' ';
  p.printString(getDomain());
  p << "::";
  p.printString(getOpType());
  printMpOp(p, getOperation(), "*", "");
}

LogicalResult OnnxOp::verify() {
  if (getOpType().empty())
    return emitOpError("'op_type' must not be empty");
  size_t numNames = getRegionNames() ? getRegionNames()->size() : 0;
  if (numNames != getSubgraphs().size())
    return emitOpError() << "has " << getSubgraphs().size()
                         << " regions but names " << numNames;
  if (auto segs = getInputSegments()) {
    int64_t present = 0;
    for (int32_t s : *segs) {
      if (s != 0 && s != 1)
        return emitOpError("'input_segments' entries must be 0 or 1");
      present += s;
    }
    if (present != (int64_t)getInputs().size())
      return emitOpError() << "'input_segments' marks " << present
                           << " inputs present but the op has "
                           << getInputs().size();
  }
  for (NamedAttribute a : getOnnxAttrs()) {
    Attribute v = a.getValue();
    if (!isa<IntegerAttr, FloatAttr, StringAttr, ElementsAttr,
             DenseI64ArrayAttr, DenseF32ArrayAttr, ArrayAttr, TypeAttr>(v))
      return emitOpError() << "attribute '" << a.getName().getValue()
                           << "' has no ONNX attribute kind";
  }
  return success();
}

#define GET_OP_CLASSES
#include "mixprec/Dialect/Mp/IR/MpOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

LogicalResult OptimizerUpdateOp::verify() {
  StringRef k = getKind();
  bool needsM = k == "momentum" || k == "adam" || k == "adamw";
  bool needsV = k == "adam" || k == "adamw";
  if (k != "sgd" && !needsM)
    return emitOpError() << "unknown kind '" << k << "' (sgd, momentum, adam, adamw)";
  if ((bool)getM() != needsM || (bool)getNewM() != needsM)
    return emitOpError() << "'" << k << "' " << (needsM ? "needs" : "takes no")
                         << " first moment m (operand and result)";
  if ((bool)getV() != needsV || (bool)getNewV() != needsV)
    return emitOpError() << "'" << k << "' " << (needsV ? "needs" : "takes no")
                         << " second moment v (operand and result)";
  auto pt = dyn_cast<RankedTensorType>(getParam().getType());
  auto gt = dyn_cast<RankedTensorType>(getGrad().getType());
  if (!pt || !gt || !pt.getElementType().isF32() || !isa<FloatType>(gt.getElementType()) ||
      pt.getShape() != gt.getShape())
    return emitOpError("needs an f32 master and a float gradient of its shape");
  for (Value v : {getM(), getV(), getNewParam(), getNewM(), getNewV()})
    if (v && v.getType() != pt)
      return emitOpError("moments and the new master must have the master's type");
  if (Value low = getLow()) {
    auto lt = dyn_cast<RankedTensorType>(low.getType());
    if (!lt || lt.getShape() != pt.getShape() || !isa<FloatType>(lt.getElementType()))
      return emitOpError("the low-precision copy must be a float tensor of the master's shape");
  }
  return success();
}

LogicalResult MaxPoolGradOp::verify() {
  auto xt = dyn_cast<RankedTensorType>(getX().getType());
  auto dxt = dyn_cast<RankedTensorType>(getDX().getType());
  if (!xt || !dxt || xt != dxt)
    return emitOpError("dX must have X's type");
  if ((int64_t)getKernelShape().size() != xt.getRank() - 2)
    return emitOpError("kernel_shape needs one entry per spatial dim");
  return success();
}

LogicalResult DropoutMaskOp::verify() {
  auto t = dyn_cast<RankedTensorType>(getMask().getType());
  if (!t || !t.hasStaticShape())
    return emitOpError("the mask needs a static shape");
  double r = getRatio().convertToDouble();
  if (r < 0 || r >= 1)
    return emitOpError("'ratio' must be in [0, 1)");
  return success();
}

LogicalResult LossScaleOp::verify() {
  if (getRole() != "seed" && getRole() != "unscale")
    return emitOpError("role must be 'seed' or 'unscale', got '") << getRole() << "'";
  return success();
}
