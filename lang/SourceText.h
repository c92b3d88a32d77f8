//===- SourceText.h - A source buffer as ANTLR sees it ---------------------------*- C++ -*-===//
//
// ANTLR's C++ runtime works on UTF-32 code points and reports token positions as code
// point indices; diagnostics and llvm::SourceMgr work on bytes.  SourceText holds both
// views of one buffer and translates between them.  It also owns the checks that must
// happen before ANTLR sees the bytes at all: ANTLR's own UTF-8 decoder throws on
// malformed input, so the front end validates UTF-8 itself and reports the first bad byte.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_SOURCETEXT_H
#define DEC_LANG_SOURCETEXT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace antlr4 {
class Token;
}

namespace dec::lang {

class SourceText {
public:
  /// Decodes `bytes` (which must stay alive).  On malformed UTF-8 returns nullopt and sets
  /// `badOffset` to the byte offset of the first invalid sequence.
  static std::optional<SourceText> decode(llvm::StringRef bytes, size_t &badOffset);

  llvm::StringRef getBytes() const { return bytes; }
  const std::u32string &getCodePoints() const { return codePoints; }

  /// The byte offset of code point `index` (index == size() gives the end of the buffer).
  size_t byteOffset(size_t index) const;
  llvm::SMLoc locAtByte(size_t offset) const {
    return llvm::SMLoc::getFromPointer(bytes.data() + std::min(offset, bytes.size()));
  }

  /// A token's bytes and positions.  Tokens that span nothing (EOF, tokens conjured by
  /// error recovery) get an empty range at their start.
  llvm::StringRef text(const antlr4::Token *token) const;
  llvm::SMLoc start(const antlr4::Token *token) const;
  llvm::SMLoc end(const antlr4::Token *token) const;
  llvm::SMRange range(const antlr4::Token *token) const { return {start(token), end(token)}; }

private:
  llvm::StringRef bytes;
  std::u32string codePoints;
  /// byteOffsets[i] is the offset of codePoints[i]; empty when the text is pure ASCII
  /// (then the two indices agree).
  std::vector<uint32_t> byteOffsets;
};

} // namespace dec::lang

#endif // DEC_LANG_SOURCETEXT_H
