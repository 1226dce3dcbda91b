#include "plugin_host/registry.h"

#include "plugin_host/op_descriptor.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace graphrun {

int OpInfo::attr_index(const std::string& name) const {
  for (size_t i = 0; i < attrs.size(); ++i)
    if (name == attrs[i].name) return static_cast<int>(i);
  return -1;
}

int OpInfo::input_index(const std::string& name) const {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (name == inputs[i].name) return static_cast<int>(i);
  return -1;
}

std::string OpInfo::blame() const { return "op '" + std::string(desc.name) + "' from plugin " + plugin; }

void OpInfo::link() {
  auto point = [](const auto& items, auto& pointers) {
    pointers.clear();
    for (const auto& item : items) pointers.push_back(&item);
  };
  point(inputs, input_ptrs_);
  point(outputs, output_ptrs_);
  point(attrs, attr_ptrs_);
  desc.num_inputs = static_cast<int32_t>(inputs.size());
  desc.inputs = input_ptrs_.data();
  desc.num_outputs = static_cast<int32_t>(outputs.size());
  desc.outputs = output_ptrs_.data();
  desc.num_attrs = static_cast<int32_t>(attrs.size());
  desc.attrs = attr_ptrs_.data();
}

Registry& Registry::global() {
  static Registry registry;
  return registry;
}

const OpInfo* Registry::find(const std::string& name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
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
    auto info = std::make_unique<OpInfo>();
    if (std::string why = read_op_descriptor(op, *info); !why.empty()) return fail(why);
    info->plugin = access->plugin;
    auto& ops = access->registry->ops_;
    if (auto it = ops.find(info->desc.name); it != ops.end())
      return fail("duplicate op '" + std::string(info->desc.name) + "', already registered by " + it->second->plugin);
    access->registered.push_back(info->desc.name);
    ops.emplace(info->desc.name, std::move(info));
    return GR_OK;
  }

  static void refuse_version(gr_registrar* self, uint32_t version) {
    static_cast<RegistrarAccess*>(self->host_data)->refused_version = version;
  }
  static void refuse(gr_registrar* self, const char* message) {
    auto* access = static_cast<RegistrarAccess*>(self->host_data);
    if (access->error.empty()) access->error = message && *message ? message : "the plugin refused to load";
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
  registrar.struct_size = sizeof registrar;
  registrar.api_version = GRAPHRUN_API_VERSION;
  registrar.host = &host_services();
  registrar.register_op = &RegistrarAccess::register_op;
  registrar.refuse_version = &RegistrarAccess::refuse_version;
  registrar.refuse = &RegistrarAccess::refuse;
  registrar.host_data = &access;
  auto roll_back = [&] {
    for (const auto& name : access.registered) ops_.erase(name);
  };
  int rc = GR_RUNTIME_ERROR;
  try {
    rc = reinterpret_cast<gr_plugin_init_fn>(symbol)(&registrar);
  } catch (const std::exception& e) {  // a C++ plugin that let one escape its entry point
    roll_back();
    throw PluginError("plugin " + path + ": its init threw: " + e.what());
  } catch (...) {
    roll_back();
    throw PluginError("plugin " + path + ": its init threw an exception");
  }
  if (access.refused_version != 0) {
    roll_back();
    auto text = [](uint32_t v) { return std::to_string(GR_API_MAJOR_OF(v)) + "." + std::to_string(GR_API_MINOR_OF(v)); };
    throw PluginError("plugin " + path + ": built for plugin API " + text(access.refused_version) +
                      ", which this graphrun (API " + text(GRAPHRUN_API_VERSION) +
                      ") cannot load; rebuild it against this graphrun");
  }
  if (rc != GR_OK || !access.error.empty()) {
    roll_back();
    throw PluginError("plugin " + path + ": " +
                      (access.error.empty() ? "its init failed (code " + std::to_string(rc) + ")" : access.error));
  }
  // The library stays loaded for the life of the process: its ops are referenced.
  loaded_.push_back(canonical);
}

