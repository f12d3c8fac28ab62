"""Many clients at once, clients that leave mid-stream, connection churn."""
import asyncio
import json
import threading

import requests

from audio_checks import assert_plausible_speech
from tts_clients import ZH_TWO, assert_still_serving, decode_chunk, long_zh_text, stream_tts


def test_twenty_simultaneous_requests(server):
    ref = stream_tts(server.stream_url, {"text": ZH_TWO, "spk_id": 0})
    assert ref.status == 200
    ref_len = len(ref.pcm)

    results, errors = [None] * 20, []
    barrier = threading.Barrier(20)

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results[i] = stream_tts(server.stream_url, {"text": ZH_TWO, "spk_id": 0}, timeout=120)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"request {i}: {e!r}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors
    for i, res in enumerate(results):
        assert res is not None, f"request {i} did not finish"
        assert res.status == 200, (i, res.status, res.body)
        assert len(res.chunks) >= 2
        assert_plausible_speech(res.pcm, lo=0.5, hi=15.0)
        assert abs(len(res.pcm) - ref_len) <= 0.05 * ref_len, \
            f"request {i}: {len(res.pcm)} bytes vs {ref_len} for the same text alone"
    server.wait_idle()


def test_client_disconnect_stops_synthesis(big_server):
    srv = big_server
    n_sentences = 150
    text = long_zh_text(n_sentences)
    before = srv.wait_idle()

    resp = requests.post(srv.stream_url, data=json.dumps({"text": text, "spk_id": 0}),
                         stream=True, timeout=60)
    assert resp.status_code == 200
    it = resp.iter_content(chunk_size=None)
    first = next(it)
    assert len(decode_chunk(first)) > 0
    resp.close()  # leave mid-stream, like a user hitting Ctrl-C

    after = srv.wait_stats(lambda s: s["synth_active"] == 0, timeout=20)
    assert after["synth_cancelled"] >= before["synth_cancelled"] + 1, (before, after)
    grown = after["clauses_synthesized"] - before["clauses_synthesized"]
    assert grown < n_sentences, f"{grown} of {n_sentences} clauses synthesized: synthesis did not stop"
    srv.wait_idle()
    assert_still_serving(srv)


async def _churn(host, port, n_plain, n_half):
    async def plain():
        try:
            _, w = await asyncio.open_connection(host, port)
        except OSError as e:
            return e
        w.close()
        return None

    async def half():
        try:
            _, w = await asyncio.open_connection(host, port)
        except OSError as e:
            return e
        w.write(b"POST /paddlespeech/tts/streaming HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"text\": \"\xe4\xbb")
        try:
            await w.drain()
        except OSError:
            pass
        w.close()
        return None

    tasks = [plain() for _ in range(n_plain)] + [half() for _ in range(n_half)]
    results = await asyncio.gather(*tasks)
    return [r for r in results if r is not None]


async def _hold_then_drop(host, port, n):
    """Open n connections, keep them all open a moment, then drop them together."""
    opened = await asyncio.gather(*[asyncio.open_connection(host, port) for _ in range(n)],
                                  return_exceptions=True)
    writers = [o[1] for o in opened if not isinstance(o, BaseException)]
    for i, w in enumerate(writers):
        if i % 2:
            w.write(b"GET /api/healthz HTTP/1.1\r\nHo")
    await asyncio.sleep(0.3)
    for w in writers:
        w.transport.abort()  # drop at once, without a graceful shutdown
    return n - len(writers)


def test_hundreds_of_connections_dropped(server):
    conn_errors = asyncio.run(_churn(server.host, server.port, 300, 100))
    # A few refused connects under a full backlog would be tolerable, most must get through.
    assert len(conn_errors) < 40, conn_errors[:5]
    failed = asyncio.run(_hold_then_drop(server.host, server.port, 200))
    assert failed < 20, f"{failed} of 200 connects failed"
    r = requests.get(server.base + "/api/healthz", timeout=10)
    assert r.status_code == 200
    assert_still_serving(server, ZH_TWO)
    server.wait_stats(lambda s: s["active_sessions"] == 0, timeout=15)
