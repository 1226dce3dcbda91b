# Warning, optimisation and sanitizer flags for every target of the project.
add_library(graphrun_flags INTERFACE)
set(graphrun_warnings -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports false -Wrestrict positives inside std::string at -O3 (GCC bug 105651).
  list(APPEND graphrun_warnings -Wno-restrict)
endif()
if(GRAPHRUN_WERROR)
  list(APPEND graphrun_warnings -Werror)
endif()
target_compile_options(graphrun_flags INTERFACE "$<$<COMPILE_LANGUAGE:CXX>:${graphrun_warnings}>")
target_link_libraries(graphrun_flags INTERFACE graphrun_fp_rules)
# No -march: the SIMD kernels are compiled per target and dispatched at run time, so the
# binaries run on any x86-64.

# Floating-point rules for everything that computes, graphrun's own code and every plugin
# (graphrun::plugin_api carries them, installed too, so third-party plugins built with
# find_package(graphrun) get them): no contraction of a*b+c into FMA behind the code's back,
# so results stay bit-equal to numpy's and identical across CPUs, SIMD targets and the CUDA
# kernels (code that wants FMA calls it explicitly); and no fast-math, which would let the
# compiler reorder sums and drop NaN and infinity handling (even if CMAKE_CXX_FLAGS asks).
add_library(graphrun_fp_rules INTERFACE)
set_target_properties(graphrun_fp_rules PROPERTIES EXPORT_NAME fp_rules)
target_compile_options(graphrun_fp_rules INTERFACE "$<$<COMPILE_LANGUAGE:C,CXX>:-ffp-contract=off;-fno-fast-math>")
# nvcc: no contraction of a*b+c into one FMA either, so CUDA kernels round as the CPU ones do.
target_compile_options(graphrun_fp_rules INTERFACE "$<$<COMPILE_LANGUAGE:CUDA>:--fmad=false>")
if(GRAPHRUN_SANITIZE)
  # GCC 12's -Wmaybe-uninitialized misfires inside libstdc++ (std::regex, std::function)
  # when the sanitizers instrument them.
  # C and C++ only: nvcc does not take -fsanitize (the host side of a .cu file is left
  # uninstrumented; the device side could not be).
  target_compile_options(graphrun_flags INTERFACE
    "$<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=address,undefined;-fsanitize=float-cast-overflow;-fno-sanitize-recover=undefined,float-cast-overflow;-fno-omit-frame-pointer>"
    $<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized>)
  target_link_options(graphrun_flags INTERFACE -fsanitize=address,undefined)
endif()
if(GRAPHRUN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "GRAPHRUN_FUZZ needs clang's libFuzzer: -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage counters for libFuzzer in every target (plugins too), and the sanitizers that turn
  # a silent bug into a finding; the harness executables link libFuzzer itself. UBSan reports
  # stay recoverable so that a suppression can hold back one whose fix is pending
  # (tests/fuzz/ubsan_pending.supp); halt_on_error=1 still makes every other one fatal.
  target_compile_options(graphrun_flags INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(graphrun_flags INTERFACE -fsanitize=address,undefined)
endif()
if(GRAPHRUN_TSAN)
  # oneTBB is not instrumented: engine/scheduler/tsan_annotations.h marks its hand-offs, and
  # tools/tsan.supp silences what remains inside its headers.
  target_compile_options(graphrun_flags INTERFACE "$<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=thread;-fno-omit-frame-pointer>"
    $<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized -Wno-tsan>)
  target_link_options(graphrun_flags INTERFACE -fsanitize=thread)
endif()
