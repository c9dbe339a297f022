# Pure cgroup value math and names (no I/O, no system libraries): part of the core, built in every
# configuration including the clang fuzz build.
add_library(resizelet_cgroups_math STATIC
  ${CMAKE_CURRENT_LIST_DIR}/cpu_math.cc
  ${CMAKE_CURRENT_LIST_DIR}/cgroup_name.cc
  ${CMAKE_CURRENT_LIST_DIR}/v1_mapping.cc
  ${CMAKE_CURRENT_LIST_DIR}/weight_formula.cc)
target_include_directories(resizelet_cgroups_math PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(resizelet_cgroups_math PUBLIC absl::status absl::statusor absl::strings)
