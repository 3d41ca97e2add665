"""``wegwijzer tree check``'s rules: the real tree passes, and each kind of broken tree is named."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import textstat

from bot.dialogs.dialog import DIRECTORY_FILE, TREE_FILE, Dialog
from bot.dialogs.model import Directory, Tree
from bot.dialogs.readability import b1_problems, measure, word_count
from bot.dialogs.validate import Report, check_data, check_files
from bot.dialogs.validate_content import screens

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
        "cannot": ["Problemen op school oplossen."],
        "contact": [{"kind": "phone", "value": "112"}],
        "source": "organisaties.md, status V",
        "checked": TODAY,
    }
    child = {"for_whom": "Kinderen van 8 tot 18 jaar.", "can": ["Naar je luisteren."], "cannot": ["Alles oplossen."]}
    return {
        "organisations": {
            "nood_112": {**org, "name": "112"},
            "kindertelefoon": {
                **org,
                "name": "Kindertelefoon",
                "for_whom": "Kinderen van 8 tot 18 jaar.",
                "for_children": child,
            },
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
    long = " ".join(["ik"] * 18) + "."
    directory["organisations"]["nood_112"]["can"] = [long, long]
    directory["organisations"]["nood_112"]["cannot"] = [long]
    report = run(directory=directory)
    assert_rejected(report, "organisation 'nood_112': 15.0 words per sentence on average (at most 12)")
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


# --- What a user sees: words per screen, jargon, honest cards, children, typed words, coverage ----------


def test_an_outcome_screen_over_90_words_is_rejected() -> None:
    tree = small_tree()
    tree["nodes"]["hulp"]["text"] = "Je mag bellen. " * 35  # 70 words, each sentence short enough for B1
    assert_rejected(run(tree), "outcome 'hulp': the screen has", "(at most 90)")


def test_the_screen_counts_text_party_contact_lines_and_closing_but_not_buttons() -> None:
    dialog = Dialog(Tree.model_validate(small_tree()), Directory.model_validate(small_directory()))
    _node, _type, shown = next(s for s in screens(dialog, set()) if s[0] == "hulp")
    # "Bel de Kindertelefoon. Dat is gratis." 6 + "Kindertelefoon" 1 + why 4 + "Bel 112" 2 + closing 10
    assert [word_count(s.message.plain()) for s in shown] == [6, 7, 10]
    tree = small_tree()
    tree["nodes"]["hulp"]["text"] = "Je mag bellen. " * 24 + "Dat is fijn."  # 75: with 17 more, 92 words
    assert_rejected(run(tree), "outcome 'hulp': the screen has 92 words (at most 90)")
    tree["nodes"]["hulp"]["text"] = "Je mag bellen. " * 24  # 72 + 17 = 89
    assert run(tree).ok


def test_a_question_over_60_words_is_rejected() -> None:
    tree = small_tree()
    tree["nodes"]["rol"]["text"] = "Wie ben jij? " * 21  # 63 words
    assert_rejected(run(tree), "question 'rol': the screen has 63 words (at most 60)")


def test_jargon_in_a_node_text_must_be_explained_in_the_same_message() -> None:
    tree = small_tree()
    tree["nodes"]["hulp"]["text"] = "Je kunt aangifte doen. Bel de politie."
    assert_rejected(run(tree), "outcome 'hulp' text: 'aangifte' is jargon", "(e.g. with 'officieel')")
    tree["nodes"]["hulp"]["text"] = "Je kunt aangifte doen. Dan meld je het officieel bij de politie."
    assert run(tree).ok


def test_jargon_in_a_step_an_option_or_a_card_must_be_explained_there() -> None:
    tree = small_tree()
    tree["nodes"]["hulp"]["steps"][0]["why"] = "Het advies is niet bindend."
    tree["nodes"]["rol"]["options"][1]["label"] = "Lhbtiq+"
    directory = small_directory()
    directory["organisations"]["nood_112"]["cannot"] = ["Een misdrijf onderzoeken."]
    report = run(tree, directory)
    assert_rejected(
        report,
        "outcome 'hulp', step 'kindertelefoon': 'niet bindend' is jargon",
        "question 'rol': 'lhbtiq' is jargon",
        "card of 'nood_112': 'misdrijf' is jargon",
    )
    # An explanation elsewhere on the screen does not count: it must be in the same message.
    tree["nodes"]["hulp"]["text"] = "Het bestuur hoeft het advies niet op te volgen."
    assert any("step 'kindertelefoon': 'niet bindend'" in e for e in run(tree, directory).errors)


def test_a_card_without_cannot_or_can_is_rejected() -> None:
    directory = small_directory()
    del directory["organisations"]["nood_112"]["cannot"]
    directory["organisations"]["kindertelefoon"]["for_children"]["can"] = []
    assert_rejected(
        run(directory=directory),
        "organisation 'nood_112' says nothing it cannot do ('cannot')",
        "organisation 'kindertelefoon' (for_children) says nothing it can do ('can')",
    )


def test_a_party_named_to_primary_pupils_needs_texts_for_children() -> None:
    directory = small_directory()
    del directory["organisations"]["kindertelefoon"]["for_children"]
    assert_rejected(
        run(directory=directory),
        "organisation 'kindertelefoon' is named to primary-school pupils but has no 'for_children' texts",
    )


def test_texts_for_children_meet_the_b1_floor_and_keep_sentences_short() -> None:
    directory = small_directory()
    child = directory["organisations"]["kindertelefoon"]["for_children"]
    child["cannot"] = ["Verantwoordelijkheidsverdeling onderwijsvoorzieningen."]
    assert_rejected(run(directory=directory), "organisation 'kindertelefoon' for_children: Flesch-Douma")
    child["cannot"] = ["Alles oplossen."]
    child["can"] = [
        "Je mag hier alles vertellen wat je dwarszit, ook als het over school gaat, over thuis of over vrienden."
    ]
    report = run(directory=directory)
    assert_rejected(
        report,
        "organisation 'kindertelefoon' for_children: 9.0 words per sentence on average; for children at most 8.5",
    )
    assert not any("(at most 12)" in error for error in report.errors)  # fine for adults


def test_a_route_only_children_take_keeps_sentences_short() -> None:
    tree = small_tree()
    tree["nodes"]["hulp"]["text"] = "Bel de Kindertelefoon als je wilt praten over iets."
    tree["nodes"]["hulp"]["steps"][0]["why"] = "Je mag daar alles vertellen wat je wilt zeggen."
    assert_rejected(run(tree), "node 'hulp' (primary school only): 9.0 words per sentence on average")


def test_a_typed_word_on_two_options_is_rejected() -> None:
    tree = small_tree()
    tree["nodes"]["gevaar"]["options"][0]["words"] = "gevaar, nood"
    tree["nodes"]["gevaar"]["options"][1]["words"] = "Nood, nee"
    assert_rejected(run(tree), "node 'gevaar': the word 'nood' is on options 'ja' and 'nee'; give it to one")


def test_a_typed_word_inside_another_options_phrase_is_rejected() -> None:
    tree = small_tree()
    tree["nodes"]["gevaar"]["options"][0]["words"] = "gevaar"
    tree["nodes"]["gevaar"]["options"][1]["words"] = "geen gevaar"
    assert_rejected(run(tree), "node 'gevaar': 'gevaar' (option 'ja') and 'geen gevaar' (option 'nee') overlap")


def coverage_tree() -> dict[str, Any]:
    """The small tree with a theme question: pesten reaches an outcome, ruzie only a person, anders by design."""
    tree = small_tree()
    tree["nodes"]["rol"]["options"][0]["next"] = "thema"
    tree["nodes"]["thema"] = {
        "type": "question",
        "text": "Wat is er?",
        "options": [
            {"id": "pesten", "label": "Pesten", "next": "hulp", "set": {"theme": "pesten"}},
            {"id": "ruzie", "label": "Ruzie", "next": "mens", "set": {"theme": "ruzie"}},
            {"id": "anders", "label": "Iets anders", "next": "mens", "set": {"theme": "anders"}},
        ],
    }
    return tree


def test_the_role_theme_table_counts_outcomes_and_names_a_gap() -> None:
    report = run(coverage_tree())
    assert_rejected(report, "gap: role 'leerling_po' × theme 'ruzie' is offered but reaches no outcome")
    assert report.coverage is not None
    assert report.coverage.table().splitlines() == [
        "            pesten ruzie anders",
        "leerling_po      1   GAP   mens",
    ]


def test_a_theme_for_something_else_may_go_to_a_person_only() -> None:
    tree = coverage_tree()
    tree["nodes"]["thema"]["options"][1]["next"] = "hulp"
    report = run(tree)
    assert report.ok, report.errors
    assert report.coverage is not None and report.coverage.gaps() == []


async def test_tree_check_prints_the_role_theme_table(tmp_path: Path) -> None:
    from tests.bot.test_cli import run as run_cli

    code, out, _err = await run_cli(tmp_path, "tree", "check")
    assert code == 0, out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Role × theme"))
    header = lines[start + 1].split()
    assert header[:2] == ["pesten", "emotioneel"] and {"zorg", "melding"} <= set(header)
    rows = {line.split()[0]: line.split()[1:] for line in lines[start + 2 : start + 7]}
    assert set(rows) == {"leerling_po", "leerling_vo", "ouder", "personeel", "anders"}
    assert not any("GAP" in cells for cells in rows.values())


def test_a_command_word_as_an_option_word_is_rejected() -> None:
    tree = small_tree()
    tree["nodes"]["gevaar"]["options"][1]["words"] = "nee, stop"
    assert_rejected(run(tree), "node 'gevaar', option 'nee': 'stop' is a command word ('stop'), so it never picks")
