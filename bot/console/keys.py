"""Typed app keys of the console (on the product's app, so tests and the engine's wiring can reach them)."""

from __future__ import annotations

from aiohttp import web

from bot.console.auth import LoginLimiter
from bot.helpdesk.desk import Helpdesk
from storage.agents import AgentStore

HELPDESK = web.AppKey("helpdesk", Helpdesk)
AGENTS = web.AppKey("agents", AgentStore)
LIMITER = web.AppKey("login_limiter", LoginLimiter)
SOCKETS = web.AppKey("console_sockets", set[web.WebSocketResponse])
