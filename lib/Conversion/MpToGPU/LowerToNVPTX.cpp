//===- LowerToNVPTX.cpp - the mp-lower-to-nvptx pipeline ------------------===//
//
// The CPU path's lowering up to linalg, then kernels for NVIDIA GPUs:
//
//   convert-mp-to-linalg, linalg-fuse-elementwise-ops     (shared; fusion)
//   one-shot-bufferize                                    (memrefs)
//   mp-gpu-library-calls                                  (GEMMs -> cuBLASLt)
//   mp-gpu-prepare-kernels (atomic full reductions, copies as kernels)
//   convert-linalg-to-parallel-loops, mp-gpu-map-parallel-loops (and the
//   remaining host-side memory code as single-thread kernels)
//   gpu-kernel-outlining, mp-gpu-merge-kernel-modules (one PTX module)
//   nvvm-attach-target{chip, features}
//   gpu.module(convert-gpu-to-nvvm)
//   host: finalize-memref-to-llvm{use-generic-functions}, gpu-to-llvm, ... LLVM,
//   mp-gpu-globals-to-device (constants reach kernels as device copies)
//   gpu-module-to-binary{format}                          (PTX, cubin, fatbin)
//
// Buffers are allocated through the generic memref allocation functions,
// which the runtime (lib/Runtime/CUDA) implements with managed memory.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Conversion/MpToLinalg.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include <cstdlib>

using namespace mlir;
using namespace mixprec;

std::string mixprec::ptxFeaturesFor(llvm::StringRef chip) {
  // The lowest PTX ISA that supports the chip (CUDA 13's ptxas accepts all).
  int sm = 0;
  if (chip.consume_front("sm_"))
    chip.take_while([](char c) { return isdigit(c); }).getAsInteger(10, sm);
  if (sm >= 100)
    return "+ptx86";
  if (sm >= 90)
    return "+ptx80";
  if (sm >= 89)
    return "+ptx78";
  if (sm >= 80)
    return "+ptx70";
  if (sm >= 75)
    return "+ptx63";
  return "+ptx60";
}

std::string mixprec::validate(const LowerToNVPTXOptions &o) {
  llvm::StringRef chip = o.chip;
  int sm = 0;
  if (!chip.starts_with("sm_") ||
      chip.drop_front(3).take_while([](char c) { return isdigit(c); }).getAsInteger(10, sm) ||
      sm < 70)
    return "mp-lower-to-nvptx: chip must be sm_70 or newer (sm_70 ... sm_90, sm_90a), got '" +
           o.chip + "'";
  if (!llvm::is_contained({"isa", "bin", "fatbin"}, o.format))
    return "mp-lower-to-nvptx: format must be isa (PTX), bin (cubin) or fatbin, got '" +
           o.format + "'";
  if (o.blockSize <= 0 || o.blockSize % 32 || o.blockSize > 1024)
    return "mp-lower-to-nvptx: block-size must be a multiple of 32 in [32, 1024], got " +
           std::to_string(o.blockSize);
  return "";
}

/// The shared front of the GPU pipelines: mp to linalg, fusion,
/// bufferization, library calls, kernels as gpu.launch.
static LogicalResult addGpuKernelPasses(OpPassManager &pm, int64_t blockSize, bool libraryCalls,
                                        bool deferSync) {
  // Upstream passes are spelled textually, so the pipeline reads like the
  // mlir-opt command line it is equivalent to; ours are added directly (a
  // tool need not register them to use the pipeline).
  auto upstream = [&](const std::string &text) { return parsePassPipeline(text, pm); };
  pm.addPass(createConvertMpToLinalg());
  pm.addPass(createCanonicalizerPass());
  if (failed(upstream("func.func(linalg-fuse-elementwise-ops)," + kBufferizePipeline.str())))
    return failure();
  if (libraryCalls)
    pm.addNestedPass<func::FuncOp>(createMpGpuLibraryCalls());
  pm.addNestedPass<func::FuncOp>(createMpGpuPrepareKernels());
  if (failed(upstream("func.func(convert-linalg-to-parallel-loops)")))
    return failure();
  MpGpuMapParallelLoopsOptions map;
  map.blockSize = blockSize;
  map.deferSync = deferSync;
  pm.addNestedPass<func::FuncOp>(createMpGpuMapParallelLoops(map));
  return success();
}

