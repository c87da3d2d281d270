"""Properties that must hold for any input, checked with hypothesis through the real
ingest path on moto: data never makes the ingest raise, no row vanishes, and a valid
row comes back out of the API exactly as it went in."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import unicodedata
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import HEADER, Festival

COLUMNS = HEADER.strip().split(",")
_uploads = itertools.count()
# CI replays a fixed set of examples so that a run's verdict does not depend on luck;
# on a developer's machine every run explores new ones.
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=bool(os.environ.get("CI"))
)

# Characters that stress a CSV reader: delimiters, quotes, line breaks, NUL, accents.
tricky = st.text(
    alphabet=st.sampled_from(list(',;"\n\r\t \x00:-0123456789aé✓\u00a0')) | st.characters(blacklist_categories=("Cs",)),
    max_size=12,
)
plausible = st.sampled_from(["Main", "Tent", "2026-07-03", "2026-02-30", "18:00", "25:00", "7:05", "23:59", "Björk"])
field = plausible | tricky


def upload(festival: Festival, data: bytes) -> dict:
    key = f"uploads/property/{next(_uploads)}.csv"
    festival.deliver(festival.put(key, data))
    return festival.report(key)


@PROPERTY_SETTINGS
@given(rows=st.lists(st.lists(field, max_size=9), max_size=25), quote_all=st.booleans())
def test_every_non_blank_row_is_accepted_or_rejected(
    festival_module: Festival, rows: list[list[str]], quote_all: bool
) -> None:
    buffer = io.StringIO()
    # csv.writer quotes a lone "\r" only when it is part of the line terminator.
    writer = csv.writer(
        buffer, lineterminator="\n" if quote_all else "\r\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    report = upload(festival_module, buffer.getvalue().encode("utf-8"))
    non_blank = sum(1 for row in rows if "".join(row).strip())
    assert report["status"] in {"ok", "partial", "failed"}
    assert report["accepted"] + report["rejected"] == non_blank, (rows, report)
    assert report["status"] != "failed" or report["accepted"] == 0


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=2000) | st.text(max_size=2000).map(lambda text: (HEADER + text).encode("utf-8")))
def test_arbitrary_bytes_never_make_the_ingest_raise(festival_module: Festival, data: bytes) -> None:
    report = upload(festival_module, data)
    assert report["status"] in {"ok", "partial", "failed"}
    assert report["status"] != "failed" or report.get("reason")
    assert all(error["line"] >= 2 and error["reason"] for error in report["errors"])


name = (
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40)
    .map(lambda text: unicodedata.normalize("NFC", text.strip()))
    .filter(lambda text: bool(text) and text not in {".", ".."})
)
optional = st.none() | name
minutes = st.integers(0, 24 * 60 - 1)


@PROPERTY_SETTINGS
@given(
    stage=name,
    artist=name,
    genre=optional,
    notes=optional,
    day=st.integers(1, 28),
    start=minutes,
    length=st.integers(1, 12 * 60),
)
def test_a_valid_row_round_trips_through_the_api(
    festival_module: Festival,
    stage: str,
    artist: str,
    genre: str | None,
    notes: str | None,
    day: int,
    start: int,
    length: int,
) -> None:
    end = (start + length) % (24 * 60)
    hhmm = [f"{m // 60:02d}:{m % 60:02d}" for m in (start, end)]
    date = f"2026-07-{day:02d}"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([COLUMNS, [stage, date, hhmm[0], hhmm[1], artist, genre or "", notes or ""]])
    report = upload(festival_module, buffer.getvalue().encode("utf-8"))
    assert (report["accepted"], report["rejected"]) == (1, 0), report

    response = festival_module.client.http.get(f"/stages/{quote(stage, safe='')}/performances/{date}T{hhmm[0]}")
    assert response.status_code == 200, response.body
    shown = json.loads(response.body)
    assert (shown["stage"], shown["artist"], shown["start"]) == (stage, artist, f"{date}T{hhmm[0]}")
    assert shown["end"][11:] == hhmm[1]
    assert shown.get("genre") == genre and shown.get("notes") == notes
