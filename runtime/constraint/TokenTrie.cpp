//===- TokenTrie.cpp - Flattened trie of token byte strings ---------------===//
#include "runtime/constraint/TokenTrie.h"

#include <algorithm>

namespace dec::cons {

void TokenTrie::build(std::vector<std::pair<std::string_view, int32_t>> tokens) {
  tokens.erase(std::remove_if(tokens.begin(), tokens.end(), [](const auto &t) { return t.first.empty(); }),
               tokens.end());
  std::sort(tokens.begin(), tokens.end());
  nodes_.clear();
  duplicates_.clear();
  nodes_.push_back({0, 0, 0, -1, 0});
  // `path[d]` is the node index of the current prefix of length d.
  std::vector<uint32_t> path{0};
  std::string_view previous;
  for (const auto &[bytes, id] : tokens) {
    if (bytes == previous && nodes_[path.back()].token >= 0) {
      duplicates_.push_back({path.back(), id});
      continue;
    }
    size_t common = 0;
    while (common < previous.size() && common < bytes.size() && previous[common] == bytes[common])
      ++common;
    // Close the nodes of the previous token below the common prefix.
    while (path.size() > common + 1) {
      nodes_[path.back()].end = static_cast<uint32_t>(nodes_.size());
      path.pop_back();
    }
    for (size_t d = common; d < bytes.size(); ++d) {
      path.push_back(static_cast<uint32_t>(nodes_.size()));
      nodes_.push_back({static_cast<uint8_t>(bytes[d]), 0, static_cast<uint16_t>(d + 1), -1, 0});
    }
    nodes_[path.back()].token = id;
    maxDepth_ = std::max(maxDepth_, bytes.size());
    previous = bytes;
  }
  while (!path.empty()) {
    nodes_[path.back()].end = static_cast<uint32_t>(nodes_.size());
    path.pop_back();
  }
}

std::pair<uint32_t, size_t> TokenTrie::longestPrefixToken(std::string_view bytes) const {
  std::pair<uint32_t, size_t> best{0, 0};
  uint32_t node = 0;
  for (size_t d = 0; d < bytes.size(); ++d) {
    // Children of `node` are the nodes of depth d+1 in (node, end).
    uint32_t child = node + 1, found = 0;
    while (child < nodes_[node].end) {
      if (nodes_[child].byte == static_cast<uint8_t>(bytes[d])) {
        found = child;
        break;
      }
      child = nodes_[child].end;
    }
    if (!found)
      break;
    node = found;
    if (nodes_[node].token >= 0)
      best = {node, d + 1};
  }
  return best;
}

} // namespace dec::cons
