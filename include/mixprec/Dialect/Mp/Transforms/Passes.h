//===- Passes.h - mp dialect passes -----------------------------*- C++ -*-===//

#ifndef MIXPREC_DIALECT_MP_TRANSFORMS_PASSES_H
#define MIXPREC_DIALECT_MP_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mixprec::mp {

#define GEN_PASS_DECL
#include "mixprec/Dialect/Mp/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mixprec/Dialect/Mp/Transforms/Passes.h.inc"

} // namespace mixprec::mp

#endif // MIXPREC_DIALECT_MP_TRANSFORMS_PASSES_H
