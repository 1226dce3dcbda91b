// Checks of a graph file's YAML that yaml-cpp's node tree can no longer answer once it is
// loaded: a duplicate key is silently dropped there, and an alias is a shared node that
// anything walking the tree expands again each time it is met.
#pragma once

#include "graph/diagnostics.h"

#include <cstdint>
#include <string>

namespace graphrun {

/// The most YAML nodes that aliases may add to a file when they are expanded (a 461-byte
/// "alias bomb" expands to 10^8 values). Far above anything written by hand.
inline constexpr uint64_t kMaxAliasExpansion = uint64_t{1} << 22;

/// Reads the YAML events of `text` (the file `path`) without building anything and reports
/// into sink, each at its file:line:col: a map key that is not a scalar, a key given twice
/// in one map (at the second, naming the first's line), an alias to a node that contains it,
/// aliases expanding the file by more than kMaxAliasExpansion nodes, more than one document,
/// and a YAML syntax error. Returns false when the file must not be loaded any further
/// (syntax error, cyclic alias or alias bomb); other problems leave it loadable.
bool check_yaml_structure(const std::string& path, const std::string& text, DiagnosticSink& sink);

}  // namespace graphrun
