"""Warm referral on both databases, over a real server: the agent proposes in a live chat, the user decides, one
partner organisation answers and another sees nothing; withdrawal, a "Nee", a decline with a reason and the
timeout; every view audited; /vergeet deletes it. What the user saw and what the tables hold are checked.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select, text

from bot.appkeys import STORE
from bot.console.auth import hash_password
from bot.messages import IncomingMessage, OutgoingMessage
from storage.models import Referral, utcnow
from storage.partners import PartnerStore
from storage.referrals import REFERRALS, expire_overdue
from tests.console.conftest import PASSWORD, Client, add_agent, bot_engine, logged_in, login, post
from tests.console.test_audit import audit_rows
from tests.console.test_live import user_says
from tests.fakes.helpdesk import Recorder

NOTE = "Ze wordt al maanden gepest in de klas.\nZe wil graag met iemand praten."
CONTACT = "Bel haar moeder na 16:00 op 06-12345678"
BEFORE = "Ik word gepest op school."
AFTER = "Dit schrijf ik pas na de toestemming."


@pytest.fixture
async def server(desk: TestServer) -> TestServer:
    """The product on SQLite and on PostgreSQL (tests/console/conftest.py), with Anna and two partner organisations."""
    await add_agent(desk, "anna")
    partners = PartnerStore(desk.app[STORE].engine)
    await partners.add("kt", "Kim", hash_password(PASSWORD), "kindertelefoon")
    await partners.add("vt", "Vera", hash_password(PASSWORD), "veilig_thuis")
    return desk


async def partner_in(client: Client, name: str) -> str:
    """Log a partner in (they land on their own page) and return the session's CSRF token."""
    response = await login(client, name)
    assert response.status == 303, await response.text()
    page = await client.get("/console/")  # the queue's address sends a partner to their page
    assert page.url.path == "/console/partner" and page.status == 200
    found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert found is not None
    return found.group(1)


async def live_with_anna(client: Client, server: TestServer) -> str:
    """Conversation 1 (chat c1) is live with Anna, after the user wrote BEFORE; Anna's CSRF token."""
    csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    await user_says(server, BEFORE)
    assert (await post(client, "/console/h/1/claim", csrf)).status == 200
    return csrf


async def propose(client: Client, csrf: str, organisation: str = "kindertelefoon", **more: Any) -> Any:
    fields = {"organisation": organisation, "note": NOTE, "contact": CONTACT, "met_gesprek": True, **more}
    return await post(client, "/console/h/1/doorverwijzen", csrf, **fields)


async def taps(server: TestServer, key: str, chat_id: str = "c1") -> list[OutgoingMessage]:
    reply = await bot_engine(server).handle(IncomingMessage("test", chat_id, choice=key))
    return reply.messages


async def status_of(server: TestServer, referral_id: int = 1) -> str | None:
    async with server.app[STORE].engine.connect() as conn:
        return await conn.scalar(select(REFERRALS.c.status).where(REFERRALS.c.id == referral_id))


async def referral_counts(server: TestServer) -> dict[tuple[str, str], int]:
    async with server.app[STORE].engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT node, detail, SUM(count) FROM monitoring_counts WHERE kind = 'referral' GROUP BY node, detail")
        )
        return {(row[0], row[1]): int(row[2]) for row in rows}


