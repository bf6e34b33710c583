//===- MpOps.td - mp dialect operations --------------------*- tablegen -*-===//
//
// One op per ONNX operator. Attribute names are the ONNX attribute names;
// operands and results follow the ONNX formal parameter order. Optional ONNX
// inputs are `Optional<>` operands, and ops with more than one optional or
// variadic group carry `operandSegmentSizes` / `resultSegmentSizes`.
//
//===----------------------------------------------------------------------===//

#ifndef MIXPREC_DIALECT_MP_IR_MPOPS_TD
#define MIXPREC_DIALECT_MP_IR_MPOPS_TD

include "mixprec/Dialect/Mp/IR/MpBase.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

// Shorthands for optional ONNX attributes.
defvar OI64 = OptionalAttr<I64Attr>;
defvar OF32 = OptionalAttr<F32Attr>;
defvar OStr = OptionalAttr<StrAttr>;
defvar OI64s = OptionalAttr<DenseI64ArrayAttr>;
defvar OF32s = OptionalAttr<DenseF32ArrayAttr>;
defvar OStrs = OptionalAttr<StrArrayAttr>;

// Result types are inferred with the shared helpers in MpOps.cpp.
defvar InferDecls = [{
    static ::llvm::LogicalResult inferReturnTypes(
        ::mlir::MLIRContext *ctx, std::optional<::mlir::Location> loc,
        ::mlir::ValueRange operands, ::mlir::DictionaryAttr attrs,
        ::mlir::OpaqueProperties props, ::mlir::RegionRange regions,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      return ::mixprec::mp::inferMpReturnTypes(
          getOnnxOpType(), loc, operands,
          ::mixprec::mp::mergeInherentAttrs(
              ctx, attrs,
              props ? getPropertiesAsAttr(ctx, *props.as<const Properties *>())
                    : ::mlir::Attribute()),
          inferred);
    }
    static bool isCompatibleReturnTypes(::mlir::TypeRange l, ::mlir::TypeRange r) {
      return ::mixprec::mp::areCompatibleMpTypes(l, r);
    }
}];

//===----------------------------------------------------------------------===//
// Element-wise
//===----------------------------------------------------------------------===//

class Mp_UnaryOp<string mnemonic, string onnxType, Type ty = Mp_Tensor,
                 list<Trait> traits = []>
    : Mp_Op<mnemonic, onnxType, "1", "1",
            !listconcat(traits, [Pure, SameOperandsAndResultElementType,
                                 SameOperandsAndResultShape,
                                 InferTypeOpInterface])> {
  let summary = "ONNX " # onnxType # " (element-wise, unary)";
  let description = "Element-wise `" # onnxType # "` as specified by ONNX. "
                    "The result has the operand's type.";
  let arguments = (ins ty:$X);
  let results = (outs ty:$Y);
  let mpExtraDecls = InferDecls;
}

def Mp_NegOp : Mp_UnaryOp<"neg", "Neg"> {
  let precisionCategory = "PassThrough";
}
def Mp_AbsOp : Mp_UnaryOp<"abs", "Abs"> {
  let precisionCategory = "PassThrough";
}
def Mp_ExpOp : Mp_UnaryOp<"exp", "Exp", Mp_FloatTensor> {
  let precisionCategory = "Sensitive";
}
def Mp_LogOp : Mp_UnaryOp<"log", "Log", Mp_FloatTensor> {
  let precisionCategory = "Sensitive";
}
def Mp_SqrtOp : Mp_UnaryOp<"sqrt", "Sqrt", Mp_FloatTensor>;
def Mp_ReciprocalOp : Mp_UnaryOp<"reciprocal", "Reciprocal", Mp_FloatTensor> {
  let precisionCategory = "Sensitive";
}
def Mp_ErfOp : Mp_UnaryOp<"erf", "Erf">;
def Mp_TanhOp : Mp_UnaryOp<"tanh", "Tanh", Mp_FloatTensor>;
def Mp_SigmoidOp : Mp_UnaryOp<"sigmoid", "Sigmoid", Mp_FloatTensor>;
def Mp_ReluOp : Mp_UnaryOp<"relu", "Relu"> {
  let precisionCategory = "PassThrough";
}
def Mp_SoftplusOp : Mp_UnaryOp<"softplus", "Softplus", Mp_FloatTensor> {
  let precisionCategory = "Sensitive";
}
def Mp_HardSwishOp : Mp_UnaryOp<"hard_swish", "HardSwish", Mp_FloatTensor>;
def Mp_NotOp : Mp_UnaryOp<"not", "Not", Mp_BoolTensor> {
  let precisionCategory = "Fixed";
}

def Mp_IdentityOp : Mp_UnaryOp<"identity", "Identity"> {
  let precisionCategory = "PassThrough";
  let hasFolder = 1;
}

def Mp_LeakyReluOp : Mp_UnaryOp<"leaky_relu", "LeakyRelu", Mp_FloatTensor> {
  let arguments = (ins Mp_FloatTensor:$X, OF32:$alpha);
}
def Mp_EluOp : Mp_UnaryOp<"elu", "Elu", Mp_FloatTensor> {
  let arguments = (ins Mp_FloatTensor:$X, OF32:$alpha);
}
def Mp_GeluOp : Mp_UnaryOp<"gelu", "Gelu", Mp_FloatTensor> {
  let arguments = (ins Mp_FloatTensor:$X, OStr:$approximate);
  let hasVerifier = 1;
}
def Mp_HardSigmoidOp : Mp_UnaryOp<"hard_sigmoid", "HardSigmoid", Mp_FloatTensor> {
  let arguments = (ins Mp_FloatTensor:$X, OF32:$alpha, OF32:$beta);
}

