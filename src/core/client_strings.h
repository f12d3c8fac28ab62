#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace voxgate {

// Strings a client chooses are checked or escaped at the edge (issue 11, defects 6 and 9),
// before they reach a header, a log line, a file name or (scale-out) a Redis key.

// An identifier a client may choose (a session id): 1–128 of A–Z a–z 0–9 . _ : -.
// nullopt when it is fine, else the reason, naming `field`.
std::optional<std::string> invalidClientId(std::string_view id, std::string_view field);

// For a log line: control characters (CR, LF, ESC, ...) and invalid UTF-8 escaped as \xNN
// (\n and \r as such), cut to `maxBytes` with "…" — one client string can neither forge a
// line nor flood one.
std::string logSafe(std::string_view s, size_t maxBytes = 200);

}  // namespace voxgate
