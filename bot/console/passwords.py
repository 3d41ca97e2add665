"""The password policy of console accounts (``wegwijzer agent add`` and ``agent reset-password``).

At least ``MIN_PASSWORD`` characters, and not guessable: zxcvbn (Dropbox's estimator, with its lists of common
passwords, words, names, keyboard patterns, repeats and sequences) must score it at least ``MIN_SCORE`` of 4,
with the login name and the product's name counted as known words. So ten spaces, ``1234567890``,
``aaaaaaaaaaaa``, ``password123`` and ``anna12345678`` are refused; a few unrelated words pass.
"""

from __future__ import annotations

from zxcvbn import zxcvbn  # type: ignore[import-untyped]

MIN_PASSWORD = 10
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline slow-hash scenario"
_ESTIMATED = 100  # zxcvbn gets slow on long input; the first 100 characters say enough


def password_problem(password: str, name: str) -> str | None:
    """Why ``password`` will not do for account ``name`` (in Dutch), or None when it is fine."""
    if len(password) < MIN_PASSWORD:
        return f"kies een wachtwoord van minstens {MIN_PASSWORD} tekens."
    if not password.strip():
        return "een wachtwoord van alleen spaties is niet goed genoeg."
    result = zxcvbn(password[:_ESTIMATED], user_inputs=[name, "wegwijzer", "console"])
    if int(result["score"]) < MIN_SCORE:
        return (
            "dit wachtwoord is te makkelijk te raden (veelgebruikt, herhaald of een reeks). "
            "Neem bijv. vier losse woorden."
        )
    return None
