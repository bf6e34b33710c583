//===- FloatConversion.h - fast, exact f32 -> f16/bf16 rounding -*- C++ -*-===//
//
// Round-to-nearest-even conversions used to convert weights offline. They
// give bit-identical results to APFloat (checked exhaustively over special
// values and on random bit patterns in unittests/FloatConversionTest.cpp)
// at a fraction of the cost, which matters for models with 10^8+ weights.
//
//===----------------------------------------------------------------------===//

#ifndef MIXPREC_DIALECT_MP_TRANSFORMS_FLOATCONVERSION_H
#define MIXPREC_DIALECT_MP_TRANSFORMS_FLOATCONVERSION_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace mixprec::mp {

/// IEEE binary32 -> binary16 bits, round to nearest even; overflow gives
/// +-inf, NaN stays NaN (quiet), signs are kept (-tiny -> -0.0).
inline uint16_t f32ToF16Bits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t a = x & 0x7fffffffu;
  if (a >= 0x7f800000u) // inf or NaN
    return sign | 0x7c00u | (a > 0x7f800000u ? 0x200u | ((a >> 13) & 0x3ffu) : 0u);
  if (a >= 0x477ff000u) // >= 65520: rounds to infinity
    return sign | 0x7c00u;
  if (a < 0x38800000u) { // below 2^-14: f16 subnormal or zero
    float v;
    std::memcpy(&v, &a, 4);
    // v * 2^24 is exact; round half to even to an integer in [0, 1024].
    float scaled = v * 16777216.0f;
    float r = std::nearbyint(scaled);
    return sign | static_cast<uint16_t>(r);
  }
  uint32_t h = ((((a >> 23) - 112u)) << 10) | ((a >> 13) & 0x3ffu);
  uint32_t rem = a & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
    ++h; // a carry into the exponent is the correct rounding
  return static_cast<uint16_t>(sign | h);
}

/// IEEE binary32 -> bfloat16 bits, round to nearest even.
inline uint16_t f32ToBF16Bits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) // NaN: keep it quiet
    return static_cast<uint16_t>((x >> 16) | 0x40u);
  uint32_t lsb = (x >> 16) & 1u;
  x += 0x7fffu + lsb;
  return static_cast<uint16_t>(x >> 16);
}

/// binary16 bits -> float (exact).
inline float f16BitsToF32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  float v;
  if (e == 0) {
    v = std::ldexp(static_cast<float>(m), -24);
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    bits |= sign;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  uint32_t bits = sign | (e == 31 ? 0x7f800000u | (m << 13)
                                  : ((e + 112u) << 23) | (m << 13));
  std::memcpy(&v, &bits, 4);
  return v;
}

/// bfloat16 bits -> float (exact).
inline float bf16BitsToF32(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

} // namespace mixprec::mp

#endif // MIXPREC_DIALECT_MP_TRANSFORMS_FLOATCONVERSION_H
