//===- Training.h - the training loop of mp-run --train and mixprec.train -===//
//
// Runs a training module from `mp-opt --mp-build-train-step` (with an
// optimizer): @init gives the initial state, @main is one step that maps
// (data batch, state) to (loss, new state) under the same names, and
// @inference is the forward graph the trained weights are saved into.
//
//===----------------------------------------------------------------------===//

#ifndef MIXPREC_EXECUTIONENGINE_TRAINING_H
#define MIXPREC_EXECUTIONENGINE_TRAINING_H

#include "mixprec/ExecutionEngine/CPURunner.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mixprec {

struct TrainOptions {
  std::string dataPath; ///< .npz with one array per data input and the labels
  /// The data in memory instead of dataPath (when not null).
  const std::map<std::string, HostArray> *data = nullptr;
  int64_t steps = 100;
  int64_t batch = 0;    ///< 0: the batch the training step was built for
  int64_t logEvery = 0; ///< 0: ten lines per run
  uint64_t seed = 0;    ///< shuffle seed
  std::string savePath; ///< write the trained model here (ONNX), if set
  Device device = Device::CPU; ///< where the training step runs
  /// Receives each progress line (no trailing newline); null: silent.
  std::function<void(const std::string &)> log;
};

struct TrainResult {
  std::vector<double> losses;       ///< the loss of every step
  std::vector<double> lossScales;   ///< the loss scale after every step (if dynamic)
  std::vector<int64_t> skippedSteps; ///< 1-based steps skipped for non-finite gradients
  double finalLoss = 0;
  double samplesPerSecond = 0;
  double peakDeviceBytes = -1; ///< CUDA: the device memory peak
};

/// Trains with the module from `mp-opt --mp-build-train-step` (@init, @main,
/// @inference). Errors (bad data, a module that is not a training step, a
/// failed compile or save) come back as llvm::Error.
llvm::Expected<TrainResult> train(mlir::ModuleOp module, const TrainOptions &options);

/// mp-run --train: train() with progress on stderr and `final loss: <value>`
/// on stdout; returns the process exit status.
int runTraining(mlir::ModuleOp module, TrainOptions options);

} // namespace mixprec

#endif // MIXPREC_EXECUTIONENGINE_TRAINING_H
