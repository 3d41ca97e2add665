"""The webhook route: Telegram POSTs each update here, with our secret in a header.

Answers: 403 when the secret is wrong or missing (nothing is read), 413 for a body over the app's
``client_max_size`` (64 KiB; an update is a few KiB), 400 for a body that is not an update, also for JSON nested
deeper than ``MAX_DEPTH`` (Telegram's own updates nest about ten deep, and a reply's message carries no further
reply, so only a forged or broken sender makes such a body; parsing it could raise ``RecursionError``, which must
never become a 500: Telegram delivers a failed update again and again), 503 while the database cannot be
reached (``storage.outage``: one warning line with the update's id, no traceback; nothing of the update was
kept, and Telegram delivers it again until the database is back), 500 when the engine step failed for any
other reason (a bug: logged once with its traceback; Telegram delivers the update again), else 200 as soon as
the step is saved; sending the reply is the outbox's job (see ``outbox``). While the server stops, a new call
gets 503 too (``bot.shutdown``).

A tap is answered (``answerCallbackQuery``, which stops the spinner on the button) in the 200's body: Telegram
runs a method given as the reply to a webhook call, and so the bot makes one Bot API call less per tap. It is no
reply to the user (that leaves through the outbox), so nothing is lost if Telegram drops it. When the step failed,
the tap is answered by a call of its own before the 5xx, as the spinner would otherwise turn until the redelivery.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.shape import well_formed
from bot.http_bodies import read_body
from storage.outage import unreachable

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CHANNEL_KEY = web.AppKey("telegram", TelegramChannel)
SECRET_KEY = web.AppKey("telegram_webhook_secret", str)
RETRY_AFTER = "1"  # Telegram ignores it and backs off by itself; a proxy or a person may read it
MAX_DEPTH = 32  # objects and arrays inside each other; a real update stays well under 20


def too_deep(data: object, limit: int = MAX_DEPTH) -> bool:
    """Whether ``data`` nests objects/arrays deeper than ``limit`` (without recursion of its own)."""
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


async def webhook(request: web.Request) -> web.Response:
    """Check the secret, read the update, hand it to the channel."""
    expected = request.app[SECRET_KEY].encode()
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, expected):
        logger.warning("webhook call without the right secret refused")
        return web.Response(status=403)
    try:
        data = json.loads(await read_body(request))  # too big: 413 (client_max_size); too slow: 408 (http_bodies)
    except ValueError:  # not JSON, not UTF-8 (both ValueErrors), or a number of more digits than int() takes
        return web.Response(status=400, text="body is not JSON")
    except RecursionError:  # nested deeper than the parser's stack allows
        return web.Response(status=400, text="body is nested too deeply")
    if too_deep(data):
        return web.Response(status=400, text="body is nested too deeply")
    channel = request.app[CHANNEL_KEY]
    try:
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("no update_id")
        update = Update.de_json(data, channel.bot)
        if not well_formed(update):  # de_json checks no types (shape.py)
            raise TypeError("a field of the wrong type")
    except Exception as exc:
        logger.warning("webhook body is not a Telegram update: %s", type(exc).__name__)
        return web.Response(status=400, text="body is not a Telegram update")
    query = update.callback_query
    try:
        await channel.process(update, answer=False)
    except Exception as error:
        if query is not None:
            await channel.answer(query)
        if unreachable(error):
            logger.warning(
                "update %s not processed: the database cannot be reached (%s); Telegram will deliver it again",
                update.update_id,
                type(error).__name__,
            )
            return web.Response(status=503, headers={"Retry-After": RETRY_AFTER})
        logger.exception("update %s failed; Telegram will deliver it again", update.update_id)
        return web.Response(status=500)
    if query is not None:
        return web.json_response({"method": "answerCallbackQuery", "callback_query_id": query.id})
    return web.Response(status=200)
