//===- ConstraintJsonSchemaTest.cpp - JSON Schema keyword semantics -------===//
//
// Byte-level acceptance of hand-picked instances (what the schema must allow
// and must not), and the compile errors that unsupported keywords produce.
// Token-level behaviour is ConstraintMatcherTest's business; the JSON Schema
// Test Suite and the python-jsonschema property tests run under lit.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/Constraint.h"
#include "runtime/constraint/Matcher.h"

#include <gtest/gtest.h>

using namespace dec::cons;

namespace {

std::shared_ptr<const Vocabulary> bytesVocab() {
  static std::shared_ptr<const Vocabulary> v = [] {
    std::vector<std::string> tokens;
    for (int b = 0; b < 256; ++b)
      tokens.push_back(std::string(1, static_cast<char>(b)));
    tokens.push_back("<eos>");
    return Vocabulary::fromTokens(tokens, {256}, {256});
  }();
  return v;
}

struct Schema {
  std::shared_ptr<const Constraint> c;
  std::string error;
  explicit Schema(const std::string &schema, JsonWhitespace ws = JsonWhitespace::Python) {
    CompileOptions o;
    o.whitespace = ws;
    c = compileConstraint("json_schema", schema, o, bytesVocab(), error);
  }
  /// Whether `text` is a complete accepted instance.
  bool accepts(const std::string &text) const {
    EXPECT_TRUE(c) << error;
    if (!c)
      return false;
    Matcher m(c);
    return m.advanceBytes(text) && m.isAccepting();
  }
};

std::string errorOf(const std::string &schema) {
  Schema s(schema);
  EXPECT_FALSE(s.c) << "compiled: " << schema;
  return s.error;
}

TEST(ConstraintJsonSchema, TypesAndUnions) {
  Schema s(R"({"type": ["integer", "null"]})");
  EXPECT_TRUE(s.accepts("12"));
  EXPECT_TRUE(s.accepts("-3"));
  EXPECT_TRUE(s.accepts("null"));
  EXPECT_TRUE(s.accepts("3.0")); // an integer since draft 6
  EXPECT_FALSE(s.accepts("3.5"));
  EXPECT_FALSE(s.accepts("\"3\""));
  EXPECT_FALSE(s.accepts("03"));
  Schema draft4(R"({"$schema": "http://json-schema.org/draft-04/schema#", "type": "integer"})");
  EXPECT_FALSE(draft4.accepts("3.0"));
  Schema any("{}");
  EXPECT_TRUE(any.accepts(R"({"a": [1, "b", {"c": null}], "d": true})"));
  EXPECT_FALSE(any.accepts(R"({"a": 1,})"));
}

TEST(ConstraintJsonSchema, StringsSpelledAsPythonWrites) {
  Schema s(R"({"type": "string", "minLength": 2, "maxLength": 3})");
  EXPECT_TRUE(s.accepts(R"("ab")"));
  EXPECT_TRUE(s.accepts("\"\xc3\xa9t\xc3\xa9\""));    // 3 characters, 5 bytes
  EXPECT_TRUE(s.accepts(R"("a\n")"));                 // 2 characters
  EXPECT_TRUE(s.accepts(R"("a\u0001")"));
  EXPECT_FALSE(s.accepts(R"("a\u0041")"));            // 'A' has a shorter spelling
  EXPECT_FALSE(s.accepts(R"("a\/")"));                // '/' is written raw
  EXPECT_FALSE(s.accepts("\"a\x01\""));                // control characters are escaped
  EXPECT_FALSE(s.accepts(R"("abcd")"));
  EXPECT_FALSE(s.accepts("\"a\xc3\""));                // invalid UTF-8
}

TEST(ConstraintJsonSchema, PatternsAndFormats) {
  Schema p(R"({"type": "string", "pattern": "^[a-z]+-\\d{2}$"})");
  EXPECT_TRUE(p.accepts(R"("ab-12")"));
  EXPECT_FALSE(p.accepts(R"("ab-123")"));
  Schema unanchored(R"({"type": "string", "pattern": "x\\.y"})");
  EXPECT_TRUE(unanchored.accepts(R"("aax.ybb")"));
  EXPECT_FALSE(unanchored.accepts(R"("xzy")"));
  Schema date(R"({"type": "string", "format": "date"})");
  EXPECT_TRUE(date.accepts(R"("2024-02-29")"));
  EXPECT_FALSE(date.accepts(R"("2023-02-29")"));
  EXPECT_FALSE(date.accepts(R"("1900-02-29")"));
  EXPECT_TRUE(date.accepts(R"("2000-02-29")"));
  Schema dt(R"({"type": "string", "format": "date-time", "maxLength": 25})");
  EXPECT_TRUE(dt.accepts(R"("2022-01-01T12:00:00Z")"));
  EXPECT_TRUE(dt.accepts(R"("2022-01-01T12:00:00+02:00")"));
  EXPECT_FALSE(dt.accepts(R"("2022-01-01T12:00:00.123456+02:00")")); // 32 characters
  EXPECT_FALSE(dt.accepts(R"("2022-01-01 12:00:00Z")"));
  Schema email(R"({"format": "email"})");
  EXPECT_TRUE(email.accepts(R"("a.b@example.org")"));
  EXPECT_FALSE(email.accepts(R"("a..b@example.org")"));
  EXPECT_TRUE(email.accepts("3")); // format constrains strings only
  Schema ip(R"({"type": "string", "format": "ipv4"})");
  EXPECT_TRUE(ip.accepts(R"("192.168.0.255")"));
  EXPECT_FALSE(ip.accepts(R"("192.168.0.256")"));
  EXPECT_FALSE(ip.accepts(R"("01.2.3.4")"));
  Schema unknown(R"({"type": "string", "format": "int32"})");
  EXPECT_TRUE(unknown.accepts(R"("anything")"));
  EXPECT_NE(errorOf(R"({"type": "string", "format": "regex"})").find("unsupported format 'regex' at /"),
            std::string::npos);
}

TEST(ConstraintJsonSchema, NumbersAreExact) {
  Schema s(R"({"type": "number", "exclusiveMinimum": 0.1, "maximum": 2, "multipleOf": 0.05})");
  EXPECT_TRUE(s.accepts("0.15"));
  EXPECT_TRUE(s.accepts("2"));
  EXPECT_TRUE(s.accepts("2.00"));
  EXPECT_FALSE(s.accepts("0.1"));
  EXPECT_FALSE(s.accepts("2.05"));
  EXPECT_FALSE(s.accepts("0.33"));
  EXPECT_FALSE(s.accepts("1e0")); // exponent forms need arithmetic
  Schema draft4(R"({"type": "integer", "minimum": 5, "exclusiveMinimum": true})");
  EXPECT_FALSE(draft4.accepts("5"));
  EXPECT_TRUE(draft4.accepts("6"));
}

TEST(ConstraintJsonSchema, ObjectsRequiredAdditionalPatterns) {
  Schema s(R"({"type": "object",
               "properties": {"id": {"type": "integer"}, "x-id": {"type": "string"}},
               "patternProperties": {"^x-": {"minLength": 2}},
               "additionalProperties": false,
               "required": ["id"], "minProperties": 2})");
  EXPECT_TRUE(s.accepts(R"({"id": 1, "x-a": "ab"})"));
  EXPECT_FALSE(s.accepts(R"({"id": 1})"));            // minProperties
  EXPECT_FALSE(s.accepts(R"({"id": 1, "x-a": "a"})")); // pattern property's schema
  EXPECT_FALSE(s.accepts(R"({"id": 1, "y": 2})"));     // additionalProperties
  EXPECT_FALSE(s.accepts(R"({"id": 1, "x-id": "a"})")); // named AND pattern schemas apply
  EXPECT_TRUE(s.accepts(R"({"x-id": "ab", "id": 1})"));
  Schema dep(R"({"properties": {"a": {}, "b": {}}, "dependentRequired": {"a": ["b"]}})");
  EXPECT_TRUE(dep.accepts(R"({"b": 1})"));
  EXPECT_FALSE(dep.accepts(R"({"a": 1})"));
  EXPECT_TRUE(dep.accepts(R"({"a": 1, "b": 2})"));
  Schema names(R"({"propertyNames": {"maxLength": 2}})");
  EXPECT_TRUE(names.accepts(R"({"ab": 1})"));
  EXPECT_FALSE(names.accepts(R"({"abc": 1})"));
}

TEST(ConstraintJsonSchema, ArraysPrefixItemsAndCounts) {
  Schema s(R"({"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": {"type": "boolean"},
               "minItems": 1, "maxItems": 3})");
  EXPECT_TRUE(s.accepts(R"(["a"])"));
  EXPECT_TRUE(s.accepts(R"(["a", 1, true])"));
  EXPECT_FALSE(s.accepts(R"(["a", 1, true, false])"));
  EXPECT_FALSE(s.accepts(R"([1])"));
  EXPECT_FALSE(s.accepts("[]"));
  Schema legacy(R"({"items": [{"const": 1}], "additionalItems": false})");
  EXPECT_TRUE(legacy.accepts("[1]"));
  EXPECT_FALSE(legacy.accepts("[1, 1]"));
}

