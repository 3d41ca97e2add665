"""The crisis detector on real phrasings: what must alarm, which everyday Dutch must not, and odd input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.safety.crisis import DATA_DIR, CrisisDataError, CrisisDetector, CrisisKind, available_locales

SUICIDE = CrisisKind.SUICIDE
OTHER = CrisisKind.SUICIDE_OTHER
VIOLENCE = CrisisKind.VIOLENCE
HOME = CrisisKind.ABUSE_HOME
SEXUAL = CrisisKind.SEXUAL

MUST_MATCH: list[tuple[str, CrisisKind]] = [
    # suicide and self-harm, one's own
    ("Ik denk aan zelfmoord", SUICIDE),
    ("ik wil niet meer leven", SUICIDE),
    ("ik wil nie meer leve", SUICIDE),
    ("ik wil dood", SUICIDE),
    ("k wil dood", SUICIDE),
    ("ikwildood", SUICIDE),
    ("dood wil ik, echt waar", SUICIDE),
    ("soms wil ik gewoon dood", SUICIDE),
    ("IK WIL DOOOOD!!!", SUICIDE),
    ("zelfmoort", SUICIDE),
    ("ik heb zelfmrd gedachten", SUICIDE),
    ("ik heb zelfmoordgedachten", SUICIDE),
    ("zelfmoortgedachten elke avond", SUICIDE),
    ("ik heb zm gedachten", SUICIDE),
    ("ik ben suïcidaal", SUICIDE),
    ("wil er niet meer zijn", SUICIDE),
    ("ik snij mezelf", SUICIDE),
    ("ik snijd mezelf als ik verdrietig ben", SUICIDE),
    ("ik kras in mn armen", SUICIDE),
    ("ik doe mezelf pijn", SUICIDE),
    ("ik wil er een eind aan maken", SUICIDE),
    ("ik wil er een einde aan maken.", SUICIDE),
    ("ik wil niet meer wakker worden", SUICIDE),
    ("iedereen is beter af zonder mij", SUICIDE),
    ("iedereen is beter af als ik er niet meer ben", SUICIDE),
    ("ik wil mezelf iets aandoen", SUICIDE),
    ("ik wil voor de trein springen", SUICIDE),
    ("ik zie het leven niet meer zitten", SUICIDE),
    ("ik wil kms", SUICIDE),
    ("ik doe weer aan sh", SUICIDE),
    ("ik wil mezelf ophangen", SUICIDE),
    ("ik wil niet meer leeven", SUICIDE),
    ("ik wil nimeer leven", SUICIDE),
    ("ik wil dood want ze pesten me", SUICIDE),
    # worry about someone else
    ("mijn vriendin wil zelfmoord plegen", OTHER),
    ("mijn zoon praat over dood willen", OTHER),
    ("een klasgenoot snijdt zichzelf", OTHER),
    ("mijn dochter doet zichzelf pijn", OTHER),
    ("mijn vriend zegt dat hij niet meer wil leven", OTHER),
    ("ik maak me zorgen om mijn vriendin, ze heeft het over zelfmoord", OTHER),
    ("ik denk dat mijn leerling zelfmoordgedachten heeft", OTHER),
    ("mn beste vriendin krast zichzelf", OTHER),
    ("hij wil zichzelf iets aandoen", OTHER),
    ("mijn zoon praat steeds over doodgaan", OTHER),
    # violence and threats, now or aimed at me
    ("hij slaat me nu", VIOLENCE),
    ("ze staan buiten op me te wachten", VIOLENCE),
    ("iemand heeft een mes", VIOLENCE),
    ("ze willen me in elkaar slaan", VIOLENCE),
    ("hij bedreigt me", VIOLENCE),
    ("ik word nu geslagen", VIOLENCE),
    ("help ik word achtervolgd", VIOLENCE),
    ("ze wachten me op na school", VIOLENCE),
    ("hij zegt dat hij me gaat vermoorden", VIOLENCE),
    ("ze willen me dood", VIOLENCE),
    ("er loopt een jongen met een mes op het plein", VIOLENCE),
    ("hij dreigt me in elkaar te slaan", VIOLENCE),
    ("ik ben in gevaar", VIOLENCE),
    ("mijn vader slaat me nu", VIOLENCE),
    ("ze gaan me pakken", VIOLENCE),
    # abuse at home
    ("mijn vader slaat mij", HOME),
    ("mn vader slaat me", HOME),
    ("m'n pa slaat me", HOME),
    ("mijn moeder schopt me", HOME),
    ("thuis word ik geslagen", HOME),
    ("ik word geslagen door mijn vader", HOME),
    ("mijn stiefvader doet me pijn", HOME),
    ("ik durf niet naar huis", HOME),
    ("ik durf niet meer naar huis", HOME),
    ("mijn vader heeft me weer geslagen", HOME),
    ("mijn vader slaat mijn moeder", HOME),
    ("ik voel me thuis niet veilig", HOME),
    ("ik word thuis mishandeld", HOME),
    ("mijn moeder gooit dingen naar me", HOME),
    ("mijn vader geslagn me", HOME),
    ("mnvaderslaatme", HOME),
    # sexual abuse
    ("hij zit aan me", SEXUAL),
    ("hij raakt me aan op plekken waar ik dat niet wil", SEXUAL),
    ("ik ben verkracht", SEXUAL),
    ("hij dwingt me tot seks", SEXUAL),
    ("leraar stuurt me naaktfoto's", SEXUAL),
    ("hij wil dat ik naaktfotos stuur", SEXUAL),
    ("ik ben aangerand", SEXUAL),
    ("mijn oom zit aan me", SEXUAL),
    ("hij heeft aan me gezeten", SEXUAL),
    ("hij stuurt me nudes", SEXUAL),
    ("hij chanteert me met fotos", SEXUAL),
    ("mijn stiefvader zit aan mijn borsten", SEXUAL),
    ("ik ben verkragt", SEXUAL),
    ("ik ben verkarcht", SEXUAL),
    ("een man liet zijn piemel zien", SEXUAL),
    ("ik werd betast in de bus", SEXUAL),
]

ORDINARY: list[str] = [
    "ik ga dood van het lachen",
    "ik ga echt dood van de honger",
    "ik ben doodmoe",
    "ik ben doodop",
    "mijn telefoon is dood",
    "mijn batterij is bijna leeg",
    "ik schrok me dood",
    "ik heb me dood geschaamd",
    "dat is doodnormaal",
    "ik verveel me dood",
    "ik lach me dood om die video",
    "die film was moordend saai",
    "ik sla je in een potje fifa",
    "mijn vader slaapt nog",
    "we spelen tikkertje op het plein",
    "de bel gaat zo",
    "we moesten heel hard lachen",
    "ik word gek van wiskunde",
    "we hebben gym en ik word bang van de bal",
    "de toets was een ramp",
    "mijn wekker gaat niet meer af",
    "je doet jezelf pijn als je zo zit",
    "ik word gevolgd op instagram",
    "ik wil een eind maken aan het pesten",
    "ik wil niet meer naar school",
    "mijn moeder vermoordt me als ze mijn cijfer ziet",
    "mijn moeder gaat me vermoorden als ze mijn rapport ziet",
    "hij zit naast me in de klas",
    "mijn vader staat buiten op me te wachten",
    "hij maakt me aan het lachen",
    "ik slaag vast voor mijn toets",
    "mijn opa is vorig jaar dood gegaan en ik mis hem",
    "we leren over naaktslakken bij biologie",
    "we moeten een werkstuk over seksuele voorlichting maken",
    "ik ben gestoken door een wesp",
    "mijn fiets is gestolen",
    "ik voel me niet veilig op school, thuis wel",
    "zm ben ik thuis",
    "ik wil dood graag naar dat concert",
    "ik zweer het op mijn leven",
    "ik kon niet meer wakker blijven",
    "mijn broertje slaat me met een kussen",
    "mijn vader slaat me nooit",
    "ik moet me omkleden voor gym",
    "ik heb een mes nodig voor de taart",
    "hij slaat de bal over het net",
    "mijn moeder wacht buiten op me",
    "ik wil leren koken",
    "ik wil later dokter worden",
    "ik wil een nieuwe telefoon",
    "mijn dochter praat veel over de dood van opa",
    "ik viel en deed mezelf pijn",
    "ik durf niet naar huis met dit rapport",
    # real words one letter from a phrase word (the `not_typos` list)
    "ik wil doorgaan met school",
    "ik wil sterk zijn",
    "ik wil de sterren zien",
    "er waren veel mensen op het feest",
    "ik heb me gestoten aan de tafel",
    "ze laten me zakken voor wiskunde",
    "hij heeft me betrapt",
    "ik zat bij opa op schoot",
    "ik ga met mama shoppen",
    "ik heb thuis geslapen",
    "hij zit aan mijn kluis",
    "ik kan het je aanraden",
    "ik heb veel veerkracht",
    "hij bedriegt me",
    "we gaan niet meer naar de bakker",
    "die winkel bestaat niet meer",
]


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    """As the server loads it: every language at once, so ordinary Dutch must not alarm in any of them."""
    return CrisisDetector.load(available_locales())


@pytest.mark.parametrize(("text", "kind"), MUST_MATCH)
def test_a_real_phrase_in_danger_is_heard(detector: CrisisDetector, text: str, kind: CrisisKind) -> None:
    assert detector.detect(text) == kind


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_dutch_does_not_alarm(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is None


def test_recall_and_false_alarms_on_the_table(detector: CrisisDetector) -> None:
    heard = sum(detector.detect(text) is not None for text, _ in MUST_MATCH)
    right = sum(detector.detect(text) == kind for text, kind in MUST_MATCH)
    alarms = sum(detector.detect(text) is not None for text in ORDINARY)
    print(
        f"\ncrisis table: recall {heard / len(MUST_MATCH):.2f} ({heard}/{len(MUST_MATCH)}), "
        f"right kind {right}/{len(MUST_MATCH)}, false alarms {alarms / len(ORDINARY):.2f} ({alarms}/{len(ORDINARY)})"
    )
    assert len(MUST_MATCH) >= 60 and len(ORDINARY) >= 30
    assert heard / len(MUST_MATCH) == 1.0 and right == len(MUST_MATCH)
    assert alarms == 0


def test_the_most_urgent_kind_wins(detector: CrisisDetector) -> None:
    assert detector.detect("mijn vader slaat me en ik wil dood") == SUICIDE
    assert detector.detect("mijn stiefvader zit aan me en slaat me") == SEXUAL
    assert detector.detect("ik wil dood en mijn vriendin ook") == SUICIDE


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", None),
        (" \n\t ", None),
        ("🙂🔪💀", None),
        ("أريد أن أموت", SUICIDE),  # read in every language, Arabic too
        ("\x00\x07\x1b[31m\u202e", None),
        ("\ud800", None),
        ("a\udfffb dood", None),
        ("ik wil\u200bdood\x00", SUICIDE),
        ("x" * 10_000, None),
        ("ikwil" * 2_000, None),
        ("ik wil dood " * 900, SUICIDE),
        ("me " * 3_000, None),
        ("." * 5_000, None),
        ("zelfmoord" + "a" * 9_000, SUICIDE),
        ("ＩＫ ＷＩＬ ＤＯＯＤ", SUICIDE),
    ],
)
def test_odd_input_never_raises(
    detector: CrisisDetector, caplog: pytest.LogCaptureFixture, text: str, kind: CrisisKind | None
) -> None:
    assert detector.detect(text) == kind
    assert not caplog.records  # detect() swallows a crash and logs it: there must be none


def test_a_long_text_is_read_to_its_end(detector: CrisisDetector) -> None:
    """How fast is in ``make bench`` (bench/crisis_bench.py); here only that a long text is read whole."""
    words = " ".join(f"woord{i} ik ben er en het was" for i in range(600))[:3980] + " ik wil dood"
    assert detector.detect(words) == SUICIDE


def test_an_unknown_locale_falls_back_to_dutch() -> None:
    detector = CrisisDetector.load(("nl", "xx", "../etc"))
    assert detector.detect("ik wil dood", "xx") == SUICIDE
    assert detector.detect("ik wil dood", "en") == SUICIDE
    assert detector.detect("ik ga dood van het lachen", "en") is None


def test_a_locale_file_and_dutch_are_both_checked(tmp_path: Path) -> None:
    (tmp_path / "crisis.nl.yaml").write_text((DATA_DIR / "crisis.nl.yaml").read_text(encoding="utf-8"), "utf-8")
    english = {
        "version": 1, "window": 4, "reach": 2, "normalise": {}, "not_typos": [], "groups": {"me": ["me", "i"]},
        "subjects": {"self": "@me", "other": "he|she", "reach": 3}, "ignore": [],
        "kinds": {"suicide": {"phrases": ["kill myself"]}},
    }  # fmt: skip
    (tmp_path / "crisis.en.yaml").write_text(yaml.safe_dump(english), "utf-8")
    detector = CrisisDetector.load(("nl", "en"), tmp_path)
    assert detector.detect("i want to kill myself", "en") == SUICIDE
    assert detector.detect("mijn vader slaat me", "en") == HOME  # a parent typing Dutch in an English chat
    assert detector.detect("i want to kill myself", "nl") == SUICIDE  # English typed in a chat still in Dutch


def test_the_dutch_file_loads_and_explains_every_exception() -> None:
    data = yaml.safe_load((DATA_DIR / "crisis.nl.yaml").read_text(encoding="utf-8"))
    assert {str(kind) for kind in data["kinds"]} == {str(kind) for kind in CrisisKind}
    for entry in data["ignore"] + data["not_typos"]:
        assert entry["words"].strip() and len(entry["why"].strip()) > 10, entry
    assert len(data["ignore"]) >= 10


def test_a_broken_file_fails_loudly_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "crisis.nl.yaml").write_text("kinds: [unclosed\n", "utf-8")
    with pytest.raises(CrisisDataError, match="crisis.nl.yaml"):
        CrisisDetector.load(directory=tmp_path)


def test_an_idiom_without_why_or_an_unknown_group_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load((DATA_DIR / "crisis.nl.yaml").read_text(encoding="utf-8"))
    data["ignore"].append({"words": "doodmoe"})
    (tmp_path / "crisis.nl.yaml").write_text(yaml.safe_dump(data), "utf-8")
    with pytest.raises(CrisisDataError, match=r"crisis\.nl\.yaml: ignore\.\d+\.why"):
        CrisisDetector.load(directory=tmp_path)
    data["ignore"].pop()
    data["kinds"]["violence"]["phrases"].append("@nergens mes")
    (tmp_path / "crisis.nl.yaml").write_text(yaml.safe_dump(data), "utf-8")
    with pytest.raises(CrisisDataError, match="unknown group '@nergens'"):
        CrisisDetector.load(directory=tmp_path)


def test_a_missing_dutch_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CrisisDataError, match="crisis.nl.yaml: missing"):
        CrisisDetector.load(directory=tmp_path)


def _xx(tmp_path: Path, **extra: object) -> CrisisDetector:
    """Dutch and a tiny ``xx`` locale with one phrase, plus the given top-level settings."""
    (tmp_path / "crisis.nl.yaml").write_text((DATA_DIR / "crisis.nl.yaml").read_text(encoding="utf-8"), "utf-8")
    data = {
        "version": 1, "window": 4, "reach": 2, "normalise": {}, "not_typos": [], "groups": {},
        "subjects": {"self": "ana", "other": "huwa", "reach": 3}, "ignore": [],
        "kinds": {"suicide": {"phrases": ["bidi amout"]}, "violence": {"phrases": ["yadribuni"]}}, **extra,
    }  # fmt: skip
    (tmp_path / "crisis.xx.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return CrisisDetector.load(("xx",), tmp_path)


def test_a_file_may_ask_for_longer_typos(tmp_path: Path) -> None:
    assert _xx(tmp_path).detect("yadrubuni", "xx") == VIOLENCE  # one letter off, 9 letters: a typo by default
    strict = _xx(tmp_path, typos={"word": 10, "stem": 10})
    assert strict.detect("yadrubuni", "xx") is None
    assert strict.detect("yadribuni", "xx") == VIOLENCE


def test_a_file_may_turn_splitting_off_and_read_glued_prefixes_apart(tmp_path: Path) -> None:
    assert _xx(tmp_path).detect("bidiamout", "xx") == SUICIDE  # split into known words by default
    glued = _xx(tmp_path, split=False, prefixes=["wa", "w"])
    assert glued.detect("bidiamout", "xx") is None
    assert glued.detect("wabidi amout", "xx") == SUICIDE  # "wa" + a word of the file
    assert glued.detect("wbidi wamout", "xx") == SUICIDE
    assert glued.detect("wabidi", "xx") is None  # the rest alone is no phrase
    assert glued.detect("waldi amout", "xx") is None  # the rest "ldi" is no word here: nothing is cut
    with pytest.raises(CrisisDataError, match="crisis.xx.yaml"):
        _xx(tmp_path, prefixes=["w a"])
