"""Ids in console URLs, forms and socket queries: ASCII digits only, within an INTEGER column's range.

``str.isdigit()`` and ``\\d`` also take ``'²'`` or ``'٣'``, and an unbounded number overflows the
database's 64-bit integers: both used to end in a 500. Everything that reads an id goes through ``parse_id``;
``ID`` is the route pattern, and ``bounded_ids`` answers 404 for any ``*_id`` in a route that is not one.
"""

from __future__ import annotations

import re

from aiohttp import web

from bot.console.auth import Handler

ID = "[0-9]{1,10}"  # for route patterns: "/h/{handoff_id:" + ID + "}"
MAX_ID = 2**31 - 1  # ids are INTEGER columns (PostgreSQL: 4 bytes): a larger one exists nowhere
_ID = re.compile(ID)


def parse_id(text: object) -> int | None:
    """The id in ``text``, or None when it is not ASCII digits within 1 … 2³¹−1."""
    if not isinstance(text, str) or _ID.fullmatch(text) is None:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


@web.middleware
async def bounded_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """404 for a route whose ``*_id`` is not a bounded id (also for routes that still say ``\\d+``)."""
    for key, value in request.match_info.items():
        if key.endswith("_id") and parse_id(value) is None:
            raise web.HTTPNotFound(text="Niet gevonden.")
    return await handler(request)
