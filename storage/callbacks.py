"""The call-back requests in the database: the request, the atomic claim, the close that deletes the number.

Every change is one conditional UPDATE from the states its trigger may leave (``storage.callback_lifecycle``),
with ``RETURNING`` telling whether it happened, so two agents claiming at once cannot both win, across processes
and on SQLite and PostgreSQL alike. A trigger that closes the request sets ``phone`` to NULL in that same UPDATE
and adds its anonymous count (``callback_closed``: the state and the outcome code, never the number) in the same
transaction.

The number is read in one place only, ``number``: for the agent who has the request claimed. Everything else
(``get``, ``queue``) leaves it out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, true, update

from storage import callback_lifecycle as lifecycle
from storage import monitoring
from storage.bound_store import BoundStore
from storage.models import Agent, Callback, Conversation, utcnow
from storage.monitoring import Tally

logger = logging.getLogger(__name__)

CALLBACKS: Table = Callback.__table__  # type: ignore[attr-defined]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]
AGENTS: Table = Agent.__table__  # type: ignore[attr-defined]
WITHOUT_NUMBER = [column for column in CALLBACKS.columns if column.name != "phone"]
USER_CANCELLED = "user_cancelled"
# conversation.facts[PENDING_FACT]: the call-back questions under way (bot/helpdesk/callback_request.py), with the
# number typed but not yet confirmed; retention removes one left behind (storage/retention.py).
PENDING_FACT = "callback"


class AlreadyWaiting(Exception):
    """The conversation has an open call-back request already (one at a time)."""


@dataclass(frozen=True, slots=True)
class CallbackItem:
    """One open request as the console lists it: never the number (that is ``CallbackStore.number``)."""

    callback_id: int
    conversation_id: int
    status: str
    channel: str
    locale: str
    part_of_day: str
    attempts: int
    requested_at: datetime
    claimed_at: datetime | None
    agent_id: int | None
    agent_name: str | None
    role: str | None
    theme: str | None


class CallbackStore(BoundStore):
    """Reads and writes of the call-back list; ``bound(conn)`` does them inside a caller's transaction (a turn)."""

    # --- the user's side (inside the turn's transaction) ---------------------------------------------------

    async def open_for(self, conversation_id: int) -> Callback | None:
        """The conversation's open request (waiting, retry or claimed), without its number; None if there is none."""
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(*WITHOUT_NUMBER)
                    .where(CALLBACKS.c.conversation_id == conversation_id, CALLBACKS.c.status.in_(lifecycle.OPEN))
                    .order_by(CALLBACKS.c.id.desc())
                )
            ).first()
        return None if row is None else Callback(**row._mapping)

    async def create(
        self, conversation_id: int, phone: str, part_of_day: str, locale: str, now: datetime | None = None
    ) -> Callback:
        """A new request (``phone`` in E.164), given the user's consent now; one open request per conversation
        (called inside the user's turn, whose conversation lock makes the check and the insert one step)."""
        if await self.open_for(conversation_id) is not None:
            raise AlreadyWaiting(conversation_id)
        now = now or utcnow()
        callback = Callback(
            conversation_id=conversation_id,
            status=lifecycle.destination("request"),
            phone=phone,
            part_of_day=part_of_day,
            locale=locale,
            consented_at=now,
            requested_at=now,
        )
        async with self._write() as conn:
            callback.id = await conn.scalar(
                insert(CALLBACKS).values(**callback.model_dump(exclude={"id"})).returning(CALLBACKS.c.id)
            )
        logger.info("call-back request %s for conversation %s", callback.id, conversation_id)
        callback.phone = None  # the caller has no need of it any more
        return callback

    async def cancel(self, conversation_id: int, now: datetime | None = None) -> bool:
        """The user cancels their open request: the number goes at once. False when there was none open."""
        found = await self.open_for(conversation_id)
        if found is None or found.id is None:
            return False
        return await self._change(found.id, "cancel", true(), {}, now, USER_CANCELLED)

    # --- the console's side --------------------------------------------------------------------------------

    async def get(self, callback_id: int) -> Callback | None:
        """The request without its number."""
        async with self._read() as conn:
            row = (await conn.execute(select(*WITHOUT_NUMBER).where(CALLBACKS.c.id == callback_id))).first()
        return None if row is None else Callback(**row._mapping)

    async def number(self, callback_id: int, agent_id: int) -> str | None:
        """The number, only for the agent who has the request claimed now; None for anyone else."""
        async with self._read() as conn:
            phone = await conn.scalar(
                select(CALLBACKS.c.phone).where(
                    CALLBACKS.c.id == callback_id,
                    CALLBACKS.c.status == lifecycle.CLAIMED,
                    CALLBACKS.c.agent_id == agent_id,
                )
            )
        return None if phone is None else str(phone)

    async def queue(self) -> list[CallbackItem]:
        """Every open request: the ones to do first (waiting and retry), then the claimed ones; oldest first."""
        query = (
            select(
                *WITHOUT_NUMBER,
                CONVERSATIONS.c.channel,
                CONVERSATIONS.c.facts,
                AGENTS.c.display_name,
            )
            .join(CONVERSATIONS, CONVERSATIONS.c.id == CALLBACKS.c.conversation_id)
            .outerjoin(AGENTS, AGENTS.c.id == CALLBACKS.c.agent_id)
            .where(CALLBACKS.c.status.in_(lifecycle.OPEN))
            .order_by((CALLBACKS.c.status == lifecycle.CLAIMED).asc(), CALLBACKS.c.requested_at, CALLBACKS.c.id)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [
            CallbackItem(
                callback_id=r.id,
                conversation_id=r.conversation_id,
                status=r.status,
                channel=r.channel,
                locale=r.locale,
                part_of_day=r.part_of_day,
                attempts=r.attempts,
                requested_at=r.requested_at,
                claimed_at=r.claimed_at,
                agent_id=r.agent_id,
                agent_name=r.display_name,
                role=(r.facts or {}).get("role"),
                theme=(r.facts or {}).get("theme"),
            )
            for r in rows
        ]

    async def waiting(self) -> int:
        """How many open requests nobody has claimed (waiting, and retry after no answer): the console's count."""
        async with self._read() as conn:
            count = await conn.scalar(
                select(func.count()).select_from(CALLBACKS).where(CALLBACKS.c.status.in_(lifecycle.TO_DO))
            )
        return int(count or 0)

    async def claim(self, callback_id: int, agent_id: int, now: datetime | None = None) -> bool:
        """Take a request to call; exactly one of several agents claiming at once gets True."""
        values = {"agent_id": agent_id, "claimed_at": now or utcnow()}
        return await self._change(callback_id, "claim", CALLBACKS.c.agent_id.is_(None), values, now)

    async def release(self, callback_id: int, agent_id: int | None) -> bool:
        """Back in the list for a colleague, without counting a try (``agent_id`` None: whoever has it, an admin)."""
        return await self._change(callback_id, "release", _with(agent_id), {"agent_id": None}, None)

    async def no_answer(self, callback_id: int, agent_id: int | None) -> bool:
        """Nobody answered: one more try counted, back in the list as ``retry``."""
        values = {"agent_id": None, "attempts": CALLBACKS.c.attempts + 1}
        return await self._change(callback_id, "no_answer", _with(agent_id), values, None)

    async def called(self, callback_id: int, agent_id: int | None, outcome: str, now: datetime | None = None) -> bool:
        """The user was reached: closed with an outcome code; the number is deleted at once."""
        return await self._change(callback_id, "called", _with(agent_id), {}, now, outcome)

    async def close(self, callback_id: int, agent_id: int | None, outcome: str, now: datetime | None = None) -> bool:
        """Given up (no answer after several tries, a wrong number …): closed with an outcome; the number goes."""
        return await self._change(callback_id, "close", _with(agent_id), {}, now, outcome)

    async def _change(
        self,
        callback_id: int,
        trigger: str,
        condition: Any,
        values: dict[str, Any],
        now: datetime | None,
        outcome: str | None = None,
    ) -> bool:
        """Fire ``trigger``: one conditional UPDATE from the states it may leave. A closing one deletes the number,
        records when and why (``outcome``), and is counted (anonymously) in the same transaction."""
        now = now or utcnow()
        dest = lifecycle.destination(trigger)
        values = {**values, "status": dest}
        closing = lifecycle.closes(trigger)
        if closing:
            values |= {"phone": None, "closed_at": now, "outcome": (outcome or "")[:64] or None}
        allowed = CALLBACKS.c.status.in_(lifecycle.sources(trigger))
        async with self._write() as conn:
            changed = (
                await conn.execute(
                    update(CALLBACKS)
                    .where(CALLBACKS.c.id == callback_id, allowed, condition)
                    .values(**values)
                    .returning(CALLBACKS.c.conversation_id, CALLBACKS.c.locale)
                )
            ).first()
            if changed is not None and closing:
                channel = await conn.scalar(
                    select(CONVERSATIONS.c.channel).where(CONVERSATIONS.c.id == changed.conversation_id)
                )
                tally = Tally("callback_closed", channel or "", changed.locale, node=dest, detail=outcome or "")
                await monitoring.add(conn, [tally], now.date())
        if changed is not None:
            logger.info("call-back request %s: %s", callback_id, trigger)
        return changed is not None


def _with(agent_id: int | None) -> Any:
    """Only the agent's own (``agent_id``), or whoever has it (None: an admin)."""
    return true() if agent_id is None else CALLBACKS.c.agent_id == agent_id
