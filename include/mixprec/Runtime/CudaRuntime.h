//===- CudaRuntime.h - mixprec's CUDA runtime library -----------*- C++ -*-===//
//
// The host side of GPU execution, over the CUDA driver API and cuBLASLt:
//  - the `mgpu*` entry points that MLIR 22's gpu-to-llvm lowering calls
//    (module load, kernel launch, streams, events, memory);
//  - `_mlir_memref_to_llvm_alloc/_free`, the generic allocation functions of
//    finalize-memref-to-llvm{use-generic-functions}: every buffer of a GPU
//    program is CUDA managed memory from a caching allocator, so kernels and
//    the host code between them share it;
//  - mpcudaMatmul, the library call the GPU pipeline emits for GEMMs and
//    batched GEMMs (cuBLASLt, FP16/BF16 or FP32 inputs, FP32 compute).
//
// The driver and cuBLASLt are opened with dlopen on first use. Loading the
// library never touches CUDA, so CPU-only tools that link it keep working on
// machines without a GPU; mpcudaProbe reports why CUDA is unusable, and any
// failing CUDA call afterwards prints the call and the driver's error name
// and exits with status 1.
//
//===----------------------------------------------------------------------===//

#ifndef MIXPREC_RUNTIME_CUDARUNTIME_H
#define MIXPREC_RUNTIME_CUDARUNTIME_H

#include <cstddef>
#include <cstdint>

extern "C" {

/// 0 when a CUDA device is usable. Otherwise non-zero, with the reason
/// ("no CUDA driver: libcuda.so.1 not found", "no CUDA device", ...) written
/// to `why` (NUL-terminated, at most `size` bytes). Never exits.
int mpcudaProbe(char *why, size_t size);

/// The device's name and compute capability (major * 10 + minor), after a
/// successful probe.
int mpcudaDeviceInfo(char *name, size_t size);

/// Managed memory from the caching allocator (never null: exits on failure).
void *mpcudaAllocManaged(size_t bytes);
void mpcudaFree(void *ptr);
/// A managed copy of `bytes` of host memory at `host` (a program's constant
/// global), made on the first call and returned again for the same address.
void *mpcudaDeviceGlobal(const void *host, uint64_t bytes);
/// Bytes currently allocated and the peak since the last reset.
size_t mpcudaBytesInUse();
size_t mpcudaPeakBytes();
void mpcudaResetPeak();
/// Returns cached blocks to the driver.
void mpcudaEmptyCache();

/// Waits for all work on the runtime's stream.
void mpcudaSynchronize();
/// on != 0: the calling program reads no device memory from the host until
/// mpcudaDeferSync(0), so kernel launches, GEMMs and frees only queue work
/// on the stream. mpcudaDeferSync(0) waits for the stream.
void mpcudaDeferSync(int32_t on);
/// Milliseconds between two points recorded with mpcudaRecordEvent.
void *mpcudaRecordEvent();
float mpcudaElapsedMs(void *start, void *end);

/// C[b] = A[b] * B[b] (row-major, optionally transposed), b < batch, with
/// FP32 compute. `aType`/`bType`/`cType`: 0 f32, 1 f16, 2 bf16. Strides are
/// in elements between batch entries (0: broadcast). Pointers are device or
/// managed memory. Runs on the runtime's stream.
void mpcudaMatmul(const void *a, const void *b, void *c, int64_t m, int64_t n, int64_t k,
                  int64_t batch, int64_t strideA, int64_t strideB, int64_t strideC,
                  int32_t transA, int32_t transB, int32_t aType, int32_t bType, int32_t cType);
}

#endif // MIXPREC_RUNTIME_CUDARUNTIME_H
