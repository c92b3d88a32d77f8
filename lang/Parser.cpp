//===- Parser.cpp - Parsing one .dec source buffer into a Module ---------------------===//

#include "lang/Parser.h"

#include "lang/AST.h"
#include "lang/ASTBuilder.h"
#include "lang/Diagnostics.h"
#include "lang/SourceText.h"
#include "lang/SyntaxErrors.h"
#include "lang/grammar/DecLexer.h"
#include "lang/grammar/DecParser.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/SourceMgr.h"

using namespace dec::lang;
using dec::lang::grammar::DecLexer;
using dec::lang::grammar::DecParser;

namespace {

/// Hands ANTLR code points we decoded (and validated) ourselves.
class CodePointStream : public antlr4::ANTLRInputStream {
public:
  CodePointStream(const std::u32string &codePoints, const std::string &sourceName) {
    _data = codePoints;
    name = sourceName;
  }
};

} // namespace

namespace {

/// Reports the tokens the lexer made of malformed input, in source order, interleaved
/// with the syntax errors: the parse loop asks for everything up to a token index.  Runs
/// of invalid characters become one diagnostic.
class MalformedTokenReporter {
public:
  MalformedTokenReporter(antlr4::CommonTokenStream &tokens, const SourceText &text,
                         DiagnosticEngine &diags)
      : tokens(tokens), text(text), diags(diags) {}

  void reportUpTo(size_t end) {
    end = std::min(end, tokens.size());
    for (; next < end; ++next)
      report(next);
  }

private:
  void report(size_t &index) {
    antlr4::Token *token = tokens.get(index);
    llvm::SMRange range = text.range(token);
    switch (token->getType()) {
    case DecLexer::ERROR_CHAR: {
      size_t last = index;
      while (last + 1 < tokens.size() && tokens.get(last + 1)->getType() == DecLexer::ERROR_CHAR &&
             text.start(tokens.get(last + 1)) == text.end(tokens.get(last)))
        ++last;
      llvm::SMRange run(range.Start, text.end(tokens.get(last)));
      llvm::StringRef spelling = text.text(token);
      unsigned char first = spelling.empty() ? 0 : static_cast<unsigned char>(spelling[0]);
      std::string shown;
      if (first < 0x20 || first == 0x7f) {
        static const char digits[] = "0123456789abcdef";
        shown = std::string("\\x") + digits[first >> 4] + digits[first & 15];
      } else {
        shown = spelling.str();
      }
      diags.error(run,
                  (last > index ? "invalid characters starting with '" : "invalid character '") +
                      shown + "' in source");
      index = last;
      break;
    }
    case DecLexer::BAD_NUMBER:
      diags.error(range, "invalid numeric literal '" + text.text(token).str() + "'");
      break;
    case DecLexer::UNTERMINATED_STRING:
      diags.error(range.Start, "unterminated string literal");
      break;
    case DecLexer::UNTERMINATED_COMMENT:
      diags.error(range.Start, "unterminated block comment");
      break;
    default:
      break;
    }
  }

  antlr4::CommonTokenStream &tokens;
  const SourceText &text;
  DiagnosticEngine &diags;
  size_t next = 0;
};

/// ANTLR reports problems to listeners only from its own error strategy and from lexer
/// failures.  The front end replaces the strategy and its lexer cannot fail (ERROR_CHAR
/// matches anything), so this listener should never be called; it is installed in place
/// of ANTLR's console listener so that, if ANTLR ever does report something, the user gets
/// a dec diagnostic instead of a raw ANTLR message on stderr.
class FallbackErrorListener : public antlr4::BaseErrorListener {
public:
  FallbackErrorListener(const SourceText &text, llvm::SourceMgr &sourceMgr, unsigned bufferId,
                        DiagnosticEngine &diags)
      : text(text), sourceMgr(sourceMgr), bufferId(bufferId), diags(diags) {}

  void syntaxError(antlr4::Recognizer *, antlr4::Token *offending, size_t line, size_t column,
                   const std::string &, std::exception_ptr) override {
    if (offending) {
      std::string spelling = text.text(offending).str();
      diags.error(text.range(offending), spelling.empty() ? std::string("unexpected input")
                                                          : "unexpected '" + spelling + "'");
      return;
    }
    diags.error(sourceMgr.FindLocForLineAndColumn(bufferId, unsigned(line), unsigned(column) + 1),
                "unexpected input");
  }

private:
  const SourceText &text;
  llvm::SourceMgr &sourceMgr;
  unsigned bufferId;
  DiagnosticEngine &diags;
};

} // namespace

/// Rejects bracket nesting deeper than the limit before the recursive parser sees it.
static bool checkBracketDepth(antlr4::CommonTokenStream &tokens, const SourceText &text,
                              DiagnosticEngine &diags, unsigned limit) {
  unsigned depth = 0;
  for (antlr4::Token *token : tokens.getTokens()) {
    switch (token->getType()) {
    case DecLexer::LPAREN:
    case DecLexer::LBRACK:
    case DecLexer::LBRACE:
      if (++depth > limit) {
        diags.error(text.range(token),
                    "bracket nesting level exceeded maximum of " + std::to_string(limit));
        return false;
      }
      break;
    case DecLexer::RPAREN:
    case DecLexer::RBRACK:
    case DecLexer::RBRACE:
      if (depth)
        --depth;
      break;
    default:
      break;
    }
  }
  return true;
}

/// Tokens that begin a top-level item, including the reserved words of future items.
static bool startsItem(antlr4::Token *token, const SourceText &text) {
  switch (token->getType()) {
  case DecLexer::IMPORT:
  case DecLexer::MODEL:
  case DecLexer::SAMPLER:
  case DecLexer::CONSTRAINT:
  case DecLexer::TRANSFORM:
  case DecLexer::DECODE:
    return true;
  case DecLexer::RESERVED: {
    static const llvm::StringRef futureItems[] = {"schedule", "fn", "type", "const"};
    return llvm::is_contained(futureItems, text.text(token));
  }
  default:
    return false;
  }
}

