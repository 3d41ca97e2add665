"""The web chat's frame protocol: JSON over a WebSocket, checked before anything reaches the engine.

Client → server (every frame has an ``id`` the client made, random per message and kept while it waits for its
answer; the server uses it, per chat, as the engine's delivery id, so a frame sent again is handled once)::

    {"type": "text",   "id": "k3x9", "text": "ik word gepest"}
    {"type": "choice", "id": "k3xa", "key": "opt:rol:leerling"}
    {"type": "resume", "seq": 17, "chat": "9f2c…"}    the first frame of a page that speaks ``PROTOCOL``
    {"type": "typing"}      the user types (no id, no answer; a page sends it at most every few seconds, and
                            the server tells the chat-ondersteuning at most every ``presence.TYPING_EVERY``)

Server → client (``seq`` is the id of the last transcript line the page has been sent; 0 before anything is
stored. Each page gets only what it lacks: a second tab gets what the first one did, never the history again)::

    {"type": "history",  "lang": "nl", "dir": "ltr", "seq": 17, "after": 0, "chat": "9f2c…",
     "messages": [message, …]}              on connect: the chat (after 0), or only the lines after ``after``
    {"type": "messages", "lang": "nl", "dir": "ltr", "seq": 21, "reply_to": "k3x9", "duplicate": false,
     "messages": [message, …]}              an answer; with "reply_to": null what is new (another tab, a person)
    {"type": "typing"}                                                           someone is typing
    {"type": "forgotten", "reply_to": "k3xb", "messages": [message]}   the chat is deleted: clear it, show these,
                                            forget the cookie (POST /chat/new) and start afresh
    {"type": "rotate", "ticket": "…"}         POST {"ticket": …} to /chat/rotate now: a new cookie (web_session);
                                            it comes before the history or answer it belongs to, and the page
                                            reconnects only once it has traded it
    {"type": "error", "code": "bad_frame", "message": "…", "reply_to": "k3x9", "retry": false, "retry_after": 0}

Delivery. A page that opens the socket with the subprotocol ``PROTOCOL`` sends ``resume`` first: the ``seq`` and
``chat`` of the last frame it has (0 and null on a fresh page). That is its acknowledgement of what it has, and
the server answers with a ``history`` of only the lines after it (``after`` = that seq), so a reconnect never
gets the whole history again; a ``chat`` that is not this chat's (another conversation by now) gets the whole
chat (``after`` 0: the page starts afresh). While the socket is open nothing is lost (TCP keeps order), so no
other acknowledgement is needed. A page sends its frames one at a time, each after the answer to the one
before: an answer (``messages`` with its ``reply_to``, ``duplicate`` true when the id was handled before, then
with only what the page still lacks) or an error. An error with ``retry`` true means "not now" (``too_fast``:
the burst limit, ``unavailable``: the database is away, ``server_error``): the page keeps the frame and sends it
again after ``retry_after`` seconds or its own back-off; any other error means the frame can never be used.
Without the subprotocol (an older page) the server sends the whole chat at once, as before.

    message = {"text", "sender": "user|bot|agent|system", "kind", "author", "options": [{"key", "label"}],
               "actions": [{"key", "label"}], "title": str | null,
               "contacts": [{"kind", "label", "verb", "shown", "value", "href", "urgent"}]}

``kind`` is text | question | outcome | party | card | crisis | notice | agent. ``contacts`` are numbers and
links as data: the page makes each a link to its ``href`` (``tel:`` with every digit, https, ``mailto:``)
and never looks for numbers in ``text``. A contact's ``label`` is its whole text ("Bel 0800-0432");
``verb`` and ``shown`` are its two parts, so the page keeps a number left to right in a right-to-left language.

Texts are plain text; the page renders them with ``textContent``, never as HTML.

Close codes: 4409 this chat has too many open tabs (the oldest closes and stays closed); 4401 the session
ended or got a new token (reconnect after a moment: the cookie decides what opens); 4429 too many open chats
from this network (after a message saying so; reconnect after a minute); 1013 the database is away (after an
``unavailable`` error; reconnect with back-off).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.messages import Choice, ContactLink, OutgoingMessage
from storage.models import TranscriptEntry

logger = logging.getLogger(__name__)

PROTOCOL = "wegwijzer.resume"  # the WebSocket subprotocol of a page that starts with a ``resume`` frame
FRAME_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
CHAT_TAG = re.compile(r"[0-9a-f]{16}")
MAX_SEQ = 2**53 - 1  # a transcript line id; JavaScript counts exactly up to here
MAX_KEY_CHARS = 200
RETRY = frozenset({"too_fast", "unavailable", "server_error"})  # "not now": the page sends the frame again


class FrameError(Exception):
    """A client frame we will not use; ``code`` goes back to the client in an error frame."""

    def __init__(self, code: str, frame_id: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.frame_id = frame_id


@dataclass(frozen=True, slots=True)
class ClientFrame:
    """One checked frame from the page: typed ``text`` or a tapped ``key``."""

    id: str
    text: str | None = None
    key: str | None = None


def parse(raw: str) -> ClientFrame:
    """Check the shape of one client frame; raise ``FrameError`` for anything else.

    Deeply nested JSON makes the parser give up (``RecursionError``), and a number of thousands of digits is
    refused by Python (``ValueError``): both are a frame we cannot read, not a reason to drop the socket.
    """
    try:
        data: Any = json.loads(raw)
    except (ValueError, RecursionError):
        raise FrameError("bad_json") from None
    if not isinstance(data, dict):
        raise FrameError("bad_frame")
    frame_id = data.get("id")
    if not isinstance(frame_id, str) or not FRAME_ID.fullmatch(frame_id):
        raise FrameError("bad_id")
    kind = data.get("type")
    if kind == "text" and set(data) == {"type", "id", "text"} and isinstance(data["text"], str):
        return ClientFrame(frame_id, text=data["text"])
    if (
        kind == "choice"
        and set(data) == {"type", "id", "key"}
        and isinstance(data["key"], str)
        and 0 < len(data["key"]) <= MAX_KEY_CHARS
    ):
        return ClientFrame(frame_id, key=data["key"])
    raise FrameError("bad_frame", frame_id)


TYPING = '{"type":"typing"}'


def is_typing(raw: str) -> bool:
    """Whether ``raw`` is the page's ``typing`` frame (exactly that object: nothing else rides on it)."""
    if len(raw) > 40:
        return False
    try:
        return bool(json.loads(raw) == {"type": "typing"})
    except (ValueError, RecursionError):
        return False


