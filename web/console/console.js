// The voxgate console (docs/console.md): speech from /v1/audio/speech, played while it streams,
// and live transcription over /v1/realtime. Plain browser APIs only: nothing is fetched from
// anywhere but this server.
"use strict";

const $ = (id) => document.getElementById(id);
const SPEECH_RATE = 24000;  // what /v1/audio/speech sends (pcm: s16le mono)
const KEY_STORE = "voxgate.console.key";

const ms = (t) => `${Math.round(t)} ms`;
function setStatus(id, text, isError = false) {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle("error", isError);
}

// ---- the API key: Bearer on HTTP, a subprotocol on the WebSocket (browsers cannot set headers there)
function apiKey() { return $("key").value.trim(); }
function authHeaders() {
  const key = apiKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

// An OpenAI-shaped error body's message, else the status line.
async function errorText(res) {
  try {
    const body = await res.json();
    if (body && body.error && body.error.message) return `${res.status}: ${body.error.message}`;
  } catch (_) { /* not JSON */ }
  return `${res.status} ${res.statusText}`;
}

// ---- voices: /v1/audio/voices, retried while the server is still loading its engines (503)
async function loadVoices() {
  for (;;) {
    try {
      const res = await fetch("/v1/audio/voices", { headers: authHeaders() });
      if (res.status === 503) { $("server").textContent = "loading engines..."; await sleep(1000); continue; }
      if (res.status === 401) { $("server").textContent = "this server needs an API key: enter it above"; return; }
      if (!res.ok) { $("server").textContent = await errorText(res); return; }
      const { data } = await res.json();
      const select = $("voice");
      select.replaceChildren();
      for (const v of data) {
        const names = v.openai_names.length ? ` (${v.openai_names.join(", ")})` : "";
        const engines = Object.entries(v.engines).map(([lang, id]) => `${lang}: ${id}`).join(", ");
        select.append(new Option(`${v.name}${names}, ${engines}`, v.name));
      }
      $("server").textContent = `${location.host}: ${data.length} voices`;
      return;
    } catch (e) {
      $("server").textContent = `cannot reach the server: ${e.message}`;
      await sleep(2000);
    }
  }
}
const sleep = (t) => new Promise((resolve) => setTimeout(resolve, t));

// ---- speech ------------------------------------------------------------------------------------

// Plays s16le mono PCM as it arrives: each piece becomes an AudioBuffer scheduled right after the
// previous one, so playback starts with the first piece and never waits for the whole answer.
class PcmPlayer {
  constructor(ctx, skipHeader, onFirstSound, onPlayed) {
    this.ctx = ctx;
    this.skipHeader = skipHeader;  // wav: a streamed RIFF header precedes the samples
    this.header = new Uint8Array(0);
    this.carry = null;  // an odd byte left from the previous piece
    this.nextAt = 0;
    this.sources = new Set();
    this.onFirstSound = onFirstSound;
    this.onPlayed = onPlayed;
    this.started = false;
  }

  push(bytes) {
    if (this.skipHeader) {
      bytes = this.afterHeader(bytes);
      if (!bytes) return;
    }
    if (this.carry !== null) {
      const joined = new Uint8Array(bytes.length + 1);
      joined[0] = this.carry;
      joined.set(bytes, 1);
      bytes = joined;
      this.carry = null;
    }
    if (bytes.length % 2) { this.carry = bytes[bytes.length - 1]; bytes = bytes.subarray(0, bytes.length - 1); }
    if (!bytes.length) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const n = bytes.length / 2;
    const buffer = this.ctx.createBuffer(1, n, SPEECH_RATE);
    const samples = buffer.getChannelData(0);
    for (let i = 0; i < n; i++) samples[i] = view.getInt16(2 * i, true) / 32768;
    const source = this.ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(this.ctx.destination);
    // A little headroom for the first piece, then each starts where the last one ends.
    const at = Math.max(this.nextAt, this.ctx.currentTime + 0.05);
    source.start(at);
    this.nextAt = at + buffer.duration;
    if (!this.started) { this.started = true; this.onFirstSound((at - this.ctx.currentTime) * 1000); }
    this.sources.add(source);
    source.onended = () => { this.sources.delete(source); this.onPlayed(bytes.length); };
  }

  // The bytes after the wav header's `data` chunk id and size, once they have all arrived.
  afterHeader(bytes) {
    const all = new Uint8Array(this.header.length + bytes.length);
    all.set(this.header);
    all.set(bytes, this.header.length);
    for (let i = 12; i + 8 <= all.length; i++) {
      if (all[i] === 0x64 && all[i + 1] === 0x61 && all[i + 2] === 0x74 && all[i + 3] === 0x61) {  // "data"
        this.skipHeader = false;
        return all.subarray(i + 8);
      }
    }
    if (all.length > 4096) throw new Error("no data chunk in the wav header");
    this.header = all;
    return null;
  }

  stop() {
    for (const s of this.sources) { s.onended = null; s.stop(); }
    this.sources.clear();
  }

  get idle() { return this.sources.size === 0; }
}

let speaking = null;  // {abort, player}: the request in flight or still playing

function stopSpeaking(why) {
  if (!speaking) return;
  speaking.abort.abort();  // closes the connection: the server cancels the synthesis
  if (speaking.player) speaking.player.stop();
  $("player").pause();
  speaking = null;
  $("stop").disabled = true;
  if (why) setStatus("ttsStatus", why);
}

async function speak() {
  stopSpeaking();
  const format = $("format").value;
  const body = {
    model: "tts-1",
    input: $("text").value,
    voice: $("voice").value || "alloy",
    speed: Number($("speed").value),
    response_format: format,
  };
  for (const id of ["ttsFirstByte", "ttsFirstSound", "ttsTotal"]) $(id).textContent = "-";
  let received = 0, played = 0;
  $("ttsReceived").textContent = "0";
  $("ttsPlayed").textContent = "0";
  const streamed = format === "pcm" || format === "wav";
  // The context is made inside the click, so the browser lets it play.
  const ctx = streamed ? audioOut() : null;
  if (ctx) await ctx.resume();
  const abort = new AbortController();
  const t0 = performance.now();
  const current = { abort, player: null };
  speaking = current;
  $("stop").disabled = false;
  setStatus("ttsStatus", "synthesizing...");
  try {
    const res = await fetch("/v1/audio/speech", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...authHeaders() },
      body: JSON.stringify(body),
      signal: abort.signal,
    });
    if (!res.ok) throw new Error(await errorText(res));
    if (streamed) {
      current.player = new PcmPlayer(ctx, format === "wav",
        (leadMs) => { $("ttsFirstSound").textContent = ms(performance.now() - t0 + leadMs); },
        (n) => {
          played += n;
          $("ttsPlayed").textContent = String(played);
          if (speaking === current && current.done && current.player.idle) finished();
        });
    }
    const chunks = [];
    const reader = res.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!received) $("ttsFirstByte").textContent = ms(performance.now() - t0);
      received += value.length;
      $("ttsReceived").textContent = String(received);
      if (current.player) current.player.push(value); else chunks.push(value);
    }
    $("ttsTotal").textContent = ms(performance.now() - t0);
    current.done = true;
    if (!streamed) {
      const player = $("player");
      player.hidden = false;
      player.src = URL.createObjectURL(new Blob(chunks, { type: res.headers.get("Content-Type") || "" }));
      player.onended = () => { played = received; $("ttsPlayed").textContent = String(played); finished(); };
      await player.play();
      setStatus("ttsStatus", `playing ${format} (fetched whole: only pcm and wav stream into Web Audio)`);
    } else {
      setStatus("ttsStatus", "playing...");
      if (current.player.idle) finished();
    }
  } catch (e) {
    if (e.name === "AbortError") return;  // stopSpeaking() said why
    if (speaking === current) stopSpeaking();
    setStatus("ttsStatus", e.message, true);
  }

  function finished() {
    if (speaking !== current) return;
    speaking = null;
    $("stop").disabled = true;
    setStatus("ttsStatus", "done");
  }
}