void mixprec::buildGpuEmulationPipeline(OpPassManager &pm) {
  // No runtime calls; the library calls stay (the executor supplies a CPU
  // mpcudaMatmulI64 with the runtime's semantics).
  if (failed(addGpuKernelPasses(pm, 256, /*libraryCalls=*/true, /*deferSync=*/false)))
    llvm::report_fatal_error("mp-gpu-emulation: invalid upstream pipeline");
  pm.addNestedPass<func::FuncOp>(createMpGpuEmulateLaunches());
  if (failed(parsePassPipeline("canonicalize," + loopsToLLVMPipeline(false), pm)))
    llvm::report_fatal_error("mp-gpu-emulation: invalid upstream pipeline");
}

LogicalResult mixprec::buildLowerToNVPTXPipeline(OpPassManager &pm,
                                                 const LowerToNVPTXOptions &o) {
  if (!validate(o).empty())
    return failure();
  std::string features = o.features.empty() ? ptxFeaturesFor(o.chip) : std::string(o.features);
  std::string toolkit = o.toolkit;
  if (toolkit.empty()) {
    const char *env = std::getenv("CUDA_HOME");
    toolkit = env ? env : "/usr/local/cuda";
  }
  if (failed(addGpuKernelPasses(pm, o.blockSize, o.libraryCalls, /*deferSync=*/true)))
    return failure();
  auto upstream = [&](const std::string &text) { return parsePassPipeline(text, pm); };
  if (failed(upstream("canonicalize,gpu-kernel-outlining")))
    return failure();
  pm.addPass(createMpGpuMergeKernelModules());
  if (failed(upstream("convert-scf-to-cf,"
                  "expand-strided-metadata,"
                  "lower-affine,"
                  "nvvm-attach-target{chip=" +
                  std::string(o.chip) + " features=" + features +
                  " O=3},"
                  "gpu.module(strip-debuginfo,convert-gpu-to-nvvm,canonicalize,cse,"
                  "reconcile-unrealized-casts),"
                  // Before gpu-to-llvm, whose own memref patterns would
                  // allocate with malloc: buffers must be the runtime's
                  // managed memory, which kernels can read.
                  "finalize-memref-to-llvm{use-generic-functions},"
                  "gpu-to-llvm,"
                  "convert-math-to-llvm,"
                  "convert-arith-to-llvm,"
                  "convert-index-to-llvm,"
                  "convert-func-to-llvm,"
                  "convert-cf-to-llvm,"
                  "convert-to-llvm,"
                  "reconcile-unrealized-casts,"
                  "canonicalize,cse")))
    return failure();
  pm.addPass(createMpGpuGlobalsToDevice());
  return upstream("gpu-module-to-binary{format=" + std::string(o.format) + " toolkit=" + toolkit +
                  "}");
}

void mixprec::registerLowerToNVPTXPipeline() {
  // registerPassPipeline rather than PassPipelineRegistration, so that a bad
  // chip or format fails the command line with a message.
  registerPassPipeline(
      "mp-lower-to-nvptx",
      "Lower mp to NVPTX kernels (fused element-wise/reduction kernels, cuBLASLt GEMMs) and "
      "host code that launches them through mixprec's CUDA runtime",
      [](OpPassManager &pm, StringRef optionsStr,
         function_ref<LogicalResult(const Twine &)> errorHandler) -> LogicalResult {
        auto o = LowerToNVPTXOptions::createFromString(optionsStr);
        if (!o)
          return errorHandler("mp-lower-to-nvptx: invalid options '" + optionsStr + "'");
        std::string why = validate(*o);
        if (!why.empty())
          return errorHandler(why);
        return buildLowerToNVPTXPipeline(pm, *o);
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        LowerToNVPTXOptions o;
        optHandler(o);
      });
}
