"""What `wegwijzer serve` writes while someone chats: no client address, no typed text, no chat id or token.

The real command in its own process (temporary SQLite), a real web chat over HTTP and a WebSocket from the
client address 127.0.0.2 (the server listens on 127.0.0.1, so the start-up line cannot contain it), and then
the whole of what the process wrote to stdout and stderr.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp

from bot.channels.web_session import COOKIE
from tests.bot.test_cli import WEGWIJZER, environment, run

CLIENT_ADDRESS = "127.0.0.2"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def next_frame(ws: aiohttp.ClientWebSocketResponse, kind: str, seen: list[dict[str, Any]]) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = await ws.receive_json(timeout=10)
        seen.append(frame)
        if frame["type"] == kind:
            return frame


def action_key(frames: list[dict[str, Any]], label: str) -> str:
    for frame in reversed(frames):
        for message in frame.get("messages", []):
            for choice in message.get("actions", []) + message.get("options", []):
                if choice["label"] == label:
                    return str(choice["key"])
    raise AssertionError(f"no button {label!r} was offered")


async def test_serving_a_chat_logs_no_address_text_chat_id_or_token(tmp_path: Path) -> None:
    code, _, _ = await run(tmp_path, "db", "upgrade")
    assert code == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    typed = f"mijn geheime zin {secrets.token_hex(6)}"
    with log_path.open("wb") as log:
        server = await asyncio.create_subprocess_exec(
            *WEGWIJZER, "serve", "--port", str(port), env=environment(tmp_path), stdout=log, stderr=log
        )
        try:
            connector = aiohttp.TCPConnector(local_addr=(CLIENT_ADDRESS, 0))
            async with aiohttp.ClientSession(connector=connector) as session:
                for _attempt in range(300):
                    try:
                        async with session.get(f"{base}/healthz") as response:
                            assert response.status == 200
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.1)
                else:
                    raise AssertionError("the server never answered /healthz")
                assert (await session.get(f"{base}/")).status == 200
                assert (await session.get(f"{base}/no-such-page")).status == 404
                frames: list[dict[str, Any]] = []
                async with session.ws_connect(f"{base}/chat/ws", headers={"Origin": base}) as ws:
                    await next_frame(ws, "history", frames)
                    await ws.send_json({"type": "choice", "id": "p1", "key": "opt:welkom:start"})
                    ticket = (await next_frame(ws, "rotate", frames))["ticket"]  # it comes before the answer
                    await next_frame(ws, "messages", frames)
                    rotated = await session.post(
                        f"{base}/chat/rotate", json={"ticket": ticket}, headers={"Origin": base}
                    )
                    assert rotated.status == 204
                    token = rotated.cookies[COOKIE].value
                    await ws.send_json({"type": "text", "id": "p2", "text": typed})
                    await next_frame(ws, "messages", frames)
                    await ws.send_json({"type": "choice", "id": "p3", "key": action_key(frames, "Praat met een mens")})
                    answer = await next_frame(ws, "messages", frames)
                    assert answer["reply_to"] == "p3"
        finally:
            server.terminate()
            assert await asyncio.wait_for(server.wait(), 30) == 0

    with sqlite3.connect(tmp_path / "cli.sqlite3") as db:
        chat_ids = [row[0] for row in db.execute("SELECT chat_id FROM conversations WHERE channel = 'web'")]
        said = [row[0] for row in db.execute("SELECT text FROM transcript_entries WHERE sender = 'user'")]
    assert chat_ids and typed in said, "the chat really happened"
    written = log_path.read_text(errors="replace")
    assert f"127.0.0.1:{port}" in written, "the log was captured"
    for secret in (CLIENT_ADDRESS, typed, token, *chat_ids):
        assert secret not in written, f"the log contains {secret!r}"
