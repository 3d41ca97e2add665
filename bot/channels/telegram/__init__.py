"""The Telegram channel: python-telegram-bot under our own aiohttp server, by webhook or by polling.

``setup(app)`` is called by the app factory. Without ``telegram_token`` it only logs that Telegram is off.
With a token it adds the webhook route (unless polling) and a ``cleanup_ctx`` that runs the PTB
``Application`` (built with ``.updater(None)``): getMe, setMyCommands, then setWebhook (with the secret,
when ``public_url`` is set) or our polling loop, and it registers the channel in the hub.

Modules: ``channel`` (updates ↔ engine), ``render`` (one reply → one sendMessage with one keyboard), ``sender``
(the outbox, in order, within ``limits``, retried), ``webhook`` (a tap answered in its response), ``polling``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import ssl
from collections.abc import AsyncIterator
from typing import Any

import certifi
from aiohttp import web
from telegram import Bot, BotCommand
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

from bot.appkeys import ENGINE, HUB, I18N, SETTINGS
from bot.channels.telegram.channel import ALLOWED_UPDATES, CHANNEL, TelegramChannel
from bot.channels.telegram.polling import poll
from bot.channels.telegram.render import CallbackKeys
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.webhook import CHANNEL_KEY, SECRET_KEY, webhook
from bot.i18n import N_, I18n, _
from bot.settings import Settings, SettingsError, env_name
from bot.shutdown import DRAIN

__all__ = ["CHANNEL", "CHANNEL_KEY", "TelegramChannel", "setup"]

logger = logging.getLogger(__name__)

COMMANDS = (
    ("start", N_("Beginnen")),
    ("terug", N_("Terug naar de vorige vraag")),
    ("opnieuw", N_("Opnieuw beginnen")),
    ("mens", N_("Praat met een mens")),
    ("taal", N_("Een andere taal kiezen")),
    ("stop", N_("Stoppen")),
    ("help", N_("Wat kan ik typen?")),
    ("vergeet", N_("Mijn gesprek wissen")),
    ("privacy", N_("Wat ik bewaar en hoe lang")),
)
SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# The libraries under the channel and the least level they log at, whatever ``log_level`` is: at DEBUG
# python-telegram-bot writes every Bot API call with its parameters and answer (chat ids, the user's name and
# username, message texts), and httpx at INFO every URL, which holds the bot's token.
LIBRARY_LOG_LEVELS = {"telegram": logging.INFO, "httpx": logging.WARNING}
SENDER_GRACE = 10.0  # seconds for the chats being sent at a stop, in an app without bot.shutdown
TelegramApplication = Application[Any, Any, Any, Any, Any, Any]


def setup(app: web.Application) -> None:
    """Add the Telegram channel to ``app`` when a token is set; otherwise say that Telegram is off."""

    settings = app[SETTINGS]
    if not settings.telegram_token:
        logger.info("Telegram is off: no %s set", env_name("telegram_token"))
        return
    check_settings(settings)
    quiet_libraries()
    if not settings.telegram_polling:
        app[SECRET_KEY] = settings.telegram_webhook_secret
        app.router.add_post(settings.telegram_webhook_path, webhook)
    app.cleanup_ctx.append(_run)


def quiet_libraries() -> None:
    """Raise the libraries' loggers to ``LIBRARY_LOG_LEVELS`` (a stricter level set elsewhere stays)."""
    for name, level in LIBRARY_LOG_LEVELS.items():
        library = logging.getLogger(name)
        if library.level < level:  # NOTSET (0) too: it would follow the root logger down to DEBUG
            library.setLevel(level)


def check_settings(settings: Settings) -> None:
    """Refuse to start with Telegram settings that cannot work; the message names the key."""
    secret = settings.telegram_webhook_secret
    if not settings.telegram_polling and not secret:
        raise SettingsError(
            f"Setting 'telegram_webhook_secret' ({env_name('telegram_webhook_secret')}) is empty, and Telegram's "
            "webhook needs it: a random string of letters, digits, _ and -. Or serve with --polling."
        )
    if secret and not SECRET.fullmatch(secret):
        raise SettingsError(
            f"Setting 'telegram_webhook_secret' ({env_name('telegram_webhook_secret')}) is invalid: "
            "use 1 to 256 letters, digits, _ and -."
        )
    if not settings.telegram_webhook_path.startswith("/"):
        raise SettingsError(
            f"Setting 'telegram_webhook_path' ({env_name('telegram_webhook_path')}) is invalid: must start with /."
        )
    if settings.public_url and not settings.public_url.startswith(("https://", "http://")):
        raise SettingsError(f"Setting 'public_url' ({env_name('public_url')}) is invalid: must start with https://.")