def id_of(raw: str, limit: int) -> str | None:
    """The id of a frame we will not handle (too fast, too large), so the page knows which one it was."""
    if len(raw) > limit:
        return None
    try:
        return parse(raw).id
    except FrameError as error:
        return error.frame_id


@dataclass(frozen=True, slots=True)
class Resume:
    """What a reconnecting page has: the lines up to ``seq`` of the chat tagged ``chat`` (None: nothing yet)."""

    seq: int = 0
    chat: str | None = None


def parse_resume(raw: str) -> Resume | None:
    """The page's ``resume`` frame; None when ``raw`` is not one (the page then gets the whole chat)."""
    try:
        data: Any = json.loads(raw) if len(raw) <= 200 else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("type") != "resume" or not set(data) <= {"type", "seq", "chat"}:
        return None
    seq, chat = data.get("seq", 0), data.get("chat")
    if type(seq) is not int or not 0 <= seq <= MAX_SEQ:
        return None
    if chat is not None and (not isinstance(chat, str) or not CHAT_TAG.fullmatch(chat)):
        return None
    return Resume(seq, chat)


def chat_tag(chat_id: str) -> str:
    """A short name for the chat the page shows, so a resume can tell it is still the same chat.

    A hash: it says nothing about the ``chat_id`` (or the session), which never leaves the server.
    """
    return hashlib.sha256(f"page\0{chat_id}".encode()).hexdigest()[:16]


