//===- MpDialect.cpp - mp dialect, shared syntax and type inference -------===//

#include "mixprec/Dialect/Mp/IR/MpDialect.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mixprec::mp;

#include "mixprec/Dialect/Mp/IR/MpDialect.cpp.inc"
#include "mixprec/Dialect/Mp/IR/MpInterfaces.cpp.inc"

void MpDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mixprec/Dialect/Mp/IR/MpOps.cpp.inc"
      >();
  attachGradientModels(*getContext());
}

Operation *MpDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements, StringAttr());
}

LogicalResult MpDialect::verifyOperationAttribute(Operation *op,
                                                  NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  Attribute value = attr.getValue();
  if (name == kOpsetImportAttr) {
    auto dict = dyn_cast<DictionaryAttr>(value);
    if (!dict)
      return op->emitError() << "'" << name << "' must be a dictionary";
    for (NamedAttribute entry : dict)
      if (!isa<IntegerAttr>(entry.getValue()))
        return op->emitError() << "'" << name << "' entry '"
                               << entry.getName().getValue()
                               << "' must be an integer opset version";
    return success();
  }
  if (name == "mp.ir_version" || name == "mp.model_version") {
    if (!isa<IntegerAttr>(value))
      return op->emitError() << "'" << name << "' must be an integer";
    return success();
  }
  if (name == "mp.metadata_props") {
    auto dict = dyn_cast<DictionaryAttr>(value);
    if (!dict || llvm::any_of(dict, [](NamedAttribute a) {
          return !isa<StringAttr>(a.getValue());
        }))
      return op->emitError() << "'" << name
                             << "' must be a dictionary of strings";
    return success();
  }
  if (name == "mp.producer_name" || name == "mp.producer_version" ||
      name == "mp.domain" || name == "mp.doc_string" ||
      name == "mp.graph_name" || name == "mp.graph_doc_string") {
    if (!isa<StringAttr>(value))
      return op->emitError() << "'" << name << "' must be a string";
    return success();
  }
  // Other mp.* attributes (pass annotations) are free-form.
  return success();
}

NamedAttrList mixprec::mp::getAllAttrs(Operation *op) {
  NamedAttrList attrs;
  if (auto props =
          dyn_cast_or_null<DictionaryAttr>(op->getPropertiesAsAttribute()))
    attrs.append(props.getValue());
  attrs.append(op->getDiscardableAttrs());
  return attrs;
}

DictionaryAttr mixprec::mp::mergeInherentAttrs(MLIRContext *ctx,
                                               DictionaryAttr attrs,
                                               Attribute inherent) {
  auto dict = dyn_cast_or_null<DictionaryAttr>(inherent);
  if (!dict || dict.empty())
    return attrs;
  NamedAttrList list;
  if (attrs)
    list.append(attrs.getValue());
  for (NamedAttribute a : dict)
    list.set(a.getName(), a.getValue());
  return list.getDictionary(ctx);
}

//===----------------------------------------------------------------------===//
// Shared assembly format
//===----------------------------------------------------------------------===//

static constexpr StringLiteral kOperandSegments = "operandSegmentSizes";

/// Computes operandSegmentSizes from the positional presence list and the
/// ONNX group string ("1??*").
static FailureOr<SmallVector<int32_t>>
computeSegments(ArrayRef<bool> present, StringRef groups) {
  SmallVector<int32_t> sizes;
  size_t pos = 0;
  for (char g : groups) {
    if (g == '*') {
      int32_t n = 0;
      for (; pos < present.size(); ++pos) {
        if (!present[pos])
          return failure();
        ++n;
      }
      sizes.push_back(n);
      continue;
    }
    bool has = pos < present.size() && present[pos];
    if (g == '1' && !has)
      return failure();
    sizes.push_back(has ? 1 : 0);
    ++pos;
  }
  if (pos < present.size())
    return failure();
  return sizes;
}

