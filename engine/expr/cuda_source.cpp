// generate_cuda_kernel: the bytecode of a Program printed as one CUDA kernel. Each
// instruction becomes one line `const T vK = <snippet>;` from the op → snippet table; the
// element function is called from a 128-bit vector loop (when the layout allows) and a
// scalar grid-stride loop with the broadcasting index math baked in for the plan's shapes.
#include "expr/cuda_source.h"
#include "text/stable_hash.h"

#include "expr/functions.h"
#include "expr/program_impl.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace graphrun::expr {
namespace {

// op → C++ expression of its operands {0}, {1} and {2}; the functions are elementwise_math.cuh's.
// The infix operators stay infix (an exact IEEE operation either way, and easier to read).
struct Snippet {
  OpCode op;
  std::string_view text;
};
constexpr std::array<Snippet, 47> kSnippets = {{
    {OpCode::kNeg, "ew::neg({0})"},         {OpCode::kAbs, "ew::abs({0})"},
    {OpCode::kExp, "ew::exp({0})"},         {OpCode::kLog, "ew::log({0})"},
    {OpCode::kSqrt, "ew::sqrt({0})"},       {OpCode::kSquare, "ew::square({0})"},
    {OpCode::kRecip, "ew::recip({0})"},     {OpCode::kSin, "ew::sin({0})"},
    {OpCode::kCos, "ew::cos({0})"},         {OpCode::kTanh, "ew::tanh({0})"},
    {OpCode::kSigmoid, "ew::sigmoid({0})"}, {OpCode::kRelu, "ew::relu({0})"},
    {OpCode::kSilu, "ew::silu({0})"},       {OpCode::kSoftplus, "ew::softplus({0})"},
    {OpCode::kTan, "ew::tan({0})"},         {OpCode::kAsin, "ew::asin({0})"},
    {OpCode::kAcos, "ew::acos({0})"},       {OpCode::kAtan, "ew::atan({0})"},
    {OpCode::kSinh, "ew::sinh({0})"},       {OpCode::kCosh, "ew::cosh({0})"},
    {OpCode::kAsinh, "ew::asinh({0})"},     {OpCode::kAcosh, "ew::acosh({0})"},
    {OpCode::kAtanh, "ew::atanh({0})"},     {OpCode::kErf, "ew::erf({0})"},
    {OpCode::kLog1p, "ew::log1p({0})"},     {OpCode::kExpm1, "ew::expm1({0})"},
    {OpCode::kSign, "ew::sign({0})"},       {OpCode::kFloor, "ew::floor({0})"},
    {OpCode::kCeil, "ew::ceil({0})"},       {OpCode::kRound, "ew::round({0})"},
    {OpCode::kAdd, "{0} + {1}"},            {OpCode::kSub, "{0} - {1}"},
    {OpCode::kMul, "{0} * {1}"},            {OpCode::kDiv, "{0} / {1}"},
    {OpCode::kPow, "ew::pow({0}, {1})"},    {OpCode::kMaximum, "ew::maximum({0}, {1})"},
    {OpCode::kMinimum, "ew::minimum({0}, {1})"}, {OpCode::kAtan2, "ew::atan2({0}, {1})"},
    {OpCode::kHypot, "ew::hypot({0}, {1})"}, {OpCode::kFmod, "ew::fmod({0}, {1})"},
    {OpCode::kLess, "ew::less({0}, {1})"},   {OpCode::kLessEqual, "ew::less_equal({0}, {1})"},
    {OpCode::kGreater, "ew::greater({0}, {1})"}, {OpCode::kGreaterEqual, "ew::greater_equal({0}, {1})"},
    {OpCode::kEqual, "ew::equal({0}, {1})"}, {OpCode::kNotEqual, "ew::not_equal({0}, {1})"},
    {OpCode::kWhere, "ew::where({0}, {1}, {2})"},
}};

// `ew` is how the snippets name the math header's namespace: the generated elementwise kernels
// alias it, program_cuda_source spells it out (graphrun::ew::).
std::string apply_snippet(OpCode op, const std::string (&operands)[3], std::string_view ew = "ew::") {
  auto it = std::find_if(kSnippets.begin(), kSnippets.end(), [&](const Snippet& s) { return s.op == op; });
  if (it == kSnippets.end()) throw std::logic_error("no CUDA snippet for op " + std::string(op_name(op)));
  std::string out;
  for (size_t i = 0; i < it->text.size(); ++i) {
    if (it->text[i] == '{' && i + 2 < it->text.size() && it->text[i + 2] == '}') {
      out += operands[it->text[i + 1] - '0'];
      i += 2;
    } else if (it->text.compare(i, 4, "ew::") == 0) {
      out += ew;
      i += 3;
    } else {
      out += it->text[i];
    }
  }
  return out;
}

// A constant exactly, as the dtype holds it (f32 constants are the f64 ones rounded, as
// the CPU evaluator rounds them): a hex float literal, or a call for infinity and NaN.
std::string constant_literal(double constant, gr_dtype dtype) {
  const bool f32 = dtype == GR_F32;
  const double value = f32 ? static_cast<double>(static_cast<float>(constant)) : constant;  // may overflow to inf
  const char* suffix = f32 ? "_f32()" : "_f64()";
  if (std::isnan(value)) return std::string("ew::nan") + suffix;
  if (std::isinf(value)) return std::string(value < 0 ? "(-ew::inf" : "ew::inf") + suffix + (value < 0 ? ")" : "");
  char buf[64];
  const double magnitude = std::fabs(value);
  const auto result = f32 ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(magnitude), std::chars_format::hex)
                          : std::to_chars(buf, buf + sizeof buf, magnitude, std::chars_format::hex);
  std::string text = "0x" + std::string(buf, result.ptr) + (f32 ? "f" : "");
  return std::signbit(value) ? "(-" + text + ")" : text;
}

