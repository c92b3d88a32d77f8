//===- JsonSchemaDoc.cpp - A schema document and its references -----------===//
#include "runtime/constraint/JsonSchemaDoc.h"

#include <cctype>

namespace dec::cons {

namespace {

struct UriParts {
  std::string scheme, authority, path, query, fragment;
  bool hasScheme = false, hasAuthority = false, hasQuery = false, hasFragment = false;
};

UriParts parseUri(const std::string &s) {
  UriParts u;
  size_t i = 0;
  size_t colon = s.find(':');
  if (colon != std::string::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(s[0]))) {
    bool ok = true;
    for (size_t k = 0; k < colon; ++k) {
      char c = s[k];
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'))
        ok = false;
    }
    if (ok) {
      u.scheme = s.substr(0, colon);
      u.hasScheme = true;
      i = colon + 1;
    }
  }
  if (s.compare(i, 2, "//") == 0) {
    i += 2;
    size_t end = s.find_first_of("/?#", i);
    if (end == std::string::npos)
      end = s.size();
    u.authority = s.substr(i, end - i);
    u.hasAuthority = true;
    i = end;
  }
  size_t end = s.find_first_of("?#", i);
  if (end == std::string::npos)
    end = s.size();
  u.path = s.substr(i, end - i);
  i = end;
  if (i < s.size() && s[i] == '?') {
    end = s.find('#', i);
    if (end == std::string::npos)
      end = s.size();
    u.query = s.substr(i + 1, end - i - 1);
    u.hasQuery = true;
    i = end;
  }
  if (i < s.size() && s[i] == '#') {
    u.fragment = s.substr(i + 1);
    u.hasFragment = true;
  }
  return u;
}

std::string removeDotSegments(const std::string &path) {
  std::vector<std::string> out;
  size_t i = 0;
  bool absolute = !path.empty() && path[0] == '/';
  std::string segment;
  std::vector<std::string> segs;
  while (i <= path.size()) {
    size_t end = path.find('/', i);
    if (end == std::string::npos)
      end = path.size();
    segs.push_back(path.substr(i, end - i));
    i = end + 1;
  }
  if (absolute)
    segs.erase(segs.begin());
  for (size_t k = 0; k < segs.size(); ++k) {
    const std::string &s = segs[k];
    bool last = k + 1 == segs.size();
    if (s == ".") {
      if (last)
        out.push_back("");
    } else if (s == "..") {
      if (!out.empty())
        out.pop_back();
      if (last)
        out.push_back("");
    } else {
      out.push_back(s);
    }
  }
  std::string r = absolute ? "/" : "";
  for (size_t k = 0; k < out.size(); ++k)
    r += (k ? "/" : "") + out[k];
  return r;
}

std::string composeUri(const UriParts &u) {
  std::string r;
  if (u.hasScheme)
    r += u.scheme + ":";
  if (u.hasAuthority)
    r += "//" + u.authority;
  r += u.path;
  if (u.hasQuery)
    r += "?" + u.query;
  if (u.hasFragment)
    r += "#" + u.fragment;
  return r;
}

std::string percentDecode(const std::string &s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string withoutFragment(const std::string &uri) {
  size_t hash = uri.find('#');
  return hash == std::string::npos ? uri : uri.substr(0, hash);
}

} // namespace

std::string resolveUri(const std::string &base, const std::string &ref) {
  UriParts r = parseUri(ref), b = parseUri(base), t;
  if (r.hasScheme) {
    t = r;
    t.path = removeDotSegments(r.path);
  } else {
    if (r.hasAuthority) {
      t.authority = r.authority;
      t.hasAuthority = true;
      t.path = removeDotSegments(r.path);
      t.query = r.query;
      t.hasQuery = r.hasQuery;
    } else {
      if (r.path.empty()) {
        t.path = b.path;
        t.query = r.hasQuery ? r.query : b.query;
        t.hasQuery = r.hasQuery || b.hasQuery;
      } else {
        if (r.path[0] == '/') {
          t.path = removeDotSegments(r.path);
        } else {
          std::string merged;
          if (b.hasAuthority && b.path.empty())
            merged = "/" + r.path;
          else {
            size_t slash = b.path.rfind('/');
            merged = (slash == std::string::npos ? "" : b.path.substr(0, slash + 1)) + r.path;
          }
          t.path = removeDotSegments(merged);
        }
        t.query = r.query;
        t.hasQuery = r.hasQuery;
      }
      t.authority = b.authority;
      t.hasAuthority = b.hasAuthority;
    }
    t.scheme = b.scheme;
    t.hasScheme = b.hasScheme;
  }
  t.fragment = r.fragment;
  t.hasFragment = r.hasFragment;
  return composeUri(t);
}

std::string pointerToken(const std::string &name) {
  std::string out;
  for (char c : name) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

bool SchemaDoc::load(std::string_view text, std::string &error) {
  // Deeply nested input would overflow the stack of recursive passes (and of
  // the JSON library's destructor): refuse it up front.
  int depth = 0, maxDepth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      maxDepth = std::max(maxDepth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  if (maxDepth > 256) {
    error = "schema nested deeper than 256 levels";
    return false;
  }
  doc = SchemaJson::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    error = "schema is not valid JSON";
    return false;
  }
  if (doc.is_object() && doc.contains("$schema") && doc["$schema"].is_string()) {
    const std::string &s = doc["$schema"].get_ref<const std::string &>();
    legacy = s.find("draft-04") != std::string::npos || s.find("draft-03") != std::string::npos;
    refAlone = legacy || s.find("draft-06") != std::string::npos || s.find("draft-07") != std::string::npos;
  }
  nodes.clear();
  ids.clear();
  intern(&doc, "", "");
  index(0);
  return true;
}

SchemaId SchemaDoc::intern(const SchemaJson *value, std::string pointer, const std::string &parentBase) {
  auto it = ids.find(value);
  if (it != ids.end())
    return it->second;
  std::string base = parentBase;
  if (value->is_object()) {
    const char *idKey = value->contains("$id") ? "$id" : (legacy && value->contains("id") ? "id" : nullptr);
    if (idKey && (*value)[idKey].is_string()) {
      std::string id = (*value)[idKey].get<std::string>();
      if (!id.empty() && id[0] == '#') {
        anchors.emplace(base + id, static_cast<SchemaId>(nodes.size()));
      } else {
        std::string resolved = resolveUri(parentBase, id);
        std::string fragment;
        size_t hash = resolved.find('#');
        if (hash != std::string::npos) {
          fragment = resolved.substr(hash);
          resolved.resize(hash);
        }
        base = resolved;
        resources.emplace(base, static_cast<SchemaId>(nodes.size()));
        if (fragment.size() > 1)
          anchors.emplace(base + fragment, static_cast<SchemaId>(nodes.size()));
      }
    }
    auto anchor = value->find("$anchor");
    if (anchor != value->end() && anchor->is_string())
      anchors.emplace(base + "#" + anchor->get<std::string>(), static_cast<SchemaId>(nodes.size()));
    auto dynamicAnchor = value->find("$dynamicAnchor");
    if (dynamicAnchor != value->end() && dynamicAnchor->is_string())
      anchors.emplace(base + "#" + dynamicAnchor->get<std::string>(), static_cast<SchemaId>(nodes.size()));
  }
  if (nodes.empty())
    resources.emplace(base, 0);
  SchemaId id = static_cast<SchemaId>(nodes.size());
  nodes.push_back({value, std::move(pointer), base});
  ids.emplace(value, id);
  return id;
}

void SchemaDoc::index(SchemaId id) {
  const SchemaJson &v = node(id);
  if (!v.is_object())
    return;
  static const char *const single[] = {"additionalProperties", "additionalItems", "unevaluatedItems",
                                       "unevaluatedProperties", "propertyNames",  "contains",
                                       "not", "if", "then", "else", "contentSchema", "items"};
  static const char *const maps[] = {"properties", "patternProperties", "$defs", "definitions",
                                     "dependentSchemas", "dependencies"};
  static const char *const lists[] = {"allOf", "anyOf", "oneOf", "prefixItems", "items"};
  for (const char *k : single) {
    auto it = v.find(k);
    if (it != v.end() && (it->is_object() || it->is_boolean()))
      index(child(id, k));
  }
  for (const char *k : maps) {
    auto it = v.find(k);
    if (it == v.end() || !it->is_object())
      continue;
    for (auto e = it->begin(); e != it->end(); ++e)
      if (e->is_object() || e->is_boolean())
        index(child(id, k, e.key()));
  }
  for (const char *k : lists) {
    auto it = v.find(k);
    if (it == v.end() || !it->is_array())
      continue;
    for (size_t i = 0; i < it->size(); ++i)
      index(child(id, k, i));
  }
}

// (Copies of the parent's strings: interning may reallocate `nodes`.)
SchemaId SchemaDoc::child(SchemaId parent, const std::string &key) {
  Node p = nodes[parent];
  return intern(&p.value->at(key), p.pointer + "/" + pointerToken(key), p.base);
}

SchemaId SchemaDoc::child(SchemaId parent, const std::string &key, size_t index) {
  Node p = nodes[parent];
  return intern(&p.value->at(key).at(index), p.pointer + "/" + pointerToken(key) + "/" + std::to_string(index),
                p.base);
}

SchemaId SchemaDoc::child(SchemaId parent, const std::string &key, const std::string &name) {
  Node p = nodes[parent];
  return intern(&p.value->at(key).at(name), p.pointer + "/" + pointerToken(key) + "/" + pointerToken(name),
                p.base);
}

bool SchemaDoc::resolvePointer(SchemaId from, const std::string &pointer, SchemaId &out) {
  const SchemaJson *v = nodes[from].value;
  std::string path = nodes[from].pointer;
  std::string base = nodes[from].base;
  size_t i = 1;
  while (i <= pointer.size() && pointer.size() > 0) {
    size_t end = pointer.find('/', i);
    if (end == std::string::npos)
      end = pointer.size();
    std::string token = pointer.substr(i, end - i);
    std::string name;
    for (size_t k = 0; k < token.size(); ++k) {
      if (token[k] == '~' && k + 1 < token.size() && (token[k + 1] == '0' || token[k + 1] == '1')) {
        name += token[k + 1] == '0' ? '~' : '/';
        ++k;
      } else {
        name += token[k];
      }
    }
    if (v->is_object()) {
      auto it = v->find(name);
      if (it == v->end())
        return false;
      v = &*it;
    } else if (v->is_array()) {
      if (name.empty() || name.size() > 9 || name.find_first_not_of("0123456789") != std::string::npos)
        return false;
      size_t index = std::stoul(name);
      if (index >= v->size())
        return false;
      v = &(*v)[index];
    } else {
      return false;
    }
    path += "/" + pointerToken(name);
    i = end + 1;
  }
  if (!v->is_object() && !v->is_boolean())
    return false;
  out = intern(v, path, base);
  return true;
}

bool SchemaDoc::resolveRef(SchemaId from, SchemaId &out, std::string &error) {
  const SchemaJson &ref = node(from)["$ref"];
  if (!ref.is_string()) {
    error = "'$ref' is not a string at " + (pointer(from).empty() ? "/" : pointer(from));
    return false;
  }
  std::string target = resolveUri(nodes[from].base, ref.get<std::string>());
  size_t hash = target.find('#');
  std::string uri = hash == std::string::npos ? target : target.substr(0, hash);
  std::string fragment = hash == std::string::npos ? "" : percentDecode(target.substr(hash + 1));
  auto resource = resources.find(uri);
  bool found = resource != resources.end();
  SchemaId base = found ? resource->second : root();
  if (!found && !withoutFragment(ref.get<std::string>()).empty()) {
    error = "unsupported $ref '" + ref.get<std::string>() + "' to another document at " +
            (pointer(from).empty() ? "/" : pointer(from));
    return false;
  }
  if (fragment.empty()) {
    out = base;
    return true;
  }
  if (fragment[0] == '/') {
    if (resolvePointer(base, fragment, out))
      return true;
    if (base != root() && resolvePointer(root(), fragment, out))
      return true;
  } else {
    auto anchor = anchors.find(uri + "#" + fragment);
    if (anchor != anchors.end()) {
      out = anchor->second;
      return true;
    }
  }
  error = "unresolvable $ref '" + ref.get<std::string>() + "' at " + (pointer(from).empty() ? "/" : pointer(from));
  return false;
}

} // namespace dec::cons
