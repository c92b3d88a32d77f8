//===- JsonSchemaScalars.cpp - The scalar part of a schema, exactly -------===//
//
// Every scalar keyword is a regex over spellings, so the boolean keywords
// are regex operations: allOf is &, anyOf is |, oneOf is "in one alternative
// and in no other", not is complement. Complement is only sound on an exact
// regex, and some regexes are deliberately on the safe side of exact:
// formats accept a subset of the valid strings, pattern classes such as \d
// or `.` take the intersection of the regex dialects' meanings, and number
// bounds leave out exponent notation. So each scalar part is a pair:
//   narrow ⊆ the true language ⊆ wide,
// where `wide` takes the dialects' union, accepts any string for a format
// and adds every exponent spelling. Then
//   S & not (N, W) = (S.N \ W, S.W \ N)
//   oneOf (Ni, Wi) = (∪ Ni \ ∪_{j≠i} Wj,  ∪ Wi \ ∪_{j≠i} Nj)
// keep the invariant, and the engine generates from `narrow`. Combinators
// are distributed first (the rest of the conjunction goes into every
// alternative), so a schema without not/oneOf gets a plain regex that the
// mask walk's fast paths recognize.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/JsonSchemaCompiler.h"

#include "runtime/constraint/Formats.h"
#include "runtime/constraint/NumberRegex.h"
#include "runtime/constraint/RegexParser.h"

#include <algorithm>

