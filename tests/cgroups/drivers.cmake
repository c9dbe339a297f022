# cgroup driver tests: parsers, shrink guard and the cgroupfs driver on fixture trees (unit), and
# the v1 mapping on this host's real hierarchy, on cgroups the test creates itself (host).
resizelet_add_test(NAME cgroups_driver_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/cgroup_files_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/memory_shrink_guard_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/cgroupfs_driver_test.cc
  LIBS resizelet_cgroups)
resizelet_add_test(NAME cgroups_v1_host_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cgroupfs_v1_host_test.cc
  LIBS resizelet_cgroups
  LABELS host)
