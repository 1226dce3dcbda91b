// cube: gain * x^3, an elementwise op declared by its formula alone. graphrun evaluates the
// formula itself (vectorized, broadcasting its inputs like numpy) and fuses it with the
// elementwise ops around it, or into the output loop of an op before it that supports
// epilogues, such as moving_average.
#include "ops.h"

namespace my_plugin {

graphrun::plugin::OpDef cube_op() {
  graphrun::plugin::OpDef cube("cube", "x cubed, times a gain");
  // 1.0, a floating-point default, makes gain a FLOAT attribute (an integer default would
  // make it INT). The formula names the op's ports, its attributes and the graph's params.
  cube.input("x", "input").attr("gain", 1.0, "factor").elementwise("gain * x * x * x");
  return cube;
}

}  // namespace my_plugin
