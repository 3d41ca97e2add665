"""Engine messages as Telegram sends: long texts in pieces, keyboards, callback data within 64 bytes."""

from __future__ import annotations

from bot.channels.telegram.render import CallbackKeys, keyboard, sends, split_text, utf16_len
from bot.messages import Choice, OutgoingMessage


def test_a_short_text_is_one_piece() -> None:
    assert split_text("Hoi") == ["Hoi"]


def test_a_long_text_is_cut_at_a_paragraph_under_the_limit() -> None:
    text = "a" * 3000 + "\n\n" + "b" * 3000
    assert split_text(text) == ["a" * 3000, "b" * 3000]


def test_a_text_without_breaks_is_cut_hard() -> None:
    pieces = split_text("x" * 9000)
    assert [len(p) for p in pieces] == [4096, 4096, 808]


def test_the_limit_counts_utf16_units_and_never_splits_an_emoji() -> None:
    pieces = split_text("🙂" * 3000)
    assert all(utf16_len(p) <= 4096 for p in pieces)
    assert "".join(pieces) == "🙂" * 3000


def test_the_keyboard_goes_on_the_last_piece_only() -> None:
    message = OutgoingMessage("w " * 3000, options=(Choice("opt:a:b", "B"),))
    pieces = sends(message, CallbackKeys())
    assert len(pieces) == 2 and pieces[0].markup is None and pieces[1].markup is not None


def test_a_key_longer_than_64_bytes_travels_as_a_hash_and_comes_back() -> None:
    keys = CallbackKeys()
    long_key = "opt:" + "een_heel_lange_stap_naam" * 3 + ":ja"
    markup = keyboard(OutgoingMessage("?", options=(Choice(long_key, "Ja"),)), keys)
    assert markup is not None
    data = markup.inline_keyboard[0][0].callback_data
    assert isinstance(data, str) and len(data.encode()) <= 64
    assert keys.decode(data) == long_key
    assert keys.decode("opt:a:b") == "opt:a:b"
