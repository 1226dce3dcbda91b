#include "graph/diagnostics.h"

#include <algorithm>
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

}  // namespace graphrun
