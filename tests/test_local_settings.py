"""`make run` takes the festival's settings (zone, day change, name) from the environment,
over .chalice/config.json, in its own process (the ingest) and in the API's."""

from __future__ import annotations

import os

import pytest

from chalicelib.services import reset_services
from chalicelib.settings import FESTIVAL_SETTINGS, get_settings
from local.run import _chalice_environment, free_port
from local.serve import create_server

GIVEN = {
    "FESTIVAL_TIMEZONE": "Australia/Sydney",
    "DAY_CHANGE": "05:00",
    "FESTIVAL_NAME": "Splendour in the Grass",
    "FESTIVAL_LANGUAGE": "de",
}


@pytest.fixture
def given(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in GIVEN.items():
        monkeypatch.setenv(name, value)
    return GIVEN


def test_the_environment_wins_over_the_config_file_for_the_ingest(given: dict[str, str]) -> None:
    values = _chalice_environment()
    assert {name: values[name] for name in FESTIVAL_SETTINGS} == given


def test_without_them_the_config_file_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in FESTIVAL_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    values = _chalice_environment()
    assert values["FESTIVAL_TIMEZONE"] == "Europe/Amsterdam" and values["DAY_CHANGE"] == "06:00"
    assert "FESTIVAL_NAME" not in values  # the code's default, "Festival"


def test_the_local_api_keeps_them_after_chalice_loads_the_config(given: dict[str, str]) -> None:
    server = create_server("127.0.0.1", free_port(), "local")
    try:
        assert {name: os.environ[name] for name in FESTIVAL_SETTINGS} == given
        reset_services()
        settings = get_settings()
        assert (settings.timezone, settings.day_change, settings.festival_name) == (
            "Australia/Sydney",
            "05:00",
            "Splendour in the Grass",
        )
    finally:
        server.server.server_close()
        reset_services()


def test_the_readme_lists_every_setting_the_code_reads() -> None:
    import re
    from pathlib import Path

    from chalicelib.timetable import clock

    root = Path(__file__).resolve().parents[1]
    sources = [root / "app.py", *root.glob("chalicelib/**/*.py"), *root.glob("local/*.py")]
    read = {
        name
        for path in sources
        for name in re.findall(r"""(?:environ|env)\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text())
    }
    readme = (root / "README.md").read_text()
    table = readme[readme.index("## Settings") :].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    assert read and read <= listed, sorted(read - listed)
    # Each row says its default, and a default the code writes out is the one the README gives.
    rows = {
        name: row
        for row in table.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])
    }
    assert all(row.rstrip(" |").rsplit("|", 1)[1].strip() for row in rows.values())
    written = [
        (name, default)
        for path in sources
        for name, default in re.findall(
            r"""(?:environ|env)\.get\(\s*["']([A-Z][A-Z0-9_]+)["'],\s*["']([^"']+)["']""", path.read_text()
        )
    ]
    written.append(("DAY_CHANGE", clock.hh_mm(clock.DEFAULT_DAY_CHANGE)))  # settings.py computes this one
    assert {"DAY_CHANGE", "FESTIVAL_NAME"} <= {name for name, _ in written}
    wrong = [(name, default) for name, default in written if f"`{default}`" not in rows[name].rsplit("|", 2)[1]]
    assert wrong == []  # every file's default, even where two files write one out
