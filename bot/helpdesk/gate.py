"""``HelpdeskGate``: the engine's hand-off gate once people answer (replaces ``RecordingHandoff``).

``request`` puts the conversation in the queue (or, outside opening hours, says when we open and offers to
leave a message). ``relay`` runs first for every message: while the conversation is queued or live, the
user's words are kept for the agent and the tree does not run; ``mens`` says where you are, ``stop`` leaves.

A client (``IncomingMessage.client``, the web chat's keyed network address) may ask for a person a few times
an hour (``handoffs``): a script that asks thirty times pushes no child down the queue. Beyond that the user is
told kindly and gets the emergency numbers; the refusal is counted (``handoff_limited``). Telegram has no
client key: an account is one chat, and Telegram limits accounts itself.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.helpdesk import callback_texts, reference, texts
from bot.helpdesk.callback_request import CallbackRequests
from bot.helpdesk.desk import Helpdesk
from bot.helpdesk.referrals import Referrals
from bot.i18n import _
from bot.languages import LANGUAGE_PREFIX
from bot.matching import command_word, slash_command
from bot.messages import Action, IncomingMessage, OutgoingMessage
from bot.safety.help import emergency_numbers
from bot.screens import ACTION_PREFIX, FORGET_PREFIX, REFERRAL_PREFIX, render
from bot.turn import Turn
from storage.callbacks import CallbackStore
from storage.handoffs import PRIORITY_CRISIS, PRIORITY_LEFT_MESSAGE, PRIORITY_NORMAL
from storage.models import Conversation, Handoff
from storage.repository import Line

if TYPE_CHECKING:
    from bot.abuse import KeyedBuckets

logger = logging.getLogger(__name__)


class HelpdeskGate:
    def __init__(self, desk: Helpdesk, handoffs: KeyedBuckets | None = None) -> None:
        self.desk = desk
        self.handoffs = handoffs  # requests for a person per client; None: no limit
        self.callbacks = CallbackRequests(desk)  # "Bel me terug" (callback_request.py)

    async def request(self, turn: Turn, *, urgent: bool, witte_vlek: bool) -> None:
        """Queue the conversation once; outside hours say when we open and offer to leave a message."""
        conversation = turn.conversation
        if turn.handoff is not None:
            await self._where(turn, turn.handoff)
            return
        if self.desk.hours.is_open(self.desk.clock()):
            await self._enqueue(turn, urgent=urgent, witte_vlek=witte_vlek, after_hours=False)
            return
        logger.info("conversation %s asked for a person outside opening hours", conversation.id)
        turn.count("handoff_closed", conversation.state)
        day, time = self.desk.opening(conversation.locale)
        turn.say(*texts.closed(day, time, crisis=urgent, emergency=emergency_numbers(self.desk.dialog)))

    async def relay(self, turn: Turn, message: IncomingMessage) -> bool:
        conversation = turn.conversation
        if await self.callbacks.relay(turn, message):  # "Bel me terug", its questions, cancelling it
            return True
        if message.choice is not None and message.choice.startswith(REFERRAL_PREFIX):  # live or not (referrals.py)
            return await Referrals(self.desk).answer(turn, message.choice)
        if message.choice == texts.LEAVE_MESSAGE:
            turn.user_said(_("Bericht achterlaten"))
            if turn.handoff is None:
                dialog = self.desk.dialog
                urgent = dialog.has(conversation.state) and dialog.node(conversation.state).urgent
                urgent = urgent or "crisis" in conversation.facts
                closed = not self.desk.hours.is_open(self.desk.clock())  # it may have opened since
                await self._enqueue(turn, urgent=urgent, witte_vlek=False, after_hours=closed)
                return True
        handoff = turn.handoff
        if handoff is None:
            if turn.work is not None and (message.text or message.choice):
                await self.desk.presence.back(turn.unit, conversation)  # after having left: the console hears it
            return False
        if turn.crisis is not None:
            await self.desk.crisis(turn.unit, handoff, turn.crisis)
        command = _command(message)
        if command is Action.LANGUAGE or (message.choice or "").startswith(LANGUAGE_PREFIX):
            return False  # the engine switches the language; the place in the queue stays (``where``)
        if command is Action.FORGET or (message.choice or "").startswith(FORGET_PREFIX):
            return False  # the engine asks once, then deletes the conversation (``forget``)
        if command is Action.STOP:
            turn.lines.append(Line("system", "De gebruiker is gestopt."))
            await self.desk.user_left(turn.unit, handoff, "stop")
            turn.handoff = None
            return False  # the engine says goodbye as it always does
        if message.choice == texts.LEAVE_QUEUE:
            turn.user_said(_("Niet meer wachten"))
            await self.desk.user_left(turn.unit, handoff, "left_queue")
            turn.handoff = None
            turn.say(texts.left_queue())
            turn.say(*render(self.desk.dialog, conversation.state, bool(conversation.history)))
            return True
        if command is Action.HUMAN or message.choice is not None or _is_start(message):
            await self._where(turn, handoff)  # Telegram's /start (its menu, a new device): where they are, not silence
            return True
        text = _said(turn) if message.text else ""  # as the engine cleaned it (never the raw text)
        if text:
            self.desk.user_wrote(turn.unit, handoff, text)
            self.desk.presence.wrote(conversation.channel, conversation.chat_id)  # typing after it is news again
            if handoff.status == "queued" and handoff.id is not None:
                if await turn.unit.handoffs.count_message(handoff.id) == 0:
                    turn.say(texts.message_kept())
                turn.unit.after_commit(self.desk.queue_changed)
        return True

    async def forget(self, turn: Turn) -> None:
        """The user deletes the conversation: an open hand-off ends first, and the agent is told why."""
        if turn.handoff is not None:
            await self.desk.user_deleted(turn.unit, turn.handoff)
            turn.handoff = None

    async def where(self, turn: Turn) -> bool:
        if turn.handoff is None:
            return False
        await self._where(turn, turn.handoff)
        return True

    async def current(self, turn: Turn) -> Handoff | None:
        return await self._open(turn)

    async def offers(self, conversation: Conversation) -> list[OutgoingMessage]:
        """A warm referral the user can still answer or withdraw, a call-back they can cancel (buttons do not last
        on a web page)."""
        if conversation.id is None:
            return []
        shown = await Referrals(self.desk).offers(conversation.id)
        if await CallbackStore(self.desk.conversations.engine).open_for(conversation.id) is not None:
            shown.append(callback_texts.already_waiting())
        return shown

    async def _open(self, turn: Turn) -> Handoff | None:
        conversation_id = turn.conversation.id
        return None if conversation_id is None else await turn.unit.handoffs.open_for(conversation_id)

    async def _enqueue(self, turn: Turn, *, urgent: bool, witte_vlek: bool, after_hours: bool) -> None:
        conversation = turn.conversation
        if not await self._may_queue(turn):
            logger.info("conversation %s: request for a person refused (limit per client)", conversation.id)
            turn.count("handoff_limited", conversation.state)
            refused = [texts.busy_network(), emergency_numbers(self.desk.dialog)]
            turn.say(*(reversed(refused) if urgent else refused))  # in danger: the numbers first
            return
        work = turn.unit
        if conversation.id is None:  # a first message that asks for a person: the row must exist first
            await work.save(conversation)
        assert conversation.id is not None
        priority = PRIORITY_CRISIS if urgent else PRIORITY_LEFT_MESSAGE if after_hours else PRIORITY_NORMAL
        handoff = await work.handoffs.create(
            Handoff(
                conversation_id=conversation.id,
                priority=priority,
                crisis=urgent,
                witte_vlek=witte_vlek,
                after_hours=after_hours,
                requested_at=self.desk.clock(),
            )
        )
        turn.handoff = handoff
        turn.handed_over = True
        code = await reference.assign(work.conn, conversation)  # "je gesprekscode is K7-4QX" (reference.py)
        if conversation.handoff_requested_at is None:
            conversation.handoff_requested_at = handoff.requested_at
        turn.count("handoff_requested", conversation.state, "after_hours" if after_hours else "open")
        logger.info("conversation %s queued as hand-off %s (priority %s)", conversation.id, handoff.id, priority)
        if after_hours:
            day, time = self.desk.opening(conversation.locale)
            turn.say(texts.leave_a_message(day, time, code))
        else:
            place = await work.handoffs.position(handoff)
            turn.say(*texts.queued(place, await self.desk.estimate(), crisis=urgent, reference=code))
        self.desk.queued(work, conversation.id)

    async def _may_queue(self, turn: Turn) -> bool:
        """Within the limit of requests for a person from this client (a request uses one, in the turn's
        transaction: shared by all workers, and given back when the turn is rolled back)."""
        return turn.client is None or self.handoffs is None or await self.handoffs.take(turn.client, turn.unit.conn)

    async def _where(self, turn: Turn, handoff: Handoff) -> None:
        if handoff.status == "live":
            turn.say(texts.already_live(await self.desk.agent_name(handoff.agent_id)))
        else:
            place = await turn.unit.handoffs.position(handoff)
            turn.say(texts.still_waiting(place, await self.desk.estimate()))


PASSED = (Action.STOP.value, Action.HUMAN.value, Action.LANGUAGE.value, Action.FORGET.value)


def _said(turn: Turn) -> str:
    """What the user typed this turn, as kept in the transcript (cleaned, cut)."""
    return next((line.text for line in reversed(turn.lines) if line.sender == "user"), "")


def _is_start(message: IncomingMessage) -> bool:
    """``/start``: Telegram sends it from its menu; it is not a word for the agent."""
    return bool(message.text) and slash_command(message.text or "") is Action.RESTART


def _command(message: IncomingMessage) -> Action | None:
    """``stop``, ``mens``, ``taal``, ``vergeet`` (typed, as a slash command or a button); other words: the agent."""
    if message.choice is not None and message.choice.startswith(ACTION_PREFIX):
        name = message.choice.removeprefix(ACTION_PREFIX)
        return Action(name) if name in PASSED else None
    if message.text:
        found = slash_command(message.text) or command_word(message.text)
        return found if found in PASSED else None
    return None
