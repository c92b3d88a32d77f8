//===- AddedTokens.cpp - Splitting text on added tokens -------------------===//

#include "runtime/tokenizer/AddedTokens.h"

#include "runtime/tokenizer/JsonUtil.h"
#include "runtime/tokenizer/Utf8.h"

#include <algorithm>

namespace dec {

//===----------------------------------------------------------------------===//
// TokenTrie
//===----------------------------------------------------------------------===//

int32_t TokenTrie::child(int32_t node, unsigned char byte) const {
  for (const auto &[edge, target] : nodes[node].children)
    if (edge == byte)
      return target;
  return -1;
}

void TokenTrie::insert(std::string_view content, int32_t tokenIndex) {
  if (content.empty())
    return;
  isFirstByte[static_cast<unsigned char>(content[0])] = true;
  int32_t node = 0;
  for (unsigned char byte : content) {
    int32_t next = child(node, byte);
    if (next < 0) {
      next = static_cast<int32_t>(nodes.size());
      nodes[node].children.emplace_back(byte, next);
      nodes.emplace_back();
    }
    node = next;
  }
  nodes[node].tokenIndex = tokenIndex;
}

bool TokenTrie::findLeftmostLongest(std::string_view text, size_t from, Match &match) const {
  if (empty())
    return false;
  for (size_t begin = from; begin < text.size(); ++begin) {
    if (!isFirstByte[static_cast<unsigned char>(text[begin])])
      continue;
    int32_t node = 0;
    bool found = false;
    for (size_t pos = begin; pos < text.size(); ++pos) {
      node = child(node, static_cast<unsigned char>(text[pos]));
      if (node < 0)
        break;
      if (nodes[node].tokenIndex >= 0) {
        match = {begin, pos + 1, nodes[node].tokenIndex};
        found = true;
      }
    }
    if (found)
      return true;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// AddedTokenSplitter
//===----------------------------------------------------------------------===//

namespace {

/// Start of the whitespace run that ends `text` (HF: `\s*$`).
size_t trailingWhiteSpaceStart(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    utf8::Unit unit = utf8::decodeBefore(text, end);
    if (!unit.valid || !utf8::isWhiteSpace(unit.codepoint))
      break;
    end -= unit.length;
  }
  return end;
}

/// End of the whitespace run that starts `text` (HF: `^\s*`).
size_t leadingWhiteSpaceEnd(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    utf8::Unit unit = utf8::decodeAt(text, pos);
    if (!unit.valid || !utf8::isWhiteSpace(unit.codepoint))
      break;
    pos += unit.length;
  }
  return pos;
}

} // namespace

AddedTokenSplitter::AddedTokenSplitter(std::vector<AddedToken> addedTokens)
    : tokens(std::move(addedTokens)) {
  bool needsWordCharacter = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    (tokens[i].normalized ? normalizedTrie : rawTrie)
        .insert(tokens[i].content, static_cast<int32_t>(i));
    needsWordCharacter |= tokens[i].singleWord;
  }
  if (needsWordCharacter) {
    std::string error;
    // UTS #18's \w, which the `regex` crate implements.
    wordCharacter = Regex::compile(R"([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}])", error);
    if (!wordCharacter)
      json_util::fail("added_tokens: cannot support single_word: " + error);
  }
}

bool AddedTokenSplitter::touchesWordCharacter(std::string_view text, size_t begin,
                                              size_t end) const {
  if (begin > 0) {
    utf8::Unit before = utf8::decodeBefore(text, begin);
    if (before.valid && wordCharacter->matchesAt(text, begin - before.length))
      return true;
  }
  return end < text.size() && wordCharacter->matchesAt(text, end);
}

void AddedTokenSplitter::splitWith(const TokenTrie &trie, std::string_view text, bool parseSpecial,
                                   std::vector<Section> &sections) const {
  auto emitText = [&](size_t begin, size_t end) {
    if (begin < end)
      sections.push_back({text.substr(begin, end - begin), Section::kText});
  };
  // Mirrors AddedVocabulary::find_matches.
  size_t consumed = 0;
  TokenTrie::Match match{};
  for (size_t searchFrom = 0; trie.findLeftmostLongest(text, searchFrom, match);
       searchFrom = match.end) {
    const AddedToken &token = tokens[match.tokenIndex];
    if (token.special && !parseSpecial)
      continue;
    if (token.singleWord && touchesWordCharacter(text, match.begin, match.end))
      continue;
    // A token that begins with whitespace can lie inside the whitespace that
    // the previous token's rstrip took; that text is not emitted twice.
    if (match.end <= consumed)
      continue;
    size_t begin = match.begin, end = match.end;
    if (token.lstrip)
      begin = trailingWhiteSpaceStart(text.substr(0, begin));
    if (token.rstrip)
      end += leadingWhiteSpaceEnd(text.substr(end));
    begin = std::max(begin, consumed); // HF: max(newstart, start_offset)
    emitText(consumed, begin);
    sections.push_back({text.substr(begin, end - begin), token.id});
    consumed = end;
  }
  emitText(consumed, text.size());
}

void AddedTokenSplitter::split(std::string_view text, bool parseSpecial,
                               std::vector<Section> &sections) const {
  size_t first = sections.size();
  splitWith(rawTrie, text, parseSpecial, sections);
  if (normalizedTrie.empty())
    return;
  std::vector<Section> firstPass(sections.begin() + first, sections.end());
  sections.resize(first);
  for (const Section &section : firstPass) {
    if (section.addedTokenId == Section::kText)
      splitWith(normalizedTrie, section.text, parseSpecial, sections);
    else
      sections.push_back(section);
  }
}

} // namespace dec
