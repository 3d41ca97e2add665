"""Warm referral to a partner organisation: the agent proposes, the user decides, the partner answers.

1. In a live chat an agent writes a short note (what the user agreed to share), the user's contact wish and
   whether the conversation goes with it (``propose``). The user gets exactly that, word for word, with the
   organisation's name and "Ja, stuur het door" / "Nee" (``referral_texts.proposal``): one unit of work on the
   conversation, like every agent action (its lock, the row, the transcript line, the outbox, one commit).
2. The user's tap reaches ``answer`` through the gate (``HelpdeskGate.relay``), live or after the chat ended;
   it runs in the user's turn. "Ja" sends it (``sent``: now the partner sees it), "Nee" ends it; the user may
   withdraw a sent referral until the partner picks it up. The agent watching gets a line in the console.
3. The partner accepts it or declines it with a reason (``decide``); declined and unanswered referrals come
   back to the helpdesk (``storage.referrals.expire_overdue`` from the app's housekeeping), whose page lists
   them first until an agent sees to them (``close``).

The lifecycle is ``storage.referral_lifecycle``; every change is counted anonymously (organisation and outcome,
``storage.referrals.tally``). Logs carry ids and states only, never the note, the contact wish or a reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.helpdesk import referral_texts as texts
from bot.helpdesk.desk import Helpdesk, NotYours
from bot.helpdesk.referral_offers import offers, organisation_name
from bot.matching import clean
from bot.messages import OutgoingMessage
from bot.screens import REFERRAL_PREFIX
from bot.turn import Turn
from storage import monitoring
from storage import referral_lifecycle as lifecycle
from storage.models import Agent, Referral
from storage.partners import PartnerStore
from storage.referrals import REFERRALS, ReferralStore, tally
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

NOTE_MIN, NOTE_MAX = 10, 1000
CONTACT_MAX = 300
REASON_MIN, REASON_MAX = 5, 500
MAX_ID = 2**31 - 1
# The user's answer → the triggers it may fire, in order: "Nee" to a referral already sent withdraws it,
# and "intrekken" of one not yet sent is a "Nee" (the user's latest wish counts).
ANSWERS = {
    texts.YES: ("consent",),
    texts.NO: ("refuse", "withdraw"),
    texts.WITHDRAW: ("withdraw", "refuse"),
}
AGENT_LINES = {
    "consent": "De gebruiker zei ja: de doorverwijzing naar {organisation} is verstuurd.",
    "refuse": "De gebruiker zei nee: er gaat niets naar {organisation}.",
    "withdraw": "De gebruiker heeft de doorverwijzing naar {organisation} ingetrokken.",
    "accept": "{organisation} heeft de doorverwijzing aangenomen.",
    "decline": "{organisation} heeft de doorverwijzing afgewezen. Zie Doorverwijzingen.",
}


class ReferralRefused(ValueError):
    """The agent's referral cannot be made as asked; the message (Dutch, for the console) says why."""


@dataclass(frozen=True, slots=True)
class Proposal:
    """What the agent wrote in the form, cleaned."""

    organisation_id: str
    note: str
    contact: str
    with_transcript: bool


