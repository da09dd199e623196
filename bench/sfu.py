"""CPU and memory of one Janus VideoRoom room with N aiortc participants, audio only.

```sh
.venv/bin/python -m bench.sfu                          # --sizes 10 25 50 --window 20
.venv/bin/python -m bench.sfu --sizes 5 --window 5     # smoke
```

Starts a private janus (`tests/integration/media_servers.py`: VideoRoom only, HTTP +
WebSocket on loopback, api_secret + signed tokens), then for each size N: creates the
call's room and N participant tokens with `backend.calls.media.janus` (what calls-core
does), and runs the participants in `--client-procs` processes. Every participant joins
with its token, publishes one Opus track (white noise at `--opus-kbps`, default 24 kb/s:
a low speech bitrate that never goes silent), and subscribes to the
other N-1 publishers in one multistream PeerConnection. After `--warmup` seconds, janus's
CPU (user + system, psutil) and RSS are measured over `--window` seconds, with the load
average; the clients count the audio frames they received in the window (encoded frames
out of aiortc's jitter buffers: the clients do not decode, see `_client`), so a run where
the clients (same machine) could not keep up shows as delivered < expected. Stops at the
first size that fails to set up and says where. First, `--setup-samples` times: how long a
newcomer takes from opening the Janus WebSocket to the first audio frame of a publisher
already in the room (join, publish, subscribe, ICE, DTLS). Prints and writes JSON to
bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import queue
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench.common import machine, percentile, write_result

FRAMES_PER_SECOND = 50  # aiortc sends 20 ms Opus frames


def _client(
    url: str,
    room: int,
    tokens: list[str],
    commands: Any,
    replies: Any,
    opus_kbps: int,
) -> None:
    """One client process: its share of the participants, driven by `commands`."""
    import aiortc.codecs.opus as opus

    original_init = opus.OpusEncoder.__init__

    def low_bitrate_init(self: Any) -> None:
        original_init(self)
        self.codec.bit_rate = opus_kbps * 1000  # the codec opens at the first frame

    opus.OpusEncoder.__init__ = low_bitrate_init  # type: ignore[method-assign]

    # Receivers count the encoded frames leaving their jitter buffers instead of decoding
    # them: 50 participants decoding 49 Opus streams each (122,500 frames/s) is far more
    # than the client side of this shared machine can do, and it is not what is measured.
    import aiortc.rtcrtpreceiver as receiver_module

    def counting_worker(loop: Any, input_q: Any, output_q: Any, decode_error: Any) -> None:
        output_q.zt_frames = 0
        while input_q.get() is not None:
            output_q.zt_frames += 1

    receiver_module.decoder_worker = counting_worker  # type: ignore[assignment]
    asyncio.run(_client_main(url, room, tokens, commands, replies))


def _noise_track() -> Any:
    """A microphone that never goes quiet: white noise, so Opus spends its whole bitrate
    (aiortc's own source is silence, a few hundred bytes a second)."""
    import fractions

    import av
    from aiortc.mediastreams import AudioStreamTrack

    class Noise(AudioStreamTrack):
        def __init__(self) -> None:
            super().__init__()
            self._buffers = [os.urandom(320) for _ in range(50)]
            self._n = 0

        async def recv(self) -> av.AudioFrame:
            frame = await super().recv()
            frame.planes[0].update(self._buffers[self._n % 50])
            self._n += 1
            frame.time_base = frame.time_base or fractions.Fraction(1, 8000)
            return frame

    return Noise()


async def _next_command(commands: Any) -> tuple[str, Any]:
    while True:
        try:
            command: tuple[str, Any] = commands.get_nowait()
            return command
        except queue.Empty:
            await asyncio.sleep(0.05)


async def _client_main(url: str, room: int, tokens: list[str], commands: Any, replies: Any) -> None:
    from tests.integration.janus_client import Participant

    people = [
        Participant(url, room, token, f"bench{i}", video=False, audio_source=_noise_track)
        for i, token in enumerate(tokens)
    ]
    try:
        for person in people:
            await person.join()
        await asyncio.gather(*(person.publish() for person in people))
        replies.put(("published", [person.publisher_id for person in people]))
        _, feeds = await _next_command(commands)
        # A feed can be subscribed to once its media is up (Janus lists it as a publisher).
        while set(feeds) - set(await people[0].publishing()):
            await asyncio.sleep(0.2)
        await asyncio.gather(
            *(person.subscribe([f for f in feeds if f != person.publisher_id]) for person in people)
        )
        replies.put(("subscribed", None))
        await _next_command(commands)  # window start
        start_frames = sum(_received(person) for person in people)
        start_sent = [await _sent(person) for person in people]
        started = time.monotonic()
        await _next_command(commands)  # window end
        elapsed = time.monotonic() - started
        frames = sum(_received(person) for person in people) - start_frames
        end_sent = [await _sent(person) for person in people]
        pairs = sum(
            1
            for person in people
            for pc in person.subscriber_pcs
            for receiver in pc.getReceivers()
            if getattr(receiver.track._queue, "zt_frames", 0) > 0
        )
        replies.put(
            (
                "measured",
                {
                    "frames": frames,
                    "elapsed": elapsed,
                    "publisher_bitrate_bps": [
                        8 * (e[0] - s[0]) / elapsed
                        for s, e in zip(start_sent, end_sent, strict=True)
                    ],
                    "publisher_packets": sum(
                        e[1] - s[1] for s, e in zip(start_sent, end_sent, strict=True)
                    ),
                    "pairs_receiving": pairs,
                },
            )
        )
        await _next_command(commands)  # stop
    except Exception as error:  # reported to the parent, which says where it stopped
        replies.put(("error", f"{type(error).__name__}: {error}"))
    finally:
        await asyncio.gather(*(person.close() for person in people), return_exceptions=True)
        replies.put(("closed", None))


def _received(person: Any) -> int:
    """Encoded frames received from Janus by all of `person`'s subscriptions so far."""
    return sum(
        getattr(receiver.track._queue, "zt_frames", 0)
        for pc in person.subscriber_pcs
        for receiver in pc.getReceivers()
    )


async def _sent(person: Any) -> tuple[int, int]:
    """(bytes, packets) `person` has published so far."""
    if person.publisher_pc is None:
        return 0, 0
    stats = [s for s in (await person.publisher_pc.getStats()).values() if s.type == "outbound-rtp"]
    return sum(int(s.bytesSent) for s in stats), sum(int(s.packetsSent) for s in stats)


def _expect(replies: Any, kind: str, count: int, timeout: float) -> list[Any]:
    out: list[Any] = []
    deadline = time.monotonic() + timeout
    while len(out) < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"{len(out)}/{count} clients reached '{kind}' in {timeout:.0f}s")
        got, data = replies.get(timeout=remaining)
        if got == "error":
            raise RuntimeError(data)
        if got == kind:
            out.append(data)
    return out


