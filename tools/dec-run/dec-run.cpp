//===- dec-run.cpp - run a dec program with a model -----------------------===//
//
// dec-run PROGRAM --prompt TEXT [options]
//
// PROGRAM is a library compiled by decc or a .dec source, which is compiled
// with decc on first use and cached by content. Generated text is streamed to
// stdout as it is produced; --json prints one JSON object instead.
//
//===----------------------------------------------------------------------===//

#include "dec/runtime.h"
#include "tools/dec-run/ProgramCache.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

const char *kUsage = R"(USAGE: dec-run PROGRAM [options]

Runs a dec decoding program with its model and tokenizer.

PROGRAM is a shared library compiled by decc, or a .dec source file, which is
compiled with decc on first use and cached by content (compiler and sources).

Options:
  --prompt TEXT          the prompt
  --prompt-file FILE     read the prompt from FILE ('-': standard input)
  --entry NAME           the entry point to run (needed when there are several)
  --seed N               random seed (default 0); equal seeds give equal output
  --max-tokens N         override the program's token budget
  -n, --num-samples N    generate N independent samples (sample indices 0..N-1)
  --json                 print {tokens, text, timings, ...} as JSON, no streaming
                         (and "logprobs" when the program asks for them,
                         "constraint" when it has a structured constraint)
  --echo                 print the prompt before the generated text
  --threads N            threads for the model (default: libtorch's)
  --model NAME=PATH      run model NAME with another TorchScript file
  --tokenizer NAME=PATH  use another tokenizer.json for model NAME
  --decc PATH            the compiler for .dec programs (default: next to dec-run)
  --cache-dir DIR        compiled-program cache ($DEC_CACHE_DIR, else ~/.cache/dec)
  --list-entries         print the program's entry points and exit
  -h, --help             this help
)";

struct Options {
  std::string program, prompt, entry, decc, cacheDir;
  bool havePrompt = false, json = false, echo = false, listEntries = false;
  uint64_t seed = 0;
  int64_t maxTokens = 0, numSamples = 1;
  int threads = 0;
  std::vector<std::pair<std::string, std::string>> models, tokenizers;
};

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "dec-run: error: %s\n", message.c_str());
  std::exit(1);
}

int64_t parseInteger(const std::string &flag, const std::string &text, int64_t min) {
  char *end = nullptr;
  errno = 0;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < min)
    fail("'" + flag + "' needs an integer >= " + std::to_string(min) + ", got '" + text + "'");
  return value;
}

