"""The real beslisboom's content rules: safe advice for children, facts with a source, the new routes."""

from __future__ import annotations

import io
import re

import pytest

from bot.channels.terminal import TerminalChat
from bot.dialogs import graph
from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.matching import match_words
from bot.screens import card, render
from tests.bot.channels.test_terminal import script

CHILD = "leerling_po"


def outcome_words(dialog: Dialog, node_id: str, *, child: bool) -> str:
    """Everything a user can read at an outcome: its first screen and each party's card."""
    node = dialog.node(node_id)
    messages = render(dialog, node_id, True, child=child)
    messages += [card(dialog, node_id, step.organisation, True, child=child) for step in node.steps]
    return "\n".join(m.plain() for m in messages)


def leaves(dialog: Dialog, role: str, theme: str) -> set[str]:
    """The outcomes a person with this role and theme can reach."""
    found = set()
    for path in graph.iter_paths(dialog.tree):
        facts = graph.facts(dialog.tree, path)
        if (facts.get("role"), facts.get("theme")) == (role, theme) and dialog.node(path.leaf).type == "outcome":
            found.add(path.leaf)
    return found


def every_text(dialog: Dialog) -> list[str]:
    """Every Dutch text of the tree and the directory."""
    texts = []
    for node in dialog.tree.nodes.values():
        texts += [node.text, *(o.label for o in node.options), *(s.why for s in node.steps if s.why)]
    for org in dialog.directory.organisations.values():
        texts += [org.for_whom, *org.can, *org.cannot, *(t for c in org.contact for t in (c.hours, c.note) if t)]
        if org.for_children:
            texts += [org.for_children.for_whom, *org.for_children.can, *org.for_children.cannot]
    return texts


# --- Safety of advice ---------------------------------------------------------------------------------

# "ouder" alone also means "older" ("8 jaar of ouder"): only "je ouder" and "een ouder" count.
SENT_HOME = re.compile(
    r"\b(ouders|vader|moeder|verzorgers?|papa|mama)\b|\b(je|een) ouder\b|vertel het thuis|thuis vertellen", re.I
)


@pytest.mark.parametrize("role", [CHILD, "anders"])
@pytest.mark.parametrize("theme", ["seksueel", "geweld", "thuis"])
def test_no_child_is_sent_home_when_the_harm_may_come_from_home(real_dialog: Dialog, role: str, theme: str) -> None:
    """Touching, violence or an unsafe home: a trusted adult, the Kindertelefoon, Veilig Thuis; never the parents."""
    reached = leaves(real_dialog, role, theme)
    assert reached
    for leaf in reached:
        words = outcome_words(real_dialog, leaf, child=role == CHILD)
        assert not SENT_HOME.search(words), f"{role} × {theme}: {leaf} says {SENT_HOME.search(words)}"
    named = {s.organisation for leaf in reached for s in real_dialog.node(leaf).steps}
    assert {"kindertelefoon", "veilig_thuis"} & named


def test_a_child_afraid_of_the_teacher_does_not_read_about_touching(real_dialog: Dialog) -> None:
    thema_po = real_dialog.node("thema_po")
    juf = next(o for o in thema_po.options if o.set.get("theme") == "medewerker")
    words = outcome_words(real_dialog, juf.next, child=True)
    assert "bang" in words
    assert not re.search(r"aanra|raakt|aangeraakt", words, re.I)
    touching = next(o for o in thema_po.options if o.set.get("theme") == "seksueel")
    assert "aanraken" in real_dialog.node(touching.next).text


def test_sexual_images_are_never_kept_or_forwarded_and_helpwanted_removes_them(real_dialog: Dialog) -> None:
    for role in ("leerling_po", "leerling_vo", "ouder", "personeel", "anders"):
        for leaf in leaves(real_dialog, role, "beelden"):
            node = real_dialog.node(leaf)
            shown = outcome_words(real_dialog, leaf, child=role == CHILD)
            assert not re.search(r"\bbewaar|\bopslaan|\bscreenshot", shown, re.I), leaf
            assert "niet door" in node.text, leaf
            assert "helpwanted" in {s.organisation for s in node.steps}, leaf
    assert "weg te halen" in real_dialog.organisation("helpwanted").for_children.can[1]  # type: ignore[union-attr]


