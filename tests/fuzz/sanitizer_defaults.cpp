// Defaults of the fuzz build's sanitizers for a harness run by hand: every UBSan report is
// fatal (the build keeps them recoverable only so tools/fuzz.sh can suppress pending ones).
extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }
