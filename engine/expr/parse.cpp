// Recursive-descent parser of formulas. Precedence follows Python: ^ (right-associative,
// binding tighter than a unary minus on its left: -x^2 = -(x^2)), then unary minus, then
// * /, then + -.
#include "text/did_you_mean.h"
#include "expr/expr.h"
#include "expr/functions.h"
#include "expr/lexer.h"

#include <algorithm>
#include <cctype>

namespace graphrun::expr {
namespace {

constexpr int kMaxDepth = 200;  // nesting beyond this is surely a mistake; keeps the stack safe

AstPtr make_node(OpCode op, std::vector<AstPtr> args, int offset) {
  auto node = std::make_shared<Ast>();
  node->op = op;
  node->args = std::move(args);
  node->offset = offset;
  return node;
}

AstPtr make_const(double value, int offset) {
  auto node = std::make_shared<Ast>();
  node->op = OpCode::kConst;
  node->value = value;
  node->offset = offset;
  return node;
}

AstPtr make_var(std::string_view name, int offset) {
  auto node = std::make_shared<Ast>();
  node->op = OpCode::kVar;
  node->name = std::string(name);
  node->offset = offset;
  return node;
}

std::string join_quoted(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

class Parser {
 public:
  Parser(std::string_view text, std::span<const std::string> vars,
         const std::map<std::string, double>& params)
      : tokens_(tokenize(text)), vars_(vars), params_(params) {}

  AstPtr parse_formula() {
    if (peek().kind == Token::Kind::kEnd) throw ExprError("empty formula", 0);
    AstPtr result = parse_sum();
    const Token& rest = peek();
    if (rest.is(')')) throw ExprError("unmatched ')'", rest.offset);
    if (rest.kind != Token::Kind::kEnd)
      throw ExprError("unexpected " + describe(rest) +
                          " after a complete expression (missing operator?)",
                      rest.offset);
    return result;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& take() { return tokens_[pos_++]; }

  AstPtr parse_sum() {
    AstPtr lhs = parse_product();
    while (peek().is('+') || peek().is('-')) {
      const Token& op = take();
      AstPtr rhs = parse_product();
      lhs = make_node(op.is('+') ? OpCode::kAdd : OpCode::kSub, {lhs, rhs}, op.offset);
    }
    return lhs;
  }

  AstPtr parse_product() {
    AstPtr lhs = parse_unary();
    while (peek().is('*') || peek().is('/')) {
      const Token& op = take();
      AstPtr rhs = parse_unary();
      lhs = make_node(op.is('*') ? OpCode::kMul : OpCode::kDiv, {lhs, rhs}, op.offset);
    }
    return lhs;
  }

  AstPtr parse_unary() {
    if (++depth_ > kMaxDepth) throw ExprError("formula nested too deeply", peek().offset);
    AstPtr result;
    if (peek().is('-')) {
      const int offset = take().offset;
      result = make_node(OpCode::kNeg, {parse_unary()}, offset);
    } else if (peek().is('+')) {
      take();
      result = parse_unary();
    } else {
      result = parse_power();
    }
    --depth_;
    return result;
  }

  AstPtr parse_power() {
    AstPtr base = parse_primary();
    if (!peek().is('^')) return base;
    const int offset = take().offset;
    return make_node(OpCode::kPow, {base, parse_unary()}, offset);  // right-associative
  }

  AstPtr parse_primary() {
    const Token& token = peek();
    switch (token.kind) {
      case Token::Kind::kNumber:
        take();
        return make_const(token.value, token.offset);
      case Token::Kind::kName:
        take();
        if (peek().is('(')) return parse_call(token);
        return resolve_name(token);
      case Token::Kind::kSymbol:
        if (token.is('(')) {
          take();
          AstPtr inner = parse_sum();
          if (!peek().is(')'))
            throw ExprError("expected ')' to close the '(' at offset " +
                                std::to_string(token.offset) + ", found " + describe(peek()),
                            peek().offset);
          take();
          return inner;
        }
        break;
      case Token::Kind::kEnd:
        break;
    }
    std::string where = pos_ > 0 ? " after " + describe(tokens_[pos_ - 1]) : "";
    throw ExprError("expected a number, a name or '('" + where + ", found " + describe(token),
                    token.offset);
  }

  AstPtr parse_call(const Token& name) {
    const auto function = find_function(name.text);
    if (!function) {
      std::string message = "unknown function '" + std::string(name.text) + "'";
      const std::string suggestion = text::closest_name(name.text, function_names());
      message += suggestion.empty() ? "; the functions are " + join_quoted(function_names())
                                    : " (did you mean '" + suggestion + "'?)";
      throw ExprError(message, name.offset);
    }
    const Token& open = take();
    std::vector<AstPtr> args;
    if (!peek().is(')')) {
      args.push_back(parse_sum());
      while (peek().is(',')) {
        take();
        args.push_back(parse_sum());
      }
    }
    if (!peek().is(')'))
      throw ExprError("expected ',' or ')' in the call of '" + std::string(name.text) +
                          "' opened at offset " + std::to_string(open.offset) + ", found " +
                          describe(peek()),
                      peek().offset);
    take();
    if (static_cast<int>(args.size()) != function->arity)
      throw ExprError("function '" + std::string(name.text) + "' takes " +
                          std::to_string(function->arity) +
                          (function->arity == 1 ? " argument" : " arguments") + ", got " +
                          std::to_string(args.size()),
                      name.offset);
    return make_node(function->op, std::move(args), name.offset);
  }

  AstPtr resolve_name(const Token& name) {
    const std::string text(name.text);
    if (auto it = params_.find(text); it != params_.end()) return make_const(it->second, name.offset);
    if (vars_.empty() || std::find(vars_.begin(), vars_.end(), text) != vars_.end())
      return make_var(name.text, name.offset);
    if (find_function(name.text))
      throw ExprError("function '" + text + "' needs its arguments in parentheses: " + text +
                          "(...)",
                      name.offset);
    // Only names a formula can spell are offered (a caller may pass a placeholder variable).
    std::vector<std::string_view> known;
    for (const auto& v : vars_)
      if (!v.empty() && (std::isalpha(static_cast<unsigned char>(v[0])) || v[0] == '_')) known.push_back(v);
    for (const auto& [param, value] : params_) known.push_back(param);
    std::string message = "unknown name '" + text + "'";
    const std::string suggestion = text::closest_name(name.text, known);
    if (!suggestion.empty()) {
      message += " (did you mean '" + suggestion + "'?)";
    } else if (!known.empty()) {
      std::sort(known.begin(), known.end());
      message += "; known names are " + join_quoted(known);
    }
    throw ExprError(message, name.offset);
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::span<const std::string> vars_;
  const std::map<std::string, double>& params_;
};

}  // namespace

AstPtr parse(std::string_view text, std::span<const std::string> vars,
             const std::map<std::string, double>& params) {
  return Parser(text, vars, params).parse_formula();
}

}  // namespace graphrun::expr
