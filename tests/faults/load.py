"""The scripted load: Telegram users by webhook (with Telegram's retry contract), web-chat pages that reconnect
as ``bot/channels/static/chat.js`` does, and an agent replying in the console with a ``message_id``.

Every actor keeps what it was told (acknowledged, answered) so the test can check it against the fake Bot API's
records and the database afterwards. Texts are unique per actor and number, so each can be found back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.channels.web_frames import PROTOCOL
from bot.channels.web_session import COOKIE
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_harness import SECRET, SECRET_HEADER, WEBHOOK_PATH
from tests.fakes.telegram_updates import Updates

REASK = "Dat begreep ik niet"
TIMEOUT = aiohttp.ClientTimeout(total=10)


@dataclass
class Stats:
    """Counts over the whole run (for the table)."""

    updates_posted: int = 0  # POSTs to the webhook, redeliveries included
    updates: int = 0  # distinct updates
    acknowledged: int = 0  # distinct updates answered 2xx
    webhook_failures: Counter[str] = field(default_factory=Counter)  # status or error → count
    frames_sent: int = 0  # web frames put on a socket, resends included
    frames: int = 0  # distinct web frames typed
    frames_answered: int = 0
    frame_errors: Counter[str] = field(default_factory=Counter)
    reconnects: int = 0
    chat_switched: int = 0  # a reconnecting page was given another (new) conversation
    tickets_failed: int = 0
    agent_posts: int = 0
    agent_messages: int = 0
    agent_acknowledged: int = 0
    agent_failures: Counter[str] = field(default_factory=Counter)


class TelegramUser:
    """A Telegram user who types numbered texts; Telegram delivers each update until it gets a 2xx."""

    def __init__(self, name: str, chat_id: int, base: str, updates: Updates, api: FakeBotApi, stats: Stats) -> None:
        self.name = name
        self.chat_id = chat_id
        self.base = base
        self.updates = updates
        self.api = api
        self.stats = stats
        self.acked: list[tuple[int, str]] = []  # (update_id, text), in order
        self.expect_replies = True  # False while a person has the chat: the bot is silent
        self.numbers = itertools.count(1)

    async def deliver(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        """Telegram's contract: the same update again, later, until a 2xx."""
        self.stats.updates += 1
        headers = {SECRET_HEADER: SECRET}
        pause = 0.3
        while True:
            self.stats.updates_posted += 1
            try:
                async with http.post(self.base + WEBHOOK_PATH, json=update, headers=headers, timeout=TIMEOUT) as r:
                    status = r.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.stats.webhook_failures[type(exc).__name__] += 1
            else:
                if 200 <= status < 300:
                    self.stats.acknowledged += 1
                    text = update.get("message", {}).get("text", "")
                    self.acked.append((int(update["update_id"]), text))
                    return
                self.stats.webhook_failures[str(status)] += 1
            await asyncio.sleep(pause + random.uniform(0, 0.3))
            pause = min(pause * 2, 2.0)

    def replies(self) -> int:
        return sum(REASK in t for t in self.api.texts(self.chat_id))

    async def say(self, http: aiohttp.ClientSession, text: str) -> None:
        await self.deliver(http, self.updates.text(self.chat_id, text))

    async def run(self, http: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        """Numbered texts the bot does not understand (each gets the re-ask), one at a time, like a person."""
        while not stop.is_set():
            text = f"{self.name} bericht {next(self.numbers)}"
            before = self.replies()
            await self.say(http, text)
            if self.expect_replies:  # read the answer (or give up waiting after a while, as people do)
                with contextlib.suppress(AssertionError):
                    await self.api.wait_until(lambda before=before: self.replies() > before, within=2.5)  # type: ignore[misc]
            await asyncio.sleep(random.uniform(0.3, 1.2))

    def texts(self) -> list[str]:
        return [text for _id, text in self.acked if " bericht " in text]


@dataclass
class Pending:
    id: str
    frame: dict[str, Any]
    text: str
    tries: int = 0


class WebPage:
    """One browser tab of the web chat, doing what chat.js does (see its "Delivery" and "The socket" parts)."""

    def __init__(self, name: str, base: str, stats: Stats) -> None:
        self.name = name
        self.base = base
        self.stats = stats
        self.token: str | None = None
        self.seq = 0
        self.chat: str | None = None
        self.chats: list[str] = []  # every chat tag this page was given
        self.log: list[dict[str, Any]] = []  # what the page shows (a full history replaces it)
        self.pending: dict[str, Pending] = {}
        self.answered: dict[str, list[dict[str, Any]]] = {}  # frame id → the answer's messages
        self.typed: list[str] = []
        self.in_flight: str | None = None
        self.hold_until = 0.0
        self.ready = False
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.numbers = itertools.count(1)
        self._wake = asyncio.Event()
        self._empty = asyncio.Event()  # set while nothing waits for an answer
        self._empty.set()
        self._tickets: set[asyncio.Task[None]] = set()

    def cookies(self) -> dict[str, str]:
        headers = {"Origin": self.base}
        if self.token is not None:
            headers["Cookie"] = f"{COOKIE}={self.token}"
        return headers

    def type(self, text: str | None = None, key: str | None = None) -> str:
        frame_id = secrets.token_hex(12)
        frame: dict[str, Any] = {"type": "text", "id": frame_id, "text": text}
        if key is not None:
            frame = {"type": "choice", "id": frame_id, "key": key}
        self.pending[frame_id] = Pending(frame_id, frame, text or key or "")
        if text is not None:
            self.typed.append(text)
        self.stats.frames += 1
        self._empty.clear()
        self._wake.set()
        return frame_id

    async def answered_all(self, within: float) -> bool:
        """Wait (up to ``within`` seconds) until every typed frame has its answer."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._empty.wait(), within)
        return not self.pending

    async def _take_ticket(self, http: aiohttp.ClientSession, ticket: str) -> None:
        """chat.js ``takeTicket``: POST it; on a 5xx or a network error again after 1, 2, 4, then every 8 s."""
        for attempt in range(10):
            try:
                async with http.post(
                    self.base + "/chat/rotate", json={"ticket": ticket}, headers=self.cookies(), timeout=TIMEOUT
                ) as r:
                    if r.status < 500:
                        if r.status == 204 and COOKIE in r.cookies:
                            self.token = r.cookies[COOKIE].value
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(min(2**attempt, 8))
        self.stats.tickets_failed += 1

    async def _pump(self) -> None:
        """Send the oldest waiting frame when nothing is on its way (and the server asked not to wait)."""
        if not self.ready or self.in_flight is not None or self.ws is None or not self.pending:
            return
        loop = asyncio.get_running_loop()
        if loop.time() < self.hold_until:
            return
        entry = next(iter(self.pending.values()))
        self.in_flight = entry.id
        self.stats.frames_sent += 1
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.send_str(json.dumps(entry.frame))

    def _receive(self, http: aiohttp.ClientSession, data: dict[str, Any]) -> None:
        kind = data.get("type")
        if kind == "history":
            if data.get("after", 0) == 0:
                if self.chat is not None and data.get("chat") != self.chat:
                    self.stats.chat_switched += 1
                self.log = list(data["messages"])
            else:
                self.log.extend(data["messages"])
            self.seq = int(data.get("seq") or 0)
            self.chat = data.get("chat")
            if self.chat is not None and self.chat not in self.chats:
                self.chats.append(self.chat)
            self.ready = True
            self.in_flight = None
        elif kind == "messages":
            if isinstance(data.get("seq"), int):
                self.seq = data["seq"]
            entry = self.pending.pop(data["reply_to"], None) if data.get("reply_to") else None
            if entry is not None:
                self.stats.frames_answered += 1
                self.answered[entry.id] = list(data["messages"])
                if self.in_flight == entry.id:
                    self.in_flight = None
            self.log.extend(data["messages"])
        elif kind == "rotate":
            task = asyncio.create_task(self._take_ticket(http, data["ticket"]))
            self._tickets.add(task)
            task.add_done_callback(self._tickets.discard)
        elif kind == "error":
            self.stats.frame_errors[data["code"]] += 1
            entry = self.pending.get(data.get("reply_to") or "")
            again = data["code"] in ("too_fast", "unavailable") or (
                data["code"] == "server_error" and entry is not None and entry.tries < 3
            )
            if entry is not None and data.get("retry") and again:
                entry.tries += 1
                self.in_flight = None
                backoff = 0.0 if data["code"] == "too_fast" else min(8.0, 0.5 * 2**entry.tries)
                loop = asyncio.get_running_loop()
                self.hold_until = loop.time() + max(float(data.get("retry_after") or 0) + 0.05, backoff)
                self._wake.set()
            elif entry is not None:  # can never be used: the page drops it (the test counts it as lost)
                self.pending.pop(entry.id, None)
                if self.in_flight == entry.id:
                    self.in_flight = None
        if not self.pending:
            self._empty.set()

    async def connect_forever(self, http: aiohttp.ClientSession, done: asyncio.Event) -> None:
        """The socket: reconnects by itself (chat.js backoff 0.8 … 12.8 s), says first what it has (resume)."""
        retries = 0
        while not done.is_set():
            code: int | None = None
            if self._tickets:  # chat.js: a reconnect waits for a ticket's trade (the old cookie opens nothing)
                await asyncio.wait(set(self._tickets))
            try:
                async with http.ws_connect(
                    self.base.replace("http", "ws") + "/chat/ws",
                    protocols=[PROTOCOL],
                    headers=self.cookies(),
                    timeout=aiohttp.ClientWSTimeout(ws_close=2),
                ) as ws:
                    self.ws = ws
                    retries = 0
                    await ws.send_str(json.dumps({"type": "resume", "seq": self.seq, "chat": self.chat}))
                    reader = asyncio.create_task(self._read(http, ws))
                    while not reader.done() and not done.is_set():
                        await self._pump()
                        self._wake.clear()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), 0.1)
                    if not reader.done():
                        await ws.close()
                    with contextlib.suppress(Exception):
                        await reader
                    code = ws.close_code
            except (aiohttp.ClientError, TimeoutError, ConnectionError):
                pass
            self.ws = None
            self.ready = False
            self.in_flight = None  # its answer may be lost: it goes again after the reconnect, same id
            if done.is_set():
                break
            self.stats.reconnects += 1
            if code == 4401:
                await asyncio.sleep(1.5)
                continue
            retries = min(retries + 1, 5)
            await asyncio.sleep(0.4 * 2**retries)
        for task in list(self._tickets):
            task.cancel()

    async def _read(self, http: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                self._receive(http, json.loads(msg.data))
                self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """The user types a numbered text every second or two, connected or not; the page sends them in turn."""
        while not stop.is_set():
            if len(self.pending) < 5:
                self.type(f"{self.name} bericht {next(self.numbers)}")
            await asyncio.sleep(random.uniform(0.8, 2.0))

    def shown(self, sender: str) -> list[str]:
        return [m["text"] for m in self.log if m.get("sender") == sender]


class Agent:
    """A person in the console: replies in claimed conversations, each message with its own ``message_id``,
    sent again with the same id after an error or a lost connection."""

    def __init__(self, base: str, stats: Stats) -> None:
        self.base = base
        self.stats = stats
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.sent: dict[int, list[str]] = {}  # hand-off id → texts acknowledged, in order
        self.numbers = itertools.count(1)

    async def close(self) -> None:
        await self.http.close()

    async def login(self, name: str, password: str) -> None:
        async with self.http.get(self.base + "/console/login") as page:
            token = re.search(r'name="login_token" value="([^"]+)"', await page.text())
        assert token is not None
        data = {"login_token": token.group(1), "name": name, "password": password}
        async with self.http.post(self.base + "/console/login", data=data, allow_redirects=False) as r:
            assert r.status == 303, await r.text()
        async with self.http.get(self.base + "/console/") as page:
            found = re.search(r'<meta name="csrf" content="([^"]+)">', await page.text())
        assert found is not None
        self.csrf = found.group(1)

    async def post(self, path: str, **data: Any) -> tuple[int, dict[str, Any]]:
        async with self.http.post(
            self.base + path, json=data, headers={"X-CSRF-Token": self.csrf}, allow_redirects=False, timeout=TIMEOUT
        ) as r:
            body = await r.json() if r.content_type == "application/json" else {}
            return r.status, body

    async def claim(self, handoff_id: int) -> None:
        status, body = await self.post(f"/console/h/{handoff_id}/claim")
        assert status == 200, (status, body)
        self.sent[handoff_id] = []

    async def reply(self, handoff_id: int, text: str) -> None:
        """Until a 2xx: the same text with the same ``message_id``."""
        message_id = secrets.token_hex(10)
        self.stats.agent_messages += 1
        pause = 0.3
        while True:
            self.stats.agent_posts += 1
            try:
                status, body = await self.post(f"/console/h/{handoff_id}/reply", text=text, message_id=message_id)
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.stats.agent_failures[type(exc).__name__] += 1
            else:
                if status == 200:
                    self.stats.agent_acknowledged += 1
                    self.sent[handoff_id].append(text)
                    return
                self.stats.agent_failures[str(status)] += 1
                assert status >= 500, (status, body)  # a 4xx would be a refusal: not what this load expects
            await asyncio.sleep(pause + random.uniform(0, 0.3))
            pause = min(pause * 2, 2.0)

    async def run(self, stop: asyncio.Event, names: dict[int, str]) -> None:
        """A message in each claimed conversation in turn, every half second to second and a half."""
        while not stop.is_set():
            for handoff_id, name in names.items():
                await self.reply(handoff_id, f"agent aan {name} bericht {next(self.numbers)}")
            await asyncio.sleep(random.uniform(0.5, 1.5))
