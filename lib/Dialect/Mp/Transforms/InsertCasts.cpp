//===- InsertCasts.cpp - mp-insert-casts ----------------------------------===//
//
// Materialises the decisions of mp-assign-precision. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Dialect/Mp/Transforms/Autocast.h"
#include "mixprec/Dialect/Mp/Transforms/FloatConversion.h"
#include "mixprec/Dialect/Mp/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

namespace mixprec::mp {
#define GEN_PASS_DEF_MPINSERTCASTS
#include "mixprec/Dialect/Mp/Transforms/Passes.h.inc"
} // namespace mixprec::mp

using namespace mlir;
using namespace mixprec::mp;

namespace {

bool isFloatTensor(Type t) {
  Type e = getElementTypeOrSelf(t);
  return e.isF32() || e.isF16() || e.isBF16();
}

Type withElement(Type t, Type elem) {
  if (auto r = dyn_cast<RankedTensorType>(t))
    return RankedTensorType::get(r.getShape(), elem, r.getEncoding());
  if (isa<UnrankedTensorType>(t))
    return UnrankedTensorType::get(elem);
  return t;
}

std::string typeName(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

struct MpInsertCastsPass
    : mixprec::mp::impl::MpInsertCastsBase<MpInsertCastsPass> {
  using MpInsertCastsBase::MpInsertCastsBase;

  void runOnOperation() override;

  Value convert(Value v, Type elem);
  Value convertConstant(ConstantOp c, Type elem);

  DenseMap<std::pair<Value, Type>, Value> cache;
  /// Converted constants: original -> copies.
  llvm::MapVector<Operation *, SmallVector<ConstantOp>> converted;
};

Value MpInsertCastsPass::convertConstant(ConstantOp c, Type elem) {
  ElementsAttr value = c.getValue();
  auto type = cast<RankedTensorType>(value.getType());
  const llvm::fltSemantics &sem = cast<FloatType>(elem).getFloatSemantics();
  unsigned bits = elem.getIntOrFloatBitWidth();
  int64_t n = type.getNumElements();
  std::vector<char> out(n * bits / 8);
  int64_t clamped = 0, flushed = 0, subnormal = 0, overflow = 0, i = 0;
  double maxErr = 0;
  APFloat largest = APFloat::getLargest(sem);
  Type from = type.getElementType();
  bool fast = from.isF32() && (elem.isF16() || elem.isBF16());
  bool ok = forEachFloatValue(value, [&](double d) {
    if (fast) {
      // Bit-exact with APFloat (see FloatConversion.h), much faster.
      float fv = static_cast<float>(d);
      uint16_t hbits = elem.isF16() ? f32ToF16Bits(fv) : f32ToBF16Bits(fv);
      uint16_t expMask = elem.isF16() ? 0x7c00 : 0x7f80;
      bool isInf = (hbits & 0x7fff) == expMask;
      if (isInf && std::isfinite(d)) {
        if (clampConstants) {
          hbits = (hbits & 0x8000) | (elem.isF16() ? 0x7bff : 0x7f7f);
          ++clamped;
        } else {
          ++overflow;
        }
      }
      if ((hbits & 0x7fff) == 0 && d != 0)
        ++flushed; // the sign survives: -tiny becomes -0.0
      else if ((hbits & expMask) == 0 && (hbits & 0x7fff) != 0)
        ++subnormal;
      double back = elem.isF16() ? f16BitsToF32(hbits) : bf16BitsToF32(hbits);
      if (std::isfinite(back) && std::isfinite(d))
        maxErr = std::max(maxErr, std::abs(back - d));
      std::memcpy(out.data() + i * 2, &hbits, 2);
      ++i;
      return;
    }
    APFloat f(d);
    bool losesInfo;
    f.convert(sem, APFloat::rmNearestTiesToEven, &losesInfo);
    if (f.isInfinity() && std::isfinite(d)) {
      if (clampConstants) {
        f = largest;
        if (d < 0)
          f.changeSign();
        ++clamped;
      } else {
        ++overflow;
      }
    }
    if (f.isZero() && d != 0)
      ++flushed;
    else if (f.isDenormal())
      ++subnormal;
    double back = f.convertToDouble();
    if (std::isfinite(back) && std::isfinite(d))
      maxErr = std::max(maxErr, std::abs(back - d));
    uint64_t raw = f.bitcastToAPInt().getZExtValue();
    std::memcpy(out.data() + i * (bits / 8), &raw, bits / 8);
    ++i;
  });
  if (!ok || overflow > 0)
    return Value(); // keep FP32 and cast at run time

  OpBuilder b(c);
  b.setInsertionPointAfter(c);
  auto newType = RankedTensorType::get(type.getShape(), elem);
  ElementsAttr attr;
  std::string name = c.getInitializer() ? c.getInitializer()->str() : "";
  if ((int64_t)out.size() > 64 || c.getInitializer()) {
    std::string key = (name.empty() ? "constant" : name) + "_" + typeName(elem);
    for (char &ch : key)
      if (!llvm::isAlnum(ch) && ch != '_' && ch != '.')
        ch = '_';
    attr = DenseResourceElementsAttr::get(
        newType, key,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(
            ArrayRef<char>(out.data(), out.size()), bits / 8));
  } else {
    attr = DenseElementsAttr::getFromRawBuffer(
        newType, ArrayRef<char>(out.data(), out.size()));
  }
  auto nc = ConstantOp::create(
      b, c.getLoc(), newType, attr,
      name.empty() ? StringAttr() : b.getStringAttr(name + "_" + typeName(elem)));
  nc->setAttr("mp.conversion",
              b.getDictionaryAttr({
                  b.getNamedAttr("from", TypeAttr::get(type.getElementType())),
                  b.getNamedAttr("clamped", b.getI64IntegerAttr(clamped)),
                  b.getNamedAttr("flushed_to_zero", b.getI64IntegerAttr(flushed)),
                  b.getNamedAttr("subnormal", b.getI64IntegerAttr(subnormal)),
                  b.getNamedAttr("max_abs_error", b.getF64FloatAttr(maxErr)),
              }));
  converted[c].push_back(nc);
  return nc;
}

Value MpInsertCastsPass::convert(Value v, Type elem) {
  if (getElementTypeOrSelf(v.getType()) == elem)
    return v;
  auto key = std::make_pair(v, elem);
  if (Value hit = cache.lookup(key))
    return hit;
  Value result;
  if (auto c = v.getDefiningOp<ConstantOp>())
    result = convertConstant(c, elem);
  if (!result) {
    OpBuilder b(&getContext());
    b.setInsertionPointAfterValue(v);
    std::string base;
    if (Operation *def = v.getDefiningOp()) {
      base = getNodeName(def);
      if (auto c = dyn_cast<ConstantOp>(def); c && c.getInitializer())
        base = c.getInitializer()->str();
    } else if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (auto f = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
        if (auto n = f.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                    MpDialect::kNameAttr))
          base = n.getValue().str();
    }
    Location loc = v.getLoc();
    if (!base.empty())
      loc = NameLoc::get(b.getStringAttr(base + "/cast_" + typeName(elem)),
                         loc);
    result = CastOp::create(b, loc, withElement(v.getType(), elem), v,
                            TypeAttr::get(elem), IntegerAttr());
  }
  cache[key] = result;
  return result;
}

void MpInsertCastsPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto config = module->getAttrOfType<DictionaryAttr>("mp.autocast");
  if (!config) {
    module.emitError() << "mp-insert-casts: no precision decisions; run "
                          "mp-assign-precision first";
    return signalPassFailure();
  }
  Builder b(&getContext());
  StringRef target = config.getAs<StringAttr>("target").getValue();
  // A training step's arguments and results are its FP32 state (masters,
  // moments, the loss scale): they keep their types whatever the option.
  bool keepIO = config.getAs<BoolAttr>("keep_io_types").getValue() ||
                module->hasAttr("mp.train_step");
  Type low = target == "bf16" ? Type(b.getBF16Type()) : Type(b.getF16Type());
  Type f32 = b.getF32Type();
  cache.clear();
  converted.clear();

