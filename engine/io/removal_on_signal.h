// Temporary files that SIGINT, SIGTERM or SIGHUP must not leave behind. The handler removes
// them and then lets the signal end the process as it would have (exit status 128 + signal).
#pragma once

#include <atomic>

namespace graphrun::io::detail {

/// A registered path; pass it back to forget_on_signal.
using SignalRemovalSlot = std::atomic<const char*>*;

/// Removes `path` if one of those signals ends the process before forget_on_signal(slot).
/// `path` must stay valid until then. Installs the handler for each signal whose disposition
/// is the default (an ignored or otherwise handled signal is left alone).
SignalRemovalSlot remove_on_signal(const char* path);

/// The file is gone or has become an output: no longer removed on a signal.
void forget_on_signal(SignalRemovalSlot slot);

}  // namespace graphrun::io::detail
