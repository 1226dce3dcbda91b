#include "graph/resolve_attrs.h"

#include "expr/expr.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <optional>
#include <filesystem>
#include <sstream>

namespace graphrun {
namespace {

const char* type_name(int type) {
  switch (type) {
    case GR_ATTR_FLOAT: return "a number";
    case GR_ATTR_INT: return "an integer";
    case GR_ATTR_BOOL: return "true or false";
    case GR_ATTR_STRING: return "a string";
    case GR_ATTR_INT_LIST: return "a list of integers";
    case GR_ATTR_TENSOR: return "a number or a nested list of numbers";
    case GR_ATTR_STRING_LIST: return "a list of strings";
    case GR_ATTR_STRING_MAP: return "a map name -> formula";
    case GR_ATTR_FORMULA: return "a formula (string)";
    case GR_ATTR_INT_OR_STRING: return "an integer or a string";
  }
  return "a value";
}

std::vector<std::string> split_choices(const char* choices) {
  std::vector<std::string> out;
  std::stringstream ss(choices ? choices : "");
  for (std::string c; std::getline(ss, c, '|');) out.push_back(c);
  return out;
}

class AttrResolver {
 public:
  AttrResolver(const GraphFile& file, const NodeSpec& spec, const OpInfo& op, AttrSet& set,
               DiagnosticSink& sink)
      : file_(file), spec_(spec), op_(op), set_(set), sink_(sink) {}

  // Converts `node` to `type`; false (with a diagnostic) when it does not fit.
  bool convert(const YAML::Node& node, const gr_attr_desc& desc, gr_value& out) {
    YAML::Node n = deref(node);
    if (!n) return false;
    const std::string what = "node '" + spec_.id + "': attribute '" + desc.name + "'";
    auto mismatch = [&] {
      error(node, what + " must be " + type_name(desc.type) + ", got " + describe(n));
      return false;
    };
    out = gr_value{};
    switch (desc.type) {
      case GR_ATTR_FLOAT: return scalar_number(n, node, what, out) || mismatch();
      case GR_ATTR_INT: return scalar_int(n, node, what, out) || mismatch();
      case GR_ATTR_BOOL: {
        bool b;
        if (!n.IsScalar() || !YAML::convert<bool>::decode(n, b)) return mismatch();
        out.kind = GR_VALUE_BOOL;
        out.i = b;
        return true;
      }
      case GR_ATTR_STRING:
      case GR_ATTR_FORMULA: {
        if (!n.IsScalar()) return mismatch();
        std::string s = n.Scalar();
        if (desc.type == GR_ATTR_STRING && !interpolate(node, what, s)) return false;
        if (desc.type == GR_ATTR_STRING && !check_choice(node, desc, s)) return false;
        if (desc.type == GR_ATTR_STRING && (std::string(desc.name) == "path" || std::string(desc.name) == "file"))
          s = resolve_path(s);
        out.kind = GR_VALUE_STRING;
        out.s = set_.keep(s);
        return true;
      }
      case GR_ATTR_INT_OR_STRING: {
        if (scalar_int(n, node, what, out, /*quiet=*/true)) return true;
        if (!n.IsScalar()) return mismatch();
        if (!check_choice(node, desc, n.Scalar())) return false;
        out.kind = GR_VALUE_STRING;
        out.s = set_.keep(n.Scalar());
        return true;
      }
      case GR_ATTR_INT_LIST: {
        if (n.IsScalar()) return scalar_int(n, node, what, out) || mismatch();
        if (!n.IsSequence()) return mismatch();
        // Every op's `shape` is the shape of a tensor it makes (random, constant, reshape).
        if (std::string_view(desc.name) == "shape" && n.size() > GR_MAX_RANK) {
          error(node, what + " has " + std::to_string(n.size()) + " axes: tensors have at most " +
                          std::to_string(GR_MAX_RANK));
          return false;
        }
        gr_value* items = set_.new_items(n.size());
        for (size_t k = 0; k < n.size(); ++k) {
          YAML::Node item = deref(n[k]);
          if (!item || !scalar_int(item, n[k], what, items[k])) return item ? mismatch() : false;
        }
        out.kind = GR_VALUE_LIST;
        out.count = static_cast<int64_t>(n.size());
        out.items = items;
        return true;
      }
      case GR_ATTR_TENSOR: return tensor(n, node, what, out, 0) || mismatch();
      case GR_ATTR_STRING_LIST: {
        if (n.IsScalar()) {
          gr_value* items = set_.new_items(1);
          items[0].kind = GR_VALUE_STRING;
          items[0].s = set_.keep(n.Scalar());
          out.kind = GR_VALUE_LIST;
          out.count = 1;
          out.items = items;
          return true;
        }
        if (!n.IsSequence()) return mismatch();
        gr_value* items = set_.new_items(n.size());
        for (size_t k = 0; k < n.size(); ++k) {
          if (!n[k].IsScalar()) return mismatch();
          items[k].kind = GR_VALUE_STRING;
          items[k].s = set_.keep(n[k].Scalar());
        }
        out.kind = GR_VALUE_LIST;
        out.count = static_cast<int64_t>(n.size());
        out.items = items;
        return true;
      }
      case GR_ATTR_STRING_MAP: {
        if (!n.IsMap()) return mismatch();
        gr_value* items = set_.new_items(n.size());
        const char** keys = set_.new_keys(n.size());
        size_t k = 0;
        for (const auto& kv : n) {
          if (!kv.first.IsScalar()) continue;  // reported by check_yaml_structure
          if (!kv.second.IsScalar()) return mismatch();
          keys[k] = set_.keep(kv.first.Scalar());
          set_.entry_locs[std::string(desc.name) + "." + keys[k]] = {loc_of(file_.path, kv.second),
                                                                     kv.second.Tag() == "!"};
          items[k].kind = GR_VALUE_STRING;
          items[k].s = set_.keep(kv.second.Scalar());
          ++k;
        }
        out.kind = GR_VALUE_MAP;
        out.count = static_cast<int64_t>(k);
        out.items = items;
        out.keys = keys;
        return true;
      }
    }
    return mismatch();
  }

