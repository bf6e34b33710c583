//===- Recurrent.cpp - mp.rnn/gru/lstm to scf.for over time ---------------===//
//
// Each direction is one scf.for over the time steps carrying the hidden
// state (and the LSTM cell), and a step-major buffer of outputs:
//
//   x_t    = X[t(b), b, :]                 (a gather: with sequence_lens the
//                                           reverse direction starts at
//                                           len[b] - 1 for each batch row)
//   XW, HR = x_t W^T, h R^T                (linalg.generic contractions,
//                                           f32 accumulation for f16/bf16)
//   gates  = one element-wise linalg.generic over [batch, hidden] reading
//            XW/HR/B/P at gate offsets through its indexing maps
//
// Rows past a batch entry's sequence length keep their state and output 0.
// After the loop the outputs are permuted into Y's layout (layout 0 or 1),
// and Y_h/Y_c are the final states. Gate math runs in the accumulator type;
// states are stored in the op's element type, as the op's precision says.
//
//===----------------------------------------------------------------------===//

#include "PatternUtils.h"

#include "mixprec/Dialect/Mp/IR/MpDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mixprec::mp;
using namespace mixprec::detail;
using utils::IteratorType;

namespace {

using Activation = RecurrentActivation;

/// `x` through activation `a`, in x's (float) type.
Value applyActivation(OpBuilder &b, Location l, const Activation &a, Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return floatConst(b, l, t, v); };
  auto mul = [&](Value p, Value q) { return arith::MulFOp::create(b, l, p, q).getResult(); };
  auto add = [&](Value p, Value q) { return arith::AddFOp::create(b, l, p, q).getResult(); };
  auto sel = [&](arith::CmpFPredicate p, Value lhs, Value rhs, Value yes, Value no) {
    Value cond = arith::CmpFOp::create(b, l, p, lhs, rhs);
    return arith::SelectOp::create(b, l, cond, yes, no).getResult();
  };
  const std::string &n = a.name;
  if (n == "Tanh")
    return math::TanhOp::create(b, l, x);
  if (n == "Sigmoid")
    return arith::DivFOp::create(
        b, l, c(1.0), add(c(1.0), math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x))));
  if (n == "Relu")
    return arith::MaximumFOp::create(b, l, x, c(0.0));
  if (n == "Affine")
    return add(mul(c(a.alpha), x), c(a.beta));
  if (n == "LeakyRelu")
    return sel(arith::CmpFPredicate::OGE, x, c(0.0), x, mul(c(a.alpha), x));
  if (n == "ThresholdedRelu")
    return sel(arith::CmpFPredicate::OGT, x, c(a.alpha), x, c(0.0));
  if (n == "ScaledTanh")
    return mul(c(a.alpha), math::TanhOp::create(b, l, mul(c(a.beta), x)));
  if (n == "HardSigmoid")
    return arith::MaximumFOp::create(
        b, l, c(0.0),
        arith::MinimumFOp::create(b, l, c(1.0), add(mul(c(a.alpha), x), c(a.beta))));
  if (n == "Elu")
    return sel(arith::CmpFPredicate::OGE, x, c(0.0), x,
               mul(c(a.alpha), arith::SubFOp::create(b, l, math::ExpOp::create(b, l, x), c(1.0))));
  if (n == "Softsign")
    return arith::DivFOp::create(b, l, x, add(c(1.0), math::AbsFOp::create(b, l, x)));
  if (n == "Softplus")
    return math::Log1pOp::create(b, l, math::ExpOp::create(b, l, x));
  return Value();
}

/// The operands and attributes shared by RNN, GRU and LSTM.
struct RecurrentInfo {
  Value X, W, R, B, lens, h0, c0, P;
  int64_t gates;              // 1, 3 or 4
  int64_t hidden, seq, batch, input, dirs;
  bool layout1;
  std::optional<double> clip;
  SmallVector<Activation> acts; // per direction, in ONNX order
  Type elem, acc;
};

