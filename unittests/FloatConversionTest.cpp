//===- FloatConversionTest.cpp - fast conversions agree with APFloat ------===//

#include "mixprec/Dialect/Mp/Transforms/FloatConversion.h"

#include "llvm/ADT/APFloat.h"

#include "gtest/gtest.h"

#include <random>

using namespace mixprec::mp;

namespace {

uint16_t viaAPFloat(float f, const llvm::fltSemantics &sem) {
  llvm::APFloat v(f);
  bool lost;
  v.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
  return static_cast<uint16_t>(v.bitcastToAPInt().getZExtValue());
}

void check(float f) {
  uint16_t ref = viaAPFloat(f, llvm::APFloat::IEEEhalf());
  uint16_t got = f32ToF16Bits(f);
  if (std::isnan(f)) {
    EXPECT_EQ(got & 0x7c00, 0x7c00);
    EXPECT_NE(got & 0x3ff, 0);
  } else {
    EXPECT_EQ(got, ref) << "f16 of " << f;
    EXPECT_EQ(f16BitsToF32(got),
              llvm::APFloat(llvm::APFloat::IEEEhalf(), llvm::APInt(16, got))
                  .convertToFloat());
  }
  uint16_t refB = viaAPFloat(f, llvm::APFloat::BFloat());
  if (!std::isnan(f))
    EXPECT_EQ(f32ToBF16Bits(f), refB) << "bf16 of " << f;
}

TEST(FloatConversion, SpecialAndBoundaryValues) {
  // Every f16 value, and the midpoints between neighbours (ties), +- 1 ulp.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float v = f16BitsToF32(static_cast<uint16_t>(h));
    check(v);
    float next = f16BitsToF32(static_cast<uint16_t>(h + 1 < 0x10000 ? h + 1 : h));
    float mid = 0.5f * (v + next);
    check(mid);
    check(std::nextafter(mid, 0.0f));
    check(std::nextafter(mid, INFINITY));
  }
  for (float f : {0.0f, -0.0f, 65504.0f, 65519.99f, 65520.0f, -65520.0f,
                  1e-9f, -1e-9f, 5.9604645e-8f, 2.9802322e-8f, 2.9802326e-8f,
                  3.4e38f, -3.4e38f, INFINITY, -INFINITY, NAN, 1e-45f})
    check(f);
}

TEST(FloatConversion, RandomBitPatterns) {
  std::mt19937 rng(42);
  for (int i = 0; i < 2000000; ++i) {
    uint32_t bits = rng();
    float f;
    std::memcpy(&f, &bits, 4);
    check(f);
  }
}

} // namespace
