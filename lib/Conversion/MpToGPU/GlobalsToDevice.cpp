//===- GlobalsToDevice.cpp - mp-gpu-globals-to-device ---------------------===//
//
// Host functions reach constant globals through the runtime's cached device
// copies (see the pass description in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "mixprec/Conversion/MpToLinalg.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"

namespace mixprec {
#define GEN_PASS_DEF_MPGPUGLOBALSTODEVICE
#include "mixprec/Conversion/Passes.h.inc"
} // namespace mixprec

using namespace mlir;

namespace {

constexpr StringLiteral kDeviceGlobalFn = "mpcudaDeviceGlobal";

struct MpGpuGlobalsToDevicePass
    : mixprec::impl::MpGpuGlobalsToDeviceBase<MpGpuGlobalsToDevicePass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<LLVM::AddressOfOp> uses;
    module.walk([&](LLVM::AddressOfOp a) {
      if (a->getParentOfType<gpu::GPUModuleOp>())
        return;
      auto global = dyn_cast_or_null<LLVM::GlobalOp>(
          SymbolTable::lookupNearestSymbolFrom(a, a.getGlobalNameAttr()));
      if (global && global.getConstant() && global.getValueAttr())
        uses.push_back(a);
    });
    if (uses.empty())
      return;
    MLIRContext *ctx = &getContext();
    auto ptrT = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    if (!module.lookupSymbol<LLVM::LLVMFuncOp>(kDeviceGlobalFn))
      LLVM::LLVMFuncOp::create(mb, module.getLoc(), kDeviceGlobalFn,
                               LLVM::LLVMFunctionType::get(ptrT, {ptrT, i64}));
    DataLayout layout(module);
    for (LLVM::AddressOfOp a : uses) {
      auto global = cast<LLVM::GlobalOp>(SymbolTable::lookupNearestSymbolFrom(a, a.getGlobalNameAttr()));
      uint64_t bytes = layout.getTypeSize(global.getGlobalType());
      OpBuilder b(a->getContext());
      b.setInsertionPointAfter(a);
      Value n = LLVM::ConstantOp::create(b, a.getLoc(), i64, b.getI64IntegerAttr(bytes));
      auto call = LLVM::CallOp::create(b, a.getLoc(), TypeRange{ptrT},
                                       FlatSymbolRefAttr::get(ctx, kDeviceGlobalFn),
                                       ValueRange{a.getResult(), n});
      a.getResult().replaceAllUsesExcept(call.getResult(), call);
    }
  }
};

} // namespace
