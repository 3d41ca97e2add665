"""Chat with the wegwijzer in a terminal: numbered options, type the number or the words.

It uses the same engine and database as the server, so a conversation can be left and picked up again.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from bot.engine import Engine
from bot.i18n import _
from bot.messages import Choice, IncomingMessage, OutgoingMessage

logger = logging.getLogger(__name__)

CHANNEL = "terminal"


class TerminalChat:
    """Reads lines, sends them to the engine, prints the answers with numbered options."""

    def __init__(
        self,
        engine: Engine,
        chat_id: str,
        read_line: Callable[[], str] = input,
        out: TextIO = sys.stdout,
    ) -> None:
        self.engine = engine
        self.chat_id = chat_id
        self.read_line = read_line
        self.out = out
        self.choices: list[Choice] = []

    async def run(self) -> None:
        """Resume where the user was, or start; then chat until end of input."""
        current = await self.engine.screen(CHANNEL, self.chat_id)
        if current:
            with self.engine.i18n.use(await self._locale()):
                self._print_line(_("Welkom terug. We gaan verder waar je was."))
            self.show(current)
        else:
            await self.send(IncomingMessage(CHANNEL, self.chat_id, text="/start"))
        while True:
            try:
                line = await asyncio.to_thread(self.read_line)
            except (EOFError, KeyboardInterrupt):
                with self.engine.i18n.use(await self._locale()):
                    self._print_line("\n" + _("Tot ziens. Je gesprek is bewaard."))
                return
            await self.send(self.to_message(line))

    def to_message(self, line: str) -> IncomingMessage:
        """A number picks the numbered button; anything else goes to the engine as text."""
        stripped = line.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self.choices):
            return IncomingMessage(CHANNEL, self.chat_id, choice=self.choices[int(stripped) - 1].key)
        return IncomingMessage(CHANNEL, self.chat_id, text=line)

    async def send(self, message: IncomingMessage) -> None:
        reply = await self.engine.handle(message)
        self.show(reply.messages)

    def show(self, messages: Sequence[OutgoingMessage]) -> None:
        self.choices = []
        for message in messages:
            self._print_line("")
            self._print_line(message.plain())
            for choice in (*message.options, *message.actions):
                self.choices.append(choice)
                self._print_line(f"  {len(self.choices)}. {choice.label}")
        self._print_line("")
        self.out.write("> ")
        self.out.flush()

    async def _locale(self) -> str:
        conversation = await self.engine.store.load(CHANNEL, self.chat_id)
        return conversation.locale if conversation is not None else self.engine.i18n.default

    def _print_line(self, text: str) -> None:
        self.out.write(text + "\n")
