//===- JsonSchemaCombinators.cpp - anyOf/oneOf/not on objects and arrays --===//
//
// Two questions the structured side of the compiler asks about schemas:
//   - does a conjunction accept no object (array), every object, or some?
//     (a `not` of "every object" excludes objects, of "no object" is no
//     constraint on them);
//   - can two oneOf alternatives accept the same object or array? oneOf is
//     compiled as anyOf only when they provably cannot. The check looks at
//     types, counts, a required property the other forbids, and required
//     properties whose values are disjoint (discriminators), recursively.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/JsonSchemaCompiler.h"

#include <algorithm>

namespace dec::cons {

bool JsonSchemaCompiler::structuredStatus(const Conj &conj, Structured &out, int depth) {
  if (depth > 32)
    return fail("schema combinators nested too deeply");
  Conj flat;
  Facts f;
  bool contradiction;
  if (!factsOf(conj, flat, f, contradiction))
    return false;
  out = {};
  if (contradiction)
    return true;
  auto base = [&](uint8_t type, bool keywords, bool enumHas) {
    if (!(f.types & type))
      return Status::None;
    if (f.haveEnum)
      return enumHas ? Status::Complex : Status::None;
    return keywords ? Status::Complex : Status::All;
  };
  bool enumObjects = false, enumArrays = false;
  for (const Json &v : f.enumValues) {
    enumObjects = enumObjects || v.is_object();
    enumArrays = enumArrays || v.is_array();
  }
  out.objects = base(kTypeObject, f.hasObjectKeywords(), enumObjects);
  out.arrays = base(kTypeArray, f.hasArrayKeywords(), enumArrays);
  auto meet = [](Status a, Status b) {
    if (a == Status::None || b == Status::None)
      return Status::None;
    return a == Status::All && b == Status::All ? Status::All : Status::Complex;
  };
  auto invert = [](Status a) {
    return a == Status::All ? Status::None : a == Status::None ? Status::All : Status::Complex;
  };
  for (const Facts::Group &group : f.groups) {
    std::vector<Structured> alts;
    for (SchemaId alt : group.alternatives) {
      Structured s;
      if (!structuredStatus({conjElem(alt)}, s, depth + 1))
        return false;
      alts.push_back(s);
    }
    auto combine = [&](Status Structured::*field) {
      int all = 0, complex = 0;
      for (const Structured &s : alts) {
        all += s.*field == Status::All;
        complex += s.*field == Status::Complex;
      }
      if (complex)
        return Status::Complex;
      if (!group.oneOf)
        return all ? Status::All : Status::None;
      return all == 1 ? Status::All : Status::None; // two "all" alternatives overlap everywhere
    };
    out.objects = meet(out.objects, combine(&Structured::objects));
    out.arrays = meet(out.arrays, combine(&Structured::arrays));
  }
  for (SchemaId n : f.nots) {
    Structured s;
    if (!structuredStatus({conjElem(n)}, s, depth + 1))
      return false;
    out.objects = meet(out.objects, invert(s.objects));
    out.arrays = meet(out.arrays, invert(s.arrays));
  }
  return true;
}

/// True in `result` only when no value satisfies both conjunctions. Uses
/// over-approximations of each side (ignoring nested anyOf/not), so a
/// "disjoint" answer is always right.
namespace {
/// Whether two enums share no value of `type`.
bool enumsDisjoint(const Facts &a, const Facts &b, uint8_t type) {
  if (!a.haveEnum || !b.haveEnum)
    return false;
  for (const SchemaJson &v : a.enumValues)
    if (typeOfValue(v) & type)
      for (const SchemaJson &w : b.enumValues)
        if (v == w)
          return false;
  return true;
}
} // namespace

bool JsonSchemaCompiler::valuesDisjoint(const Conj &a, const Conj &bConj, int depth, bool &result) {
  // Scalars: the wide parts are supersets, so an empty intersection proves it.
  result = false;
  Conj fa, fb;
  bool ca, cb;
  if (!flatten(a, fa, ca) || !flatten(bConj, fb, cb))
    return false;
  if (ca || cb) {
    result = true;
    return true;
  }
  ScalarPair pa, pb;
  if (!scalarPart(fa, pa) || !scalarPart(fb, pb))
    return false;
  if (rx.emptiness(rx.intersect(pa.wide, pb.wide), 2000) != RegexBuilder::Emptiness::Empty)
    return true;
  return provablyDisjoint(a, bConj, depth, result);
}

bool JsonSchemaCompiler::provablyDisjoint(const Conj &a, const Conj &bConj, int depth, bool &result) {
  result = false;
  Structured sa, sb;
  if (!structuredStatus(a, sa) || !structuredStatus(bConj, sb))
    return false;
  bool objectsMeet = sa.objects != Status::None && sb.objects != Status::None;
  bool arraysMeet = sa.arrays != Status::None && sb.arrays != Status::None;
  if (!objectsMeet && !arraysMeet) {
    result = true;
    return true;
  }
  Conj fa, fb;
  Facts A, B;
  bool ca, cb;
  if (!factsOf(a, fa, A, ca) || !factsOf(bConj, fb, B, cb))
    return false;
  if (objectsMeet) {
    bool d = false;
    if (A.haveEnum || B.haveEnum)
      d = enumsDisjoint(A, B, kTypeObject);
    else if (!objectsDisjoint(A, B, depth, d))
      return false;
    if (!d)
      return true;
  }
  if (arraysMeet) {
    bool d = A.haveEnum || B.haveEnum ? enumsDisjoint(A, B, kTypeArray)
                                      : A.minItems > B.maxItems || B.minItems > A.maxItems;
    if (!d)
      return true;
  }
  result = true;
  return true;
}

/// The conjunction of schemas member `m` list applies to key `name`.
bool JsonSchemaCompiler::keySchemas(const Facts &f, const std::string &name, Conj &out) {
  for (SchemaId m : f.objectMembers)
    if (!memberSchemasFor(m, name, out))
      return false;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return true;
}

bool JsonSchemaCompiler::objectsDisjoint(const Facts &A, const Facts &B, int depth, bool &result) {
  result = A.minProperties > B.maxProperties || B.minProperties > A.maxProperties;
  if (result)
    return true;
  auto forbids = [&](const Facts &f, const std::string &name, bool &forbidden) {
    forbidden = f.forbidden.count(name) > 0;
    if (forbidden)
      return true;
    Conj values, flat;
    if (!keySchemas(f, name, values))
      return false;
    Facts vf;
    bool contradiction;
    if (!factsOf(values, flat, vf, contradiction))
      return false;
    forbidden = contradiction || vf.types == 0;
    return true;
  };
  for (int side = 0; side < 2; ++side) {
    const Facts &X = side ? B : A, &Y = side ? A : B;
    for (const std::string &p : X.required) {
      bool forbidden;
      if (!forbids(Y, p, forbidden))
        return false;
      if (forbidden) {
        result = true;
        return true;
      }
      if (depth > 0 && Y.required.count(p)) {
        Conj va, vb;
        if (!keySchemas(X, p, va) || !keySchemas(Y, p, vb))
          return false;
        bool d;
        if (!valuesDisjoint(va, vb, depth - 1, d))
          return false;
        if (d) {
          result = true;
          return true;
        }
      }
    }
  }
  return true;
}

} // namespace dec::cons
