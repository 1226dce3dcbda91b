#include "native_stepper.h"

#include "dopri5.h"
#include "fixed_step.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <functional>

namespace graphrun::calculus {
namespace {

/// Writes the loop body's statements; state s's stage values are v[s], its derivatives
/// k1[s], k2[s], ...; X[s] its value at the step's start; c<j> the coefficients. Element i
/// lives in the arrays x<s>, p<p> and f<j> (f<j>[s * n + i]), or with `lanes` in the lane
/// arrays XS[s][i], PV[p][i] and F<j>[s][i] of a run of whole intervals, or with `device`
/// (one CUDA thread's element, ode_cuda_source) in the registers x[s], P[p] and F<j>[s].
class StepWriter {
 public:
  StepWriter(int num_states, int num_ports, const std::vector<bool>& single_ports, bool fused, bool lanes = false,
             bool device = false)
      : num_states_(num_states), num_ports_(num_ports), single_(single_ports), fused_(fused), lanes_(lanes),
        device_(device) {}

  std::string text() const { return text_; }

  void line(const std::string& s) {
    text_ += "    " + s + "\n";
    if (!segments_.empty()) segments_.back().text += "      " + s + "\n";
  }

  /// The loop's prologue: X, the port values, the derivative arrays.
  void load() {
    for (const std::string& s : locals()) line(s);
    for (int s = 0; s < num_states_; ++s) line(idx("X", s) + " = " + state(s) + ";");
    for (const std::string& s : port_loads()) line(s);
  }

  /// k = f(v, t + time) with v[s] = X[s] + sum_j c<coef_j> * k<j>[s] (Boost's scale_sum order).
  void stage(const std::string& k, const std::vector<std::pair<int, std::string>>& terms,
             const std::string& time) {
    segments_.push_back({k, ""});
    for (int s = 0; s < num_states_; ++s) line(idx("v", s) + " = " + sum(s, terms) + ";");
    line(idx("v", num_states_) + " = " + time + ";");
    line("rhs(v, " + k + ");");
  }

  /// x<s>[i] = X[s] + sum_j c<coef_j> * k<j>[s].
  void store(const std::vector<std::pair<int, std::string>>& terms) {
    segments_.push_back({"", ""});
    for (int s = 0; s < num_states_; ++s) line(state(s) + " = " + sum(s, terms) + ";");
  }

  /// Lanes: k1 goes into the oldest history array, after the store has read it; the loop
  /// after the lanes then renames the arrays (rotate_history), so that one becomes f1 of
  /// the next step. One store per value, where moving every entry back took ab_steps - 1.
  void shift_history(int ab_steps) {
    if (ab_steps >= 2)
      for (int s = 0; s < num_states_; ++s) line(history(ab_steps - 1, s) + " = " + idx("k1", s) + ";");
  }

  /// The step over whole blocks of `block` elements from i0 = 0, one loop over the block per
  /// segment: a stage's statements for many elements stand together, so the processor has
  /// independent work beside each stage's chain of dependent operations (one loop over
  /// elements, every stage in its body, puts each element's whole chain of about 50 cycles
  /// between them: rk4 measured 26.8 ms that way, 22.1 ms in blocks). The same statements,
  /// so the same bits.
  /// Leaves i0 at the first element after the last whole block.
  std::string blocked(int block) const {
    const std::string ns = std::to_string(num_states_), b = std::to_string(block);
    std::string out = "  int64_t i0 = 0;\n  for (; i0 + " + b + " <= n; i0 += " + b + ") {\n";
    out += "    alignas(64) T XB[" + ns + "][" + b + "]";
    for (const Segment& seg : segments_)
      if (!seg.produces.empty()) out += ", " + seg.produces + "B[" + ns + "][" + b + "]";
    out += ";\n";
    std::vector<std::string> produced;
    for (size_t j = 0; j < segments_.size(); ++j) {
      const Segment& seg = segments_[j];
      out += "    for (int u = 0; u < " + b + "; ++u) {\n      const int64_t i = i0 + u;\n";
      for (const std::string& s : locals()) out += "      " + s + "\n";
      for (int s = 0; s < num_states_; ++s) {
        const std::string at = "[" + std::to_string(s) + "][u]";
        out += j == 0 ? "      X[" + std::to_string(s) + "] = " + state(s) + ";\n      XB" + at + " = X[" +
                            std::to_string(s) + "];\n"
                      : "      X[" + std::to_string(s) + "] = XB" + at + ";\n";
        for (const std::string& k : produced) out += "      " + k + "[" + std::to_string(s) + "] = " + k + "B" + at + ";\n";
      }
      for (const std::string& s : port_loads()) out += "      " + s + "\n";
      out += seg.text;
      if (!seg.produces.empty()) {
        for (int s = 0; s < num_states_; ++s)
          out += "      " + seg.produces + "B[" + std::to_string(s) + "][u] = " + seg.produces + "[" + std::to_string(s) + "];\n";
        produced.push_back(seg.produces);
      }
      out += "    }\n";
    }
    return out + "  }\n";
  }

  /// The rk4 stages after k1, then the combination (coefficients c0..c12). The tableau's
  /// zeros c1, c3 and c4 are all the same value, 0 * dt, so stage 4 names them all c1:
  /// X + c1 * k1 is then stage 3's own subexpression, which a loop with both stages in its
  /// body (the tail after the blocks) computes once. The same bits.
  void rk4() {
    stage("k2", {{0, "k1"}}, "t + c10");
    stage("k3", {{1, "k1"}, {2, "k2"}}, "t + c11");
    stage("k4", {{1, "k1"}, {1, "k2"}, {5, "k3"}}, "t + c12");
    store({{6, "k1"}, {7, "k2"}, {8, "k3"}, {9, "k4"}});
  }

 private:
  static std::string idx(const std::string& a, int i) { return a + "[" + std::to_string(i) + "]"; }

  /// The declarations of an element's values: its stage inputs v, X and the derivatives.
  std::vector<std::string> locals() const {
    const std::string ns = std::to_string(num_states_);
    return {"T v[" + std::to_string(num_states_ + 1 + num_ports_) + "];",
            "T X[" + ns + "], k1[" + ns + "], k2[" + ns + "], k3[" + ns + "], k4[" + ns + "];"};
  }

  /// v's port values of element i (one value when the port has one for every element).
  std::vector<std::string> port_loads() const {
    std::vector<std::string> lines;
    for (int p = 0; p < num_ports_; ++p) {
      const std::string value = device_                         ? "P[" + std::to_string(p) + "]"
                                : single_[static_cast<size_t>(p)] ? "p" + std::to_string(p) + "[0]"
                                : lanes_                        ? "PV[" + std::to_string(p) + "][i]"
                                                                : "p" + std::to_string(p) + "[i]";
      lines.push_back(idx("v", num_states_ + 1 + p) + " = " + value + ";");
    }
    return lines;
  }

