"""display names that look like a name: accounts made without ``--display-name`` showed users their login

Until now ``wegwijzer agent add anna`` stored "anna" as the name users read ("Je praat nu met anna"). Such an
account (its display name is its login name, or starts with a lower-case letter) gets its login's letters,
each word capitalised: "anna" → "Anna", "anna123" → "Anna", "j.devries" → "J Devries"; "Medewerker" when
fewer than two letters are left. Other display names stay as they are: an admin chose them, and the admins'
page shows any that does not pass ``bot/console/display_names.py`` so it can be changed there. Data only: no
schema change. The rule is written out here (not imported), so this revision does the same thing for ever.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 16:00:00

"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AGENTS = sa.table(
    "agents", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("display_name", sa.String)
)


def _from_login(login: str) -> str:
    words = re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", login))
    name = " ".join(word[:1].upper() + word[1:].lower() for word in words)[:40].strip()
    return name if len(name) >= 2 else "Medewerker"


def _needs_a_name(login: str, shown: str) -> bool:
    first = next((char for char in shown if unicodedata.category(char)[0] == "L"), "")
    return shown.strip() == login or not first or unicodedata.category(first) == "Ll"


def upgrade() -> None:
    conn = op.get_bind()
    for agent_id, login, shown in conn.execute(sa.select(AGENTS.c.id, AGENTS.c.name, AGENTS.c.display_name)).all():
        if _needs_a_name(login, shown or ""):
            conn.execute(sa.update(AGENTS).where(AGENTS.c.id == agent_id).values(display_name=_from_login(login)))


def downgrade() -> None:
    pass  # the old names were logins; nothing to restore
