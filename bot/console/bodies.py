"""Request bodies of the console: JSON objects or plain forms, read with a size and a depth guard.

The console's own script sends flat objects. Deeply nested JSON made ``json.loads`` raise
``RecursionError`` (a 500); a huge body tied up memory. Here a body over ``MAX_BODY`` bytes is a 413, and
JSON nested deeper than ``MAX_DEPTH`` (counted on the text, strings left out, before parsing) a 400. A body
that is not in within ``http_body_timeout_seconds`` is a 408 (``bot/http_bodies.py``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from bot.http_bodies import read_body, read_form

MAX_BODY = 256 * 1024  # bytes; a reply is at most a few thousand characters
MAX_DEPTH = 8
# One pass: a string (to its end, or to the end of the text when unterminated: linear, no backtracking) or a
# bracket; only brackets count.
_TOKENS = re.compile(r'"(?:[^"\\]+|\\.)*"?|[\[\]{}]', re.DOTALL)


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON in ``text`` nests arrays/objects deeper than ``limit`` (brackets inside strings skipped)."""
    depth = 0
    for token in _TOKENS.finditer(text):
        mark = token.group()
        if mark.startswith('"'):
            continue
        depth += 1 if mark in "[{" else -1
        if depth > limit:
            return True
    return False


async def read_fields(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length)
    if request.content_type == "application/json":
        raw = await read_body(request)  # client_max_size caps it too; read() keeps it for later readers
        if len(raw) > MAX_BODY:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=len(raw))
        try:
            text = raw.decode("utf-8")
            if too_deep(text):
                raise web.HTTPBadRequest(text="Te diep geneste JSON.")
            body = json.loads(text)
        except (ValueError, RecursionError):
            raise web.HTTPBadRequest(text="Geen geldige JSON.") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="Verwacht een object.")
        return body
    try:
        return dict(await read_form(request))
    except ValueError:
        raise web.HTTPBadRequest(text="Geen geldig formulier.") from None