  std::string state(int s) const {
    if (device_) return "x[" + std::to_string(s) + "]";
    return lanes_ ? "XS[" + std::to_string(s) + "][i]" : "x" + std::to_string(s) + "[i]";
  }

  /// Derivative f<j> of state s (j steps back).
  std::string history(int j, int s) const {
    if (device_) return "F" + std::to_string(j) + "[" + std::to_string(s) + "]";
    return lanes_ ? "F" + std::to_string(j) + "[" + std::to_string(s) + "][i]"
                  : "f" + std::to_string(j) + "[" + std::to_string(s) + " * n + i]";
  }

  std::string sum(int s, const std::vector<std::pair<int, std::string>>& terms) const {
    std::string e = idx("X", s);
    for (const auto& [coef, k] : terms) {
      // History arrays ("f1"); the stage arrays are per element.
      const std::string value = k[0] == 'f' ? history(std::stoi(k.substr(1)), s) : idx(k, s);
      const std::string c = "c" + std::to_string(coef);
      e = fused_ ? std::string(device_ ? "gr_fma(" : "std::fma(") + c + ", " + value + ", " + e + ")" : e + " + " + c + " * " + value;
    }
    return e;
  }

  int num_states_, num_ports_;
  const std::vector<bool>& single_;
  bool fused_;  // the fma attribute
  bool lanes_;
  bool device_;  // one CUDA thread's element in registers
  std::string text_;
  /// The statements of each stage (k1 first) and of the store, with the derivative the
  /// stage computes ("" for the store): the pieces of a blocked step.
  struct Segment {
    std::string produces, text;
  };
  std::vector<Segment> segments_;
};

// What every generated file starts with: a header naming `what` it is, the element type T and
// the right-hand side as an inline function.
std::string source_prologue(const char* what, int32_t dtype, const std::string& rhs_cpp) {
  std::string src = std::string("// graphrun ode ") + what +
                    " (generated by plugins/calculus/native_stepper.cpp)\n#include <cmath>\n#include <cstdint>\n\n";
  src += std::string("typedef ") + (dtype == GR_F64 ? "double" : "float") + " T;\n\n";
  return src + "static inline void rhs(const T* v, T* out) {\n" + rhs_cpp + "}\n\n";
}


/// How a dopri5 attempt's statements name things: `lane` follows each per-element array
/// (X, K1, XN, DN, P: "[l]" in the CPU's lanes, "" in a CUDA thread's registers), and the
/// fused multiply-add, |x|, NaN and the error's destination.
struct Dopri5Spelling {
  std::string lane, fma, abs, nan, error;
};

/// One try_step of runge_kutta_dopri5 (do_step_impl) and the error checker for one element
/// at (t, h): reads X, K1 and P, writes XN, DN and the error. The same statements in the
/// CPU's generated interval and the CUDA kernel, so the same bits.
std::string dopri5_attempt(const OdeSpec& spec, const Dopri5Spelling& sp) {
  const int ns = static_cast<int>(spec.states.size());
  const int np = static_cast<int>(spec.port_inputs.size());
  auto str = [](int i) { return std::to_string(i); };
  const std::string& l = sp.lane;
  std::string body;
  auto line = [&](const std::string& text) { body += "      " + text + "\n"; };
  const std::string nv = str(ns + 1 + np + 1), nss = str(ns);
  line("T v[" + nv + "], k1[" + nss + "], k2[" + nss + "], k3[" + nss + "], k4[" + nss + "], k5[" + nss + "], k6[" +
       nss + "], dn[" + nss + "];");
  for (int s = 0; s < ns; ++s) line("k1[" + str(s) + "] = K1[" + str(s) + "]" + l + ";");
  for (int p = 0; p < np; ++p) line("v[" + str(ns + 1 + p) + "] = P[" + str(p) + "]" + l + ";");
  // x + sum (h * coefficient) * k, left to right, as Dopri5Tile::combine.
  // With fma: each term a fused multiply-add (the first a product when there is no x).
  auto combination = [&](int s, bool with_x, const std::vector<std::pair<int, std::string>>& terms) {
    std::string e = with_x ? "X[" + str(s) + "]" + l : "";
    for (const auto& [coef, k] : terms) {
      const std::string c = "(h * c" + str(coef) + ")", value = k + "[" + str(s) + "]";
      if (e.empty()) e = c + " * " + value;
      else e = spec.fma ? sp.fma + c + ", " + value + ", " + e + ")" : e + " + " + c + " * " + value;
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
    line("XN[" + str(s) + "]" + l + " = " +
         combination(s, true, {{19, "k1"}, {20, "k3"}, {21, "k4"}, {22, "k5"}, {23, "k6"}}) + ";");
    line("v[" + str(s) + "] = XN[" + str(s) + "]" + l + ";");
  }
  line("v[" + nss + "] = t + h;");
  line("rhs(v, dn);");
  // The error checker: max over states of |err| / (atol + rtol (|x| + |h| |dxdt|)), NaN kept.
  line("const T ah = " + sp.abs + "h);");
  line("T worst = 0;");
  line("bool nan = false;");
  for (int s = 0; s < ns; ++s) {
    line("DN[" + str(s) + "]" + l + " = dn[" + str(s) + "];");
    line("{");
    line("  const T e = " + combination(s, false, {{24, "k1"}, {25, "k3"}, {26, "k4"}, {27, "k5"}, {28, "k6"}, {29, "dn"}}) + ";");
    line("  const T r = " + sp.abs + "e) / (atol + rtol * (" + sp.abs + "X[" + str(s) + "]" + l + ") + ah * " + sp.abs +
         "k1[" + str(s) + "])));");
    line("  nan = nan || r != r;");
    line("  worst = worst < r ? r : worst;");
    line("}");
  }
  line(sp.error + " = nan ? " + sp.nan + " : worst;");
  return body;
}
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
  // Newest first, times dt as Stepper::adams_bashforth multiplies them.
  const int steps = adams_bashforth_steps(spec.method);
  const std::array<T, 4> ab = adams_bashforth_coefficients<T>(steps);
  if (steps)
    for (int j = 0; j < 4; ++j) c.push_back(dt * ab[static_cast<size_t>(j)]);
  return c;
}

template std::vector<float> step_coefficients<float>(const OdeSpec&);
template std::vector<double> step_coefficients<double>(const OdeSpec&);

namespace {

/// graphrun_ode_run (NativeRunFn): every step for kRunLanes elements at a time, their
/// states, ports and history in lane arrays that stay in the first-level cache (the step
/// function passes over the whole tile, history arrays included, once per step, and is
/// called once per step). The same statements as the step function's, so the same bits.
/// Euler and Adams-Bashforth only, whose steps do little arithmetic per value they load
/// and store: heun and rk4 measured 9-13% slower this way (bench/RESULTS.md, 2026-12-02).
bool has_native_run(OdeMethod m) { return m == OdeMethod::kEuler || adams_bashforth_steps(m) != 0; }

std::string native_run_source(const OdeSpec& spec, int32_t dtype, const std::vector<bool>& single_ports,
                              size_t num_coefficients) {
  const int num_states = static_cast<int>(spec.states.size());
  const int num_ports = static_cast<int>(spec.port_inputs.size());
  const int ab_steps = adams_bashforth_steps(spec.method);
  auto str = [](int64_t i) { return std::to_string(i); };
  const int lanes = dtype == GR_F64 ? kRunLanes : 2 * kRunLanes;
  std::string src = "\nextern \"C\" void graphrun_ode_run(int64_t n, T* const* x, const T* const* ports, "
                    "const T* c, const T* times, int64_t steps) {\n";
  src += "  (void)ports;\n  enum { W = " + str(lanes) + " };\n";
  for (int s = 0; s < num_states; ++s) src += "  T* __restrict x" + str(s) + " = x[" + str(s) + "];\n";
  for (int p = 0; p < num_ports; ++p)
    src += "  const T* __restrict p" + str(p) + " = ports[" + str(p) + "];\n";
  for (size_t j = 0; j < num_coefficients; ++j)
    src += "  const T c" + str(static_cast<int64_t>(j)) + " = c[" + str(static_cast<int64_t>(j)) + "];\n";
  src += "  alignas(64) T XS[" + str(num_states) + "][W], PV[" + str(std::max(num_ports, 1)) + "][W];\n";
  // The history arrays F1 (newest) .. F<ab_steps - 1>, by pointer: a step renames them.
  for (int j = 1; j < ab_steps; ++j)
    src += "  alignas(64) T FH" + str(j) + "[" + str(num_states) + "][W] = {};\n  T (*F" + str(j) + ")[W] = FH" + str(j) + ";\n";
  std::string rotate_history;
  if (ab_steps >= 3) {
    rotate_history = "      { T (*oldest)[W] = F" + str(ab_steps - 1) + ";";
    for (int j = ab_steps - 1; j >= 2; --j) rotate_history += " F" + str(j) + " = F" + str(j - 1) + ";";
    rotate_history += " F1 = oldest; }\n";
  }
  // Lanes past the tile's end repeat its first element of the block, and are not stored.
  src += "  for (int64_t i0 = 0; i0 < n; i0 += W) {\n    const int64_t w = n - i0 < W ? n - i0 : W;\n";
  src += "    for (int i = 0; i < W; ++i) {\n      const int64_t e = i0 + (i < w ? i : 0);\n";
  for (int s = 0; s < num_states; ++s) src += "      XS[" + str(s) + "][i] = x" + str(s) + "[e];\n";
  for (int p = 0; p < num_ports; ++p)
    if (!single_ports[static_cast<size_t>(p)]) src += "      PV[" + str(p) + "][i] = p" + str(p) + "[e];\n";
  src += "    }\n    for (int64_t k = 0; k < steps; ++k) {\n      const T t = times[k];\n";
  auto loop = [&](const std::function<void(StepWriter&)>& body) {
    StepWriter w(num_states, num_ports, single_ports, spec.fma, true);
    w.load();
    w.stage("k1", {}, "t");
    body(w);
    return "      for (int i = 0; i < W; ++i) {\n" + w.text() + "      }\n";
  };
  if (spec.method == OdeMethod::kEuler) {
    src += loop([](StepWriter& w) { w.store({{0, "k1"}}); });
  } else {
    // Boost's start-up: rk4 steps while the history fills (the step function's mode 0).
    src += "      if (k + 1 < " + str(ab_steps) + ") {\n" + loop([&](StepWriter& w) {
      w.rk4();
      w.shift_history(ab_steps);
    }) + rotate_history + "        continue;\n      }\n";
    src += loop([&](StepWriter& w) {
      std::vector<std::pair<int, std::string>> terms = {{13, "k1"}};
      for (int j = 1; j < ab_steps; ++j) terms.emplace_back(13 + j, "f" + std::to_string(j));
      w.store(terms);
      w.shift_history(ab_steps);
    }) + rotate_history;
  }
  src += "    }\n    for (int i = 0; i < w; ++i) {\n";
  for (int s = 0; s < num_states; ++s) src += "      x" + str(s) + "[i0 + i] = XS[" + str(s) + "][i];\n";
  return src + "    }\n  }\n}\n";
}

}  // namespace

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
  std::string src = source_prologue("step", dtype, rhs_cpp);
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

