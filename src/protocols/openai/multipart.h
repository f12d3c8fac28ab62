#pragma once
// multipart/form-data (RFC 7578) request bodies, for the transcription uploads. Beast reads
// HTTP but not form bodies, and nothing packaged for Debian does this without a framework
// around it (cpp-httplib keeps its parser in `detail`, GMime is a mail library on GLib); the
// part of RFC 7578 OpenAI's clients use is small: parts with a Content-Disposition name, an
// optional filename and Content-Type. Pure; fuzz/multipart_fuzz.cpp drives it.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace voxgate::openai {

struct FormPart {
  std::string name;
  std::string filename;     // empty: a plain field
  std::string contentType;  // the part's own, if it gave one
  std::string_view data;    // into the body passed to parseMultipart
};

// The parts, in order, or why the body is not a form. `contentType` is the request's header
// (its `boundary` parameter, quoted or not). At most 64 parts, headers at most 8 KiB each.
std::variant<std::vector<FormPart>, std::string> parseMultipart(std::string_view contentType, std::string_view body);

}  // namespace voxgate::openai
