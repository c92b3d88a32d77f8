//===- BPE.cpp - The byte-level BPE model of tokenizer.json ---------------===//

#include "runtime/tokenizer/BPE.h"

#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/JsonUtil.h"
#include "runtime/tokenizer/ScratchBuffer.h"

#include <algorithm>
#include <cstring>

namespace dec {

using namespace json_util;

//===----------------------------------------------------------------------===//
// MergeTable
//===----------------------------------------------------------------------===//

size_t MergeTable::slotFor(uint64_t key) const {
  size_t mask = slots.size() - 1;
  size_t index = hashKey(key) & mask;
  while (slots[index].key != key && slots[index].key != kEmpty)
    index = (index + 1) & mask;
  return index;
}

void MergeTable::reserve(size_t wanted) {
  // Load factor <= 3/4: the table is large (280k merges for Llama-3), and
  // a smaller one stays in cache better than short probe runs would gain.
  size_t capacity = 16;
  while (3 * capacity < 4 * wanted)
    capacity *= 2;
  if (capacity <= slots.size())
    return;
  std::vector<Slot> old = std::move(slots);
  slots.assign(capacity, Slot{});
  for (const Slot &slot : old)
    if (slot.key != kEmpty)
      slots[slotFor(slot.key)] = slot;
}

void MergeTable::grow() { reserve(std::max<size_t>(count + 1, slots.size())); }

void MergeTable::insertOrAssign(int32_t left, int32_t right, Merge merge) {
  if (4 * (count + 1) > 3 * slots.size())
    grow();
  uint64_t key = keyOf(left, right);
  Slot &slot = slots[slotFor(key)];
  if (slot.key == kEmpty)
    ++count;
  slot.key = key;
  slot.merge = merge;
}

const MergeTable::Merge *MergeTable::find(int32_t left, int32_t right) const {
  if (slots.empty())
    return nullptr;
  const Slot &slot = slots[slotFor(keyOf(left, right))];
  return slot.key == kEmpty ? nullptr : &slot.merge;
}

//===----------------------------------------------------------------------===//
// TokenLookup
//===----------------------------------------------------------------------===//

uint64_t TokenLookup::hashBytes(std::string_view bytes) {
  // Tokens are short: mix 8 bytes at a time, then finalize.
  uint64_t hash = 0x9E3779B97F4A7C15ULL ^ bytes.size();
  size_t pos = 0;
  for (; pos + 8 <= bytes.size(); pos += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + pos, 8);
    hash = (hash ^ word) * 0xff51afd7ed558ccdULL;
    hash ^= hash >> 32;
  }
  uint64_t tail = 0;
  if (pos < bytes.size())
    std::memcpy(&tail, bytes.data() + pos, bytes.size() - pos);
  return mixBits(hash ^ tail);
}

size_t TokenLookup::slotFor(std::string_view bytes, uint64_t hash) const {
  size_t mask = slots.size() - 1;
  uint32_t shortHash = static_cast<uint32_t>(hash >> 32);
  for (size_t index = hash & mask;; index = (index + 1) & mask) {
    const Slot &slot = slots[index];
    if (slot.id < 0 || (slot.hash == shortHash && keyOf(slot) == bytes))
      return index;
  }
}

void TokenLookup::reserve(size_t wanted) {
  size_t capacity = 16;
  while (capacity < 2 * wanted)
    capacity *= 2; // load factor <= 1/2
  if (capacity <= slots.size())
    return;
  std::vector<Slot> old = std::move(slots);
  slots.assign(capacity, Slot{});
  for (const Slot &slot : old) {
    if (slot.id < 0)
      continue;
    std::string_view key = keyOf(slot);
    slots[slotFor(key, hashBytes(key))] = slot;
  }
}

bool TokenLookup::insert(std::string_view bytes, int32_t id) {
  if (2 * (count + 1) > slots.size())
    reserve(std::max<size_t>(count + 1, slots.size()));
  uint64_t hash = hashBytes(bytes);
  Slot &slot = slots[slotFor(bytes, hash)];
  if (slot.id >= 0)
    return false;
  slot = {static_cast<uint32_t>(hash >> 32), id, static_cast<uint32_t>(keys.size()),
          static_cast<uint32_t>(bytes.size())};
  keys.append(bytes);
  ++count;
  return true;
}