def Mp_ClipOp : Mp_Op<"clip", "Clip", "1??", "1",
    [Pure, AttrSizedOperandSegments, InferTypeOpInterface]> {
  let summary = "ONNX Clip";
  let description = [{
    Clamps to [min, max]. Before opset 11 the bounds are the `min`/`max`
    attributes; from 11 they are optional scalar operands of the input's
    element type. The verifier rejects a mix of both forms.
  }];
  let arguments = (ins Mp_Tensor:$input, Optional<Mp_Tensor>:$min_val,
                       Optional<Mp_Tensor>:$max_val, OF32:$min, OF32:$max);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
  let mpExtraDecls = InferDecls;
}

def Mp_CastOp : Mp_Op<"cast", "Cast", "1", "1", [Pure, InferTypeOpInterface]> {
  let precisionCategory = "Fixed";
  let summary = "ONNX Cast";
  let description = [{
    Converts the element type to `to` (an MLIR type; the ONNX data type on
    export). `saturate` (opset 19) only affects float8 targets.

    ```mlir
    %1 = mp.cast %0 {to = f16} : (tensor<4xf32>) -> tensor<4xf16>
    ```
  }];
  let arguments = (ins Mp_Tensor:$input, TypeAttr:$to, OI64:$saturate);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
  let hasFolder = 1;
  let mpExtraDecls = InferDecls;
}

class Mp_BinaryOp<string mnemonic, string onnxType, list<Trait> traits = []>
    : Mp_Op<mnemonic, onnxType, "11", "1",
            !listconcat(traits, [Pure, ResultsBroadcastableShape,
                                 InferTypeOpInterface])> {
  let summary = "ONNX " # onnxType # " (element-wise, multidirectional broadcast)";
  let description = "Element-wise `" # onnxType # "` with numpy-style "
                    "broadcasting of `A` and `B`.";
  let arguments = (ins Mp_Tensor:$A, Mp_Tensor:$B);
  let results = (outs Mp_Tensor:$C);
  let mpExtraDecls = InferDecls;
}

def Mp_AddOp : Mp_BinaryOp<"add", "Add", [SameOperandsAndResultElementType]>;
def Mp_SubOp : Mp_BinaryOp<"sub", "Sub", [SameOperandsAndResultElementType]>;
def Mp_MulOp : Mp_BinaryOp<"mul", "Mul", [SameOperandsAndResultElementType]>;
def Mp_DivOp : Mp_BinaryOp<"div", "Div", [SameOperandsAndResultElementType]>;
def Mp_PowOp : Mp_BinaryOp<"pow", "Pow"> {
  let precisionCategory = "Sensitive";
  let description = [{
    `X ^ Y` with broadcasting. The exponent's element type may differ from
    the base's (opset 12+); the result has the base's element type.
  }];
  let arguments = (ins Mp_Tensor:$X, Mp_Tensor:$Y);
  let results = (outs Mp_Tensor:$Z);
  let hasVerifier = 1;
}
def Mp_EqualOp : Mp_BinaryOp<"equal", "Equal", [SameOperandsElementType]> {
  let precisionCategory = "PassThrough";
  let results = (outs Mp_BoolTensor:$C);
}
def Mp_LessOp : Mp_BinaryOp<"less", "Less", [SameOperandsElementType]> {
  let precisionCategory = "PassThrough";
  let results = (outs Mp_BoolTensor:$C);
}
def Mp_GreaterOp : Mp_BinaryOp<"greater", "Greater", [SameOperandsElementType]> {
  let precisionCategory = "PassThrough";
  let results = (outs Mp_BoolTensor:$C);
}
def Mp_AndOp : Mp_BinaryOp<"and", "And", [SameOperandsAndResultElementType]> {
  let precisionCategory = "Fixed";
  let arguments = (ins Mp_BoolTensor:$A, Mp_BoolTensor:$B);
  let results = (outs Mp_BoolTensor:$C);
}
def Mp_OrOp : Mp_BinaryOp<"or", "Or", [SameOperandsAndResultElementType]> {
  let precisionCategory = "Fixed";
  let arguments = (ins Mp_BoolTensor:$A, Mp_BoolTensor:$B);
  let results = (outs Mp_BoolTensor:$C);
}

class Mp_VariadicOp<string mnemonic, string onnxType>
    : Mp_Op<mnemonic, onnxType, "*", "1",
            [Pure, SameOperandsAndResultElementType, ResultsBroadcastableShape,
             InferTypeOpInterface]> {
  let summary = "ONNX " # onnxType # " (variadic, broadcast)";
  let description = "Element-wise `" # onnxType # "` of one or more inputs.";
  let arguments = (ins Variadic<Mp_Tensor>:$data_0);
  let results = (outs Mp_Tensor:$result);
  let hasVerifier = 1;
  let mpExtraDecls = InferDecls;
}
def Mp_MinOp : Mp_VariadicOp<"min", "Min">;
def Mp_MaxOp : Mp_VariadicOp<"max", "Max">;

def Mp_WhereOp : Mp_Op<"where", "Where", "111", "1",
    [Pure, ResultsBroadcastableShape, InferTypeOpInterface]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX Where";
  let description = "Selects `X` where `condition` holds, else `Y`, with broadcasting.";
  let arguments = (ins Mp_BoolTensor:$condition, Mp_Tensor:$X, Mp_Tensor:$Y);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
  let mpExtraDecls = InferDecls;
}

