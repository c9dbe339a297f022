# The Debian package for bare-metal nodes (docs/product.md): resizelet_<version>_<arch>.deb with
# /usr/bin/resizelet, the systemd unit in /lib/systemd/system and /etc/resizelet/config.yaml as a
# conffile. Build it with `cmake --build <dir> --target package`, or, on a tree whose `resizelet`
# is already built, `cpack -G DEB --config <dir>/CPackConfig.cmake` (tests/packaging proves it).
#
# Only the `resizelet` install component is packaged (the binary, the unit, the configuration),
# so that nothing another folder installs for development ends up on a node.
if(RESIZELET_CORE_ONLY OR NOT TARGET resizelet)
  return()
endif()

# One version: project() gives the package's. The binary prints agent/cli/version.h's kVersion;
# while that is a literal, it must be the same, or `resizelet version` and `dpkg -s resizelet`
# would disagree on a node (tests/packaging checks the built binary too).
file(STRINGS ${PROJECT_SOURCE_DIR}/agent/cli/version.h _resizelet_version_line
     REGEX "kVersion\\[\\] = \"[^\"]*\"")
string(REGEX REPLACE ".*kVersion\\[\\] = \"([^\"]*)\".*" "\\1" _resizelet_binary_version
                     "${_resizelet_version_line}")
if(_resizelet_version_line AND NOT _resizelet_binary_version STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "agent/cli/version.h says ${_resizelet_binary_version} but project() says "
                      "${PROJECT_VERSION}: make them agree before packaging")
endif()

# Absolute destinations: Debian puts packaged units in /lib/systemd/system (bookworm's
# systemd.pc systemdsystemunitdir) and configuration in /etc whatever the package's prefix is.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/config.yaml
        DESTINATION /etc/resizelet
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
        COMPONENT resizelet)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME resizelet)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "The resizelet authors")
# Set both when publishing the package (cmake -DRESIZELET_PACKAGE_MAINTAINER=... ).
set(RESIZELET_PACKAGE_MAINTAINER "resizelet maintainers <resizelet@example.org>"
    CACHE STRING "The .deb's Maintainer field")
set(RESIZELET_PACKAGE_HOMEPAGE "https://github.com/resizelet/resizelet"
    CACHE STRING "The .deb's Homepage field")
set(CPACK_PACKAGE_CONTACT "${RESIZELET_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "in-place pod resize daemon for Kubernetes nodes")
set(CPACK_PACKAGE_HOMEPAGE_URL "${RESIZELET_PACKAGE_HOMEPAGE}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CHECKSUM SHA256)

# One package from the one component, whatever else the tree installs. Naming the component
# also makes cpack skip its `preinstall` build of the whole tree (tests, benchmarks): a direct
# cpack run packages the `resizelet` that is built, and `--target package` builds everything
# first anyway.
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};resizelet;/")

set(CPACK_DEBIAN_PACKAGE_NAME resizelet)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # resizelet_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the binary's ELF NEEDED entries, as dh_shlibdeps computes it.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The extended description; its first line (the synopsis) is CPACK_PACKAGE_DESCRIPTION_SUMMARY.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "resizelet runs next to the kubelet and carries out in-place pod resizes
(KEP-1287) for kubelets that do not resize pods themselves, or observes
and explains them for kubelets that do: pod cgroups, CRI updates, the
PodResizePending / PodResizeInProgress conditions and events, Prometheus
metrics.
.
The package installs resizelet.service but neither enables nor starts it:
review /etc/resizelet/config.yaml (kubelet credentials, container runtime
socket, cgroup driver) first, then run `systemctl enable --now resizelet`.")
# Maintainer scripts (daemon-reload only where systemd runs) and the conffile list.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/postinst
    ${PROJECT_SOURCE_DIR}/packaging/prerm
    ${PROJECT_SOURCE_DIR}/packaging/postrm)
# 0755 scripts and 0644 conffiles whatever the checkout's modes (Debian policy 10.9).
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
