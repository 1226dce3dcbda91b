// Program::compile: ASTs → a DAG with shared subexpressions and folded constants →
// register bytecode in dependency order, registers reused once values die.
#include "expr/functions.h"
#include "expr/kernels.h"
#include "expr/program_impl.h"

#include <algorithm>
#include <bit>
#include <map>
#include <tuple>
#include <unordered_map>

namespace graphrun::expr {
namespace {

// A DAG in which each distinct (op, operands) exists once: that is the CSE.
class Dag {
 public:
  struct Node {
    OpCode op;
    double value = 0;  // kConst
    int var = -1;      // kVar
    int a = -1, b = -1, c = -1;
  };

  explicit Dag(std::span<const std::string> vars) : vars_(vars) {}

  int add(const AstPtr& ast) {
    if (auto it = memo_.find(ast.get()); it != memo_.end()) return it->second;
    int id = -1;
    switch (ast->op) {
      case OpCode::kConst:
        id = constant(ast->value);
        break;
      case OpCode::kVar: {
        auto it = std::find(vars_.begin(), vars_.end(), ast->name);
        if (it == vars_.end())
          throw ExprError("unknown variable '" + ast->name + "'", ast->offset);
        id = intern({OpCode::kVar, 0, static_cast<int>(it - vars_.begin()), -1, -1, -1});
        break;
      }
      default: {
        if (static_cast<int>(ast->args.size()) != arity(ast->op))
          throw ExprError("'" + std::string(op_name(ast->op)) + "' with " +
                              std::to_string(ast->args.size()) + " operands",
                          ast->offset);
        const int a = add(ast->args[0]);
        const int b = ast->args.size() > 1 ? add(ast->args[1]) : -1;
        const int c = ast->args.size() > 2 ? add(ast->args[2]) : -1;
        id = operation(ast->op, a, b, c);
      }
    }
    memo_.emplace(ast.get(), id);
    return id;
  }

  const Node& node(int id) const { return nodes_[id]; }

 private:
  bool is_const(int id) const { return nodes_[id].op == OpCode::kConst; }

  int constant(double value) { return intern({OpCode::kConst, value, -1, -1, -1, -1}); }

  int operation(OpCode op, int a, int b, int c = -1) {
    if (op == OpCode::kPow && is_const(b)) {
      // numpy evaluates these powers by the cheaper, exactly rounded operation.
      const double exponent = nodes_[b].value;
      if (exponent == 2) return operation(OpCode::kSquare, a, -1);
      if (exponent == 0.5) return operation(OpCode::kSqrt, a, -1);
      if (exponent == -1) return operation(OpCode::kRecip, a, -1);
      if (exponent == 1) return a;
      if (exponent == 0) return constant(1);
    }
    if (op == OpCode::kWhere && is_const(a))  // a constant condition picks its branch
      return nodes_[a].value != 0 ? b : c;   // (NaN is true, as numpy's bool(nan))
    if (is_const(a) && (b < 0 || is_const(b)) && (c < 0 || is_const(c)))
      return constant(apply_scalar(op, nodes_[a].value, b < 0 ? 0 : nodes_[b].value,
                                   c < 0 ? 0 : nodes_[c].value));
    if ((op == OpCode::kAdd || op == OpCode::kMul) && a > b) std::swap(a, b);  // commutative
    return intern({op, 0, -1, a, b, c});
  }

  int intern(const Node& n) {
    const auto key = std::make_tuple(static_cast<int>(n.op), std::bit_cast<uint64_t>(n.value),
                                     n.var, n.a, n.b, n.c);
    auto [it, inserted] = ids_.emplace(key, static_cast<int>(nodes_.size()));
    if (inserted) nodes_.push_back(n);
    return it->second;
  }

  std::span<const std::string> vars_;
  std::vector<Node> nodes_;
  std::map<std::tuple<int, uint64_t, int, int, int, int>, int> ids_;
  std::unordered_map<const Ast*, int> memo_;
};

// Turns the DAG reachable from the outputs into instructions in dependency order.
class Emitter {
 public:
  explicit Emitter(const Dag& dag) : dag_(dag) {}

