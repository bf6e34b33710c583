// RUN: mp-opt %s -split-input-file -convert-mp-to-linalg | FileCheck %s

// ONNX subgraph ops (If, Loop, Scan) become structured scf control flow;
// their bodies are inlined and converted by the same conversion.

// If: scf.if on the extracted rank-0 condition; each branch's converted ops
// are inlined and end in scf.yield.
// CHECK-LABEL: func.func @if_else
// CHECK: %[[C:[^ ]+]] = tensor.extract %arg0[] : tensor<i1>
// CHECK: %[[R:[^ ]+]] = scf.if %[[C]] -> (tensor<2x3xf32>) {
// CHECK:   %[[T:[^ ]+]] = linalg.generic {{.*}} ins(%arg1, %arg2 : tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK:     arith.addf
// CHECK:   scf.yield %[[T]] : tensor<2x3xf32>
// CHECK: } else {
// CHECK:   %[[E:[^ ]+]] = linalg.generic {{.*}} ins(%arg1, %arg2 : tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK:     arith.mulf
// CHECK:   scf.yield %[[E]] : tensor<2x3xf32>
// CHECK: }
// CHECK-NOT: mp.
// CHECK: return %[[R]] : tensor<2x3xf32>
func.func @if_else(%c: tensor<i1>, %x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = mp.if %c : (tensor<i1>) -> tensor<2x3xf32> then_branch {
    %1 = mp.add %x, %y : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
    mp.yield %1 : tensor<2x3xf32>
  } else_branch {
    %1 = mp.mul %x, %y : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
    mp.yield %1 : tensor<2x3xf32>
  }
  return %0 : tensor<2x3xf32>
}

// -----

// If with a one-element condition and branches yielding more static shapes
// than the op's results: the condition is read at [0], and the branch
// values are tensor.cast to the result types.
// CHECK-LABEL: func.func @if_cast
// CHECK: %[[C:[^ ]+]] = tensor.extract %arg0[%{{.*}}] : tensor<1xi1>
// CHECK: %[[R:[^ ]+]]:2 = scf.if %[[C]] -> (tensor<?xf32>, tensor<3xf32>) {
// CHECK:   %[[A:[^ ]+]] = tensor.cast %arg1 : tensor<3xf32> to tensor<?xf32>
// CHECK:   scf.yield %[[A]], %arg2 : tensor<?xf32>, tensor<3xf32>
// CHECK: } else {
// CHECK:   %[[B:[^ ]+]] = tensor.cast %arg2 : tensor<3xf32> to tensor<?xf32>
// CHECK:   scf.yield %[[B]], %arg1 : tensor<?xf32>, tensor<3xf32>
// CHECK: }
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @if_cast(%c: tensor<1xi1>, %x: tensor<3xf32>, %y: tensor<3xf32>) -> (tensor<?xf32>, tensor<3xf32>) {
  %0:2 = mp.if %c : (tensor<1xi1>) -> (tensor<?xf32>, tensor<3xf32>) then_branch {
    mp.yield %x, %y : tensor<3xf32>, tensor<3xf32>
  } else_branch {
    mp.yield %y, %x : tensor<3xf32>, tensor<3xf32>
  }
  return %0#0, %0#1 : tensor<?xf32>, tensor<3xf32>
}

// -----

