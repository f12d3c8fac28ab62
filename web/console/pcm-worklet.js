// The microphone's audio as 16-bit PCM, posted to the page every 100 ms (the console sends each
// piece as one input_audio_buffer.append). Runs on the audio rendering thread, at the context's
// own rate (`sampleRate`); the session tells the server that rate, and the server resamples.
class PcmCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.piece = new Int16Array(Math.round(sampleRate / 10));
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;  // no input connected yet
    for (let i = 0; i < channel.length; i++) {
      const s = Math.max(-1, Math.min(1, channel[i]));
      this.piece[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      if (this.filled === this.piece.length) {
        this.port.postMessage(this.piece.slice(0));
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor("pcm-capture", PcmCapture);
