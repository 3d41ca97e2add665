"""The bare python-telegram-bot echo bot the Telegram benchmark compares the product with.

``python -m bench.echo_bot --port P --base-url URL --token T --secret S [--limiter]`` serves a webhook at
``/telegram/webhook`` (with the secret header checked, like ours) that puts each update on PTB's
``update_queue``; the ``Application`` answers a tap (answerCallbackQuery) and replies to every message and tap
with one message with one inline button. No database, nothing kept. ``--limiter`` adds PTB's
``AIORateLimiter`` (Telegram's limits as PTB keeps them). It prints ``ready`` once it listens.

Updates are handled one after the other, PTB's default: that is also its fastest here. With
``--concurrency 1024`` (``concurrent_updates``) and 50 users the echo bot spent 58 ms of CPU per update
instead of 7, two thirds of it in httpx/httpcore's connection pool (``_assign_requests_to_connections`` and
``has_expired`` run over every connection for every request: quadratic in the requests in flight).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import logging
import sys
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bench import load
from bench.product_process import SECRET, SECRET_HEADER, WEBHOOK_PATH
from tests.fakes.bot_api import TOKEN

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Verder", callback_data="opt:next")]])
CONCURRENCY = 1  # PTB's default (one update after the other); see the module's docstring
EchoApplication = Application[Any, Any, Any, Any, Any, Any]


@contextlib.asynccontextmanager
async def running(
    fake_url: str, limited: bool, concurrency: int = CONCURRENCY
) -> AsyncIterator[tuple[load.Server, str]]:
    """The echo bot on the fake at ``fake_url``, in its own process; yields the process and its base URL."""
    port = load.free_port()
    args = ["--port", str(port), "--base-url", fake_url + "/bot", "--token", TOKEN, "--secret", SECRET]
    args += ["--concurrency", str(concurrency)]
    server = await load.start("bench.echo_bot", args + (["--limiter"] if limited else []), ready="ready")
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        await load.stop(server)


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One message with one button, to every message and tap."""
    chat = update.effective_chat
    if update.callback_query is not None:
        await update.callback_query.answer()
    if chat is not None:
        text = update.message.text if update.message is not None and update.message.text else "Verder"
        await context.bot.send_message(chat.id, text, reply_markup=KEYBOARD)


def build(base_url: str, token: str, limiter: bool, concurrency: int = 1) -> EchoApplication:
    builder = ApplicationBuilder().token(token).base_url(base_url).updater(None)
    builder = builder.concurrent_updates(concurrency if concurrency > 1 else False)
    if limiter:
        builder = builder.rate_limiter(AIORateLimiter())  # type: ignore[arg-type]
    application: EchoApplication = builder.build()
    application.add_handler(MessageHandler(filters.ALL, reply))
    application.add_handler(CallbackQueryHandler(reply))
    return application


def webhook_app(application: EchoApplication, secret: str) -> web.Application:
    async def webhook(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret.encode()):
            return web.Response(status=403)
        await application.update_queue.put(Update.de_json(await request.json(), application.bot))
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, webhook)
    return app


async def serve(args: argparse.Namespace) -> None:
    application = build(args.base_url, args.token, args.limiter, args.concurrency)
    runner = web.AppRunner(webhook_app(application, args.secret), access_log=None, handle_signals=False)
    async with application:
        await application.start()
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", args.port, backlog=1024).start()
        print("ready", flush=True)
        try:
            await asyncio.Event().wait()  # until the benchmark terminates this process
        finally:
            await runner.cleanup()
            await application.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--limiter", action="store_true")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help="updates handled at once")
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(serve(parser.parse_args()))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