//===----------------------------------------------------------------------===//
// Neural-network ops
//===----------------------------------------------------------------------===//

def Mp_MatMulOp : Mp_Op<"matmul", "MatMul", "11", "1", [Pure, InferTypeOpInterface]> {
  let precisionCategory = "Compute";
  let summary = "ONNX MatMul (numpy matmul semantics)";
  let arguments = (ins Mp_Tensor:$A, Mp_Tensor:$B);
  let results = (outs Mp_Tensor:$Y);
  let hasVerifier = 1;
  let mpExtraDecls = InferDecls;
}

def Mp_GemmOp : Mp_Op<"gemm", "Gemm", "11?", "1", [Pure]> {
  let precisionCategory = "Compute";
  let summary = "ONNX Gemm: alpha * A' * B' + beta * C";
  let arguments = (ins Mp_Tensor:$A, Mp_Tensor:$B, Optional<Mp_Tensor>:$C,
                       OF32:$alpha, OF32:$beta, OI64:$transA, OI64:$transB);
  let results = (outs Mp_Tensor:$Y);
  let hasVerifier = 1;
}

def Mp_ConvOp : Mp_Op<"conv", "Conv", "11?", "1", [Pure]> {
  let precisionCategory = "Compute";
  let summary = "ONNX Conv (N-d, grouped, dilated)";
  let arguments = (ins Mp_Tensor:$X, Mp_Tensor:$W, Optional<Mp_Tensor>:$B,
                       OStr:$auto_pad, OI64s:$dilations, OI64:$group,
                       OI64s:$kernel_shape, OI64s:$pads, OI64s:$strides);
  let results = (outs Mp_Tensor:$Y);
  let hasVerifier = 1;
}

def Mp_ConvTransposeOp : Mp_Op<"conv_transpose", "ConvTranspose", "11?", "1", [Pure]> {
  let precisionCategory = "Compute";
  let summary = "ONNX ConvTranspose";
  let arguments = (ins Mp_Tensor:$X, Mp_Tensor:$W, Optional<Mp_Tensor>:$B,
                       OStr:$auto_pad, OI64s:$dilations, OI64:$group,
                       OI64s:$kernel_shape, OI64s:$output_padding,
                       OI64s:$output_shape, OI64s:$pads, OI64s:$strides);
  let results = (outs Mp_Tensor:$Y);
  let hasVerifier = 1;
}

def Mp_MaxPoolOp : Mp_Op<"max_pool", "MaxPool", "1", "1?", [Pure]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX MaxPool";
  let arguments = (ins Mp_Tensor:$X, OStr:$auto_pad, OI64:$ceil_mode,
                       OI64s:$dilations, DenseI64ArrayAttr:$kernel_shape,
                       OI64s:$pads, OI64:$storage_order, OI64s:$strides);
  let results = (outs Mp_Tensor:$Y, Optional<Mp_I64Tensor>:$Indices);
  let hasVerifier = 1;
}

def Mp_AveragePoolOp : Mp_Op<"average_pool", "AveragePool", "1", "1", [Pure]> {
  let summary = "ONNX AveragePool";
  let arguments = (ins Mp_Tensor:$X, OStr:$auto_pad, OI64:$ceil_mode,
                       OI64:$count_include_pad, OI64s:$dilations,
                       DenseI64ArrayAttr:$kernel_shape, OI64s:$pads,
                       OI64s:$strides);
  let results = (outs Mp_Tensor:$Y);
  let hasVerifier = 1;
}

def Mp_GlobalAveragePoolOp : Mp_Op<"global_average_pool", "GlobalAveragePool",
                                   "1", "1", [Pure]> {
  let summary = "ONNX GlobalAveragePool";
  let arguments = (ins Mp_Tensor:$X);
  let results = (outs Mp_Tensor:$Y);
  let hasVerifier = 1;
}

def Mp_BatchNormalizationOp : Mp_Op<"batch_normalization", "BatchNormalization",
    "11111", "1????", [Pure, AttrSizedResultSegments]> {
  let keptOperandGroups = "1,2,3,4"; // FP32 statistics and affine
  let precisionCategory = "Sensitive";
  let summary = "ONNX BatchNormalization";
  let description = [{
    Inference form (one result) or training form (running mean and variance;
    opset 7-8 also the saved mean and variance).
  }];
  let arguments = (ins Mp_Tensor:$X, Mp_Tensor:$scale, Mp_Tensor:$B,
                       Mp_Tensor:$input_mean, Mp_Tensor:$input_var,
                       OF32:$epsilon, OF32:$momentum, OI64:$training_mode,
                       OI64:$spatial);
  let results = (outs Mp_Tensor:$Y, Optional<Mp_Tensor>:$running_mean,
                      Optional<Mp_Tensor>:$running_var,
                      Optional<Mp_Tensor>:$saved_mean,
                      Optional<Mp_Tensor>:$saved_var);
  let hasVerifier = 1;
}

def Mp_LayerNormalizationOp : Mp_Op<"layer_normalization", "LayerNormalization",
    "11?", "1??", [Pure, AttrSizedResultSegments]> {
  let precisionCategory = "Sensitive";
  let summary = "ONNX LayerNormalization (opset 17)";
  let arguments = (ins Mp_Tensor:$X, Mp_Tensor:$Scale, Optional<Mp_Tensor>:$B,
                       OI64:$axis, OF32:$epsilon, OI64:$stash_type);
  let results = (outs Mp_Tensor:$Y, Optional<Mp_Tensor>:$Mean,
                      Optional<Mp_Tensor>:$InvStdDev);
  let hasVerifier = 1;
}