let outCtx = null;
function audioOut() {
  if (!outCtx) outCtx = new AudioContext({ sampleRate: SPEECH_RATE, latencyHint: "interactive" });
  return outCtx;
}

// ---- listening ---------------------------------------------------------------------------------

// One /v1/realtime transcription session: PCM in, OpenAI's events out.
class Transcriber {
  constructor(rate, onEvent, onClose) {
    this.rate = rate;
    this.onEvent = onEvent;
    const protocols = ["realtime"];
    if (apiKey()) protocols.push(`openai-insecure-api-key.${apiKey()}`);
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.ws = new WebSocket(`${scheme}//${location.host}/v1/realtime?intent=transcription`, protocols);
    this.ready = new Promise((resolve, reject) => {
      this.ws.onopen = () => {
        this.send({
          type: "session.update",
          session: {
            type: "transcription",
            audio: {
              input: {
                // OpenAI takes 24 kHz only; voxgate takes 8 to 48 kHz and resamples, so the
                // microphone's own rate goes as it is.
                format: { type: "audio/pcm", rate },
                transcription: { model: "whisper-1", language: $("lang").value },
                turn_detection: { type: "server_vad", silence_duration_ms: Number($("silence").value) || 1000 },
              },
            },
          },
        });
        resolve();
      };
      this.ws.onerror = () => reject(new Error("the WebSocket did not open (a wrong key, or the server is busy)"));
    });
    this.ws.onmessage = (m) => this.onEvent(JSON.parse(m.data));
    this.ws.onclose = (e) => onClose(e);
  }