int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// How the kernel reads one input.
enum class Access { kUnused, kScalar, kContiguous, kBroadcast };

// The output's axes, size-1 axes dropped and adjacent axes merged where every broadcast
// input steps through both as one; strides[v] is input v's stride along each (0 where it
// is broadcast). Outermost first.
struct IndexSpace {
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> strides;  // by variable; empty unless kBroadcast
};

IndexSpace index_space(const KernelLayout& layout, const std::vector<Access>& access) {
  const size_t out_rank = layout.out_shape.size(), num_vars = access.size();
  std::vector<std::vector<int64_t>> full(num_vars, std::vector<int64_t>(out_rank, 0));
  for (size_t v = 0; v < num_vars; ++v) {
    if (access[v] != Access::kBroadcast) continue;
    const std::vector<int64_t>& in = layout.in_shapes[v];
    const size_t lead = out_rank - in.size();
    int64_t stride = 1;
    for (size_t i = in.size(); i-- > 0;) {
      full[v][lead + i] = in[i] == 1 ? 0 : stride;
      stride *= in[i];
    }
  }
  // Innermost first, as eval_tensors merges them.
  IndexSpace inner_first;
  inner_first.strides.resize(num_vars);
  for (size_t i = out_rank; i-- > 0;) {
    const int64_t dim = layout.out_shape[i];
    if (dim == 1) continue;
    bool merge = !inner_first.dims.empty();
    for (size_t v = 0; v < num_vars && merge; ++v)
      if (access[v] == Access::kBroadcast)
        merge = full[v][i] == inner_first.strides[v].back() * inner_first.dims.back();
    if (merge) {
      inner_first.dims.back() *= dim;
    } else {
      inner_first.dims.push_back(dim);
      for (size_t v = 0; v < num_vars; ++v)
        if (access[v] == Access::kBroadcast) inner_first.strides[v].push_back(full[v][i]);
    }
  }
  IndexSpace space;
  space.dims.assign(inner_first.dims.rbegin(), inner_first.dims.rend());
  for (auto& s : inner_first.strides) space.strides.emplace_back(s.rbegin(), s.rend());
  return space;
}