void Registry::load_folder(const std::string& folder, bool skip_broken) {
  std::error_code ec;
  std::vector<std::string> libs;
  for (const auto& e : std::filesystem::directory_iterator(folder, ec))
    if (e.path().extension() == ".so") libs.push_back(e.path().string());
  std::sort(libs.begin(), libs.end());
  searched_.push_back(folder);
  for (const auto& lib : libs) {
    if (!skip_broken) {
      load(lib);
      continue;
    }
    try {
      load(lib);
    } catch (const PluginError& e) {
      std::fprintf(stderr, "graphrun: warning: skipping %s\n", e.what());
      skipped_.emplace_back(lib, e.what());
    }
  }
}

std::string Registry::unknown_op_help() const {
  std::string help = "plugins were searched in: ";
  for (size_t i = 0; i < searched_.size(); ++i) help += (i ? ", " : "") + searched_[i];
  if (searched_.empty()) help += "(no folder)";
  help += "; add a folder with GRAPHRUN_PLUGIN_PATH, or a library with --plugin or the graph's plugins: list";
  for (const auto& [lib, why] : skipped_) help += "\n  " + lib + " could not be loaded and may provide it: " + why;
  return help;
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
std::unique_ptr<OpInfo> subgraph_op_info() {
  auto info = std::make_unique<OpInfo>();
  auto attr = [](const char* name, gr_attr_type type, bool required, const char* doc) {
    gr_attr_desc a{};
    a.struct_size = sizeof a;
    a.type = type;
    a.name = name;
    a.required = required;
    a.doc = doc;
    return a;
  };
  info->attrs = {attr("file", GR_ATTR_STRING, true, "another graph file, relative to this one"),
                 attr("params", GR_ATTR_STRING_MAP, false, "overrides of the subgraph's params")};
  info->desc.struct_size = sizeof(gr_op_desc);
  info->desc.api_version = GRAPHRUN_API_VERSION;
  info->desc.name = "subgraph";
  info->desc.doc =
      "Another graph file used as one node: its inputs are the node's ports, its outputs the node's outputs. "
      "Inlined before passes run, so fusion crosses its borders; recursion is an error.";
  info->desc.flags = GR_OP_VARIADIC_INPUTS | GR_OP_DYNAMIC_OUTPUTS;
  info->plugin = "(engine: inlined when the graph is loaded)";
  info->link();
  return info;
}
}  // namespace

void Registry::load_defaults(const std::string& builtin_dir) {
  if (defaults_loaded_) return;
  defaults_loaded_ = true;
  ops_.emplace("subgraph", subgraph_op_info());
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string exe_dir = executable_dir();
  // Next to the executable (the build tree), relative to an installed bin/ (wherever the
  // installation was moved), where this build installs, and the build tree's folder (for
  // test programs elsewhere).
  std::vector<fs::path> candidates = {fs::path(exe_dir) / "plugins",
                                      fs::path(exe_dir) / GRAPHRUN_PLUGIN_DIR_FROM_BINDIR,
                                      fs::path(GRAPHRUN_INSTALL_PLUGIN_DIR), fs::path(GRAPHRUN_BUILD_PLUGIN_DIR)};
  if (!builtin_dir.empty()) candidates = {fs::path(builtin_dir)};
  for (const auto& dir : candidates) {
    if (fs::is_directory(dir, ec)) {
      load_folder(dir.lexically_normal().string(), false);
      break;
    }
  }
  // Folders of GRAPHRUN_PLUGIN_PATH: a wrong entry warns (once: load_defaults runs once),
  // a broken library warns and is skipped, so one bad file does not stop every graph.
  if (const char* env = std::getenv("GRAPHRUN_PLUGIN_PATH")) {
    std::string paths = env;
    size_t start = 0;
    while (start <= paths.size()) {
      size_t end = paths.find(':', start);
      std::string dir = paths.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!dir.empty()) {
        if (fs::is_directory(dir, ec))
          load_folder(dir, true);
        else
          std::fprintf(stderr, "graphrun: warning: GRAPHRUN_PLUGIN_PATH entry %s is %s\n", dir.c_str(),
                       fs::exists(dir, ec) ? "not a folder" : "missing");
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
}

}  // namespace graphrun
