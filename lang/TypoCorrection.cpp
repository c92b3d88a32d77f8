//===- TypoCorrection.cpp - "did you mean ...?" suggestions --------------------------===//

#include "lang/TypoCorrection.h"

using namespace dec::lang;

std::optional<std::string> dec::lang::closestName(llvm::StringRef name,
                                                  llvm::ArrayRef<llvm::StringRef> candidates) {
  // About a third of the name, like clang.  Names under 3 characters are not corrected:
  // any one-letter name is one edit from any other, which would be noise.
  if (name.size() < 3)
    return std::nullopt;
  unsigned threshold = unsigned((name.size() + 2) / 3);
  std::optional<llvm::StringRef> best;
  unsigned bestDistance = threshold + 1;
  for (llvm::StringRef candidate : candidates) {
    if (candidate == name || candidate.empty())
      continue;
    // Cheap pre-filter: the length difference bounds the distance from below.
    size_t lengthGap = candidate.size() > name.size() ? candidate.size() - name.size()
                                                      : name.size() - candidate.size();
    if (lengthGap > threshold)
      continue;
    unsigned distance = name.edit_distance(candidate, /*AllowReplacements=*/true, threshold);
    if (distance < bestDistance) { // ties keep the earlier (higher priority) candidate
      bestDistance = distance;
      best = candidate;
    }
  }
  if (!best || bestDistance > threshold)
    return std::nullopt;
  return best->str();
}

std::string dec::lang::didYouMean(llvm::StringRef name,
                                  llvm::ArrayRef<llvm::StringRef> candidates) {
  if (std::optional<std::string> match = closestName(name, candidates))
    return "; did you mean '" + *match + "'?";
  return "";
}