TEST(ConstraintJsonSchema, CombinatorsAndRefs) {
  Schema any(R"({"anyOf": [{"type": "string", "maxLength": 1}, {"type": "integer", "minimum": 10}]})");
  EXPECT_TRUE(any.accepts(R"("a")"));
  EXPECT_TRUE(any.accepts("10"));
  EXPECT_FALSE(any.accepts("9"));
  Schema one(R"({"oneOf": [{"type": "string"}, {"type": "array"}]})");
  EXPECT_TRUE(one.accepts("[]"));
  EXPECT_NE(errorOf(R"({"oneOf": [{"minimum": 1}, {"maximum": 5}]})").find("unsupported keyword 'oneOf'"),
            std::string::npos);
  Schema all(R"({"allOf": [{"properties": {"a": {"minimum": 0}}}, {"properties": {"a": {"maximum": 5}}}]})");
  EXPECT_TRUE(all.accepts(R"({"a": 5})"));
  EXPECT_FALSE(all.accepts(R"({"a": 6})"));
  Schema tree(R"({"$defs": {"node": {"type": "object", "properties": {"kids": {"type": "array",
                  "items": {"$ref": "#/$defs/node"}}}, "additionalProperties": false}}, "$ref": "#/$defs/node"})");
  EXPECT_TRUE(tree.accepts(R"({"kids": [{"kids": []}, {}]})"));
  EXPECT_FALSE(tree.accepts(R"({"kids": [{"x": 1}]})"));
  Schema notType(R"({"not": {"type": ["string", "object"]}})");
  EXPECT_TRUE(notType.accepts("1"));
  EXPECT_FALSE(notType.accepts(R"("a")"));
  Schema notEnum(R"({"type": "string", "not": {"enum": ["a", "b"]}})");
  EXPECT_TRUE(notEnum.accepts(R"("c")"));
  EXPECT_FALSE(notEnum.accepts(R"("a")"));
  Schema constObj(R"({"const": {"a": 1, "b": [2.5, "x"]}})");
  EXPECT_TRUE(constObj.accepts(R"({"b": [2.5, "x"], "a": 1.0})"));
  EXPECT_FALSE(constObj.accepts(R"({"a": 1})"));
}