ParseResult mixprec::mp::parseMpOp(OpAsmParser &parser, OperationState &result,
                                   StringRef inputGroups,
                                   StringRef regionNames) {
  SmallVector<OpAsmParser::UnresolvedOperand> operands;
  SmallVector<bool> present;
  auto parseOne = [&]() -> ParseResult {
    if (succeeded(parser.parseOptionalKeyword("none"))) {
      present.push_back(false);
      return success();
    }
    OpAsmParser::UnresolvedOperand operand;
    if (parser.parseOperand(operand))
      return failure();
    operands.push_back(operand);
    present.push_back(true);
    return success();
  };
  // An operand list is present when the next token is `%` or `none`.
  OpAsmParser::UnresolvedOperand first;
  OptionalParseResult firstResult = parser.parseOptionalOperand(first);
  if (firstResult.has_value()) {
    if (failed(*firstResult))
      return failure();
    operands.push_back(first);
    present.push_back(true);
    while (succeeded(parser.parseOptionalComma()))
      if (parseOne())
        return failure();
  } else if (succeeded(parser.parseOptionalKeyword("none"))) {
    present.push_back(false);
    while (succeeded(parser.parseOptionalComma()))
      if (parseOne())
        return failure();
  }
  llvm::SMLoc attrLoc = parser.getCurrentLocation();
  if (parser.parseOptionalAttrDict(result.attributes))
    return failure();
  // Reject inherent attributes of the wrong kind here, as generated parsers
  // do (they would otherwise be dropped when moved into properties).
  if (std::optional<RegisteredOperationName> info =
          result.name.getRegisteredInfo())
    if (failed(info->verifyInherentAttrs(result.attributes, [&]() {
          return parser.emitError(attrLoc);
        })))
      return failure();
  FunctionType fnType;
  llvm::SMLoc typeLoc = parser.getCurrentLocation();
  if (parser.parseColonType(fnType))
    return failure();
  if (parser.resolveOperands(operands, fnType.getInputs(), typeLoc,
                             result.operands))
    return failure();
  result.addTypes(fnType.getResults());

  bool isGeneric = result.name.getStringRef() == "mp.onnx_op";
  bool hasAbsent = llvm::is_contained(present, false);
  if (isGeneric) {
    if (hasAbsent) {
      SmallVector<int32_t> segs;
      for (bool p : present)
        segs.push_back(p ? 1 : 0);
      result.addAttribute("input_segments",
                          parser.getBuilder().getDenseI32ArrayAttr(segs));
    }
  } else if (result.name.hasTrait<OpTrait::AttrSizedOperandSegments>()) {
    FailureOr<SmallVector<int32_t>> segs =
        computeSegments(present, inputGroups);
    if (failed(segs))
      return parser.emitError(attrLoc)
             << "operands do not match the ONNX input layout '" << inputGroups
             << "' ('1' required, '?' optional, '*' variadic)";
    result.addAttribute(kOperandSegments,
                        parser.getBuilder().getDenseI32ArrayAttr(*segs));
  } else if (hasAbsent) {
    return parser.emitError(attrLoc)
           << "'none' is only allowed for optional operands followed by "
              "present ones";
  }

  // Regions, each introduced by its ONNX attribute name.
  SmallVector<StringRef> names;
  if (isGeneric) {
    if (auto arr = dyn_cast_or_null<ArrayAttr>(
            result.attributes.get("region_names")))
      for (Attribute a : arr) {
        auto str = dyn_cast<StringAttr>(a);
        if (!str)
          return parser.emitError(attrLoc)
                 << "'region_names' must be an array of strings";
        names.push_back(str.getValue());
      }
  } else if (!regionNames.empty()) {
    regionNames.split(names, ',');
  }
  for (StringRef name : names) {
    if (parser.parseKeyword(name))
      return failure();
    Region *region = result.addRegion();
    if (parser.parseRegion(*region, /*arguments=*/{}))
      return failure();
  }
  return success();
}

