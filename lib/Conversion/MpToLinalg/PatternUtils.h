//===- PatternUtils.h - helpers shared by the mp -> linalg patterns -*- C++ -*-===//
//
// Private to lib/Conversion/MpToLinalg: scalar helpers defined in
// MpToLinalg.cpp and the populate functions of the other pattern files.
//
//===----------------------------------------------------------------------===//

#ifndef MIXPREC_LIB_CONVERSION_MPTOLINALG_PATTERNUTILS_H
#define MIXPREC_LIB_CONVERSION_MPTOLINALG_PATTERNUTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace mixprec::detail {

/// `true` for every float type (f16, bf16, f32, f64, ...).
bool isFloatLike(mlir::Type t);
/// Scalar conversion between element types (float, signed/unsigned int,
/// bool); the identity when the types match.
mlir::Value convertScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                          mlir::Type to);
/// An arith.constant of float type `t`.
mlir::Value floatConst(mlir::OpBuilder &b, mlir::Location loc, mlir::Type t,
                       double v);
/// The type a Compute op accumulates in: f32 for f16/bf16 storage.
mlir::Type accumulatorFor(mlir::Type storage);
/// Dropout's keep decision for the element at linear index `linear`
/// (index): u >= ratio (f32), u in [0, 1) being the top 24 bits of a 32-bit
/// integer hash of the index and `seedTerm` (i32; dropoutSeedTerm).
mlir::Value dropoutKeep(mlir::OpBuilder &b, mlir::Location loc, mlir::Value linear,
                        mlir::Value seedTerm, mlir::Value ratio);
/// The seed's contribution to the hash: seed * 0x85EBCA6B + 0x27D4EB2F
/// (+ step * 0xC2B2AE35 when `step`, an i64, is given).
mlir::Value dropoutSeedTerm(mlir::OpBuilder &b, mlir::Location loc, uint32_t seed,
                            mlir::Value step = {});

/// If -> scf.if, Loop -> scf.while, Scan -> scf.for (ControlFlow.cpp).
void populateControlFlowPatterns(mlir::RewritePatternSet &patterns);
/// CumSum, TopK and Einsum (AxisOps.cpp).
void populateAxisOpPatterns(mlir::RewritePatternSet &patterns);
/// Pooling with any number of spatial dims, and MaxPool's Indices
/// (PoolingND.cpp).
void populatePoolingNDPatterns(mlir::RewritePatternSet &patterns);
/// mp.optimizer_update as one fused linalg.generic (Training.cpp).
void populateTrainingPatterns(mlir::RewritePatternSet &patterns);
/// RNN, GRU and LSTM as scf.for over time steps (Recurrent.cpp).
void populateRecurrentPatterns(mlir::RewritePatternSet &patterns);

} // namespace mixprec::detail

#endif // MIXPREC_LIB_CONVERSION_MPTOLINALG_PATTERNUTILS_H
