// What graphrun prints for each kind of failure, and its exit code: one mapping for the
// command and for graphrun::testing, which promises the command's exact messages.
#pragma once

#include <string>

namespace graphrun {

enum ExitCode { kOk = 0, kRunFailure = 1, kInvalid = 2, kNoDevice = 3 };

struct ErrorReport {
  int exit_code = kRunFailure;
  std::string message;  // the lines printed on stderr, without the last newline
};

/// The report of the exception being handled; call it from inside a catch block.
ErrorReport report_current_exception();

}  // namespace graphrun
