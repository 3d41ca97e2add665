"""A fake LibreTranslate server for tests: a real aiohttp server on 127.0.0.1 with a random port.

It answers ``POST /translate`` like LibreTranslate does (JSON ``{q, source, target, format}`` →
``{"translatedText": …}``; a missing field or an unknown language → 400 ``{"error": …}``) and ``GET /languages``,
and records every call. Point ``translation_url`` at ``fake.url``.

For tests:
- ``calls``: every ``Call`` (path, JSON body, status).
- ``answers[(q, target)] = text``: what to answer for that text; otherwise ``"[source→target] q"``.
- ``fail_next(status=500)``: the next translation fails with that status (LibreTranslate's error body).
- ``garble_next()``: the next answer is 200 but not JSON; ``stall_next(seconds)``: the next answer waits that long.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

LANGUAGES = ("nl", "en", "ar", "tr", "pl", "uk")


@dataclass
class Call:
    path: str
    body: dict[str, Any]
    status: int = 200


@dataclass
class FakeLibreTranslate:
    calls: list[Call] = field(default_factory=list)
    answers: dict[tuple[str, str], str] = field(default_factory=dict)
    port: int = 0
    _failures: list[int] = field(default_factory=list)
    _garbled: int = 0
    _stalls: list[float] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/translate", self._translate)
        app.router.add_get("/languages", self._languages)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, status: int = 500) -> None:
        self._failures.append(status)

    def garble_next(self) -> None:
        self._garbled += 1

    def stall_next(self, seconds: float) -> None:
        self._stalls.append(seconds)

    def translations(self) -> list[dict[str, Any]]:
        """The bodies of every /translate call."""
        return [call.body for call in self.calls if call.path == "/translate"]

    async def _languages(self, request: web.Request) -> web.Response:
        self.calls.append(Call("/languages", {}))
        return web.json_response([{"code": code, "name": code, "targets": list(LANGUAGES)} for code in LANGUAGES])

    async def _translate(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = dict(await request.post())
        call = Call("/translate", dict(body))
        self.calls.append(call)
        if self._stalls:
            await asyncio.sleep(self._stalls.pop(0))
        if self._failures:
            call.status = self._failures.pop(0)
            return web.json_response({"error": "Something went wrong"}, status=call.status)
        if self._garbled:
            self._garbled -= 1
            return web.Response(text="<html>proxy error</html>", content_type="text/html")
        q, source, target = body.get("q"), body.get("source"), body.get("target")
        for name, value in (("q", q), ("source", source), ("target", target)):
            if not value:
                call.status = 400
                return web.json_response({"error": f"Invalid request: missing {name} parameter"}, status=400)
        if source not in (*LANGUAGES, "auto") or target not in LANGUAGES:
            call.status = 400
            return web.json_response({"error": f"{source} is not supported"}, status=400)
        text = self.answers.get((str(q), str(target)), f"[{source}→{target}] {q}")
        answer: dict[str, Any] = {"translatedText": text}
        if source == "auto":
            answer["detectedLanguage"] = {"confidence": 90.0, "language": "en"}
        return web.json_response(answer)