def Mp_InstanceNormalizationOp : Mp_Op<"instance_normalization",
    "InstanceNormalization", "111", "1", [Pure]> {
  let precisionCategory = "Sensitive";
  let summary = "ONNX InstanceNormalization";
  let arguments = (ins Mp_Tensor:$input, Mp_Tensor:$scale, Mp_Tensor:$B,
                       OF32:$epsilon);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
}

def Mp_GroupNormalizationOp : Mp_Op<"group_normalization",
    "GroupNormalization", "111", "1", [Pure]> {
  let precisionCategory = "Sensitive";
  let summary = "ONNX GroupNormalization (opset 18, revised 21)";
  let arguments = (ins Mp_Tensor:$X, Mp_Tensor:$scale, Mp_Tensor:$bias,
                       OF32:$epsilon, I64Attr:$num_groups, OI64:$stash_type);
  let results = (outs Mp_Tensor:$Y);
  let hasVerifier = 1;
}

class Mp_SoftmaxBase<string mnemonic, string onnxType>
    : Mp_Op<mnemonic, onnxType, "1", "1",
            [Pure, SameOperandsAndResultElementType, SameOperandsAndResultShape,
             InferTypeOpInterface]> {
  let summary = "ONNX " # onnxType;
  let description = [{
    Before opset 13 the input is coerced to 2-D at `axis` (default 1); from
    13 the op normalises along `axis` alone (default -1). The importer records
    the opset on the module, and lowering picks the semantics from it.
  }];
  let arguments = (ins Mp_FloatTensor:$input, OI64:$axis);
  let results = (outs Mp_FloatTensor:$output);
  let hasVerifier = 1;
  let mpExtraDecls = InferDecls;
}
def Mp_SoftmaxOp : Mp_SoftmaxBase<"softmax", "Softmax"> {
  let precisionCategory = "Sensitive";
}
def Mp_LogSoftmaxOp : Mp_SoftmaxBase<"log_softmax", "LogSoftmax"> {
  let precisionCategory = "Sensitive";
}

def Mp_DropoutOp : Mp_Op<"dropout", "Dropout", "1??", "1?",
    [AttrSizedOperandSegments]> {
  let keptOperandGroups = "1";
  let precisionCategory = "PassThrough";
  let summary = "ONNX Dropout";
  let arguments = (ins Mp_Tensor:$data, Optional<Mp_Tensor>:$ratio_val,
                       Optional<Mp_BoolTensor>:$training_mode, OF32:$ratio,
                       OI64:$seed, OI64:$is_test);
  // The mask is bool from opset 10; before, it has the data's type.
  let results = (outs Mp_Tensor:$output, Optional<Mp_Tensor>:$mask);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Recurrent ops
//===----------------------------------------------------------------------===//

class Mp_RnnBase<string mnemonic, string onnxType, string inGroups,
                 string outGroups>
    : Mp_Op<mnemonic, onnxType, inGroups, outGroups,
            [Pure, AttrSizedOperandSegments, AttrSizedResultSegments]> {
  let summary = "ONNX " # onnxType;
  let hasVerifier = 1;
}

def Mp_LSTMOp : Mp_RnnBase<"lstm", "LSTM", "111?????", "???"> {
  let precisionCategory = "Compute";
  let arguments = (ins Mp_Tensor:$X, Mp_Tensor:$W, Mp_Tensor:$R,
      Optional<Mp_Tensor>:$B, Optional<Mp_Tensor>:$sequence_lens,
      Optional<Mp_Tensor>:$initial_h, Optional<Mp_Tensor>:$initial_c,
      Optional<Mp_Tensor>:$P, OF32s:$activation_alpha, OF32s:$activation_beta,
      OStrs:$activations, OF32:$clip, OStr:$direction, OI64:$hidden_size,
      OI64:$input_forget, OI64:$layout);
  let results = (outs Optional<Mp_Tensor>:$Y, Optional<Mp_Tensor>:$Y_h,
                      Optional<Mp_Tensor>:$Y_c);
}
def Mp_GRUOp : Mp_RnnBase<"gru", "GRU", "111???", "??"> {
  let precisionCategory = "Compute";
  let arguments = (ins Mp_Tensor:$X, Mp_Tensor:$W, Mp_Tensor:$R,
      Optional<Mp_Tensor>:$B, Optional<Mp_Tensor>:$sequence_lens,
      Optional<Mp_Tensor>:$initial_h, OF32s:$activation_alpha,
      OF32s:$activation_beta, OStrs:$activations, OF32:$clip, OStr:$direction,
      OI64:$hidden_size, OI64:$layout, OI64:$linear_before_reset);
  let results = (outs Optional<Mp_Tensor>:$Y, Optional<Mp_Tensor>:$Y_h);
}
def Mp_RNNOp : Mp_RnnBase<"rnn", "RNN", "111???", "??"> {
  let precisionCategory = "Compute";
  let arguments = (ins Mp_Tensor:$X, Mp_Tensor:$W, Mp_Tensor:$R,
      Optional<Mp_Tensor>:$B, Optional<Mp_Tensor>:$sequence_lens,
      Optional<Mp_Tensor>:$initial_h, OF32s:$activation_alpha,
      OF32s:$activation_beta, OStrs:$activations, OF32:$clip, OStr:$direction,
      OI64:$hidden_size, OI64:$layout);
  let results = (outs Optional<Mp_Tensor>:$Y, Optional<Mp_Tensor>:$Y_h);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Mp_ReduceOp<string mnemonic, string onnxType>
    : Mp_Op<mnemonic, onnxType, "1?", "1", [Pure]> {
  let summary = "ONNX " # onnxType;
  let description = [{
    Reduces over `axes`: an attribute up to the opset where it became an
    optional i64 operand (13 for ReduceSum, 18 for the others). With no axes
    the op reduces every dimension unless `noop_with_empty_axes` is set.
  }];
  let arguments = (ins Mp_Tensor:$data, Optional<Mp_I64Tensor>:$axes_val,
                       OI64s:$axes, OI64:$keepdims, OI64:$noop_with_empty_axes);
  let results = (outs Mp_Tensor:$reduced);
  let hasVerifier = 1;
}
def Mp_ReduceMeanOp : Mp_ReduceOp<"reduce_mean", "ReduceMean"> {
  let precisionCategory = "Sensitive";
}
def Mp_ReduceSumOp : Mp_ReduceOp<"reduce_sum", "ReduceSum"> {
  let precisionCategory = "Sensitive";
}
def Mp_ReduceMaxOp : Mp_ReduceOp<"reduce_max", "ReduceMax"> {
  let precisionCategory = "PassThrough";
}
def Mp_ReduceMinOp : Mp_ReduceOp<"reduce_min", "ReduceMin"> {
  let precisionCategory = "PassThrough";
}
def Mp_ReduceProdOp : Mp_ReduceOp<"reduce_prod", "ReduceProd"> {
  let precisionCategory = "Sensitive";
}
def Mp_ReduceL2Op : Mp_ReduceOp<"reduce_l2", "ReduceL2"> {
  let precisionCategory = "Sensitive";
}
def Mp_ReduceLogSumExpOp : Mp_ReduceOp<"reduce_log_sum_exp", "ReduceLogSumExp"> {
  let precisionCategory = "Sensitive";
}

def Mp_ArgMaxOp : Mp_Op<"arg_max", "ArgMax", "1", "1", [Pure]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX ArgMax";
  let arguments = (ins Mp_Tensor:$data, OI64:$axis, OI64:$keepdims,
                       OI64:$select_last_index);
  let results = (outs Mp_I64Tensor:$reduced);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Mp_ReshapeOp : Mp_Op<"reshape", "Reshape", "11", "1", [Pure]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX Reshape";
  let arguments = (ins Mp_Tensor:$data, Mp_I64Tensor:$shape, OI64:$allowzero);
  let results = (outs Mp_Tensor:$reshaped);
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Mp_FlattenOp : Mp_Op<"flatten", "Flatten", "1", "1", [Pure]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX Flatten";
  let arguments = (ins Mp_Tensor:$input, OI64:$axis);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
}

def Mp_TransposeOp : Mp_Op<"transpose", "Transpose", "1", "1",
    [Pure, InferTypeOpInterface]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX Transpose";
  let arguments = (ins Mp_Tensor:$data, OI64s:$perm);
  let results = (outs Mp_Tensor:$transposed);
  let hasVerifier = 1;
  let hasFolder = 1;
  let mpExtraDecls = InferDecls;
}

