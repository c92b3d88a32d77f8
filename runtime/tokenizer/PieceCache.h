//===- PieceCache.h - Bounded, thread-safe pre-token -> ids cache -*- C++ -*-===//
//
// Text repeats its words, so BPE results are cached per pre-token, as HF does.
// The cache is split into shards with one mutex each so that concurrent
// encodes rarely contend; a full shard is simply cleared, which bounds memory
// and lets the cache follow a changing vocabulary of words cheaply.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_TOKENIZER_PIECECACHE_H
#define DEC_RUNTIME_TOKENIZER_PIECECACHE_H

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dec {

class PieceCache {
public:
  /// Pieces this long or longer are not cached (HF's MAX_LENGTH): they rarely
  /// repeat and would pin a lot of memory.
  static constexpr size_t kMaxPieceLength = 256;

  /// Appends the cached ids of `piece` to `ids`; false on a miss.
  bool lookup(std::string_view piece, std::vector<int32_t> &ids) const {
    Shard &shard = shardFor(piece);
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto it = shard.entries.find(piece);
    if (it == shard.entries.end())
      return false;
    ids.insert(ids.end(), it->second->ids.begin(), it->second->ids.end());
    return true;
  }

  void insert(std::string_view piece, const int32_t *ids, size_t count) {
    if (piece.size() >= kMaxPieceLength)
      return;
    auto entry = std::make_unique<Entry>(Entry{std::string(piece), {ids, ids + count}});
    Shard &shard = shardFor(piece);
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (shard.entries.size() >= kEntriesPerShard)
      shard.entries.clear();
    std::string_view key = entry->piece; // points into the heap-allocated entry
    shard.entries.emplace(key, std::move(entry));
  }

private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kEntriesPerShard = 1024;

  struct Entry {
    std::string piece;
    std::vector<int32_t> ids;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string_view, std::unique_ptr<Entry>> entries;
  };

  Shard &shardFor(std::string_view piece) const {
    return shards[std::hash<std::string_view>{}(piece) % kShards];
  }

  mutable std::array<Shard, kShards> shards;
};

} // namespace dec

#endif // DEC_RUNTIME_TOKENIZER_PIECECACHE_H
