//===- CudaRuntime.cpp - mixprec's CUDA runtime library -------------------===//
//
// See include/mixprec/Runtime/CudaRuntime.h. The driver API and cuBLASLt are
// resolved with dlopen/dlsym on first use; the types and the `_v2` symbol
// names come from the toolkit's headers (decltype only, nothing is linked).
// One context (the primary context of device 0, or MP_CUDA_DEVICE) and one
// non-blocking stream serve every call.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Runtime/CudaRuntime.h"

#include <cublasLt.h>
#include <cuda.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

#define MP_STR2(x) #x
#define MP_STR(x) MP_STR2(x)

/// The driver entry points we use, as pointers resolved at first use.
struct Driver {
#define MP_CU_FN(fn) decltype(&fn) fn##_ = nullptr;
#include "CudaDriverFunctions.def"
#undef MP_CU_FN
  void *handle = nullptr;
};

struct BlasLt {
#define MP_LT_FN(fn) decltype(&fn) fn##_ = nullptr;
#include "CublasLtFunctions.def"
#undef MP_LT_FN
  void *handle = nullptr;
  cublasLtHandle_t lt = nullptr;
  void *workspace = nullptr;
  size_t workspaceBytes = 32u << 20;
};

struct State {
  std::mutex mu;
  bool probed = false;
  std::string unusable; // empty once a device is ready
  Driver cu;
  BlasLt blas;
  bool blasLoaded = false;
  CUdevice device = 0;
  CUcontext ctx = nullptr;
  CUstream stream = nullptr;
  // Caching allocator: free blocks by size, live blocks' sizes.
  std::multimap<size_t, void *> freeBlocks;
  std::unordered_map<void *, size_t> live;
  size_t inUse = 0, peak = 0;
  // Device copies of the programs' constant globals, by host address.
  std::unordered_map<const void *, void *> globals;
  // Set by device-only programs (mpcudaDeferSync): the host reads no device
  // memory until they return, so launches, GEMMs and frees need not wait.
  bool deferSync = false;
};

State &state() {
  static State s;
  return s;
}

[[noreturn]] void die(const std::string &msg) {
  std::fprintf(stderr, "mixprec-cuda: error: %s\n", msg.c_str());
  std::fflush(stderr);
  std::exit(1);
}

std::string errorName(CUresult r) {
  const char *name = nullptr;
  if (state().cu.cuGetErrorName_ && state().cu.cuGetErrorName_(r, &name) == CUDA_SUCCESS && name)
    return name;
  return "CUresult " + std::to_string((int)r);
}

