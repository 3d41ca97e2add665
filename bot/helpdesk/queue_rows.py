"""A queue entry as the consoles see it: ids, language, waiting time and flags, never a message text.

Role and theme go out in words (``readable`` with the labels the summary, history and call-backs use), never as
the tree's codes ("leerling_vo"): the queue page and console.js only show what is sent here.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.helpdesk.summary import readable
from bot.i18n import language_name
from bot.monitoring.labels import ROLES, THEMES
from storage.handoffs import QueueItem
from storage.silent_handoffs import is_silent

logger = logging.getLogger(__name__)


def queue_json(item: QueueItem, now: datetime) -> dict[str, object]:
    """A queue row for the console (no message text)."""
    return {
        "handoff": item.handoff_id,
        "conversation": item.conversation_id,
        "status": item.status,
        "channel": item.channel,
        "locale": item.locale,
        "language": language_name(item.locale),
        "waiting_seconds": max(0, int((now - item.requested_at).total_seconds())),
        "role": readable(ROLES, item.facts.get("role")),  # words, never the tree's codes
        "theme": readable(THEMES, item.facts.get("theme")),
        "crisis": item.crisis,
        "witte_vlek": item.witte_vlek,
        "after_hours": item.after_hours,
        "messages": item.waiting_messages,
        "agent": item.agent_name,
        "agent_id": item.agent_id,
        "no_message": is_silent(item),  # waiting, and no word from the user since the request
    }