void mixprec::mp::printMpOp(OpAsmPrinter &p, Operation *op,
                            StringRef inputGroups, StringRef regionNames) {
  // Operands, with `none` for absent optional groups that precede present
  // ones.
  SmallVector<std::optional<Value>> slots;
  if (auto segs = op->getAttrOfType<DenseI32ArrayAttr>(kOperandSegments)) {
    unsigned idx = 0;
    for (int32_t n : segs.asArrayRef()) {
      if (n == 0)
        slots.push_back(std::nullopt);
      for (int32_t i = 0; i < n; ++i)
        slots.push_back(op->getOperand(idx++));
    }
  } else if (auto segs =
                 op->getAttrOfType<DenseI32ArrayAttr>("input_segments")) {
    unsigned idx = 0;
    for (int32_t n : segs.asArrayRef())
      slots.push_back(n ? std::optional<Value>(op->getOperand(idx++))
                        : std::nullopt);
  } else {
    for (Value v : op->getOperands())
      slots.push_back(v);
  }
  // Trailing absent inputs carry no information for typed ops; the generic
  // op keeps them (they are part of the node as written).
  if (!isa<OnnxOp>(op))
    while (!slots.empty() && !slots.back())
      slots.pop_back();
  if (!slots.empty())
    p << ' ';
  llvm::interleaveComma(slots, p, [&](std::optional<Value> v) {
    if (v)
      p.printOperand(*v);
    else
      p << "none";
  });
  SmallVector<StringRef> elided = {kOperandSegments, "input_segments"};
  if (isa<OnnxOp>(op)) {
    elided.append({"domain", "op_type"});
    auto g = cast<OnnxOp>(op);
    if (g.getOnnxAttrs().empty())
      elided.push_back("onnx_attrs");
  }
  p.printOptionalAttrDict(getAllAttrs(op).getAttrs(), elided);
  p << " : ";
  p.printFunctionalType(op->getOperandTypes(), op->getResultTypes());

  SmallVector<StringRef> names;
  if (auto arr = op->getAttrOfType<ArrayAttr>("region_names")) {
    for (Attribute a : arr)
      names.push_back(cast<StringAttr>(a).getValue());
  } else if (!regionNames.empty()) {
    regionNames.split(names, ',');
  }
  for (auto [name, region] : llvm::zip(names, op->getRegions())) {
    p << ' ' << name << ' ';
    p.printRegion(region, /*printEntryBlockArgs=*/true,
                  /*printBlockTerminators=*/true);
  }
}

//===----------------------------------------------------------------------===//
// Result type inference
//===----------------------------------------------------------------------===//

bool mixprec::mp::areCompatibleMpTypes(TypeRange lhs, TypeRange rhs) {
  if (lhs.size() != rhs.size())
    return false;
  for (auto [l, r] : llvm::zip(lhs, rhs)) {
    if (getElementTypeOrSelf(l) != getElementTypeOrSelf(r))
      return false;
    if (failed(verifyCompatibleShape(l, r)))
      return false;
  }
  return true;
}

/// numpy-style broadcast of all operand shapes; unranked if any is unranked.
static FailureOr<Type> broadcastTypes(ValueRange operands, Type elementType) {
  SmallVector<int64_t> shape;
  for (Value v : operands) {
    auto ranked = dyn_cast<RankedTensorType>(v.getType());
    if (!ranked)
      return Type(UnrankedTensorType::get(elementType));
    SmallVector<int64_t> next;
    if (!OpTrait::util::getBroadcastedShape(shape, ranked.getShape(), next))
      return failure();
    shape = std::move(next);
  }
  return Type(RankedTensorType::get(shape, elementType));
}

