"""The real beslisboom: every path walked through the real engine, and the content review as a table."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from bot.dialogs import graph
from bot.dialogs.dialog import Dialog
from bot.dialogs.validate_content import coverage
from bot.engine import Engine
from bot.screens import SAFE_STEPS, option_key
from tests.bot.helpers import say, state_of, tap
from tests.bot.test_cli import run as run_cli

ROLES = ("leerling_po", "leerling_vo", "ouder", "personeel", "anders")
THEMES = (
    "pesten",
    "emotioneel",
    "discriminatie",
    "lhbtiq",
    "seksueel",
    "geweld",
    "medewerker",
    "zorg",
    "thuiszitten",
    "melding",
    "thuis",
    "beelden",
)
# Themes a role is not offered: primary-school pupils choose "Gepest om wie ik ben" (discriminatie) rather
# than lhbtiq+; only parents meet a threat of a report to leerplicht or Veilig Thuis.
NOT_OFFERED = {("leerling_po", "lhbtiq"), *((role, "melding") for role in ROLES if role != "ouder")}

# The content review: per role and theme, the parties that must each be named by at least one outcome that
# a person with that role and theme can reach. Theme "anders" (something else) goes to a person instead.
SCHOOL_PO = {"leraar", "vertrouwde_volwassene", "kindertelefoon", "vertrouwenspersoon_school"}
# A complaint that is stuck: the vertrouwensinspecteurs, the Inspectie's meldpunt and, under 18, the
# Kinderombudsman (also for parents); staff get the AOb.
STUCK = {"vertrouwensinspecteurs", "inspectie_meldpunt", "kinderombudsman"}
STUCK_STAFF = {"vertrouwensinspecteurs", "inspectie_meldpunt", "aob"}
GRENS_VO = {"vertrouwenspersoon_school", "kindertelefoon", "vertrouwensinspecteurs", "politie", "klachtencommissie"}
DISCR_VO = {"vertrouwenspersoon_school", "discriminatie_nl", "klachtencommissie", "college_mensenrechten"}
SCHOOL_OUDER = {"leraar", "ouders_onderwijs", "balans", "schoolbestuur", "klachtencommissie", "vertrouwensinspecteurs"}
GRENS_OUDER = {
    "vertrouwenspersoon_school",
    "vertrouwensinspecteurs",
    "politie",
    "klachtencommissie",
    "ouders_onderwijs",
}
DISCR_OUDER = {"discriminatie_nl", "ouders_onderwijs", "klachtencommissie", "college_mensenrechten"}
SCHOOL_STAFF = {"vertrouwenspersoon_school", "school_veiligheid", "vertrouwensinspecteurs", "aob"}
DISCR_STAFF = {"vertrouwenspersoon_school", "discriminatie_nl", "school_veiligheid", "vertrouwensinspecteurs"}
# Harm that may come from home: Veilig Thuis and the Kindertelefoon, never "talk to the parents".
GRENS_ANDERS = {"kindertelefoon", "veilig_thuis", "politie"}
SCHOOL_ANDERS = {"kindertelefoon", "ouders_onderwijs"}
DISCR_ANDERS = {"discriminatie_nl", "kindertelefoon", "ouders_onderwijs"}
ZORG = {"college_mensenrechten", "onderwijsconsulenten"}
BEELDEN_VOLW = {"helpwanted", "politie"}
THUIS_VOLW = {"veilig_thuis"}
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("leerling_po", "pesten"): SCHOOL_PO,
    ("leerling_po", "emotioneel"): SCHOOL_PO,
    ("leerling_po", "discriminatie"): SCHOOL_PO,
    ("leerling_po", "seksueel"): {"vertrouwde_volwassene", "kindertelefoon", "veilig_thuis"},
    ("leerling_po", "geweld"): SCHOOL_PO,
    ("leerling_po", "medewerker"): {"vertrouwde_volwassene", "vertrouwenspersoon_school", "kindertelefoon"},
    ("leerling_po", "zorg"): {"leraar", "vertrouwde_volwassene", "ouders_onderwijs"},
    ("leerling_po", "thuiszitten"): {"vertrouwde_volwassene", "kindertelefoon", "ouders_onderwijs"},
    ("leerling_po", "thuis"): {"nood_112", "veilig_thuis", "kindertelefoon"},
    ("leerling_po", "beelden"): {"helpwanted", "kindertelefoon", "vertrouwde_volwassene"},
    ("leerling_vo", "pesten"): {"leraar", "helpwanted", "klachtencommissie", "kindertelefoon"} | STUCK,
    ("leerling_vo", "emotioneel"): {"vertrouwenspersoon_school", "leraar", "klachtencommissie", "kindertelefoon"}
    | STUCK,
    ("leerling_vo", "discriminatie"): DISCR_VO | STUCK,
    ("leerling_vo", "lhbtiq"): DISCR_VO | STUCK,
    ("leerling_vo", "seksueel"): GRENS_VO | STUCK,
    ("leerling_vo", "geweld"): GRENS_VO | STUCK,
    ("leerling_vo", "medewerker"): {"vertrouwenspersoon_school", "klachtencommissie", "kindertelefoon"} | STUCK,
    ("leerling_vo", "zorg"): {"leraar", "schoolleiding"} | ZORG | STUCK,
    ("leerling_vo", "thuiszitten"): {"geschillencommissie_po", "onderwijsconsulenten", "kinderombudsman"},
    ("leerling_vo", "thuis"): {"veilig_thuis", "kindertelefoon"},
    ("leerling_vo", "beelden"): {"helpwanted", "kindertelefoon", "politie"},
    ("ouder", "pesten"): SCHOOL_OUDER | STUCK,
    ("ouder", "emotioneel"): SCHOOL_OUDER | STUCK,
    ("ouder", "discriminatie"): DISCR_OUDER | STUCK,
    ("ouder", "lhbtiq"): DISCR_OUDER | STUCK,
    ("ouder", "seksueel"): GRENS_OUDER | STUCK,
    ("ouder", "geweld"): GRENS_OUDER | STUCK,
    ("ouder", "medewerker"): {"vertrouwenspersoon_school", "klachtencommissie"} | STUCK,
    ("ouder", "zorg"): {"schoolleiding", "balans"} | ZORG | STUCK,
    ("ouder", "thuiszitten"): {"geschillencommissie_po", "onderwijsconsulenten", "leerplichtambtenaar"},
    # A school that threatens a report: what leerplicht and Veilig Thuis are, the complaint, who advises.
    ("ouder", "melding"): {
        "leerplichtambtenaar",
        "veilig_thuis",
        "klachtencommissie",
        "ouders_onderwijs",
        "extern_vertrouwenspersoon",
    },
    ("ouder", "thuis"): THUIS_VOLW,
    ("ouder", "beelden"): BEELDEN_VOLW,
    ("personeel", "pesten"): SCHOOL_STAFF | STUCK_STAFF,
    ("personeel", "emotioneel"): SCHOOL_STAFF | STUCK_STAFF,
    ("personeel", "discriminatie"): DISCR_STAFF | STUCK_STAFF,
    ("personeel", "lhbtiq"): DISCR_STAFF | STUCK_STAFF,
    # Staff who hear of sexual abuse or violence also reach the meldplicht question (collega_soort);
    # staff who face violence themselves reach the police.
    ("personeel", "seksueel"): SCHOOL_STAFF | STUCK_STAFF | {"meldplicht_bestuur"},
    ("personeel", "geweld"): SCHOOL_STAFF
    | STUCK_STAFF
    | {"extern_vertrouwenspersoon", "meldplicht_bestuur", "politie"},
    ("personeel", "medewerker"): {"meldplicht_bestuur", "school_veiligheid"} | SCHOOL_STAFF | STUCK_STAFF,
    ("personeel", "zorg"): {"schoolleiding", "onderwijsconsulenten", "school_veiligheid"},
    ("personeel", "thuiszitten"): {"leerplichtambtenaar", "onderwijsconsulenten"},
    ("personeel", "thuis"): THUIS_VOLW,
    ("personeel", "beelden"): BEELDEN_VOLW,
    ("anders", "pesten"): SCHOOL_ANDERS,
    ("anders", "emotioneel"): SCHOOL_ANDERS,
    ("anders", "discriminatie"): DISCR_ANDERS,
    ("anders", "lhbtiq"): DISCR_ANDERS,
    ("anders", "seksueel"): GRENS_ANDERS,
    ("anders", "geweld"): GRENS_ANDERS,
    ("anders", "medewerker"): {"kindertelefoon", "ouders_onderwijs", "politie"},
    ("anders", "zorg"): {"ouders_onderwijs"} | ZORG,
    ("anders", "thuiszitten"): {"ouders_onderwijs", "onderwijsconsulenten"},
    ("anders", "thuis"): THUIS_VOLW,
    ("anders", "beelden"): BEELDEN_VOLW,
}
# Age and role fit: parties a role must never be sent to.
NEVER: dict[str, set[str]] = {
    # A primary-school pupil cannot file a committee complaint alone; staff-only and member-only parties.
    "leerling_po": {
        "klachtencommissie",
        "geschillencommissie_po",
        "school_veiligheid",
        "aob",
        "politie",
        "meldplicht_bestuur",
        "inspectie_meldpunt",
    },
    "leerling_vo": {"school_veiligheid", "aob", "vertrouwde_volwassene", "meldplicht_bestuur"},
    # The Kindertelefoon is for 8-18; the Adviespunt School & Veiligheid is not for parents.
    "ouder": {"kindertelefoon", "school_veiligheid", "aob", "vertrouwde_volwassene"},
    "personeel": {"kindertelefoon", "vertrouwde_volwassene"},
    "anders": {"school_veiligheid", "aob", "vertrouwde_volwassene"},
}


@pytest.fixture(scope="module")
def paths(real_dialog: Dialog) -> list[graph.TreePath]:
    return list(graph.iter_paths(real_dialog.tree))


def reached(dialog: Dialog, paths: list[graph.TreePath]) -> dict[tuple[str, str], list[str]]:
    """Per (role, theme): the leaves reached."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in paths:
        facts = graph.facts(dialog.tree, path)
        found[(facts.get("role", "-"), facts.get("theme", "-"))].append(path.leaf)
    return found


