#include "native_stepper.h"

#include <array>
#include <cstddef>
#include <functional>

namespace graphrun::calculus {
namespace {

int adams_bashforth_steps(OdeMethod m) {
  return m == OdeMethod::kAb2 ? 2 : m == OdeMethod::kAb3 ? 3 : m == OdeMethod::kAb4 ? 4 : 0;
}

/// Writes the loop body's statements; state s's stage values are v[s], its derivatives
/// k1[s], k2[s], ...; X[s] its value at the step's start; c<j> the coefficients.
class StepWriter {
 public:
  StepWriter(int num_states, int num_ports, const std::vector<bool>& single_ports, bool fused)
      : num_states_(num_states), num_ports_(num_ports), single_(single_ports), fused_(fused) {}

  std::string text() const { return text_; }

  void line(const std::string& s) { text_ += "    " + s + "\n"; }

  /// The loop's prologue: X, the port values, the derivative arrays.
  void load() {
    line("T v[" + std::to_string(num_states_ + 1 + num_ports_) + "];");
    line("T X[" + std::to_string(num_states_) + "], k1[" + std::to_string(num_states_) + "], k2[" +
         std::to_string(num_states_) + "], k3[" + std::to_string(num_states_) + "], k4[" +
         std::to_string(num_states_) + "];");
    for (int s = 0; s < num_states_; ++s) line(idx("X", s) + " = x" + std::to_string(s) + "[i];");
    for (int p = 0; p < num_ports_; ++p)
      line(idx("v", num_states_ + 1 + p) + " = p" + std::to_string(p) + (single_[static_cast<size_t>(p)] ? "[0];" : "[i];"));
  }

  /// k = f(v, t + time) with v[s] = X[s] + sum_j c<coef_j> * k<j>[s] (Boost's scale_sum order).
  void stage(const std::string& k, const std::vector<std::pair<int, std::string>>& terms,
             const std::string& time) {
    for (int s = 0; s < num_states_; ++s) line(idx("v", s) + " = " + sum(s, terms) + ";");
    line(idx("v", num_states_) + " = " + time + ";");
    line("rhs(v, " + k + ");");
  }

  /// x<s>[i] = X[s] + sum_j c<coef_j> * k<j>[s].
  void store(const std::vector<std::pair<int, std::string>>& terms) {
    for (int s = 0; s < num_states_; ++s) line("x" + std::to_string(s) + "[i] = " + sum(s, terms) + ";");
  }

  /// The rk4 stages after k1, then the combination (coefficients c0..c12).
  void rk4() {
    stage("k2", {{0, "k1"}}, "t + c10");
    stage("k3", {{1, "k1"}, {2, "k2"}}, "t + c11");
    stage("k4", {{3, "k1"}, {4, "k2"}, {5, "k3"}}, "t + c12");
    store({{6, "k1"}, {7, "k2"}, {8, "k3"}, {9, "k4"}});
  }

 private:
  static std::string idx(const std::string& a, int i) { return a + "[" + std::to_string(i) + "]"; }

  std::string sum(int s, const std::vector<std::pair<int, std::string>>& terms) const {
    std::string e = idx("X", s);
    for (const auto& [coef, k] : terms) {
      // History arrays ("f1") are flat, state by state; the stage arrays are per element.
      const std::string value = k[0] == 'f' ? k + "[" + std::to_string(s) + " * n + i]" : idx(k, s);
      const std::string c = "c" + std::to_string(coef);
      e = fused_ ? "std::fma(" + c + ", " + value + ", " + e + ")" : e + " + " + c + " * " + value;
    }
    return e;
  }

