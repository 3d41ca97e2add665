import json
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import DEFAULT_CONFIG, SHORT_NAMES, Settings, SettingsError, env_name, load_settings


def test_defaults_come_from_the_config_file() -> None:
    settings = load_settings({})
    assert settings.port == 8080
    assert settings.database_url.startswith("sqlite:///")
    assert settings.locales == ("nl", "en", "ar", "tr", "pl", "uk")
    assert settings.telegram_token == ""


def test_environment_overrides_the_file() -> None:
    settings = load_settings(
        {"WEGWIJZER_PORT": "9000", "DATABASE_URL": "postgresql://u@h/db", "WEGWIJZER_LOCALES": "nl, en"}
    )
    assert settings.port == 9000
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.locales == ("nl", "en")


def test_prefixed_name_works_for_short_names_too() -> None:
    assert load_settings({"WEGWIJZER_TELEGRAM_TOKEN": "abc"}).telegram_token == "abc"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"WEGWIJZER_PORT": "tachtig"}, "WEGWIJZER_PORT"),
        ({"WEGWIJZER_PORT": "0"}, "WEGWIJZER_PORT"),
        ({"WEGWIJZER_LOG_LEVEL": "loud"}, "WEGWIJZER_LOG_LEVEL"),
        ({"WEGWIJZER_LOCALES": ""}, "WEGWIJZER_LOCALES"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
    ],
)
def test_a_bad_value_names_its_key(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(environ)


def test_a_missing_key_says_it_has_no_default(tmp_path: Path) -> None:
    config = tmp_path / "partial.toml"
    config.write_text('host = "127.0.0.1"\n')
    with pytest.raises(SettingsError, match="Setting 'port' \\(WEGWIJZER_PORT\\) is missing, and has no default"):
        load_settings({}, config)


def test_unknown_key_in_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "extra.toml"
    config.write_text(DEFAULT_CONFIG.read_text() + 'colour = "blue"\n')
    with pytest.raises(SettingsError, match="'colour' is not a known setting"):
        load_settings({}, config)


def test_broken_toml_and_missing_file_are_clear(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("port = = 3")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings({}, broken)
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings({"WEGWIJZER_CONFIG": str(tmp_path / "nope.toml")})


def test_a_directory_as_settings_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings({"WEGWIJZER_CONFIG": str(tmp_path)})


def test_keyword_overrides_beat_the_environment_which_beats_the_file() -> None:
    environ = {"WEGWIJZER_PORT": "9000", "WEGWIJZER_HOST": "0.0.0.0"}
    settings = load_settings(environ, None, port=9100)
    assert (settings.port, settings.host, settings.log_level) == (9100, "0.0.0.0", "INFO")


@pytest.mark.parametrize(("key", "short"), sorted(SHORT_NAMES.items()))
def test_each_short_name_sets_its_key_and_wins_over_the_prefixed_name(key: str, short: str) -> None:
    assert env_name(key) == short
    settings = load_settings({short: "https://short.example/", "WEGWIJZER_" + key.upper(): "https://long.example/"})
    assert getattr(settings, key) == "https://short.example/"


def test_lists_from_the_environment_are_comma_separated() -> None:
    settings = load_settings(
        {
            "WEGWIJZER_EMBED_ALLOWED_ORIGINS": "https://school.example, https://*.scholen.nl",
            "WEGWIJZER_HELPDESK_HOURS": " mon 09:00-17:00 ,, tue 09:00-12:00 ,",
            "WEGWIJZER_CONSOLE_TRUSTED_PROXIES": "",
        }
    )
    assert settings.embed_allowed_origins == ("https://school.example", "https://*.scholen.nl")
    assert settings.helpdesk_hours == ("mon 09:00-17:00", "tue 09:00-12:00")
    assert settings.console_trusted_proxies == ()


def _toml_without(key: str) -> str:
    values = tomllib.loads(DEFAULT_CONFIG.read_text())
    return "".join(f"{name} = {json.dumps(value)}\n" for name, value in values.items() if name != key)


def _as_env(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.mark.parametrize("key", sorted(Settings.model_fields))
def test_every_key_can_come_from_its_environment_variable(tmp_path: Path, key: str) -> None:
    """Each key, left out of the file, is taken from WEGWIJZER_<KEY> (or its short name)."""
    defaults = load_settings({})
    config = tmp_path / "without.toml"
    config.write_text(_toml_without(key))
    with pytest.raises(SettingsError, match=f"'{key}' \\({env_name(key)}\\) is missing"):
        load_settings({}, config)
    assert load_settings({env_name(key): _as_env(getattr(defaults, key))}, config) == defaults


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"WEGWIJZER_LOG_FORMAT": "xml"}, "WEGWIJZER_LOG_FORMAT"),
        ({"WEGWIJZER_CONSOLE_COOKIE_SECURE": "misschien"}, "WEGWIJZER_CONSOLE_COOKIE_SECURE"),
        ({"WEGWIJZER_EMBED_ALLOWED_ORIGINS": "https://school.example/pad"}, "WEGWIJZER_EMBED_ALLOWED_ORIGINS"),
        ({"WEGWIJZER_HTTP_BODY_TIMEOUT_SECONDS": "nan"}, "WEGWIJZER_HTTP_BODY_TIMEOUT_SECONDS"),
    ],
)
def test_a_malformed_value_names_its_environment_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=f"\\({named}\\) is invalid"):
        load_settings(environ)


def test_a_secret_is_never_repeated_in_the_error() -> None:
    secret = "geheim-" + "x" * 300
    with pytest.raises(SettingsError, match="WEGWIJZER_LIMITS_SECRET") as caught:
        load_settings({"WEGWIJZER_LIMITS_SECRET": secret})
    assert "geheim" not in str(caught.value)


def test_log_format_is_text_unless_set() -> None:
    assert load_settings({}).log_format == "text"
    assert load_settings({"WEGWIJZER_LOG_FORMAT": "json"}).log_format == "json"
    assert load_settings({}, None, log_format="json").log_format == "json"


def test_names_that_are_not_settings_are_ignored_in_the_environment_and_refused_as_overrides() -> None:
    """Only exact upper-case names are read; other WEGWIJZER_ variables (tests, WEGWIJZER_CONFIG) are not settings."""
    settings = load_settings({"WEGWIJZER_NONSENSE": "1", "wegwijzer_port": "9000", "Database_Url": "x"})
    assert settings == load_settings({})
    with pytest.raises(SettingsError, match="'colour' is not a known setting"):
        load_settings({}, None, colour="blue")
    with pytest.raises(SettingsError, match="'PORT' is not a known setting"):
        load_settings({}, None, PORT=9000)


def test_settings_are_frozen() -> None:
    settings = load_settings({})
    with pytest.raises(ValidationError):
        settings.port = 9000  # type: ignore[misc]
    assert settings.model_copy(update={"port": 9000}).port == 9000
