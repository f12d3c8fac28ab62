# Turns a text file into a C++ source defining `std::string_view voxgate::${FUNC}()`. The bytes are
# unsigned, so UTF-8 text (a comment in Chinese) compiles too.
file(READ ${IN} CONTENT HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BYTES "${CONTENT}")
file(WRITE ${OUT} "#include <string_view>\nnamespace voxgate {\nstatic const unsigned char kData[] = {${BYTES} 0};\n"
  "std::string_view ${FUNC}() { return {reinterpret_cast<const char*>(kData), sizeof(kData) - 1}; }\n}\n")
