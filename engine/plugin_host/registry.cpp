#include "plugin_host/registry.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace graphrun {

int OpInfo::attr_index(const std::string& name) const {
  for (int i = 0; i < desc.num_attrs; ++i)
    if (name == desc.attrs[i].name) return i;
  return -1;
}

int OpInfo::input_index(const std::string& name) const {
  for (int i = 0; i < desc.num_inputs; ++i)
    if (name == desc.inputs[i].name) return i;
  return -1;
}

Registry& Registry::global() {
  static Registry registry;
  return registry;
}

const OpInfo* Registry::find(const std::string& name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, info] : ops_) out.push_back(name);
  return out;
}

// What the registrar handed to a plugin's init carries back to us.
struct RegistrarAccess {
  Registry* registry;
  std::string plugin;
  std::string error;
  uint32_t refused_version = 0;
  std::vector<std::string> registered;

  static int register_op(gr_registrar* self, const gr_op_desc* op, gr_status* status) {
    auto* access = static_cast<RegistrarAccess*>(self->host_data);
    auto fail = [&](const std::string& message) {
      if (access->error.empty()) access->error = message;
      if (status) {
        status->code = GR_USER_ERROR;
        std::snprintf(status->message, sizeof status->message, "%s", message.c_str());
      }
      return static_cast<int>(GR_USER_ERROR);
    };
    if (!op || !op->name || !*op->name) return fail("an op without a name");
    if (op->api_version != GRAPHRUN_API_VERSION) {
      access->refused_version = op->api_version;
      return fail("op '" + std::string(op->name) + "' was built for plugin API v" +
                  std::to_string(op->api_version));
    }
    if (op->struct_size < sizeof(gr_op_desc))
      return fail("op '" + std::string(op->name) + "' has a descriptor of an older layout");
    if (!op->cpu_kernel && !op->expression)
      return fail("op '" + std::string(op->name) + "' has neither a CPU kernel nor an elementwise formula");
    auto& ops = access->registry->ops_;
    if (auto it = ops.find(op->name); it != ops.end())
      return fail("duplicate op '" + std::string(op->name) + "', already registered by " + it->second.plugin);
    OpInfo info;
    info.desc = *op;
    info.plugin = access->plugin;
    ops.emplace(op->name, info);
    access->registered.push_back(op->name);
    return GR_OK;
  }

  static void refuse_version(gr_registrar* self, uint32_t version) {
    static_cast<RegistrarAccess*>(self->host_data)->refused_version = version;
  }
};

void Registry::load(const std::string& path) {
  std::string canonical = path;
  std::error_code ec;
  if (auto c = std::filesystem::canonical(path, ec); !ec) canonical = c.string();
  if (std::find(loaded_.begin(), loaded_.end(), canonical) != loaded_.end()) return;
  if (!std::filesystem::exists(path, ec))
    throw PluginError("plugin " + path + ": no such file");
  void* handle = dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw PluginError("plugin " + path + ": cannot load: " + dlerror());
  void* symbol = dlsym(handle, GRAPHRUN_PLUGIN_INIT_SYMBOL);
  if (!symbol) {
    dlclose(handle);
    throw PluginError("plugin " + path + ": not a graphrun plugin (no symbol '" +
                      GRAPHRUN_PLUGIN_INIT_SYMBOL + "')");
  }
  RegistrarAccess access{this, canonical, {}, 0, {}};
  gr_registrar registrar{};
  registrar.api_version = GRAPHRUN_API_VERSION;
  registrar.host = &host_services();
  registrar.register_op = &RegistrarAccess::register_op;
  registrar.refuse_version = &RegistrarAccess::refuse_version;
  registrar.host_data = &access;
  int rc = reinterpret_cast<gr_plugin_init_fn>(symbol)(&registrar);
  auto roll_back = [&] {
    for (const auto& name : access.registered) ops_.erase(name);
  };
  if (access.refused_version != 0) {
    roll_back();
    throw PluginError("plugin " + path + ": built for plugin API v" +
                      std::to_string(access.refused_version) + ", but this graphrun has API v" +
                      std::to_string(GRAPHRUN_API_VERSION) + "; rebuild it against this graphrun");
  }
  if (rc != GR_OK || !access.error.empty()) {
    roll_back();
    throw PluginError("plugin " + path + ": " +
                      (access.error.empty() ? "its init failed (code " + std::to_string(rc) + ")" : access.error));
  }
  // The library stays loaded for the life of the process: its ops are referenced.
  loaded_.push_back(canonical);
}

void Registry::load_folder(const std::string& folder) {
  std::error_code ec;
  std::vector<std::string> libs;
  for (const auto& e : std::filesystem::directory_iterator(folder, ec))
    if (e.path().extension() == ".so") libs.push_back(e.path().string());
  std::sort(libs.begin(), libs.end());
  for (const auto& lib : libs) load(lib);
}

namespace {
std::string executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}
}  // namespace

namespace {
// `subgraph` is expanded by the loader (graph/inline_subgraphs) before any pass; it is
// listed here so that `graphrun ops` and `graphrun schema` describe it like any op.
OpInfo subgraph_op_info() {
  static const gr_attr_desc attrs[] = {
      {"file", GR_ATTR_STRING, 1, gr_value{}, nullptr, "another graph file, relative to this one"},
      {"params", GR_ATTR_STRING_MAP, 0, gr_value{}, nullptr, "overrides of the subgraph's params"}};
  OpInfo info;
  info.desc.api_version = GRAPHRUN_API_VERSION;
  info.desc.struct_size = sizeof(gr_op_desc);
  info.desc.name = "subgraph";
  info.desc.doc =
      "Another graph file used as one node: its inputs are the node's ports, its outputs the node's outputs. "
      "Inlined before passes run, so fusion crosses its borders; recursion is an error.";
  info.desc.flags = GR_OP_VARIADIC_INPUTS | GR_OP_DYNAMIC_OUTPUTS;
  info.desc.num_attrs = 2;
  info.desc.attrs = attrs;
  info.plugin = "(engine: inlined when the graph is loaded)";
  return info;
}
}  // namespace

void Registry::load_defaults() {
  if (defaults_loaded_) return;
  defaults_loaded_ = true;
  ops_.emplace("subgraph", subgraph_op_info());
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string exe_dir = executable_dir();
  // Next to the executable (the build tree), relative to an installed bin/, where this
  // build installs, and the build tree's folder (for test programs elsewhere).
  std::vector<fs::path> candidates = {fs::path(exe_dir) / "plugins",
                                      fs::path(exe_dir) / ".." / "lib" / "graphrun" / "plugins",
                                      fs::path(GRAPHRUN_INSTALL_PLUGIN_DIR), fs::path(GRAPHRUN_BUILD_PLUGIN_DIR)};
  for (const auto& dir : candidates) {
    if (fs::is_directory(dir, ec)) {
      load_folder(dir.string());
      break;
    }
  }
  if (const char* env = std::getenv("GRAPHRUN_PLUGIN_PATH")) {
    std::string paths = env;
    size_t start = 0;
    while (start <= paths.size()) {
      size_t end = paths.find(':', start);
      std::string dir = paths.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!dir.empty() && fs::is_directory(dir, ec)) load_folder(dir);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
}

}  // namespace graphrun
