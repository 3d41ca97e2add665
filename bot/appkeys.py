"""Typed keys of what the app factory puts on the application (``app[ENGINE]`` …).

Their own module, so channels and the console can read them without importing the factory that imports
them.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.helpdesk.desk import Helpdesk
from bot.hub import ChannelHub
from bot.i18n import I18n
from bot.metrics import Metrics
from bot.settings import Settings
from storage.repository import ConversationStore
from storage.unit_of_work import Turns

SETTINGS = web.AppKey("settings", Settings)
DIALOG = web.AppKey("dialog", Dialog)
I18N = web.AppKey("i18n", I18n)
DATABASE = web.AppKey("database", AsyncEngine)
STORE = web.AppKey("store", ConversationStore)
HUB = web.AppKey("hub", ChannelHub)
TURNS = web.AppKey("turns", Turns)
HELPDESK = web.AppKey("helpdesk", Helpdesk)
ENGINE = web.AppKey("engine", Engine)
METRICS = web.AppKey("metrics", Metrics)  # this app's own registry (bot/metrics.py)
