#pragma once
#include <string>

namespace voxgate {
// Random identifiers for sessions, request ids and log ids, from OpenSSL's RAND_bytes.
std::string randomHex(size_t length);
std::string uuid4();
}  // namespace voxgate
