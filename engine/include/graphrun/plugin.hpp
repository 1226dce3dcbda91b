// graphrun plugin API, header-only C++ layer over plugin_api.h.
//
// An op is one OpDef: ports, typed attributes, and plain C++ functions for inference and
// the kernel. Exceptions never cross the C boundary: the trampolines below turn UserError
// into GR_USER_ERROR and any other exception into GR_RUNTIME_ERROR, with the message.
#pragma once

#include <graphrun/plugin_api.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <initializer_list>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace graphrun::plugin {

/// An error in the graph the user wrote (exit code 2): names the attribute or port it is
/// about, and optionally a column inside a formula.
class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message, std::string attr = {}, int offset = -1)
      : std::runtime_error(message), attr_(std::move(attr)), offset_(offset) {}
  const std::string& attr() const { return attr_; }
  int offset() const { return offset_; }

 private:
  std::string attr_;
  int offset_;
};

using Shape = std::vector<int64_t>;

/// Number of elements of a shape (1 for a scalar).
inline int64_t numel(std::span<const int64_t> shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

/// "(2, 3)" as numpy prints shapes.
inline std::string shape_str(std::span<const int64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

/// Non-owning view of a gr_tensor.
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(const gr_tensor* t) : t_(t) {}
  bool valid() const { return t_ != nullptr; }
  gr_dtype dtype() const { return static_cast<gr_dtype>(t_->dtype); }
  int rank() const { return t_->rank; }
  std::span<const int64_t> shape() const { return {t_->shape, static_cast<size_t>(t_->rank)}; }
  Shape shape_vec() const { return {t_->shape, t_->shape + t_->rank}; }
  int64_t dim(int axis) const { return t_->shape[axis < 0 ? axis + t_->rank : axis]; }
  int64_t numel() const { return plugin::numel(shape()); }
  template <typename T> const T* data() const { return static_cast<const T*>(t_->data); }
  const gr_tensor* raw() const { return t_; }

 private:
  const gr_tensor* t_ = nullptr;
};

/// Writable view of an output tensor.
class OutTensor {
 public:
  explicit OutTensor(gr_tensor* t) : t_(t) {}
  std::span<const int64_t> shape() const { return {t_->shape, static_cast<size_t>(t_->rank)}; }
  int rank() const { return t_->rank; }
  int64_t dim(int axis) const { return t_->shape[axis < 0 ? axis + t_->rank : axis]; }
  int64_t numel() const { return plugin::numel(shape()); }
  template <typename T> T* data() const { return static_cast<T*>(t_->data); }
  gr_tensor* raw() const { return t_; }

 private:
  gr_tensor* t_;
};

/// Calls f.template operator()<float>() or <double>() by dtype.
template <typename F> decltype(auto) dispatch(int32_t dtype, F&& f) {
  if (dtype == GR_F64) return f.template operator()<double>();
  return f.template operator()<float>();
}

/// What callbacks see of a node: inputs by port, attributes by name, params, host services.
class Node {
 public:
  explicit Node(const gr_node* n) : n_(n) {}
  const char* id() const { return n_->id; }
  gr_dtype dtype() const { return static_cast<gr_dtype>(n_->dtype); }
  const gr_host& host() const { return *n_->host; }
  const gr_node* raw() const { return n_; }
  void* state() const { return n_->state; }

  int num_inputs() const { return n_->num_inputs; }
  std::string_view input_name(int i) const { return n_->input_names[i]; }
  Tensor input(int i) const { return Tensor(&n_->inputs[i]); }
  /// Index of the connected input on `port`, or -1.
  int input_index(std::string_view port) const {
    for (int i = 0; i < n_->num_inputs; ++i)
      if (port == n_->input_names[i]) return i;
    return -1;
  }
  bool has_input(std::string_view port) const { return input_index(port) >= 0; }
  /// The input on `port`; an empty view when it is not connected.
  Tensor input(std::string_view port) const {
    int i = input_index(port);
    return i < 0 ? Tensor() : Tensor(&n_->inputs[i]);
  }

  const gr_value* attr_value(std::string_view name) const {
    for (int i = 0; i < n_->num_attrs; ++i)
      if (name == n_->attr_names[i]) return &n_->attrs[i];
    throw std::logic_error("attribute '" + std::string(name) + "' is not declared by the op");
  }
  bool has_attr(std::string_view name) const { return attr_value(name)->kind != GR_VALUE_NONE; }
  double attr_float(std::string_view name) const { return attr_value(name)->f; }
  int64_t attr_int(std::string_view name) const { return attr_value(name)->i; }
  bool attr_bool(std::string_view name) const { return attr_value(name)->i != 0; }
  std::string attr_string(std::string_view name) const {
    const gr_value* v = attr_value(name);
    if (v->kind == GR_VALUE_STRING) return v->s;
    if (v->kind == GR_VALUE_INT) return std::to_string(v->i);
    return {};
  }
  std::vector<int64_t> attr_ints(std::string_view name) const {
    const gr_value* v = attr_value(name);
    if (v->kind == GR_VALUE_INT) return {v->i};
    std::vector<int64_t> out;
    for (int64_t k = 0; k < v->count; ++k) out.push_back(v->items[k].i);
    return out;
  }
  std::vector<std::string> attr_strings(std::string_view name) const {
    const gr_value* v = attr_value(name);
    std::vector<std::string> out;
    for (int64_t k = 0; k < v->count; ++k) out.emplace_back(v->items[k].s);
    return out;
  }
  /// A string map attribute (e.g. ode's rhs) as ordered pairs.
  std::vector<std::pair<std::string, std::string>> attr_map(std::string_view name) const {
    const gr_value* v = attr_value(name);
    std::vector<std::pair<std::string, std::string>> out;
    for (int64_t k = 0; k < v->count; ++k) out.emplace_back(v->keys[k], v->items[k].s);
    return out;
  }

  /// Applies the fused elementwise epilogue (if any) in place to n values of the first
  /// output, just written. Call it from the kernel, per chunk, when the op declared
  /// supports_epilogue().
  template <typename T> void apply_epilogue(T* values, int64_t n) const {
    if (!n_->epilogue || n <= 0) return;
    const void* in[] = {values};
    void* out[] = {values};
    const int32_t scalar[] = {0};
    n_->host->program_eval(n_->epilogue, n_->dtype, n, in, scalar, out);
  }
  bool has_epilogue() const { return n_->epilogue != nullptr; }

  /// Runs body(begin, end) over [0, n) in fixed chunks of `grain`, in parallel.
  template <typename Body> void parallel_for(int64_t n, int64_t grain, Body&& body) const {
    using Callable = std::remove_reference_t<Body>;
    auto trampoline = [](void* ctx, int64_t b, int64_t e) { (*static_cast<Callable*>(ctx))(b, e); };
    n_->host->parallel_for(0, n, grain < 1 ? 1 : grain, trampoline,
                           const_cast<void*>(static_cast<const void*>(&body)));
  }

 private:
  const gr_node* n_;
};

/// The outputs a shape inference declares.
class Outputs {
 public:
  Outputs(gr_outputs* o, gr_dtype dtype) : o_(o), dtype_(dtype) {}
  /// Declares the next output (its name is the op's port name unless given).
  void add(std::span<const int64_t> shape, std::string_view name = {}) {
    if (o_->count >= GR_MAX_OUTPUTS) throw std::logic_error("too many outputs");
    if (shape.size() > GR_MAX_RANK) throw UserError("rank " + std::to_string(shape.size()) +
                                                    " exceeds the maximum of 8");
    gr_tensor& t = o_->tensors[o_->count];
    t = gr_tensor{};
    t.dtype = dtype_;
    t.rank = static_cast<int32_t>(shape.size());
    for (size_t i = 0; i < shape.size(); ++i) t.shape[i] = shape[i];
    size_t n = std::min(name.size(), sizeof o_->names[0] - 1);
    if (n) std::memcpy(o_->names[o_->count], name.data(), n);
    o_->names[o_->count][n] = '\0';
    ++o_->count;
  }
  void add(std::initializer_list<int64_t> shape, std::string_view name = {}) {
    add(std::span<const int64_t>(shape.begin(), shape.size()), name);
  }

 private:
  gr_outputs* o_;
  gr_dtype dtype_;
};

using InferFn = std::function<void(const Node&, Outputs&)>;
using KernelFn = std::function<void(const Node&, std::span<OutTensor>)>;
using ExpressionFn = std::function<std::string(const Node&)>;
using PrepareFn = std::function<void*(const Node&)>;
using ReleaseFn = std::function<void(void*)>;

/// Builder for one op. Copyable; the C descriptor is built by desc() from the op's final
/// home (register_ops keeps it for the life of the process).
class OpDef {
 public:
  OpDef(std::string name, std::string doc) : name_(std::move(name)), doc_(std::move(doc)) {}

  OpDef& input(std::string name, std::string doc, bool optional = false) {
    inputs_.push_back({std::move(name), std::move(doc), optional});
    return *this;
  }
  OpDef& output(std::string name, std::string doc) {
    outputs_.push_back({std::move(name), std::move(doc), false});
    return *this;
  }
  OpDef& variadic_inputs() { flags_ |= GR_OP_VARIADIC_INPUTS; return *this; }
  OpDef& dynamic_outputs() { flags_ |= GR_OP_DYNAMIC_OUTPUTS; return *this; }
  /// The kernel applies Node::apply_epilogue to each chunk of its first output it writes,
  /// so a following elementwise chain fuses into the op's output loop.
  OpDef& supports_epilogue() { flags_ |= GR_OP_EPILOGUE; return *this; }

  /// A required attribute (no default).
  OpDef& attr(std::string name, gr_attr_type type, std::string doc, const char* choices = nullptr) {
    return add_attr(std::move(name), type, true, gr_value{}, {}, std::move(doc), choices);
  }
  /// An optional attribute without default (absent: kind NONE).
  OpDef& attr_optional(std::string name, gr_attr_type type, std::string doc,
                       const char* choices = nullptr) {
    return add_attr(std::move(name), type, false, gr_value{}, {}, std::move(doc), choices);
  }
  OpDef& attr(std::string name, double default_value, std::string doc) {
    gr_value v{};
    v.kind = GR_VALUE_FLOAT;
    v.f = default_value;
    return add_attr(std::move(name), GR_ATTR_FLOAT, false, v, {}, std::move(doc), nullptr);
  }
  OpDef& attr_int(std::string name, int64_t default_value, std::string doc) {
    gr_value v{};
    v.kind = GR_VALUE_INT;
    v.i = default_value;
    v.f = static_cast<double>(default_value);
    return add_attr(std::move(name), GR_ATTR_INT, false, v, {}, std::move(doc), nullptr);
  }
  OpDef& attr_bool(std::string name, bool default_value, std::string doc) {
    gr_value v{};
    v.kind = GR_VALUE_BOOL;
    v.i = default_value;
    return add_attr(std::move(name), GR_ATTR_BOOL, false, v, {}, std::move(doc), nullptr);
  }
  /// A string attribute with a default, one of `choices` ("a|b|c") when given.
  OpDef& attr_choice(std::string name, std::string default_value, const char* choices,
                     std::string doc, gr_attr_type type = GR_ATTR_STRING) {
    gr_value v{};
    v.kind = GR_VALUE_STRING;
    return add_attr(std::move(name), type, false, v, std::move(default_value), std::move(doc), choices);
  }

  OpDef& infer(InferFn f) { infer_ = std::move(f); return *this; }
  OpDef& prepare(PrepareFn p, ReleaseFn r) { prepare_ = std::move(p); release_ = std::move(r); return *this; }
  OpDef& cpu(KernelFn f) { cpu_ = std::move(f); return *this; }
  OpDef& cuda(KernelFn f) { cuda_ = std::move(f); return *this; }
  /// Marks the op elementwise: a formula over port names, attribute names and params.
  OpDef& elementwise(std::string formula) {
    return elementwise([f = std::move(formula)](const Node&) { return f; });
  }
  OpDef& elementwise(ExpressionFn f) { expression_ = std::move(f); return *this; }

  /// The C descriptor; its pointers stay valid while this OpDef is neither moved nor changed.
  const gr_op_desc& desc() {
    c_inputs_.clear();
    for (const auto& p : inputs_) c_inputs_.push_back({p.name.c_str(), p.doc.c_str(), p.optional});
    c_outputs_.clear();
    for (const auto& p : outputs_) c_outputs_.push_back({p.name.c_str(), p.doc.c_str(), 0});
    c_attrs_.clear();
    for (const auto& a : attrs_) {
      gr_value def = a.default_value;
      if (def.kind == GR_VALUE_STRING) def.s = a.default_string.c_str();
      c_attrs_.push_back({a.name.c_str(), a.type, a.required, def,
                          a.choices.empty() ? nullptr : a.choices.c_str(), a.doc.c_str()});
    }
    desc_ = gr_op_desc{};
    desc_.api_version = GRAPHRUN_API_VERSION;
    desc_.struct_size = sizeof(gr_op_desc);
    desc_.name = name_.c_str();
    desc_.doc = doc_.c_str();
    desc_.flags = flags_;
    desc_.num_inputs = static_cast<int32_t>(c_inputs_.size());
    desc_.inputs = c_inputs_.data();
    desc_.num_outputs = static_cast<int32_t>(c_outputs_.size());
    desc_.outputs = c_outputs_.data();
    desc_.num_attrs = static_cast<int32_t>(c_attrs_.size());
    desc_.attrs = c_attrs_.data();
    desc_.user = this;
    if (infer_) desc_.infer = &OpDef::infer_trampoline;
    if (prepare_) desc_.prepare = &OpDef::prepare_trampoline;
    if (release_) desc_.release = &OpDef::release_trampoline;
    if (cpu_) desc_.cpu_kernel = &OpDef::cpu_trampoline;
    if (cuda_) desc_.cuda_kernel = &OpDef::cuda_trampoline;
    if (expression_) desc_.expression = &OpDef::expression_trampoline;
    return desc_;
  }

 private:
  struct Port {
    std::string name, doc;
    bool optional;
  };
  struct Attr {
    std::string name;
    gr_attr_type type;
    bool required;
    gr_value default_value;
    std::string default_string;
    std::string doc, choices;
  };

  OpDef& add_attr(std::string name, gr_attr_type type, bool required, gr_value def,
                  std::string def_string, std::string doc, const char* choices) {
    attrs_.push_back({std::move(name), type, required, def, std::move(def_string), std::move(doc),
                      choices ? choices : ""});
    return *this;
  }

  static int fail(gr_status* st, int code, const char* msg, const std::string& attr, int offset) {
    st->code = code;
    st->offset = offset;
    std::snprintf(st->attr, sizeof st->attr, "%s", attr.c_str());
    std::snprintf(st->message, sizeof st->message, "%s", msg);
    return code;
  }
  template <typename F> static int guarded(gr_status* st, F&& f) {
    try {
      f();
      return GR_OK;
    } catch (const UserError& e) {
      return fail(st, GR_USER_ERROR, e.what(), e.attr(), e.offset());
    } catch (const std::exception& e) {
      return fail(st, GR_RUNTIME_ERROR, e.what(), {}, -1);
    } catch (...) {
      return fail(st, GR_RUNTIME_ERROR, "unknown exception", {}, -1);
    }
  }
  static int infer_trampoline(void* user, const gr_node* n, gr_outputs* o, gr_status* st) {
    return guarded(st, [&] {
      Outputs outs(o, static_cast<gr_dtype>(n->dtype));
      static_cast<OpDef*>(user)->infer_(Node(n), outs);
    });
  }
  static int prepare_trampoline(void* user, const gr_node* n, void** state, gr_status* st) {
    return guarded(st, [&] { *state = static_cast<OpDef*>(user)->prepare_(Node(n)); });
  }
  static void release_trampoline(void* user, void* state) {
    try {
      static_cast<OpDef*>(user)->release_(state);
    } catch (...) {
    }
  }
  static int run(const KernelFn& f, const gr_node* n, gr_tensor* outs, int32_t count, gr_status* st) {
    return guarded(st, [&] {
      std::vector<OutTensor> views;
      for (int32_t i = 0; i < count; ++i) views.emplace_back(&outs[i]);
      f(Node(n), views);
    });
  }
  static int cpu_trampoline(void* user, const gr_node* n, gr_tensor* outs, int32_t count, gr_status* st) {
    return run(static_cast<OpDef*>(user)->cpu_, n, outs, count, st);
  }
  static int cuda_trampoline(void* user, const gr_node* n, gr_tensor* outs, int32_t count, gr_status* st) {
    return run(static_cast<OpDef*>(user)->cuda_, n, outs, count, st);
  }
  static int expression_trampoline(void* user, const gr_node* n, char* buf, size_t cap, gr_status* st) {
    return guarded(st, [&] {
      std::string f = static_cast<OpDef*>(user)->expression_(Node(n));
      if (f.size() + 1 > cap) throw std::length_error("formula too long");
      std::memcpy(buf, f.c_str(), f.size() + 1);
    });
  }

  std::string name_, doc_;
  int32_t flags_ = 0;
  std::vector<Port> inputs_, outputs_;
  std::vector<Attr> attrs_;
  std::vector<gr_port_desc> c_inputs_, c_outputs_;
  std::vector<gr_attr_desc> c_attrs_;
  InferFn infer_;
  PrepareFn prepare_;
  ReleaseFn release_;
  KernelFn cpu_, cuda_;
  ExpressionFn expression_;
  gr_op_desc desc_{};
};

/// Registers every op; the OpDefs are kept for the life of the process. Returns a gr_code.
inline int register_ops(gr_registrar* reg, std::vector<OpDef> ops) {
  if (reg->api_version != GRAPHRUN_API_VERSION) {
    reg->refuse_version(reg, GRAPHRUN_API_VERSION);
    return GR_USER_ERROR;
  }
  static std::deque<OpDef> kept;  // plugins are never unloaded while ops may be used
  for (OpDef& op : ops) {
    OpDef& k = kept.emplace_back(std::move(op));
    gr_status st{};
    if (int rc = reg->register_op(reg, &k.desc(), &st); rc != GR_OK) return rc;
  }
  return GR_OK;
}

}  // namespace graphrun::plugin

/// Defines the plugin's entry point: GRAPHRUN_PLUGIN(reg) { return register_ops(reg, {...}); }
#define GRAPHRUN_PLUGIN(reg) extern "C" GR_EXPORT int graphrun_plugin_init(gr_registrar* reg)
