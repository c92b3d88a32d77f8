//===- TypoCorrection.h - "did you mean ...?" suggestions ------------------------*- C++ -*-===//
#ifndef DEC_LANG_TYPOCORRECTION_H
#define DEC_LANG_TYPOCORRECTION_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace dec::lang {

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely
/// typo (about a third of the name's length; names under 3 characters get no
/// suggestion).  `candidates` are in priority order: on a tie the earlier one wins, so
/// callers list the innermost scope first.
std::optional<std::string> closestName(llvm::StringRef name,
                                       llvm::ArrayRef<llvm::StringRef> candidates);

/// "; did you mean 'x'?" or "".
std::string didYouMean(llvm::StringRef name, llvm::ArrayRef<llvm::StringRef> candidates);

} // namespace dec::lang

#endif // DEC_LANG_TYPOCORRECTION_H
