//===- BPE.h - The byte-level BPE model of tokenizer.json -------*- C++ -*-===//
//
// Vocabulary and merges of a `"model": {"type": "BPE"}` object, re-keyed from
// the byte-level alphabet to raw bytes at load time, and the merge loop of HF's
// `Word::merge_all` (tokenizers/src/models/bpe/word.rs): repeatedly merge the
// adjacent pair with the lowest merge rank, leftmost first, using a priority
// queue over a linked list of symbols, O(n log n) per pre-token.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_TOKENIZER_BPE_H
#define DEC_RUNTIME_TOKENIZER_BPE_H

#include "runtime/tokenizer/PieceCache.h"
#include "runtime/tokenizer/TokenizerDocument.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dec {

/// MurmurHash3's 64-bit finalizer, for the open-addressing tables below.
inline uint64_t mixBits(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

/// (left id, right id) -> (rank, merged id), open addressing. The merge loop
/// does one lookup per candidate pair, so this is the hottest table.
class MergeTable {
public:
  struct Merge {
    int32_t rank;
    int32_t mergedId;
  };

  void reserve(size_t count);
  /// Inserts or, like HF's HashMap collect, overwrites: a repeated pair keeps
  /// its last rank.
  void insertOrAssign(int32_t left, int32_t right, Merge merge);
  const Merge *find(int32_t left, int32_t right) const;
  /// Starts loading the slot where find(left, right) begins probing.
  void prefetch(int32_t left, int32_t right) const {
    if (!slots.empty())
      __builtin_prefetch(&slots[hashKey(keyOf(left, right)) & (slots.size() - 1)]);
  }
  size_t size() const { return count; }

private:
  struct Slot {
    uint64_t key = kEmpty;
    Merge merge{};
  };
  static constexpr uint64_t kEmpty = ~uint64_t(0); // ids are < 2^31
  static uint64_t keyOf(int32_t left, int32_t right) {
    return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
  }
  /// Ids are small and dense, so the raw key would cluster.
  static uint64_t hashKey(uint64_t key) { return mixBits(key); }
  size_t slotFor(uint64_t key) const;
  void grow();

  std::vector<Slot> slots;
  size_t count = 0;
};

/// Raw bytes -> id over the model's tokens, open addressing. Each slot holds
/// the id and where the token's bytes are in a contiguous copy, plus 32 bits
/// of the hash: a lookup touches one slot and (on a hash hit) one key, which
/// matters because every pre-token of a Llama-3 text is looked up here.
class TokenLookup {
public:
  void reserve(size_t count);
  /// Adds token `id` with these bytes; false when the bytes are present.
  bool insert(std::string_view bytes, int32_t id);
  /// The id of the token with exactly these bytes, or -1; `hash` is
  /// hashBytes(bytes).
  int32_t find(std::string_view bytes, uint64_t hash) const;
  int32_t find(std::string_view bytes) const { return find(bytes, hashBytes(bytes)); }
  /// Starts loading the slot where find(bytes, hash) begins probing.
  void prefetch(uint64_t hash) const {
    if (!slots.empty())
      __builtin_prefetch(&slots[hash & (slots.size() - 1)]);
  }
  static uint64_t hashBytes(std::string_view bytes);

private:
  struct Slot {
    uint32_t hash = 0;
    int32_t id = -1; ///< -1: empty
    uint32_t keyOffset = 0;
    uint32_t keyLength = 0;
  };
  size_t slotFor(std::string_view bytes, uint64_t hash) const;
  std::string_view keyOf(const Slot &slot) const {
    return std::string_view(keys).substr(slot.keyOffset, slot.keyLength);
  }

  std::vector<Slot> slots;
  std::string keys;
  size_t count = 0;
};

class BPEModel {
public:
  /// Builds the model from the `model` member of tokenizer.json, whose vocab
  /// members TokenizerDocument delivers separately. Throws
  /// json_util::LoadError.
  static std::unique_ptr<BPEModel> fromJSON(const nlohmann::json &config,
                                            const VocabEntries &vocab);

  /// Appends the ids of the pre-tokens (raw bytes) in order.
  void encode(const std::vector<std::string_view> &pieces, std::vector<int32_t> &ids) const;

  /// The id whose byte-level spelling is `token` (e.g. "Ġthe").
  std::optional<int32_t> idOfVocabString(std::string_view token) const;
  /// The id that stands for exactly these raw bytes.
  std::optional<int32_t> idOfBytes(std::string_view bytes) const;

  /// Ids are in [0, idLimit()); some may be unused.
  int32_t idLimit() const { return static_cast<int32_t>(tokenBytes.size()); }
  bool hasId(int32_t id) const { return id >= 0 && id < idLimit() && hasToken[id]; }
  /// The bytes token `id` stands for; for a vocabulary string outside the
  /// byte-level alphabet, its UTF-8 (what HF's ByteLevel decoder falls back to).
  const std::string &bytesOf(int32_t id) const { return tokenBytes[id]; }
  size_t numMerges() const { return merges.size(); }
  /// Bytes with no single-byte token: HF silently drops them when encoding.
  int numBytesWithoutToken() const;

private:
  BPEModel() = default;
  void loadVocab(const nlohmann::json &vocabMember, const VocabEntries &vocab);
  void loadMerges(const nlohmann::json &mergeList);
  /// Encodes a piece that is not a token itself (or need not be checked).
  void encodeByMerging(std::string_view piece, std::vector<int32_t> &ids) const;
  /// Runs the merge loop on `piece` and appends the resulting ids.
  void mergePiece(std::string_view piece, std::vector<int32_t> &ids) const;

  std::vector<std::string> tokenBytes;
  std::vector<bool> hasToken;
  /// Tokens spelled in the byte-level alphabet, by their bytes.
  TokenLookup idByBytes;
  /// Tokens whose spelling is not in the byte-level alphabet; no pre-token can
  /// produce them, but tokenId() and merges may name them.
  std::unordered_map<std::string, int32_t> idByOtherSpelling;
  std::array<int32_t, 256> byteIds{};
  MergeTable merges;
  bool ignoreMerges = false;
  mutable PieceCache cache;
};

} // namespace dec

#endif // DEC_RUNTIME_TOKENIZER_BPE_H
