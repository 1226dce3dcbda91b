# graphrun_add_plugin(NAME SOURCES...): an operator plugin, the shared library lib<NAME>.so
# that graphrun loads with --plugin, a graph's `plugins:` list or GRAPHRUN_PLUGIN_PATH.
#
# Installed with graphrun's CMake package (find_package(graphrun) provides it), and used
# in graphrun's own tree too, so the built-in plugins are built exactly like third-party ones:
#   - C++20, against the public headers (graphrun::plugin_api);
#   - hidden visibility and a linker version script (graphrun_plugin.lds, next to this file):
#     the library exports graphrun_plugin_init and nothing else, so the private symbols of
#     two plugins loaded into one process never interpose;
#   - the compile options of the section below.
# A project that enables CUDA may list .cu files among the sources (compiled as C++20 by nvcc,
# with the same floating-point rules). Everything else is an ordinary CMake target: link more
# libraries, add include folders or set OUTPUT_NAME as usual.

# A global property, not a variable: the function must find the script from any directory
# of the project, whichever one called find_package(graphrun).
set_property(GLOBAL PROPERTY GRAPHRUN_PLUGIN_VERSION_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/graphrun_plugin.lds")

function(graphrun_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE graphrun::plugin_api)
  target_compile_features(${name} PRIVATE cxx_std_20)
  # .cu sources include the same C++20 headers. (CMake 3.25 knows no C++ standards of
  # CUDA 13's nvcc, whose default is C++17: the flag is given directly.)
  target_compile_options(${name} PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:-std=c++20>")
  set_target_properties(${name} PROPERTIES
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  get_property(version_script GLOBAL PROPERTY GRAPHRUN_PLUGIN_VERSION_SCRIPT)
  target_link_options(${name} PRIVATE "-Wl,--version-script=${version_script}")
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${version_script}")

  # --- Compile options every plugin gets, built-in and third-party alike -------------------
  # (Options that results depend on, such as the floating-point rules, belong here: a plugin
  # built outside graphrun's tree must compute like one built inside it.)
  # --- end of compile options ---------------------------------------------------------------
endfunction()
