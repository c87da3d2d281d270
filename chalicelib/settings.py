"""The deployment's settings, read from the environment in one place."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from chalicelib.timetable import clock

UPLOAD_PREFIX = "uploads/"
DRAFT_PREFIX = "drafts/"  # a draft is previewed, never published: copy it under uploads/ for that
REPORT_PREFIX = "reports/"  # an upload's report: `reports/<name>.json`
PREVIEW_PREFIX = "previews/"  # a draft's: `previews/<name>.json` (an upload may be named `drafts/...`)
# A host as a link may name it: a DNS name, an IPv4 address or a bracketed IPv6 one, and a port.
_LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST = re.compile(rf"({_LABEL}(\.{_LABEL})*|\[[0-9A-Fa-f:.]+\])(:[0-9]{{1,5}})?")
_ORIGIN_PATH = re.compile(r"(/[A-Za-z0-9._~%-]*)*")
# What the festival is: set per deployment in .chalice/config.json, and taken from the
# environment first by `make run` and `cli validate`.
FESTIVAL_SETTINGS = ("FESTIVAL_TIMEZONE", "DAY_CHANGE", "FESTIVAL_NAME", "FESTIVAL_LANGUAGE")
# The languages the feeds' fixed words are written in (chalicelib.exports.words has them all).
FESTIVAL_LANGUAGES = ("en", "de", "fr", "es", "nl", "pt", "ar")


@dataclass(frozen=True)
class Settings:
    """Names of the AWS resources and the festival's clock."""

    schedule_bucket: str
    performances_table: str
    bookkeeping_table: str
    notify_topic_arn: str
    timezone: str
    day_change_minutes: int
    festival_name: str = "Festival"
    # The language of the few fixed words the feeds and exports write (a cancelled set's
    # title): one of FESTIVAL_LANGUAGES. The pages follow their visitor's.
    festival_language: str = "en"
    # Where clients reach the API (`https://d1.cloudfront.net`), for feeds' absolute links;
    # empty: the request's own Host. `make deploy CDN=1` sets it to the CDN's address.
    public_origin: str = ""
    # The organisers' Cognito user pool and the organiser page's app client; where the
    # pool's signing keys are (empty: Cognito's own address, from the pool's issuer;
    # `make run` points it at moto's server, which serves them under its own host).
    organiser_pool_id: str = ""
    organiser_client_id: str = ""
    organiser_jwks_url: str = ""

    @property
    def organiser_issuer(self) -> str:
        """The `iss` of the pool's tokens: Cognito's address of the pool, in its region."""
        region = self.organiser_pool_id.partition("_")[0]
        return f"https://cognito-idp.{region}.amazonaws.com/{self.organiser_pool_id}"

    @property
    def organiser_keys_url(self) -> str:
        return self.organiser_jwks_url or f"{self.organiser_issuer}/.well-known/jwks.json"

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


def _parse_language(text: str) -> str:
    code = text.strip().lower() or "en"
    if code not in FESTIVAL_LANGUAGES:
        raise ValueError(f"FESTIVAL_LANGUAGE must be one of {', '.join(FESTIVAL_LANGUAGES)}, not {text!r}")
    return code


def _parse_public_origin(text: str) -> str:
    """`http(s)://host[:port][/path]` without its last slash, or "" when not set."""
    if not text:
        return ""
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not HOST.fullmatch(parts.netloc)
        or "?" in text
        or "#" in text
        or not _ORIGIN_PATH.fullmatch(parts.path)
    ):
        raise ValueError(f"PUBLIC_ORIGIN must be http(s)://host[:port] with an optional path, not {text!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once per process (Lambda containers reuse them)."""
    env = os.environ
    timezone = env.get("FESTIVAL_TIMEZONE", "UTC")
    ZoneInfo(timezone)  # fail at start-up on a misspelt zone, not at the first request
    return Settings(
        schedule_bucket=env.get("SCHEDULE_BUCKET", ""),
        performances_table=env.get("PERFORMANCES_TABLE", ""),
        bookkeeping_table=env.get("BOOKKEEPING_TABLE", ""),
        notify_topic_arn=env.get("NOTIFY_TOPIC_ARN", ""),
        timezone=timezone,
        day_change_minutes=_parse_day_change(env.get("DAY_CHANGE", clock.hh_mm(clock.DEFAULT_DAY_CHANGE))),
        festival_name=env.get("FESTIVAL_NAME", "Festival"),
        festival_language=_parse_language(env.get("FESTIVAL_LANGUAGE", "en")),
        public_origin=_parse_public_origin(env.get("PUBLIC_ORIGIN", "")),
        organiser_pool_id=env.get("ORGANISER_POOL_ID", ""),
        organiser_client_id=env.get("ORGANISER_CLIENT_ID", ""),
        organiser_jwks_url=env.get("ORGANISER_JWKS_URL", ""),
    )
