//===- RangeAnalysis.cpp - static interval bounds for mp values -----------===//
//
// Forward interval propagation: bounds start at initializer values and the
// declared input ranges, and every op maps operand intervals to result
// intervals. Bounds are sound (hold for every input in range) but may be
// loose; an op we cannot bound yields "unknown", which the precision rules
// treat as "no evidence". Also: node names and FLOP estimates.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Dialect/Mp/Transforms/Autocast.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mixprec::mp;

//===----------------------------------------------------------------------===//
// Constant values
//===----------------------------------------------------------------------===//

/// Calls `fn` on every element of a floating-point constant; false if the
/// attribute's storage is not understood.
static bool forEachFloat(ElementsAttr attr, llvm::function_ref<void(double)> fn) {
  Type et = attr.getElementType();
  if (!isa<FloatType>(et))
    return false;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    for (APFloat v : dense.getValues<APFloat>())
      fn(v.convertToDouble());
    return true;
  }
  auto res = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!res || !res.getRawHandle().getBlob())
    return false;
  ArrayRef<char> data = res.getRawHandle().getBlob()->getData();
  int64_t n = attr.getNumElements();
  if (et.isF32()) {
    const float *p = reinterpret_cast<const float *>(data.data());
    for (int64_t i = 0; i < n; ++i)
      fn(p[i]);
  } else if (et.isF64()) {
    const double *p = reinterpret_cast<const double *>(data.data());
    for (int64_t i = 0; i < n; ++i)
      fn(p[i]);
  } else if (et.isF16() || et.isBF16()) {
    const uint16_t *p = reinterpret_cast<const uint16_t *>(data.data());
    const llvm::fltSemantics &sem =
        et.isF16() ? APFloat::IEEEhalf() : APFloat::BFloat();
    for (int64_t i = 0; i < n; ++i)
      fn(APFloat(sem, APInt(16, p[i])).convertToDouble());
  } else {
    return false;
  }
  return true;
}

bool mixprec::mp::forEachFloatValue(ElementsAttr attr,
                                   llvm::function_ref<void(double)> fn) {
  return forEachFloat(attr, fn);
}

std::optional<ConstantStats> mixprec::mp::constantStats(ElementsAttr value,
                                                        double threshold) {
  ConstantStats s;
  double minNz = INFINITY;
  bool ok = forEachFloat(value, [&](double v) {
    double a = std::abs(v);
    if (std::isnan(a))
      return;
    s.maxAbs = std::max(s.maxAbs, a);
    if (a != 0) {
      ++s.numNonZero;
      minNz = std::min(minNz, a);
      if (a < threshold)
        ++s.numBelow;
    }
  });
  if (!ok)
    return std::nullopt;
  s.minNonZeroAbs = s.numNonZero ? minNz : 0;
  return s;
}