TEST(ConstraintJsonSchema, UnsupportedKeywordsAreNamedWithTheirPointer) {
  EXPECT_EQ(errorOf(R"({"properties": {"tags": {"type": "array", "uniqueItems": true}}})"),
            "unsupported keyword 'uniqueItems' at /properties/tags");
  EXPECT_EQ(errorOf(R"({"items": {"contains": {"const": 1}}})"), "unsupported keyword 'contains' at /items");
  EXPECT_EQ(errorOf(R"({"if": {"minimum": 1}, "then": {"maximum": 2}})"), "unsupported keyword 'if' at /");
  EXPECT_EQ(errorOf(R"({"$ref": "other.json#/x"})"), "unsupported $ref 'other.json#/x' to another document at /");
  EXPECT_NE(errorOf(R"({"type": "string", "pattern": "(a)\\1"})").find("backreferences"), std::string::npos);
  EXPECT_EQ(errorOf(R"({"type": "integer", "minimum": 5, "maximum": 4})"), "the schema matches no value");
  EXPECT_NE(errorOf("{").find("not valid JSON"), std::string::npos);
}

TEST(ConstraintJsonSchema, WhitespacePolicies) {
  const char *schema = R"({"type": "object", "properties": {"a": {"type": "array"}}})";
  Schema python(schema), compact(schema, JsonWhitespace::Compact), flexible(schema, JsonWhitespace::Flexible);
  EXPECT_TRUE(python.accepts(R"({"a": [1, 2]})"));
  EXPECT_FALSE(python.accepts(R"({"a":[1,2]})"));
  EXPECT_TRUE(compact.accepts(R"({"a":[1,2]})"));
  EXPECT_FALSE(compact.accepts(R"({"a": [1, 2]})"));
  EXPECT_TRUE(flexible.accepts(" {\n  \"a\" : [ 1,2 ]\n} "));
  EXPECT_TRUE(flexible.accepts(R"({"a":[1,2]})"));
}

} // namespace