/// Builds one RNN/GRU/LSTM; `Kind` selects the gate equations.
class RecurrentBuilder {
public:
  enum Kind { Rnn, Gru, Lstm };
  RecurrentBuilder(OpBuilder &b, Location loc, const RecurrentInfo &info, Kind kind,
                   bool linearBeforeReset)
      : b(b), loc(loc), in(info), kind(kind), lbr(linearBeforeReset),
        ctx(b.getContext()) {}

  /// Runs every direction; fills `hFinal`/`cFinal`/`ys` per direction.
  void build(SmallVectorImpl<Value> &hFinal, SmallVectorImpl<Value> &cFinal,
             SmallVectorImpl<Value> &ys, ArrayRef<bool> reverse) {
    for (int64_t d = 0; d < in.dirs; ++d)
      runDirection(d, reverse[d], hFinal, cFinal, ys);
  }

private:
  OpBuilder &b;
  Location loc;
  const RecurrentInfo &in;
  Kind kind;
  bool lbr;
  MLIRContext *ctx;

  AffineExpr dim(unsigned i) { return getAffineDimExpr(i, ctx); }
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  RankedTensorType bh(Type e) { return RankedTensorType::get({in.batch, in.hidden}, e); }

  /// The initial state of direction `d` from `init` ([dirs, B, H], or
  /// [B, dirs, H] for layout 1), or zeros.
  Value initialState(Value init, int64_t d) {
    if (!init) {
      Value e = tensor::EmptyOp::create(b, loc, bh(in.elem).getShape(), in.elem);
      return linalg::FillOp::create(b, loc, floatConst(b, loc, in.elem, 0.0), e)
          .getResult(0);
    }
    SmallVector<OpFoldResult> offs = {b.getIndexAttr(in.layout1 ? 0 : d),
                                      b.getIndexAttr(in.layout1 ? d : 0),
                                      b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {
        b.getIndexAttr(in.layout1 ? in.batch : 1),
        b.getIndexAttr(in.layout1 ? 1 : in.batch), b.getIndexAttr(in.hidden)};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, bh(in.elem), init, offs, sizes, strides);
  }

  /// The sequence length of batch row b as an index (seq without lens).
  Value lenOf(OpBuilder &nb, Location l, Value bIdx) {
    if (!in.lens)
      return arith::ConstantIndexOp::create(nb, l, in.seq);
    Value v = tensor::ExtractOp::create(nb, l, in.lens, ValueRange{bIdx});
    return arith::IndexCastOp::create(nb, l, nb.getIndexType(), v);
  }

  /// Time index processed at step `s` for batch row `bIdx`.
  Value timeOf(OpBuilder &nb, Location l, Value s, Value bIdx, bool rev) {
    if (!rev)
      return s;
    Value len = lenOf(nb, l, bIdx);
    Value one = arith::ConstantIndexOp::create(nb, l, 1);
    return arith::SubIOp::create(nb, l, arith::SubIOp::create(nb, l, len, one), s);
  }

