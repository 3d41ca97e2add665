"""Refer to a user's platform id in logs without writing the id itself.

A Telegram private chat id is the user's account id. Logs get a keyed hash instead: stable within one run
(so one chat's lines can be followed), meaningless outside it (the key is random per process).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_KEY = secrets.token_bytes(32)


def ref(value: str | int) -> str:
    return hmac.new(_KEY, str(value).encode(), hashlib.sha256).hexdigest()[:10]
