//===- ScratchBuffer.h - Bounding per-thread scratch vectors ----*- C++ -*-===//
//
// encode() reuses per-thread vectors to avoid allocating per call. They grow
// to the largest input the thread has seen; a server thread must not keep
// megabytes because of one huge request, so after use they are released when
// they have grown past a small bound.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_TOKENIZER_SCRATCHBUFFER_H
#define DEC_RUNTIME_TOKENIZER_SCRATCHBUFFER_H

#include <cstddef>
#include <vector>

namespace dec {

/// Elements a scratch vector may keep between calls.
constexpr size_t kScratchElementsKept = size_t(1) << 16;

template <typename T> void releaseIfLarge(std::vector<T> &buffer) {
  if (buffer.capacity() > kScratchElementsKept)
    std::vector<T>().swap(buffer);
}

} // namespace dec

#endif // DEC_RUNTIME_TOKENIZER_SCRATCHBUFFER_H
