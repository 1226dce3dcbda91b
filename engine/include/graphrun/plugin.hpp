// graphrun plugin API, header-only C++ layer over plugin_api.h.
//
// An op is one OpDef: ports, typed attributes, and plain C++ functions for inference and
// the kernel. Exceptions never cross the C boundary: the trampolines below turn UserError
// into GR_USER_ERROR and any other exception into GR_RUNTIME_ERROR, with the message.
#pragma once

#include <graphrun/plugin_api.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
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
  /// Where the bytes live: GR_MEMORY_HOST for CPU kernels, GR_MEMORY_DEVICE for CUDA kernels.
  gr_memory memory() const { return static_cast<gr_memory>(t_->memory); }
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
  gr_memory memory() const { return static_cast<gr_memory>(t_->memory); }
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
  Tensor input(int i) const { return Tensor(n_->inputs[i]); }
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
    return i < 0 ? Tensor() : Tensor(n_->inputs[i]);
  }

  const gr_value* attr_value(std::string_view name) const {
    for (int i = 0; i < n_->num_attrs; ++i)
      if (name == n_->attr_names[i]) return &n_->attrs[i];
    throw std::logic_error("attribute '" + std::string(name) + "' is not declared by the op");
  }
  bool has_attr(std::string_view name) const { return attr_value(name)->kind != GR_VALUE_NONE; }
  /// A FLOAT attribute (an INT value reads as its double).
  double attr_float(std::string_view name) const {
    const gr_value* v = attr_of_kind(name, GR_VALUE_FLOAT, GR_VALUE_INT, "a number");
    return v->kind == GR_VALUE_INT ? static_cast<double>(v->i) : v->f;
  }
  int64_t attr_int(std::string_view name) const { return attr_of_kind(name, GR_VALUE_INT, GR_VALUE_INT, "an int")->i; }
  bool attr_bool(std::string_view name) const { return attr_of_kind(name, GR_VALUE_BOOL, GR_VALUE_BOOL, "a bool")->i != 0; }
  /// A STRING attribute; an INT_OR_STRING attribute given as an int reads as its text.
  std::string attr_string(std::string_view name) const {
    const gr_value* v = attr_of_kind(name, GR_VALUE_STRING, GR_VALUE_INT, "a string");
    return v->kind == GR_VALUE_STRING ? std::string(v->s) : std::to_string(v->i);
  }
  /// An INT_LIST attribute (a single int reads as a list of one).
  std::vector<int64_t> attr_ints(std::string_view name) const {
    const gr_value* v = attr_of_kind(name, GR_VALUE_LIST, GR_VALUE_INT, "a list of ints");
    if (v->kind == GR_VALUE_INT) return {v->i};
    std::vector<int64_t> out;
    for (int64_t k = 0; k < v->count; ++k) out.push_back(item_of_kind(name, v->items[k], GR_VALUE_INT).i);
    return out;
  }
  std::vector<std::string> attr_strings(std::string_view name) const {
    const gr_value* v = attr_of_kind(name, GR_VALUE_LIST, GR_VALUE_LIST, "a list of strings");
    std::vector<std::string> out;
    for (int64_t k = 0; k < v->count; ++k) out.emplace_back(item_of_kind(name, v->items[k], GR_VALUE_STRING).s);
    return out;
  }
  /// A string map attribute (e.g. ode's rhs) as ordered pairs.
  std::vector<std::pair<std::string, std::string>> attr_map(std::string_view name) const {
    const gr_value* v = attr_of_kind(name, GR_VALUE_MAP, GR_VALUE_MAP, "a map");
    std::vector<std::pair<std::string, std::string>> out;
    for (int64_t k = 0; k < v->count; ++k)
      out.emplace_back(v->keys[k], item_of_kind(name, v->items[k], GR_VALUE_STRING).s);
    return out;
  }

  /// Applies the fused elementwise epilogue (if any) in place to n values of the first
  /// output, just written. Call it from the CPU kernel, per chunk, when the op declared
  /// supports_epilogue() (host memory only: a CUDA kernel uses epilogue() instead).
  template <typename T> void apply_epilogue(T* values, int64_t n) const {
    if (!n_->epilogue || n <= 0) return;
    const void* in[] = {values};
    void* out[] = {values};
    const int32_t scalar[] = {0};
    n_->host->program_eval(n_->epilogue, n_->dtype, n, in, scalar, out);
  }
  bool has_epilogue() const { return n_->epilogue != nullptr; }
  /// The epilogue's program (null when the node has none): one variable, the op's value; one
  /// result. A CUDA kernel of an op that declared applies_epilogue_on_device() folds its
  /// program_cuda() statements into the device code it generates; elsewhere, a CUDA kernel
  /// never sees one.
  const gr_program* epilogue() const { return n_->epilogue; }

  /// Runs body(begin, end) over [0, n) in fixed chunks of `grain`, in parallel. An exception
  /// thrown by body stops the remaining chunks and is rethrown here, after the host's C
  /// frames are left (exceptions never unwind through the host).
  template <typename Body> void parallel_for(int64_t n, int64_t grain, Body&& body) const {
    struct Context {
      explicit Context(std::remove_reference_t<Body>* b) : body(b) {}
      std::remove_reference_t<Body>* body;
      std::atomic<bool> failed{false};
      std::mutex mutex;
      std::exception_ptr error;
    } context(&body);
    auto trampoline = [](void* ctx, int64_t b, int64_t e) noexcept {
      auto* c = static_cast<Context*>(ctx);
      if (c->failed.load(std::memory_order_relaxed)) return;
      try {
        (*c->body)(b, e);
      } catch (...) {
        std::lock_guard lock(c->mutex);
        if (!c->failed.exchange(true)) c->error = std::current_exception();
      }
    };
    n_->host->parallel_for(0, n, grain < 1 ? 1 : grain, trampoline, &context);
    if (context.error) std::rethrow_exception(context.error);
  }

  /// Tells the progress display how much of this node's work is done (0..1). A no-op on a
  /// host older than API 2.1.
  void report_progress(double fraction) const {
    if (GR_HAS_FIELD(n_->host, gr_host, report_progress) && n_->host->report_progress)
      n_->host->report_progress(n_, fraction);
  }

  /// In a cuda_kernel: the cudaStream_t (as void*) to launch all work on; the host orders it
  /// after the inputs and before the consumers. Null in a CPU kernel or on a host older than 2.2.
  void* cuda_stream() const {
    return GR_HAS_FIELD(n_->host, gr_host, cuda_stream) && n_->host->cuda_stream ? n_->host->cuda_stream(n_)
                                                                                   : nullptr;
  }
  /// In a cuda_kernel: stream-ordered device memory of `bytes` for this call (freed by the
  /// host after it). Throws std::runtime_error when the device is full or outside a CUDA call.
  void* device_scratch(size_t bytes) const {
    if (!GR_HAS_FIELD(n_->host, gr_host, device_scratch) || !n_->host->device_scratch)
      throw std::runtime_error("device_scratch: this graphrun is older than plugin API 2.2");
    gr_status status{};
    void* p = n_->host->device_scratch(n_, bytes, &status);
    if (!p) throw std::runtime_error(std::string(status.message, strnlen(status.message, sizeof status.message)));
    return p;
  }
  /// For an op flagged scans_blocks(): how many MPI ranks the node's scan axis is split
  /// over (1 outside such a run, or on a host older than 2.4) and which block this node holds.
  struct ScanShare {
    int rank = 0, ranks = 1;
  };
  ScanShare scan_share() const {
    ScanShare share;
    if (GR_HAS_FIELD(n_->host, gr_host, scan_ranks) && n_->host->scan_ranks) {
      int32_t rank = 0;
      share.ranks = n_->host->scan_ranks(n_, &rank);
      share.rank = rank;
    }
    return share;
  }
  /// Every rank's carry, in rank order (gr_host.scan_exchange): `mine` in; rank q's bytes at
  /// all.subspan(offsets[q], offsets[q + 1] - offsets[q]). Valid until the next call or the
  /// kernel's return. Throws std::runtime_error when another rank failed.
  struct ScanCarries {
    std::span<const std::byte> all;
    std::span<const int64_t> offsets;  // ranks + 1 entries
    std::span<const std::byte> of(int rank) const {
      return all.subspan(static_cast<size_t>(offsets[static_cast<size_t>(rank)]),
                         static_cast<size_t>(offsets[static_cast<size_t>(rank) + 1] - offsets[static_cast<size_t>(rank)]));
    }
  };
  ScanCarries scan_exchange(std::span<const std::byte> mine) const {
    if (!GR_HAS_FIELD(n_->host, gr_host, scan_exchange) || !n_->host->scan_exchange) {
      thread_local int64_t alone[2];  // a host older than 2.4: one rank
      alone[0] = 0;
      alone[1] = static_cast<int64_t>(mine.size());
      return {mine, std::span<const int64_t>(alone, 2)};
    }
    gr_status status{};
    const void* all = nullptr;
    const int64_t* offsets = nullptr;
    if (n_->host->scan_exchange(n_, mine.data(), static_cast<int64_t>(mine.size()), &all, &offsets, &status) != GR_OK)
      throw std::runtime_error(std::string(status.message, strnlen(status.message, sizeof status.message)));
    const int ranks = scan_share().ranks;
    return {{static_cast<const std::byte*>(all), static_cast<size_t>(offsets[ranks])},
            {offsets, static_cast<size_t>(ranks) + 1}};
  }
  /// In a cuda_kernel: the device's compute capability as major * 10 + minor (90 on Hopper);
  /// 0 in a CPU kernel or on a host older than 2.2.
  int compute_capability() const {
    return GR_HAS_FIELD(n_->host, gr_host, device_compute_capability) && n_->host->device_compute_capability
               ? n_->host->device_compute_capability(n_)
               : 0;
  }

  /// API 2.5: whether the host offers kernels generated at run time (program_cuda,
  /// cuda_function, cuda_launch, cuda_check). False on a host older than 2.5.
  bool has_generated_cuda_kernels() const {
    return GR_HAS_FIELD(n_->host, gr_host, cuda_check) && n_->host->program_cuda && n_->host->cuda_function &&
           n_->host->cuda_launch && n_->host->cuda_check;
  }
  /// The CUDA statements of one element of `program` (gr_host::program_cuda): `v[i]` in,
  /// `out[k]` out, in a type T the caller's source defines, for a source that includes
  /// <graphrun/cuda/elementwise_math.cuh>. Throws std::runtime_error on a host older than 2.5.
  std::string program_cuda(const gr_program* program) const {
    require_generated_kernels("program_cuda");
    const size_t length = n_->host->program_cuda(program, nullptr, 0);
    if (length == 0) throw std::runtime_error("program_cuda: the host could not write the program's CUDA text");
    std::string text(length + 1, '\0');
    n_->host->program_cuda(program, text.data(), text.size());
    text.resize(length);
    return text;
  }
  /// In a cuda_kernel: compiles `source` with NVRTC (cached) and loads it; its extern "C"
  /// __global__ function `symbol` as a handle for cuda_launch. Throws std::runtime_error
  /// with NVRTC's log when it does not compile.
  void* cuda_function(const std::string& source, const char* symbol) const {
    require_generated_kernels("cuda_function");
    gr_status status{};
    void* kernel = n_->host->cuda_function(n_, source.c_str(), symbol, &status);
    if (!kernel) throw std::runtime_error(std::string(status.message, strnlen(status.message, sizeof status.message)));
    return kernel;
  }
  /// A launch shape in three dimensions (unused ones 1).
  struct Dim3 {
    uint32_t x = 1, y = 1, z = 1;
  };
  /// In a cuda_kernel: launches `kernel` (cuda_function) on the node's stream; args[i] points
  /// at parameter i's value. Throws std::runtime_error when the launch fails.
  void cuda_launch(void* kernel, Dim3 grid, Dim3 block, uint32_t shared_bytes, void* const* args) const {
    require_generated_kernels("cuda_launch");
    const uint32_t g[3] = {grid.x, grid.y, grid.z}, b[3] = {block.x, block.y, block.z};
    gr_status status{};
    if (n_->host->cuda_launch(n_, kernel, g, b, shared_bytes, args, &status) != GR_OK)
      throw std::runtime_error(std::string(status.message, strnlen(status.message, sizeof status.message)));
  }
  /// In a cuda_kernel: has the host copy `bytes` bytes at `device_bytes` once the work queued
  /// so far is done, and call Check(node, those bytes) after its next synchronization (at the
  /// latest when the run ends); an exception thrown by Check fails the run at this node, as
  /// one thrown by the kernel would. Check reads only attributes, params and state.
  template <void (*Check)(const Node&, std::span<const std::byte>)>
  void cuda_check(const void* device_bytes, size_t bytes) const {
    require_generated_kernels("cuda_check");
    gr_status status{};
    if (n_->host->cuda_check(n_, device_bytes, bytes, &check_trampoline<Check>, &status) != GR_OK)
      throw std::runtime_error(std::string(status.message, strnlen(status.message, sizeof status.message)));
  }

 private:
  static const char* kind_name(int32_t kind) {
    static const char* const names[] = {"absent", "a bool", "an int", "a float", "a string", "a list", "a map"};
    return kind >= 0 && kind <= GR_VALUE_MAP ? names[kind] : "of an unknown kind";
  }
  // The attribute, checked to hold one of two kinds: reading a value as the wrong type is a
  // bug in the plugin, reported as such rather than read as garbage.
  const gr_value* attr_of_kind(std::string_view name, int32_t kind, int32_t alternative, const char* wanted) const {
    const gr_value* v = attr_value(name);
    if (v->kind != kind && v->kind != alternative)
      throw std::logic_error("attribute '" + std::string(name) + "' is " + kind_name(v->kind) + ", read as " +
                             wanted + (v->kind == GR_VALUE_NONE ? " (check has_attr first)" : ""));
    return v;
  }
  void require_generated_kernels(const char* what) const {
    if (!has_generated_cuda_kernels())
      throw std::runtime_error(std::string(what) + ": this graphrun is older than plugin API 2.5");
  }
  template <void (*Check)(const Node&, std::span<const std::byte>)>
  static int check_trampoline(const gr_node* node, const void* bytes, size_t size, gr_status* status) noexcept {
    auto fail = [&](const char* message) {
      status->code = GR_RUNTIME_ERROR;
      status->offset = -1;
      std::snprintf(status->message, sizeof status->message, "%s", message);
      return static_cast<int>(GR_RUNTIME_ERROR);
    };
    try {
      Check(Node(node), std::span<const std::byte>(static_cast<const std::byte*>(bytes), size));
      return GR_OK;
    } catch (const std::exception& e) {
      return fail(e.what());
    } catch (...) {
      return fail("unknown exception");
    }
  }
  static const gr_value& item_of_kind(std::string_view name, const gr_value& item, int32_t kind) {
    if (item.kind != kind)
      throw std::logic_error("attribute '" + std::string(name) + "' holds an item that is " + kind_name(item.kind));
    return item;
  }

  const gr_node* n_;
};

