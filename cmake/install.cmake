# Install rules (issue 4, "Linking the stack into experiments"):
#   <prefix>/include/rawsctp/{proto,engine,runtime}/*.h   public headers only
#   <prefix>/<libdir>/librawsctp_{proto,engine,runtime}.a
#   <prefix>/<libdir>/cmake/rawsctp/                    find_package(rawsctp): rawsctp::rawsctp
#   <prefix>/<libdir>/pkgconfig/rawsctp.pc              pkg-config --cflags --libs rawsctp
# tests/install/run.sh installs into a temporary prefix and builds a consumer
# both ways.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The exported names: rawsctp::proto, rawsctp::engine, rawsctp::runtime (the
# same as the build tree's aliases), and rawsctp::rawsctp, all of them.
set_target_properties(rawsctp_proto PROPERTIES EXPORT_NAME proto)
set_target_properties(rawsctp_engine PROPERTIES EXPORT_NAME engine)
set_target_properties(rawsctp_runtime PROPERTIES EXPORT_NAME runtime)
add_library(rawsctp_all INTERFACE)
add_library(rawsctp::rawsctp ALIAS rawsctp_all)
set_target_properties(rawsctp_all PROPERTIES EXPORT_NAME rawsctp)
target_link_libraries(rawsctp_all INTERFACE rawsctp_runtime rawsctp_engine rawsctp_proto)
# The public headers use C++20 (designated initializers, <span>, coroutines).
target_compile_features(rawsctp_all INTERFACE cxx_std_20)

install(TARGETS rawsctp_proto rawsctp_engine rawsctp_runtime rawsctp_all
        EXPORT rawsctpTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# Public headers only (stack/engine/src holds private ones).
foreach(_dir proto/include stack/engine/include stack/runtime/include)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${_dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.h")
endforeach()

set(_cmakedir ${CMAKE_INSTALL_LIBDIR}/cmake/rawsctp)
install(EXPORT rawsctpTargets NAMESPACE rawsctp:: DESTINATION ${_cmakedir})
# Where this build found ISA-L: a hint for the config file's find_library.
get_filename_component(RAWSCTP_ISAL_HINT "${ISAL_LIB}" DIRECTORY)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/rawsctpConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/rawsctpConfig.cmake INSTALL_DESTINATION ${_cmakedir})
# 0.x: minor versions may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/rawsctpConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/rawsctpConfig.cmake ${PROJECT_BINARY_DIR}/rawsctpConfigVersion.cmake
        DESTINATION ${_cmakedir})

# pkg-config: relocatable (the prefix is found from the .pc file's own place).
set(_pcdir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH RAWSCTP_PC_TO_PREFIX /p/${_pcdir} /p)
string(REGEX REPLACE "/$" "" RAWSCTP_PC_TO_PREFIX "${RAWSCTP_PC_TO_PREFIX}")
# Boost is header-only here; name its include directory unless it is the
# compiler's default.
set(RAWSCTP_PC_BOOST_CFLAGS "")
foreach(_inc ${Boost_INCLUDE_DIRS})
  if(NOT _inc IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    string(APPEND RAWSCTP_PC_BOOST_CFLAGS " -I${_inc}")
  endif()
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/cmake/rawsctp.pc.in ${PROJECT_BINARY_DIR}/rawsctp.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/rawsctp.pc DESTINATION ${_pcdir})