  // Original operand types, before anything changes.
  DenseMap<OpOperand *, Type> original;
  SmallVector<Operation *> ops;
  module.walk<WalkOrder::PreOrder>([&](Operation *op) -> WalkResult {
    if (isa<func::FuncOp>(op) && op->hasAttr(kNoAutocastAttr))
      return WalkResult::skip();
    ops.push_back(op);
    for (OpOperand &o : op->getOpOperands())
      original[&o] = o.get().getType();
    return WalkResult::advance();
  });

  // Graph inputs in low precision unless keep-io-types.
  if (!keepIO)
    module.walk([&](func::FuncOp f) {
      if (f.isExternal() || f->hasAttr(kNoAutocastAttr))
        return;
      for (BlockArgument arg : f.getArguments())
        // Inputs with a default initializer keep their type: the exported
        // initializer must match the input.
        if (getElementTypeOrSelf(arg.getType()).isF32() &&
            !f.getArgAttr(arg.getArgNumber(), "mp.default_initializer"))
          arg.setType(withElement(arg.getType(), low));
    });

  for (Operation *op : ops) {
    auto prec = op->getAttrOfType<StringAttr>("mp.precision");
    Type want;
    if (prec && (prec.getValue() == "f16" || prec.getValue() == "bf16"))
      want = low;
    else if (prec && prec.getValue() == "f32")
      want = f32;
    int64_t casts = 0;
    if (want) {
      auto iface = cast<PrecisionOpInterface>(op);
      for (OpOperand &o : op->getOpOperands()) {
        if (iface.keepsOperandType(o.getOperandNumber())) {
          // Kept operands (Resize scales, BN statistics) keep the type they
          // had, even when their producer changed (a graph input made f16).
          Type orig = original.lookup(&o);
          if (orig && isFloatTensor(orig) && isFloatTensor(o.get().getType()) &&
              getElementTypeOrSelf(orig) != getElementTypeOrSelf(o.get().getType())) {
            Value nv = convert(o.get(), getElementTypeOrSelf(orig));
            casts += isa_and_nonnull<CastOp>(nv.getDefiningOp());
            o.set(nv);
          }
          continue;
        }
        if (!isFloatTensor(o.get().getType()) ||
            getElementTypeOrSelf(o.get().getType()) == want)
          continue;
        Value nv = convert(o.get(), want);
        casts += isa_and_nonnull<CastOp>(nv.getDefiningOp());
        o.set(nv);
      }
      for (OpResult r : op->getResults())
        if (isFloatTensor(r.getType()))
          r.setType(withElement(r.getType(), want));
      Type acc = iface.getAccumulatorType(want);
      if (acc != want)
        op->setAttr("mp.acc_type", TypeAttr::get(acc));
    } else if (!isa<ShapeOp>(op)) {
      // Fixed types: restore what the op had (func.return without
      // keep-io-types returns low precision).
      bool lowReturn = isa<func::ReturnOp>(op) && !keepIO;
      for (OpOperand &o : op->getOpOperands()) {
        Type orig = original.lookup(&o);
        if (!orig || !isFloatTensor(orig) || !isFloatTensor(o.get().getType()))
          continue;
        Type need = getElementTypeOrSelf(orig);
        if (lowReturn && need.isF32())
          need = low;
        if (getElementTypeOrSelf(o.get().getType()) == need)
          continue;
        Value nv = convert(o.get(), need);
        casts += isa_and_nonnull<CastOp>(nv.getDefiningOp());
        o.set(nv);
      }
    }
    if (casts && prec)
      op->setAttr("mp.casts_in", b.getI64IntegerAttr(casts));
  }

  // Function signatures follow their arguments and returns.
  module.walk([&](func::FuncOp f) {
    if (f.isExternal())
      return;
    Block &entry = f.getBody().front();
    auto ret = cast<func::ReturnOp>(entry.getTerminator());
    f.setType(b.getFunctionType(entry.getArgumentTypes(), ret.getOperandTypes()));
  });

  // A converted initializer takes over its name when the original is dead.
  for (auto &[orig, copies] : converted) {
    auto c = cast<ConstantOp>(orig);
    if (!c->use_empty())
      continue;
    if (copies.size() == 1 && c.getInitializer())
      copies.front().setInitializerAttr(c.getInitializerAttr());
    c->erase();
  }
}

} // namespace