  send(event) { if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(event)); }

  append(int16) {
    const bytes = new Uint8Array(int16.buffer, int16.byteOffset, int16.byteLength);
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    this.send({ type: "input_audio_buffer.append", audio: btoa(text) });
  }

  close() { this.ws.close(1000); }
}

let listening = null;  // the session in progress: a Turns, plus its transcriber and stop()

// What one session's events mean for the page. The latencies are measured on the audio's clock:
// the server says where speech began (audio_start_ms), and the page knows when it sent that sample.
class Turns {
  constructor() {
    this.firstSentAt = 0;  // performance.now() when the first sample left
    this.sentS = 0;
    this.inSpeech = false;
    this.pending = 0;  // committed items whose transcript has not come yet
    this.sendDone = false;
    this.onIdle = null;  // called once everything sent has been transcribed
    this.stoppedAt = 0;
    this.firstPartial = true;
  }

  sent(samples, rate) {
    if (!this.firstSentAt) this.firstSentAt = performance.now();
    this.sentS += samples / rate;
    $("asrSent").textContent = `${this.sentS.toFixed(1)} s`;
  }

  handle(event) {
    const now = performance.now();
    switch (event.type) {
      case "input_audio_buffer.speech_started":
        this.inSpeech = true;
        this.firstPartial = true;
        this.speechAt = this.firstSentAt + event.audio_start_ms;
        $("partial").textContent = "...";
        if ($("bargeIn").checked && speaking) stopSpeaking("stopped: you started talking (barge-in)");
        break;
      case "conversation.item.input_audio_transcription.delta":
        if (this.firstPartial) $("asrFirstPartial").textContent = `${ms(now - this.speechAt)} after speech began`;
        this.firstPartial = false;
        $("partial").textContent = ($("partial").textContent === "..." ? "" : $("partial").textContent) + event.delta;
        break;
      case "input_audio_buffer.speech_stopped":
        this.inSpeech = false;
        this.stoppedAt = now;
        break;
      case "input_audio_buffer.committed":
        this.inSpeech = false;  // a commit ends the turn as silence does
        this.pending++;
        break;
      case "conversation.item.input_audio_transcription.completed":
        this.pending = Math.max(0, this.pending - 1);
        this.completed(event.transcript, this.stoppedAt ? now - this.stoppedAt : null);
        this.stoppedAt = 0;
        break;
      case "error":
        if (event.error.code === "input_audio_buffer_commit_empty") this.inSpeech = false;
        else setStatus("asrStatus", `server: ${event.error.message}`, true);
        break;
    }
    if (this.onIdle && this.sendDone && !this.inSpeech && !this.pending) {
      const done = this.onIdle;
      this.onIdle = null;
      done();
    }
  }

  completed(transcript, latency) {
    $("partial").textContent = "";
    if (latency !== null) $("asrFinal").textContent = ms(latency);
    if (!transcript) return;  // the recognizer heard nothing it trusts
    const li = document.createElement("li");
    li.className = "final";
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = transcript;
    li.append(text);
    if (latency !== null) {
      const note = document.createElement("span");
      note.className = "ms";
      note.textContent = ms(latency);
      li.append(note);
    }
    $("finals").append(li);
  }
}

