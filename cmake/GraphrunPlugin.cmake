# graphrun_add_plugin(NAME SOURCES...): a plugin shared library that exports only
# graphrun_plugin_init (hidden visibility plus a linker version script).
set(GRAPHRUN_PLUGIN_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/graphrun_plugin.lds)
function(graphrun_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE graphrun::plugin_api graphrun_flags)
  set_target_properties(${name} PROPERTIES
    PREFIX "libgraphrun_"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${GRAPHRUN_PLUGIN_OUTPUT_DIR})
  target_link_options(${name} PRIVATE "-Wl,--version-script=${GRAPHRUN_PLUGIN_VERSION_SCRIPT}")
endfunction()

# Every built-in plugin, so the executable and the tests can depend on all of them at once.
if(NOT TARGET graphrun_builtin_plugins)
  add_custom_target(graphrun_builtin_plugins)
endif()
function(graphrun_add_builtin_plugin name)
  graphrun_add_plugin(${name} ${ARGN})
  # Built-in plugins share a few private headers in plugins/common/.
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/plugins)
  add_dependencies(graphrun_builtin_plugins ${name})
endfunction()
