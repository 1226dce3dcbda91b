# Warning, optimisation and sanitizer flags for every target of the project.
add_library(graphrun_flags INTERFACE)
set(graphrun_warnings -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    # GCC 12 reports false -Wrestrict positives inside std::string at -O3 (GCC bug 105651).
    -Wno-restrict)
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
if(GRAPHRUN_TSAN)
  # oneTBB is not instrumented: engine/scheduler/tsan_annotations.h marks its hand-offs, and
  # tools/tsan.supp silences what remains inside its headers.
  target_compile_options(graphrun_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer
    $<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized -Wno-tsan>)
  target_link_options(graphrun_flags INTERFACE -fsanitize=thread)
endif()
