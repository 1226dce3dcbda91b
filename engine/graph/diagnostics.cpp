#include "graph/diagnostics.h"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace graphrun {

std::string SourceLoc::str() const {
  std::string s = file.empty() ? "<graph>" : file;
  if (line > 0) s += ":" + std::to_string(line);
  if (line > 0 && col > 0) s += ":" + std::to_string(col);
  return s;
}

std::string Diagnostic::str() const { return loc.str() + ": " + message; }

namespace {
std::string join_messages(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += (s.empty() ? "" : "\n") + d.str();
  return s;
}
}  // namespace

GraphError::GraphError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join_messages(diagnostics)), diagnostics_(std::move(diagnostics)) {}

GraphError::GraphError(SourceLoc loc, const std::string& message)
    : GraphError(std::vector<Diagnostic>{{std::move(loc), message}}) {}

void DiagnosticSink::error(const SourceLoc& loc, std::string message) {
  Diagnostic d{loc, std::move(message)};
  if (seen_.insert(d.str()).second) diagnostics_.push_back(std::move(d));
}

void DiagnosticSink::throw_if_any() const {
  if (diagnostics_.empty()) return;
  auto sorted = diagnostics_;
  // A total order (file, line, column, message), so the printed order never depends on
  // the order in which checks ran.
  std::sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.loc.file, a.loc.line, a.loc.col, a.message) <
           std::tie(b.loc.file, b.loc.line, b.loc.col, b.message);
  });
  throw GraphError(std::move(sorted));
}

namespace {
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1u : 0u)});
      diagonal = up;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string did_you_mean(std::string_view name, std::span<const std::string> candidates) {
  const std::string* best = nullptr;
  size_t best_distance = 0;
  for (const auto& c : candidates) {
    size_t d = edit_distance(name, c);
    if (!best || d < best_distance) best = &c, best_distance = d;
  }
  size_t limit = std::max<size_t>(1, std::min<size_t>(3, name.size() / 3 + 1));
  if (!best || best_distance > limit) return {};
  return " (did you mean '" + *best + "'?)";
}

}  // namespace graphrun
