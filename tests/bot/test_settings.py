from pathlib import Path

import pytest

from bot.settings import DEFAULT_CONFIG, SettingsError, load_settings


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
