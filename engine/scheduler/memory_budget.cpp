#include "scheduler/memory_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace graphrun {
namespace {

/// The first number of a file such as memory.max ("max" and missing files give nullopt).
std::optional<uint64_t> read_number(const std::string& path) {
  std::ifstream in(path);
  uint64_t v = 0;
  if (!(in >> v)) return std::nullopt;
  return v;
}

/// The number after `key` in a file of "key value [unit]" lines (memory.stat, /proc/meminfo).
std::optional<uint64_t> read_stat(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name;
    uint64_t v = 0;
    if (fields >> name >> v && name == key) return v;
  }
  return std::nullopt;
}

/// What the memory cgroup still allows: limit − usage + the file cache it can drop. Reads
/// the process's own cgroup as a container sees it, v2 then v1.
std::optional<uint64_t> cgroup_room() {
  struct Layout {
    const char *limit, *usage, *stat, *inactive_file;
  };
  for (const Layout& l : {Layout{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current",
                                 "/sys/fs/cgroup/memory.stat", "inactive_file"},
                          Layout{"/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                 "/sys/fs/cgroup/memory/memory.usage_in_bytes",
                                 "/sys/fs/cgroup/memory/memory.stat", "total_inactive_file"}}) {
    std::optional<uint64_t> limit = read_number(l.limit), usage = read_number(l.usage);
    if (!limit || !usage || *limit >= (uint64_t{1} << 60)) continue;  // v1 writes "no limit" as ~2^63
    uint64_t used = *usage - std::min(*usage, read_stat(l.stat, l.inactive_file).value_or(0));
    return *limit > used ? *limit - used : 0;
  }
  return std::nullopt;
}

}  // namespace

MemoryPlan plan_memory(const Graph& g) {
  std::vector<int> order = g.topo_order();
  std::vector<int> position(g.nodes.size(), 0);
  for (size_t p = 0; p < order.size(); ++p) position[order[p]] = static_cast<int>(p);
  MemoryPlan plan;
  plan.known = true;
  std::map<ValueRef, int> last_use;
  std::map<ValueRef, uint64_t> bytes;
  for (int i : order) {
    const Node& n = g.nodes[i];
    for (size_t k = 0; k < n.output_names.size(); ++k) {
      if (k >= n.output_shapes.size()) {
        plan.known = false;
        continue;
      }
      ValueRef r{i, static_cast<int>(k)};
      bytes[r] = n.kind == NodeKind::kInput ? 0 : tensor_bytes(n.output_shapes[k], g.dtype);
      last_use[r] = position[i];
    }
    for (const auto& in : n.inputs) last_use[in] = std::max(last_use[in], position[i]);
  }
  for (const auto& [name, r] : g.outputs) {
    last_use[r] = static_cast<int>(order.size());
    plan.outputs += bytes[r];
  }
  std::vector<uint64_t> freed_after(order.size() + 1, 0);
  for (const auto& [r, last] : last_use) freed_after[static_cast<size_t>(last)] += bytes[r];
  uint64_t live = 0;
  for (size_t p = 0; p < order.size(); ++p) {
    const Node& n = g.nodes[order[p]];
    for (size_t k = 0; k < n.output_shapes.size(); ++k) live += bytes[{order[p], static_cast<int>(k)}];
    plan.peak = std::max(plan.peak, live);
    live -= std::min(live, freed_after[p]);
  }
  return plan;
}

std::optional<uint64_t> available_memory() {
  std::optional<uint64_t> available = read_stat("/proc/meminfo", "MemAvailable:");
  if (!available) return cgroup_room();
  *available *= 1024;  // /proc/meminfo counts kB
  if (std::optional<uint64_t> room = cgroup_room()) available = std::min(*available, *room);
  return available;
}

std::string human_bytes(uint64_t b) {
  if (b < 1024) return std::to_string(b) + " B";
  if (b < (uint64_t{1} << 20)) return fmt::format("{:.1f} KiB", static_cast<double>(b) / 1024);
  if (b < (uint64_t{1} << 30)) return fmt::format("{:.1f} MiB", static_cast<double>(b) / (1 << 20));
  return fmt::format("{:.2f} GiB", static_cast<double>(b) / (1 << 30));
}

std::optional<uint64_t> parse_byte_size(const std::string& text) {
  double number = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, number, std::chars_format::fixed);
  if (ec != std::errc() || p == text.data() || !(number >= 0)) return std::nullopt;
  std::string unit(p, end);
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  static const std::map<std::string, int> kShift = {{"", 0}, {"K", 10}, {"M", 20}, {"G", 30}, {"T", 40}, {"P", 50}};
  for (const char* suffix : {"IB", "B"})
    if (unit.size() > 1 && unit.ends_with(suffix)) {
      unit.resize(unit.size() - std::string_view(suffix).size());
      break;
    }
  if (unit == "B") unit.clear();
  auto it = kShift.find(unit);
  if (it == kShift.end()) return std::nullopt;
  double bytes = std::ldexp(number, it->second);
  if (bytes >= 0x1p64) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

}  // namespace graphrun