async def test_every_path_walks_through_the_engine_to_its_leaf(
    real_engine: Engine, real_dialog: Dialog, paths: list[graph.TreePath]
) -> None:
    print(f"\n{len(paths)} root-to-leaf paths in beslisboom {real_dialog.version}")
    assert len(paths) == graph.count_paths(real_dialog.tree) > 0
    for number, path in enumerate(paths):
        chat = f"path-{number}"
        await say(real_engine, "/start", chat)
        shown = []
        for edge in path.edges:
            assert await state_of(real_engine, chat) == edge.source
            shown = await tap(real_engine, option_key(edge.source, edge.option), chat)
        assert await state_of(real_engine, chat) == path.leaf
        leaf = real_dialog.node(path.leaf)
        assert leaf.type in ("outcome", "handoff")
        if leaf.type == "outcome":
            texts = "\n".join(m.plain() for m in shown)
            for step in leaf.steps:
                assert real_dialog.organisation(step.organisation).name in texts
            assert shown[-1].text == SAFE_STEPS
            labels = {choice.label for choice in shown[-1].actions}
            assert {"Praat met een mens", "Terug", "Opnieuw beginnen"} <= labels


def test_each_role_and_theme_reaches_the_fitting_parties(real_dialog: Dialog, paths: list[graph.TreePath]) -> None:
    found = reached(real_dialog, paths)
    for (role, theme), expected in EXPECTED.items():
        leaves = found[(role, theme)]
        assert leaves, f"{role} × {theme} reaches nothing"
        named = {s.organisation for leaf in leaves for s in real_dialog.node(leaf).steps}
        assert expected <= named, f"{role} × {theme}: missing {sorted(expected - named)}"