namespace dec::cons {

RegexId JsonSchemaCompiler::enumRegex(const std::vector<Json> &values, bool wide) {
  std::vector<RegexId> literals;
  for (const Json &v : values) {
    if (v.is_object() || v.is_array())
      continue;
    literals.push_back(terms.valueLiteral(v));
    Decimal d;
    if (wide && v.is_number() && Decimal::parse(v.dump(), d)) {
      // Every plain spelling of the same value: trailing fraction zeros
      // ("5.00" is 5) and either sign of zero.
      RegexId zeros = d.fracDigits.empty() ? rx.optional(rx.concat(rx.byte('.'), rx.plus(rx.byte('0'))))
                                           : rx.concat(rx.literal("." + d.fracDigits), rx.star(rx.byte('0')));
      RegexId sign = d.isZero() ? rx.optional(rx.byte('-')) : d.negative ? rx.byte('-') : kEmpty;
      literals.push_back(rx.concat({sign, rx.literal(d.intDigits), zeros}));
    }
  }
  RegexId r = rx.alt(std::move(literals));
  if (wide) // numbers also have exponent spellings
    r = rx.alt(r, exponentNumbers());
  return r;
}

RegexId JsonSchemaCompiler::exponentNumbers() {
  RegexId digit = rx.bytes(ByteSet::range('0', '9'));
  RegexId integer = rx.alt(rx.byte('0'), rx.concat(rx.bytes(ByteSet::range('1', '9')), rx.star(digit)));
  return rx.concat({rx.optional(rx.byte('-')), integer, rx.optional(rx.concat(rx.byte('.'), rx.plus(digit))),
                    rx.bytes(ByteSet::single('e') | ByteSet::single('E')),
                    rx.optional(rx.bytes(ByteSet::single('+') | ByteSet::single('-'))), rx.plus(digit)});
}

bool JsonSchemaCompiler::scalarPart(const Conj &flat, ScalarPair &out, int depth) {
  auto memo = scalarParts.find(flat);
  if (memo != scalarParts.end()) {
    out = memo->second;
    return true;
  }
  if (depth > 64)
    return fail("schema combinators nested too deeply");
  // A conjunction reached again while being computed is a cycle through
  // allOf/anyOf/not without any structure in between: it derives nothing.
  scalarParts[flat] = {kNothing, kNothing};
  Facts f;
  std::string message;
  if (!gatherFacts(doc, flat, f, message))
    return fail(message);
  ScalarPair r;
  if (!f.groups.empty()) {
    // Distribute the rest of the conjunction into each alternative, so that
    // every alternative's keywords merge into plain regexes.
    const Facts::Group &group = f.groups[0];
    Conj base;
    uint32_t done = group.oneOf ? kOneOfDone : kAnyOfDone;
    for (ConjElem e : flat)
      base.push_back(elemSchema(e) == group.owner ? e | done : e);
    std::sort(base.begin(), base.end());
    std::vector<ScalarPair> alts;
    for (SchemaId alt : group.alternatives) {
      Conj sub;
      bool contradiction;
      ScalarPair p;
      if (!flatten(unionOf(base, {conjElem(alt)}), sub, contradiction))
        return false;
      if (!contradiction && !scalarPart(sub, p, depth + 1))
        return false;
      alts.push_back(p);
    }
    std::vector<RegexId> n, w;
    for (size_t i = 0; i < alts.size(); ++i) {
      if (!group.oneOf) {
        n.push_back(alts[i].narrow);
        w.push_back(alts[i].wide);
        continue;
      }
      // In this alternative and in no other (within the rest of the
      // conjunction, which every alternative here includes).
      std::vector<RegexId> othersWide, othersNarrow;
      for (size_t j = 0; j < alts.size(); ++j)
        if (j != i) {
          othersWide.push_back(alts[j].wide);
          othersNarrow.push_back(alts[j].narrow);
        }
      RegexId ow = rx.alt(othersWide), on = rx.alt(othersNarrow);
      n.push_back(ow == kNothing ? alts[i].narrow : rx.intersect(alts[i].narrow, rx.complement(ow)));
      w.push_back(on == kNothing ? alts[i].wide : rx.intersect(alts[i].wide, rx.complement(on)));
    }
    r = {rx.alt(n), rx.alt(w)};
  } else {
    if (!scalarRegex(f, f.types & kTypeScalar, false, r.narrow) ||
        !scalarRegex(f, f.types & kTypeScalar, true, r.wide))
      return false;
    if (f.haveEnum) {
      r.narrow = rx.intersect(r.narrow, enumRegex(f.enumValues, false));
      r.wide = rx.intersect(r.wide, enumRegex(f.enumValues, true));
    }
    // not: within this conjunction's own scalars (so no universe is needed).
    for (SchemaId n : f.nots) {
      Conj sub;
      bool contradiction;
      if (!flatten({conjElem(n)}, sub, contradiction))
        return false;
      if (contradiction || r.narrow == kNothing)
        continue; // not false
      ScalarPair p;
      if (!scalarPart(sub, p, depth + 1))
        return false;
      r = {rx.intersect(r.narrow, rx.complement(p.wide)), rx.intersect(r.wide, rx.complement(p.narrow))};
    }
  }
  scalarParts[flat] = r;
  out = r;
  return true;
}

bool JsonSchemaCompiler::scalarRegex(const Facts &f, uint8_t types, bool wide, RegexId &out) {
  std::vector<RegexId> parts;
  if (types & kTypeNull)
    parts.push_back(rx.literal("null"));
  if (types & kTypeBoolean)
    parts.push_back(rx.alt(rx.literal("true"), rx.literal("false")));
  if (types & kTypeString) {
    RegexId body;
    if (!stringBody(f, wide, body))
      return false;
    parts.push_back(terms.string(body));
  }
  if (types & kTypeNumber) {
    NumberSpec spec = f.number;
    spec.integerOnly = !(types & kTypeFraction);
    spec.zeroFractionInteger = !doc.legacyDraft();
    RegexId num;
    std::string message;
    if (!numberRegex(rx, spec, num, message))
      return fail(message);
    if (!(types & kTypeInteger)) {
      // Non-integers only (e.g. under not {type: integer}). Exponent forms
      // can be integers (1e2), so they are left out.
      NumberSpec ints;
      ints.integerOnly = true;
      ints.zeroFractionInteger = spec.zeroFractionInteger;
      RegexId intRegex;
      numberRegex(rx, ints, intRegex, message);
      RegexId noExponent =
          rx.star(rx.bytes(ByteSet::range('0', '9') | ByteSet::single('-') | ByteSet::single('.')));
      num = rx.intersect({num, rx.complement(intRegex), noExponent});
    }
    if (wide)
      num = rx.alt(num, exponentNumbers());
    parts.push_back(num);
  }
  out = rx.alt(std::move(parts));
  return true;
}

bool JsonSchemaCompiler::stringBody(const Facts &f, bool wide, RegexId &out) {
  if (f.minLength > f.maxLength) {
    out = kNothing;
    return true;
  }
  // Patterns and formats spell whole JSON characters already; the count is
  // only needed for a length bound (or to spell any string at all).
  std::vector<RegexId> parts;
  if (f.minLength > 0 || f.maxLength != kNoLimit || (f.patterns.empty() && f.formats.empty()))
    parts.push_back(
        rx.repeat(terms.anyChar(), static_cast<uint32_t>(std::min<uint64_t>(f.minLength, kUnbounded - 1)),
                  f.maxLength >= kUnbounded ? kUnbounded : static_cast<uint32_t>(f.maxLength)));
  for (const auto &[pattern, at] : f.patterns) {
    RegexId p;
    if (!patternRegex(pattern, at, wide, p))
      return false;
    parts.push_back(p);
  }
  for (const auto &[format, at] : f.formats) {
    RegexId r;
    switch (formatRegex(terms, rx, format, r)) {
    case FormatSupport::Supported:
      // A format's regex accepts a subset of the valid strings; a superset
      // would need every validator's notion of it, so `wide` takes them all.
      if (!wide)
        parts.push_back(r);
      break;
    case FormatSupport::Unsupported:
      return fail("unsupported format '" + format + "' at " + where(at));
    case FormatSupport::Unknown:
      if (b.options().strictFormats)
        return fail("unknown format '" + format + "' at " + where(at));
      break;
    }
  }
  out = parts.empty() ? rx.star(terms.anyChar()) : rx.intersect(std::move(parts));
  return true;
}

bool JsonSchemaCompiler::patternRegex(const std::string &pattern, SchemaId at, bool wide, RegexId &out) {
  std::string key = (wide ? "w:" : "n:") + pattern;
  auto cached = patterns.find(key);
  if (cached != patterns.end()) {
    out = cached->second;
    return true;
  }
  RegexSyntaxOptions options;
  options.search = true;
  options.wide = wide;
  std::string message;
  CharEncoder encoder = [this](RegexBuilder &, const CharSet &set) { return terms.chars(set); };
  if (!compilePattern(rx, pattern, options, encoder, out, message))
    return fail("unsupported pattern: " + message + " at " + where(at));
  patterns.emplace(key, out);
  return true;
}

} // namespace dec::cons
