"""'Bel me terug' in the conversation: the questions, the consent, the request, cancelling it.

Channel-neutral: it answers with the engine's messages and buttons, so Telegram and the web chat get it alike.
The gate (``HelpdeskGate.relay``) hands every message here first; ``relay`` returns True when it answered.

    "Bel me terug" (where the bot offers a person: queued, closed, busy)
      → the number, typed   (read with ``phone_numbers``; not a number we can call: say so, ask again)
      → the part of the day (buttons: only parts in which we are open, and "Maakt niet uit")
      → one consent question that repeats the number and the part of the day   [Ja, bel me] [Nee]
      → Ja: a ``callbacks`` row (``waiting``), counted; a confirmation that says when we can call at the earliest
    "Annuleer terugbellen" cancels it (the number is deleted at once); it is offered again when the user asks
    once more and when they come back (after stopping, or after ``RETURN_AFTER`` of quiet).
Once the turn is committed, the consoles hear of a new or cancelled request (``callback_events``: a count and an
id, never the number).

Privacy. The typed number never reaches the transcript: the user's line is kept as "(telefoonnummer)", and the
consent question (the one message that repeats it) is kept with that placeholder too. Between the steps the
number waits in ``conversation.facts["callback"]`` and nowhere else; it is removed when the request is made,
declined, or left (any other button, a command such as ``stop``/``opnieuw``/``terug``, words of danger); restart,
stop and ``/vergeet`` clear the facts anyway, and retention removes one left behind (``storage.retention``).
Logs carry ids and step names only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.helpdesk import callback_texts as texts
from bot.helpdesk import day_parts
from bot.helpdesk import texts as helpdesk_texts
from bot.helpdesk.callback_events import callbacks_changed
from bot.helpdesk.desk import Helpdesk
from bot.helpdesk.phone_numbers import parse_phone, shown_e164
from bot.matching import command_word, exact_option, fold, match_option, slash_command
from bot.messages import IncomingMessage, OutgoingMessage
from bot.screens import CALLBACK_PREFIX, render
from bot.turn import Turn
from storage.callbacks import PENDING_FACT, AlreadyWaiting, CallbackStore
from storage.handoff_lifecycle import LIVE, QUEUED
from storage.repository import Line

logger = logging.getLogger(__name__)

FACT = PENDING_FACT  # conversation.facts[FACT]: the questions under way, {"step": …, "phone": …, "part": …}
NUMBER, PART, CONSENT = "number", "part", "consent"
RETURN_AFTER = timedelta(hours=1)  # quiet this long, then a message: "you asked to be called, it still stands"


@dataclass(frozen=True, slots=True)
class Pending:
    """Where the questions are: ``step``, with the number (E.164) and part of the day given so far."""

    step: str
    phone: str | None = None
    part: str | None = None

    def saved(self) -> dict[str, Any]:
        return {key: value for key, value in (("step", self.step), ("phone", self.phone), ("part", self.part)) if value}


class CallbackRequests:
    """The user's side of call-backs; the console's side is ``bot.console.callbacks``."""

    def __init__(self, desk: Helpdesk) -> None:
        self.desk = desk

    async def relay(self, turn: Turn, message: IncomingMessage) -> bool:
        """Answer ``message`` when it belongs to a call-back; True when it did (the tree does not run)."""
        if turn.work is None:  # a welcome that stores nothing
            return False
        key = message.choice or ""
        pending = _pending(turn)
        if key.startswith(CALLBACK_PREFIX):
            return await self._choice(turn, key, pending)
        if pending is None:
            await self._still_there(turn)
            return False
        text = message.text
        command = text is not None and _is_command(text)
        if pending.step == NUMBER and text is not None and not command:
            _hide_number(turn)  # whatever was typed here: it may be (part of) a number
        if turn.crisis is not None or text is None or command:
            _forget(turn)  # the user went elsewhere: the number typed so far goes
            logger.info("conversation %s left the call-back questions at %s", turn.conversation.id, pending.step)
            return False
        if pending.step == NUMBER:
            await self._number(turn, text)
        else:
            await self._typed_answer(turn, pending, text)
        return True

    # --- the steps ------------------------------------------------------------------------------------------

    async def _choice(self, turn: Turn, key: str, pending: Pending | None, *, typed: bool = False) -> bool:
        """A button of ours; ``typed``: its label was typed (the transcript has the words already)."""
        handoff = turn.handoff

        def said(label: str) -> None:
            if not typed:
                turn.user_said(label)

        if key == texts.START:
            if handoff is not None and handoff.status == LIVE:
                return False  # talking with a person already: the gate says so
            await self._start(turn)
        elif key == texts.CANCEL:
            said(texts.cancel_button().label)
            await self._cancel(turn)
        elif key == texts.NOT_NOW and pending is not None:
            said(texts.not_now_button().label)
            await self._decline(turn)
        elif key == texts.NO and pending is not None and pending.step == CONSENT:
            said(texts.no_label())
            await self._decline(turn)
        elif key == texts.YES and pending is not None and pending.step == CONSENT:
            said(texts.yes_label())
            await self._request(turn, pending)
        elif pending is not None and pending.step == PART and key in texts.PART_KEYS.values():
            part = next(part for part, part_key in texts.PART_KEYS.items() if part_key == key)
            said(texts.part_label(part))
            await self._part(turn, pending, part)
        elif pending is not None:
            turn.say(texts.stale())
            await self._ask(turn, pending)
        else:
            return False  # a button of questions that are over: the engine asks its own question again
        return True

    async def _start(self, turn: Turn) -> None:
        conversation = turn.conversation
        turn.user_said(texts.offer_button().label)
        conversation.status = "bot"  # back after a stop: talking again
        if conversation.id is not None and await _store(turn).open_for(conversation.id) is not None:
            _forget(turn)
            turn.say(texts.already_waiting())
            return
        _keep(turn, Pending(NUMBER))
        logger.info("conversation %s asks to be called back", conversation.id)
        turn.say(texts.ask_number())

    async def _number(self, turn: Turn, typed: str) -> None:
        number = parse_phone(typed)
        if number is None:
            logger.info("conversation %s: not a number we can call", turn.conversation.id)
            turn.say(texts.not_a_number(), texts.ask_number(again=True))
            return
        pending = Pending(PART, phone=number.e164)
        _keep(turn, pending)
        await self._ask(turn, pending)

    async def _part(self, turn: Turn, pending: Pending, part: str) -> None:
        if part not in day_parts.offered(self.desk.hours):
            await self._ask(turn, pending)
            return
        pending = Pending(CONSENT, phone=pending.phone, part=part)
        _keep(turn, pending)
        await self._ask(turn, pending)

    async def _typed_answer(self, turn: Turn, pending: Pending, text: str) -> None:
        """A part of the day or yes/no typed instead of tapped; anything else: the question again."""
        question = self._question(pending)
        labels = [option.label for option in question.options]
        index = exact_option(text, labels)
        index = index if index is not None else match_option(text, labels)
        index = index if index is not None else _first_word(text, labels)
        if index is None:
            turn.say(texts.choose())
            await self._ask(turn, pending)
            return
        await self._choice(turn, question.options[index].key, pending, typed=True)

    async def _request(self, turn: Turn, pending: Pending) -> None:
        """Yes: the request exists (in this turn's transaction), the facts forget the number, the user is told."""
        conversation = turn.conversation
        work = turn.unit
        assert pending.phone is not None and pending.part is not None
        _forget(turn)
        if conversation.id is None:
            await work.save(conversation)
        assert conversation.id is not None
        now = self.desk.clock()
        try:
            callback = await _store(turn).create(conversation.id, pending.phone, pending.part, conversation.locale, now)
        except AlreadyWaiting:
            turn.say(texts.already_waiting())
            return
        self._tell_consoles(turn, new=callback.id)
        is_open = self.desk.hours.is_open(now)
        turn.count("callback_requested", pending.part, "open" if is_open else "after_hours")
        left_queue = False
        handoff = turn.handoff
        if handoff is not None and handoff.status == QUEUED and not handoff.after_hours:
            await self.desk.user_left(work, handoff, "left_queue")  # one way to a person at a time
            turn.handoff = None
            left_queue = True
        crisis = "crisis" in conversation.facts
        when = self._when(pending.part, conversation.locale)
        turn.say(texts.confirmed(when, left_queue=left_queue, crisis=crisis))

    async def _decline(self, turn: Turn) -> None:
        _forget(turn)
        logger.info("conversation %s: no call-back after all", turn.conversation.id)
        turn.say(texts.declined())
        await self._where(turn)

    async def _cancel(self, turn: Turn) -> None:
        conversation = turn.conversation
        _forget(turn)
        cancelled = conversation.id is not None and await _store(turn).cancel(conversation.id, self.desk.clock())
        if cancelled:
            self._tell_consoles(turn)
        turn.say(texts.cancelled() if cancelled else texts.nothing_to_cancel())
        await self._where(turn)

    async def _still_there(self, turn: Turn) -> None:
        """Back after stopping or a quiet while, with a request open: say it stands, with the button to cancel."""
        conversation = turn.conversation
        quiet = turn.unit.now - conversation.updated_at >= RETURN_AFTER
        if conversation.id is None or not (conversation.status == "ended" or quiet):
            return
        if await _store(turn).open_for(conversation.id) is not None:
            turn.say(texts.already_waiting())

    def _tell_consoles(self, turn: Turn, new: int | None = None) -> None:
        """Once this turn is committed (never from inside it): how many requests wait, to every console."""
        bus, engine = self.desk.bus, self.desk.turns.engine

        async def tell() -> None:
            await callbacks_changed(bus, CallbackStore(engine), new)

        turn.unit.after_commit(tell)

    # --- what the user sees ---------------------------------------------------------------------------------

    async def _ask(self, turn: Turn, pending: Pending) -> None:
        question = self._question(pending)
        if pending.step == CONSENT:  # the one message with the number: the transcript keeps a placeholder
            assert pending.phone is not None and pending.part is not None
            turn.out.append(question)
            turn.lines.append(Line("bot", texts.consent(texts.placeholder(), pending.part).plain()))
        else:
            turn.say(question)

    def _question(self, pending: Pending) -> OutgoingMessage:
        if pending.step == NUMBER:
            return texts.ask_number(again=True)
        if pending.step == PART:
            return texts.ask_part(day_parts.offered(self.desk.hours))
        assert pending.phone is not None and pending.part is not None
        return texts.consent(shown_e164(pending.phone), pending.part)

    def _when(self, part: str, locale: str) -> str:
        """When we can call at the earliest, honestly: within the opening hours and the part of the day."""
        now = self.desk.clock()
        moment = day_parts.earliest(self.desk.hours, part, now)
        if moment is None:
            return texts.never()
        if moment <= now:
            return texts.soon()
        day, time = self.desk.hours.describe(moment, locale)
        return texts.earliest(day, time)

    async def _where(self, turn: Turn) -> None:
        """After declining or cancelling: where the user is (in the queue, with a person, or the tree)."""
        conversation = turn.conversation
        handoff = turn.handoff
        if handoff is not None and handoff.status == LIVE:
            turn.say(helpdesk_texts.already_live(await self.desk.agent_name(handoff.agent_id)))
        elif handoff is not None:
            place = await turn.unit.handoffs.position(handoff)
            turn.say(helpdesk_texts.still_waiting(place, await self.desk.estimate()))
        elif self.desk.dialog.has(conversation.state):
            turn.say(*render(self.desk.dialog, conversation.state, bool(conversation.history)))


def _store(turn: Turn) -> CallbackStore:
    """The call-back list inside the turn's transaction."""
    conn = turn.unit.conn
    return CallbackStore(conn.engine, conn)


def _pending(turn: Turn) -> Pending | None:
    saved = turn.conversation.facts.get(FACT)
    if not isinstance(saved, dict) or saved.get("step") not in (NUMBER, PART, CONSENT):
        return None
    return Pending(str(saved["step"]), saved.get("phone"), saved.get("part"))


def _keep(turn: Turn, pending: Pending) -> None:
    turn.conversation.facts = {**turn.conversation.facts, FACT: pending.saved()}


def _forget(turn: Turn) -> None:
    facts = turn.conversation.facts
    if FACT in facts:
        turn.conversation.facts = {key: value for key, value in facts.items() if key != FACT}


def _hide_number(turn: Turn) -> None:
    """The user's line of this turn as "(telefoonnummer)" in the transcript (the engine wrote what was typed)."""
    for index in range(len(turn.lines) - 1, -1, -1):
        if turn.lines[index].sender == "user":
            turn.lines[index] = Line("user", texts.placeholder())
            return


def _first_word(text: str, labels: list[str]) -> int | None:
    """The one label whose first word ``text`` is ("ja" for "Ja, bel me"), in any language."""
    found = [index for index, label in enumerate(labels) if fold(label).split()[:1] == [fold(text)]]
    return found[0] if len(found) == 1 else None


def _is_command(text: str) -> bool:
    return slash_command(text) is not None or command_word(text) is not None