class KernelWriter {
 public:
  KernelWriter(const ProgramImpl& program, gr_dtype dtype, const KernelLayout& layout)
      : program_(program), dtype_(dtype), layout_(layout), type_(dtype == GR_F32 ? "float" : "double") {
    n_ = element_count(layout.out_shape);
    const int num_vars = program.num_vars();
    std::vector<bool> used(num_vars, false);
    auto note = [&](const Operand& o) {
      if (o.kind == Operand::Kind::kVar) used[o.index] = true;
    };
    for (const Instruction& instruction : program.code()) {
      note(instruction.a);
      if (arity(instruction.op) >= 2) note(instruction.b);
      if (arity(instruction.op) == 3) note(instruction.c);
    }
    for (const Operand& o : program.outputs()) note(o);
    for (int v = 0; v < num_vars; ++v) {
      const int64_t count = element_count(layout.in_shapes[v]);
      access_.push_back(!used[v] ? Access::kUnused
                        : count == n_ ? Access::kContiguous
                        : count == 1 ? Access::kScalar
                                     : Access::kBroadcast);
    }
    space_ = index_space(layout, access_);
    const bool any_broadcast = std::count(access_.begin(), access_.end(), Access::kBroadcast) > 0;
    vector_width_ = (!any_broadcast && n_ >= 16 / element_size()) ? static_cast<int>(16 / element_size()) : 1;
  }

  KernelSource write() {
    std::string text = header_comment() + "#include <" + std::string(kElementwiseMathHeaderName) + ">\n\n" +
                       "namespace ew = graphrun::ew;\n\n" + element_function() + "\n" + kernel();
    const uint64_t hash = text::stable_hash(text);
    char hex[16];
    const std::string digits(hex, std::to_chars(hex, hex + sizeof hex, hash, 16).ptr);
    const std::string name = "gr_ew_" + std::string(16 - digits.size(), '0') + digits;
    KernelSource out;
    out.source = replace_all(std::move(text), "@KERNEL@", name);
    out.launch.kernel_name = name;
    out.launch.num_inputs = program_.num_vars();
    out.launch.num_outputs = program_.num_outputs();
    for (int v = 0; v < program_.num_vars(); ++v) out.launch.parameters.push_back("in" + std::to_string(v));
    for (int k = 0; k < program_.num_outputs(); ++k) out.launch.parameters.push_back("out" + std::to_string(k));
    out.launch.block_size = kBlockSize;
    out.launch.elements = n_;
    out.launch.vector_width = vector_width_;
    return out;
  }

 private:
  static constexpr int kBlockSize = 256;
  // The second __launch_bounds__ argument: with the block size alone, ptxas for sm_90 caps
  // f64 kernels at 40 registers and spills; 4 blocks of 256 (half the threads a
  // multiprocessor holds, plenty for a streaming kernel) allow 64 registers, enough for
  // every op without spilling (tests/cuda/test_nvrtc_kernels.cpp checks).
  static constexpr int kMinBlocksPerMultiprocessor = 4;

  int64_t element_size() const { return dtype_ == GR_F32 ? 4 : 8; }

  std::string header_comment() const {
    std::string s = "// graphrun fused elementwise kernel, " + std::string(dtype_ == GR_F32 ? "f32" : "f64") +
                    ": " + std::to_string(n_) + " elements of shape " + shape_text(layout_.out_shape) + "\n";
    for (size_t v = 0; v < access_.size(); ++v) {
      static constexpr const char* kAccess[] = {"unused", "scalar", "contiguous", "broadcast"};
      s += "//   in" + std::to_string(v) + " " + shape_text(layout_.in_shapes[v]) + ": " +
           kAccess[static_cast<int>(access_[v])] + "\n";
    }
    s += "// Compile: NVRTC with the named header below, or nvcc -I<graphrun>/include.\n";
    return s;
  }

  std::string operand(const Operand& o) const {
    switch (o.kind) {
      case Operand::Kind::kVar: return "x" + std::to_string(o.index);
      case Operand::Kind::kConst: return constant_literal(program_.constants()[o.index], dtype_);
      case Operand::Kind::kValue: break;
    }
    return "v" + std::to_string(o.index);
  }

  // The group's formulas on one element: used inputs by value, outputs by reference.
  std::string element_function() const {
    std::vector<std::string> params;
    for (size_t v = 0; v < access_.size(); ++v)
      if (access_[v] != Access::kUnused) params.push_back(type_ + " x" + std::to_string(v));
    for (int k = 0; k < program_.num_outputs(); ++k) params.push_back(type_ + "& y" + std::to_string(k));
    std::string s = "// The group's formulas on one element.\nstatic __device__ __forceinline__ void @KERNEL@_element(" +
                    join(params) + ") {\n";
    const auto& code = program_.code();
    for (size_t i = 0; i < code.size(); ++i) {
      const int operands = arity(code[i].op);
      const std::string args[3] = {operand(code[i].a), operands >= 2 ? operand(code[i].b) : std::string(),
                                   operands == 3 ? operand(code[i].c) : std::string()};
      s += "  const " + type_ + " v" + std::to_string(i) + " = " + apply_snippet(code[i].op, args) + ";\n";
    }
    for (int k = 0; k < program_.num_outputs(); ++k)
      s += "  y" + std::to_string(k) + " = " + operand(program_.outputs()[k]) + ";\n";
    return s + "}\n";
  }

