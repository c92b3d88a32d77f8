//===- dec-tokenize.cpp - Encode/decode with a tokenizer.json -------------===//
//
// A thin command-line front end to dec::Tokenizer, used by the lit tests that
// compare it with the reference JavaScript implementation, and handy for
// looking at how a prompt tokenizes.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr const char *kUsage = R"(USAGE: dec-tokenize --tokenizer PATH [options]

Encodes text to token ids, or decodes ids to text, with a Hugging Face
tokenizer.json (byte-level BPE: GPT-2, Llama-3, Qwen, ...).

INPUT (default: standard input):
  --text STR       the text to encode (with --decode: the ids)
  --file PATH      read the input from PATH

MODES:
  (default)        encode; print the ids space-separated on one line
  --decode         read whitespace-separated ids; print the decoded bytes as
                   they are (no newline is added)
  --jsonl          the input has one JSON string per line; print one JSON array
                   of ids per line. With --decode: read arrays of ids, print
                   JSON strings (invalid UTF-8 shown as U+FFFD)
  --info           print the vocabulary size, eos ids, number of merges and
                   added tokens, and the load time

OPTIONS:
  --no-special     encode special-token text (e.g. "<|eot_id|>") as ordinary
                   text instead of as the special token
  --template       add the post-processor's template tokens (e.g. BOS)
  --skip-special   with --decode: leave special tokens out
  --time           print the encode/decode time and throughput on stderr
  -h, --help       print this help
)";

struct Options {
  std::string tokenizerPath;
  std::string text;
  std::string inputPath;
  bool haveText = false;
  bool decode = false;
  bool jsonl = false;
  bool info = false;
  bool parseSpecial = true;
  bool withTemplate = false;
  bool skipSpecial = false;
  bool time = false;
};

int fail(const std::string &message) {
  std::fprintf(stderr, "dec-tokenize: error: %s\n", message.c_str());
  return 1;
}

/// Returns an error message, or "" when the arguments are fine.
std::string parseArguments(int argc, char **argv, Options &options, bool &wantsHelp) {
  for (int i = 1; i < argc; ++i) {
    std::string argument = argv[i];
    auto value = [&](std::string &out) {
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    if (argument == "-h" || argument == "--help") {
      wantsHelp = true;
    } else if (argument == "--tokenizer") {
      if (!value(options.tokenizerPath))
        return "--tokenizer needs a path";
    } else if (argument == "--text") {
      if (!value(options.text))
        return "--text needs a value";
      options.haveText = true;
    } else if (argument == "--file") {
      if (!value(options.inputPath))
        return "--file needs a path";
    } else if (argument == "--decode") {
      options.decode = true;
    } else if (argument == "--jsonl") {
      options.jsonl = true;
    } else if (argument == "--info") {
      options.info = true;
    } else if (argument == "--no-special") {
      options.parseSpecial = false;
    } else if (argument == "--template") {
      options.withTemplate = true;
    } else if (argument == "--skip-special") {
      options.skipSpecial = true;
    } else if (argument == "--time") {
      options.time = true;
    } else {
      return "unknown argument '" + argument + "' (see --help)";
    }
  }
  if (wantsHelp)
    return "";
  if (options.tokenizerPath.empty())
    return "missing --tokenizer PATH (see --help)";
  if (options.haveText && !options.inputPath.empty())
    return "--text and --file are exclusive";
  return "";
}

bool readInput(const Options &options, std::string &input, std::string &error) {
  if (options.haveText) {
    input = options.text;
    return true;
  }
  std::FILE *file = stdin;
  if (!options.inputPath.empty()) {
    file = std::fopen(options.inputPath.c_str(), "rb");
    if (!file) {
      error = "cannot open '" + options.inputPath + "': " + std::strerror(errno);
      return false;
    }
  }
  char buffer[1 << 16];
  size_t count;
  while ((count = std::fread(buffer, 1, sizeof(buffer), file)) > 0)
    input.append(buffer, count);
  bool failed = std::ferror(file);
  if (file != stdin)
    std::fclose(file);
  if (failed)
    error = "cannot read '" + (options.inputPath.empty() ? "<stdin>" : options.inputPath) + "'";
  return !failed;
}

void writeOut(const std::string &text) { std::fwrite(text.data(), 1, text.size(), stdout); }

std::string idsAsText(const std::vector<int32_t> &ids, const char *separator) {
  std::string text;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i)
      text += separator;
    text += std::to_string(ids[i]);
  }
  return text;
}

/// Checks that every id names a token, so that typos do not decode silently
/// to nothing.
bool checkIds(const dec::Tokenizer &tokenizer, const std::vector<int32_t> &ids,
              std::string &error) {
  for (int32_t id : ids) {
    if (id < 0 || id >= tokenizer.vocabSize() ||
        (tokenizer.tokenBytes(id).empty() && !tokenizer.isAddedToken(id))) {
      error = "id " + std::to_string(id) + " is not a token (vocabulary size " +
              std::to_string(tokenizer.vocabSize()) + ")";
      return false;
    }
  }
  return true;
}

bool parseIdList(const std::string &input, std::vector<int32_t> &ids, std::string &error) {
  std::istringstream stream(input);
  std::string word;
  while (stream >> word) {
    char *end = nullptr;
    errno = 0;
    long long value = std::strtoll(word.c_str(), &end, 10);
    if (*end != '\0' || errno || value < INT32_MIN || value > INT32_MAX) {
      error = "'" + word + "' is not a token id";
      return false;
    }
    ids.push_back(static_cast<int32_t>(value));
  }
  return true;
}