async def test_from_consent_to_acceptance_and_only_that_organisation_sees_it(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient, recorder: Recorder
) -> None:
    csrf = await live_with_anna(client, server)
    response = await propose(client, csrf)
    assert response.status == 200, await response.text()
    assert (await response.json()) == {"ok": True, "referral": 1}
    asked = recorder.sent[-1][1]
    assert asked.text.startswith("Wil je hulp van ") and "Kindertelefoon" in asked.text
    assert f"“{NOTE}”" in asked.text and CONTACT in asked.text, "the note and the contact wish word for word"
    assert "Ons hele gesprek gaat ook mee." in asked.text
    assert [(o.key, o.label) for o in asked.options] == [("ref:yes:1", "Ja, stuur het door"), ("ref:no:1", "Nee")]
    assert await status_of(server) == "proposed"

    kim, vera = await aiohttp_client(server), await aiohttp_client(server)
    kim_csrf, vera_csrf = await partner_in(kim, "kt"), await partner_in(vera, "vt")
    for partner, token in ((kim, kim_csrf), (vera, vera_csrf)):  # before the user said yes: nobody sees it
        assert "Er zijn geen doorverwijzingen" in await (await partner.get("/console/partner")).text()
        assert (await partner.get("/console/partner/1")).status == 404
        assert (await partner.get("/console/partner/1/gesprek")).status == 404
        assert (await post(partner, "/console/partner/1/aannemen", token)).status == 404
    assert await status_of(server) == "proposed"

    said = await taps(server, "ref:yes:1")
    assert "Je bericht is verstuurd naar" in said[0].text
    assert [a.label for a in said[0].actions] == ["Trek de doorverwijzing in"]
    assert await status_of(server) == "sent"
    await user_says(server, AFTER)  # still in the live chat: not part of what was shared

    for path in ("/console/partner/1", "/console/partner/1/gesprek"):  # another organisation: as if it did not exist
        response = await vera.get(path)
        assert response.status == 404 and NOTE.splitlines()[0] not in await response.text()
    assert (await post(vera, "/console/partner/1/aannemen", vera_csrf)).status == 404
    assert (await post(vera, "/console/partner/1/afwijzen", vera_csrf, reason="Niet voor ons bedoeld")).status == 404
    assert "Er zijn geen doorverwijzingen" in await (await vera.get("/console/partner")).text()
    assert await status_of(server) == "sent"

    listing = await (await kim.get("/console/partner")).text()
    assert '<a href="/console/partner/1">Openen</a>' in listing and "Nieuw" in listing
    assert NOTE.splitlines()[0] not in listing  # the list shows no content
    page = await (await kim.get("/console/partner/1")).text()
    assert NOTE.splitlines()[0] in page and "06-12345678" in page and "Lees het gesprek" in page
    shared = await (await kim.get("/console/partner/1/gesprek")).text()
    assert BEFORE in shared and "Ja, stuur het door" in shared and AFTER not in shared
    assert (await kim.get("/console/c/1")).status == 403, "a partner never opens the conversation itself"

    response = await post(kim, "/console/partner/1/aannemen", kim_csrf)
    assert response.status == 303 and response.headers["Location"] == "/console/partner/1"
    assert await status_of(server) == "accepted"
    said = await taps(server, "ref:withdraw:1")  # too late now: honest about it
    assert "Intrekken kan niet meer." in said[0].text
    assert await status_of(server) == "accepted"

    helpdesk = await (await client.get("/console/doorverwijzingen")).text()
    assert "Aangenomen" in helpdesk and "Kim" in helpdesk and NOTE.splitlines()[0] not in helpdesk
    rows = await audit_rows(server)
    kim_id = await _id(server, "kt")
    vera_id = await _id(server, "vt")
    assert (kim_id, 1, "referral_view:1") in rows and (kim_id, 1, "referral_transcript:1") in rows
    assert (kim_id, 1, "referral_accept:1") in rows and (kim_id, None, "referral_list") in rows
    veras = [(conversation, action) for agent, conversation, action in rows if agent == vera_id]
    assert set(veras) == {(None, "login"), (None, "referral_list")}, "Vera was shown nothing of this referral"
    assert (await _id(server, "anna"), 1, "referral_propose:1") in rows
    assert await referral_counts(server) == {
        ("kindertelefoon", "proposed"): 1,
        ("kindertelefoon", "sent"): 1,
        ("kindertelefoon", "accepted"): 1,
    }


async def _id(server: TestServer, name: str) -> int:
    from bot.console.keys import AGENTS

    agent = await server.app[AGENTS].by_name(name)
    assert agent is not None and agent.id is not None
    return agent.id


