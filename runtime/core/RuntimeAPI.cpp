//===- RuntimeAPI.cpp - the C API for host programs -----------------------===//

#include "dec/runtime.h"
#include "runtime/core/Session.h"

#include <cstdlib>
#include <cstring>

using namespace dec::rt;

struct dec_program {
  std::unique_ptr<Program> program;
};

struct dec_session {
  std::unique_ptr<Session> session;
};

namespace {
void setError(char **error, const std::string &message) {
  if (!error)
    return;
  *error = static_cast<char *>(std::malloc(message.size() + 1));
  std::memcpy(*error, message.c_str(), message.size() + 1);
}

template <typename Fn>
auto guardedCall(char **error, Fn &&fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception &e) {
    setError(error, std::string("internal error: ") + e.what());
  } catch (...) {
    setError(error, "internal error");
  }
  return decltype(fn())();
}
} // namespace

extern "C" {

void dec_free(void *p) { std::free(p); }

dec_program *dec_program_open(const char *path, char **error) {
  return guardedCall(error, [&]() -> dec_program * {
    if (!path) {
      setError(error, "no program path given");
      return nullptr;
    }
    std::string message;
    std::unique_ptr<Program> program = Program::open(path, message);
    if (!program) {
      setError(error, message);
      return nullptr;
    }
    return new dec_program{std::move(program)};
  });
}

void dec_program_close(dec_program *program) { delete program; }

const char *dec_program_manifest(const dec_program *program) {
  return program->program->manifestText().c_str();
}

size_t dec_program_num_entries(const dec_program *program) {
  return program->program->manifest().entries.size();
}

const char *dec_program_entry_name(const dec_program *program, size_t index) {
  const auto &entries = program->program->manifest().entries;
  return index < entries.size() ? entries[index].name.c_str() : nullptr;
}

dec_session *dec_session_create(dec_program *program, const dec_session_options *options,
                                char **error) {
  return guardedCall(error, [&]() -> dec_session * {
    std::string message;
    std::unique_ptr<Session> session = Session::create(*program->program, options, message);
    if (!session) {
      setError(error, message);
      return nullptr;
    }
    return new dec_session{std::move(session)};
  });
}

void dec_session_destroy(dec_session *session) { delete session; }

dec_run_options dec_run_options_default(void) {
  dec_run_options options;
  std::memset(&options, 0, sizeof(options));
  return options;
}

int dec_session_run(dec_session *session, const char *entry, const char *prompt,
                    const dec_run_options *options, dec_result *result, char **error) {
  return guardedCall(error, [&]() -> int {
    if (!entry || !prompt || !result) {
      setError(error, "dec_session_run needs an entry name, a prompt and a result");
      return 1;
    }
    dec_run_options defaults = dec_run_options_default();
    std::string message;
    if (!session->session->run(entry, prompt, options ? *options : defaults, *result, message)) {
      setError(error, message);
      return 1;
    }
    return 0;
  });
}

void dec_result_free(dec_result *result) {
  if (!result)
    return;
  std::free(result->text);
  std::free(result->prompt_tokens);
  std::free(result->tokens);
  std::free(result->finish_reason);
  std::free(result->token_logprobs);
  std::free(result->top_logprob_tokens);
  std::free(result->top_logprobs);
  std::memset(result, 0, sizeof(*result));
}

} // extern "C"