/// The outputs a shape inference declares, through the host (which checks them).
class Outputs {
 public:
  Outputs(gr_outputs* o, const gr_node* node) : o_(o), node_(node) {}
  /// Declares the next output (its name is the op's port name unless given).
  void add(std::span<const int64_t> shape, std::string_view name = {}) {
    if (shape.size() > GR_MAX_RANK)
      throw UserError("rank " + std::to_string(shape.size()) + " exceeds the maximum of " + std::to_string(GR_MAX_RANK));
    gr_tensor t{};
    t.struct_size = sizeof(gr_tensor);
    t.dtype = node_->dtype;
    t.rank = static_cast<int32_t>(shape.size());
    t.memory = GR_MEMORY_HOST;
    for (size_t i = 0; i < shape.size(); ++i) t.shape[i] = shape[i];
    std::string n(name);
    gr_status st{};
    // What the host refuses here (a negative dimension, too many outputs) is the op's bug.
    if (node_->host->declare_output(o_, n.c_str(), &t, &st) != GR_OK) throw std::logic_error(st.message);
  }
  void add(std::initializer_list<int64_t> shape, std::string_view name = {}) {
    add(std::span<const int64_t>(shape.begin(), shape.size()), name);
  }

 private:
  gr_outputs* o_;
  const gr_node* node_;
};

