"""The helpdesk: the queue as a service for the engine's gate and the agents' console.

Every agent action is a unit of work on the conversation, like a user's turn (``storage.unit_of_work``): the
same lock, one transaction holding the conditional UPDATE of the hand-off (a claim race has exactly one winner,
across processes), the transcript line, the anonymous count and the outbox rows; the user and the consoles are
told only after the commit (web pages through the ``ChannelHub``, Telegram through its outbox sender).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.dialogs.dialog import Dialog
from bot.helpdesk import referral_offers, texts
from bot.helpdesk.hours import OpeningHours
from bot.helpdesk.live import LiveBus
from bot.helpdesk.presence import UserPresence
from bot.helpdesk.user_side import UserSide
from bot.hub import ChannelHub
from bot.i18n import SOURCE_LOCALE, I18n
from bot.matching import clean
from bot.messages import OutgoingMessage
from bot.metrics import Metrics
from bot.outbox import encode, uses_outbox
from storage.agents import AgentStore
from storage.handoffs import HandoffStore
from storage.models import Agent, Conversation, Handoff, utcnow
from storage.monitoring import Tally, about, wait_bucket
from storage.referrals import ReferralStore
from storage.repository import ConversationStore
from storage.unit_of_work import Turns, UnitOfWork

logger = logging.getLogger(__name__)

MAX_AGENT_TEXT = 4000
OUTCOMES = {
    "referred": "Doorverwezen naar een organisatie",
    "information": "Informatie gegeven",
    "witte_vlek": "Geen passende organisatie (witte vlek)",
    "user_left": "Gebruiker is weggegaan",
    "user_deleted": "Gebruiker is weggegaan en heeft het gesprek gewist",
}


Translate = Callable[[str, str, str], Awaitable[str]]  # (text, source, target) → translation


class NotYours(Exception):
    """The conversation is not live with this agent (any more)."""


@dataclass(frozen=True, slots=True)
class Live:
    """A live hand-off with its conversation, as an agent action needs them."""

    handoff: Handoff
    conversation: Conversation


class Helpdesk(UserSide):
    def __init__(
        self,
        conversations: ConversationStore,
        hub: ChannelHub,
        i18n: I18n,
        dialog: Dialog,
        hours: OpeningHours,
        *,
        disconnect_timeout: timedelta = timedelta(seconds=90),
        clock: Callable[[], datetime] = utcnow,
        turns: Turns | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.conversations = conversations
        self.turns = turns or Turns(conversations.engine)
        self.handoffs = HandoffStore(conversations.engine)
        self.agents = AgentStore(conversations.engine)
        self.hub = hub
        self.i18n = i18n
        self.dialog = dialog
        self.hours = hours
        self.disconnect_timeout = disconnect_timeout
        self.clock = clock
        self.metrics = metrics or Metrics()  # hand-offs ended, by outcome (``/metrics``)
        self.bus = LiveBus()
        self.presence = UserPresence(self.bus, conversations, self.handoffs, lambda: self.clock())  # typing, back

    # --- for agents ---------------------------------------------------------------------------------

    async def claim(self, agent: Agent, handoff_id: int) -> bool:
        """Take a waiting conversation; False when someone else was first (or it is gone)."""
        assert agent.id is not None
        async with self._unit(handoff_id) as (work, conversation):
            before = await work.handoffs.get(handoff_id)
            if conversation is None or not await work.handoffs.claim(handoff_id, agent.id, self.clock()):
                return False
            if before is not None and before.claimed_at is None:  # the first claim: how long the user waited
                wait = wait_bucket(self.clock() - before.requested_at)
                node = "after_hours" if before.after_hours else "open"
                work.count(about(conversation, "handoff_claimed", node=node, detail=wait))
            await self._tell(work, conversation, lambda: texts.agent_joined(agent.display_name))
            status = {"type": "status", "status": "live", "agent": agent.display_name, "agent_id": agent.id}
            self._publish(work, conversation.id, status)
            work.after_commit(self.queue_changed)
        logger.info("agent %s claimed hand-off %s", agent.id, handoff_id)
        return True

    async def reply(
        self, agent: Agent, handoff_id: int, text: str, original: str | None = None, message_id: str | None = None
    ) -> str:
        """Send the agent's words to the user; the text as sent (cleaned, cut to a message).

        ``original``: the Dutch that ``text`` was translated from (a canned reply, machine translation); the
        transcript and the consoles keep it beside what the user saw. ``message_id``: made by the console for
        this message, so a resend after an error is delivered once.
        """
        text, _cut = clean(text, MAX_AGENT_TEXT)
        if not text:
            await self.live(agent, handoff_id)
            return ""
        original = (clean(original, MAX_AGENT_TEXT)[0] or None) if original else None
        delivery = None if message_id is None else f"agent:{agent.id}:{message_id}"
        async with self._unit(handoff_id, delivery) as (work, conversation):
            if work.duplicate:
                logger.info("agent %s sent message %s before; not sent again", agent.id, message_id)
                return text
            live = await self._live_in(work, agent, handoff_id, conversation)
            conversation = live.conversation
            assert conversation.id is not None and agent.id is not None
            await work.handoffs.add_line(conversation.id, "agent", text, original if original != text else None)
            await self._send(work, conversation, [OutgoingMessage(text, kind="agent", author=agent.display_name)])
            await work.handoffs.touch(agent.id, self.clock())
            event = {"type": "message", "sender": "agent", "author": agent.display_name, "text": text}
            event["at"] = self.now_iso()
            if original and original != text:
                event["original"] = original
            self._publish(work, conversation.id, event)
        return text

    async def reply_translated(
        self, agent: Agent, handoff_id: int, dutch: str, translate: Translate, message_id: str | None = None
    ) -> str:
        """Send the agent's Dutch machine-translated into the user's language, saying so; the text as sent.

        The transcript keeps the Dutch beside it. ``translate(text, source, target)`` raises when it cannot.
        """
        live = await self.live(agent, handoff_id)  # before anything is sent to be translated
        dutch = clean(dutch, MAX_AGENT_TEXT)[0]
        if not dutch:
            return ""
        locale = live.conversation.locale
        translation = clean(await translate(dutch, SOURCE_LOCALE, locale), MAX_AGENT_TEXT)[0]
        with self.i18n.use(locale):
            text = texts.machine_translated(translation)
            overflow = len(text) - MAX_AGENT_TEXT
            if overflow > 0:  # cut the translation, never the line that says it is one
                text = texts.machine_translated(translation[: len(translation) - overflow].rstrip())
        return await self.reply(agent, handoff_id, text, original=dutch, message_id=message_id)

    async def typing(self, agent: Agent, handoff_id: int) -> None:
        live = await self.live(agent, handoff_id)
        await self.hub.typing(live.conversation.channel, live.conversation.chat_id)

    async def transfer(self, agent: Agent, handoff_id: int, to: Agent | None) -> bool:
        """To another agent, or (``to`` None) back to the queue at the place the first request earned."""
        owner = None if agent.role == "admin" else agent.id
        async with self._unit(handoff_id) as (work, conversation):
            live = await self._live_in(work, agent, handoff_id, conversation)
            conversation = live.conversation
            if to is None:
                if not await work.handoffs.requeue(handoff_id, owner):
                    return False
                handoff = await work.handoffs.get(handoff_id)
                assert handoff is not None
                place = await work.handoffs.position(handoff)
                await self._tell(work, conversation, lambda: texts.back_in_queue(place))
                self._publish(work, conversation.id, {"type": "status", "status": "queued"})
            else:
                assert to.id is not None
                if not to.active or not await work.handoffs.transfer(handoff_id, owner, to.id, self.clock()):
                    return False
                await self._tell(work, conversation, lambda: texts.agent_joined(to.display_name))
                status = {"type": "status", "status": "live", "agent": to.display_name, "agent_id": to.id}
                self._publish(work, conversation.id, status)
            work.after_commit(self.queue_changed)
        return True

    async def end(self, agent: Agent, handoff_id: int, outcome: str, note: str | None = None) -> bool:
        """Close the chat with an outcome code; the bot comes back and offers to start again or finish."""
        code = outcome.partition(":")[0]
        if code not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        owner = None if agent.role == "admin" else agent.id
        note = (clean(note, MAX_AGENT_TEXT)[0] or None) if note else None
        async with self._unit(handoff_id) as (work, conversation):
            live = await self._live_in(work, agent, handoff_id, conversation)
            conversation = live.conversation
            if not await work.handoffs.end(handoff_id, owner, outcome[:64], note, self.clock(), trigger="end"):
                return False
            assert conversation.id is not None
            open_referrals = (
                await ReferralStore(self.conversations.engine).bound(work.conn).awaiting_user(conversation.id)
            )

            def still_open() -> list[OutgoingMessage]:  # a page shows only its last screen's buttons
                return referral_offers.offers(open_referrals, self._organisation_name)

            await self._tell(work, conversation, lambda: texts.chat_ended(agent.display_name), more=still_open)
            self._publish(work, conversation.id, {"type": "status", "status": "ended", "reason": code})
            work.count(_outcome_tally(conversation, outcome, note))
            work.after_commit(self.queue_changed)
            self.metrics.handoff_ended(code, work)
        return True

    async def note(self, agent: Agent, conversation_id: int, text: str) -> str:
        text = clean(text, MAX_AGENT_TEXT)[0]
        if text:
            assert agent.id is not None
            await self.handoffs.add_note(conversation_id, agent.id, text)
            self.bus.publish(
                conversation_id, {"type": "note", "author": agent.display_name, "text": text, "at": self.now_iso()}
            )
        return text

    async def requeue_stale(self) -> int:
        """Give conversations of agents whose console is gone back to the queue; tell the user."""
        cutoff = self.clock() - self.disconnect_timeout
        moved = 0
        for stale in await self.handoffs.stale(cutoff):
            assert stale.id is not None
            async with self._unit(stale.id) as (work, conversation):
                if conversation is None or not await work.handoffs.requeue_if_stale(stale, cutoff):
                    continue
                moved += 1
                agent_name = await self.agent_name(stale.agent_id)
                place = await work.handoffs.position(stale)
                await self._tell(work, conversation, lambda: texts.agent_gone(agent_name, place))  # noqa: B023
                event = {"type": "status", "status": "queued", "reason": "timeout"}
                self._publish(work, stale.conversation_id, event)
                work.after_commit(self.queue_changed)
            logger.info("hand-off %s back in the queue: agent %s gone", stale.id, stale.agent_id)
        return moved

    # --- helpers ------------------------------------------------------------------------------------

    async def _handoff(self, handoff_id: int) -> Handoff:
        handoff = await self.handoffs.get(handoff_id)
        if handoff is None:
            raise NotYours(handoff_id)
        return handoff

    async def live(self, agent: Agent, handoff_id: int) -> Live:
        """The hand-off and its conversation, when it is live with this agent (any, for an admin); else NotYours."""
        handoff = _theirs(agent, await self._handoff(handoff_id))
        conversation = await self.conversations.get(handoff.conversation_id)
        if conversation is None:
            raise NotYours(handoff_id)
        return Live(handoff, conversation)

    @asynccontextmanager
    async def _unit(
        self, handoff_id: int, delivery: str | None = None
    ) -> AsyncIterator[tuple[UnitOfWork, Conversation | None]]:
        """The unit of work on the hand-off's conversation (its lock, one transaction), and the conversation."""
        handoff = await self._handoff(handoff_id)
        key = await self.conversations.get(handoff.conversation_id)
        if key is None:
            raise NotYours(handoff_id)
        async with self.turns.open(key.channel, key.chat_id, delivery) as work:
            yield work, (None if work.duplicate else await work.load())

    async def _live_in(
        self, work: UnitOfWork, agent: Agent, handoff_id: int, conversation: Conversation | None
    ) -> Live:
        """``_live``, read inside the unit of work (what another turn changed meanwhile counts)."""
        handoff = await work.handoffs.get(handoff_id)
        if handoff is None or conversation is None:
            raise NotYours(handoff_id)
        return Live(_theirs(agent, handoff), conversation)

    def _organisation_name(self, organisation_id: str) -> str:
        return referral_offers.organisation_name(self.dialog, organisation_id)

    async def _tell(
        self,
        work: UnitOfWork,
        conversation: Conversation,
        build: Callable[[], OutgoingMessage],
        more: Callable[[], list[OutgoingMessage]] = list,
    ) -> None:
        """Say something to the user in their language, in the transcript and the outbox of this unit of work
        (with ``more``: messages said before, sent again with it and not written down again)."""
        with self.i18n.use(conversation.locale):
            message = build()
            again = more()
        with self.i18n.use(SOURCE_LOCALE):
            dutch = build().text  # the same text in the source language, for the agents beside it
        original = dutch if dutch != message.text else None
        assert conversation.id is not None
        await work.handoffs.add_line(conversation.id, "bot", message.text, original)
        await self._send(work, conversation, [message, *again])
        event = {"type": "message", "sender": "bot", "text": message.text, "at": self.now_iso()}
        if original is not None:
            event["original"] = original
        self._publish(work, conversation.id, event)

    async def _send(self, work: UnitOfWork, conversation: Conversation, messages: list[OutgoingMessage]) -> None:
        """To the user: outbox rows for a channel that has an outbox, else a push once committed."""
        channel, chat_id = conversation.channel, conversation.chat_id
        if uses_outbox(channel):
            keep = not any(m.options or m.actions for m in messages)  # a plain line leaves the keyboard live
            payloads = [encode(m) for m in messages]
            await work.send(channel, chat_id, conversation.id, uuid.uuid4().hex, payloads, {"keep": keep})
        else:

            async def push() -> None:
                await self.hub.deliver(channel, chat_id, messages)

            work.after_commit(push)

    async def agent_name(self, agent_id: int | None) -> str:
        agent = None if agent_id is None else await self.agents.get(agent_id)
        return agent.display_name if agent else "De medewerker"


def _outcome_tally(conversation: Conversation, outcome: str, note: str | None) -> Tally:
    """The anonymous count of an agent's end: the code; for a referral the organisation, for a witte vlek the
    agent's short note (the agent's words of what did not fit, never the user's)."""
    code, _sep, organisation = outcome.partition(":")
    detail = organisation if code == "referred" else (note or "") if code == "witte_vlek" else ""
    return about(conversation, "handoff_outcome", node=code, detail=detail)


def _theirs(agent: Agent, handoff: Handoff) -> Handoff:
    """``handoff`` when it is live with ``agent`` (any live one, for an admin); else NotYours."""
    if handoff.status != "live" or (handoff.agent_id != agent.id and agent.role != "admin"):
        raise NotYours(handoff.id)
    return handoff
