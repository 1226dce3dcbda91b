#include "conv_geometry.h"

#include <string>

namespace graphrun::signal {
namespace {

using plugin::Node;
using plugin::shape_str;
using plugin::UserError;

int64_t positive_attr(const Node& node, const char* name) {
  int64_t v = node.attr_int(name);
  if (v < 1)
    throw UserError("attribute '" + std::string(name) + "' must be at least 1, got " + std::to_string(v),
                    name);
  return v;
}

ConvAlgorithm algorithm_of(const std::string& s) {
  if (s == "direct") return ConvAlgorithm::kDirect;
  if (s == "fft") return ConvAlgorithm::kFft;
  return ConvAlgorithm::kAuto;
}

// x as (N, C_in, L); a rank-2 x is one unbatched example, a rank-1 x one channel.
void read_input_shape(const plugin::Tensor& x, ConvGeometry& g) {
  if (x.rank() < 1 || x.rank() > 3)
    throw UserError("port 'x': expected shape (N, C_in, L), (C_in, L) or (L,), got " + shape_str(x.shape()), "x");
  g.length = x.dim(-1);
  g.in_channels = x.rank() >= 2 ? x.dim(-2) : 1;
  g.batch = x.rank() == 3 ? x.dim(0) : 1;
}

void check_weight(const plugin::Tensor& x, const plugin::Tensor& w, ConvGeometry& g) {
  const std::string both = "port 'w' has shape " + shape_str(w.shape()) + ", port 'x' has shape " +
                           shape_str(x.shape());
  if (w.rank() != 3)
    throw UserError("port 'w': expected shape (C_out, C_in/groups, K), got " + shape_str(w.shape()), "w");
  g.out_channels = w.dim(0);
  g.kernel = w.dim(2);
  if (g.in_channels % g.groups != 0)
    throw UserError("groups " + std::to_string(g.groups) + " does not divide the " +
                        std::to_string(g.in_channels) + " input channels (" + both + ")",
                    "groups");
  if (g.out_channels % g.groups != 0)
    throw UserError("groups " + std::to_string(g.groups) + " does not divide the " +
                        std::to_string(g.out_channels) + " output channels (" + both + ")",
                    "groups");
  if (w.dim(1) != g.in_per_group())
    throw UserError("port 'w': axis 1 must be C_in/groups = " + std::to_string(g.in_channels) + "/" +
                        std::to_string(g.groups) + " = " + std::to_string(g.in_per_group()) + " (" + both + ")",
                    "w");
  if (g.kernel < 1) throw UserError("port 'w': the kernel is empty (" + both + ")", "w");
}

void read_padding(const Node& node, ConvGeometry& g) {
  const std::string padding = node.attr_string("padding");
  const int64_t total = g.dilation * (g.kernel - 1);
  if (padding == "valid") return;
  if (padding == "causal") {
    g.pad_left = total;
  } else if (padding == "same") {
    if (g.stride != 1)
      throw UserError("padding 'same' needs stride 1 (as in PyTorch), got stride " + std::to_string(g.stride),
                      "padding");
    g.pad_left = total / 2;  // PyTorch puts the odd zero on the right
    g.pad_right = total - g.pad_left;
  } else {
    const int64_t p = node.attr_int("padding");
    if (p < 0) throw UserError("padding must be >= 0, got " + std::to_string(p), "padding");
    g.pad_left = g.pad_right = p;
  }
}

void check_bias(const plugin::Tensor& bias, const plugin::Tensor& w, const ConvGeometry& g) {
  if (bias.rank() != 1 || bias.dim(0) != g.out_channels)
    throw UserError("port 'bias': shape " + shape_str(bias.shape()) + " does not match (" +
                        std::to_string(g.out_channels) + ",), the output channels of port 'w' with shape " +
                        shape_str(w.shape()),
                    "bias");
}

}  // namespace

ConvGeometry conv_geometry(const Node& node) {
  ConvGeometry g;
  g.stride = positive_attr(node, "stride");
  g.dilation = positive_attr(node, "dilation");
  g.groups = positive_attr(node, "groups");
  const plugin::Tensor x = node.input("x"), w = node.input("w");
  read_input_shape(x, g);
  check_weight(x, w, g);
  read_padding(node, g);
  if (g.dense_length() < 1)
    throw UserError("port 'w': the kernel spans " + std::to_string(g.span()) + " samples (K " +
                        std::to_string(g.kernel) + ", dilation " + std::to_string(g.dilation) +
                        "), more than the " + std::to_string(g.length + g.pad_left + g.pad_right) +
                        " of the padded input (port 'w' has shape " + shape_str(w.shape()) +
                        ", port 'x' has shape " + shape_str(x.shape()) + ")",
                    "w");
  g.out_length = (g.dense_length() - 1) / g.stride + 1;
  g.has_bias = node.has_input("bias");
  if (g.has_bias) check_bias(node.input("bias"), w, g);
  g.silu = node.attr_string("activation") == "silu";
  g.algorithm = algorithm_of(node.attr_string("algorithm"));
  g.f64 = node.dtype() == GR_F64;
  if (x.rank() == 3) g.out_shape = {g.batch, g.out_channels, g.out_length};
  else if (x.rank() == 2 || g.out_channels != 1) g.out_shape = {g.out_channels, g.out_length};
  else g.out_shape = {g.out_length};
  return g;
}

}  // namespace graphrun::signal
