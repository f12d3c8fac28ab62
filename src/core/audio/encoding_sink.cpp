#include "core/audio/encoding_sink.h"

#include <boost/asio/post.hpp>

#include "core/base64.h"

namespace voxgate {
namespace {

EncodingSink::Post onStrand(WorkStrand strand) {
  return [strand](std::function<void()> job) { boost::asio::post(strand, std::move(job)); };
}

}  // namespace

EncodingSink::EncodingSink(std::unique_ptr<AudioEncoder> encoder, Post serial, std::shared_ptr<EncodedOutput> output,
                           PieceText text)
    : encoder_(std::move(encoder)), serial_(std::move(serial)), output_(std::move(output)), text_(text) {}

void EncodingSink::onPiece(std::vector<int16_t> pcm) {
  size_t bytes = pcm.size() * 2;
  FlowControl* flow = output_->flowControl();
  if (flow) flow->added(bytes);
  serial_([self = shared_from_this(), pcm = std::move(pcm), bytes, flow] {
    if (!self->ended_) self->emit(self->encoder_->encode(pcm));
    if (flow) flow->removed(bytes);
  });
}

void EncodingSink::emit(std::string encoded) {
  if (encoded.empty()) return;  // the encoder is holding it (MP3 frames, Opus pages)
  output_->onBytes(text_ == PieceText::Base64 ? base64Encode(encoded) : std::move(encoded));
}

void EncodingSink::onFinished(SynthStatus status, const std::string& error) {
  serial_([self = shared_from_this(), status, error] { self->finishOnStrand(status, error); });
}

void EncodingSink::finishOnStrand(SynthStatus status, const std::string& error) {
  if (ended_) return;
  ended_ = true;
  // An interrupted stream still ends on whole frames, so what the client got decodes.
  if (status != SynthStatus::Failed) emit(encoder_->finish());
  output_->onFinished(status, error);
}

void CollectingSink::onFinished(SynthStatus status, const std::string& error) {
  serial_([self = shared_from_this(), status, error] { self->done_(status, error, std::move(self->pcm_)); });
}

std::shared_ptr<PieceSink> encodingSink(WorkStrand strand, AudioFormat format, int sampleRate,
                                        std::shared_ptr<EncodedOutput> output, PieceText text) {
  return std::make_shared<EncodingSink>(makeEncoder(format, sampleRate), onStrand(std::move(strand)), std::move(output),
                                        text);
}

std::shared_ptr<PieceSink> collectingSink(WorkStrand strand, CollectingSink::Done done) {
  return std::make_shared<CollectingSink>(onStrand(std::move(strand)), std::move(done));
}

}  // namespace voxgate
