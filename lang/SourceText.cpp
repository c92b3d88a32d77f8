//===- SourceText.cpp - A source buffer as ANTLR sees it -----------------------------===//

#include "lang/SourceText.h"

#include "llvm/Support/ConvertUTF.h"

#include "Token.h"

using namespace dec::lang;

std::optional<SourceText> SourceText::decode(llvm::StringRef bytes, size_t &badOffset) {
  SourceText text;
  text.bytes = bytes;
  text.codePoints.reserve(bytes.size());
  bool ascii = true;
  const auto *data = reinterpret_cast<const llvm::UTF8 *>(bytes.data());
  size_t size = bytes.size();
  for (size_t i = 0; i < size;) {
    if (data[i] < 0x80) {
      if (!ascii)
        text.byteOffsets.push_back(uint32_t(i));
      text.codePoints.push_back(char32_t(data[i]));
      ++i;
      continue;
    }
    unsigned length = llvm::getNumBytesForUTF8(data[i]);
    // isLegalUTF8Sequence rejects overlong forms, surrogates and values above U+10FFFF.
    if (length < 2 || length > 4 || i + length > size ||
        !llvm::isLegalUTF8Sequence(data + i, data + i + length)) {
      badOffset = i;
      return std::nullopt;
    }
    if (ascii) {
      // First non-ASCII character: materialise the offsets seen so far.
      ascii = false;
      text.byteOffsets.reserve(size);
      for (size_t j = 0; j < i; ++j)
        text.byteOffsets.push_back(uint32_t(j));
    }
    const llvm::UTF8 *cursor = data + i;
    llvm::UTF32 codePoint = 0;
    llvm::UTF32 *out = &codePoint;
    llvm::ConvertUTF8toUTF32(&cursor, data + i + length, &out, out + 1, llvm::strictConversion);
    text.byteOffsets.push_back(uint32_t(i));
    text.codePoints.push_back(char32_t(codePoint));
    i += length;
  }
  return text;
}

size_t SourceText::byteOffset(size_t index) const {
  if (index >= codePoints.size())
    return bytes.size();
  return byteOffsets.empty() ? index : byteOffsets[index];
}

llvm::StringRef SourceText::text(const antlr4::Token *token) const {
  size_t begin = byteOffset(token->getStartIndex());
  size_t end = this->end(token).getPointer() - bytes.data();
  return bytes.slice(begin, std::max(begin, end));
}

llvm::SMLoc SourceText::start(const antlr4::Token *token) const {
  return locAtByte(byteOffset(token->getStartIndex()));
}

llvm::SMLoc SourceText::end(const antlr4::Token *token) const {
  size_t startIndex = token->getStartIndex(), stopIndex = token->getStopIndex();
  // EOF and conjured tokens have stop < start (or invalid indices): an empty range.
  if (startIndex == INVALID_INDEX || stopIndex == INVALID_INDEX || stopIndex < startIndex)
    return start(token);
  return locAtByte(byteOffset(stopIndex + 1));
}
