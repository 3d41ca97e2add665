"""A fake Telegram Bot API server for tests: a real aiohttp server on 127.0.0.1 with a random port.

Point python-telegram-bot at it with ``base_url=fake.base_url`` (PTB appends the token:
``http://127.0.0.1:<port>/bot<token>/<method>``), e.g. ``TELEGRAM_API_BASE_URL``. It implements getMe,
sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery, setMyCommands, sendChatAction,
getUpdates, setWebhook and deleteWebhook, like Telegram answers them (including 400 "message is not
modified"), and records every call.

For tests:
- ``calls`` (every ``Call``: method, params, status, time), ``calls_of(method)``, ``sent(chat_id)`` (the
  sendMessage params that succeeded), ``texts(chat_id)``, ``buttons(params)`` (label → callback_data).
- ``fail_next(method, status=500)`` or ``fail_next(method, status=429, retry_after=1)``: the next call of
  ``method`` fails like that (queue several by calling it again).
- ``hold(chat_id)``: calls for that chat wait until the returned ``asyncio.Event`` is set.
- ``queue_update(update)``: serve an update dict through getUpdates (which long-polls while empty).
- ``await wait_until(predicate)``: wait (up to ``within`` seconds) until ``predicate()`` is true, re-checked after
  every call; raises AssertionError listing the calls so far.
``Updates`` (tests/fakes/telegram_updates.py) builds the update dicts Telegram sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token_for-the-fake"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Wegwijzer", "username": "WegwijzerTestBot"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    status: int
    retry_after: int | None = None


class FakeBotApi:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {}
        self.commands: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._failures: dict[str, list[Failure]] = {}
        self._held: dict[int, asyncio.Event] = {}
        self._changed = asyncio.Condition()
        self._closing = False
        self._next_message_id = 1
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        # shutdown_timeout: a held long poll must not stall the teardown
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        for event in self._held.values():
            event.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # --- programming the fake -------------------------------------------------------------------------
    def fail_next(self, method: str, status: int = 500, retry_after: int | None = None) -> None:
        self._failures.setdefault(method, []).append(Failure(status, retry_after))

    def hold(self, chat_id: int) -> asyncio.Event:
        self._held[chat_id] = asyncio.Event()
        return self._held[chat_id]

    async def queue_update(self, update: dict[str, Any]) -> None:
        async with self._changed:
            self.updates.append(update)
            self._changed.notify_all()

    # --- reading what the bot did ---------------------------------------------------------------------
    def calls_of(self, method: str, ok: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok)]

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        return [c.params for c in self.calls_of("sendMessage") if int(c.params["chat_id"]) == chat_id]

    def texts(self, chat_id: int) -> list[str]:
        return [str(p["text"]) for p in self.sent(chat_id)]

    @staticmethod
    def buttons(params: dict[str, Any]) -> dict[str, str]:
        markup = params.get("reply_markup") or {}
        return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}

    async def wait_until(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(predicate), within)
            except TimeoutError:
                seen = "\n".join(f"  {c.status} {c.method} {c.params}" for c in self.calls)
                raise AssertionError(f"the fake Bot API never saw what the test waited for; calls:\n{seen}") from None

    # --- the server -----------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        if request.match_info["token"] != self.token:
            return await self._answer(Call(method, params, 401), {"description": "Unauthorized"})
        chat_id = int(params["chat_id"]) if "chat_id" in params else None
        if chat_id is not None and chat_id in self._held:
            await self._held[chat_id].wait()
        failures = self._failures.get(method)
        if method == "getUpdates" and not failures:
            return await self._get_updates(params)
        if failures:
            failure = failures.pop(0)
            body: dict[str, Any] = {"description": "Internal Server Error"}
            if failure.retry_after is not None:
                body = {
                    "description": "Too Many Requests: retry later",
                    "parameters": {"retry_after": failure.retry_after},
                }
            return await self._answer(Call(method, params, failure.status), body)
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return await self._answer(Call(method, params, 404), {"description": "Not Found: method not found"})
        try:
            result = handler(params)
        except ValueError as exc:
            return await self._answer(Call(method, params, 400), {"description": f"Bad Request: {exc}"})
        return await self._answer(Call(method, params), {"result": result})

    async def _answer(self, call: Call, body: dict[str, Any]) -> web.Response:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        payload = {"ok": call.status == 200, **body}
        if call.status != 200:
            payload["error_code"] = call.status
        return web.json_response(payload, status=call.status)

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        """PTB posts form fields, each a string or a JSON-encoded object or list; JSON bodies work too."""
        if request.content_type == "application/json":
            data: dict[str, Any] = await request.json()
            return data
        params: dict[str, Any] = {}
        for key, value in (await request.post()).items():
            params[key] = value
            if isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(ValueError):  # a text may start with "[" too
                    params[key] = json.loads(value)
        return params

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        """Long polling: recorded when it arrives, answered when an update is queued or ``timeout`` passed."""
        offset = int(params.get("offset") or 0)
        async with self._changed:
            self.calls.append(Call("getUpdates", params))
            self._changed.notify_all()
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            with contextlib.suppress(TimeoutError):
                long_poll = float(params.get("timeout") or 0)
                await asyncio.wait_for(self._changed.wait_for(lambda: bool(self.updates) or self._closing), long_poll)
            result = list(self.updates)
        return web.json_response({"ok": True, "result": result})

    # --- the methods ------------------------------------------------------------------------------------
    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return BOT_USER

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        if not text.strip():
            raise ValueError("message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            raise ValueError("message is too long")
        message = {
            "message_id": self._next_message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT_USER,
            "text": text,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._next_message_id += 1
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _edit(self, params: dict[str, Any], text: str | None) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise ValueError("message to edit not found")
        message = self.messages[key]
        markup = params.get("reply_markup") or None
        if (text is None or text == message["text"]) and markup == message.get("reply_markup"):
            raise ValueError("message is not modified")
        if text is not None:
            message["text"] = text
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._edit(params, str(params["text"]))

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._edit(params, None)

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _m_setMyCommands(self, params: dict[str, Any]) -> bool:  # noqa: N802
        self.commands = list(params["commands"])
        return True

    def _m_sendChatAction(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:  # noqa: N802
        self.webhook = dict(params)
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:  # noqa: N802
        self.webhook = {}
        return True
