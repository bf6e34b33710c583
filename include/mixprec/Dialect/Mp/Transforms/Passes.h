//===- Passes.h - mp dialect passes -----------------------------*- C++ -*-===//

#ifndef MIXPREC_DIALECT_MP_TRANSFORMS_PASSES_H
#define MIXPREC_DIALECT_MP_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mixprec::mp {

/// A function with this unit attribute is left alone by the autocast passes
/// (a training module's @inference and @init keep FP32).
inline constexpr llvm::StringLiteral kNoAutocastAttr = "mp.no_autocast";
/// An op with this unit attribute is assigned FP32 by mp-assign-precision
/// (rule `keep-f32`): the loss-scale product of a training step.
inline constexpr llvm::StringLiteral kKeepF32Attr = "mp.keep_f32";

#define GEN_PASS_DECL
#include "mixprec/Dialect/Mp/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mixprec/Dialect/Mp/Transforms/Passes.h.inc"

} // namespace mixprec::mp

#endif // MIXPREC_DIALECT_MP_TRANSFORMS_PASSES_H
