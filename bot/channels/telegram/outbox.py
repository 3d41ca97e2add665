"""Getting messages to Telegram: in order per chat, within the flood limits, retried when Telegram hiccups.

Why sending is not part of handling an update: the engine step is saved (with the update id) before
anything is sent, and the webhook answers 200 then. A send that fails is retried here (``retry_after`` on
429, growing pauses on 5xx and network errors), not by Telegram redelivering the update: a redelivered
update would be recognised as processed and answered with nothing. After the last attempt the failure is
logged with chat and update id; the user's next message shows the current question again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.logref import ref

logger = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 5
FIRST_PAUSE = 1.0  # seconds; doubles after every failed attempt
CHAT_BURST = 5  # messages a private chat may get at once; then about one per second
UNLIMITED_IN_CHAT = {"sendChatAction", "answerCallbackQuery"}
DRAIN_SECONDS = 10.0


class DeliveryFailed(Exception):
    """Telegram did not take a message, after retrying where retrying makes sense."""


def retry_seconds(exc: RetryAfter) -> float:
    """``retry_after`` as seconds, whichever type this PTB version hands out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def with_retries(call: Callable[[], Awaitable[T]], what: str, chat_id: str) -> T:
    """Run one Bot API call; retry 429s and passing errors; raise ``DeliveryFailed`` when it will not work."""
    pause = FIRST_PAUSE
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as exc:
            wait = retry_seconds(exc)
        except (BadRequest, Forbidden, InvalidToken, ChatMigrated) as exc:
            raise DeliveryFailed(f"{what} to chat {ref(chat_id)} refused: {exc}") from exc
        except NetworkError as exc:  # 5xx, time-outs and connection errors; BadRequest is caught above
            wait, pause = pause, pause * 2
            logger.warning("%s to chat %s failed (attempt %d): %s", what, ref(chat_id), attempt, type(exc).__name__)
        except TelegramError as exc:
            raise DeliveryFailed(f"{what} to chat {ref(chat_id)} failed: {exc}") from exc
        if attempt < ATTEMPTS:
            await asyncio.sleep(wait)
    raise DeliveryFailed(f"{what} to chat {ref(chat_id)} failed {ATTEMPTS} times")


class ChatOutbox:
    """Runs send jobs one after the other per chat; different chats never wait for each other."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Task[bool]] = {}

    def submit(self, chat_id: str, job: Callable[[], Coroutine[Any, Any, bool]]) -> asyncio.Task[bool]:
        """Queue ``job`` behind the chat's earlier jobs; the task's result says whether all was sent."""
        previous = self._tails.get(chat_id)
        task = asyncio.create_task(self._after(previous, job), name=f"telegram-send-{chat_id}")
        self._tails[chat_id] = task
        task.add_done_callback(lambda done: self._forget(chat_id, done))
        return task

    async def _after(self, previous: asyncio.Task[bool] | None, job: Callable[[], Coroutine[Any, Any, bool]]) -> bool:
        if previous is not None:
            await asyncio.wait([previous])  # not ``await previous``: cancelling us must not cancel it
        try:
            return await job()
        except Exception:
            logger.exception("telegram send job failed")
            return False

    def _forget(self, chat_id: str, task: asyncio.Task[bool]) -> None:
        if self._tails.get(chat_id) is task:
            del self._tails[chat_id]

    async def settle(self) -> None:
        """Wait until every queued send is done (tests, and the hand-off when it needs to know)."""
        while self._tails:
            await asyncio.wait(set(self._tails.values()))

    async def drain(self, grace: float = DRAIN_SECONDS) -> None:
        """Let queued sends finish (up to ``grace`` seconds), then cancel what is left."""
        pending = set(self._tails.values())
        if pending:
            _done, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


class ChatRateLimiter(AIORateLimiter):
    """PTB's limiter (30 per second overall, the group limits, ``retry_after`` on 429) plus private chats.

    ``AIORateLimiter`` only limits groups per chat. Telegram asks for about one message per second in any
    chat and allows short bursts: a bucket of ``CHAT_BURST`` that refills at one per second.
    """

    def __init__(self, *, max_retries: int = 3, chat_burst: int | None = None) -> None:
        super().__init__(max_retries=max_retries)
        self._burst = chat_burst or CHAT_BURST
        self._chats: dict[int, AsyncLimiter] = {}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        if isinstance(chat_id, int) and chat_id > 0 and endpoint not in UNLIMITED_IN_CHAT:
            async with self._chat(chat_id):
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

    def _chat(self, chat_id: int) -> AsyncLimiter:
        if len(self._chats) > 1024:  # forget chats whose bucket is full again (idle for a while)
            for key, limiter in list(self._chats.items()):
                if limiter.has_capacity(self._burst):
                    del self._chats[key]
        if chat_id not in self._chats:
            self._chats[chat_id] = AsyncLimiter(self._burst, self._burst)
        return self._chats[chat_id]
