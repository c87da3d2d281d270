"""The feeds' fixed words come in every language the pages speak, and FESTIVAL_LANGUAGE
takes only one of them."""

from __future__ import annotations

import pytest

from chalicelib.exports.words import WORDS, word
from chalicelib.settings import FESTIVAL_LANGUAGES, get_settings
from chalicelib.web.page import catalogues


def test_every_language_of_the_pages_has_the_feeds_words_too() -> None:
    assert set(WORDS) == set(FESTIVAL_LANGUAGES) == set(catalogues().languages)
    assert all(set(words) == set(WORDS["en"]) for words in WORDS.values())
    assert word("nl", "cancelled", artist="Björk") == "Björk (geannuleerd)"
    assert word("xx", "cancelled", artist="Björk") == "Björk (cancelled)"  # unknown: English


def test_a_misspelt_festival_language_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("FESTIVAL_LANGUAGE", "german")
    with pytest.raises(ValueError, match="FESTIVAL_LANGUAGE must be one of en, de"):
        get_settings()
    monkeypatch.setenv("FESTIVAL_LANGUAGE", "DE")
    get_settings.cache_clear()
    assert get_settings().festival_language == "de"
    get_settings.cache_clear()
