"""Build the update dicts Telegram sends (the shapes of https://core.telegram.org/bots/api#update).

``Updates`` numbers the updates itself; pass ``update_id`` to repeat one (a redelivery).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

PUPIL = {"id": 4242, "is_bot": False, "first_name": "Sam", "language_code": "nl"}
NOT_TEXT: dict[str, dict[str, Any]] = {
    "photo": {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]},
    "voice": {"voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3}},
    "sticker": {
        "sticker": {
            "file_id": "s1",
            "file_unique_id": "u3",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    },
    "document": {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "verhaal.pdf"}},
    "location": {"location": {"latitude": 52.37, "longitude": 4.89}},
    "contact": {"contact": {"phone_number": "+31600000000", "first_name": "Mam"}},
}


class Updates:
    def __init__(self, start: int = 1000) -> None:
        self._ids = itertools.count(start)
        self._message_ids = itertools.count(1)
        self.language_code = "nl"  # the user's Telegram language (the bot offers it when it is not Dutch)

    def next_id(self) -> int:
        return next(self._ids)

    def message(
        self, chat_id: int, update_id: int | None = None, chat_type: str = "private", **content: Any
    ) -> dict[str, Any]:
        """A new message in a chat; ``content`` is e.g. ``text="hoi"`` or one of ``NOT_TEXT``."""
        user = {**PUPIL, "id": chat_id if chat_type == "private" else PUPIL["id"], "language_code": self.language_code}
        chat = {"id": chat_id, "type": chat_type, "first_name": "Sam"}
        if chat_type != "private":
            chat = {"id": chat_id, "type": chat_type, "title": "Klas 2b"}
        return {
            "update_id": self.next_id() if update_id is None else update_id,
            "message": {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": chat,
                "from": user,
                **content,
            },
        }

    def text(self, chat_id: int, text: str, update_id: int | None = None, chat_type: str = "private") -> dict[str, Any]:
        return self.message(chat_id, update_id, chat_type, text=text)

    def edited(self, chat_id: int, text: str) -> dict[str, Any]:
        update = self.text(chat_id, text)
        update["edited_message"] = {**update.pop("message"), "edit_date": int(time.time())}
        return update

    def tap(self, chat_id: int, sent: dict[str, Any], data: str, update_id: int | None = None) -> dict[str, Any]:
        """A tap on a button of ``sent`` (a message the fake Bot API returned, with its keyboard)."""
        return {
            "update_id": self.next_id() if update_id is None else update_id,
            "callback_query": {
                "id": f"q{self.next_id()}",
                "from": {**PUPIL, "id": chat_id, "language_code": self.language_code},
                "chat_instance": "ci",
                "data": data,
                "message": sent,
            },
        }

    def added_to_group(self, chat_id: int) -> dict[str, Any]:
        member = {"user": {"id": 123456, "is_bot": True, "first_name": "Wegwijzer"}}
        return {
            "update_id": self.next_id(),
            "my_chat_member": {
                "chat": {"id": chat_id, "type": "group", "title": "Klas 2b"},
                "from": PUPIL,
                "date": int(time.time()),
                "old_chat_member": {**member, "status": "left"},
                "new_chat_member": {**member, "status": "member"},
            },
        }
