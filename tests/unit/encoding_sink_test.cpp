#include <gtest/gtest.h>

#include <deque>
#include <functional>

#include "core/audio/encoding_sink.h"
#include "core/base64.h"

using namespace voxgate;

namespace {

// Stands in for a worker strand: jobs wait until the test runs them, in order.
struct ManualStrand {
  std::deque<std::function<void()>> jobs;
  EncodingSink::Post post() {
    return [this](std::function<void()> job) { jobs.push_back(std::move(job)); };
  }
  void runAll() {
    while (!jobs.empty()) {
      auto job = std::move(jobs.front());
      jobs.pop_front();
      job();
    }
  }
};

struct RecordingOutput : EncodedOutput {
  std::vector<std::string> pieces;
  std::vector<SynthStatus> finished;
  FlowControl flow{1 << 20};
  void onBytes(std::string bytes) override {
    flow.added(bytes.size());  // as a socket queue would, until written
    pieces.push_back(std::move(bytes));
  }
  void onFinished(SynthStatus status, const std::string&) override { finished.push_back(status); }
  FlowControl* flowControl() override { return &flow; }
};

std::string bytesOf(const std::vector<int16_t>& pcm) {
  return std::string(reinterpret_cast<const char*>(pcm.data()), pcm.size() * 2);
}

}  // namespace

TEST(EncodingSink, EncodesOnTheStrandNotTheCaller) {
  ManualStrand strand;
  auto output = std::make_shared<RecordingOutput>();
  auto sink =
      std::make_shared<EncodingSink>(makeEncoder(AudioFormat::Pcm, 24000), strand.post(), output, PieceText::Base64);
  std::vector<int16_t> a = {1, 2, 3}, b = {-4, 5, 6000};
  sink->onPiece(a);
  sink->onPiece(b);
  EXPECT_TRUE(output->pieces.empty());    // nothing happened on the calling (engine) thread
  EXPECT_EQ(output->flow.queued(), 12u);  // but the pending PCM already counts
  strand.runAll();
  ASSERT_EQ(output->pieces.size(), 2u);
  EXPECT_EQ(output->pieces[0], base64Encode(bytesOf(a)));  // one padded base64 string per piece
  EXPECT_EQ(output->pieces[1], base64Encode(bytesOf(b)));
  EXPECT_EQ(output->flow.queued(), output->pieces[0].size() + output->pieces[1].size());
  sink->onFinished(SynthStatus::Done, "");
  EXPECT_TRUE(output->finished.empty());
  strand.runAll();
  EXPECT_EQ(output->finished, std::vector<SynthStatus>{SynthStatus::Done});
}

TEST(EncodingSink, FinishesOnceAndDropsLatePieces) {
  ManualStrand strand;
  auto output = std::make_shared<RecordingOutput>();
  auto sink = std::make_shared<EncodingSink>(makeEncoder(AudioFormat::Pcm, 24000), strand.post(), output);
  sink->onFinished(SynthStatus::Cancelled, "");
  sink->onPiece({1, 2});
  sink->onFinished(SynthStatus::Done, "");
  strand.runAll();
  EXPECT_TRUE(output->pieces.empty());
  EXPECT_EQ(output->finished, std::vector<SynthStatus>{SynthStatus::Cancelled});
  EXPECT_EQ(output->flow.queued(), 0u);
}

TEST(CollectingSink, HandsTheWholeUtteranceToTheStrand) {
  ManualStrand strand;
  std::vector<int16_t> got;
  int calls = 0;
  auto sink = std::make_shared<CollectingSink>(strand.post(),
                                               [&](SynthStatus status, const std::string&, std::vector<int16_t> pcm) {
                                                 EXPECT_EQ(status, SynthStatus::Done);
                                                 got = std::move(pcm);
                                                 ++calls;
                                               });
  sink->onPiece({1, 2});
  sink->onPiece({3});
  sink->onFinished(SynthStatus::Done, "");
  EXPECT_EQ(calls, 0);
  strand.runAll();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got, (std::vector<int16_t>{1, 2, 3}));
}
