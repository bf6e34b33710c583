//===- LowerToCPU.cpp - the mp-lower-to-cpu pipeline ----------------------===//

#include "mixprec/Conversion/MpToLinalg.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

std::string mixprec::loopsToLLVMPipeline(bool vector) {
  return std::string("convert-linalg-to-loops,"
                     "convert-scf-to-cf,"
                     "expand-strided-metadata,"
                     "lower-affine,") +
         (vector ? "convert-vector-to-llvm," : "") +
         "finalize-memref-to-llvm,"
         "convert-math-to-llvm,"
         "convert-math-to-libm,"
         "convert-arith-to-llvm,"
         "convert-func-to-llvm,"
         "convert-cf-to-llvm,"
         "convert-to-llvm,"
         "reconcile-unrealized-casts";
}

void mixprec::buildLowerToCPUPipeline(OpPassManager &pm) {
  pm.addPass(createConvertMpToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createMpTileAndVectorize());
  // Upstream from here; spelled textually so the pipeline reads like the
  // mlir-opt command line it is equivalent to.
  std::string upstream = kBufferizePipeline.str() +
                         ",convert-vector-to-scf{full-unroll}," + loopsToLLVMPipeline(true);
  if (failed(parsePassPipeline(upstream, pm)))
    llvm::report_fatal_error("mp-lower-to-cpu: invalid upstream pipeline");
}

void mixprec::registerLowerToCPUPipeline() {
  PassPipelineRegistration<>(
      "mp-lower-to-cpu",
      "Lower mp to the LLVM dialect for CPU execution (convert-mp-to-linalg, "
      "bufferization, loops, LLVM)",
      [](OpPassManager &pm) { buildLowerToCPUPipeline(pm); });
}
