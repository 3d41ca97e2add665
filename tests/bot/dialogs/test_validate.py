"""``wegwijzer tree check``'s rules: the real tree passes, and each kind of broken tree is named."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import textstat

from bot.dialogs.dialog import DIRECTORY_FILE, TREE_FILE
from bot.dialogs.readability import b1_problems, measure
from bot.dialogs.validate import Report, check_data, check_files

TODAY = date(2026, 11, 22)


def small_tree() -> dict[str, Any]:
    """A tiny tree that passes every rule; each test breaks one thing."""
    return {
        "version": "test-1",
        "start": "welkom",
        "nodes": {
            "welkom": {
                "type": "question",
                "text": "Hoi, ik ben de Wegwijzer.",
                "options": [{"id": "start", "label": "Start", "next": "gevaar"}],
            },
            "gevaar": {
                "type": "question",
                "text": "Ben je nu in gevaar?",
                "options": [
                    {"id": "ja", "label": "Ja", "next": "acuut"},
                    {"id": "nee", "label": "Nee", "next": "rol"},
                ],
            },
            "acuut": {
                "type": "outcome",
                "urgent": True,
                "text": "Bel nu 112.",
                "steps": [{"organisation": "nood_112"}],
            },
            "rol": {
                "type": "question",
                "text": "Wie ben jij?",
                "options": [
                    {"id": "kind", "label": "Kind", "next": "hulp", "set": {"role": "leerling_po"}},
                    {"id": "anders", "label": "Iets anders", "next": "mens", "set": {"theme": "anders"}},
                ],
            },
            "hulp": {
                "type": "outcome",
                "text": "Bel de Kindertelefoon. Dat is gratis.",
                "steps": [{"organisation": "kindertelefoon", "why": "Je mag alles vertellen."}],
            },
            "mens": {"type": "handoff", "witte_vlek": True, "text": "Een mens denkt met je mee."},
        },
    }


def small_directory() -> dict[str, Any]:
    org = {
        "for_whom": "Voor wie nu hulp nodig heeft.",
        "can": ["Naar je luisteren."],
        "contact": [{"kind": "phone", "value": "112"}],
        "source": "organisaties.md, status V",
        "checked": TODAY,
    }
    return {
        "organisations": {
            "nood_112": {**org, "name": "112"},
            "kindertelefoon": {**org, "name": "Kindertelefoon", "for_whom": "Kinderen van 8 tot 18 jaar."},
        }
    }


def run(tree: dict[str, Any] | None = None, directory: dict[str, Any] | None = None) -> Report:
    return check_data(tree or small_tree(), directory or small_directory(), TODAY)


def assert_rejected(report: Report, *fragments: str) -> None:
    assert not report.ok
    for fragment in fragments:
        assert any(fragment in error for error in report.errors), f"{fragment!r} not in {report.errors}"


def test_the_real_tree_passes_with_counts() -> None:
    report = check_files(TREE_FILE, DIRECTORY_FILE)
    assert report.errors == []
    assert report.counts.nodes >= 40
    assert report.counts.outcomes > 0 and report.counts.paths > report.counts.outcomes
    assert report.counts.organisations > 10


def test_the_small_tree_passes() -> None:
    report = run()
    assert report.errors == [] and report.warnings == []
    assert (report.counts.nodes, report.counts.outcomes, report.counts.handoffs, report.counts.paths) == (6, 2, 1, 3)


def test_a_dangling_next_node_is_named() -> None:
    tree = small_tree()
    tree["nodes"]["rol"]["options"][0]["next"] = "nergens"
    assert_rejected(run(tree), "node 'rol', option 'kind': next node 'nergens' does not exist")


def test_a_missing_organisation_is_named() -> None:
    tree = small_tree()
    tree["nodes"]["hulp"]["steps"][0]["organisation"] = "bestaat_niet"
    assert_rejected(run(tree), "node 'hulp': organisation 'bestaat_niet' is not in the directory")


def test_a_question_without_options_is_a_dead_end() -> None:
    tree = small_tree()
    tree["nodes"]["rol"]["options"].append({"id": "leeg", "label": "Leeg", "next": "leeg"})
    tree["nodes"]["leeg"] = {"type": "question", "text": "En nu?"}
    assert_rejected(run(tree), "node 'leeg' is a dead end")


def test_an_unreachable_node_is_named() -> None:
    tree = small_tree()
    tree["nodes"]["vergeten"] = {
        "type": "outcome",
        "text": "Niemand komt hier.",
        "steps": [{"organisation": "nood_112"}],
    }
    assert_rejected(run(tree), "node 'vergeten' cannot be reached from the start 'welkom'")


def test_a_cycle_is_rejected() -> None:
    tree = small_tree()
    tree["nodes"]["rol"]["options"].append({"id": "terug", "label": "Terug", "next": "gevaar"})
    report = run(tree)
    assert_rejected(report, "cycle: gevaar → rol → gevaar")
    assert report.counts.paths == 0


def test_callback_data_over_64_bytes_is_rejected() -> None:
    tree = small_tree()
    long_id = "wie_ben_jij_" + "x" * 53
    tree["nodes"][long_id] = tree["nodes"].pop("rol")
    tree["nodes"]["gevaar"]["options"][1]["next"] = long_id
    key = f"opt:{long_id}:kind"
    assert len(key) == 74
    assert_rejected(
        run(tree), f"node '{long_id}', option 'kind': callback data '{key}' is 74 bytes (Telegram allows 64)"
    )


def test_an_over_long_label_is_rejected() -> None:
    tree = small_tree()
    tree["nodes"]["rol"]["options"][0]["label"] = "Ik ben een leerling op de basisschool bij ons in de buurt"
    assert_rejected(run(tree), "node 'rol', option 'kind': label 'Ik ben een leerling", "(at most 32)")


def test_an_organisation_without_a_source_is_rejected() -> None:
    directory = small_directory()
    del directory["organisations"]["kindertelefoon"]["source"]
    directory["organisations"]["nood_112"]["source"] = "  "
    report = run(directory=directory)
    assert_rejected(
        report,
        "organisation 'kindertelefoon' has no source: every fact needs one",
        "organisation 'nood_112' has no source: every fact needs one",
    )


def test_an_organisation_without_a_check_date_is_rejected() -> None:
    directory = small_directory()
    del directory["organisations"]["kindertelefoon"]["checked"]
    assert_rejected(run(directory=directory), "organisation 'kindertelefoon' has no check date ('checked')")


def test_an_old_check_date_is_a_warning_only() -> None:
    directory = small_directory()
    directory["organisations"]["kindertelefoon"]["checked"] = date(2025, 11, 1)
    report = run(directory=directory)
    assert report.ok
    assert report.warnings == [
        "organisation 'kindertelefoon': facts checked on 2025-11-01, more than 12 months ago; check them again"
    ]


def test_a_check_date_in_the_future_is_an_error() -> None:
    directory = small_directory()
    directory["organisations"]["nood_112"]["checked"] = date(2027, 1, 1)
    assert_rejected(run(directory=directory), "organisation 'nood_112': check date 2027-01-01 is in the future")


def test_text_below_the_b1_floor_is_rejected() -> None:
    tree = small_tree()
    tree["nodes"]["hulp"]["text"] = "Overeenkomstige verantwoordelijkheidsverdeling betreffende onderwijsvoorzieningen."
    assert_rejected(run(tree), "node 'hulp' text: Flesch-Douma", "below the B1 floor of 60")


def test_a_sentence_over_twenty_words_is_rejected() -> None:
    tree = small_tree()
    tree["nodes"]["hulp"]["steps"][0]["why"] = " ".join(["je"] * 21) + "."
    assert_rejected(run(tree), "node 'hulp', step 'kindertelefoon' why: a sentence has 21 words (at most 20)")


def test_long_sentences_on_average_are_rejected() -> None:
    directory = small_directory()
    directory["organisations"]["nood_112"]["can"] = [" ".join(["ik"] * 18) + ".", " ".join(["ik"] * 18) + "."]
    report = run(directory=directory)
    assert_rejected(report, "organisation 'nood_112': 14.0 words per sentence on average (at most 12)")
    assert not any("a sentence has" in error for error in report.errors)


@pytest.mark.parametrize(("steps", "count"), [([], 0), ([{"organisation": "nood_112"}] * 4, 4)])
def test_an_outcome_needs_one_to_three_steps(steps: list[dict[str, str]], count: int) -> None:
    tree = small_tree()
    tree["nodes"]["hulp"]["steps"] = steps
    assert_rejected(run(tree), f"outcome 'hulp' has {count} steps: give 1 to 3")


def test_the_first_question_must_check_for_danger() -> None:
    tree = small_tree()
    tree["nodes"]["acuut"]["urgent"] = False
    assert_rejected(run(tree), "safety first")


def test_facts_use_the_shared_keys() -> None:
    tree = small_tree()
    tree["nodes"]["rol"]["options"][0]["set"] = {"rol": "leerling"}
    assert_rejected(run(tree), "node 'rol', option 'kind': unknown fact key 'rol'")


def test_an_unused_organisation_is_a_warning() -> None:
    directory = copy.deepcopy(small_directory())
    directory["organisations"]["extra"] = {**directory["organisations"]["nood_112"], "name": "Extra"}
    report = run(directory=directory)
    assert report.ok and report.warnings == ["organisation 'extra' is in the directory but no outcome uses it"]


def test_our_flesch_douma_is_textstats_on_plain_text() -> None:
    text = "Je kunt hier altijd over praten met iemand. Bel de Kindertelefoon als je wilt praten."
    textstat.set_lang("nl")
    assert measure(text).flesch_douma == pytest.approx(textstat.flesch_reading_ease(text))


def test_line_breaks_and_list_items_end_sentences_but_times_and_addresses_do_not() -> None:
    result = measure("Bel ons\nvan 08.00 tot 17.00 uur op www.kindertelefoon.nl. Of chat", "Ja.")
    assert [len(s) for s in result.sentences] == [2, 7, 2, 1]
    assert b1_problems("x", "Je mag alles zeggen. Wij luisteren.") == []


def test_a_file_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "tree.yaml"
    broken.write_text("nodes: [unclosed", encoding="utf-8")
    report = check_files(broken, DIRECTORY_FILE)
    assert not report.ok
    assert report.errors[0].startswith("tree.yaml: cannot be read")
