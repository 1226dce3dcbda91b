// graphrun._graphrun: the native half of the Python package. It converts arrays (without
// copies) and errors, and releases the GIL while a graph runs; graphrun/__init__.py gives
// the typed, documented API on top of it.
#include "loaded_graph.h"
#include "python_errors.h"

#include "driver/describe.h"
#include "graph/diagnostics.h"
#include "graphrun/plugin_api.h"
#include "plugin_host/registry.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <exception>

namespace nb = nanobind;
using namespace nb::literals;
using graphrun::python::translating_errors;

namespace graphrun::python {
namespace {

using HostArray = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;

// A caller's array as a run input, without a copy: the tensor's owner keeps the array
// alive (nanobind takes the GIL itself when the last reference goes).
TensorData as_tensor(const std::string& name, const HostArray& array) {
  TensorData t;
  if (array.dtype() == nb::dtype<double>())
    t.dtype = GR_F64;
  else if (array.dtype() == nb::dtype<float>())
    t.dtype = GR_F32;
  else
    throw UsageError("input '" + name + "' is neither float32 nor float64");
  t.shape.assign(array.shape_ptr(), array.shape_ptr() + array.ndim());
  t.data = std::shared_ptr<void>(const_cast<void*>(array.data()), [keep = array](void*) {});
  return t;
}

std::map<std::string, TensorData> as_tensors(const std::map<std::string, HostArray>& arrays) {
  std::map<std::string, TensorData> tensors;
  for (const auto& [name, array] : arrays) tensors.emplace(name, as_tensor(name, array));
  return tensors;
}

// An engine tensor as a numpy array that owns it: no copy; the buffer goes back to the
// engine's pool when numpy lets the array go.
nb::object as_numpy(const TensorData& t) {
  auto* keep = new std::shared_ptr<void>(t.data);
  nb::capsule owner(keep, [](void* p) noexcept { delete static_cast<std::shared_ptr<void>*>(p); });
  std::vector<size_t> shape(t.shape.begin(), t.shape.end());
  const nb::dlpack::dtype dtype = t.dtype == GR_F64 ? nb::dtype<double>() : nb::dtype<float>();
  return nb::ndarray<nb::numpy>(t.data.get(), shape.size(), shape.data(), owner, nullptr, dtype).cast();
}

nb::list shape_list(const Shape& shape) {
  nb::list out;
  for (int64_t d : shape) out.append(d);
  return out;
}

nb::dict port_dict(const gr_port_desc& p) {
  nb::dict d;
  d["name"] = p.name;
  d["optional"] = p.optional != 0;
  d["doc"] = p.doc ? p.doc : "";
  return d;
}

nb::object default_value(const gr_value& v) {
  switch (v.kind) {
    case GR_VALUE_BOOL: return nb::bool_(v.i != 0);
    case GR_VALUE_INT: return nb::int_(v.i);
    case GR_VALUE_FLOAT: return nb::float_(v.f);
    case GR_VALUE_STRING: return nb::str(v.s);
    default: return nb::none();
  }
}

// Every registered op, as `graphrun ops OP` describes it.
nb::list op_catalog() {
  const Registry& registry = Registry::global();
  nb::list ops;
  for (const std::string& name : registry.names()) {
    const OpInfo& op = *registry.find(name);
    const gr_op_desc& d = op.desc;
    nb::dict o;
    o["name"] = name;
    o["doc"] = d.doc ? d.doc : "";
    o["plugin"] = op.plugin;
    o["version"] = d.version ? nb::object(nb::str(d.version)) : nb::none();
    nb::list inputs, outputs, attrs, kernels;
    for (int i = 0; i < d.num_inputs; ++i) inputs.append(port_dict(*d.inputs[i]));
    for (int i = 0; i < d.num_outputs; ++i) outputs.append(port_dict(*d.outputs[i]));
    for (int i = 0; i < d.num_attrs; ++i) {
      const gr_attr_desc& a = *d.attrs[i];
      nb::dict attr;
      attr["name"] = a.name;
      attr["type"] = attr_type_name(a.type);
      attr["required"] = a.required != 0;
      attr["default"] = default_value(a.default_value);
      attr["choices"] = a.choices ? nb::object(nb::str(a.choices).attr("split")("|")) : nb::none();
      attr["doc"] = a.doc ? a.doc : "";
      attrs.append(attr);
    }
    if (d.cpu_kernel || op.elementwise()) kernels.append("cpu");
    if (d.cuda_kernel || op.elementwise()) kernels.append("cuda");
    o["inputs"] = inputs;
    o["outputs"] = outputs;
    o["attributes"] = attrs;
    o["elementwise"] = op.elementwise();
    o["variadic_inputs"] = op.variadic_inputs();
    o["dynamic_outputs"] = (d.flags & GR_OP_DYNAMIC_OUTPUTS) != 0;
    o["kernels"] = kernels;
    ops.append(o);
  }
  return ops;
}

embed::DeviceRequest device_request(const std::string& device) {
  if (device == "cpu") return embed::DeviceRequest::kCpu;
  if (device == "cuda") return embed::DeviceRequest::kCuda;
  if (device == "auto") return embed::DeviceRequest::kAuto;
  throw UsageError("device must be 'cpu', 'cuda' or 'auto', not '" + device + "'");
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

embed::LoadedGraph* load(const std::string& path, const Pairs& params, const std::vector<std::string>& plugins,
                         const std::string& device, int threads, bool fuse) {
  return translating_errors([&] {
    embed::GraphOptions options;
    options.load = {params, plugins};
    options.device = device_request(device);
    options.threads = threads;
    options.fuse = fuse;
    return new embed::LoadedGraph(path, std::move(options));
  });
}

// Runs with the GIL released; an engine error becomes graphrun's exception afterwards.
nb::list run(const embed::LoadedGraph& graph, const std::map<std::string, HostArray>& arrays) {
  std::map<std::string, TensorData> inputs = translating_errors([&] { return as_tensors(arrays); });
  RunResult result;
  std::exception_ptr failure;
  {
    nb::gil_scoped_release released;
    try {
      result = graph.run(inputs);
    } catch (...) {
      failure = std::current_exception();
    }
    inputs.clear();  // the arrays' references go while the GIL is free (nanobind takes it)
  }
  if (failure) translating_errors([&] { std::rethrow_exception(failure); });
  nb::list outputs;
  for (const TensorData& t : result.outputs) outputs.append(as_numpy(t));
  return outputs;
}

nb::list profile_records(const embed::LoadedGraph& graph) {
  nb::list records;
  for (const embed::ProfileRecord& r : graph.last_profile()) {
    nb::dict d;
    d["node"] = r.node;
    d["op"] = r.op;
    d["device"] = r.device;
    d["start_ms"] = r.start_ms;
    d["time_ms"] = r.time_ms;
    d["bytes"] = r.bytes;
    d["gb_per_s"] = r.time_ms > 0 ? static_cast<double>(r.bytes) / (r.time_ms * 1e6) : 0.0;
    d["thread"] = r.thread;
    records.append(d);
  }
  return records;
}

}  // namespace
}  // namespace graphrun::python

NB_MODULE(_graphrun, m) {
  using namespace graphrun;
  using namespace graphrun::python;
  m.doc() = "The native half of the graphrun package; use the graphrun module.";
  m.attr("__version__") = GRAPHRUN_VERSION;
  m.attr("plugin_api_version") = std::to_string(GRAPHRUN_API_MAJOR) + "." + std::to_string(GRAPHRUN_API_MINOR);

  m.def(
      "init_plugins",
      [](const std::string& builtin_dir) { translating_errors([&] { embed::load_builtin_plugins(builtin_dir, GRAPHRUN_BUILD_PLUGIN_DIR); }); },
      "builtin_dir"_a, "Loads the built-in plugins (from builtin_dir when it is a folder) once per process.");
  m.def(
      "check",
      [](const std::string& path, const Pairs& params, const std::vector<std::string>& plugins) {
        translating_errors([&] { load_graph(path, LoadOptions{params, plugins, {}}); });
      },
      "path"_a, "params"_a, "plugins"_a, "Loads and checks a graph file; raises GraphError listing every problem.");
  m.def("ops", &op_catalog, "Every registered op with its ports, attributes and docs.");

  nb::class_<embed::LoadedGraph>(m, "LoadedGraph", "A graph file loaded once, run many times.")
      .def_static("load", &load, "path"_a, "params"_a, "plugins"_a, "device"_a, "threads"_a, "fuse"_a,
                  nb::rv_policy::take_ownership)
      .def("run", &run, "inputs"_a, "Runs once (GIL released); returns the outputs in order.")
      .def("profile", &profile_records, "The per-step records of the last finished run.")
      .def(
          "explain",
          [](const embed::LoadedGraph& g, const std::map<std::string, HostArray>& arrays) {
            return translating_errors([&] { return g.explain(as_tensors(arrays)); });
          },
          "inputs"_a)
      .def(
          "dot",
          [](const embed::LoadedGraph& g, const std::map<std::string, HostArray>& arrays) {
            return translating_errors([&] { return g.dot(as_tensors(arrays)); });
          },
          "inputs"_a)
      .def_prop_ro("dtype",
                   [](const embed::LoadedGraph& g) { return g.graph().dtype == GR_F64 ? "float64" : "float32"; })
      .def_prop_ro("device", [](const embed::LoadedGraph& g) { return g.on_cuda() ? "cuda" : "cpu"; })
      .def_prop_ro("device_note", [](const embed::LoadedGraph& g) { return g.device_note(); })
      .def_prop_ro("file", [](const embed::LoadedGraph& g) { return g.graph().file; })
      .def_prop_ro("inputs",
                   [](const embed::LoadedGraph& g) {
                     nb::list out;
                     for (const auto& [node, declared] : g.graph().input_specs)
                       out.append(nb::make_tuple(g.graph().nodes[node].id, shape_list(declared)));
                     return out;
                   })
      .def_prop_ro("outputs",
                   [](const embed::LoadedGraph& g) {
                     nb::list out;
                     const Graph& graph = g.graph();
                     for (const auto& [name, ref] : graph.outputs) {
                       const Node& n = graph.nodes[ref.node];
                       nb::object shape = static_cast<size_t>(ref.port) < n.output_shapes.size()
                                              ? nb::object(shape_list(n.output_shapes[ref.port]))
                                              : nb::none();
                       out.append(nb::make_tuple(name, shape));
                     }
                     return out;
                   })
      .def_prop_ro("params", [](const embed::LoadedGraph& g) {
        nb::list out;
        const ParamTable& p = *g.graph().params;
        for (size_t k = 0; k < p.names.size(); ++k) out.append(nb::make_tuple(p.names[k], p.values[k]));
        return out;
      });
}
