//===- Session.cpp - sessions and calls -----------------------------------===//

#include "runtime/core/Session.h"

#include <cstdlib>
#include <cstring>

using namespace dec;
using namespace dec::rt;

std::unique_ptr<Session> Session::create(Program &program, const dec_session_options *options,
                                         std::string &error) {
  std::unique_ptr<Session> session(new Session(program));
  if (options)
    TorchModel::setNumThreads(options->num_threads);

  for (const Manifest::Model &declared : program.manifest().models) {
    std::string modelPath = declared.path, tokenizerPath = declared.tokenizer;
    if (options)
      for (size_t i = 0; i < options->num_bindings; ++i) {
        const dec_model_binding &binding = options->bindings[i];
        if (!binding.name || declared.name != binding.name)
          continue;
        if (binding.model_path)
          modelPath = binding.model_path;
        if (binding.tokenizer_path)
          tokenizerPath = binding.tokenizer_path;
      }
    BoundModel bound;
    bound.name = declared.name;
    bound.tokenizer = Tokenizer::fromFile(tokenizerPath, error);
    if (!bound.tokenizer) {
      error = "model '" + declared.name + "': " + error;
      return nullptr;
    }
    bound.model = TorchModel::load(modelPath, error);
    if (!bound.model) {
      error = "model '" + declared.name + "': " + error;
      return nullptr;
    }
    if (bound.tokenizer->vocabSize() > bound.model->vocabSize()) {
      error = "model '" + declared.name + "': tokenizer '" + tokenizerPath + "' has " +
              std::to_string(bound.tokenizer->vocabSize()) + " tokens but model '" + modelPath +
              "' produces logits for " + std::to_string(bound.model->vocabSize());
      return nullptr;
    }
    bound.eos = bound.tokenizer->eosTokens();
    session->models.push_back(std::move(bound));
  }

  for (size_t index = 0; index < program.manifest().rules.size(); ++index) {
    const Manifest::Rule &declared = program.manifest().rules[index];
    BoundModel &bound = session->models[declared.model];
    TokenRule rule;
    rule.ngram = declared.ngram;
    int64_t vocab = bound.model->vocabSize();
    auto add = [&](std::vector<int32_t> ids, const Manifest::Rule::Item &item) {
      for (const TokenRule::Entry &e : rule.entries)
        if (e.ids == ids && e.ban == item.ban)
          return; // listed twice: it counts once (HF's dict of sequences)
      rule.entries.push_back({std::move(ids), static_cast<float>(item.bias), item.ban});
    };
    for (const Manifest::Rule::Item &item : declared.items) {
      if (item.text) {
        auto encode = [&](const std::string &text) { return bound.tokenizer->encode(text); };
        for (std::vector<int32_t> &ids : tokenizeWordVariants(*item.text, encode))
          add(std::move(ids), item);
        continue;
      }
      if (item.ids.size() == 1 && item.ids[0] == -1) { // the end-of-sequence tokens
        for (int32_t eos : bound.eos)
          add({eos}, item);
        continue;
      }
      for (int32_t t : item.ids)
        if (t < 0 || t >= vocab) {
          error = "model '" + bound.name + "': token id " + std::to_string(t) +
                  " is outside its vocabulary of " + std::to_string(vocab) + " tokens";
          return nullptr;
        }
      add(item.ids, item);
    }
    session->tokenRules.push_back(std::move(rule));
  }

  // Structured constraints compile once per session, for the model's
  // vocabulary (one Vocabulary per model, shared by its constraints).
  std::vector<std::shared_ptr<const cons::Vocabulary>> vocabularies(session->models.size());
  for (const Manifest::SequenceConfig &config : program.manifest().sequences) {
    BoundModel &bound = session->models[config.model];
    session->banFilters.push_back(
        config.ban.empty() ? nullptr
                           : std::make_unique<BanFilter>(config.ban, *bound.tokenizer,
                                                         bound.model->vocabSize()));
    session->constraints.push_back(nullptr);
    if (!config.constraint)
      continue;
    std::shared_ptr<const cons::Vocabulary> &vocab = vocabularies[config.model];
    if (!vocab && !(vocab = cons::Vocabulary::fromTokenizer(bound.tokenizer,
                                                            bound.model->vocabSize(), error))) {
      error = "model '" + bound.name + "': " + error;
      return nullptr;
    }
    session->constraints.back() = cons::compileConstraint(
        config.constraint->kind, config.constraint->spec, cons::CompileOptions(), vocab, error);
    if (!session->constraints.back()) {
      error = config.constraint->kind + " constraint: " + error;
      return nullptr;
    }
  }
  return session;
}