  // One loop per kind of step: the branch on mode stays outside the elements. Whole
  // blocks of 32 elements (4 vectors of 8 f64, 2 of 16 f32) stage by stage, then the rest
  // one element at a time.
  auto loop = [&](const std::function<void(StepWriter&)>& body) {
    StepWriter w(num_states, num_ports, single_ports, spec.fma);
    w.load();
    w.stage("k1", {}, "t");
    body(w);
    return "  {\n" + w.blocked(32) + "  for (int64_t i = i0; i < n; ++i) {\n" + w.text() + "  }\n  }\n";
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
  return has_native_run(spec.method) ? src + native_run_source(spec, dtype, single_ports, num_coefficients) : src;
}

std::string native_dopri5_source(const OdeSpec& spec, int32_t dtype, const std::string& rhs_cpp,
                                 const std::vector<bool>& single_ports) {
  if (spec.method != OdeMethod::kDopri5 || rhs_cpp.empty()) return "";
  const int ns = static_cast<int>(spec.states.size());
  const int np = static_cast<int>(spec.port_inputs.size());
  auto str = [](int i) { return std::to_string(i); };
  std::string src = source_prologue("dopri5 interval", dtype, rhs_cpp);
  // Lanes: elements advanced side by side, each lane with its own element, t, h and
  // accept/reject; a lane takes the tile's next element when its own reaches the interval's
  // end. Every lane's arithmetic is the scalar code's, so vectors change no bit.
  // I: the lanes' integers, as wide as T, so that a comparison's mask of T vectors selects I
  // vectors and back.
  src += std::string("typedef ") + (dtype == GR_F64 ? "int64_t" : "int32_t") + " I;\n";
  src += "enum { W = " + str(dtype == GR_F64 ? kDopri5Lanes : 2 * kDopri5Lanes) + ", NS = " + str(ns) +
         ", NP = " + str(np) + " };\n";
  src += R"(
// odeint's less_with_sign: t1 before t2 in the direction of dt, by more than epsilon.
static inline bool before(T t1, T t2, T dt) {
  const T eps = sizeof(T) == 8 ? T(__DBL_EPSILON__) : T(__FLT_EPSILON__);
  return dt > 0 ? t2 - t1 > eps : t1 - t2 > eps;
}

// The step size controller works on vectors of VL lanes (GCC's vector extensions: the
// same IEEE operations lane by lane; a comparison gives -1 or 0, `m ? a : b` selects).
enum { VL = 64 / sizeof(T) };
typedef T V __attribute__((vector_size(64)));
typedef I VI __attribute__((vector_size(64)));
static inline V vload(const T* p) { V v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline VI vload(const I* p) { VI v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline void vstore(T* p, V v) { __builtin_memcpy(p, &v, sizeof v); }
static inline void vstore(I* p, VI v) { __builtin_memcpy(p, &v, sizeof v); }
static inline VI before(V t1, V t2, V dt) {
  const T eps = sizeof(T) == 8 ? T(__DBL_EPSILON__) : T(__FLT_EPSILON__);
  return dt > 0 ? VI(t2 - t1 > eps) : VI(t1 - t2 > eps);
}

// After an accepted step of h > 0 from t whose error leaves the step to grow (tiny < error
// < 0.5), the grown step is at least h * 0.9 * 0.5^(-1/5) > h * 1.03 (rounding included).
// When t + h is short of end and t + h + 1.03 h already passes it, the next check clamps
// the step to end - (t + h) whatever it grew to (IEEE rounding is monotonic, so the larger
// step passes too): the grown step, and its std::pow, are never used.
static inline VI clamped_anyway(V t, V h, V end) {
  const T eps = sizeof(T) == 8 ? T(__DBL_EPSILON__) : T(__FLT_EPSILON__);
  const V next = t + h;
  return (h > 0) & (end - next > eps) & ((next + h * T(1.03)) - end > eps);
}

extern "C" int64_t graphrun_ode_dopri5(int64_t n, T* x, T* hh, int32_t* rejected, T* tt, int32_t* failure,
                                       const T* const* ports, const T* c, T start, T end, T rtol, T atol) {
  (void)ports;
)";
  for (int p = 0; p < np; ++p) src += "  const T* __restrict p" + str(p) + " = ports[" + str(p) + "];\n";
  // c: a2 a3 a4 a5, b21, b31 b32, b41..b43, b51..b54, b61..b65, c1 c3 c4 c5 c6, dc1 dc3..dc7,
  // then 5^-5 (the smallest error the step adjuster grows from).
  for (int j = 0; j < kDopri5Coefficients; ++j) src += "  const T c" + str(j) + " = c[" + str(j) + "];\n";
  src += R"(  const T tiny = c[30], grow_from_tiny = std::pow(tiny, T(-1) / T(5));
  const T fifth = T(1) / T(5), nine_tenths = T(9) / T(10);
  const V zero = {}, one = zero + T(1), half = zero + T(0.5), vtiny = zero + tiny, vfifth = zero + fifth,
          vgrow_from_tiny = zero + grow_from_tiny, grow_power = zero + T(-1) / T(5),
          shrink_power = zero + T(-1) / T(3), vend = zero + end;
  const VI zeroi = {};
  alignas(64) T X[NS][W], K1[NS][W], XN[NS][W], DN[NS][W], P[NP + 1][W];
  alignas(64) T tl[W], hl[W], err[W], parg[W], pexp[W], pw[W] = {};
  alignas(64) I rej[W], live[W], need[W], special[W], code[W], accept[W], att[W];
  int64_t el[W];
  int which[W];
  int64_t next = 0, failures = 0;

  // Lane l gives its element back: state, h, rejections in a row, t and why it stopped.
  auto store = [&](int l, int32_t why) {
    const int64_t e = el[l];
    for (int s = 0; s < NS; ++s) x[s * n + e] = X[s][l];
    hh[e] = hl[l];
    rejected[e] = static_cast<int32_t>(rej[l]);
    tt[e] = tl[l];
    failure[e] = why;
    failures += why != 0;
    el[l] = -1;
  };
  // Lane l takes the next element that has to move (checks of interval() in dopri5.cpp), or
  // goes idle with harmless values.
  auto load = [&](int l) {
    while (next < n) {
      const int64_t e = next++;
      el[l] = e;
      T v[NS + 1 + NP + 1], d[NS];
      for (int s = 0; s < NS; ++s) v[s] = X[s][l] = x[s * n + e];
      v[NS] = start;
)";
  for (int p = 0; p < np; ++p)
    src += "      v[NS + 1 + " + str(p) + "] = P[" + str(p) + "][l] = p" + str(p) +
           (single_ports[static_cast<size_t>(p)] ? "[0];\n" : "[e];\n");
  src += R"(      // integrate_const's fresh copy of the stepper: the derivative afresh at each grid point.
      rhs(v, d);
      for (int s = 0; s < NS; ++s) K1[s][l] = d[s];
      tl[l] = start;
      hl[l] = hh[e];
      rej[l] = rejected[e];
      att[l] = 0;
      live[l] = 1;
      if (!before(tl[l], end, hl[l])) { store(l, 0); continue; }
      if (before(end, tl[l] + hl[l], hl[l])) hl[l] = end - tl[l];
      if (tl[l] + hl[l] == tl[l]) { store(l, 1); continue; }
      return;
    }
    el[l] = -1;
    live[l] = 0;
    for (int s = 0; s < NS; ++s) X[s][l] = K1[s][l] = 0;
    for (int p = 0; p < NP; ++p) P[p][l] = 0;
    tl[l] = hl[l] = 0;
  };
  for (int l = 0; l < W; ++l) load(l);

  while (true) {
    int any = 0;
    for (int l = 0; l < W; ++l) any |= live[l];
    if (!any) break;
    // One try_step of every lane: runge_kutta_dopri5::do_step_impl and the error checker.
    for (int l = 0; l < W; ++l) {
      const T h = hl[l], t = tl[l];
)";
  src += dopri5_attempt(spec, {"[l]", "std::fma(", "std::abs(", "T(__builtin_nan(\"\"))", "err[l]"});
  src += R"(    }
    // default_error_checker's verdict and default_step_adjuster's new h (dopri5.cpp's
    // decreased and increased) in vectors of lanes, with std::pow called, lane by lane, only
    // where its value is used. Masks are -1 (true) or 0.
    for (int j = 0; j < W; j += VL) {
      const V e = vload(err + j);
      const VI ok = e <= one, small = e < half, number = e == e;
      const V grown = vtiny < e ? e : vtiny;  // std::max(tiny, e)
      const VI unused = clamped_anyway(vload(tl + j), vload(hl + j), vend);
      vstore(need + j, vload(live + j) & ((ok & small & (grown != vtiny) & ~unused) | (~ok & number)));
      vstore(parg + j, ok ? grown : e);
      vstore(pexp + j, ok ? grow_power : shrink_power);
    }
    // The lanes that need it listed first (no branch to mispredict), then one call each.
    int calls = 0;
    for (int l = 0; l < W; ++l) {
      which[calls] = l;
      calls += need[l] != 0;
    }
    for (int i = 0; i < calls; ++i) pw[which[i]] = std::pow(parg[which[i]], pexp[which[i]]);
    for (int j = 0; j < W; j += VL) {
      const V e = vload(err + j), h = vload(hl + j), p = vload(pw + j), t0 = vload(tl + j);
      const VI ok = e <= one;
      const VI a = vload(att + j) + 1;
      vstore(att + j, a);
      const VI attempts_out = a > )" + std::to_string(kMaxAttemptsPerInterval) + R"(;
      const V shrink = nine_tenths * p;
      const V decreased = e != e ? h * fifth : h * (shrink < vfifth ? vfifth : shrink);
      const V grow = (vtiny < e ? e : vtiny) != vtiny ? p : vgrow_from_tiny;
      const V increased = e < half ? h * (nine_tenths * grow) : h;
      const VI accept_mask = ok & ~attempts_out;
      const VI unused = accept_mask & (e < half) & ((vtiny < e ? e : vtiny) != vtiny) & clamped_anyway(t0, h, vend);
      const VI rej0 = vload(rej + j);
      const VI r = accept_mask ? zeroi : rej0 + 1;
      const VI rejects_out = ~ok & ~attempts_out & (r >= )" + std::to_string(kMaxRejectedInARow) + R"();
      const V hn = attempts_out ? h : ok ? increased : decreased;
      const V t = accept_mask ? t0 + h : t0;
      vstore(rej + j, attempts_out ? rej0 : r);
      vstore(accept + j, accept_mask);
      // interval()'s checks before the next attempt.
      const VI done = unused ? zeroi : ~before(t, vend, hn);
      const V hc = unused | before(vend, t + hn, hn) ? vend - t : hn;
      const VI stopped = attempts_out | rejects_out | done;
      const V h2 = stopped ? hn : hc;
      const VI stuck = ~stopped & (t + h2 == t);
      vstore(tl + j, t);
      vstore(hl + j, h2);
      vstore(code + j, attempts_out ? VI(zeroi + 2) : rejects_out ? VI(zeroi + 3) : stuck ? VI(zeroi + 1) : zeroi);
      vstore(special + j, vload(live + j) & (stopped | stuck));
      for (int s = 0; s < NS; ++s) {
        vstore(X[s] + j, accept_mask ? vload(XN[s] + j) : vload(X[s] + j));
        vstore(K1[s] + j, accept_mask ? vload(DN[s] + j) : vload(K1[s] + j));
      }
    }
    // Lanes whose element stopped take the next one: a few per round, found bit by bit.
    uint64_t swap = 0;
    for (int l = 0; l < W; ++l) swap |= uint64_t(special[l] != 0) << l;
    for (; swap; swap &= swap - 1) {
      const int l = __builtin_ctzll(swap);
      store(l, static_cast<int32_t>(code[l]));
      load(l);
    }
  }
  return failures;
}
)";
  return src;
}

namespace {

/// The rhs program's C++ statements, or "" when the host cannot compile native code or the
/// program has no exact C++ form.
std::string native_rhs_text(const plugin::Node& node, const gr_program* program) {
  const gr_host& host = node.host();
  if (!GR_HAS_FIELD(&host, gr_host, native_function) || !host.program_cpp || !host.native_function) return "";
  const size_t length = host.program_cpp(program, nullptr, 0);
  if (length == 0) return "";
  std::string rhs(length + 1, '\0');
  host.program_cpp(program, rhs.data(), rhs.size());
  rhs.resize(length);
  return rhs;
}

}  // namespace

NativeOde compile_native(const plugin::Node& node, const OdeSpec& spec, const gr_program* program,
                         const std::vector<bool>& single_ports) {
  const gr_host& host = node.host();
  const std::string rhs = native_rhs_text(node, program);
  if (rhs.empty()) return {};
  const bool dopri5 = spec.method == OdeMethod::kDopri5;
  const std::string source = dopri5 ? native_dopri5_source(spec, node.dtype(), rhs, single_ports)
                                    : native_step_source(spec, node.dtype(), rhs, single_ports);
  if (source.empty()) return {};
  gr_status status{};
  NativeOde native;
  native.step = host.native_function(source.c_str(), dopri5 ? "graphrun_ode_dopri5" : "graphrun_ode_step", &status);
  bool reads_signal = false;
  for (bool signal : spec.port_is_signal) reads_signal |= signal;
  // The same source, so the same image: a second symbol, not a second compile.
  if (native.step && has_native_run(spec.method) && !spec.trajectory && !reads_signal)
    native.run = host.native_function(source.c_str(), "graphrun_ode_run", &status);
  return native;
}

}  // namespace graphrun::calculus