int32_t TokenLookup::find(std::string_view bytes, uint64_t hash) const {
  if (slots.empty())
    return -1;
  return slots[slotFor(bytes, hash)].id;
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

namespace {

void requireNullOrEmptyString(const Json &model, const char *key) {
  const Json *member = findMember(model, key);
  if (!member || member->is_null() ||
      (member->is_string() && member->get_ref<const std::string &>().empty()))
    return;
  fail(std::string("model.") + key + " must be null (byte-level BPE uses none), not " +
       (member->is_string() ? quote(member->get_ref<const std::string &>())
                            : describeType(*member)));
}

} // namespace

std::unique_ptr<BPEModel> BPEModel::fromJSON(const Json &config, const VocabEntries &vocab) {
  requireObject(config, "model");
  const std::string &type = componentType(config, "model");
  if (type != "BPE")
    fail("model type " + quote(type) + " is not supported (only byte-level BPE)");

  // Options that change the output of BPE and that byte-level BPE does not use.
  if (const Json *dropout = findMember(config, "dropout");
      dropout && !dropout->is_null() && !(dropout->is_number() && dropout->get<double>() == 0.0))
    fail("model.dropout must be null (BPE dropout is a training-time option), not " +
         dropout->dump());
  if (!isAbsent(config, "unk_token"))
    fail("model.unk_token must be null: byte-level BPE has a token for every byte");
  if (optionalBool(config, "byte_fallback", false, "model"))
    fail("model.byte_fallback is not supported (only byte-level BPE)");
  requireNullOrEmptyString(config, "continuing_subword_prefix");
  requireNullOrEmptyString(config, "end_of_word_suffix");

  auto model = std::unique_ptr<BPEModel>(new BPEModel());
  model->ignoreMerges = optionalBool(config, "ignore_merges", false, "model");
  model->loadVocab(requireMember(config, "vocab", "model"), vocab);
  model->loadMerges(requireMember(config, "merges", "model"));
  return model;
}

void BPEModel::loadVocab(const Json &vocabMember, const VocabEntries &vocab) {
  requireObject(vocabMember, "model.vocab");
  if (vocab.empty())
    fail("model.vocab is empty");

  int32_t maxId = 0;
  for (const auto &[spelling, id] : vocab) {
    if (!isIdInRange(id, kTokenIdLimit)) // fails with a message
      requireId(id, "model.vocab[" + quote(spelling) + "]", kTokenIdLimit);
    maxId = std::max(maxId, id.get<int32_t>());
  }

  tokenBytes.resize(size_t(maxId) + 1);
  hasToken.assign(size_t(maxId) + 1, false);
  std::vector<const std::string *> spellings(size_t(maxId) + 1, nullptr);
  std::vector<int32_t> inByteAlphabet;
  inByteAlphabet.reserve(vocab.size());
  for (const auto &[spelling, idValue] : vocab) {
    int32_t id = idValue.get<int32_t>();
    if (hasToken[id])
      fail("model.vocab: id " + std::to_string(id) + " is used by both " + quote(*spellings[id]) +
           " and " + quote(spelling));
    hasToken[id] = true;
    spellings[id] = &spelling;
    if (byte_level::decodeInto(spelling, tokenBytes[id])) {
      inByteAlphabet.push_back(id);
    } else {
      tokenBytes[id] = spelling;
      if (!idByOtherSpelling.emplace(spelling, id).second)
        fail("model.vocab: token " + quote(spelling) + " appears twice");
    }
  }
  idByBytes.reserve(inByteAlphabet.size());
  for (int32_t id : inByteAlphabet)
    if (!idByBytes.insert(tokenBytes[id], id))
      fail("model.vocab: token " + quote(*spellings[id]) + " appears twice");
  for (unsigned b = 0; b < 256; ++b) {
    char byte = static_cast<char>(b);
    byteIds[b] = idByBytes.find(std::string_view(&byte, 1));
  }
}

namespace {

/// Splits merges[index] into its two tokens. Returns false for a "#version"
/// header line, which the legacy "a b" form (convert_merges_to_hashmap) skips
/// without giving it a rank; sets `error` for a malformed entry.
bool splitMerge(const Json &entry, size_t index, std::string_view &left, std::string_view &right,
                std::string &error) {
  auto path = [index] { return "model.merges[" + std::to_string(index) + "]"; };
  if (entry.is_string()) {
    std::string_view line = entry.get_ref<const std::string &>();
    if (line.substr(0, 8) == "#version")
      return false;
    size_t space = line.find(' ');
    if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos) {
      error = path() + ": " + quote(line) + " is not two tokens separated by one space";
      return false;
    }
    left = line.substr(0, space);
    right = line.substr(space + 1);
    return true;
  }
  if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string()) {
    left = entry[0].get_ref<const std::string &>();
    right = entry[1].get_ref<const std::string &>();
    return true;
  }
  error = path() + " must be a string \"a b\" or a pair [\"a\", \"b\"], not " + entry.dump();
  return false;
}

} // namespace