async function startMicrophone() {
  if (!window.isSecureContext || !navigator.mediaDevices) {
    setStatus("asrStatus", "The microphone needs https or localhost (see the note above).", true);
    return;
  }
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true } });
  // The recognizer takes 8 to 48 kHz; most microphones run at 44.1 or 48 kHz.
  let ctx = new AudioContext();
  if (ctx.sampleRate > 48000) { await ctx.close(); ctx = new AudioContext({ sampleRate: 48000 }); }
  await ctx.audioWorklet.addModule("/console/pcm-worklet.js");
  const source = ctx.createMediaStreamSource(stream);
  const capture = new AudioWorkletNode(ctx, "pcm-capture");
  // The worklet runs only while something pulls on it: a silent path to the speakers.
  const mute = ctx.createGain();
  mute.gain.value = 0;
  source.connect(capture).connect(mute).connect(ctx.destination);
  const turns = new Turns();
  const transcriber = new Transcriber(ctx.sampleRate, (e) => turns.handle(e), onSessionClosed);
  listening = {
    turns, transcriber,
    stop() {
      capture.port.onmessage = null;
      stream.getTracks().forEach((t) => t.stop());
      ctx.close();
      transcriber.close();
    },
  };
  await transcriber.ready;
  capture.port.onmessage = (m) => { transcriber.append(m.data); turns.sent(m.data.length, ctx.sampleRate); };
  $("mic").textContent = "Stop listening";
  $("mic").classList.add("on");
  setStatus("asrStatus", `listening (${ctx.sampleRate} Hz)...`);
}

// A recording decoded by the browser, sent at the pace it was spoken so partials arrive as they would live.
async function transcribeFile(file) {
  stopListening();
  setStatus("asrStatus", `decoding ${file.name}...`);
  const decoder = new OfflineAudioContext(1, 1, SPEECH_RATE);
  const audio = await decoder.decodeAudioData(await file.arrayBuffer());
  const samples = audio.getChannelData(0);
  const turns = new Turns();
  const transcriber = new Transcriber(SPEECH_RATE, (e) => turns.handle(e), onSessionClosed);
  let timer = null;
  const current = { turns, transcriber, stop() { clearInterval(timer); transcriber.close(); } };
  listening = current;
  await transcriber.ready;
  setStatus("asrStatus", `sending ${file.name} (${audio.duration.toFixed(1)} s) at real time...`);
  const piece = SPEECH_RATE / 10;
  let at = 0;
  timer = setInterval(() => {
    if (at >= samples.length) {
      clearInterval(timer);
      setStatus("asrStatus", `${file.name} sent, waiting for its last transcript...`);
      turns.onIdle = () => {
        setStatus("asrStatus", `${file.name} transcribed`);
        if (listening === current) stopListening();
      };
      turns.sendDone = true;
      // The last words, even without the silence after them that would end the turn.
      if (turns.inSpeech) transcriber.send({ type: "input_audio_buffer.commit" });
      else turns.handle({ type: "sent" });
      return;
    }
    const part = samples.subarray(at, at + piece);
    const pcm = new Int16Array(part.length);
    for (let i = 0; i < part.length; i++) {
      const s = Math.max(-1, Math.min(1, part[i]));
      pcm[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
    }
    transcriber.append(pcm);
    turns.sent(pcm.length, SPEECH_RATE);
    at += piece;
  }, 100);
}

function onSessionClosed(e) {
  if (e.code !== 1000 && e.code !== 1005) setStatus("asrStatus", `session closed: ${e.code} ${e.reason}`, true);
  if (listening && listening.transcriber.ws.readyState === WebSocket.CLOSED) finishListening();
}

function stopListening() {
  if (!listening) return;
  listening.stop();
  finishListening();
}

function finishListening() {
  listening = null;
  $("mic").textContent = "Microphone";
  $("mic").classList.remove("on");
}

// ---- wiring ------------------------------------------------------------------------------------

function guard(task, statusId) {
  return (...args) => task(...args).catch((e) => setStatus(statusId, e.message, true));
}

window.addEventListener("DOMContentLoaded", () => {
  $("key").value = localStorage.getItem(KEY_STORE) || "";
  $("key").addEventListener("change", () => { localStorage.setItem(KEY_STORE, apiKey()); loadVoices(); });
  $("insecure").hidden = window.isSecureContext;
  $("speed").addEventListener("input", () => { $("speedOut").value = Number($("speed").value).toFixed(2); });
  $("speak").addEventListener("click", guard(speak, "ttsStatus"));
  $("stop").addEventListener("click", () => stopSpeaking("stopped"));
  $("mic").addEventListener("click", guard(async () => {
    if (listening) { stopListening(); setStatus("asrStatus", "stopped"); } else await startMicrophone();
  }, "asrStatus"));
  const transcribeFirst = guard(async (files) => { if (files && files[0]) await transcribeFile(files[0]); }, "asrStatus");
  $("file").addEventListener("change", () => transcribeFirst($("file").files));
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); transcribeFirst(e.dataTransfer.files); });
  loadVoices();
});
