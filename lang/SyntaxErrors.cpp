//===- SyntaxErrors.cpp - Turning ANTLR parse failures into dec diagnostics ----------===//

#include "lang/SyntaxErrors.h"

#include "lang/Diagnostics.h"
#include "lang/SourceText.h"
#include "lang/grammar/DecLexer.h"
#include "lang/grammar/DecParser.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

using namespace dec::lang;
using dec::lang::grammar::DecLexer;
using dec::lang::grammar::DecParser;

//===------------------------------------------------------------------------------------===//
// ItemErrorStrategy
//===------------------------------------------------------------------------------------===//

static std::vector<size_t> ruleStackOf(antlr4::RuleContext *context) {
  std::vector<size_t> stack;
  for (; context;
       context = context->parent ? dynamic_cast<antlr4::RuleContext *>(context->parent) : nullptr)
    stack.push_back(context->getRuleIndex());
  return stack;
}

void ItemErrorStrategy::reportError(antlr4::Parser *parser, const antlr4::RecognitionException &e) {
  if (record) {
    error.offending = e.getOffendingToken() ? e.getOffendingToken() : parser->getCurrentToken();
    // A failed prediction may have looked several tokens ahead; the expected set is only
    // meaningful for the token where the decision started.
    if (auto *noViable = dynamic_cast<const antlr4::NoViableAltException *>(&e);
        noViable && noViable->getStartToken() && noViable->getStartToken() != error.offending)
      error.expected = antlr4::misc::IntervalSet();
    else
      error.expected = e.getExpectedTokens();
    error.ruleStack = ruleStackOf(e.getCtx() ? e.getCtx() : parser->getContext());
  }
  throw SyntaxAbort();
}

void ItemErrorStrategy::recover(antlr4::Parser *parser, std::exception_ptr) { throw SyntaxAbort(); }

antlr4::Token *ItemErrorStrategy::recoverInline(antlr4::Parser *parser) {
  if (record) {
    error.offending = parser->getCurrentToken();
    error.ruleStack = ruleStackOf(parser->getContext());
    // A rule that is a single token set (`word`) reports the state after the set, whose
    // expected tokens are whatever may follow the rule; what was expected is a name.
    if (!error.ruleStack.empty() && error.ruleStack.front() == DecParser::RuleWord)
      error.expected = antlr4::misc::IntervalSet::of(DecLexer::IDENT);
    else
      error.expected = parser->getExpectedTokens();
  }
  throw SyntaxAbort();
}

//===------------------------------------------------------------------------------------===//
// Phrasing
//===------------------------------------------------------------------------------------===//

bool dec::lang::isMalformedToken(size_t type) {
  return type == DecLexer::ERROR_CHAR || type == DecLexer::BAD_NUMBER ||
         type == DecLexer::UNTERMINATED_STRING || type == DecLexer::UNTERMINATED_COMMENT;
}

/// How an expected token is named in a message: `';'`, `identifier`, `end of file`.
static std::string describeTokenType(size_t type, const antlr4::dfa::Vocabulary &vocabulary) {
  switch (type) {
  case antlr4::Token::EOF:
    return "end of file";
  case DecLexer::IDENT:
    return "identifier";
  case DecLexer::INT:
    return "integer literal";
  case DecLexer::FLOAT:
    return "floating-point literal";
  case DecLexer::STRING:
    return "string literal";
  default:
    break;
  }
  std::string literal = vocabulary.getLiteralName(type); // "';'"
  return literal.empty() ? vocabulary.getSymbolicName(type) : literal;
}

/// How the offending token is named: `'xyz'`, `identifier 'foo'`, `end of file`.
static std::string describeToken(const antlr4::Token *token, const SourceText &text) {
  if (token->getType() == antlr4::Token::EOF)
    return "end of file";
  llvm::StringRef spelling = text.text(token);
  std::string shown = spelling.size() > 32 ? spelling.take_front(29).str() + "..." : spelling.str();
  return "'" + shown + "'";
}

