//===- Sha256.h - SHA-256 for content-addressed caching ---------*- C++ -*-===//

#ifndef DEC_TOOLS_DECRUN_SHA256_H
#define DEC_TOOLS_DECRUN_SHA256_H

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace dec {

/// FIPS 180-4 SHA-256. dec-run keys its cache of compiled programs by it
/// (the runtime side must not depend on LLVM's or OpenSSL's).
class Sha256 {
public:
  Sha256();
  void update(std::string_view data);
  /// The digest as 64 lowercase hex digits; the object is spent afterwards.
  std::string hexDigest();

private:
  void compress(const uint8_t *block);
  std::array<uint32_t, 8> h;
  std::array<uint8_t, 64> buffer{};
  size_t buffered = 0;
  uint64_t totalBytes = 0;
};

} // namespace dec

#endif // DEC_TOOLS_DECRUN_SHA256_H
