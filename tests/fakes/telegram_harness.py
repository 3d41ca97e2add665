"""The whole product with Telegram on, served for real, talking to a ``FakeBotApi``.

``TelegramHarness`` posts updates to the real webhook route over HTTP and waits until the channel has sent
everything it queued (so a test never sleeps). Use it through the ``telegram`` fixture (tests/conftest.py),
or build one with ``telegram_settings`` for other settings (polling, a public URL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bot.appkeys import ENGINE
from bot.channels.telegram import CHANNEL, CHANNEL_KEY, TelegramChannel
from bot.settings import Settings, load_settings
from storage.models import Conversation
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_updates import Updates

SECRET = "test-secret_0123456789"
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def telegram_settings(tmp_path: Path, api: FakeBotApi, **overrides: Any) -> Settings:
    """Settings for the product on the test database in ``tmp_path``, with Telegram on the fake."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'wegwijzer.sqlite3'}",
        "telegram_token": api.token,
        "telegram_api_base_url": api.base_url,
        "telegram_webhook_secret": SECRET,
        "telegram_webhook_path": WEBHOOK_PATH,
        **overrides,
    }
    return load_settings({}, None, **values)


class TelegramHarness:
    def __init__(self, client: TestClient, api: FakeBotApi) -> None:  # type: ignore[type-arg]
        self.client = client
        self.api = api
        self.updates = Updates()

    @property
    def channel(self) -> TelegramChannel:
        return self.client.app[CHANNEL_KEY]

    async def post(self, update: dict[str, Any] | str | bytes, secret: str | None = SECRET) -> int:
        """POST to the webhook (a dict as JSON, str/bytes as is); wait for the sends; return the status."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        if isinstance(update, dict):
            response = await self.client.post(WEBHOOK_PATH, json=update, headers=headers)
        else:
            response = await self.client.post(WEBHOOK_PATH, data=update, headers=headers)
        if response.status < 300:  # after a 5xx nothing was kept, and the database may be the reason
            await self.settle()
        return response.status

    async def settle(self) -> None:
        await self.channel.settle()

    async def say(self, chat_id: int, text: str) -> list[dict[str, Any]]:
        """The user types ``text``; returns the sendMessage params of the answer."""
        before = len(self.api.sent(chat_id))
        assert await self.post(self.updates.text(chat_id, text)) == 200
        return self.api.sent(chat_id)[before:]

    def message_with(self, chat_id: int, label: str) -> dict[str, Any]:
        """The newest message in the chat (as the fake holds it now) that has a button ``label``."""
        for (chat, _id), message in sorted(self.api.messages.items(), key=lambda item: -item[0][1]):
            if chat == chat_id and label in self.api.buttons(message):
                return message
        raise AssertionError(f"no message in chat {chat_id} has a button {label!r}")

    async def tap(self, chat_id: int, label: str, message: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The user taps the button ``label`` (on ``message``, else the newest message that has it)."""
        message = message or self.message_with(chat_id, label)
        data = self.api.buttons(message)[label]
        before = len(self.api.sent(chat_id))
        assert await self.post(self.updates.tap(chat_id, message, data)) == 200
        return self.api.sent(chat_id)[before:]

    async def conversation(self, chat_id: int) -> Conversation:
        conversation = await self.client.app[ENGINE].store.load(CHANNEL, str(chat_id))
        assert conversation is not None
        return conversation
