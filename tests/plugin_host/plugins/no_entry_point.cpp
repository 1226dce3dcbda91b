// A shared library without graphrun_plugin_init: not a plugin.
extern "C" __attribute__((visibility("default"))) int some_other_symbol() { return 42; }