# --- Correctness: claims with a source, no contradictions ------------------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        "mensen buiten de school",  # the klachtencommissie is not described so in the facts
        "mensen van buiten de school",
        "eerst bij de school",  # contradicted "you need not go to the school first"
        "hoeft niet eerst naar de school",
        "klacht indienen kun je nog niet alleen",  # the fact is about committees only
        "als eerste",  # crisis requests go first
        "bewaar de berichten",
        "grooming",  # jargon: replaced by plain words
        "misdrijf",
    ],
)
def test_claims_without_a_source_are_gone(real_dialog: Dialog, claim: str) -> None:
    assert not [t for t in every_text(real_dialog) if claim in t.lower()]


def test_the_leerplichtambtenaar_is_a_municipal_officer_not_a_helpdesk(real_dialog: Dialog) -> None:
    officer = real_dialog.organisation("leerplichtambtenaar")
    assert "let erop dat kinderen naar school gaan" in officer.for_whom
    assert "vraag" not in officer.for_whom
    assert any("officieel verslag" in item for item in officer.can)


def test_the_onderwijsconsulenten_are_always_named_with_their_condition(real_dialog: Dialog) -> None:
    steps = [s for n in real_dialog.tree.nodes.values() for s in n.steps if s.organisation == "onderwijsconsulenten"]
    assert steps
    for step in steps:
        assert step.why and "4 weken" in step.why, step.why
    assert "extra ondersteuning" in real_dialog.organisation("onderwijsconsulenten").for_whom


def test_a_primary_pupil_hears_the_committee_rule_as_it_is(real_dialog: Dialog) -> None:
    text = real_dialog.node("po_meer_hulp").text
    assert "Een klacht bij de klachtencommissie dien je nog niet zelf in." in text


def test_every_card_says_what_a_party_can_and_cannot_do(real_dialog: Dialog) -> None:
    for org_id in real_dialog.directory.organisations:
        some_node = next(
            (n for n, node in real_dialog.tree.nodes.items() if org_id in {s.organisation for s in node.steps})
        )
        shown = card(real_dialog, some_node, org_id, True).plain()
        assert "Dit kunnen ze:" in shown and "Dit kunnen ze niet:" in shown, org_id


def test_112_is_free_day_and_night(real_dialog: Dialog) -> None:
    shown = card(real_dialog, "acuut", "nood_112", True).plain()
    assert "Het kost niets." in shown and "Dag en nacht" in shown


# --- The new routes, for every role they concern --------------------------------------------------------

NEW_ROUTES: dict[tuple[str, str], set[str]] = {
    # Withholding of (medical) care, or an adjustment for a disability or chronic illness.
    ("leerling_po", "zorg"): {"po_zorg"},
    ("leerling_vo", "zorg"): {"vo_zorg_school", "vo_zorg_verder"},
    ("ouder", "zorg"): {"ouder_zorg_start", "ouder_zorg_verder"},
    ("personeel", "zorg"): {"personeel_zorg"},
    ("anders", "zorg"): {"anders_zorg"},
    # A parent threatened with a report to leerplicht or Veilig Thuis, or who had one.
    ("ouder", "melding"): {"ouder_leerplicht", "ouder_melding_vt", "ouder_gemeld"},
    # Emotional or psychological violence: threats, humiliation, exclusion.
    ("leerling_po", "emotioneel"): {"po_vertel", "po_meer_hulp", "po_durf_niet"},
    ("leerling_vo", "emotioneel"): {"vo_emo_school", "vo_klacht", "vo_extern", "vo_vast"},
    ("ouder", "emotioneel"): {"ouder_start", "ouder_klacht", "ouder_extern", "ouder_vast"},
    ("personeel", "emotioneel"): {"personeel_start", "personeel_zelf_start", "personeel_vast"},
    ("anders", "emotioneel"): {"anders_school"},
    # Staff who face violence, and staff harassed by a colleague.
    ("personeel", "geweld"): {"personeel_geweld"},
    ("personeel", "medewerker"): {"personeel_zelf_start", "personeel_meldplicht"},
}


@pytest.mark.parametrize(("role", "theme"), sorted(NEW_ROUTES))
def test_every_new_route_is_reachable_for_each_role_it_concerns(real_dialog: Dialog, role: str, theme: str) -> None:
    assert NEW_ROUTES[(role, theme)] <= leaves(real_dialog, role, theme)


