"""``GET /privacy``: what Wegwijzer keeps, why, how long, who can read it and how to delete it, in every language.

The texts are ``bot.privacy.page`` (gettext, with the configured numbers); the template is
``templates/privacy.html`` in the web chat's jinja environment, its style ``static/privacy.css``. The language:
``?lang=`` when we offer it, else the language of the chat this browser has open (its session cookie), else the
default. The page carries the web chat's headers: ``no-store`` (it can show which language a chat is in), a
Content-Security-Policy that loads nothing from elsewhere and runs no script, and it may not be framed. No
cookie is set or changed. Wiring: ``setup(app)`` after the web chat's (``bot.app.create_app``).
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.appkeys import I18N, SETTINGS, STORE
from bot.channels.web import HSTS, WEB_ASSETS, WEB_CHANNEL, WEB_TEMPLATES, content_security_policy
from bot.channels.web_socket import CHANNEL
from bot.i18n import language_name, text_direction
from bot.privacy import PATH, Terms, page
from storage.outage import unreachable

logger = logging.getLogger(__name__)


def setup(app: web.Application) -> None:
    """Add the route (the web chat's ``setup`` has made the templates and assets)."""
    app.router.add_get(PATH, privacy_page)


async def privacy_page(request: web.Request) -> web.Response:
    """The privacy page in the asked-for language, or the chat's, or the default."""
    app = request.app
    i18n = app[I18N]
    settings = app[SETTINGS]
    locale = await _language(request)
    languages = [(code, language_name(code), f"{PATH}?lang={code}") for code in i18n.locales]
    with i18n.use(locale):
        html = (
            app[WEB_TEMPLATES]
            .get_template("privacy.html")
            .render(
                lang=locale,
                dir=text_direction(locale),
                page=page(Terms.of(settings)),
                languages=languages,
                assets=app[WEB_ASSETS],
                quick_exit_url=settings.quick_exit_url,
            )
        )
    response = web.Response(text=html, content_type="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = content_security_policy("'none'")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if settings.public_url.startswith("https://"):
        response.headers["Strict-Transport-Security"] = HSTS
    return response


async def _language(request: web.Request) -> str:
    """``?lang=`` if we offer it; else the language of the browser's open chat; else the default."""
    i18n = request.app[I18N]
    asked = request.query.get("lang", "").strip().lower()
    if i18n.offers(asked):
        return asked
    try:
        chat_id = await request.app[WEB_CHANNEL].sessions.chat_of(request)
        conversation = None if chat_id is None else await request.app[STORE].load(CHANNEL, chat_id)
    except Exception as error:
        if not unreachable(error):
            raise
        return i18n.default  # the database is away: the page needs none of it
    if conversation is not None and i18n.offers(conversation.locale):
        return conversation.locale
    return i18n.default
