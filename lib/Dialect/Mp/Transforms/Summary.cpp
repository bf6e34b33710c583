//===- Summary.cpp - mp-summary pass --------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Dialect/Mp/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace mixprec::mp {
#define GEN_PASS_DEF_MPSUMMARY
#include "mixprec/Dialect/Mp/Transforms/Passes.h.inc"
} // namespace mixprec::mp

using namespace mlir;
using namespace mixprec::mp;

namespace {

std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

std::string bytesStr(uint64_t b) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = b;
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  std::string s;
  llvm::raw_string_ostream os(s);
  if (u == 0)
    os << b << " B";
  else
    os << llvm::format("%.2f ", v) << units[u];
  return s;
}

struct MpSummaryPass
    : mixprec::mp::impl::MpSummaryBase<MpSummaryPass> {
  using MpSummaryBase::MpSummaryBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::map<std::string, int64_t> ops;
    llvm::MapVector<Type, std::pair<int64_t, uint64_t>> weights;
    int64_t nodes = 0, inits = 0, params = 0;
    uint64_t paramBytes = 0;
    module.walk([&](Operation *op) {
      if (auto c = dyn_cast<ConstantOp>(op)) {
        if (c.getInitializer()) {
          ++inits;
          ElementsAttr v = c.getValue();
          Type et = v.getElementType();
          int64_t n = v.getNumElements();
          uint64_t bytes =
              n * (et.isIntOrFloat() ? std::max(1u, et.getIntOrFloatBitWidth() / 8)
                                     : 8);
          auto &w = weights[et];
          w.first += n;
          w.second += bytes;
          params += n;
          paramBytes += bytes;
          return;
        }
      }
      std::string name;
      if (auto iface = dyn_cast<OnnxNodeOpInterface>(op))
        name = iface.getOnnxOpType().str();
      else if (auto g = dyn_cast<OnnxOp>(op))
        name = (g.getDomain().empty() ? "" : g.getDomain().str() + "::") +
               g.getOpType().str();
      else
        return;
      ++ops[name];
      ++nodes;
    });

    std::string text;
    llvm::raw_string_ostream os(text);
    SmallVector<std::pair<std::string, std::string>> inputs, outputs;
    module.walk([&](func::FuncOp f) {
      if (f.getName() != "main")
        return;
      for (unsigned i = 0; i < f.getNumArguments(); ++i) {
        auto n = f.getArgAttrOfType<StringAttr>(i, MpDialect::kNameAttr);
        inputs.push_back({n ? n.getValue().str() : "arg" + std::to_string(i),
                          typeStr(f.getArgumentTypes()[i])});
      }
      for (unsigned i = 0; i < f.getNumResults(); ++i) {
        auto n = f.getResultAttrOfType<StringAttr>(i, MpDialect::kNameAttr);
        outputs.push_back({n ? n.getValue().str() : "res" + std::to_string(i),
                           typeStr(f.getResultTypes()[i])});
      }
    });
    if (emitJson) {
      llvm::json::Object root;
      root["nodes"] = nodes;
      root["initializers"] = inits;
      root["parameters"] = params;
      root["parameter_bytes"] = (int64_t)paramBytes;
      llvm::json::Object opsObj;
      for (auto &[k, v] : ops)
        opsObj[k] = v;
      root["ops"] = std::move(opsObj);
      llvm::json::Object wObj;
      for (auto &[t, w] : weights)
        wObj[typeStr(t)] = llvm::json::Object{{"elements", w.first},
                                              {"bytes", (int64_t)w.second}};
      root["weights"] = std::move(wObj);
      auto io = [](auto &list) {
        llvm::json::Array arr;
        for (auto &[n, t] : list)
          arr.push_back(llvm::json::Object{{"name", n}, {"type", t}});
        return arr;
      };
      root["inputs"] = io(inputs);
      root["outputs"] = io(outputs);
      os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
    } else {
      os << "mp-summary: " << nodes << " nodes, " << inits
         << " initializers, " << params << " parameters ("
         << bytesStr(paramBytes) << ")\n";
      os << "  ops:    ";
      for (auto &[k, v] : ops)
        os << " " << k << " " << v;
      os << "\n  weights:";
      for (auto &[t, w] : weights)
        os << " " << t << " " << w.first << " (" << bytesStr(w.second) << ")";
      os << "\n";
      for (auto &[n, t] : inputs)
        os << "  input  " << n << ": " << t << "\n";
      for (auto &[n, t] : outputs)
        os << "  output " << n << ": " << t << "\n";
    }
    if (output == "-") {
      llvm::errs() << text;
      return;
    }
    std::error_code ec;
    llvm::raw_fd_ostream file(output, ec);
    if (ec) {
      module.emitError() << "mp-summary: cannot write '" << output
                         << "': " << ec.message();
      return signalPassFailure();
    }
    file << text;
  }
};

} // namespace
