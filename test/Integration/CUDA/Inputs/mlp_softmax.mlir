// f16 MatMul (cuBLASLt) + bias + Relu + Softmax (kernels), as autocast
// leaves such a layer.
func.func @main(%x: tensor<64x128xf16> {mp.name = "x"}, %w: tensor<128x256xf16> {mp.name = "w"},
                %b: tensor<256xf16> {mp.name = "b"}) -> (tensor<64x256xf16> {mp.name = "y"}) {
  %m = mp.matmul %x, %w {mp.acc_type = f32} : (tensor<64x128xf16>, tensor<128x256xf16>) -> tensor<64x256xf16>
  %a = mp.add %m, %b : (tensor<64x256xf16>, tensor<256xf16>) -> tensor<64x256xf16>
  %r = mp.relu %a : (tensor<64x256xf16>) -> tensor<64x256xf16>
  %s = mp.softmax %r {axis = 1 : i64} : (tensor<64x256xf16>) -> tensor<64x256xf16>
  return %s : tensor<64x256xf16>
}
