#pragma once
// Short names for the Boost.Beast / Asio types, the same in every layer that speaks HTTP or
// WebSocket: the transport and its adapters (server side), the OpenSpeech engine and the CLI
// clients (client side). Only names: what a server does with them lives in transport/.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace voxgate {
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;
}  // namespace voxgate
