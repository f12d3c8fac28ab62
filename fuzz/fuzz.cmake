# libFuzzer harnesses (included by CMakeLists.txt when VOXGATE_FUZZ is on; scripts/fuzz.sh).
# Every parser that reads bytes a client chose: the Volcengine frame codec, the WAV readers,
# the config loader, the text splitter, each protocol's JSON requests and the string checks, the
# OpenAI forms and the sandboxed upload decoder.
# The code under test is built with coverage (fuzzer-no-link) and ASan + UBSan; a finding
# aborts the run (-fno-sanitize-recover).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "VOXGATE_FUZZ needs clang (CXX=clang++): libFuzzer is clang's")
endif()
set(FUZZ_FLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
file(GLOB_RECURSE FUZZ_CORE_SOURCES CONFIGURE_DEPENDS src/core/*.cpp)
add_library(voxgate_fuzz_core STATIC ${FUZZ_CORE_SOURCES} ${EMBEDDED_CONF_CPP} ${EMBEDDED_MANIFEST_CPP}
            src/protocols/paddlespeech/tts_params.cpp src/protocols/paddlespeech/asr_ws_messages.cpp
            src/protocols/volcengine/request.cpp src/protocols/session_api/stream_request.cpp
            src/protocols/alibaba/custom_tts_request.cpp
            src/protocols/openai/multipart.cpp src/protocols/openai/transcription.cpp
            src/protocols/openai/speech_request.cpp src/protocols/openai/models.cpp src/protocols/openai/errors.cpp
            src/protocols/openai/realtime_events.cpp)
target_include_directories(voxgate_fuzz_core PUBLIC src)
target_compile_options(voxgate_fuzz_core PUBLIC ${FUZZ_FLAGS})
target_compile_definitions(voxgate_fuzz_core PUBLIC VOXGATE_VERSION="${PROJECT_VERSION}")
target_link_libraries(voxgate_fuzz_core PUBLIC
  Boost::headers Boost::system Boost::url yaml-cpp nlohmann_json::nlohmann_json spdlog::spdlog
  PkgConfig::SOXR PkgConfig::OPUSENC PkgConfig::LAME PkgConfig::FLAC PkgConfig::LIBAV ZLIB::ZLIB BZip2::BZip2 OpenSSL::Crypto ${SONIC_LIB}
  ${OPENFST_LIB} ${CMAKE_DL_LIBS} Threads::Threads PkgConfig::OPENCC)
target_include_directories(voxgate_fuzz_core SYSTEM PRIVATE ${OPENFST_INCLUDE})  # core/text/text_normalizer.cpp
target_include_directories(voxgate_fuzz_core SYSTEM PRIVATE ${CPPJIEBA_INCLUDE})
target_link_options(voxgate_fuzz_core PUBLIC -fsanitize=address,undefined)

file(GLOB FUZZ_HARNESSES CONFIGURE_DEPENDS fuzz/*_fuzz.cpp)
foreach(harness ${FUZZ_HARNESSES})
  get_filename_component(name ${harness} NAME_WE)
  add_executable(${name} ${harness})
  target_link_libraries(${name} PRIVATE voxgate_fuzz_core)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endforeach()