def test_a_stuck_complaint_is_its_own_stage_wherever_a_complaint_is_possible(real_dialog: Dialog) -> None:
    """Every ladder past primary school offers 'my complaint is stuck'; under 18 the Kinderombudsman helps."""
    reachable = graph.reachable(real_dialog.tree)
    ladders = [n for n, node in real_dialog.tree.nodes.items() if any(o.id == "hielp_niet" for o in node.options)]
    assert len(ladders) >= 15
    for node_id in ladders:
        node = real_dialog.node(node_id)
        if node_id == "stap_po":
            assert not any(o.set.get("stage") == "vast" for o in node.options)  # a parent complains for them
            continue
        stuck = next((o for o in node.options if o.set.get("stage") == "vast"), None)
        assert stuck is not None, node_id
        parties = [s.organisation for s in real_dialog.node(stuck.next).steps]
        assert "vertrouwensinspecteurs" in parties, node_id
        staff = node_id.startswith("stap_personeel")
        assert ("kinderombudsman" in parties) != staff, node_id
        assert node_id in reachable
    vast = real_dialog.node("ouder_vast").text
    assert "4 weken" in vast and "niet op te volgen" in vast


def test_someone_else_who_thinks_about_suicide_leads_to_113(real_dialog: Dialog) -> None:
    gevaar = real_dialog.node("gevaar")
    other = next(o for o in gevaar.options if o.set.get("stage") == "zelfmoord_ander")
    outcome = real_dialog.node(other.next)
    assert outcome.urgent and outcome.steps[0].organisation == "zelfmoordpreventie_113"
    assert "113" in outcome.text


def test_primary_routes_name_parties_with_texts_for_children(real_dialog: Dialog) -> None:
    for theme in ("pesten", "seksueel", "medewerker", "zorg", "thuis", "beelden"):
        for leaf in leaves(real_dialog, CHILD, theme):
            for step in real_dialog.node(leaf).steps:
                assert real_dialog.organisation(step.organisation).for_children is not None, step.organisation


# --- Typed answers are understood generously ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("node_id", "typed", "option"),
    [
        ("rol", "middelbare school", "middelbaar"),
        ("rol", "ik zit in havo 3", "middelbaar"),
        ("rol", "ik zit in groep 7", "basisschool"),
        ("rol", "ik ben de moeder", "ouder"),
        ("rol", "ik ben docent", "personeel"),
        ("rol", "ik ben zijn oma", "iemand_anders"),
        ("thema_po", "ik word gepest", "pesten"),
        ("thema_po", "pesten", "pesten"),
        ("thema_po", "ik heb diabetes", "zorg"),
        ("thema_vo", "ik word gepest", "pesten"),
        ("thema_vo", "ze sturen mijn nudes rond", "beelden"),
        ("thema_vo", "ik word uitgelachen", "emotioneel"),
        ("thema_ouder", "school dreigt met de leerplichtambtenaar", "melding"),
        ("thema_ouder", "mijn zoon heeft autisme en krijgt geen zorg", "zorg"),
        ("stap_vo_pesten", "ik heb een klacht ingediend maar er gebeurt niets", "vast"),
        ("gevaar", "nee hoor", "nee"),
    ],
)
def test_typed_words_pick_the_matching_option(real_dialog: Dialog, node_id: str, typed: str, option: str) -> None:
    options = real_dialog.node(node_id).options
    index = match_words(typed, [o.words for o in options])
    assert index is not None and options[index].id == option


def test_every_option_of_the_role_and_theme_questions_has_words(real_dialog: Dialog) -> None:
    for node_id, node in real_dialog.tree.nodes.items():
        if node_id == "rol" or node_id.startswith("thema_"):
            assert all(o.words for o in node.options), node_id


async def test_a_pupil_who_types_her_answers_reaches_the_bullying_outcome(real_engine: Engine) -> None:
    out = io.StringIO()
    lines = ["Start", "nee", "middelbare school", "ik word gepest", "nog niet"]
    await TerminalChat(real_engine, "typed", script(*lines), out).run()
    outcome = out.getvalue().rsplit("Heb je er al met iemand op school over gepraat?", 1)[1]
    assert "Je leraar of mentor" in outcome and "aanspreekpunt pesten" in outcome
