// RUN: mp-opt %s -mp-autocast="report=%t.json summary=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SUMMARY
// RUN: cat %t.json | FileCheck %s --check-prefix=JSON
// RUN: mp-opt %s -mp-autocast="summary=0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// RUN: mp-opt %s -mp-assign-precision="keep-io-types=1" -mp-insert-casts -mp-precision-report="output=%t.keepio.json summary=0" | FileCheck %s --check-prefix=IR
// RUN: cat %t.keepio.json | FileCheck %s --check-prefix=KEEPIO

// The autocast report on a small model: MatMul (f16, FP32 accumulation),
// a nameless Add that follows it, and a Softmax kept FP32.
//   FLOPs: MatMul 2*4*2*8 = 128, Add 8, Softmax 8 -> 136 of 144 low.
//   Weights: 16 + 2 f32 values (72 B) -> f16 (36 B).
//   Activations (keep-io-types=0): before 3 * 32 B; after MatMul 16 +
//   Add 16 + Softmax 32 + casts (f32 for the Softmax, f16 for the output)
//   32 + 16 = 112 B.

// SUMMARY: mp-autocast: 3 nodes: 2 f16 1 f32; 94.4% of 144 FLOPs in low precision; 2 casts; weights 72 B -> 36 B; activations ~96 B -> 112 B
// SUMMARY-NEXT: FP32 'head/Softmax' (Softmax): sensitive - Softmax is numerically sensitive
// SUMMARY-NOT: FP32

// QUIET-NOT: mp-autocast:

// JSON: "constants": [
// JSON-NEXT: {
// JSON-NEXT: "clamped": 0,
// JSON-NEXT: "elements": 16,
// JSON-NEXT: "flushed_to_zero": 0,
// JSON-NEXT: "from": "f32",
// JSON-NEXT: "initializer": "fc1.weight",
// JSON-NEXT: "max_abs_error": 1.32{{[0-9]*}}e-08,
// JSON-NEXT: "subnormal": 1,
// JSON-NEXT: "to": "f16"
// JSON-NEXT: },
// JSON-NEXT: {
// JSON: "elements": 2,
// JSON: "initializer": "fc1.bias",
// JSON: "subnormal": 0,
// JSON-NEXT: "to": "f16"
// JSON-NEXT: }
// JSON-NEXT: ],
// JSON-NEXT: "nodes": [
// JSON-NEXT: {
// JSON-NEXT: "accumulate": "f32",
// JSON-NEXT: "casts_added": 0,
// JSON-NEXT: "evidence": "MatMul: f16 inputs, FP32 accumulation{{.*}}",
// JSON-NEXT: "flops": 128,
// JSON-NEXT: "name": "fc1/MatMul",
// JSON-NEXT: "op": "MatMul",
// JSON-NEXT: "precision": "f16",
// JSON-NEXT: "rule": "compute"
// JSON-NEXT: },
// JSON-NEXT: {
// JSON-NEXT: "casts_added": 0,
// JSON-NEXT: "evidence": "input from 'fc1/MatMul' (MatMul) is f16",
// JSON-NEXT: "flops": 8,
// JSON-NEXT: "name": "#1",
// JSON-NEXT: "op": "Add",
// JSON-NEXT: "precision": "f16",
// JSON-NEXT: "rule": "follows-low-input"
// JSON-NEXT: },
// JSON-NEXT: {
// JSON-NEXT: "casts_added": 1,
// JSON-NEXT: "evidence": "Softmax is numerically sensitive{{.*}}",
// JSON-NEXT: "flops": 8,
// JSON-NEXT: "name": "head/Softmax",
// JSON-NEXT: "op": "Softmax",
// JSON-NEXT: "precision": "f32",
// JSON-NEXT: "rule": "sensitive"
// JSON-NEXT: }
// JSON-NEXT: ],
// JSON-NEXT: "options": {
// JSON-NEXT: "chip": "sm_90",
// JSON-NEXT: "data_max": 512,
// JSON-NEXT: "init_max": 65504,
// JSON-NEXT: "input_ranges": [],
// JSON-NEXT: "keep_io_types": false,
// JSON-NEXT: "max_reduction_depth": 0,
// JSON-NEXT: "min_positive": 5.96{{[0-9]*}}e-08,
// JSON-NEXT: "nodes_to_exclude": [],
// JSON-NEXT: "nodes_to_include": [],
// JSON-NEXT: "op_types_to_exclude": [],
// JSON-NEXT: "op_types_to_include": [],
// JSON-NEXT: "static_data_max": 65504,
// JSON-NEXT: "target": "f16"
// JSON-NEXT: },
// JSON-NEXT: "schema": "mixprec.autocast-report/1",
// JSON-NEXT: "totals": {
// JSON-NEXT: "activation_bytes_after": 112,
// JSON-NEXT: "activation_bytes_before": 96,
// JSON-NEXT: "casts": 2,
// JSON-NEXT: "flops": 144,
// JSON-NEXT: "low_precision_flop_share": 0.944{{[0-9]*}},
// JSON-NEXT: "low_precision_flops": 136,
// JSON-NEXT: "nodes": 3,
// JSON-NEXT: "nodes_by_precision": {
// JSON-NEXT: "f16": 2,
// JSON-NEXT: "f32": 1
// JSON-NEXT: },
// JSON-NEXT: "weight_bytes_after": 36,
// JSON-NEXT: "weight_bytes_before": 72
// JSON-NEXT: }

// The report pass on its own does not change the IR. With keep-io-types
// x is cast to f16 at the boundary (64 B) and the Add's result back to f32
// for the Softmax (32 B), whose f32 result is the graph output:
// 16 + 16 + 32 + 64 + 32 = 160 B.
// IR: func.func @main(%arg0: tensor<4x8xf32> {mp.name = "x"}) -> (tensor<4x2xf32> {mp.name = "y"})
// IR-COUNT-2: = mp.cast %
// IR-NOT: = mp.cast %
// IR: return
// KEEPIO: "keep_io_types": true,
// KEEPIO: "activation_bytes_after": 160,
// KEEPIO-NEXT: "activation_bytes_before": 96,
// KEEPIO-NEXT: "casts": 2,
func.func @main(%x: tensor<4x8xf32> {mp.name = "x"}) -> (tensor<4x2xf32> {mp.name = "y"}) {
  %w = mp.constant {initializer = "fc1.weight", value = dense<[[0.5, 1.0e-6], [0.25, 1.0], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]> : tensor<8x2xf32>} : () -> tensor<8x2xf32>
  %b = mp.constant {initializer = "fc1.bias", value = dense<[0.1, 0.2]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = mp.matmul %x, %w : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32> loc("fc1/MatMul")
  %1 = mp.add %0, %b : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %2 = mp.softmax %1 : (tensor<4x2xf32>) -> tensor<4x2xf32> loc("head/Softmax")
  return %2 : tensor<4x2xf32>
}
