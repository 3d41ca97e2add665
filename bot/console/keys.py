"""Typed app keys of the console (on the product's app); the helpdesk itself is ``bot.appkeys.HELPDESK``."""

from __future__ import annotations

from aiohttp import web

from bot.console.dutch_source import DutchSources
from bot.console.limiter import LoginLimiter, Network
from bot.console.sockets import ConsoleSockets
from bot.console.translator import Translator
from storage.agents import AgentStore

AGENTS = web.AppKey("agents", AgentStore)
LIMITER = web.AppKey("login_limiter", LoginLimiter)
SOCKETS = web.AppKey("console_sockets", ConsoleSockets)
TRUSTED_PROXIES = web.AppKey("console_trusted_proxies", tuple[Network, ...])
TRANSLATOR = web.AppKey("translator", Translator)
DUTCH = web.AppKey("dutch_sources", DutchSources)
LANGUAGES = web.AppKey("agent_languages", tuple[str, ...])  # the codes an agent may record (agent_languages)
