// Bad option values: a clear error and a non-zero exit status.
// RUN: not mp-opt %s -mp-assign-precision="target=fp8" 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not mp-opt %s -mp-assign-precision="chip=sm_60" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not mp-opt %s -mp-assign-precision="target=bf16 chip=sm_70" 2>&1 | FileCheck %s --check-prefix=BF16-70
// RUN: not mp-opt %s --pass-pipeline='builtin.module(mp-autocast{target=bf16 chip=sm_75})' 2>&1 | FileCheck %s --check-prefix=BF16-75
// RUN: not mp-opt %s -mp-assign-precision="input-range=x:-1" 2>&1 | FileCheck %s --check-prefix=RANGE-HI
// RUN: not mp-opt %s -mp-assign-precision="input-range=x:2:1" 2>&1 | FileCheck %s --check-prefix=RANGE-ORDER
// RUN: not mp-opt %s -mp-assign-precision="input-range=x:lo:1" 2>&1 | FileCheck %s --check-prefix=RANGE-NUM
// RUN: not mp-opt %s -mp-assign-precision="nodes-to-exclude=enc(" 2>&1 | FileCheck %s --check-prefix=REGEX
// RUN: not mp-opt %s -mp-assign-precision="max-reduction-depth=-1" 2>&1 | FileCheck %s --check-prefix=DEPTH
// RUN: not mp-opt %s -mp-assign-precision="init-max=0" 2>&1 | FileCheck %s --check-prefix=LIMITS
// RUN: not mp-opt %s -mp-assign-precision="min-positive=-1e-8" 2>&1 | FileCheck %s --check-prefix=LIMITS
// RUN: not mp-opt %s -mp-assign-precision="data-max=abc" 2>&1 | FileCheck %s --check-prefix=PARSE
// RUN: not mp-opt %s -mp-insert-casts 2>&1 | FileCheck %s --check-prefix=ORDER
// RUN: not mp-opt %s -mp-autocast="report=%t.missing-dir/r.json" 2>&1 | FileCheck %s --check-prefix=REPORT

// TARGET: error: mp-assign-precision: target must be 'f16' or 'bf16', got 'fp8'
// CHIP: error: mp-assign-precision: chip must be one of sm_70, sm_75, sm_80, sm_86, sm_87, sm_89, sm_90; got 'sm_60'
// BF16-70: error: mp-assign-precision: target=bf16 needs chip sm_80 or newer (got sm_70); use target=f16 on Volta and Turing
// BF16-75: error: mp-assign-precision: target=bf16 needs chip sm_80 or newer (got sm_75)
// RANGE-HI: error: mp-assign-precision: input-range must be name:lo:hi with lo <= hi, got 'x:-1'
// RANGE-ORDER: error: mp-assign-precision: input-range must be name:lo:hi with lo <= hi, got 'x:2:1'
// RANGE-NUM: error: mp-assign-precision: input-range must be name:lo:hi with lo <= hi, got 'x:lo:1'
// REGEX: error: mp-assign-precision: invalid node-name regex 'enc(': parentheses not balanced
// DEPTH: error: mp-assign-precision: max-reduction-depth must be >= 0 (0: no limit)
// LIMITS: error: mp-assign-precision: init-max, data-max and static-data-max must be positive and min-positive non-negative
// PARSE: for the --data-max option: 'abc' value invalid for floating point argument!
// ORDER: error: mp-insert-casts: no precision decisions; run mp-assign-precision first
// REPORT: error: mp-precision-report: cannot write '{{.*}}missing-dir/r.json'

// Good option values are accepted (sm_87, a name containing ':').
// RUN: mp-opt %s -mp-assign-precision="target=bf16 chip=sm_87 input-range=x:-1:1 input-range=a:b:0:1" -o /dev/null

// Running the pipeline twice changes nothing the second time: same ops,
// same types, same four casts, same summary.
// RUN: mp-opt %s -mp-autocast -mlir-print-debuginfo -o %t.once.mlir 2>&1 | FileCheck %s --check-prefix=SUMMARY
// RUN: mp-opt %t.once.mlir -mp-autocast -mlir-print-debuginfo -o %t.twice.mlir 2>&1 | FileCheck %s --check-prefix=SUMMARY
// RUN: FileCheck %s --check-prefix=IDEM < %t.once.mlir
// RUN: FileCheck %s --check-prefix=IDEM < %t.twice.mlir

