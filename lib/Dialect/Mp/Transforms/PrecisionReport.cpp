//===- PrecisionReport.cpp - mp-precision-report --------------------------===//
//
// Writes the autocast report: one entry per decided node (precision, rule,
// evidence, casts added, FLOPs), the converted constants, and totals. The
// JSON schema is documented in docs/autocast-report.md.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Dialect/Mp/Transforms/Autocast.h"
#include "mixprec/Dialect/Mp/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace mixprec::mp {
#define GEN_PASS_DEF_MPPRECISIONREPORT
#include "mixprec/Dialect/Mp/Transforms/Passes.h.inc"
} // namespace mixprec::mp

using namespace mlir;
using namespace mixprec::mp;

namespace {

/// Bytes of a tensor per sample (dynamic dims count as 1).
int64_t byteSize(Type t) {
  auto r = dyn_cast<RankedTensorType>(t);
  if (!r)
    return 0;
  Type e = r.getElementType();
  if (!e.isIntOrFloat())
    return 0;
  int64_t n = 1;
  for (int64_t d : r.getShape())
    n *= ShapedType::isDynamic(d) ? 1 : d;
  return n * std::max(1u, e.getIntOrFloatBitWidth() / 8);
}

std::string human(double bytes) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format(u ? "%.2f %s" : "%.0f %s", bytes,
                                              units[u]);
  return s;
}

