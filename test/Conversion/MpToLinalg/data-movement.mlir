// RUN: mp-opt %s -split-input-file -convert-mp-to-linalg | FileCheck %s

// Shape, indexing and data-movement ops (static results).

// Shape of a static tensor folds to an i64 constant (start = 1 drops dim 0).
// CHECK-LABEL: func.func @shape
// CHECK: %[[C:.*]] = arith.constant dense<[3, 4]> : tensor<2xi64>
// CHECK-NEXT: return %[[C]]
func.func @shape(%x: tensor<2x3x4xf32>) -> tensor<2xi64> {
  %0 = mp.shape %x {start = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// GatherElements iterates over the indices; the axis coordinate is the
// loaded index (negative values wrap), the others are the loop indices.
// CHECK-LABEL: func.func @gather_elements
// CHECK: linalg.generic {{.*}} ins(%arg1 : tensor<2x3xi64>) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK: %[[I:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[I]]
// CHECK: %[[W:.*]] = arith.select %[[NEG]]
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: tensor.extract %arg0[%[[W]], %[[J]]] : tensor<3x3xf32>
func.func @gather_elements(%x: tensor<3x3xf32>, %i: tensor<2x3xi64>) -> tensor<2x3xf32> {
  %0 = mp.gather_elements %x, %i {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Expand is a broadcasting copy in the storage type (f16 stays f16).
// CHECK-DAG: #[[BC:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @expand
// CHECK: linalg.generic {indexing_maps = [#[[BC]], {{.*}}]{{.*}} ins(%arg0 : tensor<3x1xf16>) outs(%{{.*}} : tensor<3x4xf16>)
func.func @expand(%x: tensor<3x1xf16>, %s: tensor<2xi64>) -> tensor<3x4xf16> {
  %0 = mp.expand %x, %s : (tensor<3x1xf16>, tensor<2xi64>) -> tensor<3x4xf16>
  return %0 : tensor<3x4xf16>
}

// -----

// Tile reads the input at (i mod dim) in every dimension.
// CHECK-LABEL: func.func @tile
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4x3xf32>)
// CHECK: arith.remui %{{.*}}, %c2
// CHECK: arith.remui %{{.*}}, %c3
// CHECK: tensor.extract %arg0
func.func @tile(%x: tensor<2x3xf32>, %r: tensor<2xi64>) -> tensor<4x3xf32> {
  %0 = mp.tile %x, %r : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Range: start + i * delta, with scalar operands read inside the body.
// CHECK-LABEL: func.func @range
// CHECK: %[[S:.*]] = tensor.extract %arg0[] : tensor<f32>
// CHECK: %[[D:.*]] = tensor.extract %arg2[] : tensor<f32>
// CHECK: %[[F:.*]] = arith.sitofp
// CHECK: %[[M:.*]] = arith.mulf %[[F]], %[[D]] : f32
// CHECK: arith.addf %[[S]], %[[M]] : f32
func.func @range(%a: tensor<f32>, %b: tensor<f32>, %c: tensor<f32>) -> tensor<5xf32> {
  %0 = mp.range %a, %b, %c : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Split with static pieces: consecutive extract_slices along the axis.
// CHECK-LABEL: func.func @split
// CHECK: tensor.extract_slice %arg0[0, 0] [2, 2] [1, 1] : tensor<6x2xf32> to tensor<2x2xf32>
// CHECK: tensor.extract_slice %arg0[2, 0] [4, 2] [1, 1] : tensor<6x2xf32> to tensor<4x2xf32>
func.func @split(%x: tensor<6x2xf32>) -> (tensor<2x2xf32>, tensor<4x2xf32>) {
  %0:2 = mp.split %x {split = array<i64: 2, 4>} : (tensor<6x2xf32>) -> (tensor<2x2xf32>, tensor<4x2xf32>)
  return %0#0, %0#1 : tensor<2x2xf32>, tensor<4x2xf32>
}

// -----

// Slice with a negative step: row = 8 + i * -3 (rows 8, 5, 2).
// CHECK-LABEL: func.func @slice
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x4xf32>)
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[R:.*]] = arith.muli %[[I]], %c-3 : index
// CHECK: %[[ROW:.*]] = arith.addi %c8, %[[R]] : index
// CHECK: tensor.extract %arg0[%[[ROW]], %{{.*}}] : tensor<10x4xf32>
func.func @slice(%x: tensor<10x4xf32>) -> tensor<3x4xf32> {
  %s = mp.constant {value = dense<[8]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = mp.constant {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %a = mp.constant {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = mp.constant {value = dense<[-3]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = mp.slice %x, %s, %e, %a, %st : (tensor<10x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// ArgMax: one reduction carrying (best value, index); select_last_index
// uses >=, and the first element always seeds the pair.
// CHECK-LABEL: func.func @arg_max
// CHECK: %[[NINF:.*]] = arith.constant 0xFC00 : f16
// CHECK: %[[V:.*]] = linalg.fill ins(%[[NINF]] : f16)
// CHECK: %[[IX:.*]] = linalg.fill ins(%{{.*}} : i64)
// CHECK: %[[G:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%arg0 : tensor<2x5xf16>) outs(%[[V]], %[[IX]] : tensor<2xf16>, tensor<2xi64>)
// CHECK: arith.cmpf oge
// CHECK: return %[[G]]#1 : tensor<2xi64>
func.func @arg_max(%x: tensor<2x5xf16>) -> tensor<2xi64> {
  %0 = mp.arg_max %x {axis = -1 : i64, keepdims = 0 : i64, select_last_index = 1 : i64} : (tensor<2x5xf16>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// Dropout in inference: identity, and an all-true mask.
// CHECK-LABEL: func.func @dropout
// CHECK: %[[T:.*]] = arith.constant true
// CHECK: %[[M:.*]] = linalg.fill ins(%[[T]] : i1) outs(%{{.*}} : tensor<2x5xi1>)
// CHECK: return %arg0, %[[M]]
func.func @dropout(%x: tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xi1>) {
  %0:2 = mp.dropout %x : (tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xi1>)
  return %0#0, %0#1 : tensor<2x5xf32>, tensor<2x5xi1>
}

// -----

// ConstantOfShape with a static result: a fill of the value attribute.
// CHECK-LABEL: func.func @constant_of_shape
// CHECK: %[[C:.*]] = arith.constant 7 : i32
// CHECK: linalg.fill ins(%[[C]] : i32) outs(%{{.*}} : tensor<2x3xi32>)
func.func @constant_of_shape(%s: tensor<2xi64>) -> tensor<2x3xi32> {
  %0 = mp.constant_of_shape %s {value = dense<7> : tensor<1xi32>} : (tensor<2xi64>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// Pad with runtime pads (read in the body) and a static result: the source
// index is j = i - pads_begin, folded into the period 2(n-1) and mirrored
// (so pads as long as the input still read inside it).
// CHECK-LABEL: func.func @pad_reflect
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<5x7xf32>)
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[B:.*]] = tensor.extract %arg1[%c0] : tensor<4xi64>
// CHECK: %[[BI:.*]] = arith.index_cast %[[B]] : i64 to index
// CHECK: %[[J:.*]] = arith.subi %[[I]], %[[BI]] : index
// CHECK: %[[R1:.*]] = arith.remsi %[[J]], %c4 : index
// CHECK: %[[R2:.*]] = arith.addi %[[R1]], %c4 : index
// CHECK: %[[F:.*]] = arith.remsi %[[R2]], %c4 : index
// CHECK: %[[UP:.*]] = arith.cmpi sge, %[[F]], %c3
// CHECK: %[[MIR:.*]] = arith.subi %c4, %[[F]] : index
// CHECK: %[[ROW:.*]] = arith.select %[[UP]], %[[MIR]], %[[F]] : index
// CHECK: tensor.extract %arg0[%[[ROW]], %{{.*}}] : tensor<3x4xf32>
func.func @pad_reflect(%x: tensor<3x4xf32>, %p: tensor<4xi64>) -> tensor<5x7xf32> {
  %0 = mp.pad %x, %p {mode = "reflect"} : (tensor<3x4xf32>, tensor<4xi64>) -> tensor<5x7xf32>
  return %0 : tensor<5x7xf32>
}

// -----

// Resize, linear, half_pixel, runtime scales: the unit batch and channel
// axes read straight through; H and W map back with (x + 0.5) / scale - 0.5,
// and the four neighbours are weighted in f32 around f16 storage.
// CHECK-LABEL: func.func @resize_linear
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x4x4xf16>)
// CHECK: %[[S2:.*]] = tensor.extract %arg1[%c2] : tensor<4xf32>
// CHECK: arith.divf %{{.*}}, %[[S2]] : f32
// CHECK: math.floor
// CHECK: %[[S3:.*]] = tensor.extract %arg1[%c3] : tensor<4xf32>
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK-NOT: tensor.extract %arg0
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @resize_linear(%x: tensor<1x1x2x2xf16>, %s: tensor<4xf32>) -> tensor<1x1x4x4xf16> {
  %0 = mp.resize %x, none, %s {mode = "linear"} : (tensor<1x1x2x2xf16>, tensor<4xf32>) -> tensor<1x1x4x4xf16>
  return %0 : tensor<1x1x4x4xf16>
}

// -----

// Slice with runtime starts and a static result type: the start is read,
// wrapped when negative, and clamped to [0, dim] for a positive step or
// [0, dim - 1] for a negative one; every dim takes that offset (and step)
// only when it is the sliced axis, else 0 (and 1). The extents come from
// the result type, and the body reads x at off + i * step.
// CHECK-LABEL: func.func @slice_runtime_starts
// CHECK: %[[ZERO:[^ ]+]] = arith.constant 0 : index
// CHECK: %[[ONE:[^ ]+]] = arith.constant 1 : index
// CHECK: %[[S:[^ ]+]] = tensor.extract %arg1[%{{.*}}] : tensor<1xi64>
// CHECK: %[[SI:[^ ]+]] = arith.index_cast %[[S]] : i64 to index
// CHECK: %[[POS:[^ ]+]] = arith.cmpi sgt, %{{.*}}, %{{.*}} : index
// CHECK: %[[NEG:[^ ]+]] = arith.cmpi slt, %[[SI]], %{{.*}} : index
// CHECK: %[[WRAP:[^ ]+]] = arith.addi %[[SI]], %{{.*}} : index
// CHECK: %[[SN:[^ ]+]] = arith.select %[[NEG]], %[[WRAP]], %[[SI]] : index
// CHECK: %[[LAST:[^ ]+]] = arith.constant 9 : index
// CHECK: %[[LO:[^ ]+]] = arith.maxsi %[[SN]], %{{.*}} : index
// CHECK: %[[UP:[^ ]+]] = arith.minsi %[[LO]], %{{.*}} : index
// CHECK: %[[LO2:[^ ]+]] = arith.maxsi %[[SN]], %{{.*}} : index
// CHECK: %[[UP2:[^ ]+]] = arith.minsi %[[LO2]], %[[LAST]] : index
// CHECK: %[[CL:[^ ]+]] = arith.select %[[POS]], %[[UP]], %[[UP2]] : index
// CHECK: %[[HIT0:[^ ]+]] = arith.cmpi eq, %[[AX:[^,]+]], %{{.*}} : index
// CHECK: %[[OFF0:[^ ]+]] = arith.select %[[HIT0]], %[[CL]], %[[ZERO]] : index
// CHECK: %[[STEP0:[^ ]+]] = arith.select %[[HIT0]], %{{.*}}, %[[ONE]] : index
// CHECK: %[[HIT1:[^ ]+]] = arith.cmpi eq, %[[AX]], %{{.*}} : index
// CHECK: %[[OFF1:[^ ]+]] = arith.select %[[HIT1]], %{{.*}}, %[[ZERO]] : index
// CHECK: %[[STEP1:[^ ]+]] = arith.select %[[HIT1]], %{{.*}}, %[[ONE]] : index
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x4xf32>)
// CHECK:   %[[I:[^ ]+]] = linalg.index 0 : index
// CHECK:   %[[IS:[^ ]+]] = arith.muli %[[I]], %[[STEP0]] : index
// CHECK:   %[[ROW:[^ ]+]] = arith.addi %[[OFF0]], %[[IS]] : index
// CHECK:   %[[J:[^ ]+]] = linalg.index 1 : index
// CHECK:   %[[JS:[^ ]+]] = arith.muli %[[J]], %[[STEP1]] : index
// CHECK:   %[[COL:[^ ]+]] = arith.addi %[[OFF1]], %[[JS]] : index
// CHECK:   %[[V:[^ ]+]] = tensor.extract %arg0[%[[ROW]], %[[COL]]] : tensor<10x4xf32>
// CHECK:   linalg.yield %[[V]] : f32
func.func @slice_runtime_starts(%x: tensor<10x4xf32>, %s: tensor<1xi64>) -> tensor<3x4xf32> {
  %e = mp.constant {value = dense<[100]> : tensor<1xi64>} : () -> tensor<1xi64>
  %a = mp.constant {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = mp.slice %x, %s, %e, %a : (tensor<10x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Slice with runtime starts, ends, axes and steps: the axis (wrapped by the
// rank) and the step are read too; the step's sign picks the clamp, and
// the dim that matches the axis takes the runtime step.
// CHECK-LABEL: func.func @slice_runtime_all
// CHECK: %[[A:[^ ]+]] = tensor.extract %arg3[%{{.*}}] : tensor<1xi64>
// CHECK: %[[AI:[^ ]+]] = arith.index_cast %[[A]] : i64 to index
// CHECK: %[[ANEG:[^ ]+]] = arith.cmpi slt, %[[AI]], %{{.*}} : index
// CHECK: %[[AW:[^ ]+]] = arith.addi %[[AI]], %c2 : index
// CHECK: %[[AX:[^ ]+]] = arith.select %[[ANEG]], %[[AW]], %[[AI]] : index
// CHECK: %[[ST:[^ ]+]] = tensor.extract %arg4[%{{.*}}] : tensor<1xi64>
// CHECK: %[[STI:[^ ]+]] = arith.index_cast %[[ST]] : i64 to index
// CHECK: tensor.extract %arg1[%{{.*}}] : tensor<1xi64>
// CHECK: %[[POS:[^ ]+]] = arith.cmpi sgt, %[[STI]], %{{.*}} : index
// CHECK: %[[CL:[^ ]+]] = arith.select %[[POS]], %{{.*}}, %{{.*}} : index
// CHECK: %[[HIT0:[^ ]+]] = arith.cmpi eq, %[[AX]], %{{.*}} : index
// CHECK: arith.select %[[HIT0]], %[[CL]], %{{.*}} : index
// CHECK: arith.select %[[HIT0]], %[[STI]], %{{.*}} : index
// CHECK: %[[HIT1:[^ ]+]] = arith.cmpi eq, %[[AX]], %{{.*}} : index
// CHECK: %[[STEP1:[^ ]+]] = arith.select %[[HIT1]], %[[STI]], %{{.*}} : index
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<5x2xf32>)
// CHECK:   arith.muli %{{.*}}, %[[STEP1]] : index
// CHECK:   tensor.extract %arg0[%{{.*}}, %{{.*}}] : tensor<5x6xf32>
func.func @slice_runtime_all(%x: tensor<5x6xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>, %a: tensor<1xi64>, %st: tensor<1xi64>) -> tensor<5x2xf32> {
  %0 = mp.slice %x, %s, %e, %a, %st : (tensor<5x6xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<5x2xf32>
  return %0 : tensor<5x2xf32>
}
