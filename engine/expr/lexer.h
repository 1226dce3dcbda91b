// Splits a formula into tokens: numbers, names, operators and punctuation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace graphrun::expr {

/// One token of a formula; text views into the formula, offset is its first character.
struct Token {
  enum class Kind { kNumber, kName, kSymbol, kEnd };
  Kind kind;
  std::string_view text;  // "**" is reported as the symbol "^"
  double value = 0;       // kNumber
  int offset = 0;

  bool is(char symbol) const {
    return kind == Kind::kSymbol && text.size() == 1 && text[0] == symbol;
  }
  bool is(std::string_view symbol) const { return kind == Kind::kSymbol && text == symbol; }
};

/// Tokens of `text`, ending with a kEnd token; throws ExprError on a character that
/// starts no token or on a malformed number.
std::vector<Token> tokenize(std::string_view text);

/// How a token reads in a message: "name 'x'", "'+'", "end of the formula".
std::string describe(const Token& token);

}  // namespace graphrun::expr
