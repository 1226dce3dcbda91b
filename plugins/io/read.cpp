// read: a tensor from a .npy, .npz, .csv or .wav file. The file is read at shape inference (so a bad file
// is reported by `graphrun check`), kept for the run, and copied into the output by the kernel.
#include "file_cache.h"
#include "io_ops.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace graphrun::io_ops {
namespace {

using plugin::Node;
using plugin::OutTensor;
using plugin::UserError;
using Held = std::shared_ptr<const io::HostArray>;

/// The file's tensor; a file that cannot be read is an error in the graph.
Held load_for_graph(const Node& node) {
  std::string path = node.attr_string("path");
  try {
    return cached_tensor(path, node.dtype());
  } catch (const io::FileError& e) {
    throw UserError(e.what(), "path");
  }
}

void infer(const Node& node, plugin::Outputs& outputs) {
  Held tensor = load_for_graph(node);
  if (tensor->shape.size() > GR_MAX_RANK)
    throw UserError(node.attr_string("path") + ": rank " + std::to_string(tensor->shape.size()) +
                        " exceeds the maximum of " + std::to_string(GR_MAX_RANK),
                    "path");
  outputs.add(tensor->shape, "out");
}

void* prepare(const Node& node) { return new Held(cached_tensor(node.attr_string("path"), node.dtype())); }

void release(void* state) {
  delete static_cast<Held*>(state);
  drop_unused_tensors();
}

void kernel(const Node& node, std::span<OutTensor> outputs) {
  Held tensor = node.state() ? *static_cast<Held*>(node.state())
                             : cached_tensor(node.attr_string("path"), node.dtype());
  OutTensor& out = outputs[0];
  std::span<const int64_t> shape = out.shape();
  if (!std::equal(shape.begin(), shape.end(), tensor->shape.begin(), tensor->shape.end()))
    throw std::runtime_error(node.attr_string("path") + ": the file changed since the graph was " +
                             "checked: shape " + plugin::shape_str(tensor->shape) + ", expected " +
                             plugin::shape_str(shape));
  size_t bytes = static_cast<size_t>(out.numel()) *
                 (node.dtype() == GR_F64 ? sizeof(double) : sizeof(float));
  if (bytes > 0) std::memcpy(out.data<void>(), tensor->data(), bytes);
}

}  // namespace

plugin::OpDef read_op() {
  return plugin::OpDef("read",
                       "A tensor read from a .npy file (any numeric dtype, C or Fortran order), a member "
                       "of a .npz archive (FILE.npz:KEY; FILE.npz alone when it holds one array), a .csv "
                       "file (comma separated, '#' comments, an optional header row; one row or column is "
                       "1-D, else 2-D, unless a '# shape: 2,3,4' comment gives the shape) or a .wav file "
                       "(samples in [-1, 1]; (frames,) mono, else (channels, frames)), converted to the "
                       "graph's dtype.")
      .output("out", "the file's tensor")
      .attr("path", GR_ATTR_STRING, "file to read (.npy, .npz[:KEY], .csv or .wav), relative to the graph file")
      .infer(infer)
      .prepare(prepare, release)
      .cpu(kernel);
}

}  // namespace graphrun::io_ops