std::pair<std::string, std::string> parseBinding(const std::string &flag, const std::string &text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    fail("'" + flag + "' needs NAME=PATH, got '" + text + "'");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::string readAll(std::istream &in) {
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Options parseOptions(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    // Accept both "--flag value" and "--flag=value".
    size_t eq = arg.rfind("--", 0) == 0 ? arg.find('=') : std::string::npos;
    bool inlineValue = eq != std::string::npos;
    if (inlineValue) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto next = [&]() -> std::string {
      if (inlineValue)
        return value;
      if (i + 1 >= argc)
        fail("'" + arg + "' needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--prompt") {
      o.prompt = next();
      o.havePrompt = true;
    } else if (arg == "--prompt-file") {
      std::string path = next();
      if (path == "-") {
        o.prompt = readAll(std::cin);
      } else {
        std::ifstream in(path, std::ios::binary);
        if (!in)
          fail("cannot read prompt file '" + path + "'");
        o.prompt = readAll(in);
      }
      o.havePrompt = true;
    } else if (arg == "--entry") {
      o.entry = next();
    } else if (arg == "--seed") {
      o.seed = static_cast<uint64_t>(parseInteger(arg, next(), 0));
    } else if (arg == "--max-tokens") {
      o.maxTokens = parseInteger(arg, next(), 1);
    } else if (arg == "-n" || arg == "--num-samples") {
      o.numSamples = parseInteger(arg, next(), 1);
    } else if (arg == "--json") {
      o.json = true;
    } else if (arg == "--echo") {
      o.echo = true;
    } else if (arg == "--threads") {
      o.threads = static_cast<int>(parseInteger(arg, next(), 1));
    } else if (arg == "--model") {
      o.models.push_back(parseBinding(arg, next()));
    } else if (arg == "--tokenizer") {
      o.tokenizers.push_back(parseBinding(arg, next()));
    } else if (arg == "--decc") {
      o.decc = next();
    } else if (arg == "--cache-dir") {
      o.cacheDir = next();
    } else if (arg == "--list-entries") {
      o.listEntries = true;
    } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
      fail("unknown option '" + arg + "' (see --help)");
    } else if (o.program.empty()) {
      o.program = arg;
    } else {
      fail("more than one program given ('" + o.program + "' and '" + arg + "')");
    }
  }
  if (o.program.empty())
    fail("no program given (see --help)");
  if (!o.havePrompt && !o.listEntries)
    fail("no prompt given: use --prompt TEXT or --prompt-file FILE");
  return o;
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int streamToStdout(void *, const char *text, size_t length) {
  std::fwrite(text, 1, length, stdout);
  std::fflush(stdout);
  return 0;
}

nlohmann::json tokensToJson(const int32_t *tokens, size_t count) {
  return nlohmann::json(std::vector<int32_t>(tokens, tokens + count));
}

} // namespace

int main(int argc, char **argv) {
  Options o = parseOptions(argc, argv);
  bool interactive = isatty(STDERR_FILENO);

  if (access(o.program.c_str(), R_OK) != 0)
    fail("cannot read program '" + o.program + "'");
  std::string library = o.program;
  double compileMs = 0;
  bool compiledNow = false;
  if (endsWith(o.program, ".dec")) {
    dec::CompileRequest request{o.program, o.decc, o.cacheDir, interactive && !o.json};
    dec::CompileResult compiled;
    std::string error;
    if (!dec::compileCached(request, compiled, error))
      fail(error);
    library = compiled.library;
    compileMs = compiled.milliseconds;
    compiledNow = !compiled.cached;
  }

  char *error = nullptr;
  dec_program *program = dec_program_open(library.c_str(), &error);
  if (!program)
    fail(error);
  if (o.listEntries) {
    for (size_t i = 0; i < dec_program_num_entries(program); ++i)
      std::printf("%s\n", dec_program_entry_name(program, i));
    return 0;
  }
  if (o.entry.empty()) {
    size_t n = dec_program_num_entries(program);
    if (n != 1) {
      std::string names;
      for (size_t i = 0; i < n; ++i)
        names += std::string(i ? ", " : "") + dec_program_entry_name(program, i);
      fail("the program has " + std::to_string(n) + " entry points (" + names +
           "); choose one with --entry");
    }
    o.entry = dec_program_entry_name(program, 0);
  }

  std::vector<dec_model_binding> bindings;
  for (auto &[name, path] : o.models)
    bindings.push_back({name.c_str(), path.c_str(), nullptr});
  for (auto &[name, path] : o.tokenizers)
    bindings.push_back({name.c_str(), nullptr, path.c_str()});
  dec_session_options sessionOptions{o.threads, bindings.data(), bindings.size()};
  auto sessionStart = std::chrono::steady_clock::now();
  dec_session *session = dec_session_create(program, &sessionOptions, &error);
  if (!session)
    fail(error);
  double sessionMs = std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - sessionStart)
                         .count();

  nlohmann::json samples = nlohmann::json::array();
  if (o.echo && !o.json) {
    std::fwrite(o.prompt.data(), 1, o.prompt.size(), stdout);
    std::fflush(stdout);
  }
  for (int64_t sample = 0; sample < o.numSamples; ++sample) {
    dec_run_options run = dec_run_options_default();
    run.seed = o.seed;
    run.sample_index = static_cast<uint64_t>(sample);
    run.max_tokens = o.maxTokens;
    if (!o.json)
      run.on_text = streamToStdout;
    dec_result result;
    if (dec_session_run(session, o.entry.c_str(), o.prompt.c_str(), &run, &result, &error) != 0)
      fail(error);
    const dec_timings &t = result.timings;
    double decodeSeconds = t.decode_ms / 1000.0;
    if (o.json) {
      samples.push_back({
          {"text", std::string(result.text, result.text_length)},
          {"tokens", tokensToJson(result.tokens, result.num_tokens)},
          {"prompt_tokens", tokensToJson(result.prompt_tokens, result.num_prompt_tokens)},
          {"finish_reason", result.finish_reason},
          {"timings",
           {{"tokenize_ms", t.load_ms},
            {"prefill_ms", t.prefill_ms},
            {"decode_ms", t.decode_ms},
            {"forward_ms", t.forward_ms},
            {"total_ms", t.total_ms},
            {"tokens_per_s", decodeSeconds > 0 ? result.num_tokens / decodeSeconds : 0.0}}},
      });
      if (result.token_logprobs) {
        // Per generated token: its log-probability and the top N (-inf is null).
        nlohmann::json logprobs = nlohmann::json::array();
        size_t n = result.num_top_logprobs;
        for (size_t i = 0; i < result.num_logprobs; ++i) {
          nlohmann::json top = nlohmann::json::array();
          for (size_t j = 0; j < n; ++j)
            top.push_back({result.top_logprob_tokens[i * n + j], result.top_logprobs[i * n + j]});
          logprobs.push_back({{"token", i < result.num_tokens ? result.tokens[i] : -1},
                              {"logprob", result.token_logprobs[i]},
                              {"top", std::move(top)}});
        }
        samples.back()["logprobs"] = std::move(logprobs);
      }
      if (const dec_constraint_stats &c = result.constraint; c.mode != 0)
        samples.back()["constraint"] = {{"enforce", c.mode == 2 ? "rejection" : "mask"},
                                        {"satisfied", c.satisfied != 0},
                                        {"mask_fills", c.mask_fills},
                                        {"token_checks", c.token_checks},
                                        {"rejections", c.rejections}};
    } else {
      std::fputc('\n', stdout);
      if (interactive)
        std::fprintf(stderr, "[%zu tokens, %.1f tokens/s, finish: %s]\n", result.num_tokens,
                     decodeSeconds > 0 ? result.num_tokens / decodeSeconds : 0.0,
                     result.finish_reason);
    }
    dec_result_free(&result);
  }

  if (o.json) {
    nlohmann::json out = samples.size() == 1 ? samples[0] : nlohmann::json::object();
    if (samples.size() != 1)
      out["samples"] = samples;
    out["program"] = o.program;
    out["entry"] = o.entry;
    out["seed"] = o.seed;
    out["compile_ms"] = compileMs;
    out["compiled"] = compiledNow;
    out["session_ms"] = sessionMs;
    // Text may end in a partial UTF-8 character (a token budget can cut one in
    // half): replace invalid bytes instead of failing.
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  }
  dec_session_destroy(session);
  dec_program_close(program);
  return 0;
}
