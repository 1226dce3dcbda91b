// The plugin's ops, one per .cpp file; plugin.cpp registers them.
#pragma once

#include <graphrun/plugin.hpp>

namespace my_plugin {

graphrun::plugin::OpDef cube_op();
graphrun::plugin::OpDef moving_average_op();

}  // namespace my_plugin