 private:
  void error(const YAML::Node& at, std::string message) { sink_.error(loc_of(file_.path, at), std::move(message)); }

  static std::string describe(const YAML::Node& n) {
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a map";
    if (n.IsNull()) return "nothing";
    return "'" + n.Scalar() + "'";
  }

  // Follows a `$name` reference to the param's value (null node + diagnostic if unknown).
  YAML::Node deref(const YAML::Node& n) {
    std::optional<std::string> name = param_reference(n);
    if (!name) return n;
    if (const ParamSpec* p = file_.find_param(*name)) return p->value;
    if (std::find(file_.invalid_params.begin(), file_.invalid_params.end(), *name) == file_.invalid_params.end())
      error(n, "node '" + spec_.id + "': unknown param '$" + *name + "'" + did_you_mean(*name, file_.param_names()));
    set_.incomplete = true;  // reported here or where the param is declared
    return YAML::Node(YAML::NodeType::Undefined);
  }

  bool scalar_number(const YAML::Node& n, const YAML::Node& at, const std::string& what, gr_value& out) {
    bool b;
    if (!n.IsScalar() || YAML::convert<bool>::decode(n, b)) return false;
    std::optional<double> number = yaml_number(n);
    double d = number.value_or(0);
    if (!number) {
      // Arithmetic over params, e.g. steps: "$t_end / $delta + 1".
      if (!looks_like_arithmetic(n.Scalar())) return false;
      std::optional<double> v = evaluate_arithmetic(n.Scalar(), at, what, n.Tag() == "!");
      if (!v) {
        out.kind = GR_VALUE_FLOAT;
        return true;  // reported
      }
      d = *v;
    }
    if (!std::isfinite(d)) {
      error(at, what + " is " + n.Scalar() + ": it must be a finite number");
      out.kind = GR_VALUE_FLOAT;
      return true;  // reported; don't report a type mismatch too
    }
    out.kind = GR_VALUE_FLOAT;
    out.f = d;
    out.i = truncate_to_int64(d);
    return true;
  }

