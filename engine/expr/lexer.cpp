#include "expr/lexer.h"

#include "expr/expr.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace graphrun::expr {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string quote_char(std::string_view text, size_t at) {
  const auto c = static_cast<unsigned char>(text[at]);
  if (c >= 0x80) {  // show a whole UTF-8 sequence, e.g. a typographic minus sign
    size_t end = at + 1;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    return "'" + std::string(text.substr(at, end - at)) + "'";
  }
  if (c < 0x20 || c == 0x7F) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "'\\x%02x'", c);
    return buf;
  }
  return "'" + std::string(1, static_cast<char>(c)) + "'";
}

// Scans digits [. digits] [e [+-] digits] starting at `at`; returns the end of the number.
size_t scan_number(std::string_view text, size_t at) {
  size_t i = at;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    if (j >= text.size() || !is_digit(text[j]))
      throw ExprError("malformed number '" + std::string(text.substr(at, j - at)) +
                          "': the exponent needs digits",
                      static_cast<int>(j));
    while (j < text.size() && is_digit(text[j])) ++j;
    i = j;
  }
  return i;
}

double number_value(std::string_view digits) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // As Python: too large reads as inf, too small as 0 (strtod does both).
    return std::strtod(std::string(digits).c_str(), nullptr);
  }
  return value;
}

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const int offset = static_cast<int>(i);
    if (is_space(c)) {
      ++i;
    } else if (is_digit(c) || (c == '.' && i + 1 < text.size() && is_digit(text[i + 1]))) {
      const size_t end = scan_number(text, i);
      const std::string_view digits = text.substr(i, end - i);
      if (end < text.size() && (is_name_start(text[end]) || text[end] == '.'))
        throw ExprError("unexpected " + quote_char(text, end) + " right after the number '" +
                            std::string(digits) + "'",
                        static_cast<int>(end));
      tokens.push_back({Token::Kind::kNumber, digits, number_value(digits), offset});
      i = end;
    } else if (is_name_start(c)) {
      size_t end = i + 1;
      while (end < text.size() && is_name_char(text[end])) ++end;
      tokens.push_back({Token::Kind::kName, text.substr(i, end - i), 0, offset});
      i = end;
    } else if (c == '*' && i + 1 < text.size() && text[i + 1] == '*') {
      tokens.push_back({Token::Kind::kSymbol, "^", 0, offset});  // Python's power operator
      i += 2;
    } else if ((c == '<' || c == '>' || c == '=' || c == '!') && i + 1 < text.size() &&
               text[i + 1] == '=') {
      tokens.push_back({Token::Kind::kSymbol, text.substr(i, 2), 0, offset});  // <= >= == !=
      i += 2;
    } else if (c == '=' || c == '!') {
      throw ExprError(std::string("unexpected '") + c + "' (to compare, write '" + c + "=')",
                      offset);
    } else if (std::string_view("+-*/^(),<>").find(c) != std::string_view::npos) {
      tokens.push_back({Token::Kind::kSymbol, text.substr(i, 1), 0, offset});
      ++i;
    } else {
      throw ExprError("unexpected character " + quote_char(text, i), offset);
    }
  }
  tokens.push_back({Token::Kind::kEnd, {}, 0, static_cast<int>(text.size())});
  return tokens;
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case Token::Kind::kEnd:
      return "end of the formula";
    case Token::Kind::kNumber:
      return "number '" + std::string(token.text) + "'";
    case Token::Kind::kName:
      return "name '" + std::string(token.text) + "'";
    case Token::Kind::kSymbol:
      break;
  }
  return "'" + std::string(token.text) + "'";
}

}  // namespace graphrun::expr