using InferFn = std::function<void(const Node&, Outputs&)>;
using KernelFn = std::function<void(const Node&, std::span<OutTensor>)>;
using ExpressionFn = std::function<std::string(const Node&)>;
using PrepareFn = std::function<void*(const Node&)>;
using ReleaseFn = std::function<void(void*)>;

/// Builder for one op. Copyable; the C descriptor is built by desc() from the op's final
/// home (register_ops keeps it for the life of the process). desc() refuses a descriptor
/// the host would refuse, with the same reasons, so the mistake shows where it was made.
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
  /// API 2.5, with supports_epilogue(): the CUDA kernel applies the epilogue itself
  /// (Node::epilogue(), typically as Node::program_cuda statements in the device code it
  /// generates), so graphrun launches no epilogue kernel of its own after it. Without this,
  /// a CUDA kernel never sees the epilogue and graphrun applies it in place after the kernel.
  OpDef& applies_epilogue_on_device() { flags_ |= GR_OP_CUDA_EPILOGUE; return *this; }
  /// The op scans along the last axis and, in a run sharded along it, runs on one block per
  /// MPI rank: its kernel asks Node::scan_share() and trades carries with scan_exchange().
  OpDef& scans_blocks() { flags_ |= GR_OP_SCAN_BLOCKS; return *this; }
  /// The op's own version, shown by `graphrun ops`.
  OpDef& version(std::string v) { version_ = std::move(v); return *this; }

  /// A required attribute (no default).
  OpDef& attr(std::string name, gr_attr_type type, std::string doc, const char* choices = nullptr) {
    return add_attr(std::move(name), type, true, gr_value{}, {}, std::move(doc), choices);
  }
  /// An optional attribute without default (absent: kind NONE).
  OpDef& attr_optional(std::string name, gr_attr_type type, std::string doc,
                       const char* choices = nullptr) {
    return add_attr(std::move(name), type, false, gr_value{}, {}, std::move(doc), choices);
  }
  /// An attribute with a default, typed by it: a bool is BOOL, an integer INT (read back
  /// with attr_int), a floating-point number FLOAT.
  template <typename T>
    requires std::is_arithmetic_v<T>
  OpDef& attr(std::string name, T default_value, std::string doc) {
    gr_value v{};
    gr_attr_type type;
    if constexpr (std::is_same_v<T, bool>) {
      v.kind = GR_VALUE_BOOL;
      v.i = default_value;
      type = GR_ATTR_BOOL;
    } else if constexpr (std::is_integral_v<T>) {
      v.kind = GR_VALUE_INT;
      v.i = static_cast<int64_t>(default_value);
      v.f = static_cast<double>(default_value);
      type = GR_ATTR_INT;
    } else {
      v.kind = GR_VALUE_FLOAT;
      v.f = static_cast<double>(default_value);
      type = GR_ATTR_FLOAT;
    }
    return add_attr(std::move(name), type, false, v, {}, std::move(doc), nullptr);
  }
  OpDef& attr_int(std::string name, int64_t default_value, std::string doc) {
    return attr(std::move(name), default_value, std::move(doc));
  }
  OpDef& attr_bool(std::string name, bool default_value, std::string doc) {
    return attr(std::move(name), default_value, std::move(doc));
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
  /// Marks the op elementwise: a formula over port names, attribute names and params. Its
  /// one output is "out" unless declared.
  OpDef& elementwise(std::string formula) {
    return elementwise([f = std::move(formula)](const Node&) { return f; });
  }
  OpDef& elementwise(ExpressionFn f) { expression_ = std::move(f); return *this; }

  /// The C descriptor; its pointers stay valid while this OpDef is neither moved nor changed.
  /// Throws std::invalid_argument for a descriptor the host would refuse.
  const gr_op_desc& desc() {
    validate();
    if (expression_ && outputs_.empty()) output("out", "the result, of the broadcast inputs' shape");
    c_inputs_ = c_ports(inputs_);
    c_outputs_ = c_ports(outputs_);
    c_attrs_.clear();
    for (const auto& a : attrs_) {
      gr_attr_desc d{};
      d.struct_size = sizeof(gr_attr_desc);
      d.type = a.type;
      d.name = a.name.c_str();
      d.required = a.required;
      d.default_value = a.default_value;
      if (d.default_value.kind == GR_VALUE_STRING) d.default_value.s = a.default_string.c_str();
      d.choices = a.choices.empty() ? nullptr : a.choices.c_str();
      d.doc = a.doc.c_str();
      c_attrs_.push_back(d);
    }
    pointers(c_inputs_, p_inputs_);
    pointers(c_outputs_, p_outputs_);
    pointers(c_attrs_, p_attrs_);
    desc_ = gr_op_desc{};
    desc_.struct_size = sizeof(gr_op_desc);
    desc_.api_version = GRAPHRUN_API_VERSION;
    desc_.name = name_.c_str();
    desc_.doc = doc_.c_str();
    desc_.flags = flags_;
    desc_.num_inputs = static_cast<int32_t>(p_inputs_.size());
    desc_.inputs = p_inputs_.data();
    desc_.num_outputs = static_cast<int32_t>(p_outputs_.size());
    desc_.outputs = p_outputs_.data();
    desc_.num_attrs = static_cast<int32_t>(p_attrs_.size());
    desc_.attrs = p_attrs_.data();
    desc_.user = this;
    if (infer_) desc_.infer = &OpDef::infer_trampoline;
    if (prepare_) desc_.prepare = &OpDef::prepare_trampoline;
    if (release_) desc_.release = &OpDef::release_trampoline;
    if (cpu_) desc_.cpu_kernel = &OpDef::cpu_trampoline;
    if (cuda_) desc_.cuda_kernel = &OpDef::cuda_trampoline;
    if (expression_) desc_.expression = &OpDef::expression_trampoline;
    desc_.version = version_.empty() ? nullptr : version_.c_str();
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

  void validate() const {
    auto refuse = [&](const std::string& why) {
      throw std::invalid_argument("op '" + name_ + "': " + why);
    };
    if (name_.empty()) throw std::invalid_argument("an op without a name");
    std::vector<std::string> names;
    for (const auto* list : {&inputs_, &outputs_}) {
      names.clear();
      for (const auto& p : *list) {
        if (p.name.empty()) refuse("a port without a name");
        if (std::find(names.begin(), names.end(), p.name) != names.end()) refuse("two ports named '" + p.name + "'");
        names.push_back(p.name);
      }
    }
    names.clear();
    for (const auto& a : attrs_) {
      if (a.name.empty()) refuse("an attribute without a name");
      if (std::find(names.begin(), names.end(), a.name) != names.end()) refuse("two attributes named '" + a.name + "'");
      names.push_back(a.name);
      if ((a.type == GR_ATTR_STRING || a.type == GR_ATTR_INT_OR_STRING) && a.default_value.kind == GR_VALUE_STRING &&
          !a.choices.empty() && ("|" + a.choices + "|").find("|" + a.default_string + "|") == std::string::npos)
        refuse("attribute '" + a.name + "' defaults to '" + a.default_string + "', not one of " + a.choices);
    }
    if (!expression_) {
      if (!infer_) refuse("an op that is not elementwise needs infer()");
      if (!cpu_) refuse("an op that is not elementwise needs a cpu() kernel");
      if (outputs_.empty() && !(flags_ & GR_OP_DYNAMIC_OUTPUTS)) refuse("an op without outputs");
    } else if (outputs_.size() > 1) {
      refuse("an elementwise op has exactly one output");
    }
    if (outputs_.size() > GR_MAX_OUTPUTS) refuse("more than " + std::to_string(GR_MAX_OUTPUTS) + " outputs");
    if ((flags_ & GR_OP_CUDA_EPILOGUE) && !(flags_ & GR_OP_EPILOGUE))
      refuse("applies_epilogue_on_device() without supports_epilogue()");
  }

  static std::vector<gr_port_desc> c_ports(const std::vector<Port>& ports) {
    std::vector<gr_port_desc> out;
    for (const auto& p : ports) out.push_back({sizeof(gr_port_desc), p.optional, p.name.c_str(), p.doc.c_str()});
    return out;
  }
  template <typename T> static void pointers(const std::vector<T>& items, std::vector<const T*>& out) {
    out.clear();
    for (const auto& item : items) out.push_back(&item);
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
      Outputs outs(o, n);
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
  static int run(const KernelFn& f, const gr_node* n, gr_tensor* const* outs, int32_t count, gr_status* st) {
    return guarded(st, [&] {
      std::vector<OutTensor> views;
      for (int32_t i = 0; i < count; ++i) views.emplace_back(outs[i]);
      f(Node(n), views);
    });
  }
  static int cpu_trampoline(void* user, const gr_node* n, gr_tensor* const* outs, int32_t count, gr_status* st) {
    return run(static_cast<OpDef*>(user)->cpu_, n, outs, count, st);
  }
  static int cuda_trampoline(void* user, const gr_node* n, gr_tensor* const* outs, int32_t count, gr_status* st) {
    return run(static_cast<OpDef*>(user)->cuda_, n, outs, count, st);
  }
  static int expression_trampoline(void* user, const gr_node* n, char* buf, size_t cap, gr_status* st) {
    size_t needed = 0;
    int rc = guarded(st, [&] {
      std::string f = static_cast<OpDef*>(user)->expression_(Node(n));
      needed = f.size() + 1;
      if (needed <= cap) std::memcpy(buf, f.c_str(), needed);
    });
    if (rc != GR_OK || needed <= cap) return rc;
    // Too long for the host's buffer: say how much it needs (in offset), and the host asks again.
    return fail(st, GR_RUNTIME_ERROR, "formula longer than the host's buffer", {},
                static_cast<int>(std::min<size_t>(needed, INT32_MAX)));
  }

  std::string name_, doc_, version_;
  int32_t flags_ = 0;
  std::vector<Port> inputs_, outputs_;
  std::vector<Attr> attrs_;
  std::vector<gr_port_desc> c_inputs_, c_outputs_;
  std::vector<gr_attr_desc> c_attrs_;
  std::vector<const gr_port_desc*> p_inputs_, p_outputs_;
  std::vector<const gr_attr_desc*> p_attrs_;
  InferFn infer_;
  PrepareFn prepare_;
  ReleaseFn release_;
  KernelFn cpu_, cuda_;
  ExpressionFn expression_;
  gr_op_desc desc_{};
};

/// Registers every op; the OpDefs are kept for the life of the process. Returns a gr_code.
/// A host of another major API version, or of an older minor than this header, is refused
/// before anything is registered.
inline int register_ops(gr_registrar* reg, std::vector<OpDef> ops) {
  const uint32_t host = reg->api_version;
  if (GR_API_MAJOR_OF(host) != GRAPHRUN_API_MAJOR || host < GRAPHRUN_API_VERSION) {  // same major, older minor
    reg->refuse_version(reg, GRAPHRUN_API_VERSION);
    return GR_USER_ERROR;
  }
  static std::deque<OpDef> kept;  // plugins are never unloaded while ops may be used
  for (OpDef& op : ops) {
    OpDef& k = kept.emplace_back(std::move(op));
    gr_status st{};
    try {
      if (int rc = reg->register_op(reg, &k.desc(), &st); rc != GR_OK) return rc;
    } catch (const std::exception& e) {  // a descriptor the host would refuse
      reg->refuse(reg, e.what());
      return GR_USER_ERROR;
    }
  }
  return GR_OK;
}

}  // namespace graphrun::plugin

/// Defines the plugin's entry point: GRAPHRUN_PLUGIN(reg) { return register_ops(reg, {...}); }
#define GRAPHRUN_PLUGIN(reg) extern "C" GR_EXPORT int graphrun_plugin_init(gr_registrar* reg)