class Referrals:
    """Warm referrals as the helpdesk, the user and the partners work them (stateless: make one where needed)."""

    def __init__(self, desk: Helpdesk) -> None:
        self.desk = desk
        self.store = ReferralStore(desk.conversations.engine)
        self.partners = PartnerStore(desk.conversations.engine)

    def organisation_name(self, organisation_id: str) -> str:
        return organisation_name(self.desk.dialog, organisation_id)

    async def offers(self, conversation_id: int) -> list[OutgoingMessage]:
        """What the user can still answer or withdraw, for a screen that is rebuilt (``referral_offers``); call
        inside the user's ``I18n.use``."""
        return offers(await self.store.awaiting_user(conversation_id), self.organisation_name)

    async def check(self, organisation_id: str, note: str, contact: str, with_transcript: bool) -> Proposal:
        """The form's values cleaned and checked, or ReferralRefused saying what to change."""
        directory = self.desk.dialog.directory.organisations
        if organisation_id not in directory:
            raise ReferralRefused("Kies een organisatie uit de lijst.")
        if organisation_id not in await self.partners.organisations():
            raise ReferralRefused(
                f"{directory[organisation_id].name} heeft nog geen partneraccount en kan dus niets ontvangen. "
                "Geef de gebruiker hun contactgegevens, of kies een andere organisatie."
            )
        note = clean(note, NOTE_MAX + 1)[0]
        if not NOTE_MIN <= len(note) <= NOTE_MAX:
            raise ReferralRefused(f"Schrijf een korte notitie van {NOTE_MIN} tot {NOTE_MAX} tekens.")
        contact = clean(" ".join(contact.split()), CONTACT_MAX + 1)[0]
        if not 0 < len(contact) <= CONTACT_MAX:
            raise ReferralRefused(f"Schrijf hoe de gebruiker contact wil (hoogstens {CONTACT_MAX} tekens).")
        return Proposal(organisation_id, note, contact, with_transcript)

    # --- the agent proposes -------------------------------------------------------------------------

    async def propose(self, agent: Agent, handoff_id: int, proposal: Proposal) -> Referral:
        """Ask the user in their live chat; nothing leaves the helpdesk before they say yes."""
        assert agent.id is not None
        live = await self.desk.live(agent, handoff_id)  # NotYours unless the chat is live with this agent
        key = live.conversation
        async with self.desk.turns.open(key.channel, key.chat_id) as work:
            handoff = await work.handoffs.get(handoff_id)
            conversation = await work.load()
            if handoff is None or conversation is None or conversation.id != handoff.conversation_id:
                raise NotYours(handoff_id)
            if handoff.status != "live" or (handoff.agent_id != agent.id and agent.role != "admin"):
                raise NotYours(handoff_id)  # changed while we waited for the lock
            store = self.store.bound(work.conn)
            if await store.standing(conversation.id, proposal.organisation_id) is not None:
                name = self.organisation_name(proposal.organisation_id)
                raise ReferralRefused(f"Er loopt al een doorverwijzing van dit gesprek naar {name}.")
            referral = await store.create(
                Referral(
                    conversation_id=conversation.id,
                    organisation_id=proposal.organisation_id,
                    note=proposal.note,
                    contact=proposal.contact,
                    with_transcript=proposal.with_transcript,
                    agent_id=agent.id,
                    created_at=work.now,
                )
            )
            assert referral.id is not None
            referral_id = referral.id
            work.count(tally(proposal.organisation_id, "propose"))

            def ask() -> OutgoingMessage:
                name = self.organisation_name(proposal.organisation_id)
                return texts.proposal(referral_id, name, proposal.note, proposal.contact, proposal.with_transcript)

            await self.desk._tell(work, conversation, ask)  # the desk's one way to a user (transcript, outbox)
        logger.info("agent %s proposed referral %s of conversation %s", agent.id, referral_id, conversation.id)
        return referral

    # --- the user answers (in their turn, through the gate) ------------------------------------------

    async def answer(self, turn: Turn, choice: str) -> bool:
        """A tap on "Ja, stuur het door", "Nee" or "Trek de doorverwijzing in"; always handled (True)."""
        work = turn.unit
        conversation = turn.conversation
        answer, _sep, number = choice.removeprefix(REFERRAL_PREFIX).partition(":")
        referral_id = _bounded_id(number)
        store = self.store.bound(work.conn)
        referral = await store.get(referral_id) if referral_id is not None else None
        if answer not in ANSWERS or referral is None or referral.conversation_id != conversation.id:
            logger.info("conversation %s: a referral button that is not this chat's (any more)", conversation.id)
            turn.say(texts.not_current())
            return True
        assert referral.id is not None
        turn.user_said(texts.label(answer))
        name = self.organisation_name(referral.organisation_id)
        for trigger in ANSWERS[answer]:
            stamp = "consented_at" if trigger == "consent" else "decided_at"
            changed = await store.fire(referral.id, trigger, {stamp: work.now})
            if changed is not None:
                work.count(tally(changed.organisation_id, trigger))
                turn.say(_told(trigger, changed, name))
                self._agent_line(work, changed, trigger)
                return True
        now = await store.get(referral.id)  # nothing changed: say where it stands
        status = now.status if now is not None else None
        if status == lifecycle.SENT and answer == texts.YES:
            turn.say(texts.sent(referral.id, name))  # a second "Ja"
        elif status == lifecycle.WITHDRAWN:
            turn.say(texts.refused(name) if referral.consented_at is None else texts.withdrawn(name))
        elif status == lifecycle.ACCEPTED:
            turn.say(texts.too_late(name))
        else:
            turn.say(texts.not_current())
        return True

    # --- the partner answers; an agent sees to what came back ---------------------------------------

    async def decide(
        self, partner: Agent, referral_id: int, trigger: str, reason: str | None = None
    ) -> Referral | None:
        """A partner accepts (``accept``) or declines (``decline``, with a reason) a referral to its organisation;
        None when it is not open to them (withdrawn, expired, someone else was first)."""
        assert trigger in ("accept", "decline") and partner.role == "partner" and partner.organisation_id
        values = {"partner_id": partner.id, "decided_at": self.desk.turns.clock(), "reason": reason}
        ours = REFERRALS.c.organisation_id == partner.organisation_id
        return await self._fire_alone(referral_id, trigger, values, ours)

    async def close(self, agent: Agent, referral_id: int) -> Referral | None:
        """An agent saw to a referral that came back (declined or expired); None when it had not come back."""
        assert agent.role != "partner"
        return await self._fire_alone(referral_id, "close", {}, None)

    async def _fire_alone(self, referral_id: int, trigger: str, values: dict[str, Any], where: Any) -> Referral | None:
        """A change outside a user's turn: the UPDATE and its count in one transaction; the agents hear of it."""
        async with self.desk.turns.engine.begin() as conn:
            changed = await self.store.bound(conn).fire(referral_id, trigger, values, where)
            if changed is not None:
                await monitoring.add(conn, [tally(changed.organisation_id, trigger)], self.desk.turns.clock().date())
        if changed is not None and trigger in AGENT_LINES:
            self.desk.bus.publish(changed.conversation_id, self._line_event(changed, trigger))
        return changed

    def _agent_line(self, work: UnitOfWork, referral: Referral, trigger: str) -> None:
        """Tell the consoles watching the conversation, once the user's turn is committed (never stored: the
        transcript is the user's, and the referrals page keeps the status)."""
        event = self._line_event(referral, trigger)

        async def publish() -> None:
            self.desk.bus.publish(referral.conversation_id, event)

        work.after_commit(publish)

    def _line_event(self, referral: Referral, trigger: str) -> dict[str, object]:
        found = self.desk.dialog.directory.organisations.get(referral.organisation_id)  # Dutch, for the console
        name = found.name if found is not None else referral.organisation_id
        text = AGENT_LINES[trigger].format(organisation=name)
        at = self.desk.clock().isoformat()
        return {"type": "message", "sender": "system", "author": "Doorverwijzing", "text": text, "at": at}


def _told(trigger: str, referral: Referral, name: str) -> OutgoingMessage:
    assert referral.id is not None
    if trigger == "consent":
        return texts.sent(referral.id, name)
    if trigger == "refuse":
        return texts.refused(name)
    return texts.withdrawn(name)


def _bounded_id(text: str) -> int | None:
    """A referral id from a button: ASCII digits within an INTEGER column's range, else None."""
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
