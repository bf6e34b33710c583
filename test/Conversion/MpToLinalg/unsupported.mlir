// RUN: mp-opt %s -convert-mp-to-linalg -verify-diagnostics

// An op without a CPU lowering yet is reported at its location.
func.func @unsupported(%x: tensor<4xf32>, %k: tensor<1xi64>) -> tensor<?xf32> {
  // expected-error @+1 {{failed to legalize operation 'mp.top_k' that was explicitly marked illegal}}
  %v, %i = mp.top_k %x, %k : (tensor<4xf32>, tensor<1xi64>) -> (tensor<?xf32>, tensor<?xi64>)
  return %v : tensor<?xf32>
}