namespace {

char *copyString(const std::string &s) {
  char *out = static_cast<char *>(std::malloc(s.size() + 1));
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

int32_t *copyTokens(const int32_t *data, size_t count) {
  auto *out = static_cast<int32_t *>(std::malloc(sizeof(int32_t) * (count ? count : 1)));
  if (count)
    std::memcpy(out, data, sizeof(int32_t) * count);
  return out;
}

float *copyFloats(const float *data, size_t count) {
  auto *out = static_cast<float *>(std::malloc(sizeof(float) * (count ? count : 1)));
  if (count)
    std::memcpy(out, data, sizeof(float) * count);
  return out;
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace

bool Session::run(const std::string &entryName, const std::string &prompt,
                  const dec_run_options &options, dec_result &result, std::string &error) {
  std::memset(&result, 0, sizeof(result));
  EntryFunction entry = program_.entry(entryName);
  if (!entry) {
    error = "the program has no entry '" + entryName + "' (it has:";
    for (const Manifest::Entry &e : program_.manifest().entries)
      error += " " + e.name;
    error += ")";
    return false;
  }

  Call call(*this, options);
  call.prompt.bytes = prompt;
  call.prompt.call = &call;
  auto start = std::chrono::steady_clock::now();
  decrt_text *output = entry(&call.prompt);
  double totalMs = millisecondsSince(start);

  if (!call.error.empty()) {
    error = call.error;
    return false;
  }
  // The sequence whose text the entry returned.
  decrt_seq *sequence = nullptr;
  for (auto &seq : call.sequences)
    if (output && seq->output == output)
      sequence = seq.get();
  if (!sequence) {
    error = "entry '" + entryName + "' returned no text";
    return false;
  }

  result.text = copyString(output->bytes);
  result.text_length = output->bytes.size();
  result.prompt_tokens = copyTokens(sequence->history.data(), sequence->promptLength);
  result.num_prompt_tokens = sequence->promptLength;
  result.tokens = copyTokens(sequence->history.data() + sequence->promptLength,
                             sequence->history.size() - sequence->promptLength);
  result.num_tokens = sequence->history.size() - sequence->promptLength;
  result.finish_reason = copyString(sequence->finishReason);
  result.timings.load_ms = call.loadMs;
  result.timings.prefill_ms = call.prefillMs;
  result.timings.forward_ms = sequence->forwardMs;
  result.timings.total_ms = totalMs;
  result.timings.decode_ms = totalMs - call.loadMs - call.prefillMs;
  if (sequence->constraint) {
    ConstraintState &c = *sequence->constraint;
    result.constraint.mode = c.rejection() ? 2 : 1;
    result.constraint.mask_fills = c.maskFills;
    result.constraint.token_checks = c.tokenChecks;
    result.constraint.rejections = c.rejections;
    result.constraint.satisfied = c.isAccepting() ? 1 : 0;
  }
  if (sequence->logprobs >= 0) {
    size_t n = sequence->tokenLogprobs.size();
    result.num_logprobs = n;
    result.num_top_logprobs = static_cast<size_t>(sequence->logprobs);
    result.token_logprobs = copyFloats(sequence->tokenLogprobs.data(), n);
    result.top_logprob_tokens =
        copyTokens(sequence->topLogprobTokens.data(), sequence->topLogprobTokens.size());
    result.top_logprobs = copyFloats(sequence->topLogprobs.data(), sequence->topLogprobs.size());
  }
  return true;
}
