# Plugins inside graphrun's tree. graphrun_add_plugin is the installed package's function
# (GraphrunPluginPackage.cmake), so in-tree and third-party plugins are built alike; the
# built-in plugins add the project's warning flags, land in build/plugins as
# libgraphrun_<family>.so (where the build tree's graphrun finds them) and are installed to
# LIBDIR/graphrun/plugins (where an installed graphrun finds them).
include(${CMAKE_CURRENT_LIST_DIR}/GraphrunPluginPackage.cmake)

# Every built-in plugin, so the executable and the tests can depend on all of them at once.
if(NOT TARGET graphrun_builtin_plugins)
  add_custom_target(graphrun_builtin_plugins)
endif()
function(graphrun_add_builtin_plugin name)
  graphrun_add_plugin(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE graphrun_flags)
  # Built-in plugins share a few private headers in plugins/common/.
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/plugins)
  set_target_properties(${name} PROPERTIES
    PREFIX "libgraphrun_"
    LIBRARY_OUTPUT_DIRECTORY ${GRAPHRUN_PLUGIN_OUTPUT_DIR})
  add_dependencies(graphrun_builtin_plugins ${name})
  install(TARGETS ${name} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/graphrun/plugins)
  # A wheel (scikit-build-core installs only the python component) carries them beside the
  # package's native module.
  install(TARGETS ${name} LIBRARY DESTINATION graphrun/plugins COMPONENT python EXCLUDE_FROM_ALL)
endfunction()
