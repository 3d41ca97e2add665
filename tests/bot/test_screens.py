"""Every rendered outcome: its numbers and links are the directory's, as data, with every digit."""

from __future__ import annotations

import re

import pytest

from bot.channels import web_frames
from bot.channels.telegram.render import CallbackKeys, sends
from bot.dialogs.dialog import Dialog
from bot.dialogs.model import Contact
from bot.messages import OutgoingMessage
from bot.screens import MORE_PREFIX, card, contact_links, render

DIALOG = Dialog.load()
OUTCOMES = sorted(node_id for node_id, node in DIALOG.tree.nodes.items() if node.type == "outcome")


def expected_href(contact: Contact) -> str:
    if contact.kind == "phone":
        return "tel:" + re.sub(r"\D", "", contact.value)
    return ("mailto:" if contact.kind == "email" else "") + contact.value


def screens_of(node_id: str) -> list[tuple[str, OutgoingMessage]]:
    """(organisation id, message) for each party message and each "Meer over …" card of an outcome."""
    node = DIALOG.node(node_id)
    shown: list[tuple[str, OutgoingMessage]] = []
    for child in (False, True):
        messages = render(DIALOG, node_id, True, child=child)
        parties = [m for m in messages if m.kind == "party"]
        assert len(parties) == len(node.steps)
        shown += [(step.organisation, m) for step, m in zip(node.steps, parties, strict=True)]
        shown += [(s.organisation, card(DIALOG, node_id, s.organisation, True, child=child)) for s in node.steps]
    return shown


@pytest.mark.parametrize("node_id", OUTCOMES)
def test_every_rendered_link_dials_the_directory_number(node_id: str) -> None:
    for org_id, message in screens_of(node_id):
        org = DIALOG.organisation(org_id)
        expected = [expected_href(c) for c in org.contact if c.kind != "in_person"]
        assert [c.href for c in message.contacts] == expected, (node_id, org_id)
        for link in message.contacts:
            if link.kind == "phone":
                assert re.sub(r"\D", "", link.value) == link.href.removeprefix("tel:")
        frame = web_frames.outgoing(message)
        assert [c["href"] for c in frame["contacts"]] == expected
        assert frame["title"] == org.name


@pytest.mark.parametrize("node_id", OUTCOMES)
def test_an_outcome_offers_more_about_each_party(node_id: str) -> None:
    last = render(DIALOG, node_id, True)[-1]
    keys = [choice.key for choice in last.options]
    assert keys == [MORE_PREFIX + step.organisation for step in DIALOG.node(node_id).steps]


def test_telegram_shows_numbers_as_text_in_full() -> None:
    helpwanted = DIALOG.organisation("helpwanted")
    message = OutgoingMessage(
        "Hulp bij beelden online.",
        kind="party",
        title=helpwanted.name,
        contacts=contact_links(helpwanted),
    )
    (piece,) = sends(message, CallbackKeys())
    assert "020-261 52 75" in piece.text and piece.text.startswith(helpwanted.name)
    ((bold),) = piece.entities
    assert (bold.type, bold.offset, bold.length) == ("bold", 0, len(helpwanted.name))


def test_the_urgent_outcomes_show_big_tap_to_call_buttons() -> None:
    urgent = [node_id for node_id, node in DIALOG.tree.nodes.items() if node.urgent and node.type == "outcome"]
    assert urgent
    for node_id in urgent:
        messages = render(DIALOG, node_id, True)
        assert messages[0].kind == "crisis"
        links = [c for m in messages for c in m.contacts]
        assert links and all(c.urgent for c in links)