def build_application(settings: Settings, requests: tuple[BaseRequest, BaseRequest]) -> TelegramApplication:
    """PTB's Application without its Updater: we receive updates ourselves (webhook route or polling).

    ``requests`` (general, getUpdates) are ours so we can close them when start-up fails halfway.
    """
    general, get_updates = requests
    return (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_base_url)
        .request(general)
        .get_updates_request(get_updates)
        .updater(None)
        .build()  # no PTB rate limiter: the sender keeps Telegram's limits and is the one retry layer
    )


async def register_commands(bot: Bot, i18n: I18n) -> None:
    """setMyCommands in every language we offer; a failure is logged and the bot runs on."""
    for code in i18n.locales:
        with i18n.use(code):
            commands = [BotCommand(name, _(description)) for name, description in COMMANDS]
        try:
            await bot.set_my_commands(commands, language_code=None if code == i18n.default else code)
        except TelegramError as exc:
            logger.warning("setMyCommands (%s) failed: %s; the bot runs without the command menu", code, exc)


@functools.cache
def tls() -> ssl.SSLContext:
    """One TLS context for every Bot API client of this process: each new one loads the whole CA bundle again."""
    return ssl.create_default_context(cafile=certifi.where())


async def _run(app: web.Application) -> AsyncIterator[None]:

    settings = app[SETTINGS]
    requests = (HTTPXRequest(httpx_kwargs={"verify": tls()}), HTTPXRequest(httpx_kwargs={"verify": tls()}))
    application = build_application(settings, requests)
    try:
        await application.initialize()  # getMe: a wrong token or an unreachable Bot API stops start-up here
    except TelegramError:
        await asyncio.gather(*(request.shutdown() for request in requests))
        logger.error(
            "Telegram: getMe failed at %s (check TELEGRAM_TOKEN and TELEGRAM_API_BASE_URL)",
            settings.telegram_api_base_url,
        )
        raise
    poller: asyncio.Task[None] | None = None
    engine = app[ENGINE]
    sender = TelegramSender(application.bot, engine.store.engine, CallbackKeys(), engine.metrics)
    channel = TelegramChannel(application.bot, engine, app[I18N], sender)
    sending: asyncio.Task[None] | None = None
    try:
        await application.start()
        engine.turns.senders[CHANNEL] = sender.wake
        sending = asyncio.create_task(sender.run(), name="telegram-sender")
        await register_commands(application.bot, app[I18N])
        if settings.telegram_polling:
            await application.bot.delete_webhook()
            poller = asyncio.create_task(poll(channel), name="telegram-polling")
        elif settings.public_url:
            url = settings.public_url.rstrip("/") + settings.telegram_webhook_path
            await application.bot.set_webhook(
                url, secret_token=settings.telegram_webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
        else:
            logger.warning(
                "Telegram: no public_url, so no webhook registered; updates arrive only if it was set elsewhere"
            )
        app[CHANNEL_KEY] = channel
        app[HUB].register(CHANNEL, channel)
        mode = "polling" if settings.telegram_polling else f"webhook at {settings.telegram_webhook_path}"
        logger.info("Telegram on as @%s (%s)", application.bot.username, mode)
        yield
    finally:
        app[HUB].unregister(CHANNEL)
        if poller is not None:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
        engine.turns.senders.pop(CHANNEL, None)
        if sending is not None:
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sending
            # the chats being sent finish within what is left of the stop's grace; the rest stays in the outbox
            await sender.stop(app[DRAIN].left() if DRAIN in app else SENDER_GRACE)
        if application.running:
            await application.stop()
        await application.shutdown()
