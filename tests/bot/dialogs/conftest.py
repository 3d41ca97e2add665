"""Fixtures for the product's own beslisboom (``real_dialog`` lives in tests/conftest.py)."""

from __future__ import annotations

import pytest

from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.i18n import I18n
from storage.repository import ConversationStore


@pytest.fixture
def real_engine(store: ConversationStore, real_dialog: Dialog, i18n: I18n) -> Engine:
    """The real engine on real SQLite, walking the real tree."""
    return Engine(store, real_dialog, i18n, max_text_chars=4000)
