"""The lifecycle of a warm referral to a partner organisation, declared once: the states and who moves it.

    proposed ──consent──▶ sent ──accept──▶ accepted
    proposed ──refuse───▶ withdrawn ◀──withdraw── sent
    sent ──decline──▶ declined ──close──▶ closed
    proposed | sent ──expire──▶ expired ──close──▶ closed

- ``proposed``: an agent wrote a referral note; the user sees it word for word and nobody outside the helpdesk
  does. Only the user's "Ja" moves it on (``consent``); "Nee" ends it (``refuse``).
- ``sent``: with the user's consent; now the partner organisation sees it (``PARTNER_SEES``) and accepts it or
  declines it with a reason. Until then the user may ``withdraw`` it.
- ``declined`` and ``expired`` (no answer within ``referral_timeout_days``, from the user to a proposal or from
  the partner to a sent one) have come back to the helpdesk (``BACK``): its page lists them first, until an
  agent sees to them (``close``). Nobody falls between the cracks.
- ``accepted``, ``withdrawn`` and ``closed`` are final. ``withdrawn`` with no ``consented_at`` is a "Nee".

``referrals.status`` is the only truth of it. One shared ``transitions`` Machine holds the rules; nothing is
ever added to it. Storage asks it which states a trigger may leave (``sources``) and where it leads
(``destination``) and writes each change as one conditional UPDATE (``… WHERE status IN sources``), so a race
(the user withdraws while the partner accepts, two workers expire at once) has exactly one winner. The drawing
in ``docs/referral_lifecycle.md`` is made from the same data (``wegwijzer lifecycle draw``).
"""

from __future__ import annotations

import logging
from typing import Any

from storage.lifecycle import Lifecycle

logger = logging.getLogger(__name__)

PROPOSED, SENT, ACCEPTED, DECLINED, EXPIRED, WITHDRAWN, CLOSED = (
    "proposed",
    "sent",
    "accepted",
    "declined",
    "expired",
    "withdrawn",
    "closed",
)
STATES = (PROPOSED, SENT, ACCEPTED, DECLINED, EXPIRED, WITHDRAWN, CLOSED)
INITIAL = PROPOSED
PARTNER_SEES = (SENT, ACCEPTED)  # what a partner organisation sees of the referrals addressed to it
BACK = (DECLINED, EXPIRED)  # came back to the helpdesk: an agent must see to it
OPEN = (PROPOSED, SENT, ACCEPTED)  # a referral of a conversation to an organisation that still stands

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "consent", "source": PROPOSED, "dest": SENT},  # the user: "Ja, stuur het door"
    {"trigger": "refuse", "source": PROPOSED, "dest": WITHDRAWN},  # the user: "Nee"
    {"trigger": "withdraw", "source": SENT, "dest": WITHDRAWN},  # the user: "Trek de doorverwijzing in"
    {"trigger": "accept", "source": SENT, "dest": ACCEPTED},  # the partner organisation takes it
    {"trigger": "decline", "source": SENT, "dest": DECLINED},  # the partner organisation, with a reason
    {"trigger": "expire", "source": [PROPOSED, SENT], "dest": EXPIRED},  # nobody answered in time
    {"trigger": "close", "source": list(BACK), "dest": CLOSED},  # an agent saw to what came back
]

LIFECYCLE = Lifecycle(
    "The lifecycle of a warm referral",
    "storage/referral_lifecycle.py",
    states=STATES,
    transitions=TRANSITIONS,
    initial=INITIAL,
    finals=[ACCEPTED, WITHDRAWN, CLOSED],
)
MACHINE = LIFECYCLE.machine
sources = LIFECYCLE.sources
destination = LIFECYCLE.destination
mermaid = LIFECYCLE.mermaid
markdown = LIFECYCLE.markdown
