#include "core/audio/encoding_sink.h"

namespace voxgate {

EncodingSink::EncodingSink(std::unique_ptr<AudioEncoder> encoder, Post serial, std::shared_ptr<EncodedOutput> output)
    : encoder_(std::move(encoder)), serial_(std::move(serial)), output_(std::move(output)) {}

void EncodingSink::onPiece(std::vector<int16_t> pcm) {
  size_t bytes = pcm.size() * 2;
  FlowControl* flow = output_->flowControl();
  if (flow) flow->added(bytes);
  serial_([self = shared_from_this(), pcm = std::move(pcm), bytes, flow] {
    if (!self->ended_) {
      std::string encoded = self->encoder_->encode(pcm);
      if (!encoded.empty()) self->output_->onBytes(std::move(encoded));
    }
    if (flow) flow->removed(bytes);
  });
}

void EncodingSink::onFinished(SynthStatus status, const std::string& error) {
  serial_([self = shared_from_this(), status, error] { self->finishOnStrand(status, error); });
}

void EncodingSink::finishOnStrand(SynthStatus status, const std::string& error) {
  if (ended_) return;
  ended_ = true;
  // An interrupted stream still ends on whole frames, so what the client got decodes.
  if (status != SynthStatus::Failed) {
    std::string tail = encoder_->finish();
    if (!tail.empty()) output_->onBytes(std::move(tail));
  }
  output_->onFinished(status, error);
}

}  // namespace voxgate
