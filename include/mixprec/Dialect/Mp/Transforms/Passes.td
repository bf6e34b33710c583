//===- Passes.td - mp dialect passes -----------------------*- tablegen -*-===//

#ifndef MIXPREC_DIALECT_MP_TRANSFORMS_PASSES_TD
#define MIXPREC_DIALECT_MP_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MpSummary : Pass<"mp-summary", "::mlir::ModuleOp"> {
  let summary = "Print a summary of an mp module: ops, weights, inputs and outputs";
  let description = [{
    Counts ops by ONNX op type (including ops inside subgraphs), weights by
    element type (elements and bytes), and lists the graph's inputs and
    outputs with their types. The IR is not changed.

    Input:
    ```mlir
    func.func @main(%x: tensor<1x4xf32> {mp.name = "x"}) -> (tensor<1x2xf32> {mp.name = "y"}) {
      %w = mp.constant {initializer = "w", value = dense<...> : tensor<4x2xf32>} : () -> tensor<4x2xf32>
      %y = mp.matmul %x, %w : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
      return %y : tensor<1x2xf32>
    }
    ```
    Output (on stderr or to `output`):
    ```
    mp-summary: 1 nodes, 1 initializers, 8 parameters (32 B)
      ops:     MatMul 1
      weights: f32 8 (32 B)
      input  x: tensor<1x4xf32>
      output y: tensor<1x2xf32>
    ```
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "File to write the summary to ('-' for stderr)">,
    Option<"emitJson", "json", "bool", /*default=*/"false",
           "Write the summary as JSON instead of text">,
  ];
}