static std::string joinAlternatives(llvm::ArrayRef<std::string> items) {
  std::string result;
  for (size_t i = 0; i != items.size(); ++i) {
    if (i)
      result += i + 1 == items.size() ? " or " : ", ";
    result += items[i];
  }
  return result;
}

/// The innermost bracket opened (within the item) and not closed before `errorIndex`.
static antlr4::Token *unclosedBracket(antlr4::TokenStream &tokens, size_t itemStart,
                                      size_t errorIndex) {
  llvm::SmallVector<antlr4::Token *, 16> open;
  for (size_t i = itemStart; i < errorIndex && i < tokens.size(); ++i) {
    antlr4::Token *token = tokens.get(i);
    switch (token->getType()) {
    case DecLexer::LPAREN:
    case DecLexer::LBRACK:
    case DecLexer::LBRACE:
      open.push_back(token);
      break;
    case DecLexer::RPAREN:
    case DecLexer::RBRACK:
    case DecLexer::RBRACE:
      if (!open.empty())
        open.pop_back();
      break;
    default:
      break;
    }
  }
  return open.empty() ? nullptr : open.back();
}

static size_t closerOf(size_t opener) {
  return opener == DecLexer::LPAREN   ? DecLexer::RPAREN
         : opener == DecLexer::LBRACK ? DecLexer::RBRACK
                                      : DecLexer::RBRACE;
}

/// "after declaration", "after expression", ... for a missing ';'.
static const char *semicolonContext(llvm::ArrayRef<size_t> ruleStack) {
  for (size_t rule : ruleStack) {
    switch (rule) {
    case DecParser::RuleImportDecl:
      return "after import";
    case DecParser::RuleModelDecl:
    case DecParser::RuleSamplerDecl:
    case DecParser::RuleConstraintDecl:
      return "after declaration";
    case DecParser::RuleLetStmt:
      return "after 'let' binding";
    case DecParser::RuleReturnStmt:
      return "after return statement";
    case DecParser::RuleExprStmt:
      return "after expression";
    default:
      break;
    }
  }
  return nullptr;
}