void BPEModel::loadMerges(const Json &mergeList) {
  requireArray(mergeList, "model.merges");
  merges.reserve(mergeList.size());

  // Resolving a merge takes three vocabulary lookups that mostly miss the
  // cache, so merges are resolved in batches: decode and hash a batch and
  // prefetch its slots, then look them up.
  struct PendingMerge {
    size_t index;
    std::string_view left, right;
    bool inByteAlphabet; ///< both halves (and so the merged token) are
    std::string bytes;   ///< left bytes + right bytes, when inByteAlphabet
    size_t leftLength;
    uint64_t leftHash, rightHash, mergedHash;
  };
  constexpr size_t kBatchSize = 32;
  std::vector<PendingMerge> batch(kBatchSize);
  size_t pending = 0;
  int32_t rank = 0;
  std::string rightBytes;

  auto resolveBatch = [&] {
    for (size_t k = 0; k < pending; ++k) {
      const PendingMerge &merge = batch[k];
      auto path = [&] { return "model.merges[" + std::to_string(merge.index) + "]"; };
      std::string_view bytes = merge.bytes;
      int32_t leftId = merge.inByteAlphabet
                           ? idByBytes.find(bytes.substr(0, merge.leftLength), merge.leftHash)
                           : idOfVocabString(merge.left).value_or(-1);
      if (leftId < 0)
        fail(path() + ": unknown token " + quote(merge.left));
      int32_t rightId = merge.inByteAlphabet
                            ? idByBytes.find(bytes.substr(merge.leftLength), merge.rightHash)
                            : idOfVocabString(merge.right).value_or(-1);
      if (rightId < 0)
        fail(path() + ": unknown token " + quote(merge.right));
      std::string mergedSpelling;
      int32_t mergedId =
          merge.inByteAlphabet
              ? idByBytes.find(bytes, merge.mergedHash)
              : idOfVocabString(mergedSpelling.assign(merge.left).append(merge.right)).value_or(-1);
      if (mergedId < 0)
        fail(path() + ": merged token " + quote(std::string(merge.left).append(merge.right)) +
             " is not in the vocabulary");
      merges.insertOrAssign(leftId, rightId, {rank++, mergedId});
    }
    pending = 0;
  };

  std::string error;
  for (size_t i = 0; i < mergeList.size(); ++i) {
    PendingMerge &merge = batch[pending];
    if (!splitMerge(mergeList[i], i, merge.left, merge.right, error)) {
      if (error.empty())
        continue;     // "#version"
      resolveBatch(); // report the first bad merge in file order
      fail(error);
    }
    merge.index = i;
    merge.inByteAlphabet = byte_level::decodeInto(merge.left, merge.bytes) &&
                           byte_level::decodeInto(merge.right, rightBytes);
    if (merge.inByteAlphabet) {
      merge.leftLength = merge.bytes.size();
      merge.bytes += rightBytes;
      std::string_view bytes = merge.bytes;
      merge.leftHash = TokenLookup::hashBytes(bytes.substr(0, merge.leftLength));
      merge.rightHash = TokenLookup::hashBytes(bytes.substr(merge.leftLength));
      merge.mergedHash = TokenLookup::hashBytes(bytes);
      idByBytes.prefetch(merge.leftHash);
      idByBytes.prefetch(merge.rightHash);
      idByBytes.prefetch(merge.mergedHash);
    }
    if (++pending == kBatchSize)
      resolveBatch();
  }
  resolveBatch();
}

std::optional<int32_t> BPEModel::idOfBytes(std::string_view bytes) const {
  int32_t id = idByBytes.find(bytes);
  if (id < 0)
    return std::nullopt;
  return id;
}

std::optional<int32_t> BPEModel::idOfVocabString(std::string_view token) const {
  if (std::optional<std::string> bytes = byte_level::decode(token))
    return idOfBytes(*bytes);
  auto it = idByOtherSpelling.find(std::string(token));
  if (it == idByOtherSpelling.end())
    return std::nullopt;
  return it->second;
}

int BPEModel::numBytesWithoutToken() const {
  return static_cast<int>(std::count(byteIds.begin(), byteIds.end(), -1));
}

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

namespace {

/// A node of the doubly linked list of symbols, as in word.rs.
struct Symbol {
  int32_t id;
  int32_t prev; ///< -1 at the start
  int32_t next; ///< -1 at the end
  bool removed; ///< merged into its left neighbour
};

/// A possible merge of the symbol at `pos` with its right neighbour.
struct Candidate {
  int32_t rank;
  int32_t pos;
  int32_t mergedId;
};

/// Orders the heap so that the lowest rank, then the leftmost position, is on
/// top: the `Ord` of word.rs's `Merge`.
struct ComesLater {
  bool operator()(const Candidate &a, const Candidate &b) const {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  }
};

struct MergeScratch {
  std::vector<Symbol> symbols;
  std::vector<Candidate> queue;
};

MergeScratch &mergeScratch() {
  thread_local MergeScratch scratch;
  return scratch;
}

} // namespace

