"""Telegram's limits as the sender keeps them: overall and per chat, and how long to wait after a refusal.

About 30 messages a second for the whole bot and about one a second in any chat, with short bursts allowed
(Telegram's bot FAQ). A 429 carries ``retry_after``; a 5xx or a network error gets a growing pause.
"""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

logger = logging.getLogger(__name__)

OVERALL_PER_SECOND = 30
CHAT_BURST = 5  # messages a private chat may get at once; then about one per second
ATTEMPTS = 8  # tries of one message on 5xx / network errors: pauses 1, 2, 4 … 64 s (about two minutes)
FIRST_PAUSE = 1.0  # seconds; doubles after every failed attempt
REMEMBERED_CHATS = 1024


def retry_seconds(exc: RetryAfter) -> float:
    """``retry_after`` as seconds, whichever type this PTB version hands out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ChatLimits:
    """A bucket per chat: ``burst`` messages at once, refilled at one a second (``CHAT_BURST`` when None)."""

    def __init__(self, burst: int | None = None) -> None:
        self.burst = burst
        self._chats: dict[str, AsyncLimiter] = {}

    def of(self, chat_id: str) -> AsyncLimiter:
        burst = self.burst or CHAT_BURST
        if len(self._chats) > REMEMBERED_CHATS:  # forget chats whose bucket is full again (idle for a while)
            for key, limiter in list(self._chats.items()):
                if limiter.has_capacity(limiter.max_rate):
                    del self._chats[key]
        if chat_id not in self._chats:
            self._chats[chat_id] = AsyncLimiter(burst, burst)
        return self._chats[chat_id]
