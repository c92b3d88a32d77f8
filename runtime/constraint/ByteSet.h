//===- ByteSet.h - 256-bit sets of bytes ------------------------*- C++ -*-===//
//
// The alphabet of every automaton in the constraint engine is the byte:
// Unicode is handled by spelling characters as UTF-8 byte sequences, so a
// token's bytes can be fed to an automaton one at a time.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_BYTESET_H
#define DEC_RUNTIME_CONSTRAINT_BYTESET_H

#include <cstdint>
#include <cstring>
#include <functional>

namespace dec::cons {

struct ByteSet {
  uint64_t words[4] = {0, 0, 0, 0};

  static ByteSet all() {
    ByteSet s;
    for (uint64_t &w : s.words)
      w = ~uint64_t(0);
    return s;
  }
  static ByteSet single(uint8_t b) {
    ByteSet s;
    s.add(b);
    return s;
  }
  static ByteSet range(uint8_t lo, uint8_t hi) {
    ByteSet s;
    for (unsigned b = lo; b <= hi; ++b)
      s.add(static_cast<uint8_t>(b));
    return s;
  }
  void add(uint8_t b) { words[b >> 6] |= uint64_t(1) << (b & 63); }
  void remove(uint8_t b) { words[b >> 6] &= ~(uint64_t(1) << (b & 63)); }
  bool contains(uint8_t b) const { return (words[b >> 6] >> (b & 63)) & 1; }
  bool empty() const { return !(words[0] | words[1] | words[2] | words[3]); }
  bool isAll() const { return (words[0] & words[1] & words[2] & words[3]) == ~uint64_t(0); }
  int count() const {
    return __builtin_popcountll(words[0]) + __builtin_popcountll(words[1]) +
           __builtin_popcountll(words[2]) + __builtin_popcountll(words[3]);
  }
  /// The smallest member; the set must not be empty.
  uint8_t first() const {
    for (int i = 0; i < 4; ++i)
      if (words[i])
        return static_cast<uint8_t>(i * 64 + __builtin_ctzll(words[i]));
    return 0;
  }
  ByteSet operator|(const ByteSet &o) const {
    ByteSet r;
    for (int i = 0; i < 4; ++i)
      r.words[i] = words[i] | o.words[i];
    return r;
  }
  ByteSet operator&(const ByteSet &o) const {
    ByteSet r;
    for (int i = 0; i < 4; ++i)
      r.words[i] = words[i] & o.words[i];
    return r;
  }
  ByteSet operator~() const {
    ByteSet r;
    for (int i = 0; i < 4; ++i)
      r.words[i] = ~words[i];
    return r;
  }
  bool operator==(const ByteSet &o) const { return std::memcmp(words, o.words, sizeof words) == 0; }
  bool operator!=(const ByteSet &o) const { return !(*this == o); }
};

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_BYTESET_H
