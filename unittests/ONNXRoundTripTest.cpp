//===- ONNXRoundTripTest.cpp - importer/exporter unit tests ---------------===//
//
// Checks that need C++ access: in-memory round trips (import -> export ->
// import gives the same IR), and that the exporter streams weights from
// resource blobs without losing bytes.
//
//===----------------------------------------------------------------------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"
#include "mixprec/Target/ONNX/ONNXExport.h"
#include "mixprec/Target/ONNX/ONNXImport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mixprec;

namespace {

std::string print(ModuleOp m) {
  std::string s;
  llvm::raw_string_ostream os(s);
  OpPrintingFlags flags;
  m.print(os, flags);
  return s;
}

const char *kModel = R"(
<ir_version: 8, opset_import: ["" : 17], producer_name: "unit">
g (float[2,3] x, float[3,4] w) => (float[2,4] y, int64[2] s) {
  m = MatMul(x, w)
  r = Relu(m)
  y = Softmax <axis = 1> (r)
  s = Shape(y)
}
)";

struct Fixture : ::testing::Test {
  Fixture() {
    DialectRegistry registry;
    registerONNXImportDialects(registry);
    ctx.appendDialectRegistry(registry);
  }
  MLIRContext ctx;
};

TEST_F(Fixture, TextImportExportReimportIsStable) {
  OwningOpRef<ModuleOp> first =
      importONNX(kModel, /*isText=*/true, "model.onnxtxt", &ctx);
  ASSERT_TRUE(first);
  std::string bytes;
  ASSERT_TRUE(succeeded(exportONNXToString(*first, bytes)));
  OwningOpRef<ModuleOp> second =
      importONNX(bytes, /*isText=*/false, "model.onnxtxt", &ctx);
  ASSERT_TRUE(second);
  EXPECT_EQ(print(*first), print(*second));
}

TEST_F(Fixture, GarbageBytesAreRejectedWithADiagnostic) {
  std::string diag;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    diag = d.str();
    return success();
  });
  OwningOpRef<ModuleOp> m =
      importONNX("\x08\x07\x12\xff\xff", /*isText=*/false, "bad.onnx", &ctx);
  EXPECT_FALSE(m);
  EXPECT_NE(diag.find("cannot parse"), std::string::npos) << diag;
}

TEST_F(Fixture, ResourceBytesSurviveExport) {
  // 40 floats exceed the resource threshold, so the weight is a blob.
  std::string text = R"(
<ir_version: 8, opset_import: ["" : 17]>
g (float[1,40] x) => (float[1,40] y) <float[1,40] w = {)";
  for (int i = 0; i < 40; ++i)
    text += std::to_string(i * 0.25f) + (i + 1 < 40 ? "," : "");
  text += R"(}> {
  y = Add(x, w)
}
)";
  OwningOpRef<ModuleOp> m = importONNX(text, true, "w.onnxtxt", &ctx);
  ASSERT_TRUE(m);
  std::string bytes;
  ASSERT_TRUE(succeeded(exportONNXToString(*m, bytes)));
  OwningOpRef<ModuleOp> back = importONNX(bytes, false, "w.onnx", &ctx);
  ASSERT_TRUE(back);
  mp::ConstantOp c;
  back->walk([&](mp::ConstantOp op) { c = op; });
  ASSERT_TRUE(c);
  auto res = dyn_cast<DenseResourceElementsAttr>(c.getValue());
  ASSERT_TRUE(res);
  ArrayRef<char> data = res.getRawHandle().getBlob()->getData();
  ASSERT_EQ(data.size(), 40u * 4);
  const float *f = reinterpret_cast<const float *>(data.data());
  for (int i = 0; i < 40; ++i)
    EXPECT_EQ(f[i], i * 0.25f);
}

} // namespace