def run_size(server: Any, size: int, call_id: int, args: argparse.Namespace) -> dict[str, Any]:
    from backend.calls.media import janus as sfu

    room = sfu.room_ensure(call_id)
    tokens = [sfu.participant_token(call_id, user, f"bench-{user}") for user in range(size)]
    procs_count = max(1, min(args.client_procs, size))
    shares = [tokens[i::procs_count] for i in range(procs_count)]
    context = multiprocessing.get_context("spawn")
    commands = [context.Queue() for _ in shares]
    replies = context.Queue()
    procs = [
        context.Process(
            target=_client,
            args=(sfu.browser_url(), room, share, commands[i], replies, args.opus_kbps),
        )
        for i, share in enumerate(shares)
    ]
    janus = psutil.Process(server.proc.pid)
    result: dict[str, Any] = {"participants": size, "client_procs": procs_count}
    rss_before = janus.memory_info().rss
    setup_started = time.monotonic()
    for proc in procs:
        proc.start()
    try:
        feeds = [f for ids in _expect(replies, "published", procs_count, 60 + size) for f in ids]
        for command in commands:
            command.put(("subscribe", feeds))
        _expect(replies, "subscribed", procs_count, 60 + 4 * size)
        result["setup_seconds"] = round(time.monotonic() - setup_started, 1)
        time.sleep(args.warmup)
        load_start = os.getloadavg()
        out_start, out_start_at = _packets_out(server)
        cpu_start = janus.cpu_times()
        clients_cpu_start = sum(_cpu(p.pid) for p in procs)
        for command in commands:
            command.put(("window", None))
        started = time.monotonic()
        time.sleep(args.window)
        for command in commands:
            command.put(("window", None))
        elapsed = time.monotonic() - started
        cpu_end = janus.cpu_times()
        out_end, out_end_at = _packets_out(server)
        janus_out = (out_end - out_start) / (out_end_at - out_start_at)
        clients_cpu = sum(_cpu(p.pid) for p in procs) - clients_cpu_start
        measured = _expect(replies, "measured", procs_count, 60)
        janus_cpu = (cpu_end.user - cpu_start.user) + (cpu_end.system - cpu_start.system)
        frames = sum(m["frames"] for m in measured)
        client_elapsed = max(m["elapsed"] for m in measured)
        expected = size * (size - 1) * FRAMES_PER_SECOND * client_elapsed
        bitrates = [b for m in measured for b in m["publisher_bitrate_bps"]]
        packets_in = sum(m["publisher_packets"] for m in measured) / client_elapsed
        result.update(
            {
                "window_seconds": round(elapsed, 1),
                "janus_cpu_percent": round(100 * janus_cpu / elapsed, 1),
                "janus_rss_mib": round(janus.memory_info().rss / 2**20, 1),
                "janus_rss_growth_mib": round((janus.memory_info().rss - rss_before) / 2**20, 1),
                "janus_threads": janus.num_threads(),
                "clients_cpu_percent": round(100 * clients_cpu / elapsed, 1),
                "streams_forwarded": size * (size - 1),
                "pairs_receiving": sum(m["pairs_receiving"] for m in measured),
                "packets_in_per_s": round(packets_in),
                "janus_packets_out_per_s": round(janus_out),
                "frames_delivered_per_s": round(frames / client_elapsed),
                "frames_expected_per_s": round(expected / client_elapsed),
                "delivered_ratio": round(frames / expected, 3) if expected else None,
                "publisher_bitrate_kbps_mean": round(sum(bitrates) / len(bitrates) / 1000, 1),
                "loadavg_start": [round(x, 2) for x in load_start],
                "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            }
        )
        for command in commands:
            command.put(("stop", None))
    except (TimeoutError, RuntimeError, queue.Empty) as error:
        result["failed"] = f"{type(error).__name__}: {error}"
        for command in commands:
            command.put(("stop", None))
    finally:
        for proc in procs:
            proc.join(60)
            if proc.is_alive():
                proc.kill()
        sfu.room_destroy(call_id)
    return result


async def _setup_times(url: str, room: int, tokens: list[str]) -> list[float]:
    """Seconds from opening the Janus WebSocket to the first audio frame of a publisher
    already in the room, for each newcomer (tokens[0] is the publisher)."""
    from tests.integration.janus_client import Participant

    host = Participant(url, room, tokens[0], "host", video=False)
    await host.join()
    await host.publish()
    while host.publisher_id not in await host.publishing():
        await asyncio.sleep(0.05)
    times: list[float] = []
    try:
        for token in tokens[1:]:
            newcomer = Participant(url, room, token, "newcomer", video=False)
            started = time.monotonic()
            try:
                await newcomer.join()
                await newcomer.publish()
                await newcomer.subscribe([host.publisher_id])
                while not newcomer.frames:
                    await asyncio.sleep(0.005)
                times.append(time.monotonic() - started)
            finally:
                await newcomer.close()
    finally:
        await host.close()
    return times


def setup_latency(samples: int) -> dict[str, Any]:
    """join + publish + subscribe until the first decoded audio frame, `samples` times."""
    from backend.calls.media import janus as sfu

    call_id = 79_999
    room = sfu.room_ensure(call_id)
    tokens = [sfu.participant_token(call_id, user, f"setup-{user}") for user in range(samples + 1)]
    try:
        times = asyncio.run(_setup_times(sfu.browser_url(), room, tokens))
    finally:
        sfu.room_destroy(call_id)
    return {
        "samples": len(times),
        "p50_ms": round(1000 * (percentile(times, 50) or 0)),
        "p95_ms": round(1000 * (percentile(times, 95) or 0)),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def _packets_out(server: Any) -> tuple[int, float]:
    """janus's RTP packets sent so far, and when (the middle of the Admin API walk)."""
    before = time.monotonic()
    packets = server.packets_out()
    return packets, (before + time.monotonic()) / 2


def _cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with contextlib.suppress(psutil.Error):
        times = psutil.Process(pid).cpu_times()
        return float(times.user + times.system)
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--setup-samples", type=int, default=10)
    parser.add_argument("--opus-kbps", type=int, default=24, help="each publisher's Opus bitrate")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django
    from django.conf import settings

    django.setup()
    from tests.integration.media_servers import start_janus

    work = Path(tempfile.mkdtemp(prefix="zt-bench-sfu-"))
    janus = start_janus(work, rtp_ports=4000)
    for name, value in janus.settings().items():
        setattr(settings, name, value)
    settings.ZT_CALL_MAX_PARTICIPANTS = max(args.sizes)
    results: dict[str, Any] = {"machine": machine(), "janus": "Debian janus 1.1.2", "runs": []}
    try:
        idle = psutil.Process(janus.proc.pid)
        results["janus_idle_rss_mib"] = round(idle.memory_info().rss / 2**20, 1)
        if args.setup_samples:
            results["setup"] = setup_latency(args.setup_samples)
            print("--- SFU setup (join → first audio frame):", results["setup"], flush=True)
        for index, size in enumerate(args.sizes):
            print(f"--- {size} participants", flush=True)
            run = run_size(janus, size, 70_000 + index, args)
            print(run, flush=True)
            results["runs"].append(run)
            if "failed" in run:
                print(f"stopped at {size} participants: {run['failed']}", flush=True)
                break
    finally:
        janus.stop()
    path = write_result("sfu", results)
    print(f"written {path}")


if __name__ == "__main__":
    main()
