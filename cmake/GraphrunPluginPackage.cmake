# graphrun_add_plugin(NAME SOURCES...) for plugins built outside the graphrun tree against an
# installed graphrun: hidden visibility, a version script that exports only
# graphrun_plugin_init, and (carried by graphrun::plugin_api, as for the built-in plugins)
# graphrun's floating-point flags: -ffp-contract=off -fno-fast-math.
set(GRAPHRUN_PLUGIN_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/graphrun_plugin.lds)
function(graphrun_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE graphrun::plugin_api)
  target_compile_features(${name} PRIVATE cxx_std_20)
  set_target_properties(${name} PROPERTIES CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${name} PRIVATE "-Wl,--version-script=${GRAPHRUN_PLUGIN_VERSION_SCRIPT}")
endfunction()
