// The object behind the C API's opaque gr_outputs*: what an op's infer declared through
// host->declare_output (checked there: count, rank, dimensions).
#pragma once

#include <graphrun/plugin_api.h>

#include <string>
#include <vector>

struct gr_outputs {
  std::vector<std::string> names;  // "" takes the op's port name
  std::vector<gr_tensor> tensors;
};
