// The op registry and the plugin loader: plugins (built-in and third-party alike) are
// shared libraries that register ops through the C API. The host checks every descriptor it
// is handed; bad plugins are refused with a message naming the library and the op, never a
// crash.
#pragma once

#include <graphrun/plugin_api.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace graphrun {

/// A plugin could not be loaded (missing file or symbol, wrong API version, duplicate op,
/// a descriptor the host refuses).
class PluginError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A registered op: its descriptor in this host's layout (whatever minor API version the
/// plugin was built with: the prefix it knew, zero-filled beyond), and the plugin it came
/// from. Strings and callbacks stay owned by the plugin, which is never unloaded.
struct OpInfo {
  gr_op_desc desc{};   // inputs/outputs/attrs point into the copies below
  std::string plugin;  // path of the library
  uint32_t api_version = GRAPHRUN_API_VERSION;  // what the plugin was built with
  std::vector<gr_port_desc> inputs, outputs;
  std::vector<gr_attr_desc> attrs;

  OpInfo() = default;
  OpInfo(const OpInfo&) = delete;
  OpInfo& operator=(const OpInfo&) = delete;

  bool elementwise() const { return desc.expression != nullptr; }
  bool variadic_inputs() const { return (desc.flags & GR_OP_VARIADIC_INPUTS) != 0; }
  /// Index of a declared attribute, or -1.
  int attr_index(const std::string& name) const;
  /// Index of a declared input port, or -1.
  int input_index(const std::string& name) const;
  /// "op 'x' from plugin /path/libx.so", for messages that blame the plugin.
  std::string blame() const;
  /// Points desc's port and attribute arrays at the copies above (after filling them).
  void link();

 private:
  std::vector<const gr_port_desc*> input_ptrs_, output_ptrs_;
  std::vector<const gr_attr_desc*> attr_ptrs_;
};

/// Every op known to this process, by name.
class Registry {
 public:
  /// The process-wide registry, with gr_host services bound to it.
  static Registry& global();

  /// Loads a plugin library; throws PluginError naming the library and the reason.
  /// Loading the same path twice is a no-op.
  void load(const std::string& path);
  /// Loads the built-in plugins (from `builtin_dir` when given, else next to the
  /// executable, relative to an installed bin/, or the build tree's folder) and the folders
  /// of GRAPHRUN_PLUGIN_PATH. A missing or non-folder path entry warns once; a library there
  /// that cannot load warns and is skipped (unknown_op_help() names it). Idempotent.
  void load_defaults(const std::string& builtin_dir = {});

  const OpInfo* find(const std::string& name) const;
  std::vector<std::string> names() const;
  /// For "unknown op": where plugins were searched, and the libraries that failed to load.
  std::string unknown_op_help() const;

 private:
  friend struct RegistrarAccess;
  void load_folder(const std::string& folder, bool skip_broken);
  std::map<std::string, std::unique_ptr<OpInfo>> ops_;
  std::vector<std::string> loaded_;
  std::vector<std::string> searched_;                              // folders, in order
  std::vector<std::pair<std::string, std::string>> skipped_;       // library, why
  bool defaults_loaded_ = false;
};

/// The services the host gives plugins (parallel_for, expression programs, outputs).
const gr_host& host_services();

}  // namespace graphrun
