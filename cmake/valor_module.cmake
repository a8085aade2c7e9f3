# valor_module(NAME DEPS <targets...> [TEST_DEPS <targets...>] [EXCLUDE <files...>])
# Builds valor_<NAME> from every *.cc in the current folder that is not a *_test.cc and not in
# EXCLUDE (files another target of the folder builds), and, when tests are on, valor_<NAME>_test
# from the *_test.cc files, registered with ctest per test case.
function(valor_module name)
  cmake_parse_arguments(ARG "" "" "DEPS;TEST_DEPS;EXCLUDE" ${ARGN})
  file(GLOB all_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.cc")
  file(GLOB test_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc")
  set(lib_sources ${all_sources})
  if(test_sources)
    list(REMOVE_ITEM lib_sources ${test_sources})
  endif()
  foreach(excluded ${ARG_EXCLUDE})
    list(REMOVE_ITEM lib_sources "${CMAKE_CURRENT_SOURCE_DIR}/${excluded}")
  endforeach()
  if(lib_sources)
    add_library(valor_${name} ${lib_sources})
    target_include_directories(valor_${name} PUBLIC "${PROJECT_SOURCE_DIR}")
    target_compile_options(valor_${name} PRIVATE ${VALOR_WARNINGS})
    target_link_libraries(valor_${name} PUBLIC ${ARG_DEPS})
  else()  # header-only so far
    add_library(valor_${name} INTERFACE)
    target_include_directories(valor_${name} INTERFACE "${PROJECT_SOURCE_DIR}")
    target_link_libraries(valor_${name} INTERFACE ${ARG_DEPS})
  endif()
  if(VALOR_BUILD_TESTS AND test_sources)
    add_executable(valor_${name}_test ${test_sources})
    target_compile_options(valor_${name}_test PRIVATE ${VALOR_WARNINGS})
    target_compile_definitions(valor_${name}_test PRIVATE
      VALOR_TESTDATA_DIR="${VALOR_TESTDATA_DIR}" VALOR_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    target_link_libraries(valor_${name}_test PRIVATE valor_${name} ${ARG_TEST_DEPS}
      GTest::gtest GTest::gmock GTest::gtest_main)
    # ctest runs tests in parallel on few cores: LibTorch's OpenMP threads (the agent tests run
    # with its default thread count) spin while waiting by default and would then starve each
    # other, so they sleep instead. VectorEnv does not use OpenMP.
    gtest_discover_tests(valor_${name}_test DISCOVERY_TIMEOUT 60
      PROPERTIES LABELS ${name} ENVIRONMENT "OMP_WAIT_POLICY=passive")
  endif()
endfunction()