async def test_the_user_withdraws_before_acceptance_and_the_partner_loses_sight_of_it(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    csrf = await live_with_anna(client, server)
    assert (await propose(client, csrf, met_gesprek=False)).status == 200
    await taps(server, "ref:yes:1")
    kim = await aiohttp_client(server)
    kim_csrf = await partner_in(kim, "kt")
    assert (await kim.get("/console/partner/1")).status == 200
    assert (await kim.get("/console/partner/1/gesprek")).status == 404, "the user shared only the note"
    said = await taps(server, "ref:withdraw:1")
    assert "Je hebt de doorverwijzing ingetrokken." in said[0].text
    assert await status_of(server) == "withdrawn"
    assert (await kim.get("/console/partner/1")).status == 404
    assert (await post(kim, "/console/partner/1/aannemen", kim_csrf)).status == 404
    assert "Er zijn geen doorverwijzingen" in await (await kim.get("/console/partner")).text()
    again = await taps(server, "ref:withdraw:1")
    assert "Je hebt de doorverwijzing ingetrokken." in again[0].text  # a second tap says the same, changes nothing
    assert await referral_counts(server) == {
        ("kindertelefoon", "proposed"): 1,
        ("kindertelefoon", "sent"): 1,
        ("kindertelefoon", "withdrawn"): 1,
    }


async def test_no_means_nothing_is_sent_and_a_button_of_another_chat_does_nothing(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    csrf = await live_with_anna(client, server)
    assert (await propose(client, csrf)).status == 200
    await user_says(server, "Hallo", chat_id="c2")
    forged = await taps(server, "ref:yes:1", chat_id="c2")  # conversation 2 tries conversation 1's button
    assert forged[0].text == "Deze vraag over doorsturen geldt niet meer."
    for key in ("ref:yes:99", "ref:yes:²", "ref:yes:99999999999999999999", "ref:maybe:1", "ref:"):
        assert (await taps(server, key))[0].text == "Deze vraag over doorsturen geldt niet meer."
    assert await status_of(server) == "proposed"
    said = await taps(server, "ref:no:1")
    assert "We sturen niets naar" in said[0].text
    assert await status_of(server) == "withdrawn"
    assert (await taps(server, "ref:yes:1"))[0].text.startswith("Goed. We sturen niets")  # "Nee" stands
    kim = await aiohttp_client(server)
    await partner_in(kim, "kt")
    assert (await kim.get("/console/partner/1")).status == 404
    async with server.app[STORE].engine.connect() as conn:
        consented = await conn.scalar(select(REFERRALS.c.consented_at))
    assert consented is None
    helpdesk = await (await client.get("/console/doorverwijzingen?gesprek=1")).text()
    assert "De gebruiker zei nee" in helpdesk


async def test_a_decline_with_a_reason_comes_back_to_the_helpdesk(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    csrf = await live_with_anna(client, server)
    assert (await propose(client, csrf)).status == 200
    await taps(server, "ref:yes:1")
    kim = await aiohttp_client(server)
    kim_csrf = await partner_in(kim, "kt")
    assert (await post(kim, "/console/partner/1/afwijzen", kim_csrf, reason=" ok ")).status == 400
    assert await status_of(server) == "sent"
    reason = "Wij helpen alleen kinderen tot 18 jaar."
    response = await post(kim, "/console/partner/1/afwijzen", kim_csrf, reason=reason)
    assert response.status == 303 and response.headers["Location"] == "/console/partner"
    assert await status_of(server) == "declined"
    assert (await kim.get("/console/partner/1")).status == 404  # no longer theirs to read

    page = await (await client.get("/console/doorverwijzingen")).text()
    came_back = page.split("<h2>Alle andere</h2>")[0]
    assert "Teruggekomen (1)" in came_back and "Afgewezen" in came_back
    detail = await (await client.get("/console/doorverwijzingen/1")).text()
    assert reason in detail and NOTE.splitlines()[0] in detail
    response = await post(client, "/console/doorverwijzingen/1/afgehandeld", csrf)
    assert response.status == 200 and (await response.json())["ok"] is True
    assert await status_of(server) == "closed"
    assert "Teruggekomen (0)" in await (await client.get("/console/doorverwijzingen")).text()
    assert (await post(client, "/console/doorverwijzingen/1/afgehandeld", csrf)).status == 409
    anna = await _id(server, "anna")
    assert (anna, 1, "referral_view:1") in await audit_rows(server)
    assert (anna, 1, "referral_close:1") in await audit_rows(server)


async def test_not_accepted_in_time_comes_back_and_an_unanswered_proposal_too(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    csrf = await live_with_anna(client, server)
    assert (await propose(client, csrf)).status == 200
    await taps(server, "ref:yes:1")
    assert (await propose(client, csrf, organisation="veilig_thuis")).status == 200  # the user never answers
    engine = server.app[STORE].engine
    now = utcnow()
    assert await expire_overdue(engine, now + timedelta(days=4), 5) == 0
    assert await expire_overdue(engine, now + timedelta(days=6), 5) == 2
    assert await expire_overdue(engine, now + timedelta(days=6), 5) == 0  # idempotent
    assert [await status_of(server, 1), await status_of(server, 2)] == ["expired", "expired"]
    kim = await aiohttp_client(server)
    await partner_in(kim, "kt")
    assert (await kim.get("/console/partner/1")).status == 404
    assert (await taps(server, "ref:yes:2"))[0].text == "Deze vraag over doorsturen geldt niet meer."
    page = await (await client.get("/console/doorverwijzingen")).text()
    assert "Teruggekomen (2)" in page and page.count("Niet op tijd beantwoord") == 2
    counts = await referral_counts(server)
    assert counts[("kindertelefoon", "expired")] == 1 and counts[("veilig_thuis", "expired")] == 1


async def test_the_form_refuses_what_cannot_be_sent(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    csrf = await live_with_anna(client, server)
    cases = [
        ({"organisation": "nergens"}, "Kies een organisatie"),
        ({"organisation": "ouders_onderwijs"}, "heeft nog geen partneraccount"),
        ({"note": "kort"}, "korte notitie"),
        ({"note": "x" * 1001}, "korte notitie"),
        ({"contact": "   "}, "contact"),
        ({"note": ["een lijst"]}, "korte notitie"),
    ]
    for change, error in cases:
        response = await propose(client, csrf, **change)
        assert response.status == 400 and error in (await response.json())["error"], change
    assert (await propose(client, csrf)).status == 200
    response = await propose(client, csrf)  # the same organisation again while the first stands
    assert response.status == 400 and "Er loopt al een doorverwijzing" in (await response.json())["error"]
    bram_client = await aiohttp_client(server)
    await add_agent(server, "bram")
    bram = await logged_in(bram_client, "bram")
    fields = {"organisation": "veilig_thuis", "note": NOTE, "contact": CONTACT}
    response = await post(bram_client, "/console/h/1/doorverwijzen", bram, **fields)
    assert response.status == 409  # not Bram's live chat
    form = await client.post(  # the plain form of the page: back to the chat
        "/console/h/1/doorverwijzen",
        data={"csrf": csrf, "organisation": "veilig_thuis", "note": NOTE, "contact": CONTACT},
        allow_redirects=False,
    )
    assert form.status == 303 and form.headers["Location"] == "/console/c/1"
    refused = await client.post(
        "/console/h/1/doorverwijzen", data={"csrf": csrf, "organisation": "veilig_thuis"}, allow_redirects=False
    )
    assert refused.status == 400 and "Dat lukte niet" in await refused.text()
    page = await (await client.get("/console/c/1")).text()
    assert 'action="/console/h/1/doorverwijzen"' in page and "Met het gesprek erbij" in page


async def test_a_colleague_needs_a_reason_to_read_a_referral(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    csrf = await live_with_anna(client, server)
    assert (await propose(client, csrf)).status == 200
    await add_agent(server, "bram")
    bram = await aiohttp_client(server)
    bram_csrf = await logged_in(bram, "bram")
    assert "Gesprek 1" in await (await bram.get("/console/doorverwijzingen")).text()  # the list: no content
    response = await bram.get("/console/doorverwijzingen/1")
    assert response.status == 403 and NOTE.splitlines()[0] not in await response.text()
    assert (await post(bram, "/console/doorverwijzingen/1/afgehandeld", bram_csrf)).status == 403
    assert (await bram.get("/console/doorverwijzingen/2")).status == 404
    assert not [row for row in await audit_rows(server) if row[2].startswith("referral_view")]


async def test_forgetting_the_conversation_deletes_its_referrals(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    csrf = await live_with_anna(client, server)
    assert (await propose(client, csrf)).status == 200
    await taps(server, "ref:yes:1")
    assert (await propose(client, csrf, organisation="veilig_thuis")).status == 200
    await user_says(server, "/vergeet")
    await taps(server, "forget:yes")
    async with server.app[STORE].engine.connect() as conn:
        assert (await conn.execute(select(REFERRALS))).all() == []
        assert await conn.scalar(text("SELECT count(*) FROM conversations")) == 0
    kim = await aiohttp_client(server)
    await partner_in(kim, "kt")
    assert (await kim.get("/console/partner/1")).status == 404
    assert "Er zijn geen doorverwijzingen" in await (await kim.get("/console/partner")).text()


def test_a_referral_row_holds_no_more_than_the_form() -> None:
    assert {column.name for column in REFERRALS.columns} == set(Referral.model_fields)