def test_the_table_covers_every_role_and_theme_in_the_tree(real_dialog: Dialog, paths: list[graph.TreePath]) -> None:
    in_tree = {key for key in reached(real_dialog, paths) if key != ("-", "-")}
    expected = set(EXPECTED) | {(role, "anders") for role in ROLES}
    assert in_tree == expected
    assert set(EXPECTED) == {(role, theme) for role in ROLES for theme in THEMES} - NOT_OFFERED
    table = coverage(real_dialog.tree)
    assert table.offered == expected and table.gaps() == []
    assert set(table.roles) == set(ROLES) and set(table.themes) == {*THEMES, "anders"}


def test_no_role_is_sent_to_a_party_that_does_not_fit(real_dialog: Dialog, paths: list[graph.TreePath]) -> None:
    for (role, theme), leaves in reached(real_dialog, paths).items():
        named = {s.organisation for leaf in leaves for s in real_dialog.node(leaf).steps}
        wrong = named & NEVER.get(role, set())
        assert not wrong, f"{role} × {theme} is sent to {sorted(wrong)}"


def test_something_else_and_nothing_fits_go_to_a_person_and_are_counted(
    real_dialog: Dialog, paths: list[graph.TreePath]
) -> None:
    tree = real_dialog.tree
    for path in paths:
        facts = graph.facts(tree, path)
        if facts.get("theme") == "anders" or facts.get("stage") == "past_niet":
            leaf = tree.nodes[path.leaf]
            assert leaf.type == "handoff" and leaf.witte_vlek, path.leaf
    assert any(graph.facts(tree, p).get("stage") == "past_niet" for p in paths)


