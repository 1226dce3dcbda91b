// Replays saved inputs through a harness built without libFuzzer (any compiler): each file
// named on the command line is fed once to LLVMFuzzerTestOneInput, as libFuzzer would. A
// finding aborts; a clean answer exits 0. Inputs listed in regressions/PENDING (a fix not
// merged yet) exit with kSkipped so ctest reports them as skipped, with the reason.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

constexpr int kSkipped = 77;

/// The reason `input` (a path ending in "<harness>/<file>") is pending, or "".
std::string pending_reason(const std::string& pending_list, const std::string& input) {
  std::ifstream in(pending_list);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    const bool matches = input.size() > name.size() &&
                         input.compare(input.size() - name.size(), name.size(), name) == 0 &&
                         input[input.size() - name.size() - 1] == '/';
    if (!matches) continue;
    std::string reason;
    std::getline(fields >> std::ws, reason);
    return reason.empty() ? "pending" : reason;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s [--pending LIST] INPUT...\n", argv[0]);
    return 2;
  }
  std::vector<std::string> inputs;
  std::string pending_list;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--pending" && i + 1 < argc)
      pending_list = argv[++i];
    else
      inputs.push_back(arg);
  }
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  int skipped = 0;
  for (const std::string& path : inputs) {
    if (!pending_list.empty()) {
      std::string reason = pending_reason(pending_list, path);
      if (!reason.empty()) {
        std::printf("skipped %s: %s\n", path.c_str(), reason.c_str());
        ++skipped;
        continue;
      }
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      return 2;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    std::printf("ok %s\n", path.c_str());
  }
  return skipped == static_cast<int>(inputs.size()) ? kSkipped : 0;
}
