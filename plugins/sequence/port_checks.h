// Shape checks of the sequence ops' inputs, with errors that name the port, the shape it
// has and the shape it needs, and where that one comes from.
#pragma once

#include <graphrun/plugin.hpp>

#include <string>
#include <string_view>

namespace graphrun::sequence {

/// The input on `port` must have rank `rank`, laid out as `layout` (e.g. "(batch, D, L)").
inline void expect_rank(const plugin::Node& node, const std::string& port, int rank,
                        const std::string& layout) {
  const plugin::Tensor t = node.input(port);
  if (t.rank() != rank)
    throw plugin::UserError("port '" + port + "': expected " + std::to_string(rank) +
                                " dimensions " + layout + ", got shape " +
                                plugin::shape_str(t.shape()),
                            port);
}

/// The input on `port` must have shape `want`; `why` says where want comes from, e.g.
/// "(D, N) with D from port 'u' with shape (2, 4, 10)".
inline void expect_shape(const plugin::Node& node, const std::string& port,
                         const plugin::Shape& want, const std::string& why) {
  const plugin::Tensor t = node.input(port);
  const plugin::Shape got = t.shape_vec();
  if (got != want)
    throw plugin::UserError("port '" + port + "': shape " + plugin::shape_str(got) +
                                " does not match " + plugin::shape_str(want) + ", " + why,
                            port);
}

/// "port 'u' with shape (2, 4, 10)": the source of a size, for error messages.
inline std::string from_port(const plugin::Node& node, const std::string& port) {
  return "port '" + port + "' with shape " + plugin::shape_str(node.input(port).shape());
}

}  // namespace graphrun::sequence