  /// x_t: [B, I] gathered from X at each row's time index (clamped; rows
  /// past their length are masked later).
  Value stepInput(Value s, bool rev) {
    auto t = RankedTensorType::get({in.batch, in.input},
                                   cast<RankedTensorType>(in.X.getType()).getElementType());
    Value init = tensor::EmptyOp::create(b, loc, t.getShape(), t.getElementType());
    SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(2, ctx)};
    return linalg::GenericOp::create(
               b, loc, TypeRange{t}, ValueRange{}, ValueRange{init}, maps,
               SmallVector<IteratorType>(2, IteratorType::parallel),
               [&](OpBuilder &nb, Location l, ValueRange) {
                 Value bi = linalg::IndexOp::create(nb, l, 0);
                 Value ii = linalg::IndexOp::create(nb, l, 1);
                 Value ti = timeOf(nb, l, s, bi, rev);
                 Value zero = arith::ConstantIndexOp::create(nb, l, 0);
                 Value hi = arith::ConstantIndexOp::create(nb, l, in.seq - 1);
                 ti = arith::MaxSIOp::create(nb, l, zero,
                                             arith::MinSIOp::create(nb, l, ti, hi));
                 SmallVector<Value> at = in.layout1 ? SmallVector<Value>{bi, ti, ii}
                                                    : SmallVector<Value>{ti, bi, ii};
                 linalg::YieldOp::create(
                     nb, l, tensor::ExtractOp::create(nb, l, in.X, at).getResult());
               })
        .getResult(0);
  }

  /// y[b, j] = sum_k x[b, k] * w[d, off + j, k] for j < rows, in the
  /// accumulator type (w is W or R: [dirs, gates * H, K]).
  Value matmulT(Value x, Value w, int64_t d, int64_t off, int64_t rows) {
    auto yt = RankedTensorType::get({in.batch, rows}, in.acc);
    Value init = tensor::EmptyOp::create(b, loc, yt.getShape(), in.acc);
    init = linalg::FillOp::create(b, loc, floatConst(b, loc, in.acc, 0.0), init).getResult(0);
    // Rows [off, off + rows) of w[d] as a [rows, K] slice.
    auto wt = cast<RankedTensorType>(w.getType());
    int64_t k = wt.getDimSize(2);
    SmallVector<OpFoldResult> offs = {b.getIndexAttr(d), b.getIndexAttr(off),
                                      b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(rows),
                                       b.getIndexAttr(k)};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    w = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({rows, k}, wt.getElementType()), w, offs, sizes,
        strides);
    SmallVector<AffineMap> maps = {
        AffineMap::get(3, 0, {dim(0), dim(2)}, ctx),
        AffineMap::get(3, 0, {dim(1), dim(2)}, ctx),
        AffineMap::get(3, 0, {dim(0), dim(1)}, ctx)};
    return linalg::GenericOp::create(
               b, loc, TypeRange{yt}, ValueRange{x, w}, ValueRange{init}, maps,
               {IteratorType::parallel, IteratorType::parallel, IteratorType::reduction},
               [&](OpBuilder &nb, Location l, ValueRange a) {
                 Value p = arith::MulFOp::create(nb, l, convertScalar(nb, l, a[0], in.acc),
                                                 convertScalar(nb, l, a[1], in.acc));
                 linalg::YieldOp::create(nb, l,
                                         arith::AddFOp::create(nb, l, a[2], p).getResult());
               })
        .getResult(0);
  }

  /// Columns [off, off + H) of a [B, rows] tensor, as [B, H]. (Reading
  /// through an offset indexing map instead would make linalg infer the
  /// loop range from the wider tensor.)
  Value gateSlice(Value v, int64_t off) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<OpFoldResult> offs = {b.getIndexAttr(0), b.getIndexAttr(off)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(in.batch), b.getIndexAttr(in.hidden)};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({in.batch, in.hidden}, t.getElementType()), v, offs,
        sizes, strides);
  }
  /// Elements [off, off + H) of row d of a [dirs, n] bias/peephole, as [H].
  Value paramSlice(Value v, int64_t d, int64_t off) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<OpFoldResult> offs = {b.getIndexAttr(d), b.getIndexAttr(off)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(in.hidden)};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({in.hidden}, t.getElementType()), v, offs, sizes,
        strides);
  }
  AffineMap rowMap() { return AffineMap::get(2, 0, {dim(1)}, ctx); }
  AffineMap idMap() { return AffineMap::getMultiDimIdentityMap(2, ctx); }

  /// An element-wise generic over [B, H] with `ins` read through `maps`,
  /// yielding `outTypes.size()` values of those element types.
  SmallVector<Value>
  gateGeneric(ArrayRef<Value> ins, ArrayRef<AffineMap> maps, ArrayRef<Type> outTypes,
              llvm::function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> fn) {
    SmallVector<Value> outs;
    SmallVector<Type> types;
    SmallVector<AffineMap> all(maps);
    for (Type t : outTypes) {
      outs.push_back(tensor::EmptyOp::create(b, loc, bh(t).getShape(), t));
      types.push_back(bh(t));
      all.push_back(idMap());
    }
    auto g = linalg::GenericOp::create(
        b, loc, types, ins, outs, all, SmallVector<IteratorType>(2, IteratorType::parallel),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          SmallVector<Value> r = fn(nb, l, a.take_front(ins.size()));
          linalg::YieldOp::create(nb, l, r);
        });
    return SmallVector<Value>(g.getResults().begin(), g.getResults().end());
  }

  void runDirection(int64_t d, bool rev, SmallVectorImpl<Value> &hFinal,
                    SmallVectorImpl<Value> &cFinal, SmallVectorImpl<Value> &ys) {
    int64_t H = in.hidden, G = in.gates;
    int64_t nActs = kind == Lstm ? 3 : kind == Gru ? 2 : 1;
    ArrayRef<Activation> acts = ArrayRef<Activation>(in.acts).slice(d * nActs, nActs);
    Value h0 = initialState(in.h0, d);
    Value c0 = kind == Lstm ? initialState(in.c0, d) : Value();
    auto ysType = RankedTensorType::get({in.seq, in.batch, H}, in.elem);
    Value ysInit = tensor::EmptyOp::create(b, loc, ysType.getShape(), in.elem);
    SmallVector<Value> inits = {h0};
    if (c0)
      inits.push_back(c0);
    inits.push_back(ysInit);
    auto loop = scf::ForOp::create(
        b, loc, idx(0), idx(in.seq), idx(1), inits,
        [&](OpBuilder &, Location, Value s, ValueRange carried) {
          Value h = carried[0];
          Value c = c0 ? carried[1] : Value();
          Value ysAcc = carried.back();
          Value xt = stepInput(s, rev);
          Value xw = matmulT(xt, in.W, d, 0, G * H);
          auto clip = [&](OpBuilder &nb, Location l, Value v) {
            if (!in.clip)
              return v;
            Value lim = floatConst(nb, l, in.acc, *in.clip);
            Value nlim = floatConst(nb, l, in.acc, -*in.clip);
            return arith::MinimumFOp::create(
                       nb, l, arith::MaximumFOp::create(nb, l, v, nlim), lim)
                .getResult();
          };
          // Common inputs of the final gate generic: [h, (c), lens] first.
          SmallVector<Value> ins;
          SmallVector<AffineMap> maps;
          auto addIn = [&](Value v, AffineMap m) {
            ins.push_back(v);
            maps.push_back(m);
            return ins.size() - 1;
          };
          auto sum = [&](OpBuilder &nb, Location l, ArrayRef<Value> vs) {
            Value r;
            for (Value v : vs) {
              if (!v)
                continue;
              Value x = convertScalar(nb, l, v, in.acc);
              r = r ? arith::AddFOp::create(nb, l, r, x).getResult() : x;
            }
            return r;
          };
          size_t iH = addIn(h, idMap());
          size_t iC = c ? addIn(c, idMap()) : 0;
          // Per gate g: XW, HR, Wb, Rb slots (-1 when absent).
          auto addGate = [&](Value hr, int64_t g, int64_t hrOff) {
            std::array<int64_t, 4> slot = {-1, -1, -1, -1};
            slot[0] = addIn(gateSlice(xw, g * H), idMap());
            if (hr)
              slot[1] = addIn(gateSlice(hr, hrOff), idMap());
            if (in.B) {
              slot[2] = addIn(paramSlice(in.B, d, g * H), rowMap());
              slot[3] = addIn(paramSlice(in.B, d, (G + g) * H), rowMap());
            }
            return slot;
          };
          auto val = [](ValueRange a, int64_t i) { return i < 0 ? Value() : a[i]; };
          SmallVector<Value> next;
          Value yOut;

          if (kind == Rnn) {
            Value hr = matmulT(h, in.R, d, 0, H);
            auto gi = addGate(hr, 0, 0);
            SmallVector<Value> r = gateGeneric(
                ins, maps, {in.elem}, [&](OpBuilder &nb, Location l, ValueRange a) {
                  Value pre = sum(nb, l, {val(a, gi[0]), val(a, gi[1]), val(a, gi[2]),
                                          val(a, gi[3])});
                  Value hn = applyActivation(nb, l, acts[0], clip(nb, l, pre));
                  return SmallVector<Value>{convertScalar(nb, l, hn, in.elem)};
                });
            next.push_back(r[0]);
          } else if (kind == Gru) {
            // Gates z, r, h (offsets 0, H, 2H).
            Value hrZR = matmulT(h, in.R, d, 0, lbr ? 3 * H : 2 * H);
            auto gz = addGate(hrZR, 0, 0);
            auto gr = addGate(hrZR, 1, H);
            auto f = acts[0], gAct = acts[1];
            Value hrH;
            if (!lbr) {
              // (r . h) R_h^T needs r first.
              SmallVector<Value> rh = gateGeneric(
                  ins, maps, {in.acc}, [&](OpBuilder &nb, Location l, ValueRange a) {
                    Value r = applyActivation(
                        nb, l, f,
                        clip(nb, l, sum(nb, l, {val(a, gr[0]), val(a, gr[1]),
                                                 val(a, gr[2]), val(a, gr[3])})));
                    Value hv = convertScalar(nb, l, a[iH], in.acc);
                    return SmallVector<Value>{arith::MulFOp::create(nb, l, r, hv).getResult()};
                  });
              hrH = matmulT(rh[0], in.R, d, 2 * H, H);
            }
            int64_t iXh = addIn(gateSlice(xw, 2 * H), idMap());
            int64_t iHh = lbr ? addIn(gateSlice(hrZR, 2 * H), idMap()) : addIn(hrH, idMap());
            int64_t iWbh = in.B ? (int64_t)addIn(paramSlice(in.B, d, 2 * H), rowMap()) : -1;
            int64_t iRbh = in.B ? (int64_t)addIn(paramSlice(in.B, d, (G + 2) * H), rowMap()) : -1;
            SmallVector<Value> r = gateGeneric(
                ins, maps, {in.elem}, [&](OpBuilder &nb, Location l, ValueRange a) {
                  Value z = applyActivation(
                      nb, l, f,
                      clip(nb, l, sum(nb, l, {val(a, gz[0]), val(a, gz[1]), val(a, gz[2]),
                                               val(a, gz[3])})));
                  Value pre;
                  if (lbr) {
                    Value rg = applyActivation(
                        nb, l, f,
                        clip(nb, l, sum(nb, l, {val(a, gr[0]), val(a, gr[1]),
                                                 val(a, gr[2]), val(a, gr[3])})));
                    Value inner = sum(nb, l, {val(a, iHh), val(a, iRbh)});
                    pre = sum(nb, l, {val(a, iXh), val(a, iWbh),
                                      arith::MulFOp::create(nb, l, rg, inner).getResult()});
                  } else {
                    pre = sum(nb, l, {val(a, iXh), val(a, iHh), val(a, iWbh), val(a, iRbh)});
                  }
                  Value ht = applyActivation(nb, l, gAct, clip(nb, l, pre));
                  Value hv = convertScalar(nb, l, a[iH], in.acc);
                  Value one = floatConst(nb, l, in.acc, 1.0);
                  Value hn = arith::AddFOp::create(
                      nb, l,
                      arith::MulFOp::create(nb, l, arith::SubFOp::create(nb, l, one, z), ht),
                      arith::MulFOp::create(nb, l, z, hv));
                  return SmallVector<Value>{convertScalar(nb, l, hn, in.elem)};
                });
            next.push_back(r[0]);
          } else {
            // Gates i, o, f, c (offsets 0, H, 2H, 3H); peepholes i, o, f.
            Value hr = matmulT(h, in.R, d, 0, 4 * H);
            auto gi = addGate(hr, 0, 0);
            auto go = addGate(hr, 1, H);
            auto gf = addGate(hr, 2, 2 * H);
            auto gc = addGate(hr, 3, 3 * H);
            int64_t pI = in.P ? (int64_t)addIn(paramSlice(in.P, d, 0), rowMap()) : -1;
            int64_t pO = in.P ? (int64_t)addIn(paramSlice(in.P, d, H), rowMap()) : -1;
            int64_t pF = in.P ? (int64_t)addIn(paramSlice(in.P, d, 2 * H), rowMap()) : -1;
            auto f = acts[0], g = acts[1], hAct = acts[2];
            SmallVector<Value> r = gateGeneric(
                ins, maps, {in.elem, in.elem}, [&](OpBuilder &nb, Location l, ValueRange a) {
                  Value cp = convertScalar(nb, l, a[iC], in.acc);
                  auto peep = [&](int64_t p, Value cell) -> Value {
                    if (p < 0)
                      return Value();
                    return arith::MulFOp::create(nb, l, convertScalar(nb, l, a[p], in.acc),
                                                 cell);
                  };
                  auto gate = [&](std::array<int64_t, 4> s, Value extra) {
                    return clip(nb, l, sum(nb, l, {val(a, s[0]), val(a, s[1]), val(a, s[2]),
                                                   val(a, s[3]), extra}));
                  };
                  Value ig = applyActivation(nb, l, f, gate(gi, peep(pI, cp)));
                  Value fg = applyActivation(nb, l, f, gate(gf, peep(pF, cp)));
                  Value cg = applyActivation(nb, l, g, gate(gc, Value()));
                  Value cn = arith::AddFOp::create(nb, l, arith::MulFOp::create(nb, l, fg, cp),
                                                   arith::MulFOp::create(nb, l, ig, cg));
                  Value og = applyActivation(nb, l, f, gate(go, peep(pO, cn)));
                  Value hn = arith::MulFOp::create(nb, l, og, applyActivation(nb, l, hAct, cn));
                  return SmallVector<Value>{convertScalar(nb, l, hn, in.elem),
                                            convertScalar(nb, l, cn, in.elem)};
                });
            next.push_back(r[0]);
            next.push_back(r[1]);
          }

          // Rows at or past their sequence length keep their state; their
          // output row is 0.
          SmallVector<Value> prev = {h};
          if (c)
            prev.push_back(c);
          SmallVector<Value> mins = next;
          llvm::append_range(mins, prev);
          SmallVector<AffineMap> mmaps(mins.size(), idMap());
          SmallVector<Type> mtypes(next.size(), in.elem);
          mtypes.push_back(in.elem);
          size_t nState = next.size();
          SmallVector<Value> masked = gateGeneric(
              mins, mmaps, mtypes, [&](OpBuilder &nb, Location l, ValueRange a) {
                Value bi = linalg::IndexOp::create(nb, l, 0);
                Value valid = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, s,
                                                    lenOf(nb, l, bi));
                SmallVector<Value> r;
                for (size_t k = 0; k < nState; ++k)
                  r.push_back(arith::SelectOp::create(nb, l, valid, a[k], a[nState + k]));
                r.push_back(arith::SelectOp::create(nb, l, valid, a[0],
                                                    floatConst(nb, l, in.elem, 0.0)));
                return r;
              });
          yOut = masked.back();
          SmallVector<Value> yields(masked.begin(), masked.begin() + nState);
          SmallVector<OpFoldResult> offs = {s, b.getIndexAttr(0), b.getIndexAttr(0)};
          SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(in.batch),
                                             b.getIndexAttr(H)};
          SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
          yields.push_back(tensor::InsertSliceOp::create(b, loc, yOut, ysAcc, offs, sizes,
                                                         strides));
          scf::YieldOp::create(b, loc, yields);
        });
    hFinal.push_back(loop.getResult(0));
    if (c0)
      cFinal.push_back(loop.getResult(1));
    ys.push_back(loop.getResults().back());
  }
};

