#include "plugin_host/op_descriptor.h"

#include <cstddef>
#include <cstring>
#include <set>

namespace graphrun {
namespace {

// Size of each struct in API 2.0, the oldest layout this host reads.
constexpr size_t kOpDescV2_0 = offsetof(gr_op_desc, version);
constexpr size_t kPortDescV2_0 = sizeof(gr_port_desc);
constexpr size_t kAttrDescV2_0 = sizeof(gr_attr_desc);

struct Refusal {
  std::string why;
};

// The plugin's struct in this host's layout: the prefix it knows, zeros beyond.
template <typename T> T prefix_copy(const T* given, size_t oldest, const std::string& what) {
  if (!given) throw Refusal{what + " is a null pointer"};
  uint32_t size = given->struct_size;
  if (size < oldest)
    throw Refusal{what + " has struct_size " + std::to_string(size) + ", smaller than any layout this graphrun knows (" +
                  std::to_string(oldest) + ")"};
  T out{};
  std::memcpy(&out, given, std::min<size_t>(size, sizeof(T)));
  out.struct_size = sizeof(T);
  return out;
}

template <typename T>
std::vector<T> read_list(int32_t count, const T* const* items, size_t oldest, const std::string& what) {
  if (count < 0) throw Refusal{"a negative number of " + what + " (" + std::to_string(count) + ")"};
  if (count > 0 && !items) throw Refusal{std::to_string(count) + " " + what + " but a null list"};
  std::vector<T> out;
  std::set<std::string> seen;
  for (int32_t i = 0; i < count; ++i) {
    T item = prefix_copy(items[i], oldest, what + " #" + std::to_string(i));
    if (!item.name || !*item.name) throw Refusal{what + " #" + std::to_string(i) + " has no name"};
    if (!seen.insert(item.name).second) throw Refusal{"two " + what + " named '" + std::string(item.name) + "'"};
    out.push_back(item);
  }
  return out;
}

bool default_fits(const gr_attr_desc& a) {
  const int32_t kind = a.default_value.kind;
  if (kind == GR_VALUE_NONE) return true;
  switch (a.type) {
    case GR_ATTR_FLOAT: return kind == GR_VALUE_FLOAT || kind == GR_VALUE_INT;
    case GR_ATTR_INT: return kind == GR_VALUE_INT;
    case GR_ATTR_BOOL: return kind == GR_VALUE_BOOL;
    case GR_ATTR_STRING:
    case GR_ATTR_FORMULA: return kind == GR_VALUE_STRING && a.default_value.s;
    case GR_ATTR_INT_OR_STRING: return kind == GR_VALUE_INT || (kind == GR_VALUE_STRING && a.default_value.s);
    default: return false;  // lists, tensors and maps have no defaults
  }
}

void check_attr(const gr_attr_desc& a) {
  const std::string name = "attribute '" + std::string(a.name) + "'";
  if (a.type < 0 || a.type >= GR_ATTR_TYPE_COUNT) throw Refusal{name + " has an unknown type " + std::to_string(a.type)};
  if (!default_fits(a)) throw Refusal{name + " has a default of another kind than its type"};
  if (a.choices && a.default_value.kind == GR_VALUE_STRING &&
      ("|" + std::string(a.choices) + "|").find("|" + std::string(a.default_value.s) + "|") == std::string::npos)
    throw Refusal{name + " defaults to '" + std::string(a.default_value.s) + "', not one of " + a.choices};
}

void read(const gr_op_desc* given, OpInfo& op) {
  if (!given) throw Refusal{"a null op descriptor"};
  const std::string version = std::to_string(GR_API_MAJOR_OF(given->api_version)) + "." +
                              std::to_string(GR_API_MINOR_OF(given->api_version));
  const std::string host = std::to_string(GRAPHRUN_API_MAJOR) + "." + std::to_string(GRAPHRUN_API_MINOR);
  if (GR_API_MAJOR_OF(given->api_version) != GRAPHRUN_API_MAJOR)
    throw Refusal{"built for plugin API " + version + ", but this graphrun has API " + host +
                  " (the major version must match); rebuild the plugin against this graphrun"};
  if (GR_API_MINOR_OF(given->api_version) > GRAPHRUN_API_MINOR)
    throw Refusal{"built for plugin API " + version + ", newer than this graphrun's " + host +
                  "; update graphrun or rebuild the plugin against this one"};
  op.desc = prefix_copy(given, kOpDescV2_0, "the op descriptor");
  op.api_version = given->api_version;
  const gr_op_desc& d = op.desc;
  if (!d.name || !*d.name) throw Refusal{"an op without a name"};
  const std::string self = "op '" + std::string(d.name) + "': ";
  try {
    // A flag newer than the plugin's API is as unknown as one newer than the host's.
    const int32_t known = GR_API_MINOR_OF(given->api_version) >= 5 ? GR_OP_KNOWN_FLAGS
                                                                    : GR_OP_KNOWN_FLAGS & ~GR_OP_CUDA_EPILOGUE;
    if (d.flags & ~known) throw Refusal{"unknown flag bits " + std::to_string(d.flags & ~known)};
    if ((d.flags & GR_OP_CUDA_EPILOGUE) && !(d.flags & GR_OP_EPILOGUE))
      throw Refusal{"flag GR_OP_CUDA_EPILOGUE without GR_OP_EPILOGUE"};
    op.inputs = read_list(d.num_inputs, d.inputs, kPortDescV2_0, "input ports");
    op.outputs = read_list(d.num_outputs, d.outputs, kPortDescV2_0, "output ports");
    op.attrs = read_list(d.num_attrs, d.attrs, kAttrDescV2_0, "attributes");
    for (const auto& a : op.attrs) check_attr(a);
    if (op.outputs.size() > GR_MAX_OUTPUTS) throw Refusal{"more than " + std::to_string(GR_MAX_OUTPUTS) + " outputs"};
    if (d.expression) {
      if (op.outputs.size() != 1) throw Refusal{"an elementwise op declares exactly one output"};
    } else {
      if (!d.infer) throw Refusal{"an op that is not elementwise needs an infer function"};
      if (!d.cpu_kernel) throw Refusal{"an op that is not elementwise needs a CPU kernel"};
      if (op.outputs.empty() && !(d.flags & GR_OP_DYNAMIC_OUTPUTS)) throw Refusal{"an op without outputs"};
    }
  } catch (const Refusal& r) {
    throw Refusal{self + r.why};
  }
  op.link();
}

}  // namespace

std::string read_op_descriptor(const gr_op_desc* given, OpInfo& op) {
  try {
    read(given, op);
    return {};
  } catch (const Refusal& r) {
    return r.why;
  }
}

}  // namespace graphrun
