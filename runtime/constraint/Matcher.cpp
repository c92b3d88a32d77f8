//===- Matcher.cpp - Per-sequence state of a constraint -------------------===//
#include "runtime/constraint/Matcher.h"

#include "runtime/constraint/TokenSplit.h"

#include <cstring>

namespace dec::cons {

Matcher::Matcher(std::shared_ptr<const Constraint> constraint) : c(std::move(constraint)) {
  std::lock_guard<std::mutex> lock(c->mutex);
  parser = std::make_unique<Parser>(*c->grammar, *c->lexer);
  history.push_back({parser->root(), parser->lexStart(parser->root()), true});
}

Matcher::~Matcher() = default;

void Matcher::reset() {
  std::lock_guard<std::mutex> lock(c->mutex);
  history.resize(1);
}

bool Matcher::step(Config &cfg, uint8_t byte) {
  Lexer &lexer = *c->lexer;
  LexState n = lexer.next(cfg.lex, byte);
  if (n == kDeadLex) {
    // Greedy lexing: the byte ends the lexemes completed so far, if any, and
    // starts the next ones.
    if (!lexer.accepting(cfg.lex))
      return false;
    RowId r = parser->child(cfg.row, cfg.lex);
    if (r == kDeadRow)
      return false;
    n = lexer.next(parser->lexStart(r), byte);
    if (n == kDeadLex)
      return false;
    cfg.row = r;
  }
  if (lexer.mustEnd(n)) {
    RowId r = parser->child(cfg.row, n);
    if (r == kDeadRow)
      return false;
    cfg.row = r;
    cfg.lex = parser->lexStart(r);
    cfg.atStart = true;
  } else {
    cfg.lex = n;
    cfg.atStart = false;
  }
  return true;
}

bool Matcher::runBytes(Config &cfg, std::string_view bytes) {
  for (char ch : bytes)
    if (!step(cfg, static_cast<uint8_t>(ch)))
      return false;
  return true;
}

bool Matcher::accepting(const Config &cfg) {
  if (cfg.finished)
    return false;
  if (cfg.atStart)
    return parser->accepting(cfg.row);
  if (!c->lexer->accepting(cfg.lex))
    return false;
  RowId r = parser->child(cfg.row, cfg.lex);
  return r != kDeadRow && parser->accepting(r);
}

bool Matcher::tokenAllowed(const Config &cfg, int32_t token, Config *after) {
  if (cfg.finished)
    return false;
  const Vocabulary &vocab = c->vocabulary();
  if (vocab.isEos(token)) {
    if (!accepting(cfg))
      return false;
    if (after) {
      *after = cfg;
      after->finished = true;
    }
    return true;
  }
  if (!vocab.isText(token))
    return false;
  Config x = cfg;
  if (!runBytes(x, vocab.tokenBytes(token)))
    return false;
  if (after)
    *after = x;
  return true;
}

bool Matcher::accepts(int32_t token) {
  std::lock_guard<std::mutex> lock(c->mutex);
  return tokenAllowed(history.back(), token, nullptr);
}

bool Matcher::advance(int32_t token) {
  std::lock_guard<std::mutex> lock(c->mutex);
  Config after;
  if (!tokenAllowed(history.back(), token, &after))
    return false;
  history.push_back(after);
  return true;
}

bool Matcher::rollback(size_t n) {
  std::lock_guard<std::mutex> lock(c->mutex);
  if (n >= history.size())
    return false;
  history.resize(history.size() - n);
  return true;
}

bool Matcher::isAccepting() {
  std::lock_guard<std::mutex> lock(c->mutex);
  return accepting(history.back());
}

bool Matcher::acceptsBytes(std::string_view bytes) {
  std::lock_guard<std::mutex> lock(c->mutex);
  Config x = history.back();
  return !x.finished && runBytes(x, bytes);
}

bool Matcher::advanceBytes(std::string_view bytes) {
  std::lock_guard<std::mutex> lock(c->mutex);
  Config x = history.back();
  if (x.finished || !runBytes(x, bytes))
    return false;
  history.push_back(x);
  return true;
}

void Matcher::markToken(const TokenTrie &trie, uint32_t node, uint32_t *words) {
  int32_t t = trie.nodes()[node].token;
  if (t < 0)
    return;
  words[t >> 5] |= 1u << (t & 31);
  for (auto [dupNode, id] : trie.duplicates())
    if (dupNode == node)
      words[id >> 5] |= 1u << (id & 31);
}

void Matcher::walkBoundary(const TokenTrie &trie, uint32_t node, Config start, uint32_t *words) {
  const std::vector<TrieNode> &nodes = trie.nodes();
  if (!step(start, nodes[node].byte))
    return;
  markToken(trie, node, words);
  if (walkStack.size() <= trie.maxDepth())
    walkStack.resize(trie.maxDepth() + 1);
  walkStack[nodes[node].depth] = start;
  uint32_t end = nodes[node].end;
  for (uint32_t i = node + 1; i < end;) {
    const TrieNode &n = nodes[i];
    Config x = walkStack[n.depth - 1];
    if (!step(x, n.byte)) {
      i = n.end;
      continue;
    }
    walkStack[n.depth] = x;
    markToken(trie, i, words);
    ++i;
  }
}

void Matcher::fillMask(uint32_t *words) {
  std::lock_guard<std::mutex> lock(c->mutex);
  const Vocabulary &vocab = c->vocabulary();
  size_t numWords = vocab.maskWords();
  const Config cfg = history.back();
  if (cfg.finished) {
    std::memset(words, 0, numWords * 4);
    return;
  }
  for (const CachedMask &m : maskCache)
    if (m.row == cfg.row && m.lex == cfg.lex && m.atStart == cfg.atStart) {
      std::memcpy(words, m.words.data(), numWords * 4);
      return;
    }
  const TokenSplit &split = c->splits->get(cfg.lex);
  split.fillInside(words, numWords);
  for (const TokenSplit::Boundary &b : split.boundaries)
    walkBoundary(*split.trie, b.node, Config{cfg.row, b.before, false}, words);
  if (c->opts.allowEos && accepting(cfg))
    for (int32_t eos : vocab.eosTokens())
      words[eos >> 5] |= 1u << (eos & 31);
  CachedMask &slot = maskCache[nextCacheSlot++ % 4];
  slot.row = cfg.row;
  slot.lex = cfg.lex;
  slot.atStart = cfg.atStart;
  slot.words.assign(words, words + numWords);
}

std::string Matcher::forcedBytes() {
  std::lock_guard<std::mutex> lock(c->mutex);
  Config cfg = history.back();
  std::string out;
  while (!cfg.finished && out.size() < 4096 && !accepting(cfg)) {
    int count = 0;
    uint8_t only = 0;
    Config next{};
    for (int b = 0; b < 256 && count < 2; ++b) {
      Config x = cfg;
      if (step(x, static_cast<uint8_t>(b))) {
        ++count;
        only = static_cast<uint8_t>(b);
        next = x;
      }
    }
    if (count != 1)
      break;
    out += static_cast<char>(only);
    cfg = next;
  }
  return out;
}

std::vector<int32_t> Matcher::forcedTokens() {
  std::string bytes = forcedBytes();
  if (bytes.empty())
    return {};
  std::vector<int32_t> tokens = c->vocabulary().tokenize(bytes);
  std::lock_guard<std::mutex> lock(c->mutex);
  Config cfg = history.back();
  Config end = cfg;
  bool complete = runBytes(end, bytes) && accepting(end);
  if (complete) {
    // Forced all the way to the end: nothing else may follow.
    for (int b = 0; b < 256 && complete; ++b) {
      Config x = end;
      if (step(x, static_cast<uint8_t>(b)))
        complete = false;
    }
  }
  // The last token could merge with text that follows the forced bytes.
  if (!complete && !tokens.empty())
    tokens.pop_back();
  std::vector<int32_t> out;
  for (int32_t t : tokens) {
    Config after;
    if (!tokenAllowed(cfg, t, &after))
      break;
    out.push_back(t);
    cfg = after;
  }
  return out;
}

} // namespace dec::cons
