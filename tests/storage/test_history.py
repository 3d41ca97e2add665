"""Closed requests for a person for the console's history (storage/history.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from storage import history
from storage.agents import AgentStore
from storage.handoffs import HandoffStore
from storage.models import Conversation, Handoff
from storage.repository import ConversationStore

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def closed_request(
    engine: AsyncEngine, chat_id: str, outcome: str, ended: datetime, agent_id: int | None = None
) -> int:
    """A conversation with one ended hand-off; the hand-off's id."""
    conversation = Conversation(
        channel="web", chat_id=chat_id, locale="tr", state="vo_klacht", tree_version="t", facts={"role": "ouder"}
    )
    await ConversationStore(engine).save(conversation)
    assert conversation.id is not None
    store = HandoffStore(engine)
    handoff = await store.create(Handoff(conversation_id=conversation.id, requested_at=ended - timedelta(minutes=20)))
    assert handoff.id is not None
    if agent_id is not None:
        assert await store.claim(handoff.id, agent_id, ended - timedelta(minutes=10))
    assert await store.end(handoff.id, agent_id, outcome, now=ended, trigger="end" if agent_id else "user_left")
    return handoff.id


async def test_filters_by_date_outcome_organisation_and_agent(database: AsyncEngine) -> None:
    anna = await AgentStore(database).add("anna", "Anna", "x")
    assert anna.id is not None
    old = await closed_request(database, "old", "information", NOW - timedelta(days=40), anna.id)
    told = await closed_request(database, "told", "information", NOW - timedelta(days=2), anna.id)
    sent = await closed_request(database, "sent", "referred:kindertelefoon", NOW - timedelta(days=1), anna.id)
    elsewhere = await closed_request(database, "elsewhere", "referred:veilig_thuis", NOW - timedelta(hours=5))
    left = await closed_request(database, "left", "user_left", NOW - timedelta(hours=1))
    open_conversation = Conversation(channel="web", chat_id="open", locale="nl", state="s", tree_version="t")
    await ConversationStore(database).save(open_conversation)
    assert open_conversation.id is not None
    await HandoffStore(database).create(Handoff(conversation_id=open_conversation.id))  # still waiting: not closed

    month = {"since": NOW - timedelta(days=30), "until": NOW}

    async def ids(**filters: object) -> list[int]:
        return [item.handoff_id for item in await history.closed(database, **{**month, **filters})]  # type: ignore[arg-type]

    assert await ids() == [left, elsewhere, sent, told]  # newest first; the one of 40 days ago is not in the window
    assert await ids(since=NOW - timedelta(days=60)) == [left, elsewhere, sent, told, old]
    assert await ids(since=NOW - timedelta(days=2, hours=1), until=NOW - timedelta(hours=12)) == [sent, told]
    assert await ids(outcome="referred") == [elsewhere, sent]
    assert await ids(outcome="information") == [told]
    assert await ids(organisation="kindertelefoon") == [sent]
    assert await ids(outcome="refer") == []  # a code is matched whole, never as a prefix
    assert await ids(agent_id=anna.id) == [sent, told]
    assert await ids(before_id=sent) == [told]
    assert await ids(limit=2) == [left, elsewhere]
    item = (await history.closed(database, **month, organisation="kindertelefoon"))[0]  # type: ignore[arg-type]
    assert (item.outcome_code, item.organisation, item.agent_name, item.locale) == (
        "referred",
        "kindertelefoon",
        "Anna",
        "tr",
    )
    assert item.facts == {"role": "ouder"} and not hasattr(item, "reference")
    gone = (await history.closed(database, **month, outcome="user_left"))[0]  # type: ignore[arg-type]
    assert gone.organisation is None and gone.agent_id is None