/// Y from the per-direction step-major outputs: Y[t, d, b, j] (layout 0) or
/// Y[b, t, d, j] (layout 1) = ys_d[s(t, b), b, j] where s is t forward and
/// len[b] - 1 - t in reverse; 0 for t >= len[b].
Value assembleY(OpBuilder &b, Location loc, const RecurrentInfo &in, ArrayRef<Value> ys,
                ArrayRef<bool> reverse, RankedTensorType yType) {
  Value init = tensor::EmptyOp::create(b, loc, yType.getShape(), yType.getElementType());
  int64_t tDim = in.layout1 ? 1 : 0, dDim = in.layout1 ? 2 : 1, bDim = in.layout1 ? 0 : 2;
  return linalg::GenericOp::create(
             b, loc, TypeRange{yType}, ValueRange{}, ValueRange{init},
             SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(4, b.getContext())},
             SmallVector<IteratorType>(4, IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange) {
               Value t = linalg::IndexOp::create(nb, l, tDim);
               Value d = linalg::IndexOp::create(nb, l, dDim);
               Value bi = linalg::IndexOp::create(nb, l, bDim);
               Value j = linalg::IndexOp::create(nb, l, 3);
               Value len = arith::ConstantIndexOp::create(nb, l, in.seq);
               if (in.lens)
                 len = arith::IndexCastOp::create(
                     nb, l, nb.getIndexType(),
                     tensor::ExtractOp::create(nb, l, in.lens, ValueRange{bi}));
               Value zero = arith::ConstantIndexOp::create(nb, l, 0);
               Value one = arith::ConstantIndexOp::create(nb, l, 1);
               Value valid = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, t, len);
               Value r;
               for (int64_t k = (int64_t)ys.size() - 1; k >= 0; --k) {
                 Value s = t;
                 if (reverse[k])
                   s = arith::SubIOp::create(nb, l, arith::SubIOp::create(nb, l, len, one), t);
                 s = arith::MaxSIOp::create(
                     nb, l, zero,
                     arith::MinSIOp::create(nb, l, s,
                                            arith::ConstantIndexOp::create(nb, l, in.seq - 1)));
                 Value v = tensor::ExtractOp::create(nb, l, ys[k], ValueRange{s, bi, j});
                 if (!r) {
                   r = v;
                   continue;
                 }
                 Value isK = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, d,
                                                   arith::ConstantIndexOp::create(nb, l, k));
                 r = arith::SelectOp::create(nb, l, isK, v, r);
               }
               r = arith::SelectOp::create(nb, l, valid, r,
                                           floatConst(nb, l, yType.getElementType(), 0.0));
               linalg::YieldOp::create(nb, l, r);
             })
      .getResult(0);
}

