//===- MergeKernelModules.cpp - mp-gpu-merge-kernel-modules ---------------===//

#include "mixprec/Conversion/MpToLinalg.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mixprec {
#define GEN_PASS_DEF_MPGPUMERGEKERNELMODULES
#include "mixprec/Conversion/Passes.h.inc"
} // namespace mixprec

using namespace mlir;

namespace {

struct MpGpuMergeKernelModulesPass
    : mixprec::impl::MpGpuMergeKernelModulesBase<MpGpuMergeKernelModulesPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto modules = llvm::to_vector(module.getOps<gpu::GPUModuleOp>());
    if (modules.size() < 2)
      return;
    gpu::GPUModuleOp first = modules.front();
    MLIRContext *ctx = &getContext();
    // (old module, old kernel) -> new kernel name in `first`.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    for (gpu::GPUModuleOp m : llvm::drop_begin(modules)) {
      for (Operation &op : llvm::make_early_inc_range(m.getBody()->getOperations())) {
        auto sym = dyn_cast<SymbolOpInterface>(op);
        if (!sym)
          continue;
        StringAttr oldName = sym.getNameAttr();
        // Single-kernel modules: the kernel takes the module's name;
        // anything else keeps "<module>_<name>".
        std::string fresh = m.getName().str();
        if (m.getBody()->getOperations().size() > 2 || !isa<gpu::GPUFuncOp>(op))
          fresh += "_" + oldName.str();
        StringAttr newName = StringAttr::get(ctx, fresh);
        if (first.lookupSymbol(newName)) {
          m.emitError() << "mp-gpu-merge-kernel-modules: symbol '" << fresh
                        << "' already exists in '" << first.getName() << "'";
          return signalPassFailure();
        }
        op.moveBefore(first.getBody(), first.getBody()->end());
        sym.setName(newName);
        renamed[{m.getNameAttr(), oldName}] = newName;
      }
    }
    // Keep the module's terminator-free body valid: nothing to do for
    // gpu.module (no terminator in MLIR 22).
    module.walk([&](gpu::LaunchFuncOp launch) {
      SymbolRefAttr k = launch.getKernel();
      auto it = renamed.find({k.getRootReference(), k.getLeafReference()});
      if (it == renamed.end())
        return;
      launch.setKernelAttr(SymbolRefAttr::get(first.getNameAttr(),
                                              {FlatSymbolRefAttr::get(it->second)}));
    });
    for (gpu::GPUModuleOp m : llvm::drop_begin(modules))
      m.erase();
  }
};

} // namespace
