//===- ProgramCache.cpp - compile .dec programs on demand, cached ---------===//

#include "tools/dec-run/ProgramCache.h"
#include "tools/dec-run/Sha256.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace dec;

namespace {

bool readFile(const std::string &path, std::string &contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  contents = ss.str();
  return true;
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool isExecutable(const std::string &path) { return access(path.c_str(), X_OK) == 0; }

std::string findCompiler(const std::string &requested) {
  if (!requested.empty())
    return requested;
  if (const char *env = std::getenv("DEC_DECC"))
    return env;
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    self[n] = '\0';
    std::string sibling = directoryOf(self) + "/decc";
    if (isExecutable(sibling))
      return sibling;
  }
  return "decc"; // PATH
}

std::string cacheDirectory(const std::string &requested) {
  if (!requested.empty())
    return requested;
  if (const char *env = std::getenv("DEC_CACHE_DIR"))
    return env;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"))
    return std::string(xdg) + "/dec";
  if (const char *home = std::getenv("HOME"))
    return std::string(home) + "/.cache/dec";
  return "/tmp/dec-cache";
}

bool makeDirectories(const std::string &path) {
  std::string partial;
  std::stringstream ss(path);
  std::string part;
  if (!path.empty() && path[0] == '/')
    partial = "/";
  while (std::getline(ss, part, '/')) {
    if (part.empty())
      continue;
    partial += part + "/";
    if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
      return false;
  }
  return true;
}

/// Runs argv; captures stdout into `out` when given; stderr passes through.
int runProcess(const std::vector<std::string> &argv, std::string *out) {
  int pipeFds[2] = {-1, -1};
  if (out && pipe(pipeFds) != 0)
    return -1;
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    if (out) {
      dup2(pipeFds[1], STDOUT_FILENO);
      close(pipeFds[0]);
      close(pipeFds[1]);
    }
    std::vector<char *> args;
    for (const std::string &a : argv)
      args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "dec-run: error: cannot run '%s'\n", args[0]);
    _exit(127);
  }
  if (out) {
    close(pipeFds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(pipeFds[0], buf, sizeof(buf))) > 0)
      out->append(buf, n);
    close(pipeFds[0]);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string identityOf(const std::string &path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return path;
  return path + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtime);
}

} // namespace

bool dec::compileCached(const CompileRequest &request, CompileResult &result,
                        std::string &error) {
  auto start = std::chrono::steady_clock::now();
  std::string decc = findCompiler(request.decc);

  // Everything the program reads: decc lists the source files it imports.
  std::string deps;
  if (runProcess({decc, "--emit=deps", request.source}, &deps) != 0) {
    error = "cannot compile '" + request.source + "' (see the errors above)";
    return false;
  }
  Sha256 key;
  key.update("dec-run cache v1\n");
  std::string resolvedCompiler = decc;
  if (decc.find('/') == std::string::npos) {
    std::string which;
    runProcess({"sh", "-c", "command -v " + decc}, &which);
    if (!which.empty())
      resolvedCompiler = which.substr(0, which.find('\n'));
  }
  key.update(identityOf(resolvedCompiler) + "\n");
  std::stringstream lines(deps);
  std::string file;
  while (std::getline(lines, file)) {
    if (file.empty())
      continue;
    std::string contents;
    if (!readFile(file, contents)) {
      error = "cannot read '" + file + "'";
      return false;
    }
    key.update(file + "\n" + std::to_string(contents.size()) + "\n");
    key.update(contents);
  }

  std::string dir = cacheDirectory(request.cacheDir);
  if (!makeDirectories(dir)) {
    error = "cannot create the cache directory '" + dir + "'";
    return false;
  }
  result.library = dir + "/" + key.hexDigest() + ".so";
  if (access(result.library.c_str(), R_OK) == 0) {
    result.cached = true;
  } else {
    if (request.verbose)
      std::fprintf(stderr, "dec-run: compiling %s\n", request.source.c_str());
    // Compile to a private name, then rename: concurrent runs never see half a file.
    std::string temporary = result.library + ".tmp." + std::to_string(getpid());
    if (runProcess({decc, request.source, "-o", temporary}, nullptr) != 0) {
      unlink(temporary.c_str());
      error = "cannot compile '" + request.source + "' (see the errors above)";
      return false;
    }
    if (rename(temporary.c_str(), result.library.c_str()) != 0) {
      unlink(temporary.c_str());
      error = "cannot write '" + result.library + "'";
      return false;
    }
  }
  result.milliseconds = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - start)
                            .count();
  return true;
}
