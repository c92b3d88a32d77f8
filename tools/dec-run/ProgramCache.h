//===- ProgramCache.h - compile .dec programs on demand, cached -*- C++ -*-===//

#ifndef DEC_TOOLS_DECRUN_PROGRAMCACHE_H
#define DEC_TOOLS_DECRUN_PROGRAMCACHE_H

#include <string>

namespace dec {

struct CompileRequest {
  std::string source;   ///< the .dec file
  std::string decc;     ///< compiler; empty: next to this executable, then PATH
  std::string cacheDir; ///< empty: $DEC_CACHE_DIR, else $XDG_CACHE_HOME/dec, else ~/.cache/dec
  bool verbose = false; ///< say on stderr when compiling
};

struct CompileResult {
  std::string library; ///< path of the compiled program
  bool cached = false;
  double milliseconds = 0;
};

/// Returns the compiled library for `request.source`, compiling it with decc
/// unless the cache has one for the same compiler and the same sources (the
/// file and everything it imports, by content). On failure returns false with
/// `error` set (decc's diagnostics are passed through to stderr).
bool compileCached(const CompileRequest &request, CompileResult &result, std::string &error);

} // namespace dec

#endif // DEC_TOOLS_DECRUN_PROGRAMCACHE_H
