//===- Protocol.cpp - One instance through a constraint, MaskBench style --===//
#include "Protocol.h"

#include "runtime/constraint/Matcher.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <chrono>

namespace dec::maskbench {

std::string snippet(const std::string &s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max))
    out += (c == '\n' ? ' ' : c);
  return s.size() > max ? out + "..." : out;
}

InstanceResult runInstance(const std::shared_ptr<const cons::Constraint> &c, const std::string &instance,
                           std::vector<float> *tbmUs) {
  const cons::Vocabulary &vocab = c->vocabulary();
  std::vector<int32_t> ids = vocab.tokenize(instance);
  std::vector<uint32_t> mask(vocab.maskWords());
  auto bit = [&](int32_t t) { return (mask[t >> 5] >> (t & 31)) & 1; };
  auto micros = [](std::chrono::steady_clock::time_point t0) {
    return static_cast<float>(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  };
  InstanceResult r;
  cons::Matcher m(c);
  size_t at = 0;
  for (; at < ids.size(); ++at) {
    auto t0 = std::chrono::steady_clock::now();
    m.fillMask(mask.data());
    bool allowed = bit(ids[at]);
    bool committed = allowed && m.advance(ids[at]);
    if (tbmUs)
      tbmUs->push_back(micros(t0));
    if (allowed != committed) {
      r.inconsistent = true;
      r.where = "token " + std::to_string(at) + " is in the mask but advance() rejects it";
      return r;
    }
    if (!committed) {
      r.rejected = true;
      const Tokenizer *tok = vocab.tokenizer();
      r.where = "rejected token " + std::to_string(at) + " '" + snippet(vocab.tokenBytes(ids[at]), 20) + "'" +
                (tok ? " after '" + snippet(tok->decode(ids.data(), at), 60) + "'" : "");
      return r;
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  m.fillMask(mask.data());
  bool eos = false;
  for (int32_t e : vocab.eosTokens())
    eos = eos || bit(e);
  if (tbmUs)
    tbmUs->push_back(micros(t0));
  if (eos != m.isAccepting()) {
    r.inconsistent = true;
    r.where = "the mask and isAccepting() disagree about ending";
    return r;
  }
  r.rejected = !eos;
  r.where = eos ? "accepted" : "cannot end";
  return r;
}

} // namespace dec::maskbench