void BPEModel::mergePiece(std::string_view piece, std::vector<int32_t> &ids) const {
  MergeScratch &scratch = mergeScratch();
  std::vector<Symbol> &symbols = scratch.symbols;
  std::vector<Candidate> &queue = scratch.queue;
  symbols.clear();
  queue.clear();

  for (unsigned char byte : piece) {
    // Without an unk token HF drops characters that have no token.
    if (byteIds[byte] < 0)
      continue;
    int32_t index = static_cast<int32_t>(symbols.size());
    if (index > 0)
      symbols.back().next = index;
    symbols.push_back({byteIds[byte], index - 1, -1, false});
  }

  auto addCandidate = [&](int32_t pos) {
    const Symbol &left = symbols[pos];
    if (const MergeTable::Merge *merge = merges.find(left.id, symbols[left.next].id)) {
      queue.push_back({merge->rank, pos, merge->mergedId});
      std::push_heap(queue.begin(), queue.end(), ComesLater());
    }
  };
  // The merge table is megabytes, so nearly every lookup misses the cache;
  // prefetching a few pairs ahead overlaps those misses.
  constexpr int32_t kPrefetchDistance = 8;
  int32_t pairs = static_cast<int32_t>(symbols.size()) - 1;
  for (int32_t pos = 0; pos < pairs && pos < kPrefetchDistance; ++pos)
    merges.prefetch(symbols[pos].id, symbols[pos + 1].id);
  for (int32_t pos = 0; pos < pairs; ++pos) {
    if (pos + kPrefetchDistance < pairs)
      merges.prefetch(symbols[pos + kPrefetchDistance].id, symbols[pos + kPrefetchDistance + 1].id);
    addCandidate(pos);
  }

  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end(), ComesLater());
    Candidate top = queue.back();
    queue.pop_back();
    Symbol &left = symbols[top.pos];
    if (left.removed || left.next < 0)
      continue;
    Symbol &right = symbols[left.next];
    // Skip entries made stale by an earlier merge; like word.rs, compare the
    // merged id that the current pair would produce.
    const MergeTable::Merge *current = merges.find(left.id, right.id);
    if (!current || current->mergedId != top.mergedId)
      continue;

    left.id = top.mergedId;
    left.next = right.next;
    right.removed = true;
    if (left.next >= 0)
      symbols[left.next].prev = top.pos;
    if (left.prev >= 0)
      addCandidate(left.prev);
    if (left.next >= 0)
      addCandidate(top.pos);
  }

  // The first symbol is never the right side of a merge, so it heads the list.
  for (int32_t pos = symbols.empty() ? -1 : 0; pos >= 0; pos = symbols[pos].next)
    ids.push_back(symbols[pos].id);
  releaseIfLarge(symbols);
  releaseIfLarge(queue);
}

void BPEModel::encodeByMerging(std::string_view piece, std::vector<int32_t> &ids) const {
  if (piece.empty())
    return;
  if (piece.size() == 1) {
    if (int32_t id = byteIds[static_cast<unsigned char>(piece[0])]; id >= 0)
      ids.push_back(id);
    return;
  }
  if (piece.size() < PieceCache::kMaxPieceLength && cache.lookup(piece, ids))
    return;
  size_t first = ids.size();
  mergePiece(piece, ids);
  cache.insert(piece, ids.data() + first, ids.size() - first);
}

namespace {
std::vector<uint64_t> &hashScratch() {
  thread_local std::vector<uint64_t> hashes;
  return hashes;
}
} // namespace

void BPEModel::encode(const std::vector<std::string_view> &pieces,
                      std::vector<int32_t> &ids) const {
  if (!ignoreMerges) {
    for (std::string_view piece : pieces)
      encodeByMerging(piece, ids);
    return;
  }
  // `ignore_merges` (Llama-3): a pre-token that is itself a token is used as
  // is, even when the merges would split it differently. Most pre-tokens are,
  // so this lookup is the hot path: hash everything first, then prefetch a few
  // pieces ahead so that the cache misses overlap.
  constexpr size_t kPrefetchDistance = 8;
  std::vector<uint64_t> &hashes = hashScratch();
  hashes.resize(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i)
    hashes[i] = TokenLookup::hashBytes(pieces[i]);
  for (size_t i = 0; i < pieces.size() && i < kPrefetchDistance; ++i)
    idByBytes.prefetch(hashes[i]);
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i + kPrefetchDistance < pieces.size())
      idByBytes.prefetch(hashes[i + kPrefetchDistance]);
    if (int32_t id = idByBytes.find(pieces[i], hashes[i]); id >= 0)
      ids.push_back(id);
    else
      encodeByMerging(pieces[i], ids);
  }
  releaseIfLarge(hashes);
}

} // namespace dec
