//===- CPURunner.h - compile and run mp modules on the host CPU -*- C++ -*-===//
//
// The executor behind mp-run and calibration: host arrays (numpy dtypes),
// readers for .npy / .npz / ONNX TensorProto .pb files, and CPUExecutable,
// which lowers a module with mp-lower-to-cpu, JITs @main with MLIR's
// ExecutionEngine (tuned for the host CPU) and calls it.
//
//===----------------------------------------------------------------------===//

#ifndef MIXPREC_EXECUTIONENGINE_CPURUNNER_H
#define MIXPREC_EXECUTIONENGINE_CPURUNNER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace mixprec {

/// A dense row-major host array. `dtype` is numpy's descr without the byte
/// order: f4 f8 f2 i8 i4 i2 i1 u8 u4 u2 u1 b1.
struct HostArray {
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<char> data;
  int64_t numel() const;
};

/// Bytes per element of a dtype (0 if unknown).
int64_t dtypeBytes(llvm::StringRef dtype);
/// The dtype holding an MLIR element type, or "" (e.g. bf16).
std::string dtypeOf(mlir::Type elementType);
/// Element `p` of `dtype` as a double (NaN for unknown dtypes).
double loadAsDouble(const char *p, llvm::StringRef dtype);

/// Reads `.npy` (key ""), `.npz` (keys are member names; stored, not
/// compressed) or ONNX TensorProto `.pb` (key "").
llvm::Expected<std::map<std::string, HostArray>> readArrays(llvm::StringRef path);
/// Writes a `.npy` file.
llvm::Error writeNpy(const std::string &path, const HostArray &array);

/// A JIT-compiled @main.
/// Where a compiled program runs.
enum class Device {
  CPU,  ///< mp-lower-to-cpu, JIT for the host
  CUDA, ///< mp-lower-to-nvptx for the probed GPU's SM, host code JIT'd,
        ///< kernels loaded through lib/Runtime/CUDA; buffers are managed
  CUDAEmulated, ///< the GPU pipeline's kernels run as host loops
                ///< (buildGpuEmulationPipeline): checks them without a GPU
};

/// How to compile.
struct CompileOptions {
  Device device = Device::CPU;
  bool compiledOnly = false;
  double deviceMs = -1;
  /// CUDA: the SM to compile for; empty: the probed GPU's.
  std::string chip;
  /// Lower and translate to LLVM IR (kernels to PTX) but do not JIT: checks
  /// a GPU program on a machine without a GPU. run() then fails.
  bool compileOnly = false;
};

/// A JIT-compiled @main, on the CPU or (with Device::CUDA) on an NVIDIA GPU.
class CPUExecutable {
public:
  /// Lowers `module` in place with mp-lower-to-cpu and JITs its @main (whose
  /// arguments and results must be ranked tensors). Lowering diagnostics go
  /// to the context's handler. `printLowered` receives the LLVM-dialect IR.
  /// With Device::CUDA it fails cleanly (no exit) when no usable GPU,
  /// driver or CUDA runtime exists, saying which.
  static llvm::Expected<std::unique_ptr<CPUExecutable>>
  compile(mlir::ModuleOp module, llvm::raw_ostream *printLowered = nullptr,
          const CompileOptions &options = {});
  ~CPUExecutable();

  /// Calls @main. Arguments must match its signature (dtype and shape; the
  /// caller checks, see checkArgument). Results are copied into fresh arrays.
  llvm::Expected<std::vector<HostArray>> run(std::vector<HostArray> &args);

  /// CUDA: the last run()'s device time (CUDA events around the call,
  /// milliseconds) and the device memory peak (bytes, since compile);
  /// negative on the CPU.
  double lastDeviceMs() const { return deviceMs; }
  double peakDeviceBytes() const;

  llvm::ArrayRef<mlir::RankedTensorType> getArgumentTypes() const { return argTypes; }
  llvm::ArrayRef<mlir::RankedTensorType> getResultTypes() const { return resultTypes; }

private:
  CPUExecutable() = default;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  Device device = Device::CPU;
  bool compiledOnly = false;
  double deviceMs = -1;
  void (*entry)(void **) = nullptr; // packed _mlir_ciface_main
  std::vector<mlir::RankedTensorType> argTypes, resultTypes;
};

/// "" if `array` fits `type` (dtype and static dims), else a description of
/// the mismatch.
std::string checkArgument(mlir::RankedTensorType type, const HostArray &array);

/// The ONNX names of @main's arguments (or results): their `mp.name`, else
/// input<i> (output<i>).
std::vector<std::string> graphValueNames(mlir::func::FuncOp main, bool results);

/// Places `given` on the arguments of `fnType`, whose names are `argNames`:
/// a named array goes to the argument of that name, an unnamed one to the
/// next free position. Every argument must be given, with its dtype and
/// static dims.
llvm::Expected<std::vector<HostArray>>
bindArguments(mlir::FunctionType fnType, llvm::ArrayRef<std::string> argNames,
              std::vector<std::pair<std::string, HostArray>> given);

/// True if an argument has a dynamic dim. Callers holding the ONNX model
/// then re-import it with ImportOptions::inputShapes taken from the data, so
/// that shape inference makes every intermediate static.
bool hasDynamicArguments(mlir::FunctionType fnType);

} // namespace mixprec

#endif // MIXPREC_EXECUTIONENGINE_CPURUNNER_H