/// Where to resume after a syntax error at `errorIndex` in the item starting at
/// `itemStart`: the next item keyword that starts a line outside braces, or just past the
/// `;` or `}` that ends the broken item.  Always past `itemStart`, so the parse makes
/// progress.  (An item keyword in the middle of a line is more likely a misused keyword,
/// as in `import lib.sampler;` than the start of the next item.)
static size_t resumeIndex(antlr4::CommonTokenStream &tokens, const SourceText &text,
                          size_t itemStart, size_t errorIndex) {
  int depth = 0;
  auto track = [&](antlr4::Token *token) {
    if (token->getType() == DecLexer::LBRACE)
      ++depth;
    else if (token->getType() == DecLexer::RBRACE && depth > 0)
      --depth;
  };
  size_t last = tokens.size() - 1; // the EOF token
  errorIndex = std::min(std::max(errorIndex, itemStart), last);
  for (size_t i = itemStart; i < errorIndex; ++i)
    track(tokens.get(i));
  for (size_t i = errorIndex; i <= last; ++i) {
    antlr4::Token *token = tokens.get(i);
    if (token->getType() == antlr4::Token::EOF)
      return i;
    if (i > itemStart && depth == 0 && startsItem(token, text) &&
        tokens.get(i - 1)->getLine() < token->getLine())
      return i;
    if (token->getType() == DecLexer::SEMI && depth == 0)
      return i + 1;
    if (token->getType() == DecLexer::RBRACE && depth <= 1) {
      if (depth == 1)
        return i + 1; // closes the item's block
      if (i == itemStart)
        return i + 1; // a stray '}'
    }
    track(token);
  }
  return last;
}

static bool parseTokens(antlr4::CommonTokenStream &tokens, const SourceText &text,
                        DiagnosticEngine &diags, MalformedTokenReporter &malformed,
                        FallbackErrorListener &listener, Module &module) {
  DecParser parser(&tokens);
  parser.removeErrorListeners();
  parser.addErrorListener(&listener);
  auto *simulator = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
  auto fast = std::make_shared<ItemErrorStrategy>(/*record=*/false);
  auto precise = std::make_shared<ItemErrorStrategy>(/*record=*/true);
  ASTBuilder builder(text, diags);
  bool ok = true;

  while (tokens.LA(1) != antlr4::Token::EOF && !diags.limitReached()) {
    size_t itemStart = tokens.index();
    DecParser::ItemContext *item = nullptr;
    try {
      parser.setErrorHandler(fast);
      simulator->setPredictionMode(antlr4::atn::PredictionMode::SLL);
      item = parser.item();
    } catch (SyntaxAbort &) {
      // SLL prediction can fail where full LL succeeds; LL also knows what was expected.
      tokens.seek(itemStart);
      parser.setErrorHandler(precise);
      simulator->setPredictionMode(antlr4::atn::PredictionMode::LL);
      try {
        item = parser.item();
      } catch (SyntaxAbort &) {
        ok = false;
        const SyntaxError &error = precise->getError();
        size_t errorIndex = error.offending ? error.offending->getTokenIndex() : tokens.index();
        if (errorIndex == INVALID_INDEX)
          errorIndex = tokens.index();
        // A malformed token the parser stopped at was the cause: it is reported instead.
        malformed.reportUpTo(errorIndex + 1);
        reportSyntaxError(error, tokens, itemStart, parser.getVocabulary(), text, diags);
        size_t resume = resumeIndex(tokens, text, itemStart, errorIndex);
        malformed.reportUpTo(resume);
        tokens.seek(resume);
        continue;
      }
    }
    malformed.reportUpTo(tokens.index());
    if (DeclPtr decl = builder.buildItem(item))
      module.decls.push_back(std::move(decl));
    else
      ok = false;
  }
  malformed.reportUpTo(tokens.size());
  return ok;
}

bool dec::lang::parseModule(llvm::SourceMgr &sourceMgr, unsigned bufferId, DiagnosticEngine &diags,
                            Module &module, const ParseLimits &limits) {
  const llvm::MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(bufferId);
  llvm::StringRef bytes = buffer->getBuffer();
  auto locAt = [&](size_t offset) { return llvm::SMLoc::getFromPointer(bytes.data() + offset); };

  if (bytes.size() > limits.maxSourceBytes) {
    diags.error(locAt(0), "source file is too large (" + std::to_string(bytes.size()) +
                              " bytes; the limit is " + std::to_string(limits.maxSourceBytes) +
                              ")");
    return false;
  }
  size_t badOffset = 0;
  std::optional<SourceText> text = SourceText::decode(bytes, badOffset);
  if (!text) {
    diags.error(locAt(badOffset), "invalid UTF-8 in source file");
    return false;
  }

  unsigned errorsBefore = diags.numErrors();
  CodePointStream input(text->getCodePoints(), module.path);
  FallbackErrorListener listener(*text, sourceMgr, bufferId, diags);
  DecLexer lexer(&input);
  lexer.removeErrorListeners();
  lexer.addErrorListener(&listener);
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();

  MalformedTokenReporter malformed(tokens, *text, diags);
  if (!checkBracketDepth(tokens, *text, diags, limits.maxBracketDepth)) {
    malformed.reportUpTo(tokens.size());
    return false;
  }
  bool ok = parseTokens(tokens, *text, diags, malformed, listener, module);
  return ok && diags.numErrors() == errorsBefore;
}
