# Finds deepvis' dependencies.
# Used both by the build and by the installed deepvisConfig.cmake, so consumers see the same.
include(CMakeFindDependencyMacro)
find_dependency(xtl)
find_dependency(xtensor)
find_dependency(xtensor-blas)
find_dependency(xsimd)
find_dependency(ZLIB)
# Image decoding for untrusted files (io/image.hpp): libpng and libjpeg-turbo.
find_dependency(PNG)
find_dependency(JPEG)

if(NOT DEFINED DEEPVIS_WITH_ONNX OR DEEPVIS_WITH_ONNX)
  find_package(ONNX QUIET)
  find_package(Protobuf QUIET)
  if(NOT ONNX_FOUND OR NOT Protobuf_FOUND OR NOT TARGET protobuf::libprotobuf)
    set(DEEPVIS_WITH_ONNX OFF)
    message(STATUS "deepvis: ONNX or protobuf not found, deepvis::onnx is not available (apt-get install libonnx-dev libprotobuf-dev)")
  endif()
endif()