  int num_states_, num_ports_;
  const std::vector<bool>& single_;
  bool fused_;  // the fma attribute
  std::string text_;
};

}  // namespace

template <typename T> std::vector<T> step_coefficients(const OdeSpec& spec) {
  const T dt = T(spec.dt);
  const T half = T(1) / T(2), zero = T(0), one = T(1), sixth = T(1) / T(6), third = T(1) / T(3);
  switch (spec.method) {
    case OdeMethod::kEuler: return {dt};
    case OdeMethod::kHeun: {
      const T b = T(1) / T(2);
      return {T(1) * dt, b * dt, b * dt, T(1) * dt};
    }
    default: break;
  }
  std::vector<T> c = {half * dt,  zero * dt,  half * dt, zero * dt, zero * dt, one * dt, sixth * dt,
                      third * dt, third * dt, sixth * dt, half * dt, half * dt, one * dt};
  // adams_bashforth_coefficients of fixed_step.cpp, newest first, times dt as there.
  const int steps = adams_bashforth_steps(spec.method);
  const std::array<T, 4> ab = steps == 2   ? std::array<T, 4>{T(3) / T(2), -T(1) / T(2), T(0), T(0)}
                              : steps == 3 ? std::array<T, 4>{T(23) / T(12), -T(4) / T(3), T(5) / T(12), T(0)}
                                           : std::array<T, 4>{T(55) / T(24), -T(59) / T(24), T(37) / T(24), -T(3) / T(8)};
  if (steps)
    for (int j = 0; j < 4; ++j) c.push_back(dt * ab[static_cast<size_t>(j)]);
  return c;
}

template std::vector<float> step_coefficients<float>(const OdeSpec&);
template std::vector<double> step_coefficients<double>(const OdeSpec&);

std::string native_step_source(const OdeSpec& spec, int32_t dtype, const std::string& rhs_cpp,
                               const std::vector<bool>& single_ports) {
  if (spec.method == OdeMethod::kDopri5 || rhs_cpp.empty()) return "";
  const int num_states = static_cast<int>(spec.states.size());
  const int num_ports = static_cast<int>(spec.port_inputs.size());
  const int ab_steps = adams_bashforth_steps(spec.method);
  const size_t num_coefficients = spec.method == OdeMethod::kEuler ? 1
                                  : spec.method == OdeMethod::kHeun ? 4
                                  : ab_steps                        ? 17
                                                                    : 13;
  std::string src =
      "// graphrun ode step (generated by plugins/calculus/native_stepper.cpp)\n"
      "#include <cmath>\n#include <cstdint>\n\n";
  src += std::string("typedef ") + (dtype == GR_F64 ? "double" : "float") + " T;\n\n";
  src += "static inline void rhs(const T* v, T* out) {\n" + rhs_cpp + "}\n\n";
  src += "extern \"C\" void graphrun_ode_step(int64_t n, T* const* x, T* const* hist, const T* const* ports, "
         "T t, const T* c, int32_t mode) {\n";
  src += "  (void)hist; (void)ports; (void)mode; (void)t;\n";
  for (int s = 0; s < num_states; ++s)
    src += "  T* __restrict x" + std::to_string(s) + " = x[" + std::to_string(s) + "];\n";
  for (int p = 0; p < num_ports; ++p)
    src += "  const T* __restrict p" + std::to_string(p) + " = ports[" + std::to_string(p) + "];\n";
  for (int j = 0; j < ab_steps; ++j)
    src += "  T* __restrict f" + std::to_string(j) + " = hist[" + std::to_string(j) + "];\n";
  for (size_t j = 0; j < num_coefficients; ++j)
    src += "  const T c" + std::to_string(j) + " = c[" + std::to_string(j) + "];\n";

  // One loop per kind of step: the branch on mode stays outside the elements.
  auto loop = [&](const std::function<void(StepWriter&)>& body) {
    StepWriter w(num_states, num_ports, single_ports, spec.fma);
    w.load();
    w.stage("k1", {}, "t");
    body(w);
    return "  for (int64_t i = 0; i < n; ++i) {\n" + w.text() + "  }\n";
  };
  auto store_k1 = [&](StepWriter& w) {
    for (int s = 0; s < num_states; ++s)
      w.line("f0[" + std::to_string(s) + " * n + i] = k1[" + std::to_string(s) + "];");
  };
  switch (spec.method) {
    case OdeMethod::kEuler: src += loop([](StepWriter& w) { w.store({{0, "k1"}}); }); break;
    case OdeMethod::kHeun:
      src += loop([](StepWriter& w) {
        w.stage("k2", {{0, "k1"}}, "t + c3");
        w.store({{1, "k1"}, {2, "k2"}});
      });
      break;
    case OdeMethod::kRk4: src += loop([](StepWriter& w) { w.rk4(); }); break;
    default: {
      src += "  if (mode == 0) {\n" + loop([&](StepWriter& w) {
        store_k1(w);
        w.rk4();
      }) + "    return;\n  }\n";
      src += loop([&](StepWriter& w) {
        store_k1(w);
        std::vector<std::pair<int, std::string>> terms = {{13, "k1"}};
        for (int j = 1; j < ab_steps; ++j) terms.emplace_back(13 + j, "f" + std::to_string(j));
        w.store(terms);
      });
    }
  }
  src += "}\n";
  return src;
}

std::string native_dopri5_source(const OdeSpec& spec, int32_t dtype, const std::string& rhs_cpp,
                                 const std::vector<bool>& single_ports) {
  if (spec.method != OdeMethod::kDopri5 || rhs_cpp.empty()) return "";
  const int ns = static_cast<int>(spec.states.size());
  const int np = static_cast<int>(spec.port_inputs.size());
  auto str = [](int i) { return std::to_string(i); };
  std::string src =
      "// graphrun ode dopri5 attempt (generated by plugins/calculus/native_stepper.cpp)\n"
      "#include <cmath>\n#include <cstdint>\n\n";
  src += std::string("typedef ") + (dtype == GR_F64 ? "double" : "float") + " T;\n\n";
  src += "static inline void rhs(const T* v, T* out) {\n" + rhs_cpp + "}\n\n";
  src += "extern \"C\" void graphrun_ode_dopri5(int64_t m, int64_t stride, const T* x, const T* dxdt, "
         "const T* tt, const T* hh, const T* const* ports, const T* c, T rtol, T atol, T* x_new, "
         "T* dxdt_new, T* err) {\n  (void)ports;\n";
  for (int p = 0; p < np; ++p) src += "  const T* __restrict p" + str(p) + " = ports[" + str(p) + "];\n";
  // c: a2 a3 a4 a5, b21, b31 b32, b41..b43, b51..b54, b61..b65, c1 c3 c4 c5 c6, dc1 dc3..dc7.
  for (int j = 0; j < kDopri5Coefficients; ++j) src += "  const T c" + str(j) + " = c[" + str(j) + "];\n";
  src += "  for (int64_t j = 0; j < m; ++j) {\n";
  std::string body;
  auto line = [&](const std::string& l) { body += "    " + l + "\n"; };
  const std::string nv = str(ns + 1 + np), nss = str(ns);
  line("const T h = hh[j], t = tt[j];");
  line("T v[" + nv + "], X[" + nss + "], k1[" + nss + "], k2[" + nss + "], k3[" + nss + "], k4[" + nss + "], k5[" +
       nss + "], k6[" + nss + "], xn[" + nss + "], dn[" + nss + "];");
  for (int s = 0; s < ns; ++s) {
    line("X[" + str(s) + "] = x[" + str(s) + " * stride + j];");
    line("k1[" + str(s) + "] = dxdt[" + str(s) + " * stride + j];");
  }
  for (int p = 0; p < np; ++p)
    line("v[" + str(ns + 1 + p) + "] = p" + str(p) + (single_ports[static_cast<size_t>(p)] ? "[0];" : "[j];"));
  // x + sum (h * coefficient) * k, left to right, as Dopri5Tile::combine.
  // With fma: each term a fused multiply-add (the first a product when there is no x).
  auto combination = [&](int s, bool with_x, const std::vector<std::pair<int, std::string>>& terms) {
    std::string e = with_x ? "X[" + str(s) + "]" : "";
    for (const auto& [coef, k] : terms) {
      const std::string c = "(h * c" + str(coef) + ")", value = k + "[" + str(s) + "]";
      if (e.empty()) e = c + " * " + value;
      else e = spec.fma ? "std::fma(" + c + ", " + value + ", " + e + ")" : e + " + " + c + " * " + value;
    }
    return e;
  };
  auto stage = [&](const std::string& k, const std::vector<std::pair<int, std::string>>& terms, const std::string& time) {
    for (int s = 0; s < ns; ++s) line("v[" + str(s) + "] = " + combination(s, true, terms) + ";");
    line("v[" + nss + "] = " + time + ";");
    line("rhs(v, " + k + ");");
  };
  stage("k2", {{4, "k1"}}, "t + h * c0");
  stage("k3", {{5, "k1"}, {6, "k2"}}, "t + h * c1");
  stage("k4", {{7, "k1"}, {8, "k2"}, {9, "k3"}}, "t + h * c2");
  stage("k5", {{10, "k1"}, {11, "k2"}, {12, "k3"}, {13, "k4"}}, "t + h * c3");
  stage("k6", {{14, "k1"}, {15, "k2"}, {16, "k3"}, {17, "k4"}, {18, "k5"}}, "t + h");
  for (int s = 0; s < ns; ++s) {
    line("xn[" + str(s) + "] = " + combination(s, true, {{19, "k1"}, {20, "k3"}, {21, "k4"}, {22, "k5"}, {23, "k6"}}) + ";");
    line("v[" + str(s) + "] = xn[" + str(s) + "];");
    line("x_new[" + str(s) + " * stride + j] = xn[" + str(s) + "];");
  }
  line("v[" + nss + "] = t + h;");
  line("rhs(v, dn);");
  // The error checker: max over states of |err| / (atol + rtol (|x| + |h| |dxdt|)), NaN kept.
  line("const T ah = std::abs(h);");
  line("T worst = 0;");
  line("bool nan = false;");
  for (int s = 0; s < ns; ++s) {
    line("dxdt_new[" + str(s) + " * stride + j] = dn[" + str(s) + "];");
    line("{");
    line("  const T e = " + combination(s, false, {{24, "k1"}, {25, "k3"}, {26, "k4"}, {27, "k5"}, {28, "k6"}, {29, "dn"}}) + ";");
    line("  const T r = std::abs(e) / (atol + rtol * (std::abs(X[" + str(s) + "]) + ah * std::abs(k1[" + str(s) + "])));");
    line("  nan = nan || r != r;");
    line("  worst = worst < r ? r : worst;");
    line("}");
  }
  line("err[j] = nan ? T(__builtin_nan(\"\")) : worst;");
  src += body + "  }\n}\n";
  return src;
}

void* compile_native_step(const plugin::Node& node, const OdeSpec& spec, const gr_program* program,
                          const std::vector<bool>& single_ports) {
  const gr_host& host = node.host();
  if (!GR_HAS_FIELD(&host, gr_host, native_function) || !host.program_cpp || !host.native_function)
    return nullptr;
  const size_t length = host.program_cpp(program, nullptr, 0);
  if (length == 0) return nullptr;
  std::string rhs(length + 1, '\0');
  host.program_cpp(program, rhs.data(), rhs.size());
  rhs.resize(length);
  const bool dopri5 = spec.method == OdeMethod::kDopri5;
  const std::string source = dopri5 ? native_dopri5_source(spec, node.dtype(), rhs, single_ports)
                                    : native_step_source(spec, node.dtype(), rhs, single_ports);
  if (source.empty()) return nullptr;
  gr_status status{};
  return host.native_function(source.c_str(), dopri5 ? "graphrun_ode_dopri5" : "graphrun_ode_step", &status);
}

}  // namespace graphrun::calculus
