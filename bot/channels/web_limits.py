"""Limits on what one browser can make the web chat do: frames per socket, open sockets per chat.

- Each socket has a token bucket: ``FRAME_BURST`` frames at once, then ``FRAME_RATE`` per second. A frame
  over the limit gets an error frame (``too_fast``) and is not handled; the socket stays open.
- A chat has at most ``MAX_SOCKETS`` open sockets (tabs); a new one closes the oldest with
  ``TOO_MANY_TABS``, and the page does not reconnect after that code (``static/chat.js``).

The clock is injectable (``time.monotonic`` by default), so tests need no waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable

FRAME_BURST = 5
FRAME_RATE = 1.0  # frames per second, once the burst is used up
MAX_SOCKETS = 5
TOO_MANY_TABS = 4409  # close code for the oldest tab when a chat has too many


class TokenBucket:
    def __init__(
        self, burst: int = FRAME_BURST, rate: float = FRAME_RATE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = burst
        self.rate = rate
        self.clock = clock
        self.tokens = float(burst)
        self.at = clock()

    def take(self) -> bool:
        """Use one token; False (nothing used) when there is none left."""
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + max(0.0, now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True