/// Checks a driver call: exits with the call's text and the error's name.
#define MP_CU(call)                                                                                \
  do {                                                                                             \
    CUresult mpResult_ = (call);                                                                   \
    if (mpResult_ != CUDA_SUCCESS)                                                                 \
      die(std::string(#call) + " failed: " + errorName(mpResult_));                                \
  } while (0)

#define MP_LT(call)                                                                                \
  do {                                                                                             \
    cublasStatus_t mpStatus_ = (call);                                                             \
    if (mpStatus_ != CUBLAS_STATUS_SUCCESS)                                                        \
      die(std::string(#call) + " failed: cublasStatus " + std::to_string((int)mpStatus_));         \
  } while (0)

/// Opens the driver and the device once; records why not.
bool probeLocked(State &s) {
  if (s.probed)
    return s.unusable.empty();
  s.probed = true;
  s.cu.handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!s.cu.handle) {
    s.unusable = std::string("no CUDA driver (") + dlerror() + ")";
    return false;
  }
#define MP_CU_FN(fn)                                                                               \
  s.cu.fn##_ = reinterpret_cast<decltype(&fn)>(dlsym(s.cu.handle, MP_STR(fn)));                    \
  if (!s.cu.fn##_) {                                                                               \
    s.unusable = "the CUDA driver lacks " MP_STR(fn);                                              \
    return false;                                                                                  \
  }
#include "CudaDriverFunctions.def"
#undef MP_CU_FN
  CUresult r = s.cu.cuInit_(0);
  if (r != CUDA_SUCCESS) {
    s.unusable = "cuInit failed: " + errorName(r);
    return false;
  }
  int count = 0;
  r = s.cu.cuDeviceGetCount_(&count);
  if (r != CUDA_SUCCESS || count == 0) {
    s.unusable = "no CUDA device";
    return false;
  }
  int ordinal = 0;
  if (const char *env = std::getenv("MP_CUDA_DEVICE"))
    ordinal = std::atoi(env);
  if (ordinal < 0 || ordinal >= count) {
    s.unusable = "MP_CUDA_DEVICE=" + std::to_string(ordinal) + " but there are " +
                 std::to_string(count) + " devices";
    return false;
  }
  if ((r = s.cu.cuDeviceGet_(&s.device, ordinal)) != CUDA_SUCCESS ||
      (r = s.cu.cuDevicePrimaryCtxRetain_(&s.ctx, s.device)) != CUDA_SUCCESS ||
      (r = s.cu.cuCtxSetCurrent_(s.ctx)) != CUDA_SUCCESS ||
      (r = s.cu.cuStreamCreate_(&s.stream, CU_STREAM_NON_BLOCKING)) != CUDA_SUCCESS) {
    s.unusable = "could not open CUDA device " + std::to_string(ordinal) + ": " + errorName(r);
    return false;
  }
  return true;
}

/// The ready state, with the context current on this thread; exits when
/// CUDA is unusable (callers that must not exit use mpcudaProbe first).
State &ready() {
  State &s = state();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (!probeLocked(s))
      die(s.unusable);
  }
  MP_CU(s.cu.cuCtxSetCurrent_(s.ctx));
  return s;
}

BlasLt &blas() {
  State &s = ready();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.blasLoaded) {
    s.blas.handle = dlopen("libcublasLt.so.13", RTLD_NOW | RTLD_LOCAL);
    if (!s.blas.handle)
      s.blas.handle = dlopen("libcublasLt.so", RTLD_NOW | RTLD_LOCAL);
    if (!s.blas.handle)
      die(std::string("cuBLASLt not found (") + dlerror() + ")");
#define MP_LT_FN(fn)                                                                               \
  s.blas.fn##_ = reinterpret_cast<decltype(&fn)>(dlsym(s.blas.handle, MP_STR(fn)));                \
  if (!s.blas.fn##_)                                                                               \
    die("cuBLASLt lacks " MP_STR(fn));
#include "CublasLtFunctions.def"
#undef MP_LT_FN
    MP_LT(s.blas.cublasLtCreate_(&s.blas.lt));
    CUdeviceptr ws;
    MP_CU(s.cu.cuMemAlloc_(&ws, s.blas.workspaceBytes));
    s.blas.workspace = reinterpret_cast<void *>(ws);
    s.blasLoaded = true;
  }
  return s.blas;
}

size_t roundUp(size_t bytes) {
  // 512-byte granules up to 1 MiB, then 2 MiB granules: few distinct sizes,
  // little waste.
  if (bytes <= (1u << 20))
    return (bytes + 511) & ~size_t(511);
  return (bytes + (2u << 20) - 1) & ~((size_t(2) << 20) - 1);
}

} // namespace

extern "C" {

int mpcudaProbe(char *why, size_t size) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  if (probeLocked(s))
    return 0;
  if (why && size) {
    std::strncpy(why, s.unusable.c_str(), size - 1);
    why[size - 1] = 0;
  }
  return 1;
}

int mpcudaDeviceInfo(char *name, size_t size) {
  State &s = ready();
  MP_CU(s.cu.cuDeviceGetName_(name, (int)size, s.device));
  int major = 0, minor = 0;
  MP_CU(s.cu.cuDeviceGetAttribute_(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, s.device));
  MP_CU(s.cu.cuDeviceGetAttribute_(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, s.device));
  return major * 10 + minor;
}

void *mpcudaAllocManaged(size_t bytes) {
  State &s = ready();
  size_t size = roundUp(bytes ? bytes : 1);
  std::lock_guard<std::mutex> lock(s.mu);
  void *p = nullptr;
  auto it = s.freeBlocks.find(size);
  if (it != s.freeBlocks.end()) {
    p = it->second;
    s.freeBlocks.erase(it);
  } else {
    CUdeviceptr d;
    CUresult r = s.cu.cuMemAllocManaged_(&d, size, CU_MEM_ATTACH_GLOBAL);
    if (r == CUDA_ERROR_OUT_OF_MEMORY) {
      // Give the cache back and retry once.
      for (auto &[sz, q] : s.freeBlocks)
        MP_CU(s.cu.cuMemFree_(reinterpret_cast<CUdeviceptr>(q)));
      s.freeBlocks.clear();
      r = s.cu.cuMemAllocManaged_(&d, size, CU_MEM_ATTACH_GLOBAL);
    }
    if (r != CUDA_SUCCESS)
      die("cuMemAllocManaged(" + std::to_string(size) + " bytes) failed: " + errorName(r));
    p = reinterpret_cast<void *>(d);
  }
  s.live[p] = size;
  s.inUse += size;
  s.peak = std::max(s.peak, s.inUse);
  return p;
}

void *mpcudaDeviceGlobal(const void *host, uint64_t bytes) {
  State &s = ready();
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.globals.find(host);
  if (it != s.globals.end())
    return it->second;
  CUdeviceptr d;
  CUresult r = s.cu.cuMemAllocManaged_(&d, bytes ? bytes : 1, CU_MEM_ATTACH_GLOBAL);
  if (r != CUDA_SUCCESS)
    die("cuMemAllocManaged(" + std::to_string(bytes) + " bytes) for a constant failed: " +
        errorName(r));
  std::memcpy(reinterpret_cast<void *>(d), host, bytes);
  s.globals[host] = reinterpret_cast<void *>(d);
  return reinterpret_cast<void *>(d);
}

void mpcudaFree(void *ptr) {
  if (!ptr)
    return;
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.live.find(ptr);
  if (it == s.live.end())
    die("mpcudaFree of a pointer this runtime did not allocate");
  s.inUse -= it->second;
  s.freeBlocks.emplace(it->second, ptr);
  s.live.erase(it);
}

size_t mpcudaBytesInUse() { return state().inUse; }
size_t mpcudaPeakBytes() { return state().peak; }
void mpcudaResetPeak() { state().peak = state().inUse; }

void mpcudaEmptyCache() {
  State &s = ready();
  MP_CU(s.cu.cuStreamSynchronize_(s.stream));
  std::lock_guard<std::mutex> lock(s.mu);
  for (auto &[size, p] : s.freeBlocks)
    MP_CU(s.cu.cuMemFree_(reinterpret_cast<CUdeviceptr>(p)));
  s.freeBlocks.clear();
}

void mpcudaSynchronize() {
  State &s = ready();
  MP_CU(s.cu.cuStreamSynchronize_(s.stream));
}

void mpcudaDeferSync(int32_t on) {
  State &s = ready();
  s.deferSync = on != 0;
  if (!on)
    MP_CU(s.cu.cuStreamSynchronize_(s.stream));
}

void *mpcudaRecordEvent() {
  State &s = ready();
  CUevent e;
  MP_CU(s.cu.cuEventCreate_(&e, CU_EVENT_DEFAULT));
  MP_CU(s.cu.cuEventRecord_(e, s.stream));
  return e;
}

float mpcudaElapsedMs(void *start, void *end) {
  State &s = ready();
  float ms = 0;
  MP_CU(s.cu.cuEventSynchronize_(static_cast<CUevent>(end)));
  MP_CU(s.cu.cuEventElapsedTime_(&ms, static_cast<CUevent>(start), static_cast<CUevent>(end)));
  MP_CU(s.cu.cuEventDestroy_(static_cast<CUevent>(start)));
  MP_CU(s.cu.cuEventDestroy_(static_cast<CUevent>(end)));
  return ms;
}

void mpcudaMatmul(const void *a, const void *b, void *c, int64_t m, int64_t n, int64_t k,
                  int64_t batch, int64_t strideA, int64_t strideB, int64_t strideC,
                  int32_t transA, int32_t transB, int32_t aType, int32_t bType, int32_t cType) {
  BlasLt &lt = blas();
  State &s = state();
  auto dt = [](int32_t t) {
    return t == 1 ? CUDA_R_16F : t == 2 ? CUDA_R_16BF : CUDA_R_32F;
  };
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap
  // the operands and describe each row-major matrix as its column-major
  // transpose.
  cublasLtMatmulDesc_t desc;
  MP_LT(lt.cublasLtMatmulDescCreate_(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  cublasOperation_t opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  MP_LT(lt.cublasLtMatmulDescSetAttribute_(desc, CUBLASLT_MATMUL_DESC_TRANSA, &opB, sizeof(opB)));
  MP_LT(lt.cublasLtMatmulDescSetAttribute_(desc, CUBLASLT_MATMUL_DESC_TRANSB, &opA, sizeof(opA)));
  auto layout = [&](int32_t type, int64_t rows, int64_t cols, int64_t stride) {
    // A row-major [rows, cols] matrix: column-major [cols, rows], ld = cols.
    cublasLtMatrixLayout_t l;
    MP_LT(lt.cublasLtMatrixLayoutCreate_(&l, dt(type), cols, rows, cols));
    int32_t count = (int32_t)batch;
    MP_LT(lt.cublasLtMatrixLayoutSetAttribute_(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
                                               sizeof(count)));
    MP_LT(lt.cublasLtMatrixLayoutSetAttribute_(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                               &stride, sizeof(stride)));
    return l;
  };
  cublasLtMatrixLayout_t la = layout(aType, transA ? k : m, transA ? m : k, strideA);
  cublasLtMatrixLayout_t lb = layout(bType, transB ? n : k, transB ? k : n, strideB);
  cublasLtMatrixLayout_t lc = layout(cType, m, n, strideC);
  cublasLtMatmulPreference_t pref;
  MP_LT(lt.cublasLtMatmulPreferenceCreate_(&pref));
  MP_LT(lt.cublasLtMatmulPreferenceSetAttribute_(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                 &lt.workspaceBytes, sizeof(lt.workspaceBytes)));
  cublasLtMatmulHeuristicResult_t heur;
  int found = 0;
  MP_LT(lt.cublasLtMatmulAlgoGetHeuristic_(lt.lt, desc, lb, la, lc, lc, pref, 1, &heur, &found));
  if (!found)
    die("cuBLASLt has no algorithm for a " + std::to_string(m) + "x" + std::to_string(n) + "x" +
        std::to_string(k) + " matmul of these types");
  float alpha = 1.0f, beta = 0.0f;
  MP_LT(lt.cublasLtMatmul_(lt.lt, desc, &alpha, b, lb, a, la, &beta, c, lc, c, lc, &heur.algo,
                           lt.workspace, lt.workspaceBytes, s.stream));
  lt.cublasLtMatmulPreferenceDestroy_(pref);
  lt.cublasLtMatrixLayoutDestroy_(la);
  lt.cublasLtMatrixLayoutDestroy_(lb);
  lt.cublasLtMatrixLayoutDestroy_(lc);
  lt.cublasLtMatmulDescDestroy_(desc);
}

/// The form the GPU pipeline calls: byte addresses as integers. It waits
/// for the GEMM, as the pipeline's (synchronous) kernel launches do, since
/// host code may read the result next.
void mpcudaMatmulI64(int64_t a, int64_t b, int64_t c, int64_t m, int64_t n, int64_t k,
                     int64_t batch, int64_t strideA, int64_t strideB, int64_t strideC,
                     int32_t transA, int32_t transB, int32_t aType, int32_t bType, int32_t cType) {
  mpcudaMatmul(reinterpret_cast<const void *>(a), reinterpret_cast<const void *>(b),
               reinterpret_cast<void *>(c), m, n, k, batch, strideA, strideB, strideC, transA,
               transB, aType, bType, cType);
  if (!state().deferSync)
    mpcudaSynchronize();
}

//===----------------------------------------------------------------------===//
// finalize-memref-to-llvm{use-generic-functions}
//===----------------------------------------------------------------------===//

void *_mlir_memref_to_llvm_alloc(size_t bytes) { return mpcudaAllocManaged(bytes); }
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes) {
  // Managed allocations are 256-byte aligned or better.
  if (alignment > 256)
    die("aligned allocation beyond 256 bytes");
  return mpcudaAllocManaged(bytes);
}
void _mlir_memref_to_llvm_free(void *ptr) {
  // Kernels may still read the buffer. With deferred synchronisation only
  // later work on the same stream can reuse it, which runs after them;
  // otherwise wait first (host code may write the reused block).
  if (!state().deferSync)
    mpcudaSynchronize();
  mpcudaFree(ptr);
}

//===----------------------------------------------------------------------===//
// The host entry points of MLIR 22's gpu-to-llvm lowering
//===----------------------------------------------------------------------===//

CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  State &s = ready();
  CUmodule m;
  MP_CU(s.cu.cuModuleLoadData_(&m, data));
  return m;
}

CUmodule mgpuModuleLoadJIT(void *ptx, int optLevel) {
  State &s = ready();
  char log[8192] = {0};
  CUjit_option opts[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                         CU_JIT_OPTIMIZATION_LEVEL};
  void *vals[] = {log, reinterpret_cast<void *>(sizeof(log)),
                  reinterpret_cast<void *>((intptr_t)optLevel)};
  CUmodule m;
  CUresult r = s.cu.cuModuleLoadDataEx_(&m, ptx, 3, opts, vals);
  if (r != CUDA_SUCCESS)
    die("cuModuleLoadDataEx (PTX JIT) failed: " + errorName(r) + "\n" + log);
  return m;
}

void mgpuModuleUnload(CUmodule m) { MP_CU(ready().cu.cuModuleUnload_(m)); }

CUfunction mgpuModuleGetFunction(CUmodule m, const char *name) {
  CUfunction f;
  MP_CU(ready().cu.cuModuleGetFunction_(&f, m, name));
  return f;
}

void mgpuLaunchKernel(CUfunction f, intptr_t gx, intptr_t gy, intptr_t gz, intptr_t bx,
                      intptr_t by, intptr_t bz, int32_t smem, CUstream stream, void **params,
                      void **extra, size_t /*paramCount*/) {
  State &s = ready();
  if (smem > 48 * 1024)
    MP_CU(s.cu.cuFuncSetAttribute_(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem));
  MP_CU(s.cu.cuLaunchKernel_(f, gx, gy, gz, bx, by, bz, smem, stream ? stream : s.stream, params,
                             extra));
}

// Streams: the lowering creates one per synchronous launch; ours is shared so
// that library calls and kernels stay ordered.
CUstream mgpuStreamCreate() { return ready().stream; }
void mgpuStreamDestroy(CUstream) {}
void mgpuStreamSynchronize(CUstream stream) {
  State &s = ready();
  if (s.deferSync && (!stream || stream == s.stream))
    return;
  MP_CU(s.cu.cuStreamSynchronize_(stream ? stream : s.stream));
}
void mgpuStreamWaitEvent(CUstream stream, CUevent e) {
  MP_CU(ready().cu.cuStreamWaitEvent_(stream, e, 0));
}
CUevent mgpuEventCreate() {
  CUevent e;
  MP_CU(ready().cu.cuEventCreate_(&e, CU_EVENT_DISABLE_TIMING));
  return e;
}
void mgpuEventDestroy(CUevent e) { MP_CU(ready().cu.cuEventDestroy_(e)); }
void mgpuEventSynchronize(CUevent e) { MP_CU(ready().cu.cuEventSynchronize_(e)); }
void mgpuEventRecord(CUevent e, CUstream stream) { MP_CU(ready().cu.cuEventRecord_(e, stream)); }

void *mgpuMemAlloc(uint64_t bytes, CUstream /*stream*/, bool /*hostShared*/) {
  // Managed either way: host code between kernels reads GPU buffers.
  return mpcudaAllocManaged(bytes);
}
void mgpuMemFree(void *ptr, CUstream) {
  if (!state().deferSync)
    mpcudaSynchronize();
  mpcudaFree(ptr);
}
void mgpuMemcpy(void *dst, void *src, size_t bytes, CUstream stream) {
  State &s = ready();
  MP_CU(s.cu.cuMemcpyAsync_(reinterpret_cast<CUdeviceptr>(dst), reinterpret_cast<CUdeviceptr>(src),
                            bytes, stream ? stream : s.stream));
}
void mgpuMemset32(void *dst, unsigned int value, size_t count, CUstream stream) {
  State &s = ready();
  MP_CU(s.cu.cuMemsetD32Async_(reinterpret_cast<CUdeviceptr>(dst), value, count,
                               stream ? stream : s.stream));
}
void mgpuMemset16(void *dst, unsigned short value, size_t count, CUstream stream) {
  State &s = ready();
  MP_CU(s.cu.cuMemsetD16Async_(reinterpret_cast<CUdeviceptr>(dst), value, count,
                               stream ? stream : s.stream));
}
void mgpuSetDefaultDevice(int32_t) {}

} // extern "C"
