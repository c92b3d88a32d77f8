//===- TokenizerLoad.cpp - Reading tokenizer.json and its config ----------===//
//
// Every check happens here, at load time, so that encode/decode never meet an
// inconsistent tokenizer. Problems are reported as json_util::LoadError and
// turned into the `error` string at the API boundary.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/JsonUtil.h"
#include "runtime/tokenizer/TokenizerDocument.h"
#include "runtime/tokenizer/TokenizerImpl.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <new>

namespace dec {

using namespace json_util;

namespace {

/// Ends of sequence recognised when tokenizer_config.json does not say.
constexpr const char *kKnownEosTokens[] = {
    "<|endoftext|>", "<|end_of_text|>", "<|eot_id|>", "<|im_end|>", "</s>", "<eos>", "<|end|>"};

void checkNormalizer(const Json &root) {
  const Json *normalizer = findMember(root, "normalizer");
  if (!normalizer || normalizer->is_null())
    return;
  const std::string &type = componentType(*normalizer, "normalizer");
  if (type == "Sequence") {
    const Json &children = requireArray(requireMember(*normalizer, "normalizers", "normalizer"),
                                        "normalizer.normalizers");
    if (children.empty())
      return;
    fail("normalizer.normalizers[0] type " +
         quote(componentType(children[0], "normalizer.normalizers[0]")) +
         " is not supported (only byte-level BPE without normalization)");
  }
  fail("normalizer type " + quote(type) +
       " is not supported (only byte-level BPE without normalization)");
}

void checkDecoder(const Json &root) {
  const Json *decoder = findMember(root, "decoder");
  if (!decoder || decoder->is_null())
    return; // decoding is byte-level regardless
  const std::string &type = componentType(*decoder, "decoder");
  if (type != "ByteLevel")
    fail("decoder type " + quote(type) + " is not supported (only ByteLevel)");
}

std::vector<AddedToken> parseAddedTokens(const Json &root) {
  std::vector<AddedToken> tokens;
  const Json *list = findMember(root, "added_tokens");
  if (!list || list->is_null())
    return tokens;
  requireArray(*list, "added_tokens");
  std::unordered_map<int32_t, size_t> indexById;
  std::unordered_map<std::string, size_t> indexByContent;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string path = "added_tokens[" + std::to_string(i) + "]";
    const Json &entry = requireObject((*list)[i], path);
    AddedToken token;
    token.id = requireId(requireMember(entry, "id", path), path + ".id", kTokenIdLimit);
    token.content = requireString(requireMember(entry, "content", path), path + ".content");
    if (token.content.empty())
      fail(path + ": empty content");
    token.special = optionalBool(entry, "special", false, path);
    token.lstrip = optionalBool(entry, "lstrip", false, path);
    token.rstrip = optionalBool(entry, "rstrip", false, path);
    token.singleWord = optionalBool(entry, "single_word", false, path);
    token.normalized = optionalBool(entry, "normalized", true, path); // AddedToken::default()
    if (auto [it, inserted] = indexById.emplace(token.id, i); !inserted)
      fail(path + ": id " + std::to_string(token.id) + " is already used by added_tokens[" +
           std::to_string(it->second) + "]");
    if (auto [it, inserted] = indexByContent.emplace(token.content, i); !inserted)
      fail(path + ": content " + quote(token.content) + " is already added_tokens[" +
           std::to_string(it->second) + "]");
    tokens.push_back(std::move(token));
  }
  return tokens;
}

/// The `single` template of a TemplateProcessing post-processor.
void parseTemplate(const Json &processor, const std::string &path, Tokenizer::Impl &impl) {
  const Json &single = requireArray(requireMember(processor, "single", path), path + ".single");
  const Json &specialTokens =
      requireObject(requireMember(processor, "special_tokens", path), path + ".special_tokens");
  bool seenSequence = false;
  for (size_t i = 0; i < single.size(); ++i) {
    std::string itemPath = path + ".single[" + std::to_string(i) + "]";
    const Json &item = requireObject(single[i], itemPath);
    if (const Json *sequence = findMember(item, "Sequence")) {
      const std::string &name =
          requireString(requireMember(requireObject(*sequence, itemPath + ".Sequence"), "id",
                                      itemPath + ".Sequence"),
                        itemPath + ".Sequence.id");
      if (name != "A")
        fail(itemPath + ": a single-sequence template can only use sequence A");
      if (seenSequence)
        fail(itemPath + ": sequence A appears twice");
      seenSequence = true;
    } else if (const Json *special = findMember(item, "SpecialToken")) {
      const std::string &name =
          requireString(requireMember(requireObject(*special, itemPath + ".SpecialToken"), "id",
                                      itemPath + ".SpecialToken"),
                        itemPath + ".SpecialToken.id");
      const Json *entry = findMember(specialTokens, name.c_str());
      if (!entry)
        fail(itemPath + ": " + quote(name) + " is not in " + path + ".special_tokens");
      std::string idsPath = path + ".special_tokens[" + quote(name) + "].ids";
      const Json &ids =
          requireArray(requireMember(requireObject(*entry, idsPath), "ids", idsPath), idsPath);
      for (const Json &idValue : ids) {
        int32_t id = requireId(idValue, idsPath, kTokenIdLimit);
        if (impl.kindOf(id) == Tokenizer::Impl::TokenKind::None)
          fail(idsPath + ": id " + std::to_string(id) + " is not a token");
        (seenSequence ? impl.templateSuffix : impl.templatePrefix).push_back(id);
      }
    } else {
      fail(itemPath + " must be a 'Sequence' or a 'SpecialToken'");
    }
  }
  if (!seenSequence)
    fail(path + ".single has no Sequence A");
}

void parsePostProcessor(const Json &root, Tokenizer::Impl &impl) {
  const Json *processor = findMember(root, "post_processor");
  if (!processor || processor->is_null())
    return;
  const std::string &type = componentType(*processor, "post_processor");
  std::vector<std::pair<const Json *, std::string>> parts;
  if (type == "Sequence") { // Llama-3.1: [ByteLevel, TemplateProcessing]
    const Json &children = requireArray(requireMember(*processor, "processors", "post_processor"),
                                        "post_processor.processors");
    for (size_t i = 0; i < children.size(); ++i)
      parts.emplace_back(&children[i], "post_processor.processors[" + std::to_string(i) + "]");
  } else {
    parts.emplace_back(processor, "post_processor");
  }
  bool seenTemplate = false;
  for (const auto &[part, path] : parts) {
    const std::string &partType = componentType(*part, path);
    if (partType == "ByteLevel")
      continue; // only adjusts offsets
    if (partType != "TemplateProcessing")
      fail(path + " type " + quote(partType) +
           " is not supported (only ByteLevel and TemplateProcessing)");
    if (seenTemplate)
      fail(path + ": more than one TemplateProcessing");
    seenTemplate = true;
    parseTemplate(*part, path, impl);
  }
}

/// Fills the id-indexed tables from the model and the added tokens.
void buildIdTables(Tokenizer::Impl &impl) {
  int32_t limit = impl.model->idLimit();
  for (const AddedToken &token : impl.addedTokens)
    limit = std::max(limit, token.id + 1);
  impl.bytesById.assign(limit, nullptr);
  impl.kindById.assign(limit, Tokenizer::Impl::TokenKind::None);
  for (int32_t id = 0; id < impl.model->idLimit(); ++id) {
    if (!impl.model->hasId(id))
      continue;
    impl.bytesById[id] = &impl.model->bytesOf(id);
    impl.kindById[id] = Tokenizer::Impl::TokenKind::Model;
  }
  for (const AddedToken &token : impl.addedTokens) {
    impl.bytesById[token.id] = &token.content;
    impl.kindById[token.id] =
        token.special ? Tokenizer::Impl::TokenKind::Special : Tokenizer::Impl::TokenKind::Added;
    impl.addedTokenIds.emplace(token.content, token.id);
  }
}

std::unique_ptr<Tokenizer::Impl> loadImpl(std::string_view text) {
  TokenizerDocument document = parseTokenizerDocument(text);
  const Json &root = document.root;
  if (!root.is_object())
    fail("the top level must be an object, not " + describeType(root));

  auto impl = std::make_unique<Tokenizer::Impl>();
  checkNormalizer(root);
  impl->model = BPEModel::fromJSON(requireMember(root, "model", "the top level"), document.vocab);
  impl->addedTokens = parseAddedTokens(root);
  const Json *preTokenizer = findMember(root, "pre_tokenizer");
  impl->preTokenizer = PreTokenizer::fromJSON(preTokenizer ? *preTokenizer : Json());
  checkDecoder(root);
  buildIdTables(*impl);
  parsePostProcessor(root, *impl);
  impl->addedTokenSplitter = std::make_unique<AddedTokenSplitter>(impl->addedTokens);

  for (const char *name : kKnownEosTokens) {
    auto it = impl->addedTokenIds.find(name);
    if (it != impl->addedTokenIds.end() &&
        impl->kindOf(it->second) == Tokenizer::Impl::TokenKind::Special)
      impl->eosTokens.push_back(it->second);
  }
  return impl;
}

/// Reads a whole file; on failure sets `error` and returns false.
bool readFile(const std::string &path, std::string &contents, std::string &error) {
  std::FILE *file = std::fopen(path.c_str(), "rb");
  if (!file) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  char buffer[1 << 16];
  size_t count;
  while ((count = std::fread(buffer, 1, sizeof(buffer), file)) > 0)
    contents.append(buffer, count);
  bool failed = std::ferror(file);
  int savedErrno = errno;
  std::fclose(file);
  if (failed) {
    error = "cannot read '" + path + "': " + std::strerror(savedErrno);
    return false;
  }
  return true;
}

/// Takes `eos_token` from tokenizer_config.json: a string or {"content": ...}.
void applyTokenizerConfig(const std::string &configText, const Tokenizer &tokenizer,
                          const std::string &tokenizerPath, std::vector<int32_t> &eosTokens) {
  Json config = Json::parse(configText.begin(), configText.end());
  if (!config.is_object())
    fail("the top level must be an object, not " + describeType(config));
  const Json *eos = findMember(config, "eos_token");
  if (!eos || eos->is_null())
    return;
  const std::string *content = nullptr;
  if (eos->is_string()) {
    content = &eos->get_ref<const std::string &>();
  } else if (eos->is_object() && findMember(*eos, "content")) {
    content = &requireString(*findMember(*eos, "content"), "eos_token.content");
  } else {
    fail("eos_token must be a string or an object with 'content', not " + describeType(*eos));
  }
  std::optional<int32_t> id = tokenizer.tokenId(*content);
  if (!id)
    fail("eos_token " + quote(*content) + " is not a token of " + tokenizerPath);
  eosTokens = {*id};
}

/// Runs `body`, turning any exception into "<name>: <message>" in `error`.
template <typename Body>
bool reportingErrors(std::string_view name, std::string &error, Body &&body) {
  std::string prefix = std::string(name) + ": ";
  try {
    body();
    return true;
  } catch (const LoadError &e) {
    error = prefix + e.what();
  } catch (const Json::parse_error &e) {
    error = prefix + "invalid JSON: " + withoutExceptionId(e.what());
  } catch (const Json::exception &e) {
    error = prefix + withoutExceptionId(e.what());
  } catch (const std::bad_alloc &) {
    error = prefix + "out of memory";
  } catch (const std::exception &e) {
    error = prefix + e.what();
  } catch (...) {
    error = prefix + "unknown error";
  }
  return false;
}

} // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::fromJSON(std::string_view json, std::string &error,
                                               std::string_view nameForErrors) {
  std::unique_ptr<Tokenizer> tokenizer;
  bool ok = reportingErrors(nameForErrors, error, [&] {
    tokenizer = std::unique_ptr<Tokenizer>(new Tokenizer(loadImpl(json)));
  });
  return ok ? std::move(tokenizer) : nullptr;
}

std::unique_ptr<Tokenizer> Tokenizer::fromFile(const std::string &path, std::string &error) {
  std::string contents;
  if (!readFile(path, contents, error))
    return nullptr;
  std::unique_ptr<Tokenizer> tokenizer = fromJSON(contents, error, path);
  if (!tokenizer)
    return nullptr;

  std::error_code ignored;
  std::string configPath =
      (std::filesystem::path(path).parent_path() / "tokenizer_config.json").string();
  if (!std::filesystem::exists(configPath, ignored))
    return tokenizer;
  std::string configText;
  if (!readFile(configPath, configText, error))
    return nullptr;
  bool ok = reportingErrors(configPath, error, [&] {
    applyTokenizerConfig(configText, *tokenizer, path, tokenizer->impl->eosTokens);
  });
  return ok ? std::move(tokenizer) : nullptr;
}

} // namespace dec