def MpAssignPrecision : Pass<"mp-assign-precision", "::mlir::ModuleOp"> {
  let summary = "Decide FP16/BF16/FP32 per op and record the reason";
  let description = [{
    Gives every op with a `PrecisionOpInterface` a decision `mp.precision`
    (`f16`, `bf16`, `f32`, or `keep` for ops whose types are left alone), the
    deciding rule `mp.rule`, and its evidence `mp.evidence`. Types do not
    change: `mp-insert-casts` materialises the decisions.

    Rules, in order: `op-types-to-include`/`nodes-to-include` force low
    precision (include beats exclude); `op-types-to-exclude`/`nodes-to-exclude`
    force FP32; `Fixed` ops keep their types; `Sensitive` ops (softmax,
    normalisations, large reductions, exp/log/pow/reciprocal, cumsum) stay
    FP32, except LayerNormalization (stash_type 1) and inference
    BatchNormalization, which compute in FP32 by definition and may take
    low-precision input and output between low-precision neighbours (rule
    `fp32-compute`); then the range rules, which use static interval bounds (from
    initializer values, `input-range`, and op semantics such as softmax in
    [0, 1] or layer-norm outputs bounded by scale and bias):
    `init-max` (an initializer with |x| above it keeps its consumer FP32),
    `data-max` (an input or output whose *observed* range, from running the
    FP32 model on the `calibration-data` batches with the CPU executor,
    exceeds it; an observed range replaces the static bound of that tensor), `static-data-max` (one whose static worst-case bound
    exceeds it: by default FP16's largest value, i.e. possible overflow),
    `min-positive`
    (an initializer whose values would underflow), `max-reduction-depth`
    (dot products longer than it). `Compute` ops (MatMul, Gemm, Conv, ...)
    then go low precision with FP32 accumulation; element-wise and
    pass-through ops follow their neighbours like TF's AMP painting: FP32
    inputs make them FP32, low-precision inputs or consumers make them low,
    so no FP32 island sits between FP16 ops without a reason.

    Input:
    ```mlir
    %0 = mp.matmul %x, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
    %1 = mp.softmax %0 : (tensor<8x64xf32>) -> tensor<8x64xf32>
    ```
    Output:
    ```mlir
    %0 = mp.matmul %x, %w {mp.evidence = "MatMul: f16 inputs, FP32 accumulation (compute-bound)", mp.precision = "f16", mp.rule = "compute"} : ...
    %1 = mp.softmax %0 {mp.evidence = "Softmax is numerically sensitive (exponentials, normalisation or a large reduction)", mp.precision = "f32", mp.rule = "sensitive"} : ...
    ```
  }];
  let options = [
    Option<"target", "target", "std::string", "\"f16\"",
           "Low-precision type: f16 or bf16">,
    Option<"keepIOTypes", "keep-io-types", "bool", "false",
           "Keep the graph's FP32 inputs and outputs (cast at the boundary); always "
           "on for a training step, whose inputs and outputs are its FP32 state">,
    ListOption<"opTypesToExclude", "op-types-to-exclude", "std::string",
               "ONNX op types kept in FP32">,
    ListOption<"opTypesToInclude", "op-types-to-include", "std::string",
               "ONNX op types forced to low precision (beats every exclude rule)">,
    ListOption<"nodesToExclude", "nodes-to-exclude", "std::string",
               "Regexes on node names (anchored at the start) kept in FP32">,
    ListOption<"nodesToInclude", "nodes-to-include", "std::string",
               "Regexes on node names forced to low precision">,
    Option<"initMax", "init-max", "double", "65504.0",
           "An initializer holding |x| above this keeps its consumer FP32">,
    Option<"dataMax", "data-max", "double", "512.0",
           "A node whose observed (calibrated) input or output range exceeds "
           "this stays FP32">,
    Option<"staticDataMax", "static-data-max", "double", "65504.0",
           "A node whose static worst-case bound exceeds this stays FP32 "
           "(static bounds are sound but loose, so the default only catches "
           "possible FP16 overflow)">,
    Option<"minPositive", "min-positive", "double", "5.9604644775390625e-8",
           "Smallest magnitude that survives; initializers whose nonzero "
           "values fall below it (underflow) keep their consumer FP32">,
    Option<"maxReductionDepth", "max-reduction-depth", "int64_t", "0",
           "Dot products longer than this stay FP32 (0: no limit)">,
    Option<"chip", "chip", "std::string", "\"sm_90\"",
           "Target GPU: sm_70, sm_75, sm_80, sm_86, sm_87, sm_89 or sm_90 "
           "(bf16 needs sm_80 or newer)">,
    ListOption<"inputRanges", "input-range", "std::string",
               "Declared input ranges, name:lo:hi (repeatable)">,
    ListOption<"calibrationData", "calibration-data", "std::string",
               "Calibration batches (.npz keyed by graph input name, or .npy "
               "for a single input): the FP32 model runs on each with the CPU "
               "executor, and the observed per-tensor ranges, pooled over all "
               "batches, feed the data-max rule">,
  ];
}

def MpInsertCasts : Pass<"mp-insert-casts", "::mlir::ModuleOp"> {
  let summary = "Materialise precision decisions: casts, converted constants, new types";
  let description = [{
    For every op decided by `mp-assign-precision`, converts its floating-point
    data operands and results to the decided type. Each (value, type) pair
    gets one `mp.cast`, shared by all consumers. Constants are converted
    offline with round-to-nearest-even, keeping signs (a tiny negative weight
    becomes -0.0, never +0.0); a constant that overflows the low-precision
    type keeps FP32 and is cast at run time, or is clamped to the largest
    finite value when `clamp-constants` is set. Each converted constant
    records `mp.conversion` (how many values were clamped, flushed to zero,
    or became subnormal, and the largest absolute error), which the report
    lists by initializer name. Ops whose types are fixed, `func.return`
    (with `keep-io-types`) and `mp.yield` get their original types back.

    Input:
    ```mlir
    %w = mp.constant {initializer = "w", value = dense<...> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
    %0 = mp.matmul %x, %w {mp.precision = "f16", ...} : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
    %1 = mp.softmax %0 {mp.precision = "f32", ...} : (tensor<8x64xf32>) -> tensor<8x64xf32>
    ```
    Output:
    ```mlir
    %w = mp.constant {initializer = "w", mp.conversion = {...}, value = dense<...> : tensor<64x64xf16>} : () -> tensor<64x64xf16>
    %c = mp.cast %x {to = f16} : (tensor<8x64xf32>) -> tensor<8x64xf16>
    %0 = mp.matmul %c, %w {mp.acc_type = f32, ...} : (tensor<8x64xf16>, tensor<64x64xf16>) -> tensor<8x64xf16>
    %u = mp.cast %0 {to = f32} : (tensor<8x64xf16>) -> tensor<8x64xf32>
    %1 = mp.softmax %u ...
    ```
  }];
  let options = [
    Option<"clampConstants", "clamp-constants", "bool", "false",
           "Clamp out-of-range constants to the largest finite value instead "
           "of keeping them FP32">,
  ];
}

def MpOptimizeCasts : Pass<"mp-optimize-casts", "::mlir::ModuleOp"> {
  let summary = "Fold, drop, sink and dedupe casts";
  let description = [{
    Applies `populateOptimizeCastsPatterns` greedily, then CSE:
    * a cast that only undoes an exact widening (f16 -> f32 -> f16) folds
      away, and a chain whose first step is exact becomes one cast;
    * a cast to the value's own type is dropped;
    * a cast feeding a pass-through op that does not grow the data
      (Reshape, Transpose, Squeeze, Unsqueeze, Flatten, Identity, Slice) moves
      below it, so the pass-through op works on the narrower type and casts
      meet and cancel;
    * identical casts of one value are merged (CSE).

    Input:
    ```mlir
    %a = mp.cast %x {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
    %b = mp.transpose %a {perm = array<i64: 1, 0>} : (tensor<4x8xf32>) -> tensor<8x4xf32>
    %c = mp.cast %b {to = f16} : (tensor<8x4xf32>) -> tensor<8x4xf16>
    ```
    Output:
    ```mlir
    %c = mp.transpose %x {perm = array<i64: 1, 0>} : (tensor<4x8xf16>) -> tensor<8x4xf16>
    ```
  }];
}

def MpPrecisionReport : Pass<"mp-precision-report", "::mlir::ModuleOp"> {
  let summary = "Write the autocast report (JSON) and a short summary";
  let description = [{
    Collects every decision (`mp.precision`, `mp.rule`, `mp.evidence`), the
    casts, and the constant conversions, and computes the totals: share of
    FLOPs in low precision, cast count, weight bytes before and after, and an
    activation-memory estimate. Writes JSON (schema in
    docs/autocast-report.md) to `output` and a summary to stderr. The IR is
    not changed.
  }];
  let options = [
    Option<"output", "output", "std::string", "\"\"",
           "Write the JSON report here (empty: no file)">,
    Option<"summary", "summary", "bool", "true",
           "Print a short human summary on stderr">,
  ];
}

def MpBuildTrainStep : Pass<"mp-build-train-step", "::mlir::ModuleOp"> {
  let summary = "Differentiate @main: append a loss and return its gradients";
  let description = [{
    Turns an inference graph into a training graph by reverse-mode
    differentiation through `GradientOpInterface` (one vector-Jacobian rule
    per op, emitted as mp ops, so the result lowers, autocasts and exports
    like any mp graph).

    * The trainable parameters are the float initializers (`mp.constant`
      with an `initializer` name) that the loss depends on. They become
      function arguments named after the initializer.
    * The loss is appended to the graph: `cross-entropy` (mean over the
      batch of -log softmax(logits)[label]; `labels` is an int64 [N] input,
      `output` the [N, C] logits), `mse` (mean squared error against a
      float `labels` input of the output's shape), or `output:<name>` (that
      output already is the loss).
    * `@main` then returns the loss followed by one gradient per parameter
      (named `<param>_grad`), in the order the parameters are first used.

    Every op between a parameter and the loss needs a rule; one without is
    reported at its node.

    `optimizer=none` returns the gradients. With an optimizer, the step is
    functional: the parameters, their moments (`<param>.m`, `<param>.v`)
    and the step counter `step` are arguments, and `@main` returns the loss
    followed by their new values under the same names, so a runner feeds
    each step's results into the next. Each parameter is updated by one
    `mp.optimizer_update` (f32 math, one pass over memory). The module also
    gets `@init` (the initial state: the initializers' values, zero
    moments, step 0) and `@inference` (the original graph, for saving the
    trained model).

    Input:
    ```mlir
    func.func @main(%x: tensor<8x4xf32> {mp.name = "x"}) -> (tensor<8x3xf32> {mp.name = "y"}) {
      %w = mp.constant {initializer = "w", value = dense<...> : tensor<4x3xf32>} : () -> tensor<4x3xf32>
      %y = mp.matmul %x, %w : (tensor<8x4xf32>, tensor<4x3xf32>) -> tensor<8x3xf32>
      return %y : tensor<8x3xf32>
    }
    ```
    Output (`loss=mse`, schematically):
    ```mlir
    func.func @main(%x: tensor<8x4xf32> {mp.name = "x"}, %t: tensor<8x3xf32> {mp.name = "labels"},
                    %w: tensor<4x3xf32> {mp.name = "w"})
        -> (tensor<f32> {mp.name = "loss"}, tensor<4x3xf32> {mp.name = "w_grad"}) {
      %y = mp.matmul %x, %w
      %loss = mp.reduce_mean (%y - %t)^2
      // backward: dL/dy = 2 (y - t) / 24, dL/dw = x^T dL/dy
      %gw = mp.matmul (mp.transpose %x), %dy
      return %loss, %gw
    }
    ```
  }];
  let options = [
    Option<"loss", "loss", "std::string", /*default=*/"\"cross-entropy\"",
           "cross-entropy | mse | output:<name>">,
    Option<"labels", "labels", "std::string", /*default=*/"\"labels\"",
           "Name of the labels input that the loss adds">,
    Option<"output", "output", "std::string", /*default=*/"\"\"",
           "Output the loss is computed from (default: the first)">,
    Option<"optimizer", "optimizer", "std::string", /*default=*/"\"none\"",
           "none (return the gradients) | sgd | momentum | adam | adamw">,
    Option<"lr", "lr", "double", /*default=*/"1e-3", "Learning rate">,
    Option<"beta1", "beta1", "double", /*default=*/"0.9", "Adam's first-moment decay">,
    Option<"beta2", "beta2", "double", /*default=*/"0.999", "Adam's second-moment decay">,
    Option<"eps", "eps", "double", /*default=*/"1e-8", "Adam's epsilon">,
    Option<"weightDecay", "weight-decay", "double", /*default=*/"-1",
           "Weight decay (L2 for sgd/momentum/adam, decoupled for adamw); "
           "default 0.01 for adamw, else 0 (PyTorch's defaults)">,
    Option<"momentum", "momentum", "double", /*default=*/"0.9", "Momentum factor">,
    Option<"accumulate", "accumulate", "int64_t", /*default=*/"1",
           "Accumulate the (unscaled, FP32) gradients of this many steps and "
           "update once with their mean (state `<param>.acc`, "
           "`accumulation_step`)">,
    Option<"clipNorm", "clip-norm", "double", /*default=*/"0",
           "Clip the gradients to this global L2 norm (computed on unscaled "
           "gradients; 0: no clipping)">,
  ];
}

def MpLossScaling : Pass<"mp-loss-scaling", "::mlir::ModuleOp"> {
  let summary = "Static or dynamic loss scaling for a training step";
  let description = [{
    Runs after `mp-build-train-step` (with an optimizer) and before or after
    `mp-autocast`. The backward pass starts from the loss scale S instead of
    1 (the loss is scaled; the reported loss is not), the optimizer updates
    multiply the gradients by 1/S inside their fused kernel (unscaling, and
    gradient clipping sees unscaled gradients), and an all-finite check over
    every gradient (the sum of g * 0 is 0 exactly when all are finite)
    drives each update's skip flag: a non-finite step leaves the masters and
    the moments untouched, with no host synchronisation.

    `mode=dynamic` (GradScaler's defaults) adds the state `loss_scale` and
    `loss_scale_good_steps` to the step: on a non-finite step the scale is
    multiplied by `backoff-factor` (not below `min-scale`) and the count
    restarts; after `growth-interval` finite steps in a row it is multiplied
    by `growth-factor` (not above `max-scale`). `mode=static` keeps
    `init-scale` and still skips non-finite steps.

    Output (dynamic, schematically):
    ```mlir
    func.func @main(..., %scale: tensor<f32> {mp.name = "loss_scale"},
                    %good: tensor<i64> {mp.name = "loss_scale_good_steps"})
      // backward seeded with %scale
      %finite = mp.equal (sum of g * 0 over all gradients), 0
      %skip = mp.not %finite
      mp.optimizer_update ..., grad_scale = 1 / %scale, skip = %skip
      %scale' = where(finite, grown-or-same, max(scale * 0.5, min-scale))
    ```
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"dynamic\"", "static | dynamic">,
    Option<"initScale", "init-scale", "double", /*default=*/"65536", "Initial loss scale">,
    Option<"growthFactor", "growth-factor", "double", /*default=*/"2", "Scale growth factor">,
    Option<"backoffFactor", "backoff-factor", "double", /*default=*/"0.5",
           "Scale factor after a non-finite step">,
    Option<"growthInterval", "growth-interval", "int64_t", /*default=*/"2000",
           "Finite steps in a row before the scale grows">,
    Option<"minScale", "min-scale", "double", /*default=*/"1",
           "Lower bound of the scale (GradScaler has none; a scale below 1 "
           "shrinks gradients towards underflow)">,
    Option<"maxScale", "max-scale", "double", /*default=*/"16777216",
           "Upper bound of the scale (2^24, as apex and ONNX Runtime)">,
  ];
}

def MpMasterWeights : Pass<"mp-master-weights", "::mlir::ModuleOp"> {
  let summary = "Keep FP32 master weights; forward and backward read an FP16/BF16 copy";
  let description = [{
    Runs on a training step after `mp-autocast`. Autocast leaves each FP32
    parameter with casts to FP16/BF16 in front of its low-precision users,
    which would convert every weight on every step. This pass makes the
    low-precision copy part of the training state instead: each such
    parameter gets an argument `<param>.low` that replaces those casts (in
    the forward and the backward graph alike), and its
    `mp.optimizer_update` also writes the new copy in the same kernel that
    updates the FP32 master (`low` result, returned as `<param>.low`).
    The master stays the optimizer's state: only the update reads it.
    `@init` gets the initial copies.

    Before:
    ```mlir
    %w16 = mp.cast %w {to = f16}       // every step
    ... uses of %w16 ...
    %nw = mp.optimizer_update "adamw" %w, %gw, ...
    ```
    After:
    ```mlir
    ... uses of %w_low (argument "w.low") ...
    %nw, %nw16 = mp.optimizer_update "adamw" %w, %gw, ...   // one kernel
    return ..., %nw, %nw16 ...
    ```
  }];
}

#endif // MIXPREC_DIALECT_MP_TRANSFORMS_PASSES_TD
