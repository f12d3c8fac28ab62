#include "core/audio/encoding_sink.h"

namespace voxgate {

EncodingSink::EncodingSink(std::unique_ptr<AudioEncoder> encoder, Post serial, std::shared_ptr<EncodedOutput> output)
    : encoder_(std::move(encoder)), serial_(std::move(serial)), output_(std::move(output)) {}

void EncodingSink::onPiece(std::vector<int16_t> pcm) {
  size_t bytes = pcm.size() * 2;
  FlowControl* flow = output_->flowControl();
  if (flow) flow->added(bytes);
  serial_([encoder = encoder_, output = output_, pcm = std::move(pcm), bytes, flow] {
    std::string encoded = encoder->encode(pcm);
    if (!encoded.empty()) output->onBytes(std::move(encoded));
    if (flow) flow->removed(bytes);
  });
}

void EncodingSink::onFinished(SynthStatus status, const std::string& error) {
  serial_([encoder = encoder_, output = output_, status, error] {
    // An interrupted stream still ends on whole frames, so what the client got decodes.
    if (status != SynthStatus::Failed) {
      std::string tail = encoder->finish();
      if (!tail.empty()) output->onBytes(std::move(tail));
    }
    output->onFinished(status, error);
  });
}

}  // namespace voxgate
