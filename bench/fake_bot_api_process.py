"""The fake Telegram Bot API (tests/fakes/bot_api.py) in a process of its own, for the Telegram benchmark.

``python -m bench.fake_bot_api_process`` prints ``port <n>`` once it listens on 127.0.0.1. It answers like
``FakeBotApi`` (no limits of its own: the limiters under test are the bots'), but keeps no call list (a long
run would fill the memory) and only the last few messages of a chat (those a bot may still edit). Besides the
Bot API it serves, for the load generator:

- ``GET /bench/counts``: successful and refused calls so far, per method (``{"ok": {...}, "refused": {...}}``);
- ``GET /bench/events``: a websocket that streams every successful ``sendMessage`` as JSON arrays of
  ``{"chat": id, "at": monotonic seconds when the fake answered it, "message": the message sent}``, batched.
"""

from __future__ import annotations

import asyncio
import collections
import json
import sys
import time
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.bot_api import Call, FakeBotApi

KEPT_PER_CHAT = 4  # messages a chat keeps for edits: the bots edit only the newest keyboard or two


class BenchBotApi(FakeBotApi):
    def __init__(self) -> None:
        super().__init__()
        self.ok: collections.Counter[str] = collections.Counter()
        self.refused: collections.Counter[str] = collections.Counter()
        self.watchers: list[asyncio.Queue[dict[str, Any]]] = []
        self.kept: dict[int, collections.deque[int]] = {}

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/bench/counts", self._counts)
        app.router.add_get("/bench/events", self._events)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server) and server.sockets
        self.port = server.sockets[0].getsockname()[1]

    async def _answer(self, call: Call, body: dict[str, Any]) -> web.Response:
        ok = call.status == 200
        (self.ok if ok else self.refused)[call.method] += 1
        if ok and call.method == "sendMessage":
            event = {"chat": int(call.params["chat_id"]), "at": time.monotonic(), "message": body["result"]}
            for queue in self.watchers:
                queue.put_nowait(event)
        payload = {"ok": ok, **body}
        if not ok:
            payload["error_code"] = call.status
        return web.json_response(payload, status=call.status)

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        message = super()._m_sendMessage(params)
        chat_id = int(params["chat_id"])
        kept = self.kept.setdefault(chat_id, collections.deque())
        kept.append(message["message_id"])
        while len(kept) > KEPT_PER_CHAT:
            self.messages.pop((chat_id, kept.popleft()), None)
        return message

    async def _counts(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": dict(self.ok), "refused": dict(self.refused)})

    async def _events(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.watchers.append(queue)
        closed = asyncio.create_task(_until_closed(socket))
        try:
            while not closed.done():
                getting = asyncio.create_task(queue.get())
                await asyncio.wait({getting, closed}, return_when=asyncio.FIRST_COMPLETED)
                if not getting.done():
                    getting.cancel()
                    break
                batch = [getting.result()]
                while not queue.empty():
                    batch.append(queue.get_nowait())
                await socket.send_str(json.dumps(batch))
        finally:
            self.watchers.remove(queue)
            closed.cancel()
        return socket


async def _until_closed(socket: web.WebSocketResponse) -> None:
    async for message in socket:
        if message.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
            break


async def main() -> None:
    fake = BenchBotApi()
    await fake.start()
    print(f"port {fake.port}", flush=True)
    try:
        await asyncio.Event().wait()  # until the benchmark terminates this process
    finally:
        await fake.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
