// RUN: mp-opt %s -split-input-file -convert-mp-to-linalg | FileCheck %s

// RNN, GRU and LSTM: one scf.for over the time steps per direction,
// carrying the hidden state (and the LSTM cell) and a step-major output
// buffer. Each step gathers x_t, computes x W^T and h R^T with contraction
// generics (accumulating in f32), and applies the gate equations in one
// element-wise generic; Y, Y_h and Y_c are assembled after the loops.

// LSTM, forward, with bias: gates i, o, f, c read from one [B, 4H]
// contraction per weight at offsets 0, H, 2H, 3H, and the bias rows through
// a broadcast (d0, d1) -> (d1) map.
// CHECK-DAG: #[[ID:map[0-9]*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[LHS:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[RHS:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[ACC:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ROW:map[0-9]*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @lstm
// Zero initial h and c.
// CHECK: %[[H0:[^ ]+]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2xf32>)
// CHECK: %[[C0:[^ ]+]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2xf32>)
// CHECK: %[[YB:[^ ]+]] = tensor.empty() : tensor<2x1x2xf32>
// CHECK: %[[SEQ:[^ ]+]] = arith.constant 2 : index
// CHECK: %[[L:[^ ]+]]:3 = scf.for %[[T:[^ ]+]] = %{{.*}} to %[[SEQ]] step %{{.*}} iter_args(%[[H:[^ ]+]] = %[[H0]], %[[C:[^ ]+]] = %[[C0]], %[[YS:[^ ]+]] = %[[YB]]) -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<2x1x2xf32>) {
// x_t = X[t, b, :].
// CHECK:   %[[XT:[^ ]+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x3xf32>)
// CHECK:     tensor.extract %arg0[%{{.*}}, %{{.*}}, %{{.*}}] : tensor<2x1x3xf32>
// x_t W^T and h R^T: reductions over the input / hidden size.
// CHECK:   %[[W:[^ ]+]] = tensor.extract_slice %arg1[0, 0, 0] [1, 8, 3] [1, 1, 1] : tensor<1x8x3xf32> to tensor<8x3xf32>
// CHECK:   %[[XW:[^ ]+]] = linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[ACC]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[XT]], %[[W]] : tensor<1x3xf32>, tensor<8x3xf32>) outs(%{{.*}} : tensor<1x8xf32>)
// CHECK:     arith.mulf
// CHECK:     arith.addf
// CHECK:   %[[R:[^ ]+]] = tensor.extract_slice %arg2[0, 0, 0] [1, 8, 2] [1, 1, 1] : tensor<1x8x2xf32> to tensor<8x2xf32>
// CHECK:   %[[HR:[^ ]+]] = linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[ACC]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[H]], %[[R]] : tensor<1x2xf32>, tensor<8x2xf32>) outs(%{{.*}} : tensor<1x8xf32>)
// Gate i: XW, HR columns [0, 2), Wb at 0 and Rb at 4H = 8.
// CHECK:   %[[XI:[^ ]+]] = tensor.extract_slice %[[XW]][0, 0] [1, 2] [1, 1] : tensor<1x8xf32> to tensor<1x2xf32>
// CHECK:   %[[HI:[^ ]+]] = tensor.extract_slice %[[HR]][0, 0] [1, 2] [1, 1] : tensor<1x8xf32> to tensor<1x2xf32>
// CHECK:   %[[WBI:[^ ]+]] = tensor.extract_slice %arg3[0, 0] [1, 2] [1, 1] : tensor<1x16xf32> to tensor<2xf32>
// CHECK:   %[[RBI:[^ ]+]] = tensor.extract_slice %arg3[0, 8] [1, 2] [1, 1] : tensor<1x16xf32> to tensor<2xf32>
// Gate c at 3H = 6 (and its recurrent bias at 7H = 14).
// CHECK:   tensor.extract_slice %[[XW]][0, 6] [1, 2] [1, 1]
// CHECK:   tensor.extract_slice %[[HR]][0, 6] [1, 2] [1, 1]
// CHECK:   tensor.extract_slice %arg3[0, 14] [1, 2] [1, 1]
// One element-wise generic yields the new (h, c).
// CHECK:   %[[G:[^ ]+]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]], #[[ID]], #[[ROW]], #[[ROW]], {{.*}}], iterator_types = ["parallel", "parallel"]} ins(%[[H]], %[[C]], %[[XI]], %[[HI]], %[[WBI]], %[[RBI]], {{.*}}) outs(%{{.*}}, %{{.*}} : tensor<1x2xf32>, tensor<1x2xf32>) {
// CHECK:   ^bb0(%{{[^:]*}}: f32, %[[CP:[^:]*]]: f32,
// CHECK:     math.exp
// CHECK:     %[[CG:[^ ]+]] = math.tanh %{{.*}} : f32
// CHECK:     %[[FC:[^ ]+]] = arith.mulf %{{.*}}, %[[CP]] : f32
// CHECK:     %[[IC:[^ ]+]] = arith.mulf %{{.*}}, %[[CG]] : f32
// CHECK:     %[[CN:[^ ]+]] = arith.addf %[[FC]], %[[IC]] : f32
// CHECK:     %[[TC:[^ ]+]] = math.tanh %[[CN]] : f32
// CHECK:     %[[HN:[^ ]+]] = arith.mulf %{{.*}}, %[[TC]] : f32
// CHECK:     linalg.yield %[[HN]], %[[CN]] : f32, f32
// Rows past their length keep their state; the output row is stored at t.
// CHECK:   %[[M:[^ ]+]]:3 = linalg.generic {{.*}} ins(%[[G]]#0, %[[G]]#1, %[[H]], %[[C]] : tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>)
// CHECK:     arith.cmpi slt, %[[T]], %{{.*}} : index
// CHECK:   %[[YN:[^ ]+]] = tensor.insert_slice %[[M]]#2 into %[[YS]][%[[T]], 0, 0] [1, 1, 2] [1, 1, 1] : tensor<1x2xf32> into tensor<2x1x2xf32>
// CHECK:   scf.yield %[[M]]#0, %[[M]]#1, %[[YN]] : tensor<1x2xf32>, tensor<1x2xf32>, tensor<2x1x2xf32>
// CHECK: }
// CHECK: %[[Y:[^ ]+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x1x1x2xf32>)
// CHECK:   tensor.extract %[[L]]#2[
// CHECK: %[[YH:[^ ]+]] = tensor.insert_slice %[[L]]#0 into %{{.*}}[0, 0, 0] [1, 1, 2] [1, 1, 1] : tensor<1x2xf32> into tensor<1x1x2xf32>
// CHECK: %[[YC:[^ ]+]] = tensor.insert_slice %[[L]]#1 into %{{.*}}[0, 0, 0] [1, 1, 2] [1, 1, 1] : tensor<1x2xf32> into tensor<1x1x2xf32>
// CHECK: return %[[Y]], %[[YH]], %[[YC]]
func.func @lstm(%x: tensor<2x1x3xf32>, %w: tensor<1x8x3xf32>, %r: tensor<1x8x2xf32>, %b: tensor<1x16xf32>) -> (tensor<2x1x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>) {
  %Y, %Y_h, %Y_c = mp.lstm %x, %w, %r, %b {hidden_size = 2 : i64, resultSegmentSizes = array<i32: 1, 1, 1>} : (tensor<2x1x3xf32>, tensor<1x8x3xf32>, tensor<1x8x2xf32>, tensor<1x16xf32>) -> (tensor<2x1x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return %Y, %Y_h, %Y_c : tensor<2x1x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>
}

// -----

// GRU with linear_before_reset = 0: h R^T is computed for gates z and r
// only (rows [0, 2H)), then (r . h) is contracted with R_h (rows [2H, 3H)):
// two contractions on R per step.
// CHECK-DAG: #[[LHS:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[RHS:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[ACC:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @gru
// CHECK: %[[L:[^ ]+]]:2 = scf.for %[[T:[^ ]+]] = {{.*}} iter_args(%[[H:[^ ]+]] = %{{.*}}, %[[YS:[^ ]+]] = %{{.*}}) -> (tensor<1x2xf32>, tensor<2x1x2xf32>) {
// CHECK:   %[[W:[^ ]+]] = tensor.extract_slice %arg1[0, 0, 0] [1, 6, 3] [1, 1, 1] : tensor<1x6x3xf32> to tensor<6x3xf32>
// CHECK:   %[[XW:[^ ]+]] = linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[ACC]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %[[W]] : tensor<1x3xf32>, tensor<6x3xf32>) outs(%{{.*}} : tensor<1x6xf32>)
// CHECK:   %[[RZR:[^ ]+]] = tensor.extract_slice %arg2[0, 0, 0] [1, 4, 2] [1, 1, 1] : tensor<1x6x2xf32> to tensor<4x2xf32>
// CHECK:   %[[HZR:[^ ]+]] = linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[ACC]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[H]], %[[RZR]] : tensor<1x2xf32>, tensor<4x2xf32>) outs(%{{.*}} : tensor<1x4xf32>)
// r = sigmoid(...), then r . h.
// CHECK:   %[[RH:[^ ]+]] = linalg.generic {{.*}} ins(%[[H]], {{.*}}) outs(%{{.*}} : tensor<1x2xf32>)
// CHECK:     math.exp
// CHECK:     arith.divf
// CHECK:     arith.mulf
// CHECK:   %[[RHW:[^ ]+]] = tensor.extract_slice %arg2[0, 4, 0] [1, 2, 2] [1, 1, 1] : tensor<1x6x2xf32> to tensor<2x2xf32>
// CHECK:   %[[HH:[^ ]+]] = linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[ACC]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[RH]], %[[RHW]] : tensor<1x2xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<1x2xf32>)
// h~ = tanh(XW_h + (r . h) R_h^T); h' = (1 - z) h~ + z h.
// CHECK:   %[[XH:[^ ]+]] = tensor.extract_slice %[[XW]][0, 4] [1, 2] [1, 1] : tensor<1x6xf32> to tensor<1x2xf32>
// CHECK:   %[[HN:[^ ]+]] = linalg.generic {{.*}} ins(%[[H]], {{.*}}, %[[XH]], %[[HH]] : {{.*}}) outs(%{{.*}} : tensor<1x2xf32>)
// CHECK:     math.tanh
// CHECK:     arith.subf
// CHECK:   %[[M:[^ ]+]]:2 = linalg.generic {{.*}} ins(%[[HN]], %[[H]] : tensor<1x2xf32>, tensor<1x2xf32>)
// CHECK:   %[[YN:[^ ]+]] = tensor.insert_slice %[[M]]#1 into %[[YS]][%[[T]], 0, 0]
// CHECK:   scf.yield %[[M]]#0, %[[YN]] : tensor<1x2xf32>, tensor<2x1x2xf32>
// CHECK: }
// CHECK-NOT: scf.for
// CHECK: return
func.func @gru(%x: tensor<2x1x3xf32>, %w: tensor<1x6x3xf32>, %r: tensor<1x6x2xf32>) -> (tensor<2x1x1x2xf32>, tensor<1x1x2xf32>) {
  %Y, %Y_h = mp.gru %x, %w, %r {hidden_size = 2 : i64, linear_before_reset = 0 : i64, resultSegmentSizes = array<i32: 1, 1>} : (tensor<2x1x3xf32>, tensor<1x6x3xf32>, tensor<1x6x2xf32>) -> (tensor<2x1x1x2xf32>, tensor<1x1x2xf32>)
  return %Y, %Y_h : tensor<2x1x1x2xf32>, tensor<1x1x2xf32>
}

// -----

// RNN with f16 storage and an initial state, Y_h only: states and the
// output buffer stay f16, the contractions read f16 and accumulate in f32,
// and the gate math runs in f32 before truncating the new state to f16.
// CHECK-LABEL: func.func @rnn_f16
// CHECK: %[[H0:[^ ]+]] = tensor.extract_slice %arg3[0, 0, 0] [1, 1, 2] [1, 1, 1] : tensor<1x1x2xf16> to tensor<1x2xf16>
// CHECK: %[[L:[^ ]+]]:2 = scf.for %{{.*}} iter_args(%[[H:[^ ]+]] = %[[H0]], %{{.*}} = %{{.*}}) -> (tensor<1x2xf16>, tensor<2x1x2xf16>) {
// CHECK:   %[[XT:[^ ]+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x3xf16>)
// CHECK:   %[[Z1:[^ ]+]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2xf32>)
// CHECK:   %[[XW:[^ ]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[XT]], %{{.*}} : tensor<1x3xf16>, tensor<2x3xf16>) outs(%[[Z1]] : tensor<1x2xf32>) {
// CHECK:   ^bb0(%[[A:[^:]*]]: f16, %[[B:[^:]*]]: f16, %[[O:[^:]*]]: f32):
// CHECK:     %[[AE:[^ ]+]] = arith.extf %[[A]] : f16 to f32
// CHECK:     %[[BE:[^ ]+]] = arith.extf %[[B]] : f16 to f32
// CHECK:     %[[P:[^ ]+]] = arith.mulf %[[AE]], %[[BE]] : f32
// CHECK:     %[[S:[^ ]+]] = arith.addf %[[O]], %[[P]] : f32
// CHECK:     linalg.yield %[[S]] : f32
// CHECK:   %[[HR:[^ ]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[H]], %{{.*}} : tensor<1x2xf16>, tensor<2x2xf16>) outs(%{{.*}} : tensor<1x2xf32>)
// CHECK:     arith.extf
// CHECK:   %[[HN:[^ ]+]] = linalg.generic {{.*}} ins(%[[H]], %{{.*}}, %{{.*}} : tensor<1x2xf16>, tensor<1x2xf32>, tensor<1x2xf32>) outs(%{{.*}} : tensor<1x2xf16>) {
// CHECK:     %[[PRE:[^ ]+]] = arith.addf %{{.*}}, %{{.*}} : f32
// CHECK:     %[[TH:[^ ]+]] = math.tanh %[[PRE]] : f32
// CHECK:     %[[TR:[^ ]+]] = arith.truncf %[[TH]] : f32 to f16
// CHECK:     linalg.yield %[[TR]] : f16
// CHECK:   scf.yield %{{.*}}, %{{.*}} : tensor<1x2xf16>, tensor<2x1x2xf16>
// CHECK: }
// No Y is assembled.
// CHECK-NOT: tensor<2x1x1x2xf16>
// CHECK: %[[YH:[^ ]+]] = tensor.insert_slice %[[L]]#0 into %{{.*}}[0, 0, 0] [1, 1, 2] [1, 1, 1] : tensor<1x2xf16> into tensor<1x1x2xf16>
// CHECK: return %[[YH]] : tensor<1x1x2xf16>
func.func @rnn_f16(%x: tensor<2x1x3xf16>, %w: tensor<1x2x3xf16>, %r: tensor<1x2x2xf16>, %h0: tensor<1x1x2xf16>) -> tensor<1x1x2xf16> {
  %Y_h = mp.rnn %x, %w, %r, none, none, %h0 {hidden_size = 2 : i64, resultSegmentSizes = array<i32: 0, 1>} : (tensor<2x1x3xf16>, tensor<1x2x3xf16>, tensor<1x2x2xf16>, tensor<1x1x2xf16>) -> tensor<1x1x2xf16>
  return %Y_h : tensor<1x1x2xf16>
}

// -----

// Bidirectional RNN: two time loops, the first reading W[0]/R[0] forward
// with Tanh, the second W[1]/R[1] at time (seq - 1 - t) with Relu. Y picks
// the direction by its index-1 coordinate; Y_h stacks both final states.
// CHECK-LABEL: func.func @rnn_bidir
// CHECK: %[[F:[^ ]+]]:2 = scf.for %[[TF:[^ ]+]] = {{.*}} -> (tensor<1x2xf32>, tensor<2x1x2xf32>) {
// CHECK-NOT: arith.subi
// CHECK:   tensor.extract %arg0[
// CHECK:   tensor.extract_slice %arg1[0, 0, 0] [1, 2, 3] [1, 1, 1] : tensor<2x2x3xf32> to tensor<2x3xf32>
// CHECK:   tensor.extract_slice %arg2[0, 0, 0] [1, 2, 2] [1, 1, 1] : tensor<2x2x2xf32> to tensor<2x2xf32>
// CHECK:   math.tanh
// CHECK-NOT: arith.maximumf
// CHECK:   scf.yield
// CHECK: }
// CHECK: %[[B:[^ ]+]]:2 = scf.for %[[TB:[^ ]+]] = {{.*}} -> (tensor<1x2xf32>, tensor<2x1x2xf32>) {
// CHECK:   %[[LAST:[^ ]+]] = arith.subi %{{.*}}, %{{.*}} : index
// CHECK:   %[[REV:[^ ]+]] = arith.subi %[[LAST]], %[[TB]] : index
// CHECK:   %[[HI:[^ ]+]] = arith.minsi %[[REV]], %{{.*}} : index
// CHECK:   %[[TI:[^ ]+]] = arith.maxsi %{{.*}}, %[[HI]] : index
// CHECK:   tensor.extract %arg0[%[[TI]], %{{.*}}, %{{.*}}] : tensor<2x1x3xf32>
// CHECK:   tensor.extract_slice %arg1[1, 0, 0] [1, 2, 3] [1, 1, 1] : tensor<2x2x3xf32> to tensor<2x3xf32>
// CHECK:   tensor.extract_slice %arg2[1, 0, 0] [1, 2, 2] [1, 1, 1] : tensor<2x2x2xf32> to tensor<2x2xf32>
// CHECK-NOT: math.tanh
// CHECK:   arith.maximumf
// CHECK:   scf.yield
// CHECK: }
// CHECK: %[[Y:[^ ]+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x2x1x2xf32>)
// CHECK:   %[[D:[^ ]+]] = linalg.index 1 : index
// CHECK:   %[[YB:[^ ]+]] = tensor.extract %[[B]]#1[
// CHECK:   %[[YF:[^ ]+]] = tensor.extract %[[F]]#1[
// CHECK:   %[[IS0:[^ ]+]] = arith.cmpi eq, %[[D]], %{{.*}} : index
// CHECK:   arith.select %[[IS0]], %[[YF]], %[[YB]] : f32
// CHECK: %[[H1:[^ ]+]] = tensor.insert_slice %[[F]]#0 into %{{.*}}[0, 0, 0] [1, 1, 2] [1, 1, 1] : tensor<1x2xf32> into tensor<2x1x2xf32>
// CHECK: %[[H2:[^ ]+]] = tensor.insert_slice %[[B]]#0 into %[[H1]][1, 0, 0] [1, 1, 2] [1, 1, 1] : tensor<1x2xf32> into tensor<2x1x2xf32>
// CHECK: return %[[Y]], %[[H2]]
func.func @rnn_bidir(%x: tensor<2x1x3xf32>, %w: tensor<2x2x3xf32>, %r: tensor<2x2x2xf32>) -> (tensor<2x2x1x2xf32>, tensor<2x1x2xf32>) {
  %Y, %Y_h = mp.rnn %x, %w, %r {activations = ["Tanh", "Relu"], direction = "bidirectional", hidden_size = 2 : i64, resultSegmentSizes = array<i32: 1, 1>} : (tensor<2x1x3xf32>, tensor<2x2x3xf32>, tensor<2x2x2xf32>) -> (tensor<2x2x1x2xf32>, tensor<2x1x2xf32>)
  return %Y, %Y_h : tensor<2x2x1x2xf32>, tensor<2x1x2xf32>
}
