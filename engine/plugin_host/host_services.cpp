// gr_host: what the engine offers plugins. parallel_for runs fixed-size chunks on oneTBB so
// results never depend on the thread count; programs are the expression language's.
#include "expr/expr.h"
#include "plugin_host/program_handle.h"
#include "plugin_host/registry.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>

#include <cstdio>
#include <map>

namespace graphrun {
namespace {

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  void (*body)(void*, int64_t, int64_t), void* context) {
  if (end <= begin) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t chunks = (end - begin + grain - 1) / grain;
  if (chunks == 1) {
    body(context, begin, end);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, chunks, 1),
      [&](const tbb::blocked_range<int64_t>& r) {
        for (int64_t c = r.begin(); c != r.end(); ++c)
          body(context, begin + c * grain, std::min(end, begin + (c + 1) * grain));
      },
      tbb::simple_partitioner());
}

}  // namespace
}  // namespace graphrun


namespace graphrun {
namespace {

std::map<std::string, double> node_params(const gr_node* node) {
  std::map<std::string, double> params;
  if (!node) return params;
  for (int i = 0; i < node->num_params; ++i) params[node->param_names[i]] = node->param_values[i];
  return params;
}

gr_program* program_compile(int32_t num_formulas, const char* const* formulas, int32_t num_vars,
                            const char* const* var_names, const gr_node* node, gr_status* status) {
  std::vector<std::string> vars(var_names, var_names + num_vars);
  std::map<std::string, double> params = node_params(node);
  for (const auto& v : vars) params.erase(v);  // a variable shadows a param of the same name
  std::vector<expr::AstPtr> asts;
  for (int32_t k = 0; k < num_formulas; ++k) {
    try {
      asts.push_back(expr::parse(formulas[k], vars, params));
    } catch (const expr::ExprError& e) {
      status->code = GR_USER_ERROR;
      status->offset = e.offset();
      std::snprintf(status->attr, sizeof status->attr, "formula:%d", k);
      std::snprintf(status->message, sizeof status->message, "%s", e.what());
      return nullptr;
    }
  }
  return new gr_program{expr::Program::compile(asts, vars)};
}

void program_eval(const gr_program* program, int32_t dtype, int64_t n, const void* const* vars,
                  const int32_t* var_is_scalar, void* const* outs) {
  if (dtype == GR_F64)
    program->program->eval(n, reinterpret_cast<const double* const*>(vars), var_is_scalar,
                           reinterpret_cast<double* const*>(outs));
  else
    program->program->eval(n, reinterpret_cast<const float* const*>(vars), var_is_scalar,
                           reinterpret_cast<float* const*>(outs));
}

void program_free(gr_program* program) { delete program; }

}  // namespace

const gr_host& host_services() {
  static const gr_host host = {GRAPHRUN_API_VERSION, sizeof(gr_host), &parallel_for,
                               &program_compile, &program_eval, &program_free};
  return host;
}

}  // namespace graphrun
