# Pure cgroup math and name tests (facts.md §2 and §6).
resizelet_add_test(NAME cgroups_math_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cpu_math_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/cgroup_name_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/v1_math_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/weight_formula_test.cc
  LIBS resizelet_cgroups_math
  LABELS unit)
