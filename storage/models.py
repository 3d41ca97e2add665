"""SQLModel tables. All timestamps are timezone-aware UTC (SQLModel's UTCDateTime column type).

We keep the minimum: no names, no phone numbers, no Telegram profile data. The transcript is kept so a
conversation can be resumed and handed to a person; deleting a conversation deletes its transcript.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, UniqueConstraint, false
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, as aware UTC (what every timestamp column holds)."""
    return datetime.now(UTC)


class Conversation(SQLModel, table=True):
    """One chat between one user on one channel and the wegwijzer."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_conversations_channel_chat"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=128)
    locale: str = Field(max_length=16)
    state: str = Field(max_length=64)
    tree_version: str = Field(max_length=64)
    history: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # bot | ended (the user stopped). Whether a person has it is the open hand-off's status, never this column.
    status: str = Field(default="bot", max_length=16)
    handoff_requested_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # The code a user can quote to an agent ("K7-4QX", bot/helpdesk/reference.py): set when a person is involved.
    reference: str | None = Field(default=None, max_length=16, unique=True, index=True)
    # Where the user stopped is counted once per quiet spell (``storage.monitoring``); a new turn clears it.
    stop_counted: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class TranscriptEntry(SQLModel, table=True):
    """One message in a conversation: from the user, the bot, an agent or the system."""

    __tablename__ = "transcript_entries"
    __table_args__ = (Index("ix_transcript_conversation_id", "conversation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    )
    sender: str = Field(max_length=8)  # user | bot | agent | system
    text: str  # what the user saw, in their language
    # The Dutch it was made from, when what the user saw is a translation of it: an agent's reply sent with
    # machine translation, a canned reply or a helpdesk text in the user's language. None: ``text`` is all.
    original: str | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)


class ProcessedUpdate(SQLModel, table=True):
    """A channel delivery id we have handled, so a redelivery is processed once."""

    __tablename__ = "processed_updates"

    channel: str = Field(primary_key=True, max_length=16)
    update_id: str = Field(primary_key=True, max_length=64)
    processed_at: datetime = Field(default_factory=utcnow, index=True)


class MonitoringCount(SQLModel, table=True):
    """How often something happened on one day, for anonymous monitoring (``storage.monitoring``).

    A count, never an event: one row per day and combination, which every turn only adds to. No id, no time
    of day and no order ties a count to a conversation or to another count of the same person. Columns that
    do not apply hold "" (never NULL: they are part of the key).
    """

    __tablename__ = "monitoring_counts"

    day: date = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=32)
    channel: str = Field(default="", primary_key=True, max_length=16)
    locale: str = Field(default="", primary_key=True, max_length=16)
    role: str = Field(default="", primary_key=True, max_length=32)
    theme: str = Field(default="", primary_key=True, max_length=32)
    stage: str = Field(default="", primary_key=True, max_length=32)
    node: str = Field(default="", primary_key=True, max_length=64)
    detail: str = Field(default="", primary_key=True, max_length=200)
    count: int = Field(default=0)


# --- Chat-ondersteuning (hand-off to people): see bot/helpdesk/ and bot/console/ -------------------------


class Agent(SQLModel, table=True):
    """A person of the chat-ondersteuning who can log in to the console (role ``agent`` or ``admin``)."""

    __tablename__ = "agents"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)  # the login name
    display_name: str = Field(max_length=64)  # what the user sees: "Je praat nu met <display_name>"
    password_hash: str = Field(max_length=255)  # argon2id
    role: str = Field(default="agent", max_length=8)  # agent | admin | partner
    # A partner's organisation (an id of bot/dialogs/organisaties.yaml): it sees only referrals addressed there.
    organisation_id: str | None = Field(default=None, max_length=64)
    active: bool = Field(default=True)
    # The languages the agent speaks (locale codes, e.g. ["nl", "tr"]): the queue puts those users first for them.
    languages: list[str] = Field(
        default_factory=lambda: ["nl"], sa_column=Column(JSON, nullable=False, server_default='["nl"]')
    )
    created_at: datetime = Field(default_factory=utcnow)


class AgentSession(SQLModel, table=True):
    """A console login. Only a hash of the cookie's token is kept; idle sessions expire."""

    __tablename__ = "agent_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)
    agent_id: int = Field(sa_column=Column(Integer, ForeignKey("agents.id", ondelete="CASCADE"), nullable=False))
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class Handoff(SQLModel, table=True):
    """One request for a person: queued → live (claimed by an agent) → ended, with its outcome.

    ``status`` is the one truth of the request's lifecycle (``storage.handoff_lifecycle``): every change is a
    conditional UPDATE from the states its trigger may leave, so two agents claiming at once cannot both win.
    """

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_queue", "status", "priority", "requested_at"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    status: str = Field(default="queued", max_length=8)  # queued | live | ended
    priority: int = Field(default=0)  # 2 acute danger / crisis, 1 message left outside hours, 0 normal
    crisis: bool = Field(default=False)
    witte_vlek: bool = Field(default=False)
    after_hours: bool = Field(default=False)
    agent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    )
    waiting_messages: int = Field(default=0)
    requested_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = Field(default=None)
    agent_seen_at: datetime | None = Field(default=None)
    ended_at: datetime | None = Field(default=None)
    outcome: str | None = Field(default=None, max_length=64)
    outcome_note: str | None = Field(default=None)


