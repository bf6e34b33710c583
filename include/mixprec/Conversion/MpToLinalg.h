//===- MpToLinalg.h - mp to linalg conversion and CPU pipeline --*- C++ -*-===//

#ifndef MIXPREC_CONVERSION_MPTOLINALG_H
#define MIXPREC_CONVERSION_MPTOLINALG_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mixprec {

#define GEN_PASS_DECL
#include "mixprec/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mixprec/Conversion/Passes.h.inc"

/// The mp -> linalg/tensor/arith/math patterns of convert-mp-to-linalg.
void populateMpToLinalgConversionPatterns(mlir::RewritePatternSet &patterns);

/// Upstream pipeline text shared by mp-lower-to-cpu and the GPU pipelines,
/// which must bufferize and lower host code alike: one-shot bufferization of
/// whole functions (identity layouts) and buffer deallocation.
inline constexpr llvm::StringLiteral kBufferizePipeline =
    "one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-deallocation-pipeline,"
    "convert-bufferization-to-memref";

/// Upstream pipeline text from bufferized linalg/scf/affine/memref/math
/// code to the LLVM dialect on the host (`vector`: lower vector ops too).
std::string loopsToLLVMPipeline(bool vector);

/// mp-lower-to-cpu: convert-mp-to-linalg, bufferization, lowering to loops
/// and to the LLVM dialect, ready for the ExecutionEngine or translation.
void buildLowerToCPUPipeline(mlir::OpPassManager &pm);

/// Registers the textual pipeline `mp-lower-to-cpu`.
void registerLowerToCPUPipeline();

/// Options of mp-lower-to-nvptx.
struct LowerToNVPTXOptions : public mlir::PassPipelineOptions<LowerToNVPTXOptions> {
  PassOptions::Option<std::string> chip{*this, "chip", llvm::cl::desc("Target SM (sm_70 ... sm_90)"),
                                        llvm::cl::init("sm_90")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features; empty: the lowest PTX ISA the chip needs (+ptx80 for sm_90)"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> format{
      *this, "format", llvm::cl::desc("Kernel binary: isa (PTX text), bin (cubin) or fatbin"),
      llvm::cl::init("isa")};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit for ptxas and libdevice; empty: $CUDA_HOME or /usr/local/cuda"),
      llvm::cl::init("")};
  PassOptions::Option<int64_t> blockSize{*this, "block-size",
                                         llvm::cl::desc("Threads per block of the kernels"),
                                         llvm::cl::init(256)};
  PassOptions::Option<bool> libraryCalls{
      *this, "library-calls",
      llvm::cl::desc("Map GEMMs and batched GEMMs to cuBLASLt (mp-gpu-library-calls)"),
      llvm::cl::init(true)};
};

/// The PTX feature string for a chip: the lowest PTX ISA that supports it.
std::string ptxFeaturesFor(llvm::StringRef chip);
/// Empty when the options are valid, else the error message.
std::string validate(const LowerToNVPTXOptions &options);
/// mp-lower-to-nvptx (see lib/Conversion/MpToGPU/LowerToNVPTX.cpp).
mlir::LogicalResult buildLowerToNVPTXPipeline(mlir::OpPassManager &pm,
                                              const LowerToNVPTXOptions &options);
/// Registers the textual pipeline `mp-lower-to-nvptx`.
void registerLowerToNVPTXPipeline();
/// The GPU pipeline's kernel formation (library calls included), then
/// mp-gpu-emulate-launches and the CPU lowering to LLVM: runs the GPU
/// program's kernels as host loops, to check them without a GPU. The
/// executor resolves mpcudaMatmulI64 to a CPU reference of the runtime's.
void buildGpuEmulationPipeline(mlir::OpPassManager &pm);

} // namespace mixprec

#endif // MIXPREC_CONVERSION_MPTOLINALG_H