def Mp_ConcatOp : Mp_Op<"concat", "Concat", "*", "1", [Pure]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX Concat";
  let arguments = (ins Variadic<Mp_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Mp_Tensor:$concat_result);
  let hasVerifier = 1;
}

def Mp_SplitOp : Mp_Op<"split", "Split", "1?", "*", [Pure]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX Split";
  let description = [{
    Split sizes come from the `split` attribute (before 13), the optional
    `split_val` operand (13+), or equal parts (`num_outputs`, 18+).
  }];
  let arguments = (ins Mp_Tensor:$input, Optional<Mp_I64Tensor>:$split_val,
                       OI64:$axis, OI64s:$split, OI64:$num_outputs);
  let results = (outs Variadic<Mp_Tensor>:$outputs);
  let hasVerifier = 1;
}

def Mp_SliceOp : Mp_Op<"slice", "Slice", "1????", "1",
    [Pure, AttrSizedOperandSegments]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX Slice";
  let description = [{
    Opset 1-9 give `starts`/`ends`/`axes` as attributes; from 10 they are
    operands (`starts_val`, `ends_val`, `axes_val`, `steps`).
  }];
  let arguments = (ins Mp_Tensor:$data, Optional<Mp_IndexTensor>:$starts_val,
                       Optional<Mp_IndexTensor>:$ends_val,
                       Optional<Mp_IndexTensor>:$axes_val,
                       Optional<Mp_IndexTensor>:$steps, OI64s:$starts,
                       OI64s:$ends, OI64s:$axes);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
}

class Mp_GatherBase<string mnemonic, string onnxType>
    : Mp_Op<mnemonic, onnxType, "11", "1", [Pure]> {
  let summary = "ONNX " # onnxType;
  let arguments = (ins Mp_Tensor:$data, Mp_IndexTensor:$indices, OI64:$axis);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
}
def Mp_GatherOp : Mp_GatherBase<"gather", "Gather"> {
  let precisionCategory = "PassThrough";
}
def Mp_GatherElementsOp : Mp_GatherBase<"gather_elements", "GatherElements"> {
  let precisionCategory = "PassThrough";
}

