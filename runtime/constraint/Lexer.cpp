//===- Lexer.cpp - Lazy DFA over the lexemes a parser state allows --------===//
#include "runtime/constraint/Lexer.h"

#include <cstring>

namespace dec::cons {

Lexer::Lexer(RegexBuilder &rx, std::vector<RegexId> lexemesIn) : rx(rx), lexemes(std::move(lexemesIn)) {
  const ByteClasses &classes = rx.byteClasses();
  std::memcpy(classOf, classes.classOf, sizeof classOf);
  representative = classes.representative;
  numClasses = representative.size();
  acceptSets.push_back({});
  acceptSetIndex.emplace(std::string(), 0);
  // State 0: dead. State 1: end of input (alive, takes no byte).
  for (int i = 0; i < 2; ++i) {
    states.push_back({});
    flags.push_back(0);
    table.insert(table.end(), numClasses, kDeadLex);
  }
  stateIndex.emplace(std::string(), kDeadLex);
}

LexState Lexer::intern(std::vector<std::pair<uint32_t, RegexId>> entries) {
  if (entries.empty())
    return kDeadLex;
  std::string key(reinterpret_cast<const char *>(entries.data()), entries.size() * sizeof(entries[0]));
  auto it = stateIndex.find(key);
  if (it != stateIndex.end())
    return it->second;
  State st;
  std::vector<uint32_t> accepted;
  bool allDone = true;
  for (auto [lexeme, r] : entries) {
    if (rx.nullable(r))
      accepted.push_back(lexeme);
    if (r != kEmpty)
      allDone = false;
  }
  std::string setKey(reinterpret_cast<const char *>(accepted.data()), accepted.size() * sizeof(uint32_t));
  auto [setIt, inserted] = acceptSetIndex.emplace(setKey, static_cast<uint32_t>(acceptSets.size()));
  if (inserted)
    acceptSets.push_back(accepted);
  st.acceptSet = setIt->second;
  st.entries = std::move(entries);
  LexState id = static_cast<LexState>(states.size());
  states.push_back(std::move(st));
  flags.push_back(static_cast<uint8_t>((accepted.empty() ? 0 : kAccepting) | (allDone ? kMustEnd : 0)));
  table.insert(table.end(), numClasses, -1);
  stateIndex.emplace(std::move(key), id);
  return id;
}

LexState Lexer::start(const std::vector<uint32_t> &allowed) {
  if (allowed.empty())
    return kEndLex;
  std::string key(reinterpret_cast<const char *>(allowed.data()), allowed.size() * sizeof(uint32_t));
  auto it = startIndex.find(key);
  if (it != startIndex.end())
    return it->second;
  std::vector<std::pair<uint32_t, RegexId>> entries;
  for (uint32_t lexeme : allowed)
    if (rx.isLive(lexemes[lexeme]))
      entries.push_back({lexeme, lexemes[lexeme]});
  LexState s = intern(std::move(entries));
  startIndex.emplace(std::move(key), s);
  return s;
}

LexState Lexer::computeNext(LexState s, uint8_t b) {
  uint8_t cls = classOf[b];
  uint8_t rep = representative[cls];
  std::vector<std::pair<uint32_t, RegexId>> next;
  // Copy: interning may reallocate `states`.
  std::vector<std::pair<uint32_t, RegexId>> current = states[s].entries;
  for (auto [lexeme, r] : current) {
    RegexId d = rx.derivative(r, rep);
    if (rx.isLive(d))
      next.push_back({lexeme, d});
  }
  LexState n = intern(std::move(next));
  table[static_cast<size_t>(s) * numClasses + cls] = n;
  return n;
}

} // namespace dec::cons