// ---- The CUDA kernel (API 2.5) ------------------------------------------------------------

namespace graphrun::calculus {
namespace {

int64_t count_of(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

/// The flat offset, in an operand of shape `from` broadcast to `to`, of element `e` of `to`
/// (BroadcastOffsets' map as an expression, the shapes baked in).
std::string offset_expression(const std::vector<int64_t>& from, const std::vector<int64_t>& to) {
  if (count_of(from) == 1) return "0";
  if (count_of(from) == count_of(to)) return "e";
  std::string expression;
  const size_t lead = to.size() - from.size();
  int64_t inner = 1, stride = 1;
  std::vector<int64_t> strides(to.size(), 0);
  for (size_t j = to.size(); j-- > lead;) {
    const int64_t d = from[j - lead];
    strides[j] = d == 1 ? 0 : stride;
    stride *= d;
  }
  for (size_t j = to.size(); j-- > 0;) {
    if (strides[j] != 0) {
      std::string coordinate = inner == 1 ? "e" : "(e / " + std::to_string(inner) + "LL)";
      if (j > 0) coordinate = "(" + coordinate + " % " + std::to_string(to[j]) + "LL)";
      expression += (expression.empty() ? "" : " + ") + coordinate +
                    (strides[j] == 1 ? "" : " * " + std::to_string(strides[j]) + "LL");
    }
    inner *= to[j];
  }
  return expression.empty() ? "0" : expression;
}

std::string cuda_prologue(const OdeSpec& spec, int32_t dtype, const std::string& rhs_cuda, int num_inputs,
                          int64_t elements) {
  const int ns = static_cast<int>(spec.states.size());
  const std::string t = dtype == GR_F64 ? "double" : "float";
  std::string src = std::string("// graphrun ode ") + (spec.method == OdeMethod::kDopri5 ? "dopri5" : "fixed-step") +
                    " CUDA kernel, " + (dtype == GR_F64 ? "f64" : "f32") + ", " + std::to_string(elements) +
                    " elements (generated by plugins/calculus/native_stepper.cpp)\n"
                    "#include <graphrun/cuda/elementwise_math.cuh>\n\ntypedef " + t + " T;\n\n";
  if (spec.fma)
    src += "static __device__ __forceinline__ float gr_fma(float a, float b, float c) { return fmaf(a, b, c); }\n"
           "static __device__ __forceinline__ double gr_fma(double a, double b, double c) { return fma(a, b, c); }\n\n";
  src += "static __device__ __forceinline__ void rhs(const T* v, T* out) {\n" + rhs_cuda + "}\n\n";
  src += "// The one parameter of every kernel here (native_stepper.h: ode_cuda_args).\n"
         "struct Args {\n  const void* in[" + std::to_string(std::max(num_inputs, 1)) + "];\n  void* out[" +
         std::to_string(ns) + "];\n  void* scratch;\n  T c[" + std::to_string(kOdeCudaCoefficients) +
         "];\n  T t0, dt, rtol, atol;\n  long long steps;\n};\n\n";
  return src;
}

/// The kernel's head: pointers, coefficients, the grid-stride loop over elements, the
/// element's initial states x and coefficient ports P (signals: their base offsets).
std::string cuda_element_head(const OdeSpec& spec, const std::vector<std::vector<int64_t>>& shapes,
                              size_t num_coefficients) {
  const int ns = static_cast<int>(spec.states.size());
  const int np = static_cast<int>(spec.port_inputs.size());
  auto str = [](int64_t i) { return std::to_string(i); };
  std::string src = "extern \"C\" __global__ void __launch_bounds__(" + str(kOdeCudaBlock) + ") " +
                    std::string(kOdeCudaKernel) + "(const Args a) {\n";
  for (size_t i = 0; i < shapes.size(); ++i)
    src += "  const T* __restrict__ in" + str(static_cast<int64_t>(i)) + " = static_cast<const T*>(a.in[" +
           str(static_cast<int64_t>(i)) + "]);\n";
  for (int s = 0; s < ns; ++s) src += "  T* __restrict__ out" + str(s) + " = static_cast<T*>(a.out[" + str(s) + "]);\n";
  for (size_t j = 0; j < num_coefficients; ++j)
    src += "  const T c" + str(static_cast<int64_t>(j)) + " = a.c[" + str(static_cast<int64_t>(j)) + "];\n";
  src += "  const long long steps = a.steps, samples = steps + 1;\n  (void)samples;\n";
  src += "  const long long first = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;\n"
         "  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;\n";
  src += "  for (long long e = first; e < " + str(count_of(spec.shape)) + "LL; e += stride) {\n";
  src += "    T x[" + str(ns) + "], P[" + str(np + 1) + "];\n    (void)P;\n";
  for (int s = 0; s < ns; ++s) {
    const int in = spec.state_inputs[static_cast<size_t>(s)];
    src += "    x[" + str(s) + "] = in" + str(in) + "[" + offset_expression(shapes[static_cast<size_t>(in)], spec.shape) + "];\n";
  }
  for (int p = 0; p < np; ++p) {
    const int in = spec.port_inputs[static_cast<size_t>(p)];
    std::vector<int64_t> shape = shapes[static_cast<size_t>(in)];
    if (!spec.port_is_signal[static_cast<size_t>(p)]) {
      src += "    P[" + str(p) + "] = in" + str(in) + "[" + offset_expression(shape, spec.shape) + "];\n";
      continue;
    }
    const int64_t length = shape.back();
    shape.pop_back();
    src += "    const long long signal" + str(p) + " = (" + offset_expression(shape, spec.shape) + ") * " + str(length) +
           "LL;\n";
  }
  if (spec.trajectory)
    for (int s = 0; s < ns; ++s) src += "    out" + str(s) + "[e * samples] = x[" + str(s) + "];\n";
  return src;
}

/// The step loop's head: t as grid_time and the signals' samples of step k.
std::string cuda_step_head(const OdeSpec& spec, const char* time) {
  std::string src = "      const T " + std::string(time) + " = k == 0 ? a.t0 : a.t0 + static_cast<T>(k) * a.dt;\n";
  for (size_t p = 0; p < spec.port_inputs.size(); ++p)
    if (spec.port_is_signal[p])
      src += "      P[" + std::to_string(p) + "] = in" + std::to_string(spec.port_inputs[p]) + "[signal" +
             std::to_string(p) + " + k];\n";
  return src;
}

std::string cuda_record(const OdeSpec& spec, const std::string& state, const std::string& at, const std::string& indent) {
  std::string src;
  for (size_t s = 0; s < spec.states.size(); ++s)
    src += indent + "out" + std::to_string(s) + "[" + at + "] = " + state + "[" + std::to_string(s) + "];\n";
  return src;
}

std::string cuda_fixed_steps(const OdeSpec& spec, const std::vector<std::vector<int64_t>>& shapes,
                             const std::vector<bool>& single_ports) {
  const int ns = static_cast<int>(spec.states.size());
  const int np = static_cast<int>(spec.port_inputs.size());
  const int ab_steps = adams_bashforth_steps(spec.method);
  const size_t num_coefficients = spec.method == OdeMethod::kEuler ? 1
                                  : spec.method == OdeMethod::kHeun ? 4
                                  : ab_steps                        ? 17
                                                                    : 13;
  std::string src = cuda_element_head(spec, shapes, num_coefficients);
  // The Adams-Bashforth history, newest first: F1 the derivative of the step before.
  for (int j = 1; j < ab_steps; ++j) src += "    T F" + std::to_string(j) + "[" + std::to_string(ns) + "] = {};\n";
  src += "    for (long long k = 0; k < steps; ++k) {\n" + cuda_step_head(spec, "t");
  // One step: native_step_source's statements, the element's values in registers.
  auto step = [&](const std::function<void(StepWriter&)>& body) {
    StepWriter w(ns, np, single_ports, spec.fma, false, true);
    w.load();
    w.stage("k1", {}, "t");
    body(w);
    if (ab_steps)  // the history moves one step back; k1 becomes F1
      for (int s = 0; s < ns; ++s) {
        for (int j = ab_steps - 1; j >= 2; --j)
          w.line("F" + std::to_string(j) + "[" + std::to_string(s) + "] = F" + std::to_string(j - 1) + "[" +
                 std::to_string(s) + "];");
        w.line("F1[" + std::to_string(s) + "] = k1[" + std::to_string(s) + "];");
      }
    std::string text;
    const std::string body_text = w.text();
    for (size_t at = 0; at < body_text.size();) {  // 4 more spaces per line
      const size_t end = body_text.find('\n', at);
      text += "    " + body_text.substr(at, end - at + 1);
      at = end + 1;
    }
    return "      {\n" + text + "      }\n";
  };
  switch (spec.method) {
    case OdeMethod::kEuler: src += step([](StepWriter& w) { w.store({{0, "k1"}}); }); break;
    case OdeMethod::kHeun:
      src += step([](StepWriter& w) {
        w.stage("k2", {{0, "k1"}}, "t + c3");
        w.store({{1, "k1"}, {2, "k2"}});
      });
      break;
    case OdeMethod::kRk4: src += step([](StepWriter& w) { w.rk4(); }); break;
    default: {
      // Boost's start-up: rk4 steps while the history fills (the CPU step's mode 0).
      src += "      if (k + 1 < " + std::to_string(ab_steps) + ") {\n" + step([](StepWriter& w) { w.rk4(); }) +
             "      } else {\n";
      src += step([&](StepWriter& w) {
        std::vector<std::pair<int, std::string>> terms = {{13, "k1"}};
        for (int j = 1; j < ab_steps; ++j) terms.emplace_back(13 + j, "f" + std::to_string(j));
        w.store(terms);
      });
      src += "      }\n";
    }
  }
  if (spec.trajectory) src += cuda_record(spec, "x", "e * samples + k + 1", "      ");
  src += "    }\n";
  if (!spec.trajectory) src += cuda_record(spec, "x", "e", "    ");
  return src + "  }\n}\n";
}

std::string cuda_dopri5(const OdeSpec& spec, int32_t dtype, const std::vector<std::vector<int64_t>>& shapes,
                        const OdeCudaScratch& scratch) {
  const int ns = static_cast<int>(spec.states.size());
  const int np = static_cast<int>(spec.port_inputs.size());
  auto str = [](int64_t i) { return std::to_string(i); };
  const std::string eps = dtype == GR_F64 ? "0x1p-52" : "0x1p-23f";
  const int64_t n = count_of(spec.shape);
  std::string src = R"(// odeint's less_with_sign: t1 before t2 in the direction of dt, by more than epsilon.
static __device__ __forceinline__ bool before(T t1, T t2, T dt) {
  const T eps = )" + eps + R"(;
  return dt > 0 ? t2 - t1 > eps : t1 - t2 > eps;
}

// Where a failed element leaves its record (OdeCudaScratch): the lowest failing tile, each
// tile's first failure as interval << 32 | element in the tile, the report, and per element
// its step size, time, states and why it stopped.
struct Scratch {
  unsigned long long* first_tile;
  unsigned long long* keys;
  long long* report;
  T *h, *t, *x;
  int* code;
};
static __device__ __forceinline__ Scratch scratch_of(const Args& a) {
  char* base = static_cast<char*>(a.scratch);
  Scratch s;
  s.first_tile = reinterpret_cast<unsigned long long*>(base);
  s.keys = s.first_tile + 1;
  s.report = reinterpret_cast<long long*>(base + )" + str(scratch.report) + R"(LL);
  s.h = reinterpret_cast<T*>(base + )" + str(scratch.h) + R"(LL);
  s.t = reinterpret_cast<T*>(base + )" + str(scratch.t) + R"(LL);
  s.x = reinterpret_cast<T*>(base + )" + str(scratch.x) + R"(LL);
  s.code = reinterpret_cast<int*>(base + )" + str(scratch.code) + R"(LL);
  return s;
}

// Before the integration: no failure yet.
extern "C" __global__ void )" + std::string(kOdeCudaInit) + R"((const Args a) {
  const Scratch s = scratch_of(a);
  const long long first = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long i = first; i < )" + str(scratch.tiles + 1) + R"(LL; i += stride) s.first_tile[i] = ~0ULL;
}

// After it (one thread): the failure the CPU reports, the lowest failing tile's first one
// (in interval, then element order), or element -1.
extern "C" __global__ void )" + std::string(kOdeCudaReport) + R"((const Args a) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  const Scratch s = scratch_of(a);
  const unsigned long long tile = *s.first_tile;
  if (tile == ~0ULL) {
    s.report[0] = -1;
    s.report[1] = 0;
    return;
  }
  const long long e = static_cast<long long>(tile) * )" + str(scratch.tile) + R"(LL + static_cast<long long>(s.keys[tile] & 0xffffffffULL);
  T* values = reinterpret_cast<T*>(s.report + 2);
  s.report[0] = e;
  s.report[1] = s.code[e];
  values[0] = s.h[e];
  values[1] = s.t[e];
  for (int j = 0; j < )" + str(ns) + R"(; ++j) values[2 + j] = s.x[j * )" + str(n) + R"(LL + e];
}

)";
  src += cuda_element_head(spec, shapes, kDopri5Coefficients);
  src += "    const T tiny = a.c[" + str(kDopri5Coefficients) + "], rtol = a.rtol, atol = a.atol;\n";
  src += "    T X[" + str(ns) + "], K1[" + str(ns) + "], XN[" + str(ns) + "], DN[" + str(ns) + "];\n";
  src += "    for (int j = 0; j < " + str(ns) + "; ++j) X[j] = x[j];\n";
  src += "    T h = a.dt, t = a.t0;\n    int rejected = 0, code = 0;\n    long long k = 0;\n";
  src += "    for (; k < steps; ++k) {\n" + cuda_step_head(spec, "start");
  src += "      const T end = start + a.dt;\n";
  // integrate_const's fresh copy of the stepper: the derivative afresh at each grid point.
  src += "      {\n        T v[" + str(ns + 1 + np + 1) + "];\n";
  for (int s = 0; s < ns; ++s) src += "        v[" + str(s) + "] = X[" + str(s) + "];\n";
  src += "        v[" + str(ns) + "] = start;\n";
  for (int p = 0; p < np; ++p) src += "        v[" + str(ns + 1 + p) + "] = P[" + str(p) + "];\n";
  src += "        rhs(v, K1);\n      }\n";
  // Dopri5Tile::interval and attempt for this element.
  src += R"(      t = start;
      long long attempts = 0;
      while (true) {
        if (!before(t, end, h)) break;
        if (before(end, t + h, h)) h = end - t;
        if (t + h == t) {
          code = 1;
          break;
        }
        T err;
        {
)";
  std::string attempt = dopri5_attempt(spec, {"", "gr_fma(", "graphrun::ew::abs(",
                                              dtype == GR_F64 ? "graphrun::ew::nan_f64()" : "graphrun::ew::nan_f32()", "err"});
  for (size_t at = 0; at < attempt.size();) {  // 4 more spaces per line
    const size_t end = attempt.find('\n', at);
    src += "    " + attempt.substr(at, end - at + 1);
    at = end + 1;
  }
  src += R"(        }
        if (++attempts > )" + str(kMaxAttemptsPerInterval) + R"(LL) {
          code = 2;
          break;
        }
        if (!(err <= T(1))) {
          // default_step_adjuster::decrease_step
          if (err != err) {
            h = h * (T(1) / T(5));
          } else {
            const T shrink = T(9) / T(10) * graphrun::ew::pow(err, T(-1) / T(3));
            h = h * (shrink < T(1) / T(5) ? T(1) / T(5) : shrink);
          }
          if (++rejected >= )" + str(kMaxRejectedInARow) + R"() {
            code = 3;
            break;
          }
          continue;
        }
        for (int j = 0; j < )" + str(ns) + R"(; ++j) {
          X[j] = XN[j];
          K1[j] = DN[j];
        }
        t += h;
        // default_step_adjuster::increase_step
        if (err < T(0.5)) {
          const T grown = tiny < err ? err : tiny;
          h *= T(9) / T(10) * graphrun::ew::pow(grown, T(-1) / T(5));
        }
        rejected = 0;
      }
      if (code != 0) break;
)";
  if (spec.trajectory) src += cuda_record(spec, "X", "e * samples + k + 1", "      ");
  src += "    }\n";
  if (!spec.trajectory) src += cuda_record(spec, "X", "e", "    ");
  src += R"(    if (code != 0) {
      const Scratch s = scratch_of(a);
      s.h[e] = h;
      s.t[e] = t;
      for (int j = 0; j < )" + str(ns) + R"(; ++j) s.x[j * )" + str(n) + R"(LL + e] = X[j];
      s.code[e] = code;
      const unsigned long long interval = k < 0xffffffffLL ? static_cast<unsigned long long>(k) : 0xffffffffULL;
      const unsigned long long tile = static_cast<unsigned long long>(e / )" + str(scratch.tile) + R"(LL);
      atomicMin(s.keys + tile, interval << 32 | static_cast<unsigned long long>(e % )" + str(scratch.tile) + R"(LL));
      atomicMin(s.first_tile, tile);
    }
  }
}
)";
  return src;
}

}  // namespace

