"""The few fixed words the feeds and exports write themselves (the festival's own names are
never translated), in the festival's language: `FESTIVAL_LANGUAGE` (settings.py), English
when unset. A language the pages speak is one entry here too."""

from __future__ import annotations

# language -> {word: text with {named} values}
WORDS: dict[str, dict[str, str]] = {
    "en": {"cancelled": "{artist} (cancelled)"},
    "de": {"cancelled": "{artist} (abgesagt)"},
    "fr": {"cancelled": "{artist} (annulé)"},
    "es": {"cancelled": "{artist} (cancelado)"},
    "nl": {"cancelled": "{artist} (geannuleerd)"},
    "pt": {"cancelled": "{artist} (cancelado)"},
    "ar": {"cancelled": "{artist} (أُلغي)"},
}


def word(language: str, name: str, **values: str) -> str:
    """A fixed word in the festival's language (English for one not listed), its values filled in."""
    return WORDS.get(language, WORDS["en"])[name].format(**values)
