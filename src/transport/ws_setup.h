#pragma once
#include <string>

#include "core/config.h"
#include "transport/beast.h"

namespace voxgate {

// What every server-side WebSocket gets before its handshake: a 10 s handshake timeout, the
// configured idle timeout (no keep-alive pings: a silent client is an idle one), a message
// size cap, and the response headers (Server, plus `extraHeader` when given). WsConnection
// (ws_connection.h) calls it for every session built on it. Beast restarts the idle timer when
// a read starts, so a connection that stopped reading (its queue full) also times out.
inline void setUpServerWebSocket(websocket::stream<beast::tcp_stream>& ws, const Limits& limits, size_t maxMessageBytes,
                                 std::string extraName = {}, std::string extraValue = {}) {
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  timeouts.idle_timeout = std::chrono::seconds(limits.idleTimeoutS);
  timeouts.keep_alive_pings = false;
  ws.set_option(timeouts);
  ws.set_option(websocket::stream_base::decorator(
      [name = std::move(extraName), value = std::move(extraValue)](websocket::response_type& res) {
        res.set(http::field::server, "voxgate");
        if (!name.empty()) res.set(name, value);
      }));
  ws.read_message_max(maxMessageBytes);
}

}  // namespace voxgate