OdeCudaScratch ode_cuda_scratch(const OdeSpec& spec, int32_t dtype) {
  OdeCudaScratch s;
  if (spec.method != OdeMethod::kDopri5) return s;
  const int64_t n = count_of(spec.shape), t = dtype == GR_F64 ? 8 : 4, ns = static_cast<int64_t>(spec.states.size());
  auto round8 = [](int64_t b) { return (b + 7) / 8 * 8; };
  s.tile = dtype == GR_F64 ? kOdeTile<double> : kOdeTile<float>;
  s.tiles = (n + s.tile - 1) / s.tile;
  s.report = 8 * (1 + s.tiles);
  s.report_bytes = 16 + round8((2 + ns) * t);
  s.h = s.report + s.report_bytes;
  s.t = s.h + round8(n * t);
  s.x = s.t + round8(n * t);
  s.code = s.x + round8(ns * n * t);
  s.bytes = s.code + round8(n * 4);
  return s;
}

std::string ode_cuda_source(const OdeSpec& spec, int32_t dtype, const std::string& rhs_cuda,
                            const std::vector<std::vector<int64_t>>& input_shapes,
                            const std::vector<bool>& single_ports) {
  std::string src = cuda_prologue(spec, dtype, rhs_cuda, static_cast<int>(input_shapes.size()), count_of(spec.shape));
  if (spec.method == OdeMethod::kDopri5) return src + cuda_dopri5(spec, dtype, input_shapes, ode_cuda_scratch(spec, dtype));
  return src + cuda_fixed_steps(spec, input_shapes, single_ports);
}