void dec::lang::reportSyntaxError(const SyntaxError &error, antlr4::TokenStream &tokens,
                                  size_t itemStart, const antlr4::dfa::Vocabulary &vocabulary,
                                  const SourceText &text, DiagnosticEngine &diags) {
  antlr4::Token *offending = error.offending;
  if (!offending)
    return;
  size_t type = offending->getType();
  if (isMalformedToken(type))
    return; // reported by the lexical checks
  llvm::SMRange range = text.range(offending);

  if (type == DecLexer::RESERVED) {
    diags.error(range,
                "'" + text.text(offending).str() + "' is reserved for a future version of dec");
    return;
  }

  const antlr4::misc::IntervalSet &expected = error.expected;
  auto expects = [&](size_t t) { return expected.contains(t); };

  // `f(while)`: a reserved word can only be an argument label there, so the parser wants
  // the ':' after it; the reserved word is the real problem.
  size_t index = offending->getTokenIndex();
  if (index != INVALID_INDEX && index > 0 && expected.size() == 1 && expects(DecLexer::COLON)) {
    antlr4::Token *previous = tokens.get(index - 1);
    if (previous->getType() == DecLexer::RESERVED) {
      diags.error(text.range(previous),
                  "'" + text.text(previous).str() + "' is reserved for a future version of dec");
      return;
    }
  }

  std::string got = describeToken(offending, text);
  // In a block, anything that cannot start a statement ends the statement list, and then
  // only '}' fits.
  bool inBlock = llvm::is_contained(error.ruleStack, size_t(DecParser::RuleBlock));
  if (inBlock && type != antlr4::Token::EOF && expects(DecLexer::RBRACE) &&
      !expects(DecLexer::SEMI)) {
    diags.error(range, "unexpected " + got + "; expected a statement or '}'");
    return;
  }

  // Unclosed bracket at the end of the input, or where only its closer (or a comma) fits.
  antlr4::Token *opener = unclosedBracket(tokens, itemStart, offending->getTokenIndex());
  if (opener) {
    size_t closer = closerOf(opener->getType());
    bool onlyCloserFits = expects(closer) && !expects(DecLexer::SEMI);
    if (type == antlr4::Token::EOF || (onlyCloserFits && !expects(DecLexer::IDENT))) {
      std::string closerText = describeTokenType(closer, vocabulary);
      diags
          .error(range,
                 "expected " + closerText + (type == antlr4::Token::EOF ? " at end of file" : ""))
          .note(text.range(opener),
                "to match this " + describeTokenType(opener->getType(), vocabulary));
      return;
    }
  }

  // Classify the expected set.  These tokens start a primary expression (prefix operators
  // are optional, so their absence says nothing).
  static const size_t exprStarts[] = {DecLexer::IDENT,  DecLexer::INT,   DecLexer::FLOAT,
                                      DecLexer::STRING, DecLexer::TRUE,  DecLexer::FALSE,
                                      DecLexer::LPAREN, DecLexer::LBRACK};
  bool expectsExpression = llvm::all_of(exprStarts, expects);
  bool expectsItem = expects(DecLexer::IMPORT) && expects(DecLexer::DECODE);

  if (expectsItem) {
    diags.error(range, "unexpected " + got +
                           "; expected 'import', 'model', 'sampler', 'constraint', 'transform' "
                           "or 'decode'");
    return;
  }
  if (expectsExpression) {
    diags.error(range, "expected expression");
    return;
  }

  // Tokens that could have continued an expression are optional: leave them out.
  static const size_t continuations[] = {
      DecLexer::OROR, DecLexer::ANDAND, DecLexer::PIPE,  DecLexer::AMP,   DecLexer::EQ,
      DecLexer::NE,   DecLexer::LT,     DecLexer::LE,    DecLexer::GT,    DecLexer::GE,
      DecLexer::PLUS, DecLexer::MINUS,  DecLexer::STAR,  DecLexer::SLASH, DecLexer::PERCENT,
      DecLexer::DOT,  DecLexer::LPAREN, DecLexer::LBRACK};
  // Where a name is expected, keywords often are too (labels, module paths, types): all of
  // them are "identifier" to the user.
  static const size_t keywords[] = {DecLexer::IMPORT,     DecLexer::MODEL,  DecLexer::SAMPLER,
                                    DecLexer::CONSTRAINT, DecLexer::DECODE, DecLexer::LET,
                                    DecLexer::RETURN,     DecLexer::TRUE,   DecLexer::FALSE,
                                    DecLexer::RESERVED,   DecLexer::TRANSFORM};
  bool nameExpected = expects(DecLexer::IDENT);
  llvm::SmallVector<size_t, 8> required;
  for (const antlr4::misc::Interval &interval : expected.getIntervals())
    for (ssize_t t = interval.a; t <= interval.b && required.size() < 16; ++t)
      if (!llvm::is_contained(continuations, size_t(t)) &&
          !(nameExpected && llvm::is_contained(keywords, size_t(t))))
        required.push_back(size_t(t));

  if (llvm::is_contained(required, size_t(DecLexer::SEMI))) {
    // Like clang: point just past the previous token, where the ';' belongs.
    llvm::SMLoc where = range.Start;
    if (offending->getTokenIndex() > 0 && offending->getTokenIndex() != INVALID_INDEX)
      where = text.end(tokens.get(offending->getTokenIndex() - 1));
    const char *context = semicolonContext(error.ruleStack);
    diags.error(where,
                std::string("expected ';'") + (context ? " " : "") + (context ? context : ""));
    return;
  }
  if (!required.empty() && required.size() <= 4) {
    std::vector<std::string> names;
    for (size_t t : required)
      names.push_back(describeTokenType(t, vocabulary));
    diags.error(range, "expected " + joinAlternatives(names));
    return;
  }
  diags.error(range, "unexpected " + got);
}
