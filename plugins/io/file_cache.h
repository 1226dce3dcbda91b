// Tensors read from files, shared between shape inference and the kernel so that each file
// is read once per run.
#pragma once

#include <io/tensor_file.h>

#include <memory>
#include <string>

namespace graphrun::io_ops {

/// The content of `path` converted to `dtype`. Served from a process-wide cache while the
/// file's size, modification time and identity are unchanged; read (FileError) otherwise.
std::shared_ptr<const io::HostArray> cached_tensor(const std::string& path, gr_dtype dtype);

/// Forgets cached tensors that nobody holds any more (called when a node releases one).
void drop_unused_tensors();

}  // namespace graphrun::io_ops
