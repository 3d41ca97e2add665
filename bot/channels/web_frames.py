"""The web chat's frame protocol: JSON over a WebSocket, checked before anything reaches the engine.

Client → server (every frame has an ``id`` the client chose; a resend with the same id is handled once)::

    {"type": "text",   "id": "k3x9", "text": "ik word gepest"}
    {"type": "choice", "id": "k3xa", "key": "opt:rol:leerling"}

Server → client (``seq`` is the id of the last transcript line the page has been sent; 0 before anything is
stored. Each page gets only what it lacks: a second tab gets what the first one did, never the history again)::

    {"type": "history",  "lang": "nl", "dir": "ltr", "seq": 17, "messages": [message, …]}  on connect: the chat
    {"type": "messages", "lang": "nl", "dir": "ltr", "seq": 21, "reply_to": "k3x9", "duplicate": false,
     "messages": [message, …]}              an answer; with "reply_to": null what is new (another tab, a person)
    {"type": "typing"}                                                           someone is typing
    {"type": "rotate", "ticket": "…"}         POST {"ticket": …} to /chat/rotate now: a new cookie (web_session)
    {"type": "error", "code": "bad_frame", "message": "…", "reply_to": "k3x9"}   the frame was not used

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
from this network (after a message saying so; reconnect after a minute).
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

FRAME_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
MAX_KEY_CHARS = 200


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


def update_id(chat_id: str, frame_id: str) -> str:
    """The engine's delivery id for a frame: unique per conversation, so two pages may both send "1"."""
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