  static std::string join(const std::vector<std::string>& parts) {
    std::string s;
    for (size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
    return s;
  }

  // The element function's arguments: each used input's value, then the outputs.
  std::string call(const std::vector<std::string>& inputs, const std::vector<std::string>& outputs) const {
    std::vector<std::string> args;
    for (size_t v = 0; v < access_.size(); ++v)
      if (access_[v] != Access::kUnused) args.push_back(inputs[v]);
    args.insert(args.end(), outputs.begin(), outputs.end());
    return "@KERNEL@_element(" + join(args) + ");";
  }

  // Coordinates along the merged axes of output element i, only those a broadcast input reads.
  std::string coordinates(const std::string& indent) const {
    const size_t rank = space_.dims.size();
    std::vector<bool> used(rank, false);
    for (size_t v = 0; v < access_.size(); ++v)
      if (access_[v] == Access::kBroadcast)
        for (size_t j = 0; j < rank; ++j) used[j] = used[j] || space_.strides[v][j] != 0;
    std::string s, current = "i";
    for (size_t j = rank; j-- > 1;) {
      const std::string d = std::to_string(space_.dims[j]);
      if (used[j]) s += indent + "const long long c" + std::to_string(j) + " = " + current + " % " + d + ";\n";
      if (std::find(used.begin(), used.begin() + static_cast<std::ptrdiff_t>(j), true) == used.begin() + static_cast<std::ptrdiff_t>(j)) return s;
      s += indent + "const long long q" + std::to_string(j) + " = " + current + " / " + d + ";\n";
      current = "q" + std::to_string(j);
    }
    if (rank > 0 && used[0]) s += indent + "const long long c0 = " + current + ";\n";
    return s;
  }

  std::string broadcast_offset(size_t v) const {
    std::string s;
    for (size_t j = 0; j < space_.dims.size(); ++j) {
      const int64_t stride = space_.strides[v][j];
      if (stride == 0) continue;
      s += (s.empty() ? "" : " + ") + ("c" + std::to_string(j)) + (stride == 1 ? "" : " * " + std::to_string(stride));
    }
    return s.empty() ? "0" : s;
  }

  std::string kernel() const {
    const int num_vars = program_.num_vars(), num_outputs = program_.num_outputs();
    std::vector<std::string> params;
    for (int v = 0; v < num_vars; ++v)
      params.push_back("const " + type_ + "* " + (access_[v] == Access::kUnused ? "/*in" + std::to_string(v) + ": unused*/" : "in" + std::to_string(v)));
    for (int k = 0; k < num_outputs; ++k) params.push_back(type_ + "* out" + std::to_string(k));
    std::string s = "// Grid-stride loops over " + std::to_string(n_) + " elements; no __restrict__: an output may be\n"
                    "// an input's buffer (each element is read before it is written).\n"
                    "extern \"C\" __global__ void __launch_bounds__(" + std::to_string(kBlockSize) + ", " +
                    std::to_string(kMinBlocksPerMultiprocessor) + ") @KERNEL@(" +
                    join(params) + ") {\n";
    s += "  const long long n = " + std::to_string(n_) + ";\n";
    s += "  const long long first = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;\n";
    s += "  const long long step = static_cast<long long>(gridDim.x) * blockDim.x;\n";
    s += "  if (first >= n) return;\n";
    std::vector<std::string> scalar_values(num_vars);
    for (int v = 0; v < num_vars; ++v)
      if (access_[v] == Access::kScalar) {
        scalar_values[v] = "s" + std::to_string(v);
        s += "  const " + type_ + " s" + std::to_string(v) + " = in" + std::to_string(v) + "[0];\n";
      }
    // The scalar path over all elements, the body of a grid-stride loop.
    std::vector<std::string> inputs(num_vars);
    for (int v = 0; v < num_vars; ++v) {
      const std::string in = "in" + std::to_string(v);
      switch (access_[v]) {
        case Access::kUnused: break;
        case Access::kScalar: inputs[v] = scalar_values[v]; break;
        case Access::kContiguous: inputs[v] = in + "[i]"; break;
        case Access::kBroadcast: inputs[v] = in + "[" + broadcast_offset(static_cast<size_t>(v)) + "]"; break;
      }
    }
    if (vector_width_ == 1) {
      s += "  for (long long i = first; i < n; i += step) {\n" + scalar_body(inputs, "    ") + "  }\n}\n";
      return s;
    }
    // Two exclusive paths, so that nothing of one stays live in the other (ptxas otherwise
    // spills around the f64 division and square-root subroutines).
    // The tail (the last n % width elements) comes first: after the vector loop nothing
    // is live.
    s += vector_loop_head();
    const int64_t tail = n_ % vector_width_;
    if (tail > 0)
      s += "    // The last " + std::to_string(tail) + " (n % " + std::to_string(vector_width_) + ") elements.\n"
           "    for (long long i = " + std::to_string(n_ - tail) + " + first; i < n; i += step) {\n" +
           scalar_body(inputs, "      ") + "    }\n";
    s += vector_loop(scalar_values);
    s += "  } else {\n    for (long long i = first; i < n; i += step) {\n" + scalar_body(inputs, "      ") + "    }\n  }\n}\n";
    return s;
  }

  // Computes output element i from `inputs` (the expressions reading each input).
  std::string scalar_body(const std::vector<std::string>& inputs, const std::string& indent) const {
    const int num_outputs = program_.num_outputs();
    std::string s = coordinates(indent), declare = indent + type_ + " ";
    std::vector<std::string> outputs;
    for (int k = 0; k < num_outputs; ++k) {
      outputs.push_back("y" + std::to_string(k));
      declare += (k ? ", y" : "y") + std::to_string(k);
    }
    s += declare + ";\n" + indent + call(inputs, outputs) + "\n";
    for (int k = 0; k < num_outputs; ++k) s += indent + "out" + std::to_string(k) + "[i] = y" + std::to_string(k) + ";\n";
    return s;
  }

  // 128-bit loads and stores when every pointer is 16-byte aligned (decided by the kernel
  // at launch, the same in every thread); a misaligned view takes the scalar path.
  std::string vector_loop_head() const {
    const int num_vars = program_.num_vars(), num_outputs = program_.num_outputs();
    std::vector<std::string> pointers;
    for (int v = 0; v < num_vars; ++v)
      if (access_[v] == Access::kContiguous) pointers.push_back("in" + std::to_string(v));
    for (int k = 0; k < num_outputs; ++k) pointers.push_back("out" + std::to_string(k));
    std::string address;
    for (size_t p = 0; p < pointers.size(); ++p)
      address += std::string(p ? " |\n                         " : "") + "reinterpret_cast<unsigned long long>(" + pointers[p] + ")";
    std::string s = "  const bool aligned = ((" + address + ") & 15) == 0;\n";
    return s + "  if (aligned) {\n";
  }

  // The vector loop of the aligned path.
  std::string vector_loop(const std::vector<std::string>& scalar_values) const {
    const int num_vars = program_.num_vars(), num_outputs = program_.num_outputs();
    const std::string vec = dtype_ == GR_F32 ? "float4" : "double2";
    static constexpr const char* kLanes[] = {"x", "y", "z", "w"};
    std::string s = "    // " + vec + " loads and stores.\n";
    s += "    const long long vectors = n / " + std::to_string(vector_width_) + ";\n";
    s += "    for (long long i = first; i < vectors; i += step) {\n";
    for (int v = 0; v < num_vars; ++v)
      if (access_[v] == Access::kContiguous)
        s += "      const " + vec + " a" + std::to_string(v) + " = reinterpret_cast<const " + vec + "*>(in" +
             std::to_string(v) + ")[i];\n";
    for (int k = 0; k < num_outputs; ++k) s += "      " + vec + " r" + std::to_string(k) + ";\n";
    for (int lane = 0; lane < vector_width_; ++lane) {
      std::vector<std::string> inputs(num_vars), outputs;
      for (int v = 0; v < num_vars; ++v)
        inputs[v] = access_[v] == Access::kScalar ? scalar_values[v] : "a" + std::to_string(v) + "." + kLanes[lane];
      for (int k = 0; k < num_outputs; ++k) outputs.push_back("r" + std::to_string(k) + "." + kLanes[lane]);
      s += "      " + call(inputs, outputs) + "\n";
    }
    for (int k = 0; k < num_outputs; ++k)
      s += "      reinterpret_cast<" + vec + "*>(out" + std::to_string(k) + ")[i] = r" + std::to_string(k) + ";\n";
    s += "    }\n";
    return s;
  }

  const ProgramImpl& program_;
  gr_dtype dtype_;
  const KernelLayout& layout_;
  std::string type_;
  int64_t n_ = 0;
  std::vector<Access> access_;
  IndexSpace space_;
  int vector_width_ = 1;
};

void check_layout(const Program& program, const KernelLayout& layout) {
  if (static_cast<int>(layout.in_shapes.size()) != program.num_vars())
    throw std::invalid_argument("kernel layout gives " + std::to_string(layout.in_shapes.size()) +
                                " input shapes for a program of " + std::to_string(program.num_vars()) + " variables");
  for (size_t v = 0; v < layout.in_shapes.size(); ++v) {
    const auto& in = layout.in_shapes[v];
    const auto& out = layout.out_shape;
    bool fits = in.size() <= out.size();
    for (size_t i = 0; fits && i < in.size(); ++i) {
      const int64_t d = in[i], o = out[out.size() - in.size() + i];
      fits = d == 1 || d == o;
    }
    if (!fits)
      throw std::invalid_argument("input " + std::to_string(v) + " of shape " + shape_text(in) +
                                  " does not broadcast to the output shape " + shape_text(out));
  }
}

}  // namespace

