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


def test_a_reply_of_several_messages_is_one_text_with_one_keyboard() -> None:
    back = Choice("cmd:terug", "Terug")
    messages = [
        OutgoingMessage("Die knop hoort bij een eerdere vraag.", kind="notice"),
        OutgoingMessage("", options=(Choice("more:a", "Meer over A"),), actions=(back,)),
        OutgoingMessage("Wie ben jij?", options=(Choice("opt:rol:ja", "Ja"),), actions=(back,)),
    ]
    (piece,) = sends(messages, CallbackKeys())
    assert piece.text == "Die knop hoort bij een eerdere vraag.\n\nWie ben jij?"
    assert piece.markup is not None
    rows = [[button.text for button in row] for row in piece.markup.inline_keyboard]
    assert rows == [["Meer over A"], ["Ja"], ["Terug"]]  # the options of all, each action once


def test_each_party_name_stays_bold_where_it_stands_counted_in_utf16() -> None:
    messages = [
        OutgoingMessage("Hulp 🙂 voor jou."),  # the emoji is two UTF-16 units: the offsets after it shift by two
        OutgoingMessage("Voor wie belt.", title="Kindertelefoon"),
        OutgoingMessage("Sanne zegt hoi.", title="Niet vet", author="Sanne"),  # an agent's words: no bold
        OutgoingMessage("Voor ouders.", title="Ouders 🙂 Online"),
    ]
    (piece,) = sends(messages, CallbackKeys())
    units = piece.text.encode("utf-16-le")
    bold = [units[e.offset * 2 : (e.offset + e.length) * 2].decode("utf-16-le") for e in piece.entities]
    assert bold == ["Kindertelefoon", "Ouders 🙂 Online"]
    assert piece.entities[0].offset == len("Hulp 🙂 voor jou.\n\n") + 1


def test_a_long_reply_is_cut_into_the_fewest_pieces_and_the_bold_follows_its_piece() -> None:
    messages = [OutgoingMessage("a " * 1500), OutgoingMessage("b " * 1500, title="Partij"), OutgoingMessage("c")]
    pieces = sends(messages, CallbackKeys())
    assert len(pieces) == 2 and all(utf16_len(p.text) <= 4096 for p in pieces)
    assert " ".join(p.text for p in pieces).split() == " ".join(m.plain() for m in messages).split()
    assert pieces[0].markup is None and pieces[1].markup is None  # no buttons in this reply
    (bold,) = [(i, e) for i, p in enumerate(pieces) for e in p.entities]
    index, entity = bold
    assert pieces[index].text[entity.offset : entity.offset + entity.length] == "Partij"


def test_a_reply_of_empty_texts_is_not_empty() -> None:
    (piece,) = sends([OutgoingMessage(""), OutgoingMessage(" ", options=(Choice("opt:a:b", "B"),))], CallbackKeys())
    assert piece.text == "…" and piece.markup is not None
