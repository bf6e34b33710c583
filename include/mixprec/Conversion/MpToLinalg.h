//===- MpToLinalg.h - mp to linalg conversion and CPU pipeline --*- C++ -*-===//

#ifndef MIXPREC_CONVERSION_MPTOLINALG_H
#define MIXPREC_CONVERSION_MPTOLINALG_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
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

/// mp-lower-to-cpu: convert-mp-to-linalg, bufferization, lowering to loops
/// and to the LLVM dialect, ready for the ExecutionEngine or translation.
void buildLowerToCPUPipeline(mlir::OpPassManager &pm);

/// Registers the textual pipeline `mp-lower-to-cpu`.
void registerLowerToCPUPipeline();

} // namespace mixprec

#endif // MIXPREC_CONVERSION_MPTOLINALG_H
