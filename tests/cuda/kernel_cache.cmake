# The kernel cache (engine/backends/cuda/kernel_cache*): memory and disk, threads and two
# processes; no GPU, built with or without CUDA. kernel_cache_writer is the second process.
# Included from tests/CMakeLists.txt (paths relative to this file).
add_executable(kernel_cache_writer ${CMAKE_CURRENT_LIST_DIR}/kernel_cache_writer.cpp)
target_link_libraries(kernel_cache_writer PRIVATE graphrun_cuda graphrun_flags)
target_include_directories(kernel_cache_writer PRIVATE ${GRAPHRUN_TEST_SOURCE_DIR})

graphrun_add_test(kernel_cache_test
  ${CMAKE_CURRENT_LIST_DIR}/kernel_cache_test.cpp ${CMAKE_CURRENT_LIST_DIR}/kernel_cache_processes_test.cpp
  LIBS graphrun_cuda graphrun_test_support LABELS cuda-host)
target_compile_definitions(kernel_cache_test PRIVATE KERNEL_CACHE_WRITER="$<TARGET_FILE:kernel_cache_writer>")
add_dependencies(kernel_cache_test kernel_cache_writer)
