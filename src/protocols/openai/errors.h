#pragma once
// OpenAI's error shape (docs/openai.md "Errors"): {"error": {"message", "type", "param", "code"}},
// with `param` and `code` null when they do not apply.
#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace voxgate::openai {

struct ApiError {
  boost::beast::http::status status = boost::beast::http::status::bad_request;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // empty: null
  std::string code;   // empty: null
};

// 400 invalid_request_error about one parameter.
ApiError invalidParam(std::string param, std::string message);
// 404 model_not_found, OpenAI's words for it.
ApiError modelNotFound(const std::string& model);
// 429, with a Retry-After the SDKs honour before retrying.
ApiError busy(std::string message);

// The body: {"error": {...}}.
nlohmann::json errorJson(const ApiError& error);

}  // namespace voxgate::openai
