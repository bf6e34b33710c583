// RUN: mp-opt %s -split-input-file -mp-optimize-casts | FileCheck %s

// mp-optimize-casts on hand-written IR: fold exact chains, drop no-op casts,
// sink widening casts through pass-through ops, merge identical casts.

// f16 -> f32 -> f16 undoes an exact widening: the input is used directly.
// CHECK-LABEL: func.func @roundtrip(
// CHECK-NOT: mp.cast
// CHECK: return %arg0 : tensor<4x8xf16>
func.func @roundtrip(%h: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %0 = mp.cast %h {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
  %1 = mp.cast %0 {to = f16} : (tensor<4x8xf32>) -> tensor<4x8xf16>
  return %1 : tensor<4x8xf16>
}

// -----

// f16 -> f32 -> bf16: the first step is exact, so one cast does the same.
// CHECK-LABEL: func.func @exact_then_lossy(
// CHECK-NEXT: %[[C:.*]] = mp.cast %arg0 {to = bf16} : (tensor<4x8xf16>) -> tensor<4x8xbf16>
// CHECK-NEXT: return %[[C]] : tensor<4x8xbf16>
func.func @exact_then_lossy(%h: tensor<4x8xf16>) -> tensor<4x8xbf16> {
  %0 = mp.cast %h {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
  %1 = mp.cast %0 {to = bf16} : (tensor<4x8xf32>) -> tensor<4x8xbf16>
  return %1 : tensor<4x8xbf16>
}

// -----

// f32 -> f16 -> f32 rounds (and may overflow): both casts stay. bf16 ->
// f16 is not exact either.
// CHECK-LABEL: func.func @lossy_kept(
// CHECK-NEXT: %[[A:.*]] = mp.cast %arg0 {to = f16} : (tensor<4x8xf32>) -> tensor<4x8xf16>
// CHECK-NEXT: %[[B:.*]] = mp.cast %[[A]] {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[C:.*]] = mp.cast %arg1 {to = f16} : (tensor<4x8xbf16>) -> tensor<4x8xf16>
// CHECK-NEXT: %[[D:.*]] = mp.cast %[[C]] {to = bf16} : (tensor<4x8xf16>) -> tensor<4x8xbf16>
// CHECK-NEXT: return %[[B]], %[[D]]
func.func @lossy_kept(%f: tensor<4x8xf32>, %b: tensor<4x8xbf16>) -> (tensor<4x8xf32>, tensor<4x8xbf16>) {
  %0 = mp.cast %f {to = f16} : (tensor<4x8xf32>) -> tensor<4x8xf16>
  %1 = mp.cast %0 {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
  %2 = mp.cast %b {to = f16} : (tensor<4x8xbf16>) -> tensor<4x8xf16>
  %3 = mp.cast %2 {to = bf16} : (tensor<4x8xf16>) -> tensor<4x8xbf16>
  return %1, %3 : tensor<4x8xf32>, tensor<4x8xbf16>
}

// -----

// A cast to the value's own type is dropped.
// CHECK-LABEL: func.func @same_type(
// CHECK-NOT: mp.cast
// CHECK: return %arg0 : tensor<4x8xf32>
func.func @same_type(%f: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = mp.cast %f {to = f32} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// A widening cast sinks below each pass-through op (which then works on
// f16) and cancels with the following narrowing cast. (Identity then
// folds away.)
// CHECK-LABEL: func.func @sink(
// CHECK-NOT: mp.cast
// CHECK: %[[T:.*]] = mp.transpose %arg0 {perm = array<i64: 1, 0>} : (tensor<4x8xf16>) -> tensor<8x4xf16>
// CHECK-NEXT: %[[R:.*]] = mp.reshape %arg0, %arg1 : (tensor<4x8xf16>, tensor<1xi64>) -> tensor<32xf16>
// CHECK-NEXT: %[[U:.*]] = mp.unsqueeze %arg0 {axes = array<i64: 0>} : (tensor<4x8xf16>) -> tensor<1x4x8xf16>
// CHECK-NEXT: %[[S:.*]] = mp.squeeze %[[U]] {axes = array<i64: 0>} : (tensor<1x4x8xf16>) -> tensor<4x8xf16>
// CHECK-NEXT: %[[F:.*]] = mp.flatten %arg0 : (tensor<4x8xf16>) -> tensor<4x8xf16>
// CHECK-NEXT: %[[SL:.*]] = mp.slice %arg0 {axes = array<i64: 1>, ends = array<i64: 4>, starts = array<i64: 0>} : (tensor<4x8xf16>) -> tensor<4x4xf16>
// CHECK-NEXT: return %[[T]], %[[R]], %[[S]], %[[F]], %[[SL]] :
func.func @sink(%h: tensor<4x8xf16>, %s: tensor<1xi64>) -> (tensor<8x4xf16>, tensor<32xf16>, tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x4xf16>) {
  %a0 = mp.cast %h {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
  %b0 = mp.transpose %a0 {perm = array<i64: 1, 0>} : (tensor<4x8xf32>) -> tensor<8x4xf32>
  %c0 = mp.cast %b0 {to = f16} : (tensor<8x4xf32>) -> tensor<8x4xf16>
  %a1 = mp.cast %h {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
  %b1 = mp.reshape %a1, %s : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<32xf32>
  %c1 = mp.cast %b1 {to = f16} : (tensor<32xf32>) -> tensor<32xf16>
  %a2 = mp.cast %h {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
  %b2 = mp.unsqueeze %a2 {axes = array<i64: 0>} : (tensor<4x8xf32>) -> tensor<1x4x8xf32>
  %d2 = mp.squeeze %b2 {axes = array<i64: 0>} : (tensor<1x4x8xf32>) -> tensor<4x8xf32>
  %c2 = mp.cast %d2 {to = f16} : (tensor<4x8xf32>) -> tensor<4x8xf16>
  %a3 = mp.cast %h {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
  %b3 = mp.flatten %a3 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %d3 = mp.identity %b3 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %c3 = mp.cast %d3 {to = f16} : (tensor<4x8xf32>) -> tensor<4x8xf16>
  %a4 = mp.cast %h {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
  %b4 = mp.slice %a4 {axes = array<i64: 1>, ends = array<i64: 4>, starts = array<i64: 0>} : (tensor<4x8xf32>) -> tensor<4x4xf32>
  %c4 = mp.cast %b4 {to = f16} : (tensor<4x4xf32>) -> tensor<4x4xf16>
  return %c0, %c1, %c2, %c3, %c4 : tensor<8x4xf16>, tensor<32xf16>, tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x4xf16>
}

// -----

// Without a narrowing cast to meet, the cast still moves below the
// pass-through op, whose recorded precision, rule and evidence follow.
// CHECK-LABEL: func.func @sink_no_cancel(
// CHECK-NEXT: %[[T:.*]] = mp.transpose %arg0 {perm = array<i64: 1, 0>, mp.evidence = "mp-optimize-casts moved a widening cast below it{{.*}}", mp.precision = "bf16", mp.rule = "cast-sunk"} : (tensor<4x8xbf16>) -> tensor<8x4xbf16>
// CHECK-NEXT: %[[C:.*]] = mp.cast %[[T]] {to = f32} : (tensor<8x4xbf16>) -> tensor<8x4xf32>
// CHECK-NEXT: mp.relu %[[C]] : (tensor<8x4xf32>) -> tensor<8x4xf32>
func.func @sink_no_cancel(%h: tensor<4x8xbf16>) -> tensor<8x4xf32> {
  %a = mp.cast %h {to = f32} : (tensor<4x8xbf16>) -> tensor<4x8xf32>
  %b = mp.transpose %a {perm = array<i64: 1, 0>, mp.precision = "f32", mp.rule = "follows-low-input"} : (tensor<4x8xf32>) -> tensor<8x4xf32>
  %c = mp.relu %b : (tensor<8x4xf32>) -> tensor<8x4xf32>
  return %c : tensor<8x4xf32>
}

// -----

// A cast with two uses is not sunk (that would duplicate the op); a
// narrowing cast is not sunk either.
// CHECK-LABEL: func.func @multi_use(
// CHECK-NEXT: %[[A:.*]] = mp.cast %arg0 {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[T:.*]] = mp.transpose %[[A]] {perm = array<i64: 1, 0>} : (tensor<4x8xf32>) -> tensor<8x4xf32>
// CHECK-NEXT: %[[N:.*]] = mp.cast %arg1 {to = f16} : (tensor<4x8xf32>) -> tensor<4x8xf16>
// CHECK-NEXT: %[[NT:.*]] = mp.transpose %[[N]] {perm = array<i64: 1, 0>} : (tensor<4x8xf16>) -> tensor<8x4xf16>
// CHECK-NEXT: return %[[T]], %[[A]], %[[NT]]
func.func @multi_use(%h: tensor<4x8xf16>, %f: tensor<4x8xf32>) -> (tensor<8x4xf32>, tensor<4x8xf32>, tensor<8x4xf16>) {
  %a = mp.cast %h {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
  %b = mp.transpose %a {perm = array<i64: 1, 0>} : (tensor<4x8xf32>) -> tensor<8x4xf32>
  %n = mp.cast %f {to = f16} : (tensor<4x8xf32>) -> tensor<4x8xf16>
  %nt = mp.transpose %n {perm = array<i64: 1, 0>} : (tensor<4x8xf16>) -> tensor<8x4xf16>
  return %b, %a, %nt : tensor<8x4xf32>, tensor<4x8xf32>, tensor<8x4xf16>
}

// -----

// Two identical casts of one value become one.
// CHECK-LABEL: func.func @merge(
// CHECK-NEXT: %[[C:.*]] = mp.cast %arg0 {to = f16} : (tensor<4x8xf32>) -> tensor<4x8xf16>
// CHECK-NEXT: %[[D:.*]] = mp.cast %arg0 {to = bf16}
// CHECK-NEXT: return %[[C]], %[[C]], %[[D]] :
func.func @merge(%f: tensor<4x8xf32>) -> (tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xbf16>) {
  %0 = mp.cast %f {to = f16} : (tensor<4x8xf32>) -> tensor<4x8xf16>
  %1 = mp.cast %f {to = f16} : (tensor<4x8xf32>) -> tensor<4x8xf16>
  %2 = mp.cast %f {to = bf16} : (tensor<4x8xf32>) -> tensor<4x8xbf16>
  return %0, %1, %2 : tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xbf16>
}

// -----

// Expand and Gather are not in the sink list (Expand grows the data): the
// casts stay where they are.
// CHECK-LABEL: func.func @no_sink(
// CHECK-NEXT: %[[A:.*]] = mp.cast %arg0 {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[E:.*]] = mp.expand %[[A]], %arg2 : (tensor<4x8xf32>, tensor<3xi64>) -> tensor<2x4x8xf32>
// CHECK-NEXT: %[[EC:.*]] = mp.cast %[[E]] {to = f16} : (tensor<2x4x8xf32>) -> tensor<2x4x8xf16>
// CHECK-NEXT: %[[B:.*]] = mp.cast %arg1 {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[G:.*]] = mp.gather %[[B]], %arg3 : (tensor<4x8xf32>, tensor<2xi64>) -> tensor<2x8xf32>
// CHECK-NEXT: %[[GC:.*]] = mp.cast %[[G]] {to = f16} : (tensor<2x8xf32>) -> tensor<2x8xf16>
// CHECK-NEXT: return %[[EC]], %[[GC]]
func.func @no_sink(%h: tensor<4x8xf16>, %h2: tensor<4x8xf16>, %s: tensor<3xi64>, %i: tensor<2xi64>) -> (tensor<2x4x8xf16>, tensor<2x8xf16>) {
  %a = mp.cast %h {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
  %e = mp.expand %a, %s : (tensor<4x8xf32>, tensor<3xi64>) -> tensor<2x4x8xf32>
  %ec = mp.cast %e {to = f16} : (tensor<2x4x8xf32>) -> tensor<2x4x8xf16>
  %b = mp.cast %h2 {to = f32} : (tensor<4x8xf16>) -> tensor<4x8xf32>
  %g = mp.gather %b, %i : (tensor<4x8xf32>, tensor<2xi64>) -> tensor<2x8xf32>
  %gc = mp.cast %g {to = f16} : (tensor<2x8xf32>) -> tensor<2x8xf16>
  return %ec, %gc : tensor<2x4x8xf16>, tensor<2x8xf16>
}
