"""Polling for local development (``wegwijzer serve --polling``): our own getUpdates loop.

The Application runs without PTB's Updater (``.updater(None)``) in both modes, so the updates of a poll
go through exactly the path a webhook call takes. A batch is processed concurrently (each chat in order,
see ``TelegramChannel.process``) and confirmed with the next ``offset``. An update whose engine step
failed is fetched again, at most ``ATTEMPTS`` times, like Telegram redelivers to a webhook.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.error import TelegramError

from bot.channels.telegram.channel import ALLOWED_UPDATES, TelegramChannel

logger = logging.getLogger(__name__)

LONG_POLL_SECONDS = 25
ATTEMPTS = 3
MAX_PAUSE = 60.0


async def poll(channel: TelegramChannel, long_poll: int = LONG_POLL_SECONDS) -> None:
    """Fetch and process updates until cancelled."""
    offset: int | None = None
    attempts: dict[int, int] = {}
    pause = 1.0
    while True:
        try:
            updates = await channel.bot.get_updates(offset=offset, timeout=long_poll, allowed_updates=ALLOWED_UPDATES)
        except TelegramError as exc:
            logger.warning("getUpdates failed (%s); trying again in %.0f s", type(exc).__name__, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE)
            continue
        pause = 1.0
        if not updates:
            continue
        results = await asyncio.gather(*(channel.process(update) for update in updates), return_exceptions=True)
        again = []
        for update, result in zip(updates, results, strict=True):
            if isinstance(result, Exception):
                logger.error("update %s failed", update.update_id, exc_info=result)
                attempts[update.update_id] = attempts.get(update.update_id, 0) + 1
                if attempts[update.update_id] < ATTEMPTS:
                    again.append(update.update_id)
                else:
                    logger.error("update %s failed %d times; skipped", update.update_id, ATTEMPTS)
        offset = min(again) if again else updates[-1].update_id + 1
        if again:
            await asyncio.sleep(pause)
        attempts = {uid: n for uid, n in attempts.items() if uid >= offset}
