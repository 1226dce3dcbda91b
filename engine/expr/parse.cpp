// Recursive-descent parser of formulas. Precedence follows Python: ^ (right-associative,
// binding tighter than a unary minus on its left: -x^2 = -(x^2)), then unary minus, then
// * /, then + -, then one comparison (< <= > >= == !=, giving 1 or 0; a chain such as
// a < b < c is refused rather than read as Python's `and`).
#include "text/did_you_mean.h"
#include "expr/expr.h"
#include "expr/functions.h"
#include "expr/lexer.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

namespace graphrun::expr {
namespace {

constexpr int kMaxDepth = 200;  // nesting beyond this is surely a mistake; keeps the stack safe

/// The deepest tree a formula may make: a chain "x + x + ... + x" of 1000 operations. The
/// passes over a formula (compilation, C++ and CUDA text) recurse once per level, and a
/// sanitizer build's frames on a 4 MiB worker stack allow a few thousand levels at most.
constexpr int kMaxTreeDepth = 1000;

AstPtr make_node(OpCode op, std::vector<AstPtr> args, int offset) {
  auto node = std::make_shared<Ast>();
  node->op = op;
  node->args = std::move(args);
  node->offset = offset;
  for (const AstPtr& arg : node->args) node->depth = std::max(node->depth, arg->depth + 1);
  if (node->depth > kMaxTreeDepth)
    throw ExprError("formula too long: more than " + std::to_string(kMaxTreeDepth) +
                        " operations in one chain; split it over several expr nodes",
                    offset);
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
    AstPtr result = parse_comparison();
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

  static std::optional<OpCode> comparison_of(const Token& token) {
    static constexpr std::pair<std::string_view, OpCode> kComparisons[] = {
        {"<", OpCode::kLess},   {"<=", OpCode::kLessEqual},   {">", OpCode::kGreater},
        {">=", OpCode::kGreaterEqual}, {"==", OpCode::kEqual}, {"!=", OpCode::kNotEqual}};
    for (const auto& [text, op] : kComparisons)
      if (token.is(text)) return op;
    return std::nullopt;
  }

  AstPtr parse_comparison() {
    AstPtr lhs = parse_sum();
    const auto op = comparison_of(peek());
    if (!op) return lhs;
    const int offset = take().offset;
    AstPtr result = make_node(*op, {lhs, parse_sum()}, offset);
    if (comparison_of(peek()))
      throw ExprError("comparisons do not chain: write where(a < b, b < c, 0) for a < b < c, "
                          "or put one comparison in parentheses",
                      peek().offset);
    return result;
  }

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
          AstPtr inner = parse_comparison();
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

  // Arguments of the call whose '(' is the next token, counted without parsing them (so
  // that an unknown function is reported before any error inside its arguments).
  int count_arguments() const {
    int depth = 0, commas = 0;
    for (size_t i = pos_; i < tokens_.size() && tokens_[i].kind != Token::Kind::kEnd; ++i) {
      if (tokens_[i].is('(')) {
        ++depth;
      } else if (tokens_[i].is(')')) {
        if (--depth == 0) return i == pos_ + 1 ? 0 : commas + 1;
      } else if (depth == 1 && tokens_[i].is(',')) {
        ++commas;
      }
    }
    return commas + 1;  // unclosed: reported when the call is parsed
  }

  // The closest function to a misspelt name called with `args` arguments, ranked by both:
  // edit distance plus 1 when the function takes another number of arguments, ties going
  // to the nearer spelling (atn2(y, x) is atan2, not tanh; asn(x, y) is asin, not min).
  // Only names closest_name would offer at all are candidates.
  static std::string closest_function(std::string_view name, int args) {
    std::string best;
    int best_score = 0, best_distance = 0;
    for (std::string_view f : function_names()) {
      const std::string_view one[] = {f};
      if (text::closest_name(name, one).empty()) continue;  // beyond a typo's distance
      const int distance = text::edit_distance(name, f);
      const int score = distance + (find_function(f)->arity == args ? 0 : 1);
      if (best.empty() || score < best_score || (score == best_score && distance < best_distance)) {
        best = std::string(f);
        best_score = score;
        best_distance = distance;
      }
    }
    return best;
  }

  AstPtr parse_call(const Token& name) {
    const auto function = find_function(name.text);
    if (!function) {
      std::string message = "unknown function '" + std::string(name.text) + "'";
      const std::string suggestion = closest_function(name.text, count_arguments());
      message += suggestion.empty() ? "; the functions are " + join_quoted(function_names())
                                    : " (did you mean '" + suggestion + "'?)";
      throw ExprError(message, name.offset);
    }
    const Token& open = take();
    std::vector<AstPtr> args;
    if (!peek().is(')')) {
      args.push_back(parse_comparison());
      while (peek().is(',')) {
        take();
        args.push_back(parse_comparison());
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
    if (function->is_clip) {  // numpy's clip: minimum(maximum(x, lo), hi), NaN propagating
      AstPtr lower = make_node(OpCode::kMaximum, {args[0], args[1]}, name.offset);
      return make_node(OpCode::kMinimum, {lower, args[2]}, name.offset);
    }
    return make_node(function->op, std::move(args), name.offset);
  }

  AstPtr resolve_name(const Token& name) {
    const std::string text(name.text);
    if (auto it = params_.find(text); it != params_.end()) return make_const(it->second, name.offset);
    if (std::find(vars_.begin(), vars_.end(), text) != vars_.end()) return make_var(name.text, name.offset);
    // Built-in constants come after params and inputs: a graph's own `e` keeps its meaning.
    if (auto constant = find_constant(name.text)) return make_const(constant->value, name.offset);
    if (vars_.empty()) return make_var(name.text, name.offset);
    if (find_function(name.text))
      throw ExprError("function '" + text + "' needs its arguments in parentheses: " + text +
                          "(...)",
                      name.offset);
    // Only names a formula can spell are offered (a caller may pass a placeholder variable).
    std::vector<std::string_view> known;
    for (const auto& v : vars_)
      if (!v.empty() && (std::isalpha(static_cast<unsigned char>(v[0])) || v[0] == '_')) known.push_back(v);
    for (const auto& [param, value] : params_) known.push_back(param);
    std::vector<std::string_view> candidates = known;
    candidates.insert(candidates.end(), constant_names().begin(), constant_names().end());
    std::string message = "unknown name '" + text + "'";
    const std::string suggestion = text::closest_name(name.text, candidates);
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
