//===- Jsts.cpp - The JSON Schema Test Suite as a conformance test --------===//
//
// A case passes when the schema is refused at compile time (an honest
// refusal), or when its valid instance is accepted token by token and may
// end there, or its invalid instance is rejected somewhere. Failures are
// identified as "file/group/case" (indices) and compared with a checked-in
// list that may only shrink: an unlisted failure fails the run, and so does a
// listed case that now passes (the list must then be updated). An accepted
// invalid instance is a soundness bug and fails the run even when listed.
//
//===----------------------------------------------------------------------===//
#include "Jsts.h"

#include "Protocol.h"
#include "PyJson.h"

#include <algorithm>
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <vector>

namespace dec::maskbench {

namespace {

bool readText(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

struct Failure {
  std::string id, reason;
  bool unsound;
};

} // namespace

int runJsts(const std::string &dir, const std::string &knownFailures, bool update,
            std::shared_ptr<const cons::Vocabulary> vocab, cons::JsonWhitespace whitespace) {
  std::vector<std::string> files;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0)
        files.push_back(n);
    }
    closedir(d);
  } else {
    std::cerr << "dec-maskbench: cannot read directory '" << dir << "'\n";
    return 2;
  }
  std::sort(files.begin(), files.end());
  cons::CompileOptions options;
  options.whitespace = whitespace;
  size_t groups = 0, cases = 0, refused = 0, passed = 0;
  std::vector<Failure> failures;
  for (const std::string &file : files) {
    std::string text, error;
    PyValue doc;
    if (!readText(dir + "/" + file, text) || !parsePyJson(text, doc, error) || doc.kind != PyValue::Kind::Array) {
      std::cerr << "dec-maskbench: cannot read " << file << ": " << error << "\n";
      return 2;
    }
    for (size_t g = 0; g < doc.items.size(); ++g, ++groups) {
      const PyValue &group = doc.items[g];
      const PyValue *schema = group.get("schema"), *tests = group.get("tests");
      if (!schema || !tests)
        continue;
      auto c = cons::compileConstraint("json_schema", rawDumps(*schema), options, vocab, error);
      for (size_t k = 0; k < tests->items.size(); ++k, ++cases) {
        const PyValue &test = tests->items[k];
        const PyValue *data = test.get("data"), *valid = test.get("valid");
        if (!data || !valid)
          continue;
        if (!c) {
          ++refused;
          continue;
        }
        bool isValid = valid->kind == PyValue::Kind::Bool && valid->boolean;
        InstanceResult r = runInstance(c, pythonDumps(*data), nullptr);
        const PyValue *desc = test.get("description");
        std::string id = file + "/" + std::to_string(g) + "/" + std::to_string(k);
        std::string what = desc ? desc->text : "";
        if (r.inconsistent)
          failures.push_back({id, "INCONSISTENT: " + r.where, true});
        else if (isValid && r.rejected)
          failures.push_back({id, "valid instance rejected: " + what, false});
        else if (!isValid && !r.rejected)
          failures.push_back({id, "UNSOUND: invalid instance accepted (" + what + ")", true});
        else
          ++passed;
      }
    }
  }

  std::map<std::string, std::string> listed;
  if (!knownFailures.empty() && !update) {
    std::ifstream in(knownFailures);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#')
        continue;
      size_t sp = line.find_first_of(" \t");
      listed[line.substr(0, sp)] = sp == std::string::npos ? "" : line.substr(sp + 1);
    }
  }
  int status = 0;
  std::map<std::string, bool> failed;
  for (const Failure &f : failures) {
    failed[f.id] = true;
    if (f.unsound) {
      std::cout << "error: " << f.id << ": " << f.reason << "\n";
      status = 1;
    } else if (!update && !listed.count(f.id)) {
      std::cout << "error: unlisted failure " << f.id << ": " << f.reason << "\n";
    } else if (update) {
      std::cout << "failure " << f.id << ": " << f.reason << "\n";
      status = 1;
    }
  }
  if (!update)
    for (const auto &[id, reason] : listed)
      if (!failed.count(id)) {
        std::cout << "error: listed failure " << id << " now passes; remove it from " << knownFailures << "\n";
        status = 1;
      }
  std::cout << "JSON Schema Test Suite: " << files.size() << " files, " << groups << " groups, " << cases
            << " cases: " << passed << " passed, " << refused << " refused at compile time, " << failures.size()
            << " failed (" << listed.size() << " known)\n";
  if (update) {
    std::ofstream out(knownFailures);
    out << "# JSON Schema Test Suite (draft 2020-12) cases, as file/group/case indices, where a valid\n"
           "# instance is rejected: the engine asserts `format` (the suite treats it as an annotation\n"
           "# unless a format-assertion vocabulary is in use) and does not interpret custom\n"
           "# metaschema vocabularies. Generated by dec-maskbench --jsts --update-known-failures;\n"
           "# the list may only shrink. Accepted invalid instances can never be listed.\n";
    for (const Failure &f : failures)
      if (!f.unsound)
        out << f.id << "\t" << f.reason << "\n";
  }
  return status;
}

} // namespace dec::maskbench