static Interval constantInterval(ElementsAttr value) {
  double lo = INFINITY, hi = -INFINITY;
  bool ok = forEachFloat(value, [&](double v) {
    if (std::isnan(v))
      return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  });
  if (!ok || value.getNumElements() == 0)
    return Interval::unknown();
  return Interval::of(lo, hi, "initializer");
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

std::string mixprec::mp::getNodeName(Operation *op) {
  std::string name;
  op->getLoc()->walk([&](Location l) {
    if (auto nl = dyn_cast<NameLoc>(l)) {
      name = nl.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

static int64_t numElements(Type t) {
  auto r = dyn_cast<RankedTensorType>(t);
  if (!r)
    return -1;
  int64_t n = 1;
  for (int64_t d : r.getShape())
    n *= ShapedType::isDynamic(d) ? 1 : d;
  return n;
}

double mixprec::mp::estimateFlops(Operation *op) {
  // Dynamic dims (usually the batch) count as 1: FLOPs per sample.
  auto shapeOf = [](Value v) -> SmallVector<int64_t> {
    auto r = dyn_cast<RankedTensorType>(v.getType());
    if (!r)
      return {};
    SmallVector<int64_t> s(r.getShape());
    for (int64_t &d : s)
      if (ShapedType::isDynamic(d))
        d = 1;
    return s;
  };
  auto product = [](ArrayRef<int64_t> s) {
    double p = 1;
    for (int64_t d : s)
      p *= d;
    return p;
  };
  return llvm::TypeSwitch<Operation *, double>(op)
      .Case([&](MatMulOp m) -> double {
        SmallVector<int64_t> a = shapeOf(m.getA()), y = shapeOf(m.getY());
        if (a.empty())
          return 0;
        return 2.0 * product(y) * a.back();
      })
      .Case([&](GemmOp g) -> double {
        SmallVector<int64_t> a = shapeOf(g.getA()), y = shapeOf(g.getY());
        if (a.size() != 2 || y.size() != 2)
          return 0;
        int64_t k = g.getTransA().value_or(0) ? a[0] : a[1];
        return 2.0 * product(y) * k;
      })
      .Case([&](ConvOp c) -> double {
        SmallVector<int64_t> w = shapeOf(c.getW()), y = shapeOf(c.getY());
        if (w.empty() || y.empty())
          return 0;
        return 2.0 * product(y) * product(ArrayRef<int64_t>(w).drop_front());
      })
      .Case([&](ConvTransposeOp c) -> double {
        SmallVector<int64_t> x = shapeOf(c.getX()), w = shapeOf(c.getW());
        if (x.empty() || w.empty())
          return 0;
        return 2.0 * product(x) * product(ArrayRef<int64_t>(w).drop_front());
      })
      .Case([&](EinsumOp e) -> double {
        double out = numElements(e.getOutput().getType());
        double in = 1;
        for (Value v : e.getInputs())
          in = std::max<double>(in, numElements(v.getType()));
        return out < 0 ? 0 : 2.0 * std::max(out, in);
      })
      .Case<LSTMOp, GRUOp, RNNOp>([&](auto r) -> double {
        SmallVector<int64_t> x = shapeOf(r.getX()), w = shapeOf(r.getW()),
                             rr = shapeOf(r.getR());
        if (x.size() != 3 || w.size() != 3 || rr.size() != 3)
          return 0;
        // seq * batch * dirs * gates*H * (input + hidden) multiply-adds.
        return 2.0 * x[0] * x[1] * w[0] * w[1] * (w[2] + rr[2]);
      })
      .Default([&](Operation *o) -> double {
        double total = 0;
        for (Value r : o->getResults()) {
          int64_t n = numElements(r.getType());
          if (n > 0 && isa<FloatType>(getElementTypeOrSelf(r.getType())))
            total += n;
        }
        return total;
      });
}

//===----------------------------------------------------------------------===//
// Interval transfer functions
//===----------------------------------------------------------------------===//

namespace {

Interval hull(const Interval &a, const Interval &b) {
  if (!a.known || !b.known)
    return Interval::unknown();
  return Interval::of(std::min(a.lo, b.lo), std::max(a.hi, b.hi));
}

Interval mulI(const Interval &a, const Interval &b) {
  if (!a.known || !b.known)
    return Interval::unknown();
  double c[] = {a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi};
  double lo = INFINITY, hi = -INFINITY;
  for (double v : c) {
    if (std::isnan(v))
      return Interval::unknown();
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return Interval::of(lo, hi);
}

Interval symmetric(double bound) {
  if (!std::isfinite(bound))
    return Interval::unknown();
  return Interval::of(-bound, bound);
}

/// Monotone non-decreasing function applied to an interval.
template <typename F>
Interval monotone(const Interval &a, F f) {
  if (!a.known)
    return Interval::unknown();
  double lo = f(a.lo), hi = f(a.hi);
  if (std::isnan(lo) || std::isnan(hi))
    return Interval::unknown();
  return Interval::of(lo, hi);
}

int64_t staticDim(Value v, int64_t axis) {
  auto r = dyn_cast<RankedTensorType>(v.getType());
  if (!r || r.getRank() == 0)
    return -1;
  if (axis < 0)
    axis += r.getRank();
  if (axis < 0 || axis >= r.getRank() || r.isDynamicDim(axis))
    return -1;
  return r.getDimSize(axis);
}

/// Number of elements normalised together from `axis` on (LayerNorm).
int64_t trailingCount(Value v, int64_t axis) {
  auto r = dyn_cast<RankedTensorType>(v.getType());
  if (!r)
    return -1;
  if (axis < 0)
    axis += r.getRank();
  int64_t n = 1;
  for (int64_t d = axis; d < r.getRank(); ++d) {
    if (r.isDynamicDim(d))
      return -1;
    n *= r.getDimSize(d);
  }
  return n;
}

/// A normalised value z = (x - mean) / std over n elements has |z| <=
/// sqrt(n - 1); with scale s and bias b, |y| <= max|s| sqrt(n-1) + max|b|.
Interval normalized(int64_t n, const Interval &scale, const Interval &bias,
                    bool hasBias) {
  if (n <= 0 || !scale.known || (hasBias && !bias.known))
    return Interval::unknown();
  double bound = scale.maxAbs() * std::sqrt(double(std::max<int64_t>(n - 1, 1))) +
                 (hasBias ? bias.maxAbs() : 0.0);
  return symmetric(bound);
}

/// max_j sum_i |B[i, j]| of a constant 2-D matrix, or -1.
double maxColumnL1(ElementsAttr value) {
  auto t = dyn_cast<RankedTensorType>(value.getType());
  if (!t || t.getRank() != 2 || !t.hasStaticShape())
    return -1;
  int64_t cols = t.getDimSize(1);
  std::vector<double> sums(cols, 0.0);
  int64_t i = 0;
  if (!forEachFloat(value, [&](double v) { sums[i++ % cols] += std::abs(v); }))
    return -1;
  double best = 0;
  for (double v : sums)
    best = std::max(best, v);
  return best;
}

/// Element count for bounds: -1 if any dim is dynamic.
int64_t exactElements(Type t) {
  auto r = dyn_cast<RankedTensorType>(t);
  return r && r.hasStaticShape() ? r.getNumElements() : -1;
}

struct RangeComputer {
  llvm::DenseMap<Value, Interval> &ranges;
  Interval get(Value v) {
    auto it = ranges.find(v);
    return it == ranges.end() ? Interval::unknown() : it->second;
  }

  Interval compute(Operation *op) {
    auto in = [&](unsigned i) { return get(op->getOperand(i)); };
    return llvm::TypeSwitch<Operation *, Interval>(op)
        .Case([&](ConstantOp c) { return constantInterval(c.getValue()); })
        .Case([&](AddOp) {
          Interval a = in(0), b = in(1);
          if (!a.known || !b.known)
            return Interval::unknown();
          return Interval::of(a.lo + b.lo, a.hi + b.hi);
        })
        .Case([&](SubOp) {
          Interval a = in(0), b = in(1);
          if (!a.known || !b.known)
            return Interval::unknown();
          return Interval::of(a.lo - b.hi, a.hi - b.lo);
        })
        .Case([&](MulOp) { return mulI(in(0), in(1)); })
        .Case([&](DivOp) {
          Interval a = in(0), b = in(1);
          if (!b.known || (b.lo <= 0 && b.hi >= 0))
            return Interval::unknown();
          return mulI(a, Interval::of(1.0 / b.hi, 1.0 / b.lo));
        })
        .Case([&](NegOp) {
          Interval a = in(0);
          return a.known ? Interval::of(-a.hi, -a.lo) : a;
        })
        .Case([&](AbsOp) {
          Interval a = in(0);
          if (!a.known)
            return a;
          double lo = (a.lo <= 0 && a.hi >= 0) ? 0 : std::min(std::abs(a.lo), std::abs(a.hi));
          return Interval::of(lo, a.maxAbs());
        })
        .Case([&](ReluOp) {
          return monotone(in(0), [](double x) { return std::max(x, 0.0); });
        })
        .Case([&](LeakyReluOp o) {
          double alpha = o.getAlpha() ? o.getAlpha()->convertToDouble() : 0.01;
          return monotone(in(0), [&](double x) { return x < 0 ? alpha * x : x; });
        })
        .Case([&](EluOp o) {
          Interval a = in(0);
          double alpha = o.getAlpha() ? o.getAlpha()->convertToDouble() : 1.0;
          if (!a.known)
            return Interval::unknown();
          return monotone(a, [&](double x) { return x < 0 ? alpha * (std::exp(x) - 1) : x; });
        })
        .Case([&](SigmoidOp) { return Interval::of(0, 1, "sigmoid"); })
        .Case([&](HardSigmoidOp) { return Interval::of(0, 1, "hard_sigmoid"); })
        .Case([&](TanhOp) { return Interval::of(-1, 1, "tanh"); })
        .Case([&](ErfOp) { return Interval::of(-1, 1, "erf"); })
        .Case([&](SoftmaxOp) { return Interval::of(0, 1, "softmax"); })
        .Case([&](ExpOp) {
          return monotone(in(0), [](double x) { return std::exp(x); });
        })
        .Case([&](LogOp) {
          Interval a = in(0);
          if (!a.known || a.lo <= 0)
            return Interval::unknown();
          return monotone(a, [](double x) { return std::log(x); });
        })
        .Case([&](SqrtOp) {
          Interval a = in(0);
          if (!a.known || a.lo < 0)
            return Interval::unknown();
          return monotone(a, [](double x) { return std::sqrt(x); });
        })
        .Case([&](ReciprocalOp) {
          Interval a = in(0);
          if (!a.known || (a.lo <= 0 && a.hi >= 0))
            return Interval::unknown();
          return Interval::of(1.0 / a.hi, 1.0 / a.lo);
        })
        .Case([&](SoftplusOp) {
          return monotone(in(0), [](double x) { return std::log1p(std::exp(x)); });
        })
        .Case([&](GeluOp) {
          Interval a = in(0);
          if (!a.known)
            return a;
          return Interval::of(std::min(0.0, -0.17), std::max(a.hi, 0.0));
        })
        .Case([&](HardSwishOp) {
          Interval a = in(0);
          if (!a.known)
            return a;
          return Interval::of(-0.375, std::max(a.hi, 0.0));
        })
        .Case([&](ClipOp c) -> Interval {
          Interval a = in(0);
          double lo = -INFINITY, hi = INFINITY;
          if (c.getMin())
            lo = c.getMin()->convertToDouble();
          if (c.getMax())
            hi = c.getMax()->convertToDouble();
          if (c.getMinVal() && get(c.getMinVal()).known)
            lo = get(c.getMinVal()).lo;
          if (c.getMaxVal() && get(c.getMaxVal()).known)
            hi = get(c.getMaxVal()).hi;
          if (a.known) {
            // clip(x) = min(max(x, lo), hi), applied to the interval ends.
            double l = std::min(std::max(a.lo, lo), hi);
            double h = std::min(std::max(a.hi, lo), hi);
            return Interval::of(std::min(l, h), std::max(l, h));
          }
          if (std::isfinite(lo) && std::isfinite(hi) && lo <= hi)
            return Interval::of(lo, hi);
          return Interval::unknown();
        })
        .Case<MinOp, MaxOp, ConcatOp, WhereOp>([&](auto o) -> Interval {
          Interval acc;
          bool first = true;
          unsigned start = isa<WhereOp>(o.getOperation()) ? 1 : 0;
          for (unsigned i = start; i < op->getNumOperands(); ++i) {
            Interval r = in(i);
            acc = first ? r : hull(acc, r);
            first = false;
          }
          return acc;
        })
        .Case<ReshapeOp, FlattenOp, TransposeOp, SliceOp, GatherOp,
              GatherElementsOp, SqueezeOp, UnsqueezeOp, ExpandOp, TileOp,
              IdentityOp, DropoutOp, MaxPoolOp, AveragePoolOp,
              GlobalAveragePoolOp, ReduceMaxOp, ReduceMinOp, ReduceMeanOp,
              CastOp, SplitOp, TopKOp>([&](auto) { return in(0); })
        .Case([&](ResizeOp r) {
          Interval a = in(0);
          if (!a.known)
            return a;
          // Cubic interpolation overshoots, compounding over the resized
          // axes and growing with cubic_coeff_a: no simple sound bound.
          if (r.getMode() == "cubic")
            return Interval::unknown();
          return a;
        })
        .Case([&](PadOp p) {
          Interval a = in(0);
          Interval c = Interval::of(0, 0);
          if (p.getValue())
            c = Interval::of(p.getValue()->convertToDouble(),
                             p.getValue()->convertToDouble());
          if (p.getConstantValue())
            c = get(p.getConstantValue());
          return hull(a, c);
        })
        .Case([&](ReduceSumOp r) {
          Interval a = in(0);
          double n = exactElements(r.getData().getType());
          double m = exactElements(r.getReduced().getType());
          if (!a.known || n <= 0 || m <= 0)
            return Interval::unknown();
          double k = n / m;
          return Interval::of(std::min(0.0, a.lo * k), std::max(0.0, a.hi * k));
        })
        .Case([&](ReduceL2Op r) {
          Interval a = in(0);
          double n = exactElements(r.getData().getType());
          double m = exactElements(r.getReduced().getType());
          if (!a.known || n <= 0 || m <= 0)
            return Interval::unknown();
          return Interval::of(0, a.maxAbs() * std::sqrt(n / m));
        })
        .Case([&](LayerNormalizationOp ln) {
          int64_t n = trailingCount(ln.getX(), ln.getAxis().value_or(-1));
          return normalized(n, get(ln.getScale()),
                            ln.getB() ? get(ln.getB()) : Interval(),
                            (bool)ln.getB());
        })
        .Case([&](GroupNormalizationOp gn) {
          int64_t n = exactElements(gn.getX().getType());
          int64_t b = staticDim(gn.getX(), 0);
          if (n <= 0 || b <= 0)
            return Interval::unknown();
          return normalized(n / b / gn.getNumGroups(), get(gn.getScale()),
                            get(gn.getBias()), true);
        })
        .Case([&](InstanceNormalizationOp in2) {
          int64_t n = exactElements(in2.getInput().getType());
          int64_t b = staticDim(in2.getInput(), 0), c = staticDim(in2.getInput(), 1);
          if (n <= 0 || b <= 0 || c <= 0)
            return Interval::unknown();
          return normalized(n / b / c, get(in2.getScale()), get(in2.getB()), true);
        })
        .Case([&](BatchNormalizationOp bn) -> Interval {
          // Inference form: y = scale (x - mean) / sqrt(var + eps) + B.
          Interval x = get(bn.getX()), s = get(bn.getScale()),
                   b = get(bn.getB()), m = get(bn.getInputMean()),
                   v = get(bn.getInputVar());
          double eps = bn.getEpsilon() ? bn.getEpsilon()->convertToDouble() : 1e-5;
          if (!x.known || !s.known || !b.known || !m.known || !v.known ||
              v.lo + eps <= 0)
            return Interval::unknown();
          Interval centered = Interval::of(x.lo - m.hi, x.hi - m.lo);
          double inv = 1.0 / std::sqrt(v.lo + eps);
          Interval scaled = mulI(mulI(centered, Interval::of(-inv, inv)), s);
          return Interval::of(scaled.lo + b.lo, scaled.hi + b.hi);
        })
        .Case([&](MatMulOp m) {
          Interval a = in(0), b = in(1);
          int64_t k = staticDim(m.getA(), -1);
          if (!a.known || !b.known || k <= 0)
            return Interval::unknown();
          // With a constant 2-D right operand, |y_j| <= max|a| ||B[:, j]||_1.
          if (auto c = m.getB().getDefiningOp<ConstantOp>())
            if (double l1 = maxColumnL1(c.getValue()); l1 >= 0)
              return symmetric(a.maxAbs() * l1);
          return symmetric(double(k) * a.maxAbs() * b.maxAbs());
        })
        .Case([&](GemmOp g) {
          Interval a = in(0), b = in(1);
          int64_t k = staticDim(g.getA(), g.getTransA().value_or(0) ? 0 : 1);
          if (!a.known || !b.known || k <= 0)
            return Interval::unknown();
          double alpha = g.getAlpha() ? std::abs(g.getAlpha()->convertToDouble()) : 1.0;
          double beta = g.getBeta() ? std::abs(g.getBeta()->convertToDouble()) : 1.0;
          double bound = alpha * double(k) * a.maxAbs() * b.maxAbs();
          if (g.getC()) {
            Interval c = get(g.getC());
            if (!c.known)
              return Interval::unknown();
            bound += beta * c.maxAbs();
          }
          return symmetric(bound);
        })
        .Case([&](ConvOp c) {
          Interval x = in(0), w = in(1);
          auto wt = dyn_cast<RankedTensorType>(c.getW().getType());
          if (!x.known || !w.known || !wt || !wt.hasStaticShape())
            return Interval::unknown();
          double k = double(wt.getNumElements()) / wt.getDimSize(0);
          double bound = k * x.maxAbs() * w.maxAbs();
          if (c.getB()) {
            Interval b = get(c.getB());
            if (!b.known)
              return Interval::unknown();
            bound += b.maxAbs();
          }
          return symmetric(bound);
        })
        .Case<LSTMOp, GRUOp, RNNOp>([&](auto) -> Interval {
          // Hidden states are tanh/sigmoid-bounded by default activations.
          return Interval::unknown();
        })
        .Default([&](Operation *) { return Interval::unknown(); });
  }
};

} // namespace

llvm::DenseMap<Value, Interval>
mixprec::mp::computeRanges(ModuleOp module, const RangeOptions &options) {
  llvm::DenseMap<Value, Interval> ranges;
  RangeComputer rc{ranges};
  auto combine = [&](Value v, Interval iv) {
    if (options.observed)
      if (std::optional<Interval> seen = options.observed(v))
        iv = *seen;
    if (iv.known || ranges.count(v))
      ranges[v] = iv;
  };
  module.walk([&](func::FuncOp f) {
    for (unsigned i = 0; i < f.getNumArguments(); ++i) {
      auto name = f.getArgAttrOfType<StringAttr>(i, MpDialect::kNameAttr);
      Interval iv;
      if (name) {
        auto it = options.inputRanges.find(name.getValue());
        if (it != options.inputRanges.end())
          iv = it->second;
      }
      combine(f.getArgument(i), iv);
    }
  });
  module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (!isa<MpDialect>(op->getDialect()))
      return;
    Interval iv = rc.compute(op);
    if (iv.known && iv.source.empty())
      iv.source = op->getName().getStringRef().str();
    // LSTM/GRU/RNN: Y and Y_h are bounded by tanh; Y_c is not.
    if (isa<LSTMOp, GRUOp, RNNOp>(op)) {
      for (OpResult r : op->getResults())
        combine(r, Interval::unknown());
      return;
    }
    for (OpResult r : op->getResults())
      if (isa<FloatType>(getElementTypeOrSelf(r.getType())))
        combine(r, iv);
  });
  return ranges;
}
