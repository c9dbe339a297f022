# cgroup drivers: the file layer, layout detection, memory-shrink guard and its memory.reclaim I/O
# (shared with the systemd driver), the cgroupfs driver (libcgroup writes) and the in-memory fake
# used by tests of the layers above.
add_library(resizelet_cgroups
  ${CMAKE_CURRENT_LIST_DIR}/cgroup_files.cc
  ${CMAKE_CURRENT_LIST_DIR}/hierarchy.cc
  ${CMAKE_CURRENT_LIST_DIR}/memory_shrink_guard.cc
  ${CMAKE_CURRENT_LIST_DIR}/reclaim_io.cc
  ${CMAKE_CURRENT_LIST_DIR}/libcgroup_writer.cc
  ${CMAKE_CURRENT_LIST_DIR}/cgroupfs_driver.cc
  ${CMAKE_CURRENT_LIST_DIR}/fake_cgroup_driver.cc)
target_include_directories(resizelet_cgroups PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(resizelet_cgroups
  PUBLIC resizelet_cgroups_math absl::status absl::statusor absl::strings absl::str_format
  PRIVATE PkgConfig::LIBCGROUP)
