#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "transport/ws_connection.h"

using namespace voxgate;
using namespace std::chrono_literals;

namespace {

// Answers every message with a 64 KiB reply that starts with the message; "close" asks for a
// close after two more replies (and one that comes too late); "burst" queues three at once.
class EchoSession : public WsConnection {
 public:
  EchoSession(ClientStream stream, TransportContext& transport, WsOptions options)
      : WsConnection(std::move(stream), transport, std::move(options)) {}
  std::atomic<int> received{0};
  std::atomic<bool> closed{false};

 private:
  void onText(std::string message) override {
    ++received;
    if (message == "close") {
      sendText("a");
      sendText("b");
      close(websocket::close_code::policy_error, "done");
      sendText("late");
      return;
    }
    std::string reply = message + ":";
    reply.resize(64 << 10, 'x');
    sendText(std::move(reply));
  }
  void onBinary(std::string) override { ++received; }
  void onClosed() override { closed = true; }
};

// A server with one accepted WebSocket on a real loopback socket whose buffers are tiny, so a
// client that does not read stops the server's writes after a few KiB.
struct Fixture {
  AppConfig config;
  TransportContext transport{config};
  net::io_context ioc;
  tcp::acceptor acceptor{ioc, {net::ip::make_address("127.0.0.1"), 0}};
  std::shared_ptr<EchoSession> session;
  std::thread io;

  websocket::stream<tcp::socket> connect(WsOptions options) {
    websocket::stream<tcp::socket> client(ioc);
    auto& socket = client.next_layer();
    socket.open(tcp::v4());
    socket.set_option(net::socket_base::receive_buffer_size(4096));
    auto accepted = std::async(std::launch::async, [&] {
      tcp::socket s = acceptor.accept();
      s.set_option(net::socket_base::send_buffer_size(4096));
      beast::flat_buffer buffer;
      HttpRequest upgrade;
      http::read(s, buffer, upgrade);
      session = std::make_shared<EchoSession>(ClientStream(std::move(s)), transport, std::move(options));
      session->start(std::move(upgrade));
    });
    socket.connect(acceptor.local_endpoint());
    auto guard = net::make_work_guard(ioc);
    io = std::thread([this, g = std::move(guard)] { ioc.run(); });
    client.handshake("127.0.0.1", "/");
    accepted.get();
    return client;
  }
  ~Fixture() {
    ioc.stop();
    if (io.joinable()) io.join();
  }
};

bool waitFor(const std::function<bool()>& condition) {
  for (auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

std::string readText(websocket::stream<tcp::socket>& client) {
  beast::flat_buffer buffer;
  client.read(buffer);
  return beast::buffers_to_string(buffer.data());
}

}  // namespace

TEST(WsConnection, StopsReadingAtItsQueueBoundAndResumesWhenDrained) {
  Fixture f;
  WsOptions options;
  options.queueBytes = 1 << 30;
  options.queueMessages = 4;
  auto client = f.connect(options);
  client.text(true);
  constexpr int kMessages = 40;
  for (int i = 0; i < kMessages; ++i) client.write(net::buffer(std::to_string(i)));  // a few bytes each

  // The first reply never leaves the tiny socket buffers, so four replies fill the queue.
  ASSERT_TRUE(waitFor([&] { return f.session->received >= 4; }));
  std::this_thread::sleep_for(100ms);  // room to break the bound, were it not kept
  EXPECT_EQ(f.session->received, 4) << "the server kept reading past its queue bound";

  for (int i = 0; i < kMessages; ++i) {
    std::string reply = readText(client);
    ASSERT_EQ(reply.size(), 64u << 10);
    EXPECT_EQ(reply.substr(0, reply.find(':')), std::to_string(i));  // in order, none lost
  }
  EXPECT_EQ(f.session->received, kMessages);
}

TEST(WsConnection, ClosesAfterQueuedWritesAndSendsNothingLater) {
  Fixture f;
  auto client = f.connect({});
  client.text(true);
  client.write(net::buffer(std::string("close")));
  EXPECT_EQ(readText(client), "a");
  EXPECT_EQ(readText(client), "b");
  beast::flat_buffer buffer;
  beast::error_code ec;
  client.read(buffer, ec);  // the close frame, not "late"
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(client.reason().code, websocket::close_code::policy_error);
  EXPECT_EQ(std::string(client.reason().reason.data(), client.reason().reason.size()), "done");
  EXPECT_TRUE(waitFor([&] { return f.session->closed.load(); }));
}

TEST(WsConnection, ShutdownClosesGoingAway) {
  Fixture f;
  auto client = f.connect({});
  f.session->shutdown();
  beast::flat_buffer buffer;
  beast::error_code ec;
  client.read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(client.reason().code, websocket::close_code::going_away);
  EXPECT_TRUE(waitFor([&] { return f.session->closed.load(); }));
}