class Mp_SqueezeBase<string mnemonic, string onnxType>
    : Mp_Op<mnemonic, onnxType, "1?", "1", [Pure]> {
  let summary = "ONNX " # onnxType;
  let description = "`axes` is an attribute before opset 13 and an optional "
                    "operand (`axes_val`) from 13.";
  let arguments = (ins Mp_Tensor:$data, Optional<Mp_I64Tensor>:$axes_val,
                       OI64s:$axes);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
}
def Mp_SqueezeOp : Mp_SqueezeBase<"squeeze", "Squeeze"> {
  let precisionCategory = "PassThrough";
}
def Mp_UnsqueezeOp : Mp_SqueezeBase<"unsqueeze", "Unsqueeze"> {
  let precisionCategory = "PassThrough";
}

def Mp_ExpandOp : Mp_Op<"expand", "Expand", "11", "1", [Pure]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX Expand";
  let arguments = (ins Mp_Tensor:$input, Mp_I64Tensor:$shape);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
}

def Mp_TileOp : Mp_Op<"tile", "Tile", "11", "1", [Pure]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX Tile";
  let arguments = (ins Mp_Tensor:$input, Mp_I64Tensor:$repeats);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
}

def Mp_PadOp : Mp_Op<"pad", "Pad", "1???", "1",
    [Pure, AttrSizedOperandSegments]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX Pad";
  let description = [{
    Before opset 11 `pads` and `value` are attributes; from 11 they are the
    operands `pads_val` and `constant_value`; 18 adds `axes_val`.
  }];
  let arguments = (ins Mp_Tensor:$data, Optional<Mp_I64Tensor>:$pads_val,
                       Optional<Mp_Tensor>:$constant_value,
                       Optional<Mp_IndexTensor>:$axes_val, OStr:$mode,
                       OI64s:$pads, OF32:$value);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
}

def Mp_ResizeOp : Mp_Op<"resize", "Resize", "1???", "1",
    [Pure, AttrSizedOperandSegments]> {
  let keptOperandGroups = "1,2";
  let precisionCategory = "PassThrough";
  let summary = "ONNX Resize (opset 10, 11, 13, 18, 19)";
  let description = [{
    Operands follow the opset 11+ order (X, roi, scales, sizes). Resize-10's
    second input is `scales`; the importer places it accordingly.
  }];
  let arguments = (ins Mp_Tensor:$X, Optional<Mp_Tensor>:$roi,
                       Optional<Mp_Tensor>:$scales, Optional<Mp_I64Tensor>:$sizes,
                       OI64:$antialias, OI64s:$axes,
                       OStr:$coordinate_transformation_mode,
                       OF32:$cubic_coeff_a, OI64:$exclude_outside,
                       OF32:$extrapolation_value, OStr:$keep_aspect_ratio_policy,
                       OStr:$mode, OStr:$nearest_mode);
  let results = (outs Mp_Tensor:$Y);
  let hasVerifier = 1;
}

def Mp_ShapeOp : Mp_Op<"shape", "Shape", "1", "1", [Pure, InferTypeOpInterface]> {
  let precisionCategory = "Fixed";
  let summary = "ONNX Shape (start/end since opset 15)";
  let arguments = (ins Mp_Tensor:$data, OI64:$start, OI64:$end);
  let results = (outs Mp_I64Tensor:$shape);
  let hasVerifier = 1;
  let mpExtraDecls = InferDecls;
}

def Mp_ConstantOfShapeOp : Mp_Op<"constant_of_shape", "ConstantOfShape",
                                 "1", "1", [Pure]> {
  let precisionCategory = "Fixed";
  let summary = "ONNX ConstantOfShape";
  let arguments = (ins Mp_I64Tensor:$input, OptionalAttr<ElementsAttr>:$value);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
}

def Mp_RangeOp : Mp_Op<"range", "Range", "111", "1", [Pure]> {
  let precisionCategory = "Fixed";
  let summary = "ONNX Range";
  let arguments = (ins Mp_Tensor:$start, Mp_Tensor:$limit, Mp_Tensor:$delta);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
}

