"""The Telegram sender: delivers the outbox (``storage.outbox``) per chat in order, within Telegram's limits.

Every message to a Telegram user is an outbox row written in the transaction of the turn or agent action that
made it. This sender is the only way out, and the only retry layer (PTB's own rate limiter is not used):
- per chat in order, one row after the other; different chats at the same time;
- about ``OVERALL_PER_SECOND`` messages a second for the whole bot and, per private chat, a burst of
  ``CHAT_BURST`` and then about one a second;
- a 429 postpones the row (and so its chat) by ``retry_after``; a 5xx, a time-out or a network error by a
  growing pause, at most ``ATTEMPTS`` times; a refusal (400, 403: the user blocked the bot) drops the row;
- a row is deleted once Telegram took it. What can still happen: a crash after Telegram accepted a message
  and before its row was deleted sends that one message again after the restart (at most one duplicate).
- It runs in one worker of the deployment at a time (``storage.leader``), so the limits hold for all of them;
  the others wait to take over. It looks for work when a turn commits rows here (``wake``) and every
  ``POLL_SECONDS`` (rows written by another worker, rows whose pause is over).

One turn's rows (a ``batch``) leave as one Telegram message with one keyboard (``render.sends``; more pieces only
over Telegram's length limit), and they are deleted together, in one transaction, once it is sent. The keyboards of
earlier screens stay: closing each cost a call per step, and a tap on an old button is answered by the engine (the
question of now, with a word that the button was old; "Terug" and the other actions work on any screen). Only a
keyboard that asks for a one-time confirmation (``ONCE``: "Ja, wissen") is closed when the next reply has gone,
so a crash in between leaves those buttons rather than none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import timedelta

from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.channels.telegram import limits
from bot.channels.telegram.render import CallbackKeys, sends
from bot.logref import ref
from bot.messages import OutgoingMessage
from bot.metrics import Metrics
from bot.outbox import decode
from bot.screens import FORGET_PREFIX
from storage.leader import Leadership
from storage.models import utcnow
from storage.outbox import OutboxStore, Pending

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
POLL_SECONDS = 1.0
REFUSED = (BadRequest, Forbidden, InvalidToken, ChatMigrated)
ONCE = (FORGET_PREFIX,)  # buttons whose old keyboard is closed after the next reply (one-time confirmations)
LONG_NUMBER = re.compile(r"-?\d{6,}")  # a chat or user id; error codes, offsets and lengths are shorter


class TelegramSender:
    def __init__(self, bot: Bot, engine: AsyncEngine, keys: CallbackKeys, metrics: Metrics | None = None) -> None:
        self.bot = bot
        self.metrics = metrics or Metrics()  # send failures and 429s (``/metrics``)
        self.store = OutboxStore(engine)
        self.keys = keys
        self.leader = Leadership(engine, "telegram-sender")
        self.overall = AsyncLimiter(limits.OVERALL_PER_SECOND, 1.0)
        self.chat_limits = limits.ChatLimits()
        self.once: dict[str, int] = {}  # chat → its message whose keyboard asks a one-time confirmation
        self._wake = asyncio.Event()
        self._chats: dict[str, asyncio.Task[None]] = {}
        self._finished: set[str] = set()  # chats whose sending ended during this round's read

    def wake(self) -> None:
        """New rows were committed: look now, not at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled (the app's cleanup stops it)."""
        while True:
            self._wake.clear()
            try:
                if await self.leader.held():
                    await self._round()
            except Exception as exc:  # the database away: one line, and try again at the next poll
                logger.warning("telegram sender: outbox not read (%s); trying again", type(exc).__name__)
            with contextlib.suppress(TimeoutError):  # not wait_for: on 3.11 it can swallow our cancellation
                async with asyncio.timeout(POLL_SECONDS):
                    await self._wake.wait()

    async def stop(self, grace: float = 10.0) -> None:
        """Let the chats being sent finish (up to ``grace`` seconds); what is left stays in the outbox."""
        pending = set(self._chats.values())
        if pending:
            _done, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.leader.release()

    async def settle(self, within: float = 60.0) -> None:
        """Wait until nothing is left to send (tests; a drain before a planned stop)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._chats or await self.store.backlog(CHANNEL):
            if loop.time() > deadline:
                raise TimeoutError("the Telegram outbox did not empty")
            self.wake()
            await asyncio.sleep(0.02)

    async def _round(self) -> None:
        self._finished = set()
        due = await self.store.due(CHANNEL, utcnow())
        chats: dict[str, list[Pending]] = {}
        for row in due:
            # A chat being sent, or finished while we read (our rows of it may be sent already): next round.
            if row.chat_id not in self._chats and row.chat_id not in self._finished:
                chats.setdefault(row.chat_id, []).append(row)
        for chat_id, rows in chats.items():
            task = asyncio.create_task(self._send_chat(chat_id, rows), name=f"telegram-send-{ref(chat_id)}")
            self._chats[chat_id] = task
            task.add_done_callback(lambda _task, chat=chat_id: self._done(chat))  # type: ignore[misc]

    def _done(self, chat_id: str) -> None:
        self._chats.pop(chat_id, None)
        self._finished.add(chat_id)
        self.wake()  # rows that came in for this chat meanwhile

    async def _send_chat(self, chat_id: str, rows: list[Pending]) -> None:
        try:
            for group in batches(rows):
                if not await self._send_row(chat_id, group[0], group):
                    return  # postponed: the chat's later rows wait behind it
        except Exception:
            logger.exception("telegram sender: chat %s stopped; its rows stay in the outbox", ref(chat_id))

    async def _send_row(self, chat_id: str, row: Pending, group: list[Pending]) -> bool:
        """Send one turn's rows (``row`` first) as one message; True when the chat may go on, False: it must wait.

        A wait or a retry is kept on the first row, which holds the chat's later rows back (``OutboxStore.due``).
        """
        messages = [decode(r.payload) for r in group]
        once: int | None = None
        try:
            for piece in sends(messages, self.keys):
                async with self.overall, self.chat_limits.of(chat_id):
                    sent = await self.bot.send_message(
                        int(chat_id), piece.text, reply_markup=piece.markup, entities=piece.entities or None
                    )
                if piece.markup is not None and asks_once(messages):
                    once = sent.message_id
        except RetryAfter as exc:
            self.metrics.too_many_requests()
            wait = limits.retry_seconds(exc)
            logger.info("telegram asked to wait %.0f s before chat %s", wait, ref(chat_id))
            await self.store.later(row.id, utcnow() + timedelta(seconds=wait))
            return False
        except REFUSED as exc:
            self.metrics.send_failed(CHANNEL, "refused")
            logger.error(
                "message of batch %s not delivered to chat %s: refused (%s)", row.batch, ref(chat_id), why(exc)
            )
            await self._delete(group)
            return True
        except NetworkError as exc:  # 5xx, time-outs, connection errors (BadRequest is caught above)
            self.metrics.send_failed(CHANNEL, "gave_up" if row.attempts + 1 >= limits.ATTEMPTS else "network")
            if row.attempts + 1 >= limits.ATTEMPTS:
                logger.error(
                    "message of batch %s not delivered to chat %s after %d tries",
                    row.batch,
                    ref(chat_id),
                    limits.ATTEMPTS,
                )
                await self._delete(group)
                return True
            pause = limits.FIRST_PAUSE * 2**row.attempts
            logger.warning("send to chat %s failed (%s); again in %.0f s", ref(chat_id), type(exc).__name__, pause)
            await self.store.later(row.id, utcnow() + timedelta(seconds=pause))
            return False
        except TelegramError as exc:
            self.metrics.send_failed(CHANNEL, "error")
            logger.error("message of batch %s not delivered to chat %s: %s", row.batch, ref(chat_id), why(exc))
            await self._delete(group)
            return True
        await self._delete(group)
        if not (row.context or {}).get("keep"):
            await self._close_once(chat_id)
        if once is not None:
            self.once[chat_id] = once
        return True

    async def _delete(self, group: list[Pending]) -> None:
        """Telegram took these rows: delete them together (a crash never leaves half a reply to send again)."""
        await self.store.done_all([r.id for r in group])

    async def _close_once(self, chat_id: str) -> None:
        """After a new reply: take the buttons off a one-time confirmation (one try: one left is harmless)."""
        message_id = self.once.pop(chat_id, None)
        if message_id is None:
            return
        try:
            async with self.overall:
                await self.bot.edit_message_reply_markup(int(chat_id), message_id, reply_markup=None)
        except TelegramError as exc:
            logger.debug("keyboard of message %s in chat %s not closed: %s", message_id, ref(chat_id), why(exc))


def batches(rows: list[Pending]) -> list[list[Pending]]:
    """The rows in runs of one turn each (same ``batch``, one after the other), in order."""
    runs: list[list[Pending]] = []
    for row in rows:
        if runs and runs[-1][0].batch == row.batch:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def asks_once(messages: list[OutgoingMessage]) -> bool:
    """Whether a button of ``messages`` is a one-time confirmation (``ONCE``)."""
    return any(c.key.startswith(ONCE) for m in messages for c in (*m.options, *m.actions))


def why(exc: TelegramError) -> str:
    """What Telegram said, for the log, without ids: ``ChatMigrated``'s own text names the group's new chat id,
    and a long number in any other description is taken out the same way (a chat id is never logged in clear).
    """
    if isinstance(exc, ChatMigrated):
        return "ChatMigrated"
    return LONG_NUMBER.sub("…", str(exc))
