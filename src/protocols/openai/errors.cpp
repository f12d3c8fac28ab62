#include "protocols/openai/errors.h"

namespace voxgate::openai {

namespace http = boost::beast::http;

ApiError invalidParam(std::string param, std::string message) {
  return {http::status::bad_request, std::move(message), "invalid_request_error", std::move(param), ""};
}

ApiError modelNotFound(const std::string& model) {
  return {http::status::not_found, "The model `" + model + "` does not exist or you do not have access to it.",
          "invalid_request_error", "model", "model_not_found"};
}

ApiError busy(std::string message) {
  return {http::status::too_many_requests, std::move(message), "requests", "", "rate_limit_exceeded"};
}

nlohmann::json errorJson(const ApiError& error) {
  auto orNull = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  return {{"error",
           {{"message", error.message},
            {"type", error.type},
            {"param", orNull(error.param)},
            {"code", orNull(error.code)}}}};
}

}  // namespace voxgate::openai
