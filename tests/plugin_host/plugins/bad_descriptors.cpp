// A plugin written against the C API alone that registers one broken op descriptor, chosen
// by GRAPHRUN_TEST_CASE: the host must refuse each at load time, naming the plugin and op.
#include <graphrun/plugin_api.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace {

int infer(void*, const gr_node*, gr_outputs*, gr_status*) { return GR_OK; }
int kernel(void*, const gr_node*, gr_tensor* const*, int32_t, gr_status*) { return GR_OK; }

gr_port_desc port(const char* name) { return {sizeof(gr_port_desc), 0, name, "a port"}; }

}  // namespace

extern "C" GR_EXPORT int graphrun_plugin_init(gr_registrar* reg) {
  static gr_port_desc x = port("x"), out = port("out"), out_again = port("out"), nameless = port(nullptr);
  static const gr_port_desc* inputs[] = {&x};
  static const gr_port_desc* outputs[] = {&out};
  static const gr_port_desc* duplicate_outputs[] = {&out, &out_again};
  static const gr_port_desc* null_port[] = {nullptr};
  static const gr_port_desc* nameless_port[] = {&nameless};
  static gr_attr_desc attr{};
  static const gr_attr_desc* attrs[] = {&attr};
  attr.struct_size = sizeof attr;
  attr.name = "n";
  attr.type = GR_ATTR_INT;

  gr_op_desc op{};
  op.struct_size = sizeof op;
  op.api_version = GRAPHRUN_API_VERSION;
  op.name = "broken";
  op.doc = "a broken op";
  op.num_inputs = 1;
  op.inputs = inputs;
  op.num_outputs = 1;
  op.outputs = outputs;
  op.infer = &infer;
  op.cpu_kernel = &kernel;

  const char* env = std::getenv("GRAPHRUN_TEST_CASE");
  const std::string c = env ? env : "";
  if (c == "null_name") op.name = nullptr;
  if (c == "negative_count") op.num_inputs = -1;
  if (c == "count_without_list") op.inputs = nullptr;
  if (c == "null_port") op.inputs = null_port;
  if (c == "nameless_port") op.inputs = nameless_port;
  if (c == "duplicate_port") {
    op.num_outputs = 2;
    op.outputs = duplicate_outputs;
  }
  if (c == "unknown_attr_type") attr.type = 99;
  if (c == "default_of_other_kind") {
    attr.default_value.kind = GR_VALUE_STRING;
    attr.default_value.s = "three";
  }
  if (c == "unknown_attr_type" || c == "default_of_other_kind") {
    op.num_attrs = 1;
    op.attrs = attrs;
  }
  if (c == "unknown_flag") op.flags = 64;
  // API 2.5's GR_OP_CUDA_EPILOGUE: sound with GR_OP_EPILOGUE from a 2.5 plugin; refused alone,
  // and unknown to an op that says it was built for 2.4.
  if (c == "cuda_epilogue") op.flags = GR_OP_EPILOGUE | GR_OP_CUDA_EPILOGUE;
  if (c == "cuda_epilogue_alone") op.flags = GR_OP_CUDA_EPILOGUE;
  if (c == "cuda_epilogue_from_2_4") {
    op.flags = GR_OP_EPILOGUE | GR_OP_CUDA_EPILOGUE;
    op.api_version = (2u << 16) | 4u;
  }
  if (c == "no_infer") op.infer = nullptr;
  if (c == "no_kernel") op.cpu_kernel = nullptr;
  if (c == "no_outputs") op.num_outputs = 0;
  if (c == "tiny_struct") op.struct_size = 8;
  if (c == "newer_minor") op.api_version = GRAPHRUN_API_VERSION + 1;
  gr_status status{};
  return reg->register_op(reg, &op, &status);
}
