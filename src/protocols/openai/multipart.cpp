#include "protocols/openai/multipart.h"

#include <boost/algorithm/string/case_conv.hpp>

namespace voxgate::openai {
namespace {

constexpr size_t kMaxParts = 64;
constexpr size_t kMaxHeaderBytes = 8192;

std::string lower(std::string_view s) { return boost::algorithm::to_lower_copy(std::string(s)); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `key=value` or `key="value"` among the `;`-separated parameters after the first token.
std::string parameter(std::string_view header, std::string_view key) {
  size_t i = header.find(';');
  const size_t size = header.size();
  while (i < size) {
    while (i < size && (header[i] == ' ' || header[i] == '\t' || header[i] == ';')) ++i;
    size_t nameStart = i;
    while (i < size && header[i] != '=' && header[i] != ';') ++i;
    std::string name = lower(trim(header.substr(nameStart, i - nameStart)));
    std::string value;
    if (i < size && header[i] == '=') {
      ++i;
      while (i < size && header[i] == ' ') ++i;
      if (i < size && header[i] == '"') {
        for (++i; i < size && header[i] != '"'; ++i) {
          if (header[i] == '\\' && i + 1 < size) ++i;
          value += header[i];
        }
        ++i;  // the closing quote
      } else {
        size_t valueStart = i;
        while (i < size && header[i] != ';') ++i;
        value = std::string(trim(header.substr(valueStart, i - valueStart)));
      }
    }
    if (name == key) return value;
  }
  return "";
}

}  // namespace

std::variant<std::vector<FormPart>, std::string> parseMultipart(std::string_view contentType, std::string_view body) {
  if (lower(trim(contentType.substr(0, contentType.find(';')))) != "multipart/form-data")
    return std::string("the body must be multipart/form-data");
  std::string boundary = parameter(contentType, "boundary");
  if (boundary.empty() || boundary.size() > 200) return std::string("the multipart boundary is missing or too long");
  const std::string dash = "--" + boundary;
  const std::string delimiter = "\r\n" + dash;

  // The first delimiter opens the body, or follows a preamble and its CRLF.
  size_t at = 0;
  if (body.substr(0, dash.size()) != dash) {
    at = body.find(delimiter);
    if (at == std::string_view::npos) return std::string("the multipart body has no boundary line");
    at += 2;
  }
  at += dash.size();
  std::vector<FormPart> parts;
  while (true) {
    if (body.substr(at, 2) == "--") return parts;  // the closing delimiter
    // Transport padding after the delimiter, then its CRLF.
    while (at < body.size() && (body[at] == ' ' || body[at] == '\t')) ++at;
    if (body.substr(at, 2) != "\r\n") return std::string("a multipart delimiter is not followed by CRLF");
    at += 2;
    size_t headersEnd = body.find("\r\n\r\n", at);
    if (headersEnd == std::string_view::npos || headersEnd - at > kMaxHeaderBytes)
      return std::string("a multipart part has no end of headers");
    FormPart part;
    std::string_view headers = body.substr(at, headersEnd - at);
    while (!headers.empty()) {
      size_t eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name = lower(trim(line.substr(0, colon)));
      std::string_view value = trim(line.substr(colon + 1));
      if (name == "content-disposition") {
        if (lower(trim(value.substr(0, value.find(';')))) != "form-data")
          return std::string("a multipart part is not form-data");
        part.name = parameter(value, "name");
        part.filename = parameter(value, "filename");
      } else if (name == "content-type") {
        part.contentType = std::string(value);
      }
    }
    if (part.name.empty()) return std::string("a multipart part has no name");
    size_t dataStart = headersEnd + 4;
    size_t next = body.find(delimiter, dataStart);
    if (next == std::string_view::npos) return std::string("the multipart body ends inside a part");
    part.data = body.substr(dataStart, next - dataStart);
    parts.push_back(std::move(part));
    if (parts.size() > kMaxParts) return std::string("the form has more than 64 parts");
    at = next + delimiter.size();
  }
}

}  // namespace voxgate::openai
