//===- Train.h - mp-run --train ---------------------------------*- C++ -*-===//

#ifndef MIXPREC_TOOLS_MP_RUN_TRAIN_H
#define MIXPREC_TOOLS_MP_RUN_TRAIN_H

#include "mixprec/ExecutionEngine/CPURunner.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>

namespace mixprec {

struct TrainOptions {
  std::string dataPath; ///< .npz with one array per data input and the labels
  int64_t steps = 100;
  int64_t batch = 0; ///< 0: the batch the training step was built for
  int64_t logEvery = 0; ///< 0: ten lines per run
  uint64_t seed = 0; ///< shuffle seed
  std::string savePath; ///< write the trained model here (ONNX), if set
  Device device = Device::CPU; ///< where the training step runs
};

/// Trains with the module from `mp-opt --mp-build-train-step` (@init, @main,
/// @inference). Prints progress to stderr and `final loss: <value>` to
/// stdout; returns the process exit status.
int runTraining(mlir::ModuleOp module, const TrainOptions &options);

} // namespace mixprec

#endif // MIXPREC_TOOLS_MP_RUN_TRAIN_H
