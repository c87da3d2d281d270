"""What organisers do to the live schedule, decided here and written as versions of the
upload (the ingest applies them as it applies any upload, and records each release with
its author): publish a draft's exact version, and roll a release back by bringing the
file's version before it back as a new version. Nothing is ever rewritten: a rollback is
a release of its own."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.ingest.authorship import PUBLISH, REMOVAL, ROLLBACK
from chalicelib.organisers.bucket import OrganiserBucket
from chalicelib.organisers.history import History
from chalicelib.organisers.tokens import Organiser
from chalicelib.settings import DRAFT_PREFIX, UPLOAD_PREFIX


class NoDraft(LookupError):
    """No draft of that file at that version."""


class NoRelease(LookupError):
    """No release by that id."""


@dataclass
class CannotRollBack(Exception):
    """The release cannot be rolled back now; `later` names the release that came after it."""

    message: str
    later: str = ""


@dataclass(frozen=True)
class Accepted:
    """A version written under uploads/, which the ingest applies within seconds."""

    file: str
    version: str  # the upload's new version
    source_version: str  # the draft's, or the version brought back


def publish(bucket: OrganiserBucket, who: Organiser, file: str, draft_version: str, note: str) -> Accepted:
    """Publish exactly this version of the draft, with the note, in the publisher's name."""
    if not bucket.has_draft(file, draft_version):
        raise NoDraft(f"no draft {file} at version {draft_version}: keep it as a draft first (PUT /drafts/{{file}})")
    version = bucket.copy_to_upload(
        file, DRAFT_PREFIX + file, draft_version, action=PUBLISH, author=who.email, note=note
    )
    return Accepted(file, version, draft_version)


def roll_back(bucket: OrganiserBucket, history: History, who: Organiser, release_id: str, note: str) -> Accepted:
    """Make the release's file what it was before the release: the version the file's
    previous release made live, copied back as its newest version. Only the file's latest
    release can be rolled back, and only while the bucket still holds what it made live."""
    release = history.release(release_id)
    if release is None:
        raise NoRelease(f"no release {release_id}")
    file = release.source.removeprefix(UPLOAD_PREFIX)
    later = history.latest_after(release)
    if later is not None:
        raise CannotRollBack(
            f"release {later.release} of {file} came after {release_id}: roll back the latest release of a file first",
            later.release,
        )
    before = history.before(release)
    if before is None:
        raise CannotRollBack(f"release {release_id} is the first of {file}: there is nothing before it to bring back")
    if before.action == REMOVAL or not before.version:
        what = "the file was removed" if before.action == REMOVAL else "the version was not recorded"
        raise CannotRollBack(f"before release {release_id}, {what}: it cannot be brought back from the history")
    current = bucket.upload(file)
    made_live = None if release.action == REMOVAL else release.version
    if (current.version_id if current else None) != made_live:
        raise CannotRollBack(
            f"{file} has changed since release {release_id} (a new version is being applied): "
            "wait for its release, then roll that back if need be"
        )
    version = bucket.copy_to_upload(
        file,
        UPLOAD_PREFIX + file,
        before.version,
        action=ROLLBACK,
        author=who.email,
        note=note,
        rollback_of=release_id,
        guard=True,
        expected=current,
    )
    return Accepted(file, version, before.version)