class AgentNote(SQLModel, table=True):
    """A private note about a conversation, only ever shown to agents."""

    __tablename__ = "agent_notes"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    agent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    )
    text: str
    created_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """Who opened which conversation when: ids only, never text. Kept when a conversation is deleted."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int | None = Field(default=None, index=True)  # None: a failed login with an unknown name
    conversation_id: int | None = Field(default=None, index=True)  # None: not about a conversation (login)
    action: str = Field(max_length=32)  # open_transcript | watch_live | claim | end | …
    at: datetime = Field(default_factory=utcnow)


class WebSession(SQLModel, table=True):
    """The web chat's session of one conversation: only hashes, never a token (``bot/channels/web_session.py``).

    A browser's cookie opens the conversation whose ``token_hash`` is the sha256 of its token. A new token is
    handed out only for a one-time ``ticket`` (its hash here, valid until ``ticket_until``), and while one is
    offered ``token_hash`` is empty: the old cookie no longer opens anything. No row: no browser can open it.
    """

    __tablename__ = "web_sessions"

    chat_id: str = Field(primary_key=True, max_length=128)  # the conversation's chat_id on channel "web"
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    ticket_hash: str | None = Field(default=None, max_length=64, unique=True)
    ticket_until: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime | None = Field(default=None)  # the page's last frame (to the minute); None: created_at


class AccessGrant(SQLModel, table=True):
    """An agent's reason to open a conversation that is not theirs (``bot/console/access.py``): part of the audit.

    ``reason`` is the agent's own words (at most 200 characters), never the user's. The grant counts only in the
    session it was given in (``session_hash``, the hash the session table keeps) and for a limited time; the row
    stays when the session or the conversation is gone, like the audit log.
    """

    __tablename__ = "access_grants"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(index=True)
    conversation_id: int = Field(index=True)
    session_hash: str = Field(max_length=64, index=True)
    reason: str = Field(max_length=200)
    granted_at: datetime = Field(default_factory=utcnow)


class LimitCounter(SQLModel, table=True):
    """One client's use of one limit, shared by every worker (``storage/limit_counters.py``).

    A token bucket kept as one number (the "generic cell rate algorithm"): ``full_at`` is the moment, in
    milliseconds since 1970 (UTC), at which the client's allowance is whole again; each use moves it one interval
    later. ``key_hash`` is an HMAC of the client's network (for logins: of the name and address), never an
    address or a name. ``kind`` names the limit. A row whose ``full_at`` has passed says nothing; housekeeping
    deletes it.
    """

    __tablename__ = "limit_counters"

    kind: str = Field(primary_key=True, max_length=16)
    key_hash: str = Field(primary_key=True, max_length=64)
    full_at: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class OutboxMessage(SQLModel, table=True):
    """A message to a user that must still leave (``bot/channels/telegram/sender.py``): the transactional outbox.

    Written in the same transaction as the turn or agent action that made it, so a message is never saved
    without being sent, nor sent without being saved. The sender deletes the row once the channel took it; a
    conversation's deletion takes its rows with it. ``payload`` is one channel-neutral message as data,
    ``context`` what the channel needs to fit it in (the button that was tapped, whether the keyboard stays).
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_channel_chat", "channel", "chat_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=128)
    batch: str = Field(max_length=64)  # the turn or action it came from: its messages leave together, in order
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    context: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    attempts: int = Field(default=0)
    not_before: datetime | None = Field(default=None)  # a 429 or a passing error: not before this moment
    created_at: datetime = Field(default_factory=utcnow)


class Callback(SQLModel, table=True):
    """A request to be called back ("bel me terug"), with the user's consent; ``status`` is its one truth.

    The phone number is kept only while the request is open: it is deleted (NULL) as soon as the request is
    closed, and the row itself after ``callback_retention_days`` at the latest (``storage.retention``).
    """

    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_queue", "status", "requested_at"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    status: str = Field(default="waiting", max_length=16)  # see storage/callback_lifecycle.py
    phone: str | None = Field(default=None, max_length=32)  # E.164 (phonenumbers), None once closed
    part_of_day: str = Field(max_length=16)  # morning | afternoon | evening | any
    locale: str = Field(max_length=16)
    agent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    )
    attempts: int = Field(default=0)
    outcome: str | None = Field(default=None, max_length=64)
    consented_at: datetime = Field(default_factory=utcnow)
    requested_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = Field(default=None)
    closed_at: datetime | None = Field(default=None)


class Referral(SQLModel, table=True):
    """A warm referral of a conversation to a partner organisation, with the user's consent; ``status`` is its
    one truth (storage/referral_lifecycle.py). ``note`` is what the agent wrote and the user agreed to share;
    the transcript is shared only when ``with_transcript`` (the user agreed to that too)."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_organisation", "organisation_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    organisation_id: str = Field(max_length=64)
    status: str = Field(default="proposed", max_length=16)
    note: str  # written by the agent, shown to the user word for word before they agree
    contact: str = Field(default="", max_length=500)  # how the user wants to be contacted, in their words
    with_transcript: bool = Field(default=False)
    agent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    )
    partner_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    )
    reason: str | None = Field(default=None, max_length=500)  # a partner's reason to decline
    created_at: datetime = Field(default_factory=utcnow)
    consented_at: datetime | None = Field(default=None)
    decided_at: datetime | None = Field(default=None)