  Operand operand(int id) {
    const Dag::Node& n = dag_.node(id);
    if (n.op == OpCode::kVar) return {Operand::Kind::kVar, n.var};
    if (n.op == OpCode::kConst) {
      const auto bits = std::bit_cast<uint64_t>(n.value);
      auto [it, inserted] = constant_index_.emplace(bits, static_cast<int>(constants_.size()));
      if (inserted) constants_.push_back(n.value);
      return {Operand::Kind::kConst, it->second};
    }
    emit(id);
    return {Operand::Kind::kValue, value_of_.at(id)};
  }

  std::vector<double> take_constants() { return std::move(constants_); }
  std::vector<Instruction> take_code() { return std::move(code_); }

 private:
  // Post-order without recursion: fused groups can chain many formulas deep.
  void emit(int root) {
    std::vector<std::pair<int, bool>> stack{{root, false}};
    while (!stack.empty()) {
      auto [id, children_done] = stack.back();
      stack.pop_back();
      if (value_of_.count(id)) continue;
      const Dag::Node& n = dag_.node(id);
      if (!children_done) {
        stack.push_back({id, true});
        for (int child : {n.c, n.b, n.a})
          if (child >= 0 && is_operation(child) && !value_of_.count(child))
            stack.push_back({child, false});
        continue;
      }
      Instruction instruction{n.op, operand(n.a), n.b >= 0 ? operand(n.b) : Operand{},
                              n.c >= 0 ? operand(n.c) : Operand{}, 0};
      value_of_.emplace(id, static_cast<int>(code_.size()));
      code_.push_back(instruction);
    }
  }

  bool is_operation(int id) const {
    const OpCode op = dag_.node(id).op;
    return op != OpCode::kVar && op != OpCode::kConst;
  }

  const Dag& dag_;
  std::unordered_map<int, int> value_of_;
  std::unordered_map<uint64_t, int> constant_index_;
  std::vector<double> constants_;
  std::vector<Instruction> code_;
};

// Linear-scan register assignment: a value's register is free after its last reader, so
// the reader itself may write there (elementwise kernels allow out == in). Outputs keep theirs.
int assign_registers(std::vector<Instruction>& code, const std::vector<Operand>& outputs) {
  constexpr int kForever = 1 << 30;
  std::vector<int> last_use(code.size(), -1);
  auto note_use = [&](const Operand& o, int at) {
    if (o.kind == Operand::Kind::kValue) last_use[o.index] = std::max(last_use[o.index], at);
  };
  for (size_t i = 0; i < code.size(); ++i) {
    note_use(code[i].a, static_cast<int>(i));
    if (arity(code[i].op) >= 2) note_use(code[i].b, static_cast<int>(i));
    if (arity(code[i].op) == 3) note_use(code[i].c, static_cast<int>(i));
  }
  for (const Operand& o : outputs) note_use(o, kForever);

  std::vector<int> free_registers;  // kept sorted descending: the lowest is at the back
  int num_registers = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    for (const Operand* o : {&code[i].a, &code[i].b, &code[i].c}) {
      if (o->kind == Operand::Kind::kValue && last_use[o->index] == static_cast<int>(i)) {
        const int reg = code[o->index].reg;
        if (std::find(free_registers.begin(), free_registers.end(), reg) == free_registers.end()) {
          free_registers.push_back(reg);
          std::sort(free_registers.rbegin(), free_registers.rend());
        }
      }
    }
    if (free_registers.empty()) {
      code[i].reg = num_registers++;
    } else {
      code[i].reg = free_registers.back();
      free_registers.pop_back();
    }
  }
  return num_registers;
}

}  // namespace

std::shared_ptr<const Program> Program::compile(std::span<const AstPtr> outputs,
                                                std::span<const std::string> vars) {
  for (size_t i = 0; i < vars.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (vars[i] == vars[j]) throw ExprError("variable '" + vars[i] + "' listed twice", 0);
  Dag dag(vars);
  std::vector<int> roots;
  for (const AstPtr& ast : outputs) roots.push_back(dag.add(ast));
  Emitter emitter(dag);
  std::vector<Operand> output_operands;
  for (int root : roots) output_operands.push_back(emitter.operand(root));
  std::vector<Instruction> code = emitter.take_code();
  const int num_registers = assign_registers(code, output_operands);
  return std::make_shared<ProgramImpl>(static_cast<int>(vars.size()), emitter.take_constants(),
                                       std::move(code), std::move(output_operands),
                                       num_registers);
}

}  // namespace graphrun::expr
