"""The deployment's settings, read from the environment in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from chalicelib.timetable import clock

UPLOAD_PREFIX = "uploads/"
REPORT_PREFIX = "reports/"
# What the festival is: set per deployment in .chalice/config.json, and taken from the
# environment first by `make run` and `cli validate`.
FESTIVAL_SETTINGS = ("FESTIVAL_TIMEZONE", "DAY_CHANGE", "FESTIVAL_NAME")


@dataclass(frozen=True)
class Settings:
    """Names of the AWS resources and the festival's clock."""

    schedule_bucket: str
    performances_table: str
    state_table: str
    notify_topic_arn: str
    timezone: str
    day_change_minutes: int
    festival_name: str = "Festival"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def day_change(self) -> str:
        """The day-change time as HH:MM."""
        return clock.hh_mm(self.day_change_minutes)


def _parse_day_change(text: str) -> int:
    hours, _, minutes = text.partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= value < 24 * 60:
        raise ValueError(f"DAY_CHANGE must be a time of day (HH:MM), not {text!r}")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once per process (Lambda containers reuse them)."""
    env = os.environ
    timezone = env.get("FESTIVAL_TIMEZONE", "UTC")
    ZoneInfo(timezone)  # fail at start-up on a misspelt zone, not at the first request
    return Settings(
        schedule_bucket=env.get("SCHEDULE_BUCKET", ""),
        performances_table=env.get("PERFORMANCES_TABLE", ""),
        state_table=env.get("STATE_TABLE", ""),
        notify_topic_arn=env.get("NOTIFY_TOPIC_ARN", ""),
        timezone=timezone,
        day_change_minutes=_parse_day_change(env.get("DAY_CHANGE", clock.hh_mm(clock.DEFAULT_DAY_CHANGE))),
        festival_name=env.get("FESTIVAL_NAME", "Festival"),
    )