struct MpPrecisionReportPass
    : mixprec::mp::impl::MpPrecisionReportBase<MpPrecisionReportPass> {
  using MpPrecisionReportBase::MpPrecisionReportBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto config = module->getAttrOfType<DictionaryAttr>("mp.autocast");
    llvm::json::Array nodes, constants;
    double flops = 0, lowFlops = 0;
    int64_t casts = 0, decided = 0, index = 0;
    int64_t weightsBefore = 0, weightsAfter = 0, actBefore = 0, actAfter = 0;
    std::map<std::string, int64_t> byPrecision;
    SmallVector<std::string> keptF32;

    module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (auto c = dyn_cast<CastOp>(op)) {
        ++casts;
        actAfter += byteSize(c.getType()); // casts materialise new tensors
        return;
      }
      if (auto c = dyn_cast<ConstantOp>(op)) {
        int64_t after = byteSize(c.getType());
        int64_t before = after;
        if (auto conv = c->getAttrOfType<DictionaryAttr>("mp.conversion")) {
          Type from = conv.getAs<TypeAttr>("from").getValue();
          auto t = cast<RankedTensorType>(c.getType());
          before = t.getNumElements() * (from.getIntOrFloatBitWidth() / 8);
          constants.push_back(llvm::json::Object{
              {"initializer",
               c.getInitializer() ? c.getInitializer()->str() : ""},
              {"from", [&] {
                 std::string s;
                 llvm::raw_string_ostream(s) << from;
                 return s;
               }()},
              {"to", [&] {
                 std::string s;
                 llvm::raw_string_ostream(s) << t.getElementType();
                 return s;
               }()},
              {"elements", t.getNumElements()},
              {"clamped", conv.getAs<IntegerAttr>("clamped").getInt()},
              {"flushed_to_zero",
               conv.getAs<IntegerAttr>("flushed_to_zero").getInt()},
              {"subnormal", conv.getAs<IntegerAttr>("subnormal").getInt()},
              {"max_abs_error",
               conv.getAs<FloatAttr>("max_abs_error").getValueAsDouble()},
          });
        }
        if (c.getInitializer()) {
          weightsBefore += before;
          weightsAfter += after;
        }
        return;
      }
      auto prec = op->getAttrOfType<StringAttr>("mp.precision");
      if (!prec)
        return;
      ++index;
      ++decided;
      double f = estimateFlops(op);
      flops += f;
      bool low = prec.getValue() == "f16" || prec.getValue() == "bf16";
      if (low)
        lowFlops += f;
      ++byPrecision[prec.getValue().str()];
      for (Value r : op->getResults()) {
        int64_t bytes = byteSize(r.getType());
        actAfter += bytes;
        Type e = getElementTypeOrSelf(r.getType());
        actBefore += (e.isF16() || e.isBF16()) ? 2 * bytes : bytes;
      }
      std::string name = getNodeName(op);
      std::string opType = op->getName().getStringRef().str();
      if (auto iface = dyn_cast<OnnxNodeOpInterface>(op))
        opType = iface.getOnnxOpType().str();
      else if (auto g = dyn_cast<OnnxOp>(op))
        opType = g.getOpType().str();
      std::string rule, evidence;
      if (auto a = op->getAttrOfType<StringAttr>("mp.rule"))
        rule = a.getValue().str();
      if (auto a = op->getAttrOfType<StringAttr>("mp.evidence"))
        evidence = a.getValue().str();
      int64_t castsIn = 0;
      if (auto a = op->getAttrOfType<IntegerAttr>("mp.casts_in"))
        castsIn = a.getInt();
      llvm::json::Object node{{"name", name.empty() ? "#" + std::to_string(index - 1) : name},
                              {"op", opType},
                              {"precision", prec.getValue().str()},
                              {"rule", rule},
                              {"evidence", evidence},
                              {"casts_added", castsIn},
                              {"flops", f}};
      if (auto acc = op->getAttrOfType<TypeAttr>("mp.acc_type")) {
        std::string s;
        llvm::raw_string_ostream(s) << acc.getValue();
        node["accumulate"] = s;
      }
      nodes.push_back(std::move(node));
      if (prec.getValue() == "f32" && rule != "no-low-neighbour" &&
          rule != "follows-f32-input")
        keptF32.push_back((name.empty() ? opType : "'" + name + "' (" + opType + ")") +
                          ": " + rule + " - " + evidence);
    });

    double share = flops > 0 ? lowFlops / flops : 0;
    llvm::json::Object totals{
        {"nodes", decided},
        {"flops", flops},
        {"low_precision_flops", lowFlops},
        {"low_precision_flop_share", share},
        {"casts", casts},
        {"weight_bytes_before", weightsBefore},
        {"weight_bytes_after", weightsAfter},
        {"activation_bytes_before", actBefore},
        {"activation_bytes_after", actAfter},
    };
    llvm::json::Object byPrec;
    for (auto &[k, v] : byPrecision)
      byPrec[k] = v;
    totals["nodes_by_precision"] = std::move(byPrec);
    llvm::json::Object opts;
    if (config)
      for (NamedAttribute a : config) {
        if (auto s = dyn_cast<StringAttr>(a.getValue()))
          opts[a.getName().getValue()] = s.getValue().str();
        else if (auto bl = dyn_cast<BoolAttr>(a.getValue()))
          opts[a.getName().getValue()] = bl.getValue();
        else if (auto fl = dyn_cast<FloatAttr>(a.getValue()))
          opts[a.getName().getValue()] = fl.getValueAsDouble();
        else if (auto in = dyn_cast<IntegerAttr>(a.getValue()))
          opts[a.getName().getValue()] = in.getInt();
        else if (auto arr = dyn_cast<ArrayAttr>(a.getValue())) {
          llvm::json::Array list;
          for (Attribute e : arr)
            if (auto str = dyn_cast<StringAttr>(e))
              list.push_back(str.getValue().str());
          opts[a.getName().getValue()] = std::move(list);
        }
      }
    llvm::json::Object root{{"schema", "mixprec.autocast-report/1"},
                            {"options", std::move(opts)},
                            {"totals", std::move(totals)},
                            {"nodes", std::move(nodes)},
                            {"constants", std::move(constants)}};

    if (!output.empty()) {
      llvm::Error err = llvm::writeToOutput(
          output, [&](llvm::raw_ostream &os) -> llvm::Error {
            os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root)))
               << "\n";
            return llvm::Error::success();
          });
      if (err) {
        module.emitError() << "mp-precision-report: cannot write '" << output
                           << "': " << llvm::toString(std::move(err));
        return signalPassFailure();
      }
    }
    if (summary) {
      auto &os = llvm::errs();
      os << "mp-autocast: " << decided << " nodes:";
      for (auto &[k, v] : byPrecision)
        os << " " << v << " " << k;
      os << "; " << llvm::format("%.1f", 100 * share) << "% of "
         << llvm::format("%.3g", flops) << " FLOPs in low precision; " << casts
         << " casts; weights " << human(weightsBefore) << " -> "
         << human(weightsAfter) << "; activations ~" << human(actBefore)
         << " -> " << human(actAfter) << "\n";
      size_t shown = 0;
      for (const std::string &k : keptF32) {
        if (shown++ == 8) {
          os << "  ... and " << keptF32.size() - 8
             << " more FP32 decisions in the report\n";
          break;
        }
        os << "  FP32 " << k << "\n";
      }
    }
  }
};

} // namespace
