"""Limits on what one browser, and one network address, can make the web chat do; what the user is told.

- Each socket has a token bucket: ``FRAME_BURST`` frames at once, then ``FRAME_RATE`` per second. A frame
  over the limit gets an error frame (``too_fast``, with ``retry_after``: when the next one may come) and is
  not handled; the socket stays open, and the page sends the frame again then.
- A chat has at most ``MAX_SOCKETS`` open sockets (tabs); a new one closes the oldest with
  ``TOO_MANY_TABS``, and the page does not reconnect after that code (``static/chat.js``).
- Per client address (``bot.abuse``, settings ``web_*``): open sockets (more get ``TOO_MANY_OPEN`` and close
  code ``TRY_LATER``), new conversations per minute (``BUSY``: the frame is not handled, nothing is stored),
  and lines per conversation (``FULL``). Each refusal comes with the emergency numbers.

The clock is injectable (``time.monotonic`` by default), so tests need no waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bot.dialogs.dialog import Dialog
from bot.i18n import N_, _
from bot.messages import OutgoingMessage
from bot.safety.help import emergency_numbers

FRAME_BURST = 5
FRAME_RATE = 1.0  # frames per second, once the burst is used up
MAX_SOCKETS = 5
TOO_MANY_TABS = 4409  # close code for the oldest tab when a chat has too many
SESSION_CHANGED = 4401  # close code for the other tabs when the session got a new token or ended
TRY_LATER = 4429  # close code after TOO_MANY_OPEN
SEND_SECONDS = 10.0  # a page that does not take a frame in this time is too slow: its socket is closed

BUSY = N_(
    "Vanaf jouw internet (bijvoorbeeld de wifi van school) beginnen nu heel veel mensen een gesprek.\n"
    "Probeer het over een minuut nog een keer."
)
TOO_MANY_OPEN = N_(
    "Vanaf jouw internet (bijvoorbeeld de wifi van school) zijn nu heel veel chats open.\n"
    "Probeer het over een minuut nog een keer."
)
FULL = N_(
    "Dit gesprek is te lang geworden. Ik kan niets meer bewaren.\n"
    "Kies '{new_chat}' onder '{more}' om opnieuw te beginnen."
)


def refusal(text: str, dialog: Dialog, screen: Sequence[OutgoingMessage] = ()) -> list[OutgoingMessage]:
    """A limit's words (a ``N_`` text) with the buttons of ``screen`` again, then the emergency numbers.

    Call inside ``I18n.use``. The buttons come back because the page hid them when the user tapped one.
    """
    with_buttons = [item for item in screen if item.options or item.actions]
    last = with_buttons[-1] if with_buttons else None
    words = _(text).format(new_chat=_("Nieuw gesprek"), more=_("Meer"))
    notice = OutgoingMessage(
        words, options=last.options if last else (), actions=last.actions if last else (), kind="notice"
    )
    return [notice, emergency_numbers(dialog)]


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
        self._refill()
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def wait(self) -> float:
        """Seconds until a token is there again (0 when there is one now)."""
        self._refill()
        return max(0.0, (1.0 - self.tokens) / self.rate)

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + max(0.0, now - self.at) * self.rate)
        self.at = now
