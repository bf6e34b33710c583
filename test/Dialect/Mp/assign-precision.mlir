// RUN: mp-opt %s -split-input-file -mp-assign-precision | FileCheck %s
// RUN: mp-opt %s -split-input-file -mp-assign-precision="op-types-to-exclude=MatMul nodes-to-exclude=encoder/.*,mm0" | FileCheck %s --check-prefix=EXCL
// RUN: mp-opt %s -split-input-file -mp-assign-precision="op-types-to-exclude=MatMul nodes-to-exclude=attn nodes-to-include=head,dec op-types-to-include=Softmax" | FileCheck %s --check-prefix=INCL
// RUN: mp-opt %s -split-input-file -mp-assign-precision="init-max=3.5e38 min-positive=0" | FileCheck %s --check-prefix=LOOSE
// RUN: mp-opt %s -split-input-file -mp-assign-precision="input-range=x:-1000:1000 data-max=1" | FileCheck %s --check-prefix=RANGE
// RUN: mp-opt %s -split-input-file -mp-assign-precision="input-range=x:-1:1 static-data-max=100" | FileCheck %s --check-prefix=SDMAX
// RUN: mp-opt %s -split-input-file -mp-assign-precision="max-reduction-depth=32" | FileCheck %s --check-prefix=DEPTH
// RUN: mp-opt %s -split-input-file -mp-assign-precision="keep-io-types=1" | FileCheck %s --check-prefix=KEEPIO
// RUN: mp-opt %s -split-input-file -mp-assign-precision="target=bf16 chip=sm_80" | FileCheck %s --check-prefix=BF16

// mp-assign-precision: one case per rule and per option. Each op gets
// mp.precision / mp.rule / mp.evidence; types never change.