/// Splits into lines, skipping empty ones; calls `perLine(line, lineNumber)`
/// until it returns false.
template <typename PerLine> bool forEachLine(const std::string &input, PerLine &&perLine) {
  size_t lineNumber = 0;
  for (size_t begin = 0; begin < input.size();) {
    size_t end = input.find('\n', begin);
    if (end == std::string::npos)
      end = input.size();
    ++lineNumber;
    std::string line = input.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    begin = end + 1;
    if (!line.empty() && !perLine(line, lineNumber))
      return false;
  }
  return true;
}

using Clock = std::chrono::steady_clock;
double millisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  bool wantsHelp = false;
  std::string error = parseArguments(argc, argv, options, wantsHelp);
  if (wantsHelp) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!error.empty())
    return fail(error);

  Clock::time_point loadStart = Clock::now();
  std::unique_ptr<dec::Tokenizer> tokenizer =
      dec::Tokenizer::fromFile(options.tokenizerPath, error);
  if (!tokenizer)
    return fail(error);
  double loadMilliseconds = millisecondsSince(loadStart);

  if (options.info) {
    std::printf("tokenizer: %s\n", options.tokenizerPath.c_str());
    std::printf("vocab size: %d\n", tokenizer->vocabSize());
    std::printf("merges: %zu\n", tokenizer->numMerges());
    std::printf("added tokens: %zu\n", tokenizer->numAddedTokens());
    std::printf("eos ids: %s\n", idsAsText(tokenizer->eosTokens(), " ").c_str());
    std::printf("bytes without a token: %d\n", tokenizer->numBytesWithoutToken());
    std::printf("load time: %.1f ms\n", loadMilliseconds);
    return 0;
  }

  std::string input;
  if (!readInput(options, input, error))
    return fail(error);

  auto encode = [&](std::string_view text) {
    return options.withTemplate ? tokenizer->encodeWithTemplate(text, options.parseSpecial)
                                : tokenizer->encode(text, options.parseSpecial);
  };
  size_t bytesProcessed = 0, tokensProcessed = 0;
  double workMilliseconds = 0;
  std::string output;

  if (!options.jsonl) {
    if (options.decode) {
      std::vector<int32_t> ids;
      if (!parseIdList(input, ids, error) || !checkIds(*tokenizer, ids, error))
        return fail(error);
      Clock::time_point start = Clock::now();
      output = tokenizer->decode(ids, options.skipSpecial);
      workMilliseconds = millisecondsSince(start);
      tokensProcessed = ids.size();
      bytesProcessed = output.size();
    } else {
      Clock::time_point start = Clock::now();
      std::vector<int32_t> ids = encode(input);
      workMilliseconds = millisecondsSince(start);
      output = idsAsText(ids, " ") + "\n";
      tokensProcessed = ids.size();
      bytesProcessed = input.size();
    }
  } else {
    bool ok = forEachLine(input, [&](const std::string &line, size_t lineNumber) {
      auto lineError = [&](const std::string &message) {
        error = (options.inputPath.empty() ? "<input>" : options.inputPath) + ":" +
                std::to_string(lineNumber) + ": " + message;
        return false;
      };
      nlohmann::json value = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (value.is_discarded())
        return lineError("invalid JSON");
      if (!options.decode) {
        if (!value.is_string())
          return lineError("expected a JSON string");
        const std::string &text = value.get_ref<const std::string &>();
        Clock::time_point start = Clock::now();
        std::vector<int32_t> ids = encode(text);
        workMilliseconds += millisecondsSince(start);
        bytesProcessed += text.size();
        tokensProcessed += ids.size();
        output += "[" + idsAsText(ids, ",") + "]\n";
        return true;
      }
      std::vector<int32_t> ids;
      if (!value.is_array())
        return lineError("expected a JSON array of ids");
      for (const nlohmann::json &id : value) {
        if (!id.is_number_integer() || id.get<int64_t>() < INT32_MIN ||
            id.get<int64_t>() > INT32_MAX)
          return lineError("expected a JSON array of ids, found " + id.dump());
        ids.push_back(id.get<int32_t>());
      }
      std::string idError;
      if (!checkIds(*tokenizer, ids, idError))
        return lineError(idError);
      Clock::time_point start = Clock::now();
      std::string text = tokenizer->decode(ids, options.skipSpecial);
      workMilliseconds += millisecondsSince(start);
      bytesProcessed += text.size();
      tokensProcessed += ids.size();
      output += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      output += "\n";
      return true;
    });
    if (!ok)
      return fail(error);
  }
  writeOut(output);
  std::fflush(stdout);

  if (options.time) {
    double seconds = workMilliseconds / 1000.0;
    std::fprintf(
        stderr, "load: %.1f ms; %s: %zu bytes, %zu tokens in %.2f ms (%.1f MB/s, %.0f tokens/s)\n",
        loadMilliseconds, options.decode ? "decode" : "encode", bytesProcessed, tokensProcessed,
        workMilliseconds, seconds > 0 ? bytesProcessed / seconds / 1e6 : 0.0,
        seconds > 0 ? tokensProcessed / seconds : 0.0);
  }
  return 0;
}