def update_id(chat_id: str, frame_id: str) -> str:
    """The engine's delivery id for a frame: unique per conversation, so two chats' pages may both send "1".

    ``frame_id`` is the page's own id (``FRAME_ID``: at most 40 letters, digits, ``_`` or ``-``); the hash with
    the chat keeps one chat's ids from ever meeting another's, and keeps the stored id at a fixed 40 characters.
    """
    return hashlib.sha256(f"{chat_id}\0{frame_id}".encode()).hexdigest()[:40]


def choices(items: Iterable[Choice]) -> list[dict[str, str]]:
    return [{"key": item.key, "label": item.label} for item in items]


def message(
    text: str,
    sender: str = "bot",
    *,
    kind: str = "text",
    author: str | None = None,
    options: Sequence[Choice] = (),
    actions: Sequence[Choice] = (),
    title: str | None = None,
    contacts: Sequence[ContactLink] = (),
) -> dict[str, Any]:
    return {
        "text": text,
        "sender": sender,
        "kind": kind,
        "author": author,
        "options": choices(options),
        "actions": choices(actions),
        "title": title,
        "contacts": [
            {
                "kind": c.kind,
                "label": c.shown(),
                "verb": c.label,
                "shown": c.value.removeprefix("https://"),
                "value": c.value,
                "href": c.href,
                "urgent": c.urgent,
            }
            for c in contacts
        ],
    }


def outgoing(item: OutgoingMessage) -> dict[str, Any]:
    """An engine message as the page shows it; a message with an author was written by a person."""
    sender = "agent" if item.author is not None or item.kind == "agent" else "bot"
    return message(
        item.text,
        sender,
        kind=item.kind,
        author=item.author,
        options=item.options,
        actions=item.actions,
        title=item.title,
        contacts=item.contacts,
    )


def history(entries: Sequence[TranscriptEntry], screen: Sequence[OutgoingMessage]) -> list[dict[str, Any]]:
    """The transcript, with the buttons of the current screen on its last lines.

    The transcript holds what was said; ``screen`` (``Engine.screen``) holds the buttons that are valid
    now. When the transcript ends with the screen's texts they get their buttons back; otherwise (after a
    language menu, a stop or a person's message) the current screen is shown again below the transcript.
    """
    shown = [message(entry.text, entry.sender) for entry in entries]
    tail = [item.plain() for item in screen]
    ends_with_screen = bool(tail) and [m["text"] for m in shown[-len(tail) :]] == tail
    ends_with_screen = ends_with_screen and all(m["sender"] == "bot" for m in shown[-len(tail) :])
    if ends_with_screen:
        shown = shown[: -len(tail)]
    return shown + [outgoing(item) for item in screen]


def delta(
    entries: Sequence[TranscriptEntry], answer: Sequence[OutgoingMessage], *, rest: bool = False
) -> list[dict[str, Any]]:
    """What a page that has every line before ``entries`` lacks.

    The lines of ``answer`` (what was just said, with its buttons and contacts) come as that answer, so every
    tab shows what the tab that asked shows. ``rest``: the part of ``answer`` that is not among ``entries``
    comes at the end (a push is shown even when nobody stored it).
    """
    said = [item.plain() for item in answer]
    shown = []
    for entry in entries:
        if said and entry.sender != "user" and entry.text == said[0]:
            shown.append(outgoing(answer[len(answer) - len(said)]))
            said.pop(0)
        else:
            shown.append(message(entry.text, entry.sender))
    if rest:
        shown += [outgoing(item) for item in answer[len(answer) - len(said) :]]
    return shown


def frame(kind: str, **fields: Any) -> str:
    return json.dumps({"type": kind, **fields}, ensure_ascii=False, separators=(",", ":"))
