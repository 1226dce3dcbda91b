#include "host_session.h"

#include "driver/error_report.h"
#include "graph/diagnostics.h"
#include "plugin_host/registry.h"
#include "plugin_host/running_step.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>

namespace graphrun::testing {
namespace {

std::mutex g_host_mutex;

// Where the built-in plugins of this library's graphrun are: installed, libgraphrun_testing.so
// sits in LIBDIR and the plugins in LIBDIR/graphrun/plugins (wherever the prefix was moved);
// in the build tree, the tree's plugin folder.
std::string builtin_plugin_dir() {
  namespace fs = std::filesystem;
  Dl_info info{};
  std::error_code ec;
  if (dladdr(reinterpret_cast<const void*>(&builtin_plugin_dir), &info) && info.dli_fname) {
    fs::path installed = fs::path(info.dli_fname).parent_path() / "graphrun" / "plugins";
    if (fs::is_directory(installed, ec)) return installed.string();
  }
  return GRAPHRUN_BUILD_PLUGIN_DIR;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

Failure::Failure(int exit_code, const std::string& message) : std::runtime_error(message), exit_code_(exit_code) {}

void ensure_host() {
  std::lock_guard lock(g_host_mutex);
  static bool loaded = false;
  if (loaded) return;
  // A crash inside a kernel under test names the node, op and plugin, as in the command.
  install_crash_reporter();
  try {
    Registry::global().load_defaults(builtin_plugin_dir());
  } catch (...) {
    throw current_failure(nullptr);
  }
  loaded = true;
}

void load_plugin(const std::string& path) {
  ensure_host();
  std::lock_guard lock(g_host_mutex);
  try {
    Registry::global().load(path);
  } catch (...) {
    throw current_failure(nullptr);
  }
}

std::string yaml_quote(std::string_view text) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

GraphTextFile::GraphTextFile(const std::string& text) {
  std::string pattern = (std::filesystem::temp_directory_path() / "graphrun-testing-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw Failure(1, "graphrun: cannot create a temporary folder under " + pattern);
  dir_ = pattern;
  path_ = dir_ + "/test.yaml";
  std::ofstream out(path_, std::ios::binary);
  out << text;
  if (!out.flush()) throw Failure(1, "graphrun: cannot write " + path_);
}

GraphTextFile::~GraphTextFile() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Failure current_failure(const GraphTextFile* file) {
  ErrorReport report;  // what the command prints, and its exit code
  try {
    throw;
  } catch (const Failure& f) {
    return f;
  } catch (...) {
    report = report_current_exception();
  }
  std::string& message = report.message;
  if (file) replace_all(message, file->path(), "test.yaml");
  return Failure(report.exit_code, message);
}

}  // namespace graphrun::testing
