"""Timetable files for the benchmarks: valid, realistic rows, generated deterministically."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

DATA = Path(__file__).with_name(".data")
FIRST_DAY = datetime.date(2030, 7, 1)
GENRES = ("indie", "techno", "folk", "jazz", "hip hop", "drum & bass", "chanson")


def timetable(rows: int, *, sets_per_stage: int = 2000) -> Path:
    """A CSV of `rows` performances: ten-minute sets every quarter of an hour from
    08:00, `sets_per_stage` to a stage (2,000 is three weeks). Written once, then reused."""
    path = DATA / f"timetable-{rows}-{sets_per_stage}.csv"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("stage", "date", "start", "end", "artist", "genre", "notes"))
        for n in range(rows):
            stage, slot = divmod(n, sets_per_stage)
            start = 8 * 60 + slot * 15
            day = FIRST_DAY + datetime.timedelta(days=start // 1440)
            begin, end = start % 1440, (start + 10) % 1440
            writer.writerow(
                (
                    f"Stage {stage:03d}",
                    day.isoformat(),
                    f"{begin // 60:02d}:{begin % 60:02d}",
                    f"{end // 60:02d}:{end % 60:02d}",
                    f"Artist {n} & Friends",
                    GENRES[n % 7],
                    "late set, after midnight" if begin < 6 * 60 else "",
                )
            )
    return path


def festival(stages: int) -> Path:
    """A festival of `stages` stages over three days: 90-minute sets every two hours from
    12:00 to 01:30 the next morning, seven a stage a day. Written once, then reused."""
    path = DATA / f"festival-{stages}.csv"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("stage", "day", "start", "end", "artist", "genre", "notes"))
        for stage in range(stages):
            for offset in range(3):
                day = (FIRST_DAY + datetime.timedelta(days=offset)).isoformat()
                for slot, hour in enumerate((12, 14, 16, 18, 20, 22, 24)):
                    artist = f"Artist {stage}-{offset}-{slot}"
                    writer.writerow(
                        (f"Stage {stage:03d}", day, f"{hour}:00", f"{hour + 1}:30", artist, GENRES[slot], "")
                    )
    return path
