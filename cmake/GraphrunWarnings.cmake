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
# No contraction of a*b+c into FMA behind our back: results stay bit-equal to numpy's and
# identical across CPUs and the CUDA kernels (kernels that want FMA call it explicitly).
target_compile_options(graphrun_flags INTERFACE "$<$<COMPILE_LANGUAGE:CXX>:-ffp-contract=off>")
if(GRAPHRUN_NATIVE)
  target_compile_options(graphrun_flags INTERFACE "$<$<COMPILE_LANGUAGE:CXX>:-march=native>")
endif()
if(GRAPHRUN_SANITIZE)
  # GCC 12's -Wmaybe-uninitialized misfires inside libstdc++ (std::regex, std::function)
  # when the sanitizers instrument them.
  target_compile_options(graphrun_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
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
