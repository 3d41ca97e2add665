"""The one typed settings object. Nothing else in the project reads the environment.

Values come from, in order of precedence: keyword overrides (tests, command-line flags), environment
variables (``WEGWIJZER_<KEY>``, and the short names in ``SHORT_NAMES``), then the TOML file named by
``WEGWIJZER_CONFIG`` or ``config/default.toml``. A key that is missing or malformed stops start-up with a
message that names it.

Why not pydantic-settings (issue 15): its environment source reads only ``os.environ`` (``load_settings`` takes
the mapping to read), matches names case-insensitively and decodes lists as JSON. Keeping this behaviour took a
hand-written environment source, a ContextVar to hand it the mapping and the same error handling, and came out
longer than this loader.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.helpdesk.hours import check_timezone, parse_holidays, parse_hours

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "default.toml"
ENV_PREFIX = "WEGWIJZER_"
SHORT_NAMES = {
    "database_url": "DATABASE_URL",
    "telegram_token": "TELEGRAM_TOKEN",
    "telegram_api_base_url": "TELEGRAM_API_BASE_URL",
}
LIST_SEPARATOR = ","
# A CSP source for frame-ancestors: scheme, host (optionally "*." in front) and port, nothing else.
ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?")
EXIT_URL = re.compile(r"https?://[^\s\"'<>]+")
# A translation server's base address: scheme, host, optional port and path; no query, no spaces.
SERVICE_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the key."""