std::string program_cuda_source(const Program& program) {
  const auto* impl = dynamic_cast<const ProgramImpl*>(&program);
  if (!impl) throw std::invalid_argument("program_cuda_source needs a program from Program::compile");
  // A constant as the double the program holds, converted to T (as TilePlan converts it,
  // and as the f32 kernels' literals are rounded).
  auto constant = [](double value) -> std::string {
    if (std::isnan(value)) return "T(graphrun::ew::nan_f64())";
    if (std::isinf(value)) return value < 0 ? "T(-graphrun::ew::inf_f64())" : "T(graphrun::ew::inf_f64())";
    return "T(" + constant_literal(value, GR_F64) + ")";
  };
  auto operand = [&](const Operand& o) -> std::string {
    switch (o.kind) {
      case Operand::Kind::kVar: return "v[" + std::to_string(o.index) + "]";
      case Operand::Kind::kConst: return constant(impl->constants()[static_cast<size_t>(o.index)]);
      case Operand::Kind::kValue: break;
    }
    return "e" + std::to_string(o.index);
  };
  std::string text;
  const auto& code = impl->code();
  for (size_t i = 0; i < code.size(); ++i) {
    const int operands = arity(code[i].op);
    const std::string args[3] = {operand(code[i].a), operands >= 2 ? operand(code[i].b) : std::string(),
                                 operands == 3 ? operand(code[i].c) : std::string()};
    text += "const T e" + std::to_string(i) + " = " + apply_snippet(code[i].op, args, "graphrun::ew::") + ";\n";
  }
  for (size_t k = 0; k < impl->outputs().size(); ++k)
    text += "out[" + std::to_string(k) + "] = " + operand(impl->outputs()[k]) + ";\n";
  return text;
}

int64_t KernelLaunch::grid_size(int64_t max_blocks) const {
  if (elements <= 0) return 0;
  const int64_t per_block = static_cast<int64_t>(block_size) * vector_width;
  return std::max<int64_t>(1, std::min(max_blocks, (elements + per_block - 1) / per_block));
}

KernelSource generate_cuda_kernel(const Program& program, gr_dtype dtype, const KernelLayout& layout) {
  if (dtype != GR_F32 && dtype != GR_F64) throw std::invalid_argument("CUDA kernels are generated for f32 and f64 only");
  const auto* impl = dynamic_cast<const ProgramImpl*>(&program);
  if (!impl) throw std::invalid_argument("generate_cuda_kernel needs a program from Program::compile");
  check_layout(program, layout);
  return KernelWriter(*impl, dtype, layout).write();
}

}  // namespace graphrun::expr
