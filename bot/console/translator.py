"""Machine translation for agents, through a self-hosted LibreTranslate server; off unless ``translation_url``.

With ``translation_url`` empty (the default) nothing here ever opens a connection: ``enabled`` is False, the
console shows no translation buttons and its translation routes answer 404. Set, it is the base address of
a LibreTranslate server the helpdesk runs itself; its API: ``POST /translate`` with JSON
``{"q", "source", "target", "format": "text"}`` answers ``{"translatedText": …}`` (an error as
``{"error": …}`` with a 4xx or 5xx status).

Every failure (no answer in time, refused, an error status, an answer without a translation) becomes a
``TranslationFailed`` whose message the console shows the agent; logs carry the status, never the text.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)
UNREACHABLE = "De vertaaldienst geeft geen antwoord. Probeer het later nog eens, of schrijf zonder vertaling."
REFUSED = "De vertaaldienst kon dit niet vertalen. Schrijf zonder vertaling, of vraag een collega."


class TranslationFailed(Exception):
    """No translation; ``str(exc)`` is a sentence for the agent (Dutch, no technical detail)."""


class TranslationOff(Exception):
    """``translation_url`` is empty: nothing may be sent anywhere."""


class Translator:
    """A client for one LibreTranslate server; ``start`` and ``close`` around its use (the console's cleanup_ctx)."""

    def __init__(self, url: str, *, timeout: aiohttp.ClientTimeout = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    async def start(self) -> None:
        if self.enabled and self._session is None:
            self._session = aiohttp.ClientSession()
            logger.info("machine translation for agents: on (LibreTranslate at the configured translation_url)")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def translate(self, text: str, source: str, target: str) -> str:
        """``text`` from ``source`` ("auto" to detect) into ``target``; raises TranslationFailed or TranslationOff."""
        if not self.enabled:
            raise TranslationOff
        if self._session is None:
            await self.start()
        assert self._session is not None
        body = {"q": text, "source": source, "target": target, "format": "text"}
        try:
            async with self._session.post(f"{self.url}/translate", json=body, timeout=self.timeout) as response:
                if response.status != 200:
                    logger.warning("translation service answered %s (%s → %s)", response.status, source, target)
                    raise TranslationFailed(UNREACHABLE if response.status >= 500 else REFUSED)
                answer: Any = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            logger.warning("translation service unreachable or garbled (%s)", type(exc).__name__)
            raise TranslationFailed(UNREACHABLE) from None
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str) or not translated.strip():
            logger.warning("translation service answered without a translation (%s → %s)", source, target)
            raise TranslationFailed(REFUSED)
        return translated.strip()
