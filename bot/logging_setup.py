"""Where the log goes and how it looks: one line per event on stderr, as text (default) or JSON.

Text: ``time LEVEL logger: message key=value …``; JSON (``--log-format json``, ``log_format = "json"``): one object
per line with ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message`` and every id passed as
``logger.info(..., extra={"handoff_id": 7})``. A traceback stays inside its event: escaped in text, a field in JSON.
Libraries that narrate every step (and httpx, whose URLs carry the bot token) log from WARNING only.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]
NOISY = ("transitions", "alembic", "httpx")  # httpx logs every Bot API URL, and the token is in it
# The attributes every LogRecord has; anything else on a record came in through ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class OneLineFormatter(logging.Formatter):
    """The text format: a record's extras as ``key=value`` after the message, line breaks escaped."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = " ".join(f"{key}={value}" for key, value in vars(record).items() if key not in _STANDARD)
        if extras:
            line = f"{line} {extras}"
        return line.replace("\r", "\\r").replace("\n", "\\n")


def json_formatter() -> logging.Formatter:
    """One JSON object per line: time, level, logger, message and the record's extras."""
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


def configure_logging(level: str, log_format: LogFormat = "text", quiet: bool = False) -> None:
    """Log at ``level`` to stderr in ``log_format``; ``quiet`` (the terminal chat): WARNING unless DEBUG.

    Like ``logging.basicConfig``, it leaves a root logger alone that already has handlers (pytest's, a host's).
    Python's warnings become log events too, so that even they are one line (and JSON when the log is).
    """
    if not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(json_formatter() if log_format == "json" else OneLineFormatter())
        logging.basicConfig(level="WARNING" if quiet and level != "DEBUG" else level, handlers=[handler])
        logging.captureWarnings(True)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
