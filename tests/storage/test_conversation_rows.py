"""``conversation_of`` / ``new_conversation``: the object ``Conversation(**values)`` makes, built without its cost.

Found with py-spy (issue 15): SQLModel's constructor took 0.1–0.5 ms per conversation (a setattr through
SQLAlchemy per field, and pydantic inspecting each default factory's signature), more than the rest of a step.
"""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Conversation, utcnow
from storage.repository import conversation_of, load_conversation, new_conversation, write_step

NEW = {"channel": "t", "chat_id": "1", "locale": "nl", "state": "welkom", "tree_version": "v1"}


def test_a_full_row_gives_the_same_conversation() -> None:
    now = utcnow()
    row = {
        **NEW,
        "id": 7,
        "history": ["a"],
        "facts": {"role": "ouder"},
        "status": "ended",
        "handoff_requested_at": now,
        "created_at": now,
        "updated_at": now,
        "reference": "K7-4QX",
        "stop_counted": True,
    }
    made, fast = Conversation(**row), conversation_of(row)
    assert fast == made
    assert fast.model_dump() == made.model_dump()
    assert fast.model_fields_set == made.model_fields_set


def test_a_new_conversation_gets_the_models_defaults_each_its_own() -> None:
    made, fast, other = Conversation(**NEW), new_conversation(**NEW), new_conversation(**NEW)
    assert fast.model_dump(exclude={"created_at", "updated_at"}) == made.model_dump(
        exclude={"created_at", "updated_at"}
    )
    assert fast.model_fields_set == made.model_fields_set
    assert fast.created_at.tzinfo is not None and fast.updated_at.tzinfo is not None
    fast.history.append("x")
    fast.facts["role"] = "ouder"
    assert other.history == [] and other.facts == {}, "a default list or dict is never shared"


def test_a_missing_required_field_is_named() -> None:
    with pytest.raises(TypeError, match="state"):
        new_conversation(channel="t", chat_id="1", locale="nl", tree_version="v1")


async def test_what_it_makes_is_written_loaded_and_changed_like_a_model(database: AsyncEngine) -> None:
    async with database.begin() as conn:
        conversation = new_conversation(**NEW)
        await write_step(conn, conversation)
        assert conversation.id is not None
    async with database.begin() as conn:
        loaded = await load_conversation(conn, "t", "1")
        assert loaded is not None and loaded.id == conversation.id and loaded.state == "welkom"
        loaded.state = "rol"
        loaded.facts = {**loaded.facts, "role": "ouder"}
        await write_step(conn, loaded)
    async with database.connect() as conn:
        again = await load_conversation(conn, "t", "1")
    assert again is not None and again.state == "rol" and again.facts == {"role": "ouder"}
