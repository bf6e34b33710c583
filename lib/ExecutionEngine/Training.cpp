//===- Training.cpp - the training loop of mp-run --train and mixprec.train ===//
//
// See include/mixprec/ExecutionEngine/Training.h.
//
//===----------------------------------------------------------------------===//

#include "mixprec/ExecutionEngine/Training.h"

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/ExecutionEngine/CPURunner.h"
#include "mixprec/Target/ONNX/ONNXExport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <map>
#include <numeric>
#include <random>

using namespace mlir;
using mixprec::HostArray;

namespace {

/// A printf-style llvm::format as a string.
std::string str(const llvm::format_object_base &f) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << f;
  return out;
}

llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg.str());
}

/// A copy of `module` whose @main is the function `name` (the other
/// functions are dropped).
OwningOpRef<ModuleOp> withEntry(ModuleOp module, StringRef name) {
  OwningOpRef<ModuleOp> copy(cast<ModuleOp>(module->clone()));
  SmallVector<func::FuncOp> drop;
  for (auto f : copy->getOps<func::FuncOp>())
    if (f.getName() != name)
      drop.push_back(f);
  for (auto f : drop)
    f.erase();
  auto entry = copy->lookupSymbol<func::FuncOp>(name);
  entry.setName("main");
  entry.setPublic();
  return copy;
}

} // namespace