template <typename T>
std::vector<std::byte> ode_cuda_args(const OdeSpec& spec, const std::vector<const void*>& inputs,
                                     const std::vector<void*>& outputs, void* scratch) {
  std::vector<const void*> pointers = inputs;
  if (pointers.empty()) pointers.push_back(nullptr);
  pointers.insert(pointers.end(), outputs.begin(), outputs.end());
  pointers.push_back(scratch);
  std::vector<T> values(kOdeCudaCoefficients + 4, T(0));
  if (spec.method == OdeMethod::kDopri5) {
    const std::vector<T> tableau = dopri5_coefficients<T>();
    std::copy(tableau.begin(), tableau.end(), values.begin());
  } else {
    const std::vector<T> c = step_coefficients<T>(spec);
    std::copy(c.begin(), c.end(), values.begin());
  }
  values[kOdeCudaCoefficients] = T(spec.t0);
  values[kOdeCudaCoefficients + 1] = T(spec.dt);
  values[kOdeCudaCoefficients + 2] = T(spec.rtol);
  values[kOdeCudaCoefficients + 3] = T(spec.atol);
  const long long steps = spec.steps;
  std::vector<std::byte> args(pointers.size() * sizeof(void*) + values.size() * sizeof(T) + sizeof steps);
  std::byte* at = args.data();
  std::memcpy(at, pointers.data(), pointers.size() * sizeof(void*));
  at += pointers.size() * sizeof(void*);
  std::memcpy(at, values.data(), values.size() * sizeof(T));
  at += values.size() * sizeof(T);
  std::memcpy(at, &steps, sizeof steps);
  return args;
}

template std::vector<std::byte> ode_cuda_args<float>(const OdeSpec&, const std::vector<const void*>&,
                                                     const std::vector<void*>&, void*);
template std::vector<std::byte> ode_cuda_args<double>(const OdeSpec&, const std::vector<const void*>&,
                                                      const std::vector<void*>&, void*);

}  // namespace graphrun::calculus
