# ctest entries that run each clang-built fuzz target (RESIZELET_FUZZ_BINARY_DIR) for a bounded
# time on a scratch copy of its checked-in corpus. A missing binary fails loudly.
set(RESIZELET_FUZZ_SECONDS 60 CACHE STRING "Seconds each fuzz target runs under ctest")
file(GLOB RESIZELET_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_*.cc)
foreach(src ${RESIZELET_FUZZ_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" short ${name})
  add_test(NAME fuzz.${short}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run_fuzzer.sh ${RESIZELET_FUZZ_BINARY_DIR}/${name}
                   ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${short} ${RESIZELET_FUZZ_SECONDS})
  set_tests_properties(fuzz.${short} PROPERTIES LABELS fuzz TIMEOUT 600)
endforeach()