def test_danger_comes_first_and_shows_112_first(real_dialog: Dialog) -> None:
    tree = real_dialog.tree
    first_question = tree.nodes[tree.start].options[0].next
    options = tree.nodes[first_question].options
    assert options[0].id == "gevaar"  # acute danger is the first button
    urgent = [tree.nodes[o.next] for o in options if tree.nodes[o.next].urgent]
    assert len(urgent) == 3
    danger, suicide, someone_else = urgent
    assert [s.organisation for s in danger.steps] == ["nood_112", "veilig_thuis", "kindertelefoon"]
    assert suicide.steps[0].organisation == "zelfmoordpreventie_113"
    # Someone else thinks about suicide: 113 is also for worries about another person; 112 if in danger now.
    assert [s.organisation for s in someone_else.steps][:2] == ["zelfmoordpreventie_113", "nood_112"]
    assert "iemand anders" in real_dialog.organisation("zelfmoordpreventie_113").for_whom


def test_only_verified_numbers_are_shown(real_dialog: Dialog) -> None:
    """Phone numbers marked R or ? in organisaties.md stay out; the website is shown instead."""
    phones = {c.value for org in real_dialog.directory.organisations.values() for c in org.contact if c.kind == "phone"}
    for unverified in ("030-280 9590", "070-386 1697", "030-790 0910", "0800-876 5432", "030-285 6616"):
        assert unverified not in phones
    kindertelefoon = real_dialog.organisation("kindertelefoon")
    assert all(c.hours is None for c in kindertelefoon.contact)  # its hours are status R


async def test_tree_check_exits_0_on_the_real_tree_and_prints_counts(tmp_path: Path) -> None:
    code, out, _err = await run_cli(tmp_path, "tree", "check")
    assert code == 0, out
    assert "OK: the tree passes the check." in out
    counts = out.splitlines()[0]
    for word in ("nodes", "outcomes", "paths", "organisations"):
        assert word in counts


async def test_tree_check_exits_1_on_a_broken_draft(tmp_path: Path) -> None:
    from bot.dialogs.dialog import TREE_FILE

    draft = tmp_path / "concept.yaml"
    draft.write_text(TREE_FILE.read_text(encoding="utf-8").replace("next: po_vertel", "next: po_bestaat_niet"))
    code, out, _err = await run_cli(tmp_path, "tree", "check", "--tree", str(draft))
    assert code == 1
    assert "next node 'po_bestaat_niet' does not exist" in out
    assert "FAILED" in out


async def test_tree_check_exits_0_with_warnings_when_facts_are_old(tmp_path: Path) -> None:
    code, out, _err = await run_cli(tmp_path, "tree", "check", "--today", "2028-01-01")
    assert code == 0, out
    assert "warning(s):" in out
    assert "more than 12 months ago; check them again" in out
