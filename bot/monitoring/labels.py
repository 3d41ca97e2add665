"""Words a person reads for the values the tree counts (role, theme, stage) and for the helpdesk's codes.

Dutch, like the rest of the console. A value without a word here is shown as it is (a new one in the tree).
"""

from __future__ import annotations

ROLES = {
    "leerling_po": "Leerling basisschool",
    "leerling_vo": "Leerling middelbare school",
    "ouder": "Ouder of verzorger",
    "personeel": "Werkt op een school",
    "anders": "Iemand anders",
    "": "(nog niet gekozen)",
}
THEMES = {
    "pesten": "Pesten",
    "emotioneel": "Buitensluiten, emotioneel geweld",
    "discriminatie": "Discriminatie",
    "lhbtiq": "Om wie je bent (lhbtiq+)",
    "seksueel": "Seksuele grensoverschrijding",
    "geweld": "Geweld of bedreiging",
    "medewerker": "Een medewerker van school",
    "zorg": "Geen hulp bij ziekte of handicap",
    "thuiszitten": "Niet naar school mogen",
    "melding": "Een melding doen",
    "thuis": "Thuis niet veilig",
    "beelden": "Beelden online",
    "anders": "Iets anders",
    "": "(nog niet gekozen)",
}
STAGES = {
    "nog_niet": "Nog niet over gepraat",
    "hielp_niet": "Gepraat, hielp niet",
    "vast": "Klacht loopt vast",
    "durft_niet": "Durft het niet",
    "past_niet": "Dit past niet",
    "acuut": "Nu in gevaar",
    "zelfmoord": "Denkt aan zelfmoord",
    "zelfmoord_ander": "Een ander denkt aan zelfmoord",
    "": "(niet bereikt)",
}
LANGUAGES = {
    "nl": "Nederlands",
    "en": "Engels",
    "ar": "Arabisch",
    "tr": "Turks",
    "pl": "Pools",
    "uk": "Oekraïens",
}
CHANNELS = {"web": "Webchat", "telegram": "Telegram", "terminal": "Terminal"}
CRISIS = {  # bot/safety/phrase_file.py CrisisKind
    "suicide": "Denkt aan zelfmoord",
    "suicide_other": "Zorgen om zelfmoord van een ander",
    "violence": "Geweld of gevaar, nu",
    "abuse_home": "Geweld of misbruik thuis",
    "sexual": "Seksueel misbruik",
}
HANDOFF_OUTCOMES = {
    "referred": "Doorverwezen naar een organisatie",
    "information": "Informatie gegeven",
    "witte_vlek": "Geen passende organisatie (witte vlek)",
    "user_left": "Gebruiker is weggegaan",
    "user_deleted": "Gebruiker heeft het gesprek gewist",
    "niet_echt": "Geen echt verzoek (in één keer gewist)",
}
REFERRALS = {  # storage/referrals.py OUTCOMES, in the order a referral goes
    "proposed": "Voorgesteld",
    "sent": "Verstuurd (met ja van de gebruiker)",
    "refused": "Gebruiker zei nee",
    "withdrawn": "Ingetrokken",
    "accepted": "Aangenomen",
    "declined": "Afgewezen",
    "expired": "Niet opgepakt op tijd",
    "closed": "Afgehandeld",
}
CALLBACKS = {  # storage/callback_lifecycle.py closed states
    "called": "Gebeld",
    "not_reached": "Niet bereikt",
    "cancelled": "Geannuleerd",
}
DAY_PARTS = {"morning": "Ochtend", "afternoon": "Middag", "evening": "Avond", "any": "Maakt niet uit"}
OPENING = {"open": "Binnen openingstijd", "after_hours": "Bericht buiten openingstijd"}


def word(words: dict[str, str], value: str) -> str:
    """The word for ``value``, or the value itself."""
    return words.get(value, value)