  // d rounded toward zero, saturated to int64_t (a cast of a double out of range is UB).
  static int64_t truncate_to_int64(double d) {
    if (std::isnan(d)) return 0;
    if (d >= 0x1p63) return std::numeric_limits<int64_t>::max();
    if (d < -0x1p63) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(d);
  }

  static bool looks_like_arithmetic(const std::string& s) {
    return s.find_first_of("+-*/^()$") != std::string::npos;
  }

  // The value of a constant formula over the scope's numeric params (`$name` or `name`).
  std::optional<double> evaluate_arithmetic(std::string text, const YAML::Node& at, const std::string& what, bool quoted) {
    std::vector<int> shift(text.size() + 1, 0);  // columns removed by dropping '$' signs
    std::string plain;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '$') plain += text[i];
      shift[plain.size()] = static_cast<int>(i + 1 - plain.size());
    }
    std::map<std::string, double> params;
    for (const auto& [name, v] : file_.numeric_params()) params[name] = v;
    // One variable no formula can name, so that every other name must be a param.
    static const std::vector<std::string> kNoVariables = {"\x01"};
    try {
      expr::AstPtr ast = expr::parse(plain, kNoVariables, params);
      auto program = expr::Program::compile(std::span(&ast, 1), kNoVariables);
      const double zero = 0;
      double result = 0;
      const double* vars[] = {&zero};
      double* outs[] = {&result};
      const int32_t scalar[] = {1};
      program->eval(1, vars, scalar, outs);
      return result;
    } catch (const expr::ExprError& e) {
      SourceLoc loc = loc_of(file_.path, at);
      int offset = std::clamp(e.offset(), 0, static_cast<int>(plain.size()));
      loc.col += offset + shift[static_cast<size_t>(offset)] + (quoted ? 1 : 0);
      sink_.error(loc, what + ": " + e.what());
      return std::nullopt;
    }
  }

  bool scalar_int(const YAML::Node& n, const YAML::Node& at, const std::string& what, gr_value& out,
                  bool quiet = false) {
    gr_value v{};
    if (!scalar_number(n, at, what, v)) return false;
    // A computed count such as "$t_end / $delta" may miss its integer by rounding.
    if (!yaml_number(n) && std::fabs(v.f - std::round(v.f)) <= 1e-9 * std::max(1.0, std::fabs(v.f)))
      v.f = std::round(v.f);
    // Integers are exact in a double only up to 2^53; a plugin reads them as int64_t.
    const bool integral = v.f == std::floor(v.f);
    if (!integral || std::fabs(v.f) > 0x1p53) {
      std::optional<std::string> param = param_reference(at);
      std::string got = n.Scalar() + (param ? " (param $" + *param + ")" : "");
      if (!quiet)
        error(at, what + (integral ? " is " + got + ": integers must lie within +-2^53 (9007199254740992)"
                                   : " must be an integer, got " + got));
      out = v;
      return !quiet;
    }
    out.kind = GR_VALUE_INT;
    out.i = static_cast<int64_t>(v.f);
    out.f = v.f;
    return true;
  }

  // A number or nested list of numbers; `depth` lists enclose n.
  bool tensor(const YAML::Node& n, const YAML::Node& at, const std::string& what, gr_value& out, size_t depth) {
    if (n.IsScalar()) return scalar_number(n, at, what, out);
    if (!n.IsSequence()) return false;
    if (depth == GR_MAX_RANK) {
      error(at, what + ": lists nested more than " + std::to_string(GR_MAX_RANK) +
                    " deep (tensors have at most " + std::to_string(GR_MAX_RANK) + " axes)");
      return true;  // reported; don't report a type mismatch too
    }
    gr_value* items = set_.new_items(n.size());
    for (size_t k = 0; k < n.size(); ++k) {
      YAML::Node item = deref(n[k]);
      if (!item) return true;  // reported by deref
      if (!tensor(item, n[k], what, items[k], depth + 1)) return false;
    }
    out.kind = GR_VALUE_LIST;
    out.count = static_cast<int64_t>(n.size());
    out.items = items;
    return true;
  }