/// Y_h / Y_c: [dirs, B, H] (layout 0) or [B, dirs, H] (layout 1).
Value assembleFinal(OpBuilder &b, Location loc, const RecurrentInfo &in,
                    ArrayRef<Value> finals, RankedTensorType type) {
  Value out = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  for (int64_t d = 0; d < (int64_t)finals.size(); ++d) {
    SmallVector<OpFoldResult> offs = {b.getIndexAttr(in.layout1 ? 0 : d),
                                      b.getIndexAttr(in.layout1 ? d : 0), b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(in.layout1 ? in.batch : 1),
                                       b.getIndexAttr(in.layout1 ? 1 : in.batch),
                                       b.getIndexAttr(in.hidden)};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    out = tensor::InsertSliceOp::create(b, loc, finals[d], out, offs, sizes, strides);
  }
  return out;
}

template <typename OpT>
struct RecurrentPattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  using OpAdaptor = typename OpT::Adaptor;

  LogicalResult
  matchAndRewrite(OpT op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    constexpr bool isLstm = std::is_same_v<OpT, LSTMOp>;
    constexpr bool isGru = std::is_same_v<OpT, GRUOp>;
    RecurrentInfo in;
    in.X = adaptor.getX();
    in.W = adaptor.getW();
    in.R = adaptor.getR();
    in.B = adaptor.getB();
    in.lens = adaptor.getSequenceLens();
    in.h0 = adaptor.getInitialH();
    if constexpr (isLstm) {
      in.c0 = adaptor.getInitialC();
      in.P = adaptor.getP();
      if (op.getInputForget().value_or(0) != 0)
        return rewriter.notifyMatchFailure(op, "input_forget=1 is not lowered");
    }
    in.gates = isLstm ? 4 : isGru ? 3 : 1;
    auto xt = dyn_cast<RankedTensorType>(in.X.getType());
    auto wt = dyn_cast<RankedTensorType>(in.W.getType());
    auto rt = dyn_cast<RankedTensorType>(in.R.getType());
    if (!xt || !wt || !rt || !xt.hasStaticShape() || !wt.hasStaticShape() ||
        !rt.hasStaticShape() || xt.getRank() != 3 || !isFloatLike(xt.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs static float X, W, R");
    for (Value v : {in.B, in.h0, in.c0, in.P})
      if (v && !cast<RankedTensorType>(v.getType()).hasStaticShape())
        return rewriter.notifyMatchFailure(op, "needs static optional inputs");
    if (in.lens && !cast<RankedTensorType>(in.lens.getType()).hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static sequence_lens");
    in.layout1 = op.getLayout().value_or(0) != 0;
    in.seq = xt.getDimSize(in.layout1 ? 1 : 0);
    in.batch = xt.getDimSize(in.layout1 ? 0 : 1);
    in.input = xt.getDimSize(2);
    in.dirs = wt.getDimSize(0);
    in.hidden = rt.getDimSize(2);
    in.elem = xt.getElementType();
    in.acc = accumulatorFor(in.elem);
    if (auto c = op.getClip())
      in.clip = c->convertToDouble();
    StringRef dir = op.getDirection().value_or("forward");
    SmallVector<bool> reverse;
    if (dir == "forward")
      reverse = {false};
    else if (dir == "reverse")
      reverse = {true};
    else if (dir == "bidirectional")
      reverse = {false, true};
    else
      return rewriter.notifyMatchFailure(op, "unknown direction");
    if ((int64_t)reverse.size() != in.dirs || in.seq < 1)
      return rewriter.notifyMatchFailure(op, "direction does not match W");
    SmallVector<StringRef> defaults =
        isLstm ? SmallVector<StringRef>{"Sigmoid", "Tanh", "Tanh"}
        : isGru ? SmallVector<StringRef>{"Sigmoid", "Tanh"}
                : SmallVector<StringRef>{"Tanh"};
    auto acts = parseRecurrentActivations(op.getActivations(), op.getActivationAlpha(),
                                 op.getActivationBeta(), defaults, in.dirs);
    if (failed(acts))
      return rewriter.notifyMatchFailure(op, "unsupported activations");
    in.acts = *acts;
    for (Value v : {in.W, in.R, in.B, in.h0, in.c0, in.P})
      if (v && cast<RankedTensorType>(v.getType()).getElementType() != in.elem)
        return rewriter.notifyMatchFailure(op, "mixed element types");

    bool lbr = false;
    if constexpr (isGru)
      lbr = op.getLinearBeforeReset().value_or(0) != 0;
    RecurrentBuilder::Kind kind = isLstm  ? RecurrentBuilder::Lstm
                                  : isGru ? RecurrentBuilder::Gru
                                          : RecurrentBuilder::Rnn;
    Location loc = op.getLoc();
    RecurrentBuilder builder(rewriter, loc, in, kind, lbr);
    SmallVector<Value> hFinal, cFinal, ys;
    builder.build(hFinal, cFinal, ys, reverse);

    SmallVector<Value> results;
    if (Value y = op.getY()) {
      auto t = dyn_cast<RankedTensorType>(y.getType());
      if (!t || !t.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "Y needs a static type");
      results.push_back(assembleY(rewriter, loc, in, ys, reverse, t));
    }
    if (Value yh = op.getYH())
      results.push_back(assembleFinal(rewriter, loc, in, hFinal,
                                      cast<RankedTensorType>(yh.getType())));
    if constexpr (isLstm)
      if (Value yc = op.getYC())
        results.push_back(assembleFinal(rewriter, loc, in, cFinal,
                                        cast<RankedTensorType>(yc.getType())));
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mixprec::detail::populateRecurrentPatterns(RewritePatternSet &patterns) {
  patterns.add<RecurrentPattern<RNNOp>, RecurrentPattern<GRUOp>,
               RecurrentPattern<LSTMOp>>(patterns.getContext());
}