// Loop with a trip count, a condition, one carried value and one scan
// output: scf.while carries (iteration i64, cond i1, carried, scan buffer).
// The buffer starts at max(min(M, 64), 1) rows. The before region continues
// while cond && i < M; the body doubles the buffer when row i is past its
// end, stacks the scan slice at row i, and the buffer is cut to the
// iterations actually run.
// CHECK-LABEL: func.func @loop_scan
// CHECK: %[[MT:[^ ]+]] = arith.constant dense<4> : tensor<i64>
// CHECK: %[[CT:[^ ]+]] = arith.constant dense<true> : tensor<i1>
// CHECK: %[[M:[^ ]+]] = tensor.extract %[[MT]][] : tensor<i64>
// CHECK: %[[C64:[^ ]+]] = arith.constant 64 : i64
// CHECK: %[[MIN:[^ ]+]] = arith.minsi %[[M]], %[[C64]] : i64
// CHECK: %[[MPOS:[^ ]+]] = arith.maxsi %[[MIN]], %{{.*}} : i64
// CHECK: %[[CAP:[^ ]+]] = arith.index_cast %[[MPOS]] : i64 to index
// CHECK: %[[I0:[^ ]+]] = arith.constant 0 : i64
// CHECK: %[[C0:[^ ]+]] = tensor.extract %[[CT]][] : tensor<i1>
// CHECK: %[[BUF:[^ ]+]] = tensor.empty(%[[CAP]]) : tensor<?x2x3xf32>
// CHECK: %[[W:[^ ]+]]:4 = scf.while (%[[I:[^ ]+]] = %[[I0]], %[[GO:[^ ]+]] = %[[C0]], %[[V:[^ ]+]] = %arg0, %[[S:[^ ]+]] = %[[BUF]]) : (i64, i1, tensor<2x3xf32>, tensor<?x2x3xf32>) -> (i64, i1, tensor<2x3xf32>, tensor<?x2x3xf32>) {
// CHECK:   %[[LT:[^ ]+]] = arith.cmpi slt, %[[I]], %[[M]] : i64
// CHECK:   %[[AND:[^ ]+]] = arith.andi %[[GO]], %[[LT]] : i1
// CHECK:   scf.condition(%[[AND]]) %[[I]], %[[GO]], %[[V]], %[[S]] : i64, i1, tensor<2x3xf32>, tensor<?x2x3xf32>
// CHECK: } do {
// CHECK: ^bb0(%[[BI:[^ ]+]]: i64, %[[BC:[^ ]+]]: i1, %[[BV:[^ ]+]]: tensor<2x3xf32>, %[[BS:[^ ]+]]: tensor<?x2x3xf32>):
// The body sees the iteration number as a rank-0 tensor.
// CHECK:   %[[IT:[^ ]+]] = tensor.from_elements %[[BI]] : tensor<i64>
// CHECK:   %[[LESS:[^ ]+]] = linalg.generic {{.*}} ins(%[[IT]], %{{.*}} : tensor<i64>, tensor<i64>) outs(%{{.*}} : tensor<i1>)
// CHECK:     arith.cmpi slt
// CHECK:   %[[ADD:[^ ]+]] = linalg.generic {{.*}} ins(%[[BV]], %arg1 : tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK:   %[[TANH:[^ ]+]] = linalg.generic {{.*}} ins(%[[ADD]] : tensor<2x3xf32>)
// CHECK:     math.tanh
// CHECK:   %[[NEXT:[^ ]+]] = arith.addi %[[BI]], %{{.*}} : i64
// CHECK:   %[[NC:[^ ]+]] = tensor.extract %[[LESS]][] : tensor<i1>
// CHECK:   %[[AT:[^ ]+]] = arith.index_cast %[[BI]] : i64 to index
// CHECK:   %[[HAVE:[^ ]+]] = tensor.dim %[[BS]], %{{.*}} : tensor<?x2x3xf32>
// CHECK:   %[[FULL:[^ ]+]] = arith.cmpi eq, %[[AT]], %[[HAVE]] : index
// CHECK:   %[[GROWN:[^ ]+]] = scf.if %[[FULL]] -> (tensor<?x2x3xf32>) {
// CHECK:     %[[TWICE:[^ ]+]] = arith.muli %[[HAVE]], %{{.*}} : index
// CHECK:     %[[BIG:[^ ]+]] = tensor.empty(%[[TWICE]]) : tensor<?x2x3xf32>
// CHECK:     %[[COPY:[^ ]+]] = tensor.insert_slice %[[BS]] into %[[BIG]][0, 0, 0] [%[[HAVE]], 2, 3]
// CHECK:     scf.yield %[[COPY]]
// CHECK:   } else {
// CHECK:     scf.yield %[[BS]]
// CHECK:   %[[INS:[^ ]+]] = tensor.insert_slice %[[TANH]] into %[[GROWN]][%[[AT]], 0, 0] [1, 2, 3] [1, 1, 1] : tensor<2x3xf32> into tensor<?x2x3xf32>
// CHECK:   scf.yield %[[NEXT]], %[[NC]], %[[ADD]], %[[INS]] : i64, i1, tensor<2x3xf32>, tensor<?x2x3xf32>
// CHECK: }
// CHECK: %[[N:[^ ]+]] = arith.index_cast %[[W]]#0 : i64 to index
// CHECK: %[[CUT:[^ ]+]] = tensor.extract_slice %[[W]]#3[0, 0, 0] [%[[N]], 2, 3] [1, 1, 1] : tensor<?x2x3xf32> to tensor<?x2x3xf32>
// CHECK: %[[STACK:[^ ]+]] = tensor.cast %[[CUT]] : tensor<?x2x3xf32> to tensor<3x2x3xf32>
// CHECK: return %[[W]]#2, %[[STACK]] : tensor<2x3xf32>, tensor<3x2x3xf32>
func.func @loop_scan(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3x2x3xf32>) {
  %m = mp.constant {value = dense<4> : tensor<i64>} : () -> tensor<i64>
  %c = mp.constant {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  %0:2 = mp.loop %m, %c, %x : (tensor<i64>, tensor<i1>, tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3x2x3xf32>) body {
  ^bb0(%i: tensor<i64>, %cin: tensor<i1>, %v: tensor<2x3xf32>):
    %two = mp.constant {value = dense<2> : tensor<i64>} : () -> tensor<i64>
    %go = mp.less %i, %two : (tensor<i64>, tensor<i64>) -> tensor<i1>
    %a = mp.add %v, %y : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
    %t = mp.tanh %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
    mp.yield %go, %a, %t : tensor<i1>, tensor<2x3xf32>, tensor<2x3xf32>
  }
  return %0#0, %0#1 : tensor<2x3xf32>, tensor<3x2x3xf32>
}

// -----

// Loop with only a condition (no trip count) and no scan outputs: the
// while runs on the carried condition alone, which the body recomputes; no
// buffer is carried and nothing is sliced.
// CHECK-LABEL: func.func @loop_no_scan
// CHECK: %[[I0:[^ ]+]] = arith.constant 0 : i64
// CHECK: %[[C0:[^ ]+]] = tensor.extract %arg0[] : tensor<i1>
// CHECK: %[[W:[^ ]+]]:3 = scf.while (%[[I:[^ ]+]] = %[[I0]], %[[GO:[^ ]+]] = %[[C0]], %[[V:[^ ]+]] = %arg1) : (i64, i1, tensor<4xf32>) -> (i64, i1, tensor<4xf32>) {
// CHECK-NOT: arith.cmpi
// CHECK:   scf.condition(%[[GO]]) %[[I]], %[[GO]], %[[V]] : i64, i1, tensor<4xf32>
// CHECK: } do {
// CHECK: ^bb0(%[[BI:[^ ]+]]: i64, %[[BC:[^ ]+]]: i1, %[[BV:[^ ]+]]: tensor<4xf32>):
// CHECK:   %[[CIN:[^ ]+]] = tensor.from_elements %[[BC]] : tensor<i1>
// CHECK:   %[[ADD:[^ ]+]] = linalg.generic {{.*}} ins(%[[BV]], %[[BV]] : tensor<4xf32>, tensor<4xf32>)
// CHECK:   %[[NEXT:[^ ]+]] = arith.addi %[[BI]], %{{.*}} : i64
// CHECK:   %[[NC:[^ ]+]] = tensor.extract %[[CIN]][] : tensor<i1>
// CHECK-NOT: tensor.insert_slice
// CHECK:   scf.yield %[[NEXT]], %[[NC]], %[[ADD]] : i64, i1, tensor<4xf32>
// CHECK: }
// CHECK-NOT: tensor.extract_slice
// CHECK: return %[[W]]#2 : tensor<4xf32>
func.func @loop_no_scan(%c: tensor<i1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mp.loop none, %c, %x : (tensor<i1>, tensor<4xf32>) -> tensor<4xf32> body {
  ^bb0(%i: tensor<i64>, %cin: tensor<i1>, %v: tensor<4xf32>):
    %a = mp.add %v, %v : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    mp.yield %cin, %a : tensor<i1>, tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

// Loop with a runtime trip count and no condition input: the condition
// starts true, and the body's condition output still decides the next
// iteration (as ONNX Runtime and the ONNX reference evaluator do; the
// spec's pseudo-code would ignore it).
// CHECK-LABEL: func.func @loop_trip_only
// CHECK: %[[M:[^ ]+]] = tensor.extract %arg0[] : tensor<i64>
// CHECK: %[[TRUE:[^ ]+]] = arith.constant true
// CHECK: %[[W:[^ ]+]]:3 = scf.while (%[[I:[^ ]+]] = %{{.*}}, %[[GO:[^ ]+]] = %[[TRUE]], %[[V:[^ ]+]] = %arg1) : (i64, i1, tensor<4xf32>)
// CHECK:   %[[LT:[^ ]+]] = arith.cmpi slt, %[[I]], %[[M]] : i64
// CHECK:   %[[AND:[^ ]+]] = arith.andi %[[GO]], %[[LT]] : i1
// CHECK:   scf.condition(%[[AND]])
// CHECK: } do {
// CHECK: ^bb0(%[[BI:[^ ]+]]: i64, %[[BC:[^ ]+]]: i1, %[[BV:[^ ]+]]: tensor<4xf32>):
// CHECK:   %[[F:[^ ]+]] = arith.constant dense<false> : tensor<i1>
// CHECK:   %[[ADD:[^ ]+]] = linalg.generic
// CHECK:   %[[NEXT:[^ ]+]] = arith.addi %[[BI]], %{{.*}} : i64
// CHECK:   %[[NC:[^ ]+]] = tensor.extract %[[F]][] : tensor<i1>
// CHECK:   scf.yield %[[NEXT]], %[[NC]], %[[ADD]] : i64, i1, tensor<4xf32>
// CHECK: return %[[W]]#2 : tensor<4xf32>
func.func @loop_trip_only(%m: tensor<i64>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mp.loop %m, none, %x : (tensor<i64>, tensor<4xf32>) -> tensor<4xf32> body {
  ^bb0(%i: tensor<i64>, %cin: tensor<i1>, %v: tensor<4xf32>):
    %f = mp.constant {value = dense<false> : tensor<i1>} : () -> tensor<i1>
    %a = mp.add %v, %v : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    mp.yield %f, %a : tensor<i1>, tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

// Scan (forward, axis 0): scf.for over the scan axis carrying the state and
// the stacked output; each step reads row i of the scan input and inserts
// the scan output at row i.
// CHECK-LABEL: func.func @scan
// CHECK: %[[LEN:[^ ]+]] = tensor.dim %arg1, %{{.*}} : tensor<5x4xf32>
// CHECK: %[[BUF:[^ ]+]] = tensor.empty(%[[LEN]]) : tensor<?x4xf32>
// CHECK: %[[F:[^ ]+]]:2 = scf.for %[[I:[^ ]+]] = %{{.*}} to %[[LEN]] step %{{.*}} iter_args(%[[S:[^ ]+]] = %arg0, %[[O:[^ ]+]] = %[[BUF]]) -> (tensor<4xf32>, tensor<?x4xf32>) {
// CHECK:   %[[X:[^ ]+]] = tensor.extract_slice %arg1[%[[I]], 0] [1, 4] [1, 1] : tensor<5x4xf32> to tensor<4xf32>
// CHECK:   %[[ADD:[^ ]+]] = linalg.generic {{.*}} ins(%[[S]], %[[X]] : tensor<4xf32>, tensor<4xf32>)
// CHECK:     arith.addf
// CHECK:   %[[INS:[^ ]+]] = tensor.insert_slice %[[ADD]] into %[[O]][%[[I]], 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<?x4xf32>
// CHECK:   scf.yield %[[ADD]], %[[INS]] : tensor<4xf32>, tensor<?x4xf32>
// CHECK: }
// CHECK: %[[OUT:[^ ]+]] = tensor.cast %[[F]]#1 : tensor<?x4xf32> to tensor<5x4xf32>
// CHECK: return %[[F]]#0, %[[OUT]]
func.func @scan(%s0: tensor<4xf32>, %xs: tensor<5x4xf32>) -> (tensor<4xf32>, tensor<5x4xf32>) {
  %0:2 = mp.scan %s0, %xs {num_scan_inputs = 1 : i64} : (tensor<4xf32>, tensor<5x4xf32>) -> (tensor<4xf32>, tensor<5x4xf32>) body {
  ^bb0(%s: tensor<4xf32>, %x: tensor<4xf32>):
    %1 = mp.add %s, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    mp.yield %1, %1 : tensor<4xf32>, tensor<4xf32>
  }
  return %0#0, %0#1 : tensor<4xf32>, tensor<5x4xf32>
}

// -----

// Scan over axis 1 in reverse: the input column is read at (len - 1 - i),
// while the (forward, axis 0) output is still written at row i.
// CHECK-LABEL: func.func @scan_reverse
// CHECK: %[[LEN:[^ ]+]] = tensor.dim %arg1, %{{.*}} : tensor<3x5xf32>
// CHECK: %[[BUF:[^ ]+]] = tensor.empty(%[[LEN]]) : tensor<?x3xf32>
// CHECK: %[[LAST:[^ ]+]] = arith.subi %[[LEN]], %{{.*}} : index
// CHECK: %[[F:[^ ]+]]:2 = scf.for %[[I:[^ ]+]] = %{{.*}} to %[[LEN]] step %{{.*}} iter_args(%[[S:[^ ]+]] = %arg0, %[[O:[^ ]+]] = %[[BUF]]) -> (tensor<3xf32>, tensor<?x3xf32>) {
// CHECK:   %[[REV:[^ ]+]] = arith.subi %[[LAST]], %[[I]] : index
// CHECK:   %[[X:[^ ]+]] = tensor.extract_slice %arg1[0, %[[REV]]] [3, 1] [1, 1] : tensor<3x5xf32> to tensor<3xf32>
// CHECK:   %[[ADD:[^ ]+]] = linalg.generic {{.*}} ins(%[[S]], %[[X]] : tensor<3xf32>, tensor<3xf32>)
// CHECK:   %[[INS:[^ ]+]] = tensor.insert_slice %[[ADD]] into %[[O]][%[[I]], 0] [1, 3] [1, 1] : tensor<3xf32> into tensor<?x3xf32>
// CHECK:   scf.yield %[[ADD]], %[[INS]] : tensor<3xf32>, tensor<?x3xf32>
// CHECK: }
// CHECK: tensor.cast %[[F]]#1 : tensor<?x3xf32> to tensor<5x3xf32>
func.func @scan_reverse(%s0: tensor<3xf32>, %xs: tensor<3x5xf32>) -> (tensor<3xf32>, tensor<5x3xf32>) {
  %0:2 = mp.scan %s0, %xs {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 1>, scan_input_directions = array<i64: 1>} : (tensor<3xf32>, tensor<3x5xf32>) -> (tensor<3xf32>, tensor<5x3xf32>) body {
  ^bb0(%s: tensor<3xf32>, %x: tensor<3xf32>):
    %1 = mp.add %s, %x : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    mp.yield %1, %1 : tensor<3xf32>, tensor<3xf32>
  }
  return %0#0, %0#1 : tensor<3xf32>, tensor<5x3xf32>
}