LogicalResult mixprec::mp::inferMpReturnTypes(
    StringRef opType, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attrs, SmallVectorImpl<Type> &out) {
  auto fail = [&](const Twine &msg) -> LogicalResult {
    if (loc)
      return emitError(*loc) << opType << ": " << msg;
    return failure();
  };
  if (operands.empty())
    return fail("expected at least one operand");
  Type first = operands.front().getType();
  Type firstElem = getElementTypeOrSelf(first);

  if (llvm::is_contained({"Add", "Sub", "Mul", "Div", "Pow", "Min", "Max"},
                         opType)) {
    FailureOr<Type> t = broadcastTypes(operands, firstElem);
    if (failed(t))
      return fail("operand shapes are not broadcast-compatible");
    out.push_back(*t);
    return success();
  }
  if (llvm::is_contained({"Equal", "Less", "Greater", "And", "Or"}, opType)) {
    FailureOr<Type> t =
        broadcastTypes(operands, IntegerType::get(first.getContext(), 1));
    if (failed(t))
      return fail("operand shapes are not broadcast-compatible");
    out.push_back(*t);
    return success();
  }
  if (opType == "Where") {
    if (operands.size() != 3)
      return fail("expected 3 operands");
    FailureOr<Type> t =
        broadcastTypes(operands, getElementTypeOrSelf(operands[1].getType()));
    if (failed(t))
      return fail("operand shapes are not broadcast-compatible");
    out.push_back(*t);
    return success();
  }
  if (opType == "Cast") {
    auto to = attrs ? attrs.getAs<TypeAttr>("to") : TypeAttr();
    if (!to)
      return fail("missing 'to'");
    if (auto ranked = dyn_cast<RankedTensorType>(first))
      out.push_back(RankedTensorType::get(ranked.getShape(), to.getValue()));
    else
      out.push_back(UnrankedTensorType::get(to.getValue()));
    return success();
  }
  if (opType == "MatMul") {
    auto a = dyn_cast<RankedTensorType>(first);
    auto b = operands.size() > 1
                 ? dyn_cast<RankedTensorType>(operands[1].getType())
                 : RankedTensorType();
    if (!a || !b) {
      out.push_back(UnrankedTensorType::get(firstElem));
      return success();
    }
    if (a.getRank() == 0 || b.getRank() == 0)
      return fail("operands must have rank >= 1");
    SmallVector<int64_t> as(a.getShape()), bs(b.getShape());
    bool vecA = as.size() == 1, vecB = bs.size() == 1;
    if (vecA)
      as.insert(as.begin(), 1);
    if (vecB)
      bs.push_back(1);
    SmallVector<int64_t> batch;
    if (!OpTrait::util::getBroadcastedShape(
            ArrayRef<int64_t>(as).drop_back(2),
            ArrayRef<int64_t>(bs).drop_back(2), batch))
      return fail("batch dimensions are not broadcast-compatible");
    int64_t k1 = as[as.size() - 1], k2 = bs[bs.size() - 2];
    if (!ShapedType::isDynamic(k1) && !ShapedType::isDynamic(k2) && k1 != k2)
      return fail("contraction dimensions differ (" + Twine(k1) + " vs " +
                  Twine(k2) + ")");
    SmallVector<int64_t> shape = batch;
    if (!vecA)
      shape.push_back(as[as.size() - 2]);
    if (!vecB)
      shape.push_back(bs[bs.size() - 1]);
    out.push_back(RankedTensorType::get(shape, firstElem));
    return success();
  }
  if (opType == "Shape") {
    Type i64 = IntegerType::get(first.getContext(), 64);
    auto ranked = dyn_cast<RankedTensorType>(first);
    if (!ranked) {
      out.push_back(RankedTensorType::get({ShapedType::kDynamic}, i64));
      return success();
    }
    int64_t r = ranked.getRank();
    int64_t start = 0, end = r;
    if (attrs) {
      if (auto s = attrs.getAs<IntegerAttr>("start"))
        start = s.getInt();
      if (auto e = attrs.getAs<IntegerAttr>("end"))
        end = e.getInt();
    }
    if (start < 0)
      start += r;
    if (end < 0)
      end += r;
    start = std::clamp<int64_t>(start, 0, r);
    end = std::clamp<int64_t>(end, 0, r);
    out.push_back(RankedTensorType::get({std::max<int64_t>(end - start, 0)}, i64));
    return success();
  }
  if (opType == "Transpose") {
    auto ranked = dyn_cast<RankedTensorType>(first);
    if (!ranked) {
      out.push_back(first);
      return success();
    }
    SmallVector<int64_t> perm;
    if (auto p = attrs ? attrs.getAs<DenseI64ArrayAttr>("perm")
                       : DenseI64ArrayAttr())
      perm.assign(p.asArrayRef().begin(), p.asArrayRef().end());
    else
      for (int64_t i = ranked.getRank() - 1; i >= 0; --i)
        perm.push_back(i);
    if ((int64_t)perm.size() != ranked.getRank())
      return fail("perm has " + Twine(perm.size()) + " entries for rank " +
                  Twine(ranked.getRank()));
    SmallVector<int64_t> shape;
    for (int64_t p : perm) {
      if (p < 0 || p >= ranked.getRank())
        return fail("perm entry " + Twine(p) + " out of range");
      shape.push_back(ranked.getDimSize(p));
    }
    out.push_back(RankedTensorType::get(shape, ranked.getElementType()));
    return success();
  }
  // Unary element-wise ops, Clip, Softmax, ...: result has the operand's type.
  out.push_back(first);
  return success();
}