def Mp_ConstantOp : Mp_Op<"constant", "Constant", "", "1",
    [Pure, ConstantLike]> {
  let precisionCategory = "Fixed";
  let summary = "ONNX Constant, and graph initializers";
  let description = [{
    A constant tensor. When `initializer` is set, the op stands for the graph
    initializer of that name and exports as one; otherwise it is a Constant
    node. Floating-point initializers are always `dense_resource` attributes
    (named after the initializer): they are neither copied nor hashed, and
    no folder can merge two equal-valued weights, which would tie parameters.
    Small integer initializers and Constant nodes are `dense<...>`.

    ```mlir
    %w = mp.constant {initializer = "fc.weight", value = dense_resource<fc.weight> : tensor<10x64xf32>} : () -> tensor<10x64xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value, OStr:$initializer);
  let results = (outs Mp_Tensor:$output);
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Mp_TopKOp : Mp_Op<"top_k", "TopK", "1?", "11", [Pure]> {
  let precisionCategory = "PassThrough";
  let summary = "ONNX TopK (`k` an attribute before opset 10, an operand after)";
  let arguments = (ins Mp_Tensor:$X, Optional<Mp_I64Tensor>:$k_val, OI64:$axis,
                       OI64:$largest, OI64:$sorted, OI64:$k);
  let results = (outs Mp_Tensor:$Values, Mp_I64Tensor:$Indices);
  let hasVerifier = 1;
}

def Mp_CumSumOp : Mp_Op<"cum_sum", "CumSum", "11", "1", [Pure]> {
  let precisionCategory = "Sensitive";
  let summary = "ONNX CumSum";
  let arguments = (ins Mp_Tensor:$x, Mp_IndexTensor:$axis, OI64:$exclusive,
                       OI64:$reverse);
  let results = (outs Mp_Tensor:$y);
  let hasVerifier = 1;
}

def Mp_EinsumOp : Mp_Op<"einsum", "Einsum", "*", "1", [Pure]> {
  let precisionCategory = "Compute";
  let summary = "ONNX Einsum";
  let arguments = (ins Variadic<Mp_Tensor>:$Inputs, StrAttr:$equation);
  let results = (outs Mp_Tensor:$Output);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Training (no ONNX counterpart)
//===----------------------------------------------------------------------===//

def Mp_LossScaleOp : Op<Mp_Dialect, "loss_scale", [Pure]> {
  let summary = "The loss scale or its inverse, as mp-loss-scaling supplies it";
  let description = [{
    `mp-build-train-step` emits two: `role = "seed"` starts the backward
    pass (dL/dL), and `role = "unscale"` multiplies the gradients inside each
    `mp.optimizer_update`. Both are 1 until `mp-loss-scaling` replaces them
    with the scale and 1/scale. They are ops rather than marked constants so
    that the folding and CSE of the passes in between (autocast, master
    weights) cannot merge them with other constants: the passes may run in
    any order. Lowered as they are, both are 1.

    ```mlir
    %seed = mp.loss_scale "seed" : tensor<f32>
    ```
  }];
  let arguments = (ins StrAttr:$role);
  let results = (outs 0DTensorOf<[AnyFloat]>:$value);
  let hasVerifier = 1;
  let assemblyFormat = "$role attr-dict `:` type($value)";
}

def Mp_NonFiniteSkipOp : Op<Mp_Dialect, "nonfinite_skip", [Pure]> {
  let summary = "Whether an update is skipped for non-finite gradients";
  let description = [{
    `%skip = mp.nonfinite_skip %probe`, where `%probe` is the sum over the
    raw gradients of `g * 0`: 0 exactly when every gradient is finite. It is
    false (updates are never skipped, as in PyTorch without a GradScaler)
    until `mp-loss-scaling` replaces it with `probe != 0`. The probe is its
    operand, so no pass in between removes it as dead.

    ```mlir
    %skip = mp.nonfinite_skip %probe : (tensor<f32>) -> tensor<i1>
    ```
  }];
  let arguments = (ins 0DTensorOf<[F32]>:$probe);
  let results = (outs 0DTensorOf<[I1]>:$skip);
  let assemblyFormat = "$probe attr-dict `:` functional-type(operands, results)";
}

def Mp_DropoutMaskOp : Op<Mp_Dialect, "dropout_mask", [Pure]> {
  let summary = "The keep-mask of a training-mode Dropout at one training step";
  let description = [{
    `mask[i] = u(seed, step, i) >= ratio`, with `u` in [0, 1) from a 32-bit
    integer hash of the seed, the step and the element's linear index. At
    step 0 it is exactly the mask `mp.dropout` draws with the same seed.

    `mp-build-train-step` rewrites each training-mode Dropout of the step
    into `x * mask / (1 - ratio)` with this op reading the optimizer's step
    counter, so every step drops different elements (a Dropout keeps one
    mask per seed). The saved inference graph keeps the Dropout.

    ```mlir
    %mask = mp.dropout_mask %step {ratio = 1.000000e-01 : f32, seed = 0 : i64}
        : (tensor<i64>) -> tensor<8x16xi1>
    ```
  }];
  let arguments = (ins 0DTensorOf<[I64]>:$step, F32Attr:$ratio, I64Attr:$seed);
  let results = (outs Mp_BoolTensor:$mask);
  let hasVerifier = 1;
  let assemblyFormat = [{
    $step attr-dict `:` functional-type(operands, results)
  }];
}

def Mp_MaxPoolGradOp : Op<Mp_Dialect, "max_pool_grad", [Pure]> {
  let summary = "Gradient of MaxPool with respect to its input";
  let description = [{
    `dX[p] = sum over the windows w that contain p of dY[w] * (p is w's
    maximum)`, the maximum being the first one in window order, as MaxPool's
    `Indices` define it. `X` is the forward input; the window attributes are
    MaxPool's (kernel_shape, strides, pads, dilations, ceil_mode, auto_pad).
    The vector-Jacobian rule of MaxPool emits it for windows that overlap,
    pad or do not tile the input; the CPU lowering takes the indices from a
    MaxPool with `Indices` and scatter-adds `dY` into a zero `dX`.
  }];
  let arguments = (ins Mp_Tensor:$X, Mp_Tensor:$dY, OStr:$auto_pad, OI64:$ceil_mode,
                       OI64s:$dilations, DenseI64ArrayAttr:$kernel_shape, OI64s:$pads,
                       OI64s:$strides);
  let results = (outs Mp_Tensor:$dX);
  let hasVerifier = 1;
  let assemblyFormat = [{
    $X `,` $dY attr-dict `:` functional-type(operands, results)
  }];
}

def Mp_OptimizerUpdateOp : Op<Mp_Dialect, "optimizer_update",
    [Pure, AttrSizedOperandSegments, AttrSizedResultSegments]> {
  let summary = "One fused optimizer step on an FP32 master weight";
  let description = [{
    Updates one parameter in a single pass over its elements, with all math
    in f32:

    ```
    g = grad * grad_scale                      // unscale (1 / loss scale) and clip
    sgd:      g += weight_decay * p;  p' = p - lr * g
    momentum: g += weight_decay * p;  m' = momentum * m + g;  p' = p - lr * m'
    adam:     g += weight_decay * p;  m' = b1 m + (1 - b1) g;  v' = b2 v + (1 - b2) g^2
              p' = p - lr * (m' / (1 - b1^step)) / (sqrt(v' / (1 - b2^step)) + eps)
    adamw:    as adam without the L2 term, then p' -= lr * weight_decay * p
    ```

    `step` counts from 1 (Adam's bias correction). When `skip` is true (a
    non-finite gradient under dynamic loss scaling) every result equals its
    input: the master weight and the moments are left untouched, with no
    host synchronisation. `param` is the FP32 master; `grad` may be FP16 or
    BF16. The optional `low` result is the low-precision copy of the new
    master (its element type says which), written by the same kernel.
  }];
  let arguments = (ins Mp_Tensor:$param, Mp_Tensor:$grad, Optional<Mp_Tensor>:$m,
                       Optional<Mp_Tensor>:$v, Mp_Tensor:$lr, Mp_Tensor:$step,
                       Mp_Tensor:$grad_scale, Mp_BoolTensor:$skip, StrAttr:$kind,
                       F32Attr:$beta1, F32Attr:$beta2, F32Attr:$eps,
                       F32Attr:$weight_decay, F32Attr:$momentum);
  let results = (outs Mp_Tensor:$new_param, Optional<Mp_Tensor>:$low,
                      Optional<Mp_Tensor>:$new_m, Optional<Mp_Tensor>:$new_v);
  let hasVerifier = 1;
  let assemblyFormat = [{
    $kind $param `,` $grad `,` (`m` `=` $m^ `,`)? (`v` `=` $v^ `,`)? `lr` `=` $lr `,`
    `step` `=` $step `,` `grad_scale` `=` $grad_scale `,` `skip` `=` $skip attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Control flow
//===----------------------------------------------------------------------===//

def Mp_YieldOp : Op<Mp_Dialect, "yield", [Pure, Terminator, ReturnLike]> {
  let summary = "Terminates an mp subgraph region; its operands are the subgraph outputs";
  let arguments = (ins Variadic<AnyType>:$results);
  let assemblyFormat = "attr-dict ($results^ `:` type($results))?";
}

def Mp_IfOp : Mp_Op<"if", "If", "1", "*",
    [RecursiveMemoryEffects, NoRegionArguments], "then_branch,else_branch"> {
  let precisionCategory = "Fixed";
  let summary = "ONNX If; the branches are regions that may use outer values";
  let arguments = (ins Mp_BoolTensor:$cond);
  let results = (outs Variadic<Mp_Tensor>:$outputs);
  let regions = (region SizedRegion<1>:$then_branch, SizedRegion<1>:$else_branch);
  let hasVerifier = 1;
}

def Mp_LoopOp : Mp_Op<"loop", "Loop", "??*", "*",
    [RecursiveMemoryEffects, AttrSizedOperandSegments], "body"> {
  let precisionCategory = "Fixed";
  let summary = "ONNX Loop; `body` takes (iteration, cond, carried...)";
  let arguments = (ins Optional<Mp_Tensor>:$M, Optional<Mp_BoolTensor>:$cond,
                       Variadic<Mp_Tensor>:$v_initial);
  let results = (outs Variadic<Mp_Tensor>:$v_final_and_scan_outputs);
  let regions = (region SizedRegion<1>:$body);
  let hasVerifier = 1;
}

def Mp_ScanOp : Mp_Op<"scan", "Scan", "*", "*",
    [RecursiveMemoryEffects], "body"> {
  let precisionCategory = "Fixed";
  let summary = "ONNX Scan (opset 9+)";
  let arguments = (ins Variadic<Mp_Tensor>:$initial_state_and_scan_inputs,
                       I64Attr:$num_scan_inputs, OI64s:$scan_input_axes,
                       OI64s:$scan_input_directions, OI64s:$scan_output_axes,
                       OI64s:$scan_output_directions);
  let results = (outs Variadic<Mp_Tensor>:$final_state_and_scan_outputs);
  let regions = (region SizedRegion<1>:$body);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Generic ONNX node
//===----------------------------------------------------------------------===//

def Mp_OnnxOp : Op<Mp_Dialect, "onnx_op", []> {
  let summary = "Any ONNX node the dialect does not model";
  let description = [{
    Its semantics are unknown to mixprec, so it is treated as having side
    effects: it is never merged (CSE) or deleted when its results are unused.

    Keeps an ONNX node verbatim: op type, domain, attributes (as a dictionary
    using the same attribute kinds as typed ops), and GRAPH attributes as
    regions named by `region_names`. `input_segments` has one entry (0 or 1)
    per ONNX input position so that skipped optional inputs ("") survive.

    ```mlir
    %0 = mp.onnx_op "com.microsoft"::"FusedMatMul" %a, %b {onnx_attrs = {alpha = 1.0 : f32}} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$inputs, StrAttr:$op_type,
                       StrAttr:$domain, DictionaryAttr:$onnx_attrs,
                       OptionalAttr<StrArrayAttr>:$region_names,
                       OptionalAttr<DenseI32ArrayAttr>:$input_segments);
  let results = (outs Variadic<AnyType>:$outputs);
  let regions = (region VariadicRegion<AnyRegion>:$subgraphs);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
}

#endif // MIXPREC_DIALECT_MP_IR_MPOPS_TD
