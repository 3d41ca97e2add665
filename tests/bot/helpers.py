"""Small helpers for driving the engine in tests."""

from __future__ import annotations

from bot.engine import Engine
from bot.messages import IncomingMessage, OutgoingMessage

CHANNEL = "test"


async def say(engine: Engine, text: str, chat_id: str = "c1", update_id: str | None = None) -> list[OutgoingMessage]:
    reply = await engine.handle(IncomingMessage(CHANNEL, chat_id, text=text, update_id=update_id))
    return reply.messages


async def tap(engine: Engine, key: str, chat_id: str = "c1") -> list[OutgoingMessage]:
    reply = await engine.handle(IncomingMessage(CHANNEL, chat_id, choice=key))
    return reply.messages


def option_keys(messages: list[OutgoingMessage]) -> dict[str, str]:
    """Label → key of every option and action shown in ``messages``."""
    return {c.label: c.key for m in messages for c in (*m.options, *m.actions)}


async def state_of(engine: Engine, chat_id: str = "c1") -> str:
    conversation = await engine.store.load(CHANNEL, chat_id)
    assert conversation is not None
    return conversation.state