llvm::Expected<mixprec::TrainResult> mixprec::train(ModuleOp module, const TrainOptions &opts) {
  TrainResult result;
  auto log = [&](const std::string &line) {
    if (opts.log)
      opts.log(line);
  };
  auto main = module.lookupSymbol<func::FuncOp>("main");
  auto init = module.lookupSymbol<func::FuncOp>("init");
  if (!main || !init || !module.lookupSymbol<func::FuncOp>("inference"))
    return fail("not a training module: build one with mp-opt "
                "--mp-build-train-step=\"optimizer=...\" (it needs @main, @init and @inference)");
  std::vector<std::string> argNames = graphValueNames(main, false);
  std::vector<std::string> resultNames = graphValueNames(main, true);
  std::vector<std::string> initNames = graphValueNames(init, true);
  FunctionType fnType = main.getFunctionType();

  // Training data: one array per data input (the graph's inputs and the
  // labels), all with the same number of samples along dim 0.
  std::map<std::string, HostArray> loaded;
  if (!opts.data) {
    auto read = readArrays(opts.dataPath);
    if (!read)
      return read.takeError();
    loaded = std::move(*read);
  }
  const std::map<std::string, HostArray> *data = opts.data ? opts.data : &loaded;
  std::map<std::string, HostArray> state;
  auto t0 = std::chrono::steady_clock::now();
  {
    OwningOpRef<ModuleOp> m = withEntry(module, "init");
    auto exe = CPUExecutable::compile(*m);
    if (!exe)
      return exe.takeError();
    std::vector<HostArray> none;
    auto out = (*exe)->run(none);
    if (!out)
      return out.takeError();
    for (size_t i = 0; i < out->size(); ++i)
      state[initNames[i]] = std::move((*out)[i]);
  }
  int64_t samples = -1, batch = -1;
  std::vector<int> dataArg(argNames.size(), 0);
  for (size_t i = 0; i < argNames.size(); ++i) {
    const std::string &n = argNames[i];
    auto type = cast<RankedTensorType>(fnType.getInput(i));
    if (state.count(n))
      continue;
    auto it = data->find(n);
    if (it == data->end())
      return fail("the training data" + (opts.data ? std::string() : " ('" + opts.dataPath + "')") +
                  " has no array named '" + n +
                  "' (the training step's input #" + llvm::Twine(i) + ", " +
                  llvm::Twine(n) + ")");
    const HostArray &a = it->second;
    if (a.shape.empty())
      return fail("training array '" + n + "' needs a sample dim");
    if (samples >= 0 && a.shape[0] != samples)
      return fail("training arrays differ in sample count: '" + n + "' has " +
                  llvm::Twine(a.shape[0]) + ", the others " + llvm::Twine(samples));
    samples = a.shape[0];
    if (type.isDynamicDim(0))
      return fail("input '" + n + "' has a dynamic batch dim; build the training step from a "
                  "model with a fixed batch size");
    batch = type.getDimSize(0);
    // The rest of the shape and the dtype must match the step's input.
    HostArray probe;
    probe.dtype = a.dtype;
    probe.shape = a.shape;
    probe.shape[0] = batch;
    std::string problem = checkArgument(type, probe);
    if (!problem.empty())
      return fail("training array '" + n + "': " + problem);
    dataArg[i] = 1;
  }
  if (batch < 0)
    return fail("the training step takes no data input");
  if (opts.batch > 0 && opts.batch != batch)
    return fail("the training step was built for batch " + llvm::Twine(batch) + ", not " +
                llvm::Twine(opts.batch) + "; build it from a model with that batch size");
  if (samples < batch)
    return fail("the training data has " + llvm::Twine(samples) + " samples, fewer than a batch (" +
                llvm::Twine(batch) + ")");

  OwningOpRef<ModuleOp> stepModule = withEntry(module, "main");
  CompileOptions copts;
  copts.device = opts.device;
  auto exe = CPUExecutable::compile(*stepModule, nullptr, copts);
  if (!exe)
    return exe.takeError();
  double compileSec =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log(str(llvm::format("compiled the training step in %.2f s; %lld samples, batch %lld, %lld steps",
                       compileSec, (long long)samples, (long long)batch, (long long)opts.steps)));

  // Epochs over a seeded shuffle of the samples; an incomplete last batch
  // is skipped.
  std::mt19937_64 rng(opts.seed);
  std::vector<int64_t> order(samples);
  std::iota(order.begin(), order.end(), 0);
  int64_t cursor = samples;
  int64_t logEvery = opts.logEvery > 0 ? opts.logEvery : std::max<int64_t>(1, opts.steps / 10);
  double lossSum = 0, lastLoss = NAN;
  int64_t skipped = 0;
  // The dynamic loss scale, when the step carries one (mp-loss-scaling).
  auto scaleOf = [](std::map<std::string, HostArray> &st) {
    auto it = st.find("loss_scale");
    return it == st.end() ? NAN : loadAsDouble(it->second.data.data(), it->second.dtype);
  };
  // The applied-step counter `step` (NaN with gradient accumulation, whose
  // counter moves once per window, or without one).
  bool countsSteps = state.count("step") && !state.count("accumulation_step");
  auto counterOf = [&](std::map<std::string, HostArray> &st) {
    if (!countsSteps)
      return (double)NAN;
    const HostArray &a = st.at("step");
    return loadAsDouble(a.data.data(), a.dtype);
  };
  int64_t lossCount = 0;
  auto start = std::chrono::steady_clock::now();
  std::vector<HostArray> args(argNames.size());
  for (int64_t step = 1; step <= opts.steps; ++step) {
    if (cursor + batch > samples) {
      std::shuffle(order.begin(), order.end(), rng);
      cursor = 0;
    }
    double oldScale = scaleOf(state);
    double oldStep = counterOf(state);
    for (size_t i = 0; i < argNames.size(); ++i) {
      // The state moves into the step and its results move back: no
      // per-step copy of the weights and moments.
      if (!dataArg[i]) {
        args[i] = std::move(state[argNames[i]]);
        continue;
      }
      const HostArray &src = data->at(argNames[i]);
      int64_t row = src.numel() / samples * dtypeBytes(src.dtype);
      HostArray &a = args[i];
      a.dtype = src.dtype;
      a.shape = src.shape;
      a.shape[0] = batch;
      a.data.resize(batch * row);
      for (int64_t r = 0; r < batch; ++r)
        std::memcpy(a.data.data() + r * row, src.data.data() + order[cursor + r] * row, row);
    }
    cursor += batch;
    auto out = (*exe)->run(args);
    if (!out)
      return out.takeError();
    lastLoss = loadAsDouble((*out)[0].data.data(), (*out)[0].dtype);
    result.losses.push_back(lastLoss);
    lossSum += lastLoss;
    ++lossCount;
    for (size_t i = 0; i < argNames.size(); ++i)
      if (!dataArg[i])
        state[argNames[i]] = std::move(args[i]);
    for (size_t i = 1; i < out->size(); ++i)
      if (state.count(resultNames[i]))
        state[resultNames[i]] = std::move((*out)[i]);
    double newScale = scaleOf(state);
    if (!std::isnan(newScale))
      result.lossScales.push_back(newScale);
    // A skipped update leaves the applied-step counter where it was (also
    // under static scaling, or at min-scale where the scale cannot drop);
    // with gradient accumulation the counter only moves once per window,
    // so a drop of the dynamic scale is the sign instead.
    bool wasSkipped = std::isnan(oldStep) ? newScale < oldScale : counterOf(state) == oldStep;
    if (wasSkipped) {
      ++skipped;
      result.skippedSteps.push_back(step);
      log(str(llvm::format("step %lld: non-finite gradients, update skipped", (long long)step)) +
          (std::isnan(newScale) ? std::string()
                                : str(llvm::format("; loss scale %g -> %g", oldScale, newScale))));
    } else if (newScale > oldScale) {
      log(str(llvm::format("step %lld: loss scale %g -> %g", (long long)step, oldScale, newScale)));
    }
    double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.samplesPerSecond = step * batch / std::max(sec, 1e-9);
    if (step % logEvery == 0 || step == opts.steps) {
      std::string line = str(llvm::format("step %lld/%lld  loss %.5f (mean of the last %lld: %.5f)  "
                                          "%.0f samples/s",
                                          (long long)step, (long long)opts.steps, lastLoss,
                                          (long long)lossCount, lossSum / lossCount,
                                          result.samplesPerSecond));
      if (!std::isnan(scaleOf(state)))
        line += str(llvm::format("  loss scale %g", scaleOf(state)));
      log(line);
      lossSum = 0;
      lossCount = 0;
    }
  }
  if (!std::isnan(scaleOf(state)))
    log(str(llvm::format("%lld of %lld steps skipped for non-finite gradients; final loss scale %g",
                         (long long)skipped, (long long)opts.steps, scaleOf(state))));
  else if (countsSteps)
    log(str(llvm::format("%lld of %lld steps skipped for non-finite gradients", (long long)skipped,
                         (long long)opts.steps)));
  if (opts.device == Device::CUDA)
    result.peakDeviceBytes = (*exe)->peakDeviceBytes();
  result.finalLoss = lastLoss;
  if (!opts.savePath.empty()) {
    // The forward graph with the trained values in place of the initializers.
    OwningOpRef<ModuleOp> inference = withEntry(module, "inference");
    inference->walk([&](mixprec::mp::ConstantOp c) {
      auto name = c.getInitializer();
      if (!name)
        return;
      auto it = state.find(name->str());
      if (it == state.end())
        return;
      auto type = cast<RankedTensorType>(c.getType());
      c.setValueAttr(DenseElementsAttr::getFromRawBuffer(
          type, ArrayRef<char>(it->second.data.data(), it->second.data.size())));
    });
    (*inference)->removeAttr("mp.train_step");
    if (failed(exportONNXFile(*inference, opts.savePath)))
      return fail("could not write '" + opts.savePath + "'");
    log("saved the trained model to " + opts.savePath);
  }
  return result;
}

int mixprec::runTraining(ModuleOp module, TrainOptions opts) {
  opts.log = [](const std::string &line) {
    // Progress lines start with "step"; the others are mp-run's notes.
    llvm::errs() << (StringRef(line).starts_with("step") ? "" : "mp-run: ") << line << "\n";
  };
  auto result = train(module, opts);
  if (!result) {
    llvm::errs() << "mp-run: error: " << llvm::toString(result.takeError()) << "\n";
    return 1;
  }
  if (result->peakDeviceBytes >= 0)
    llvm::errs() << llvm::format("mp-run: peak device memory %.0f bytes\n",
                                 result->peakDeviceBytes);
  llvm::outs() << llvm::format("final loss: %.6g\n", result->finalLoss);
  return 0;
}