  bool check_choice(const YAML::Node& at, const gr_attr_desc& desc, const std::string& s) {
    auto choices = split_choices(desc.choices);
    if (choices.empty() || std::find(choices.begin(), choices.end(), s) != choices.end()) return true;
    std::string list = desc.type == GR_ATTR_INT_OR_STRING ? "an integer, or " : "";
    for (size_t i = 0; i < choices.size(); ++i) list += (i ? ", " : "") + choices[i];
    error(at, "node '" + spec_.id + "': attribute '" + desc.name + "' is '" + s + "': expected one of " +
                  list + did_you_mean(s, choices));
    return false;
  }

  // Replaces each "${name}" in a string attribute by the text of param `name`.
  bool interpolate(const YAML::Node& at, const std::string& what, std::string& s) {
    for (size_t start = s.find("${"); start != std::string::npos; start = s.find("${", start)) {
      size_t end = s.find('}', start);
      if (end == std::string::npos) {
        error(at, what + ": unclosed '${' in '" + s + "'");
        return false;
      }
      std::string name = s.substr(start + 2, end - start - 2);
      const ParamSpec* param = file_.find_param(name);
      if (!param) {
        error(at, what + ": unknown param '${" + name + "}'" + did_you_mean(name, file_.param_names()));
        return false;
      }
      std::string value = param->value.Scalar();
      s.replace(start, end - start + 1, value);
      start += value.size();
    }
    return true;
  }

  std::string resolve_path(const std::string& s) const { return path_in_graph_dir(file_.dir, s); }

  const GraphFile& file_;
  const NodeSpec& spec_;
  const OpInfo& op_;
  AttrSet& set_;
  DiagnosticSink& sink_;
};

}  // namespace

std::shared_ptr<AttrSet> resolve_attrs(const GraphFile& file, const NodeSpec& spec, const OpInfo& op,
                                       DiagnosticSink& sink) {
  auto set = std::make_shared<AttrSet>();
  const gr_op_desc& d = op.desc;
  std::vector<std::string> declared;
  for (int i = 0; i < d.num_attrs; ++i) declared.emplace_back(d.attrs[i]->name);
  for (const auto& [key, value] : spec.attrs) {
    if (op.attr_index(key) < 0) {
      std::string hint = did_you_mean(key, declared);
      if (hint.empty() && op.input_index(key) >= 0) hint = " ('" + key + "' is an input port: put it under 'in')";
      sink.error(spec.attr_key_locs.at(key),
                 "node '" + spec.id + "': unknown attribute '" + key + "' for op '" + d.name + "'" + hint);
    }
  }
  AttrResolver resolver(file, spec, op, *set, sink);
  for (int i = 0; i < d.num_attrs; ++i) {
    const gr_attr_desc& desc = *d.attrs[i];
    set->names.push_back(desc.name);
    gr_value v = desc.default_value;
    SourceLoc loc = spec.loc;
    bool quoted = false;
    auto it = std::find_if(spec.attrs.begin(), spec.attrs.end(), [&](auto& a) { return a.first == desc.name; });
    if (it != spec.attrs.end()) {
      loc = loc_of(file.path, it->second);
      quoted = it->second.IsScalar() && it->second.Tag() == "!";
      if (!resolver.convert(it->second, desc, v)) v = gr_value{};
    } else if (desc.required) {
      sink.error(spec.loc, "node '" + spec.id + "': missing required attribute '" + desc.name + "' (" +
                               type_name(desc.type) + (desc.doc && *desc.doc ? ": " + std::string(desc.doc) : "") + ")");
    }
    set->values.push_back(v);
    set->locs.push_back(loc);
    set->quoted.push_back(quoted);
    set->given.push_back(it != spec.attrs.end());
  }
  return set;
}

}  // namespace graphrun