class Settings(BaseModel):
    """Everything the running product can be configured with (see config/default.toml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str
    port: int = Field(ge=1, le=65535)
    database_url: str = Field(min_length=1)
    log_level: str
    log_format: Literal["text", "json"]  # bot/logging_setup.py; `--log-format` overrides it
    locales: tuple[str, ...]
    max_text_chars: int = Field(ge=100, le=100_000)
    telegram_token: str
    telegram_api_base_url: str
    telegram_webhook_secret: str
    public_url: str
    # Web chat (bot/channels/web.py): see config/default.toml.
    embed_allowed_origins: tuple[str, ...]
    quick_exit_url: str
    # Limits per client address (IPv6: per /64) of the web chat (bot/abuse.py); config/default.toml says why.
    web_conversations_per_minute: int = Field(ge=1, le=10_000)
    web_handoffs_per_hour: int = Field(ge=1, le=10_000)
    web_sockets_per_address: int = Field(ge=1, le=100_000)
    web_transcript_max_lines: int = Field(ge=10, le=1_000_000)
    web_session_idle_minutes: int = Field(ge=1, le=7 * 24 * 60)  # bot/channels/web_session.py
    # The HTTP server (bot/server.py): a client that is too slow with its request is cut off.
    http_header_timeout_seconds: float = Field(gt=0, le=300)
    http_keepalive_seconds: float = Field(gt=0, le=3600)
    http_body_timeout_seconds: float = Field(gt=0, le=300)  # a request body must be in within this (bot/http_bodies.py)
    # A stop (SIGTERM): how long the requests and sends in flight may take to finish (bot/shutdown.py).
    shutdown_grace_seconds: float = Field(gt=0, le=600)
    # The key of the HMAC that turns client addresses into the limits' keys (bot/abuse.py); "" = random per process.
    limits_secret: str = Field(max_length=256)
    # Chat-ondersteuning (bot/helpdesk, bot/console): see config/default.toml for the meaning of each.
    helpdesk_timezone: str = Field(min_length=1)
    helpdesk_hours: tuple[str, ...]
    helpdesk_holidays: tuple[str, ...]
    agent_disconnect_timeout_seconds: int = Field(ge=10, le=3600)
    console_session_idle_minutes: int = Field(ge=1, le=24 * 60)
    console_session_max_hours: int = Field(ge=1, le=30 * 24)
    console_login_attempts: int = Field(ge=1, le=100)
    console_login_window_seconds: int = Field(ge=1, le=24 * 3600)
    console_cookie_secure: bool
    console_trusted_proxies: tuple[str, ...]
    # Machine translation for agents (bot/console/translator.py): a self-hosted LibreTranslate, or "" for off.
    translation_url: str
    # Retention (storage/retention.py): conversations and the audit are deleted after this many days.
    retention_days: int = Field(ge=1, le=3650)
    audit_retention_days: int = Field(ge=1, le=3650)
    # Call-back requests (storage/callbacks.py) are deleted, number and all, after this many days at the latest.
    callback_retention_days: int = Field(ge=1, le=90)
    # Warm referral (bot/helpdesk/referrals.py): not accepted within this many days, it comes back to the helpdesk.
    referral_timeout_days: int = Field(ge=1, le=60)
    # Monitoring: counts below this are shown as "< min_count" (bot/monitoring/figures.py).
    min_count: int = Field(ge=1, le=1000)
    # Telegram channel (bot/channels/telegram): see config/default.toml.
    telegram_polling: bool
    telegram_webhook_path: str

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("locales")
    @classmethod
    def _some_locales(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("must name at least one language")
        return value

    @field_validator("helpdesk_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("helpdesk_hours")
    @classmethod
    def _readable_hours(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        parse_hours(value)
        return value

    @field_validator("helpdesk_holidays")
    @classmethod
    def _readable_holidays(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        parse_holidays(value)
        return value

    @field_validator("embed_allowed_origins")
    @classmethod
    def _plain_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            if not ORIGIN.fullmatch(origin):
                raise ValueError(f"'{origin}' is not an origin like https://school.example (no path, no spaces)")
        return value

    @field_validator("console_trusted_proxies")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"'{entry}' is not an IP address or network like 10.0.0.0/8") from None
        return value

    @field_validator("quick_exit_url")
    @classmethod
    def _plain_url(cls, value: str) -> str:
        if not EXIT_URL.fullmatch(value):
            raise ValueError("must be an http(s) address without spaces or quotes")
        return value

    @field_validator("translation_url")
    @classmethod
    def _service_url(cls, value: str) -> str:
        if value and not SERVICE_URL.fullmatch(value):
            raise ValueError("must be empty (off) or an http(s) address like http://127.0.0.1:5000")
        return value

    @property
    def default_locale(self) -> str:
        return self.locales[0]


def env_name(key: str) -> str:
    return SHORT_NAMES.get(key, ENV_PREFIX + key.upper())


def load_settings(
    environ: Mapping[str, str] | None = None, config_file: Path | None = None, **overrides: Any
) -> Settings:
    """Read the settings file and the environment; raise SettingsError naming any bad key."""
    env = os.environ if environ is None else environ
    path = config_file or Path(env.get("WEGWIJZER_CONFIG", str(DEFAULT_CONFIG)))
    try:
        with path.open("rb") as handle:
            values: dict[str, Any] = tomllib.load(handle)
    except (FileNotFoundError, IsADirectoryError):
        raise SettingsError(f"Settings file {path} does not exist (WEGWIJZER_CONFIG names another).") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"Settings file {path} is not valid TOML: {exc}") from None
    for key, field in Settings.model_fields.items():
        for name in (env_name(key), ENV_PREFIX + key.upper()):
            if name in env:
                raw = env[name]
                is_list = field.annotation is not None and "tuple" in str(field.annotation)
                values[key] = [p.strip() for p in raw.split(LIST_SEPARATOR) if p.strip()] if is_list else raw
                break
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = str(error["loc"][0]) if error["loc"] else "?"
        if error["type"] == "missing":
            lines.append(f"Setting '{key}' ({env_name(key)}) is missing, and has no default.")
        elif error["type"] == "extra_forbidden":
            lines.append(f"Setting '{key}' is not a known setting.")
        else:
            lines.append(f"Setting '{key}' ({env_name(key)}) is invalid: {error['msg']}.")
    return "\n".join(lines)
