"""Fuzzing the console's forms (hypothesis) over real HTTP: the login form, the reason form and the actions on a
conversation (claim, reply, end, note, transfer), with any field values and ids, as form or JSON, logged in
with the right CSRF token, with a wrong one, and not logged in. Never a 5xx, never a traceback in the log, and
the agent's session works on afterwards.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestServer
from hypothesis import example, given
from hypothesis import strategies as st
from yarl import URL

from tests.console.conftest import Client, add_agent, logged_in, post
from tests.console.test_live import user_says
from tests.fuzzing import FUZZ, JSON, ODD_TEXT, RAW_JSON, assert_clean_log

ACTIONS = ["h/{}/claim", "h/{}/reply", "h/{}/end", "h/{}/transfer", "c/{}/note", "c/{}/reason"]
FIELDS = ["text", "outcome", "organisation", "note", "to", "reason", "csrf", "canned"]
IDS = st.one_of(
    st.sampled_from(["1", "2", "0", "01", "2147483647", "2147483648", "9" * 30, "-1", "²", "١", "1 ", "1.0"]),
    ODD_TEXT.filter(lambda text: text not in ("", ".", "..")),
)
VALUE = st.one_of(ODD_TEXT, ODD_TEXT, st.sampled_from(["queue", "referred", "solved", "2", "x" * 5000]), JSON)
FIELD_VALUES = st.dictionaries(st.sampled_from(FIELDS) | ODD_TEXT, VALUE, max_size=4)


@pytest.fixture
async def agent(client: Client, server: TestServer) -> str:
    """Anna, logged in, who claimed conversation 1 (hand-off 1); her CSRF token."""
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    assert (await post(client, "/console/h/1/claim", csrf)).status == 200
    return csrf


def path_of(action: str, id_text: str) -> URL:
    """The action's URL with ``id_text`` as its id, percent-encoded as a browser would (lone surrogates too)."""
    return URL("/console/" + action.format(quote(id_text, safe="", errors="surrogatepass")), encoded=True)


def body_of(fields: dict[str, Any], as_json: bool) -> tuple[bytes, str]:
    """(body, content type): JSON as the console's script sends it, or a urlencoded form of the values as text."""
    if as_json:
        return json.dumps(fields).encode(), "application/json"
    pairs = [f"{form_quote(key)}={form_quote(value)}" for key, value in fields.items()]
    return "&".join(pairs).encode(), "application/x-www-form-urlencoded"


def form_quote(value: Any) -> str:
    return quote(str(value), errors="surrogatepass")


async def still_works(client: Client, csrf: str) -> None:
    """The agent's session goes on: the queue page opens and a POST with the token is taken."""
    page = await client.get("/console/", allow_redirects=False)
    assert page.status == 200, page.status
    assert (await post(client, "/console/alive", csrf)).status in (200, 204)


@FUZZ
@given(fields=FIELD_VALUES, keep_token=st.booleans(), as_json=st.booleans())
@example(fields={"name": "ännä²", "password": "x", "login_token": "tökén"}, keep_token=False, as_json=False)
@example(fields={"name": ["anna"], "password": {"a": 1}}, keep_token=True, as_json=True)
@example(fields={"name": "anna", "password": "\ud800"}, keep_token=True, as_json=True)
async def test_the_login_form_takes_anything_without_a_5xx(
    client: Client,
    server: TestServer,
    caplog: pytest.LogCaptureFixture,
    fields: dict[str, Any],
    keep_token: bool,
    as_json: bool,
) -> None:
    caplog.clear()
    page = await client.get("/console/login")
    assert page.status == 200
    token = (await page.text()).split('name="login_token" value="', 1)[1].split('"', 1)[0]
    if keep_token:
        fields = {**fields, "login_token": token}
    body, content_type = body_of(fields, as_json)
    answer = await client.post(
        "/console/login", data=body, headers={"Content-Type": content_type}, allow_redirects=False
    )
    assert answer.status < 500 and answer.status in (303, 400, 401, 403, 413, 429), answer.status
    assert_clean_log(caplog)


@FUZZ
@given(body=RAW_JSON.map(lambda text: text.encode("utf-8", "surrogatepass")), as_json=st.booleans())
@example(body=b'{"name": ' + b"9" * 5000 + b"}", as_json=True)
@example(body=b"[" * 10_000, as_json=True)
@example(body=b"\xff\xfe=\xed\xa0\x80", as_json=False)
async def test_a_broken_login_body_is_a_4xx(
    client: Client, caplog: pytest.LogCaptureFixture, body: bytes, as_json: bool
) -> None:
    caplog.clear()
    content_type = "application/json" if as_json else "application/x-www-form-urlencoded"
    answer = await client.post("/console/login", data=body, headers={"Content-Type": content_type})
    assert 400 <= answer.status < 500, answer.status
    assert_clean_log(caplog)


@FUZZ
@given(
    action=st.sampled_from(ACTIONS),
    id_text=IDS,
    fields=FIELD_VALUES,
    csrf=st.sampled_from(["right", "none", "wrong"]),
    as_json=st.booleans(),
)
@example(action="c/{}/reason", id_text="1", fields={"reason": "\ud800" * 20}, csrf="right", as_json=True)
@example(action="h/{}/reply", id_text="1", fields={"text": "hoi \ud800"}, csrf="right", as_json=True)
@example(action="c/{}/note", id_text="1", fields={"text": ["a"]}, csrf="right", as_json=True)
@example(action="h/{}/transfer", id_text="1", fields={"to": "9" * 30}, csrf="right", as_json=False)
@example(action="h/{}/end", id_text="9" * 30, fields={"outcome": "solved"}, csrf="right", as_json=True)
@example(action="c/{}/reason", id_text="²", fields={"reason": "omdat het moet"}, csrf="right", as_json=False)
async def test_actions_take_any_fields_and_ids_without_a_5xx(
    client: Client,
    agent: str,
    caplog: pytest.LogCaptureFixture,
    action: str,
    id_text: str,
    fields: dict[str, Any],
    csrf: str,
    as_json: bool,
) -> None:
    caplog.clear()
    body, content_type = body_of(fields, as_json)
    headers = {"Content-Type": content_type, **({"X-CSRF-Token": agent} if csrf == "right" else {})}
    if csrf == "wrong":
        headers["X-CSRF-Token"] = "x" + agent[1:]
    answer = await client.post(path_of(action, id_text), data=body, headers=headers, allow_redirects=False)
    assert answer.status < 500, (answer.status, await answer.text())
    if csrf != "right" and "csrf" not in fields:
        assert answer.status in (403, 404), answer.status
    assert_clean_log(caplog)
    await still_works(client, agent)


@FUZZ
@given(action=st.sampled_from(ACTIONS), id_text=IDS, fields=FIELD_VALUES, as_json=st.booleans())
async def test_actions_without_a_session_are_refused(
    client: Client,
    server: TestServer,
    caplog: pytest.LogCaptureFixture,
    action: str,
    id_text: str,
    fields: dict[str, Any],
    as_json: bool,
) -> None:
    caplog.clear()
    body, content_type = body_of(fields, as_json)
    answer = await client.post(
        path_of(action, id_text), data=body, headers={"Content-Type": content_type}, allow_redirects=False
    )
    assert answer.status in (401, 404), answer.status
    assert_clean_log(caplog)
