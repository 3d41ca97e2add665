"""The crisis words of the other locales, on real phrasings: what must alarm, which everyday talk must not.

Every ``tables/<code>.yaml`` beside this file is picked up by itself: ``must_match`` (``{text, kind}``: what a pupil
or parent types in that language, and the crisis answer it needs) and ``must_not_match`` (texts: idioms, school
talk). Each row is read the way the bot reads a chat in that locale: its own ``crisis.<code>.yaml`` and the Dutch
phrases. Run with ``-s`` to see recall and false alarms per locale.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.safety.crisis import DATA_DIR, CrisisDataError, CrisisDetector, CrisisKind, fold

TABLES = Path(__file__).resolve().parent / "tables"
LOCALES = sorted(path.stem for path in TABLES.glob("*.yaml"))
MIN_MATCH, MIN_ORDINARY = 60, 30


@functools.cache
def table(code: str) -> dict[str, Any]:
    data = yaml.safe_load((TABLES / f"{code}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and set(data) == {"must_match", "must_not_match"}, f"tables/{code}.yaml"
    return data


@functools.cache
def detector(code: str) -> CrisisDetector:
    """As the server loads it: every language at once (a text is read in all of them)."""
    return CrisisDetector.load(("nl", *LOCALES))


def rows(key: str) -> list[Any]:
    params = []
    for code in LOCALES:
        for i, row in enumerate(table(code)[key]):
            args = (code, row["text"], row["kind"]) if key == "must_match" else (code, row)
            params.append(pytest.param(*args, id=f"{code}-{i}"))
    return params


@pytest.mark.parametrize("code", LOCALES)
def test_the_locale_has_its_phrase_file_and_a_full_table(code: str) -> None:
    path = DATA_DIR / f"crisis.{code}.yaml"
    assert path.is_file(), f"tables/{code}.yaml has no {path.name}"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert {str(kind) for kind in data["kinds"]} == {str(kind) for kind in CrisisKind}
    for entry in data["ignore"] + data["not_typos"]:
        assert entry["words"].strip() and len(entry["why"].strip()) > 10, entry
    rows_ = table(code)
    assert len(rows_["must_match"]) >= MIN_MATCH and len(rows_["must_not_match"]) >= MIN_ORDINARY
    assert {row["kind"] for row in rows_["must_match"]} == {str(kind) for kind in CrisisKind}
    texts = [row["text"] for row in rows_["must_match"]] + rows_["must_not_match"]
    assert len(texts) == len(set(texts)), "a text is in the table twice"


@pytest.mark.parametrize(("code", "text", "kind"), rows("must_match"))
def test_a_real_phrase_in_danger_is_heard(code: str, text: str, kind: str) -> None:
    assert detector(code).detect(text, code) == CrisisKind(kind)


@pytest.mark.parametrize(("code", "text"), rows("must_not_match"))
def test_ordinary_talk_does_not_alarm(code: str, text: str) -> None:
    assert detector(code).detect(text, code) is None


@pytest.mark.parametrize("code", LOCALES)
def test_recall_and_false_alarms_per_locale(code: str) -> None:
    found = [(detector(code).detect(row["text"], code), row["kind"]) for row in table(code)["must_match"]]
    heard = sum(kind is not None for kind, _ in found)
    right = sum(kind == CrisisKind(wanted) for kind, wanted in found)
    ordinary = table(code)["must_not_match"]
    alarms = sum(detector(code).detect(text, code) is not None for text in ordinary)
    print(
        f"\ncrisis table {code}: recall {heard / len(found):.2f} ({heard}/{len(found)}), right kind "
        f"{right}/{len(found)}, false alarms {alarms / len(ordinary):.2f} ({alarms}/{len(ordinary)})"
    )
    assert heard / len(found) == 1.0 and right == len(found)
    assert alarms == 0


@pytest.mark.parametrize("code", LOCALES)
def test_the_command_line_checks_the_locale(code: str, tmp_path: Path) -> None:
    first = table(code)["must_match"][0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJZER_") and k != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'never-created.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "crisis", "check", "--locale", code],
        input=f"{first['text']}\n{table(code)['must_not_match'][0]}\n".encode(),
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    kinds = [json.loads(line)["kind"] for line in done.stdout.decode("utf-8").splitlines()]
    assert kinds == [first["kind"], "none"]


# The two ways a language's letters are read (bot/safety/crisis.py): fold() drops strokes as it drops accents,
# and a phrase file's `letters` reads a letter typed for another (Ukrainian on a Russian keyboard).


def test_a_stroke_is_dropped_like_an_accent() -> None:
    assert fold("Zabiłem się, ŁÓDŹ") == ["zabilem", "sie", "lodz"]
    assert fold("kız øl") == ["kiz", "ol"]
    assert fold("пам\u02bcять") == ["память"]  # the Ukrainian apostrophe (U+02BC), like ' and ’


def _minimal(tmp_path: Path, **extra: Any) -> Path:
    (tmp_path / "crisis.nl.yaml").write_text((DATA_DIR / "crisis.nl.yaml").read_text(encoding="utf-8"), "utf-8")
    data = {
        "version": 1, "window": 4, "reach": 2, "normalise": {"zhyty": "жити"}, "not_typos": [], "groups": {},
        "subjects": {"self": "я", "other": "він", "reach": 3}, "ignore": [],
        "kinds": {"suicide": {"phrases": ["хочу жити"]}}, **extra,
    }  # fmt: skip
    (tmp_path / "crisis.xx.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return tmp_path


def test_letters_read_one_letter_as_another_in_that_locales_file_only(tmp_path: Path) -> None:
    detector = CrisisDetector.load(("xx",), _minimal(tmp_path, letters={"ы": "и", "і": "и", "ъ": ""}))
    for text in ("хочу жити", "хочу жыты", "ХОЧУ ЖЫТЫ", "хочу жиъти", "хочу zhyty", "ъ ъ хочу ъ жіти"):
        assert detector.detect(text, "xx") == CrisisKind.SUICIDE, text
        assert detector.detect(text, "nl") == CrisisKind.SUICIDE, text  # every file reads every chat
    assert CrisisDetector.load(("xx",), _minimal(tmp_path)).detect("хочу жыты", "xx") is None


@pytest.mark.parametrize("letters", [{"ab": "a"}, {"Ы": "и"}, {"ї": "и"}, {"ы": "и й"}, {".": ""}, {"ы": "."}])
def test_a_letter_that_is_not_one_folded_letter_is_refused(tmp_path: Path, letters: dict[str, str]) -> None:
    with pytest.raises(CrisisDataError, match=r"crisis\.xx\.yaml: letters"):
        CrisisDetector.load(("xx",), _minimal(tmp_path, letters=letters))


def test_whose_suicide_is_told_by_the_chat_language(tmp_path: Path) -> None:
    # Dutch hears "suicide" (its normalise: zelfmoord) but cannot read "my son"; the chat's own file can
    data = {"subjects": {"self": "i", "other": "son", "reach": 3}, "kinds": {"suicide": {"phrases": ["suicide"]}}}
    detector = CrisisDetector.load(("xx",), _minimal(tmp_path, **data))
    assert detector.detect("my son talks about suicide", "xx") == CrisisKind.SUICIDE_OTHER
    assert detector.detect("i think about suicide", "xx") == CrisisKind.SUICIDE
    assert detector.detect("my son talks about suicide", "nl") == CrisisKind.SUICIDE  # a Dutch chat: no "son"
