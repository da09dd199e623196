"""The floor for `bench.fanout`: a bare asyncio `websockets` broadcaster, no database.

It speaks just enough of the protocol for the fan-out clients (`hello`,
`resume` → ack, `send` → a `message.new` to every member of the conversation
and an ack with the message's `seq`), keeps nothing but counters in memory,
encodes each event once and writes it with `websockets.broadcast`. What the
real server costs above this is the price of durability, checks and Django.

    python -m bench.floor --port 8765 --members '{"7": [0, 1, 2]}'

Tickets are `u<user index>`; `members` maps conversation id → user indexes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qs, urlsplit


async def serve(port: int, members: dict[int, list[int]]) -> None:
    import websockets
    from websockets.asyncio.server import ServerConnection, broadcast

    sockets: dict[int, ServerConnection] = {}
    seqs: dict[int, int] = defaultdict(int)
    message_ids = iter(range(1, 1 << 62))

    async def handle(ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
        user = int((query.get("ticket") or ["u-1"])[0][1:])
        sockets[user] = ws
        try:
            await ws.send(
                json.dumps({"type": "hello", "user_id": user, "server_time": time.time()})
            )
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "resume":
                    reply: dict[str, Any] = {"positions": {}}
                elif kind == "send":
                    conversation_id = int(frame["conversation_id"])
                    seqs[conversation_id] += 1
                    seq = seqs[conversation_id]
                    message = {
                        "id": next(message_ids),
                        "conversation_id": conversation_id,
                        "seq": seq,
                        "kind": "text",
                        "sender": {"id": user, "name": f"压测{user}"},
                        "text": frame.get("text", ""),
                        "client_id": frame.get("client_id", ""),
                        "created_at": time.time(),
                        "mentions": [],
                        "mentions_all": False,
                        "reply_to": None,
                        "attachment": None,
                        "is_recalled": False,
                    }
                    event = {
                        "type": "event",
                        "event": "message.new",
                        "conversation_id": conversation_id,
                        "pos": seq,
                        "message": message,
                    }
                    text = json.dumps(event, ensure_ascii=False)  # once per event
                    targets = [sockets[u] for u in members.get(conversation_id, ()) if u in sockets]
                    broadcast(targets, text)
                    reply = {"duplicate": False, "message": message}
                else:
                    reply = {}
                await ws.send(json.dumps({"type": "ack", "id": frame.get("id"), "data": reply}))
        except websockets.ConnectionClosed:
            pass
        finally:
            if sockets.get(user) is ws:
                del sockets[user]

    async with websockets.serve(handle, "127.0.0.1", port, max_size=2**20, backlog=1024):
        await asyncio.Future()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--members", required=True, help="JSON: conversation id → user indexes")
    args = parser.parse_args()
    members = {int(k): list(v) for k, v in json.loads(args.members).items()}
    asyncio.run(serve(args.port, members))


if __name__ == "__main__":
    main()