// SUMMARY: mp-autocast: 6 nodes: 3 f16 2 f32 1 keep; {{.*}}; 4 casts; weights 80 B -> 44 B;
// SUMMARY-NEXT: FP32 'mask/Add' (Add): init-max
// SUMMARY-NEXT: FP32 'head/Softmax' (Softmax): sensitive
// SUMMARY-NOT: FP32

// IDEM-LABEL: func.func @main(
// IDEM-SAME: %arg0: tensor<4x8xf16> {mp.name = "x"}
// IDEM-SAME: -> (tensor<4x2xf16> {mp.name = "y"}, tensor<4x2xf16> {mp.name = "z"}, tensor<4x2xf16> {mp.name = "u"})
// IDEM: mp.constant {initializer = "w", value = dense_resource<w_f16{{.*}}> : tensor<8x2xf16>
// IDEM: mp.constant {initializer = "b", value = dense_resource<b_f16{{.*}}> : tensor<2xf16>
// IDEM: mp.constant {initializer = "mask", value = dense<{{.*}}> : tensor<1x2xf32>}
// IDEM-NOT: mp.constant
// IDEM: %[[M:.*]] = mp.matmul %arg0, {{.*}}mp.precision = "f16"{{.*}} -> tensor<4x2xf16>
// IDEM: %[[A:.*]] = mp.add %[[M]], {{.*}}mp.precision = "f16"{{.*}} -> tensor<4x2xf16>
// IDEM: %[[AU:.*]] = mp.cast %[[A]] {to = f32
// IDEM: %[[K:.*]] = mp.add %[[AU]], {{.*}}mp.precision = "f32", mp.rule = "init-max"{{.*}} -> tensor<4x2xf32>
// IDEM: %[[S:.*]] = mp.softmax %[[K]] {{.*}}mp.precision = "f32"{{.*}} -> tensor<4x2xf32>
// IDEM: %[[SC:.*]] = mp.cast %[[S]] {to = f16
// IDEM: %[[N:.*]] = mp.neg %[[A]] {{.*}}mp.precision = "f16"{{.*}} -> tensor<4x2xf16>
// IDEM: %[[NU:.*]] = mp.cast %[[N]] {to = f32
// IDEM: %[[U:.*]] = mp.onnx_op "com.example"::"Custom" %[[NU]] {{.*}} -> tensor<4x2xf32>
// IDEM: %[[UC:.*]] = mp.cast %[[U]] {to = f16
// IDEM-NOT: = mp.cast
// IDEM: return %[[SC]], %[[A]], %[[UC]] : tensor<4x2xf16>, tensor<4x2xf16>, tensor<4x2xf16>
func.func @main(%x: tensor<4x8xf32> {mp.name = "x"}) -> (tensor<4x2xf32> {mp.name = "y"}, tensor<4x2xf32> {mp.name = "z"}, tensor<4x2xf32> {mp.name = "u"}) {
  %w = mp.constant {initializer = "w", value = dense<[[0.5, 1.0e-6], [0.25, 1.0], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]> : tensor<8x2xf32>} : () -> tensor<8x2xf32>
  %b = mp.constant {initializer = "b", value = dense<[0.1, 0.2]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mask = mp.constant {initializer = "mask", value = dense<[[0.0, -3.4e38]]> : tensor<1x2xf32>} : () -> tensor<1x2xf32>
  %0 = mp.matmul %x, %w : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32> loc("fc1/MatMul")
  %1 = mp.add %0, %b : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4x2xf32> loc("fc1/Add")
  %2 = mp.add %1, %mask : (tensor<4x2xf32>, tensor<1x2xf32>) -> tensor<4x2xf32> loc("mask/Add")
  %3 = mp.softmax %2 : (tensor<4x2xf32>) -> tensor<4x2xf32> loc("head/Softmax")
  %4 = mp.neg %1 : (tensor<4x2xf32>) -> tensor<4x2xf32> loc("neg")
  %5 = mp.onnx_op "com.example"::"Custom" %4 : (tensor<4x2xf32>) -> tensor<4x2xf32>
  return %3, %1, %5 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}
