// User-facing errors: every problem in a graph file carries file:line:col and what was
// expected. A user error (bad graph, bad usage) is different from a runtime failure.
#pragma once

#include "text/did_you_mean.h"

#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace graphrun {

/// A position in a graph file; line and column are 1-based (0 = unknown).
struct SourceLoc {
  std::string file;
  int line = 0;
  int col = 0;
  /// "file:line:col" (or less when unknown).
  std::string str() const;
};

/// One problem found in a graph file.
struct Diagnostic {
  SourceLoc loc;
  std::string message;
  /// "file:line:col: message", as printed.
  std::string str() const;
};

/// The graph is invalid (exit code 2); holds every problem found, in file order.
class GraphError : public std::runtime_error {
 public:
  explicit GraphError(std::vector<Diagnostic> diagnostics);
  GraphError(SourceLoc loc, const std::string& message);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

/// Bad command-line usage (exit code 2).
class UsageError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A failure while running (exit code 1): a kernel error, an unreadable input file.
class RunError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The requested device is not available (exit code 3).
class DeviceUnavailable : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Collects diagnostics while a file is checked, so all of them are reported at once.
class DiagnosticSink {
 public:
  void error(const SourceLoc& loc, std::string message);
  bool empty() const { return diagnostics_.empty(); }
  size_t count() const { return diagnostics_.size(); }
  /// What was collected, in the order it was reported.
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  /// Throws GraphError with everything collected (sorted by position), if anything was.
  void throw_if_any() const;

 private:
  std::vector<Diagnostic> diagnostics_;
  std::set<std::string> seen_;  // str() of each diagnostic: one report per position and text
};

/// " (did you mean 'x'?)" when a candidate is within a small edit distance, else "": the
/// engine's one implementation (text/did_you_mean.h).
using text::did_you_mean;

}  // namespace graphrun