// Compute ops go to the low-precision target with FP32 accumulation; the
// options used are recorded on the module.
// CHECK: module attributes {mp.autocast = {chip = "sm_90", data_max = 5.120000e+02 : f64, init_max = 6.550400e+04 : f64, input_ranges = [], keep_io_types = false, max_reduction_depth = 0 : i64, min_positive = 5.9604644775390625E-8 : f64, nodes_to_exclude = [], nodes_to_include = [], op_types_to_exclude = [], op_types_to_include = [], static_data_max = 6.550400e+04 : f64, target = "f16"}}
// CHECK-LABEL: func.func @compute(
// CHECK: mp.matmul %arg0, %{{.*}} {mp.evidence = "MatMul: f16 inputs, FP32 accumulation{{.*}}", mp.precision = "f16", mp.rule = "compute"} : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
// CHECK: mp.gemm %arg0, %{{.*}} {mp.evidence = "Gemm: f16 inputs, FP32 accumulation{{.*}}", mp.precision = "f16", mp.rule = "compute"}
// CHECK: mp.conv %arg1, %{{.*}} {mp.evidence = "Conv: f16 inputs, FP32 accumulation{{.*}}", mp.precision = "f16", mp.rule = "compute"}
// BF16: module attributes {mp.autocast = {chip = "sm_80", {{.*}}target = "bf16"}}
// BF16-LABEL: func.func @compute(
// BF16: mp.matmul {{.*}}mp.evidence = "MatMul: bf16 inputs, FP32 accumulation{{.*}}", mp.precision = "bf16", mp.rule = "compute"
// BF16: mp.gemm {{.*}}mp.precision = "bf16", mp.rule = "compute"
// BF16: mp.conv {{.*}}mp.precision = "bf16", mp.rule = "compute"
// DEPTH-LABEL: func.func @compute(
// DEPTH: mp.matmul {{.*}}mp.evidence = "reduction depth 64 > max-reduction-depth 32", mp.precision = "f32", mp.rule = "max-reduction-depth"
// DEPTH: mp.gemm {{.*}}mp.evidence = "reduction depth 64 > max-reduction-depth 32", mp.precision = "f32", mp.rule = "max-reduction-depth"
// DEPTH: mp.conv {{.*}}mp.evidence = "reduction depth 36 > max-reduction-depth 32", mp.precision = "f32", mp.rule = "max-reduction-depth"
func.func @compute(%x: tensor<8x64xf32> {mp.name = "x"}, %img: tensor<1x4x8x8xf32> {mp.name = "img"}) -> (tensor<8x64xf32>, tensor<8x64xf32>, tensor<1x6x6x6xf32>) {
  %w = mp.constant {initializer = "w", value = dense<0.01> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
  %k = mp.constant {initializer = "k", value = dense<0.5> : tensor<6x4x3x3xf32>} : () -> tensor<6x4x3x3xf32>
  %0 = mp.matmul %x, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
  %1 = mp.gemm %x, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
  %2 = mp.conv %img, %k : (tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %0, %1, %2 : tensor<8x64xf32>, tensor<8x64xf32>, tensor<1x6x6x6xf32>
}

// -----

// max-reduction-depth measures the dot-product length: the last dim of
// MatMul's A, Gemm's K (dim 0 of A with transA), C*kH*kW for Conv.
// CHECK-LABEL: func.func @depth(
// CHECK-COUNT-3: mp.rule = "compute"
// DEPTH-LABEL: func.func @depth(
// DEPTH: mp.matmul %arg0, {{.*}}mp.precision = "f16", mp.rule = "compute"
// DEPTH: mp.gemm %arg1, {{.*}}transA = 1 : i64, mp.evidence = "reduction depth 64 > max-reduction-depth 32", mp.precision = "f32", mp.rule = "max-reduction-depth"
// DEPTH: mp.gemm %arg0, {{.*}}mp.precision = "f16", mp.rule = "compute"
func.func @depth(%y: tensor<8x16xf32> {mp.name = "y"}, %xt: tensor<64x8xf32> {mp.name = "xt"}) -> (tensor<8x2xf32>, tensor<8x2xf32>, tensor<8x2xf32>) {
  %v = mp.constant {initializer = "v", value = dense<0.01> : tensor<16x2xf32>} : () -> tensor<16x2xf32>
  %w = mp.constant {initializer = "w", value = dense<0.01> : tensor<64x2xf32>} : () -> tensor<64x2xf32>
  %0 = mp.matmul %y, %v : (tensor<8x16xf32>, tensor<16x2xf32>) -> tensor<8x2xf32>
  %1 = mp.gemm %xt, %w {transA = 1 : i64} : (tensor<64x8xf32>, tensor<64x2xf32>) -> tensor<8x2xf32>
  %2 = mp.gemm %y, %v : (tensor<8x16xf32>, tensor<16x2xf32>) -> tensor<8x2xf32>
  return %0, %1, %2 : tensor<8x2xf32>, tensor<8x2xf32>, tensor<8x2xf32>
}

// -----

// Sensitive ops stay FP32 whatever their neighbours (a LayerNorm that
// also returns Mean/InvStdDev included; see @fp32_compute for the
// storage-only form).
// CHECK-LABEL: func.func @sensitive(
// CHECK: mp.softmax {{.*}}{mp.evidence = "Softmax is numerically sensitive{{.*}}", mp.precision = "f32", mp.rule = "sensitive"}
// CHECK: mp.layer_normalization {{.*}}mp.evidence = "LayerNormalization is numerically sensitive{{.*}}", mp.precision = "f32", mp.rule = "sensitive"}
// CHECK: mp.reduce_mean {{.*}}mp.evidence = "ReduceMean is numerically sensitive{{.*}}", mp.precision = "f32", mp.rule = "sensitive"}
// CHECK: mp.exp {{.*}}{mp.evidence = "Exp is numerically sensitive{{.*}}", mp.precision = "f32", mp.rule = "sensitive"}
func.func @sensitive(%x: tensor<8x64xf32> {mp.name = "x"}, %s: tensor<64xf32> {mp.name = "s"}) -> (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x1xf32>, tensor<8x64xf32>) {
  %w = mp.constant {initializer = "w", value = dense<0.01> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
  %m = mp.matmul %x, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
  %0 = mp.softmax %m : (tensor<8x64xf32>) -> tensor<8x64xf32>
  %1:3 = mp.layer_normalization %m, %s {resultSegmentSizes = array<i32: 1, 1, 1>} : (tensor<8x64xf32>, tensor<64xf32>) -> (tensor<8x64xf32>, tensor<8x1xf32>, tensor<8x1xf32>)
  %2 = mp.reduce_mean %m {axes = array<i64: 1>} : (tensor<8x64xf32>) -> tensor<8x1xf32>
  %3 = mp.exp %m : (tensor<8x64xf32>) -> tensor<8x64xf32>
  %4 = mp.matmul %1#0, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
  return %0, %4, %2, %3 : tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x1xf32>, tensor<8x64xf32>
}

// -----

// Normalisations that compute in FP32 by definition (LayerNormalization
// with stash_type 1 and no Mean/InvStdDev outputs, inference-form
// BatchNormalization) take low-precision storage between low neighbours;
// without a low neighbour they stay FP32.
// CHECK-LABEL: func.func @fp32_compute(
// CHECK: %[[M:.*]] = mp.matmul %arg0, {{.*}}mp.rule = "compute"
// CHECK: mp.layer_normalization %[[M]], {{.*}}mp.evidence = "LayerNormalization normalises in FP32 internally; only its input and output are f16 (input from MatMul is f16)", mp.precision = "f16", mp.rule = "fp32-compute"}
// CHECK: mp.layer_normalization %arg0, {{.*}}mp.evidence = "LayerNormalization is numerically sensitive and has no low-precision neighbour", mp.precision = "f32", mp.rule = "sensitive"}
// CHECK: %[[C:.*]] = mp.conv %arg1, {{.*}}mp.rule = "compute"
// CHECK: mp.batch_normalization %[[C]], {{.*}}mp.evidence = "BatchNormalization normalises in FP32 internally{{.*}}", mp.precision = "f16", mp.rule = "fp32-compute"}
// CHECK: mp.conv {{.*}}mp.rule = "compute"
func.func @fp32_compute(%x: tensor<8x64xf32> {mp.name = "x"}, %img: tensor<1x2x4x4xf32> {mp.name = "img"}) -> (tensor<8x64xf32>, tensor<8x64xf32>, tensor<1x2x4x4xf32>) {
  %w = mp.constant {initializer = "w", value = dense<0.01> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
  %s = mp.constant {initializer = "ln.scale", value = dense<1.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %k = mp.constant {initializer = "k", value = dense<0.5> : tensor<2x2x1x1xf32>} : () -> tensor<2x2x1x1xf32>
  %c = mp.constant {initializer = "bn.c", value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = mp.matmul %x, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
  %1 = mp.layer_normalization %0, %s {resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<8x64xf32>, tensor<64xf32>) -> tensor<8x64xf32>
  %2 = mp.matmul %1, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
  %3 = mp.layer_normalization %x, %s {resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<8x64xf32>, tensor<64xf32>) -> tensor<8x64xf32>
  %4 = mp.conv %img, %k : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %5 = mp.batch_normalization %4, %c, %c, %c, %c {resultSegmentSizes = array<i32: 1, 0, 0, 0, 0>} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %6 = mp.conv %5, %k : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %2, %3, %6 : tensor<8x64xf32>, tensor<8x64xf32>, tensor<1x2x4x4xf32>
}

// -----

// Painting: an op fed only by graph inputs/constants whose consumer is low
// goes low (feeds-low-consumer); an Add between two low MatMuls is low (no
// FP32 island); an op after a Softmax is FP32; an op with no low neighbour
// stays FP32.
// CHECK-LABEL: func.func @paint(
// CHECK: %[[R:.*]] = mp.relu %arg0 {mp.evidence = "its results feed MatMul, which is f16", mp.precision = "f16", mp.rule = "feeds-low-consumer"}
// CHECK: %[[M1:.*]] = mp.matmul %[[R]], {{.*}}mp.precision = "f16", mp.rule = "compute"
// CHECK: %[[A:.*]] = mp.add %[[M1]], %arg0 {mp.evidence = "input from MatMul is f16", mp.precision = "f16", mp.rule = "follows-low-input"}
// CHECK: %[[M2:.*]] = mp.matmul %[[A]], {{.*}}mp.precision = "f16", mp.rule = "compute"
// CHECK: %[[S:.*]] = mp.softmax %[[M2]] {{{.*}}mp.precision = "f32", mp.rule = "sensitive"}
// CHECK: mp.add %[[S]], %[[M2]] {mp.evidence = "input from Softmax is FP32", mp.precision = "f32", mp.rule = "follows-f32-input"}
// CHECK: mp.sub %arg0, %arg0 {mp.evidence = "no low-precision producer or consumer; stays FP32", mp.precision = "f32", mp.rule = "no-low-neighbour"}
func.func @paint(%x: tensor<8x64xf32> {mp.name = "x"}) -> (tensor<8x64xf32>, tensor<8x64xf32>) {
  %w = mp.constant {initializer = "w", value = dense<0.01> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
  %r = mp.relu %x : (tensor<8x64xf32>) -> tensor<8x64xf32>
  %0 = mp.matmul %r, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
  %1 = mp.add %0, %x : (tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<8x64xf32>
  %2 = mp.matmul %1, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
  %3 = mp.softmax %2 : (tensor<8x64xf32>) -> tensor<8x64xf32>
  %4 = mp.add %3, %2 : (tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<8x64xf32>
  %5 = mp.sub %x, %x : (tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<8x64xf32>
  return %4, %5 : tensor<8x64xf32>, tensor<8x64xf32>
}

// -----

// keep-io-types: a graph output must stay FP32, so an op that is returned
// no longer follows its low consumer; ops between low ops are unaffected.
// CHECK-LABEL: func.func @io(
// CHECK: mp.relu %arg0 {{{.*}}mp.precision = "f16", mp.rule = "feeds-low-consumer"}
// CHECK: mp.neg %arg0 {{{.*}}mp.precision = "f16", mp.rule = "feeds-low-consumer"}
// CHECK: mp.add {{.*}}mp.precision = "f16", mp.rule = "follows-low-input"
// KEEPIO: module attributes {mp.autocast = {{{.*}}keep_io_types = true{{.*}}}}
// KEEPIO-LABEL: func.func @io(
// KEEPIO: mp.relu %arg0 {{{.*}}mp.precision = "f32", mp.rule = "no-low-neighbour"}
// KEEPIO: mp.neg %arg0 {{{.*}}mp.precision = "f16", mp.rule = "feeds-low-consumer"}
// KEEPIO: mp.add {{.*}}mp.precision = "f16", mp.rule = "follows-low-input"
func.func @io(%x: tensor<8x64xf32> {mp.name = "x"}) -> (tensor<8x2xf32>, tensor<8x64xf32>) {
  %w = mp.constant {initializer = "w", value = dense<0.01> : tensor<64x2xf32>} : () -> tensor<64x2xf32>
  %r = mp.relu %x : (tensor<8x64xf32>) -> tensor<8x64xf32>
  %0 = mp.matmul %r, %w : (tensor<8x64xf32>, tensor<64x2xf32>) -> tensor<8x2xf32>
  %n = mp.neg %x : (tensor<8x64xf32>) -> tensor<8x64xf32>
  %1 = mp.matmul %n, %w : (tensor<8x64xf32>, tensor<64x2xf32>) -> tensor<8x2xf32>
  %2 = mp.add %0, %1 : (tensor<8x2xf32>, tensor<8x2xf32>) -> tensor<8x2xf32>
  return %2, %r : tensor<8x2xf32>, tensor<8x64xf32>
}

// -----

// Fixed ops (Shape) keep their types; casts are left unannotated (they are
// what the pipeline manages, so a second run changes nothing); ops without
// float data and ops mixprec does not model are left alone too.
// CHECK-LABEL: func.func @fixed(
// CHECK: mp.shape %arg0 {mp.evidence = "Shape computes shapes, casts or control flow{{.*}}", mp.precision = "keep", mp.rule = "fixed"}
// CHECK: mp.cast %arg0 {to = f16} :
// CHECK: mp.add %arg1, %arg1 {mp.evidence = "no FP32/FP16/BF16 data operands", mp.precision = "keep", mp.rule = "no-float"}
// CHECK: mp.onnx_op ""::"Celu" %arg0 {mp.evidence = "ops mixprec does not model keep their types", mp.precision = "keep", mp.rule = "unknown-op"}
// INCL-LABEL: func.func @fixed(
// INCL-NOT: mp.rule = "include"
// INCL: return
func.func @fixed(%x: tensor<2x3xf32> {mp.name = "x"}, %i: tensor<2x3xi32> {mp.name = "i"}) -> (tensor<2xi64>, tensor<2x3xf16>, tensor<2x3xi32>, tensor<2x3xf32>) {
  %0 = mp.shape %x : (tensor<2x3xf32>) -> tensor<2xi64> loc("head/shape")
  %1 = mp.cast %x {to = f16} : (tensor<2x3xf32>) -> tensor<2x3xf16> loc("head/cast")
  %2 = mp.add %i, %i : (tensor<2x3xi32>, tensor<2x3xi32>) -> tensor<2x3xi32> loc("head/add")
  %3 = mp.onnx_op ""::"Celu" %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2, %3 : tensor<2xi64>, tensor<2x3xf16>, tensor<2x3xi32>, tensor<2x3xf32>
}

// -----

// Exclude by op type and by node-name regex (anchored at the start: "mm0"
// does not match "decoder/mm0"); include beats every exclude rule and the
// sensitive rule.
// CHECK-LABEL: func.func @names(
// CHECK-COUNT-3: mp.rule = "compute"
// CHECK: mp.softmax {{.*}}mp.rule = "sensitive"
// EXCL-LABEL: func.func @names(
// EXCL: mp.matmul {{.*}}{mp.evidence = "op type MatMul is in op-types-to-exclude", mp.precision = "f32", mp.rule = "exclude"}
// EXCL: mp.gemm {{.*}}{mp.evidence = "node name 'encoder/gemm' matches nodes-to-exclude", mp.precision = "f32", mp.rule = "exclude"}
// EXCL: mp.gemm {{.*}}{{{.*}}mp.precision = "f16", mp.rule = "compute"}
// EXCL: mp.softmax {{.*}}mp.rule = "sensitive"
// INCL-LABEL: func.func @names(
// INCL: mp.matmul {{.*}}{mp.evidence = "op type MatMul is in op-types-to-exclude", mp.precision = "f32", mp.rule = "exclude"}
// INCL: mp.gemm {{.*}}{{{.*}}mp.rule = "compute"}
// INCL: mp.gemm {{.*}}{mp.evidence = "node name 'decoder/mm0' matches nodes-to-include", mp.precision = "f16", mp.rule = "include"}
// INCL: mp.softmax {{.*}}{mp.evidence = "op type Softmax is in op-types-to-include", mp.precision = "f16", mp.rule = "include"}
// INCL: mp.matmul {{.*}}{mp.evidence = "node name 'head' matches nodes-to-include", mp.precision = "f16", mp.rule = "include"}
func.func @names(%x: tensor<8x64xf32> {mp.name = "x"}) -> (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) {
  %w = mp.constant {initializer = "w", value = dense<0.01> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
  %0 = mp.matmul %x, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32> loc("mm0")
  %1 = mp.gemm %x, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32> loc("encoder/gemm")
  %2 = mp.gemm %x, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32> loc("decoder/mm0")
  %3 = mp.softmax %x : (tensor<8x64xf32>) -> tensor<8x64xf32> loc("attn/softmax")
  %4 = mp.matmul %x, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32> loc("head")
  return %0, %1, %2, %3, %4 : tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>
}

// -----

// init-max: an attention mask holding -3.4e38 keeps its consumer FP32; with
// init-max raised the Add follows its low input.
// CHECK-LABEL: func.func @init_max(
// CHECK: mp.matmul {{.*}}mp.rule = "compute"
// CHECK: mp.add {{.*}}{mp.evidence = "initializer 'mask' holds |x| up to 3.4e+38 > init-max 6.55e+04", mp.precision = "f32", mp.rule = "init-max"}
// LOOSE-LABEL: func.func @init_max(
// LOOSE: mp.add {{.*}}{mp.evidence = "input from MatMul is f16", mp.precision = "f16", mp.rule = "follows-low-input"}
func.func @init_max(%x: tensor<8x64xf32> {mp.name = "x"}) -> tensor<8x2xf32> {
  %w = mp.constant {initializer = "w", value = dense<0.01> : tensor<64x2xf32>} : () -> tensor<64x2xf32>
  %mask = mp.constant {initializer = "mask", value = dense<[[0.0, -3.4e38]]> : tensor<1x2xf32>} : () -> tensor<1x2xf32>
  %0 = mp.matmul %x, %w : (tensor<8x64xf32>, tensor<64x2xf32>) -> tensor<8x2xf32>
  %1 = mp.add %0, %mask : (tensor<8x2xf32>, tensor<1x2xf32>) -> tensor<8x2xf32>
  %2 = mp.softmax %1 : (tensor<8x2xf32>) -> tensor<8x2xf32>
  return %2 : tensor<8x2xf32>
}

// -----

// min-positive: weights of 1e-9 underflow FP16, so the MatMul stays FP32;
// min-positive=0 turns the rule off.
// CHECK-LABEL: func.func @min_positive(
// CHECK: mp.matmul {{.*}}{mp.evidence = "initializer 'tiny': 128 of 128 nonzero values below min-positive 5.96e-08 (max |x| 1e-09)", mp.precision = "f32", mp.rule = "min-positive"}
// LOOSE-LABEL: func.func @min_positive(
// LOOSE: mp.matmul {{.*}}mp.precision = "f16", mp.rule = "compute"
func.func @min_positive(%x: tensor<8x64xf32> {mp.name = "x"}) -> tensor<8x2xf32> {
  %w = mp.constant {initializer = "tiny", value = dense<1.0e-9> : tensor<64x2xf32>} : () -> tensor<64x2xf32>
  %0 = mp.matmul %x, %w : (tensor<8x64xf32>, tensor<64x2xf32>) -> tensor<8x2xf32>
  return %0 : tensor<8x2xf32>
}

// -----

// static-data-max: with x in [-1000, 1000] the first MatMul's static bound
// (1000 * 64 * 2 = 128000) could overflow FP16, and so could the
// LayerNorm's input. The LayerNorm bounds its output by |scale| sqrt(63) +
// |bias|, so the next MatMul is low again. data-max only applies to
// observed (calibrated) ranges, so data-max=1 does not touch static bounds.
// Without input-range nothing is known.
// CHECK-LABEL: func.func @static_bound(
// CHECK: mp.matmul {{.*}}mp.precision = "f16", mp.rule = "compute"
// CHECK: mp.layer_normalization {{.*}}mp.precision = "f16", mp.rule = "fp32-compute"
// CHECK: mp.matmul {{.*}}mp.precision = "f16", mp.rule = "compute"
// RANGE-LABEL: func.func @static_bound(
// RANGE: mp.matmul {{.*}}{mp.evidence = "output range [-1.28e+05, 1.28e+05] (static bound via mp.matmul) exceeds static-data-max 6.55e+04", mp.precision = "f32", mp.rule = "static-data-max"}
// RANGE: mp.layer_normalization {{.*}}mp.evidence = "input 0 range [-1.28e+05, 1.28e+05] (static bound via mp.matmul) exceeds static-data-max 6.55e+04", mp.precision = "f32", mp.rule = "static-data-max"
// RANGE: mp.matmul {{.*}}mp.precision = "f16", mp.rule = "compute"
// SDMAX-LABEL: func.func @static_bound(
// SDMAX: mp.matmul {{.*}}{mp.evidence = "output range [-128, 128] (static bound via mp.matmul) exceeds static-data-max 100", mp.precision = "f32", mp.rule = "static-data-max"}
// SDMAX: mp.layer_normalization {{.*}}mp.precision = "f32", mp.rule = "static-data-max"
// SDMAX: mp.matmul {{.*}}{mp.evidence = "output range [-1080, 1080] (static bound via mp.matmul) exceeds static-data-max 100", mp.precision = "f32", mp.rule = "static-data-max"}
func.func @static_bound(%x: tensor<8x64xf32> {mp.name = "x"}) -> tensor<8x64xf32> {
  %w = mp.constant {initializer = "w", value = dense<2.0> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
  %s = mp.constant {initializer = "ln.scale", value = dense<1.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %b = mp.constant {initializer = "ln.bias", value = dense<0.5> : tensor<64xf32>} : () -> tensor<64xf32>
  %0 = mp.matmul %x, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
  %1 = mp.layer_normalization %0, %s, %b {resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<8x64xf32>
  %2 = mp.matmul %1, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
  return %2 : tensor<8x64xf32>
}

// -----

// Ops inside mp.if / mp.loop regions are decided like top-level ops; the
// control-flow ops themselves keep their types.
// CHECK-LABEL: func.func @regions(
// CHECK: mp.if %arg0 {{{.*}}mp.precision = "keep", mp.rule = "fixed"}
// CHECK: then_branch {
// CHECK: %[[A:.*]] = mp.matmul %arg1, {{.*}}mp.precision = "f16", mp.rule = "compute"
// CHECK: mp.relu %[[A]] {mp.evidence = "input from MatMul is f16", mp.precision = "f16", mp.rule = "follows-low-input"}
// CHECK: else_branch {
// CHECK: mp.softmax %arg1 {{{.*}}mp.precision = "f32", mp.rule = "sensitive"}
// CHECK: mp.matmul {{.*}}mp.precision = "f16", mp.rule = "compute"
// CHECK: mp.loop %arg2, none, %arg1 {{{.*}}mp.precision = "keep", mp.rule = "fixed"}
// CHECK: ^bb0(%{{.*}}: tensor<i64>, %{{.*}}: tensor<i1>, %[[V:.*]]: tensor<8x64xf32>):
// CHECK: %[[E:.*]] = mp.exp %[[V]] {{{.*}}mp.precision = "f32", mp.rule = "sensitive"}
// CHECK: mp.tanh %[[E]] {mp.evidence = "input from Exp is FP32", mp.precision = "f32", mp.rule = "follows-f32-input"}
// CHECK: %[[N:.*]] = mp.neg %[[V]] {mp.evidence = "its results feed MatMul, which is f16", mp.precision = "f16", mp.rule = "feeds-low-consumer"}
// CHECK: mp.matmul %[[N]], {{.*}}mp.precision = "f16", mp.rule = "compute"
func.func @regions(%c: tensor<i1> {mp.name = "c"}, %x: tensor<8x64xf32> {mp.name = "x"}, %m: tensor<i64> {mp.name = "m"}) -> (tensor<8x2xf32>, tensor<8x64xf32>, tensor<?x8x2xf32>) {
  %w = mp.constant {initializer = "w", value = dense<0.01> : tensor<64x2xf32>} : () -> tensor<64x2xf32>
  %0 = mp.if %c : (tensor<i1>) -> tensor<8x2xf32> then_branch {
    %a = mp.matmul %x, %w : (tensor<8x64xf32>, tensor<64x2xf32>) -> tensor<8x2xf32>
    %b = mp.relu %a : (tensor<8x2xf32>) -> tensor<8x2xf32>
    mp.yield %b : tensor<8x2xf32>
  } else_branch {
    %s = mp.softmax %x : (tensor<8x64xf32>) -> tensor<8x64xf32>
    %a = mp.matmul %s, %w : (tensor<8x64xf32>, tensor<64x2xf32>) -> tensor<8x2xf32>
    mp.yield %a : tensor<8x2xf32>
  }
  %1:2 = mp.loop %m, none, %x : (tensor<i64>, tensor<8x64xf32>) -> (tensor<8x64xf32>, tensor<?x8x2xf32>) body {
  ^bb0(%i: tensor<i64>, %cc: tensor<i1>, %v: tensor<8x64xf32>):
    %e = mp.exp %v : (tensor<8x64xf32>) -> tensor<8x64xf32>
    %t = mp.tanh %e : (tensor<8x64xf32>) -> tensor<8x64xf32>
    %n = mp.neg %v : (tensor<8x64xf32>) -> tensor<8x64xf32>
    %p = mp.matmul %n, %w : (tensor<8x64xf32>, tensor<64x2xf32>) -> tensor<8x2xf32>
    mp.yield %cc, %t, %p : tensor<i1>, tensor<8x64xf32>, tensor<8x2xf32>
  }
  return %0, %1#0, %1#1 : tensor<8x2xf32>, tensor<8x64xf32>, tensor<?x8x2xf32>
}
