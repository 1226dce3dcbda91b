// saxpy_cuda: out = a * x + y on the device, queued on the node's stream (plugin API 2.2).
#pragma once

#include <graphrun/plugin.hpp>

#include <span>

void saxpy_cuda(const graphrun::plugin::Node& node, std::span<graphrun::plugin::OutTensor> outputs);
