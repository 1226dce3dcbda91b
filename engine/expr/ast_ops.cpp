// Operations on parsed ASTs: substitution (fusion), variable lists, stable text.
#include "expr/expr.h"
#include "expr/functions.h"

#include <charconv>
#include <cmath>
#include <set>
#include <unordered_map>

namespace graphrun::expr {
namespace {

// Memoized on node identity so a DAG with shared subtrees is rebuilt as a DAG, in linear time.
class Substituter {
 public:
  explicit Substituter(const std::map<std::string, AstPtr>& bindings) : bindings_(bindings) {}

  AstPtr operator()(const AstPtr& node) {
    if (auto it = done_.find(node.get()); it != done_.end()) return it->second;
    AstPtr result = node;
    if (node->op == OpCode::kVar) {
      if (auto it = bindings_.find(node->name); it != bindings_.end()) result = it->second;
    } else if (!node->args.empty()) {
      std::vector<AstPtr> args;
      bool changed = false;
      for (const AstPtr& arg : node->args) {
        args.push_back((*this)(arg));
        changed |= args.back() != arg;
      }
      if (changed) {
        auto copy = std::make_shared<Ast>(*node);
        copy->args = std::move(args);
        result = std::move(copy);
      }
    }
    done_.emplace(node.get(), result);
    return result;
  }

 private:
  const std::map<std::string, AstPtr>& bindings_;
  std::unordered_map<const Ast*, AstPtr> done_;
};

void collect_variables(const Ast& node, std::set<std::string>& names, std::set<const Ast*>& seen) {
  if (!seen.insert(&node).second) return;
  if (node.op == OpCode::kVar) names.insert(node.name);
  for (const AstPtr& arg : node.args) collect_variables(*arg, names, seen);
}

std::string number_text(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "(-inf)";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  std::string text(buf, end);
  return std::signbit(value) ? "(" + text + ")" : text;
}

void write(const Ast& node, std::string& out) {
  switch (node.op) {
    case OpCode::kConst:
      out += number_text(node.value);
      return;
    case OpCode::kVar:
      out += node.name;
      return;
    case OpCode::kNeg:
      out += "(-";
      write(*node.args[0], out);
      out += ")";
      return;
    default:
      break;
  }
  if (is_infix(node.op)) {
    out += "(";
    write(*node.args[0], out);
    out += " ";
    out += op_name(node.op);
    out += " ";
    write(*node.args[1], out);
    out += ")";
    return;
  }
  out += op_name(node.op);
  out += "(";
  for (size_t i = 0; i < node.args.size(); ++i) {
    if (i) out += ", ";
    write(*node.args[i], out);
  }
  out += ")";
}

}  // namespace

AstPtr substitute(const AstPtr& ast, const std::map<std::string, AstPtr>& bindings) {
  return Substituter(bindings)(ast);
}

std::vector<std::string> variables(const AstPtr& ast) {
  std::set<std::string> names;
  std::set<const Ast*> seen;
  collect_variables(*ast, names, seen);
  return {names.begin(), names.end()};
}

std::string to_string(const AstPtr& ast) {
  std::string out;
  write(*ast, out);
  return out;
}

}  // namespace graphrun::expr
