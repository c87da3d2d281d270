"""On the day, through the API as the organiser's page calls it: `PATCH /performances/{id}`
and `POST /stages/{stage}/delays`, publishers only, same origin only, never cached, an
audit line per request; each edit written as its file's next version, which the ingest
releases as any upload, with `action: edit` and its author in the history
(app.py, chalicelib/organisers/http.py, chalicelib/api/edits.py)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import EDITOR, PUBLISHER, Festival, Organisers
from tests.test_edits import FRIDAY, KEY, at_once, current_file, set_id, versions


@pytest.fixture
def live(organisers: Organisers) -> Organisers:
    """FRIDAY live at uploads/friday.csv, in a versioned bucket, with a publisher and an editor."""
    organisers.festival.upload(KEY, FRIDAY)
    return organisers


def send(
    festival: Festival,
    method: str,
    path: str,
    token: str | None,
    body: Any = None,
    **headers: str,
) -> tuple[int, Any, dict[str, str]]:
    sent = {"Content-Type": "application/json", **{k.replace("_", "-"): v for k, v in headers.items()}}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    answer = getattr(festival.client.http, method.lower())(path, headers=sent, body=data)
    found = {name.lower(): value for name, value in answer.headers.items()}
    return answer.status_code, json.loads(answer.body or b"null"), found


def etag(festival: Festival, artist: str) -> str:
    return str(festival.client.http.get(f"/performances/{set_id(festival, artist)}").headers["ETag"])


def patch(festival: Festival, token: str | None, artist: str, body: Any, query: str = "", **headers: str) -> Any:
    return send(festival, "PATCH", f"/performances/{set_id(festival, artist)}{query}", token, body, **headers)


def released(festival: Festival, answer: dict[str, Any]) -> None:
    """Deliver the event S3 sends for each version an edit wrote (moto in-process sends none)."""
    for written in answer["files"]:
        head = festival.s3.head_object(Bucket=festival.bucket, Key=written["file"], VersionId=written["version"])
        festival.deliver(
            festival.event(
                written["file"], "ObjectCreated:Put", etag=head["ETag"].strip('"'), version_id=written["version"]
            )
        )


def history(festival: Festival, token: str) -> list[dict[str, Any]]:
    status, body, _ = send(festival, "GET", "/releases", token)
    assert status == 200, body
    return body["items"]  # type: ignore[no-any-return]


def changes_of(festival: Festival, release: str) -> list[dict[str, Any]]:
    return json.loads(festival.client.http.get(f"/changes/{release}").body)["items"]  # type: ignore[no-any-return]


def performance(festival: Festival, artist: str) -> dict[str, Any]:
    return json.loads(festival.client.http.get(f"/performances/{set_id(festival, artist)}").body)  # type: ignore[no-any-return]


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The edit routes' audit lines (signing in has its own)."""
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "festival.organisers"]
    return [line for line in lines if line["action"] in ("edit", "delay")]


class TestWhoMayEdit:
    def test_no_token_is_401_an_editor_403_and_nothing_is_written(
        self, live: Organisers, caplog: pytest.LogCaptureFixture
    ) -> None:
        festival = live.festival
        editor = live.sign_in(EDITOR)
        tag = etag(festival, "Opener")
        before = versions(festival)
        delay = {"from": "2026-07-03T21:30", "minutes": 20}
        with caplog.at_level(logging.INFO, logger="festival.organisers"):
            anonymous = patch(festival, None, "Opener", {"delay": 5}, if_match=tag)
            forbidden = patch(festival, editor, "Opener", {"delay": 5}, if_match=tag)
            dry = patch(festival, editor, "Opener", {"delay": 5}, "?dry_run=1", if_match=tag)
            stage_anonymous = send(festival, "POST", "/stages/Main/delays", None, delay)
            stage_forbidden = send(festival, "POST", "/stages/Main/delays", editor, delay)
        assert [answer[0] for answer in (anonymous, forbidden, dry, stage_anonymous, stage_forbidden)] == [
            401,
            403,
            403,
            401,
            403,
        ]
        assert anonymous[2]["www-authenticate"] == stage_anonymous[2]["www-authenticate"] == 'Bearer realm="organisers"'
        assert forbidden[1]["Message"] == "only publishers may edit; you are signed in as an editor"
        assert all(answer[2]["cache-control"] == "no-store" for answer in (anonymous, forbidden, stage_forbidden))
        assert versions(festival) == before and current_file(festival) == FRIDAY.encode()
        assert [(line["action"], line["outcome"], line["status"], line["who"]) for line in audit_lines(caplog)] == [
            ("edit", "unauthenticated", 401, None),
            ("edit", "forbidden", 403, EDITOR),
            ("edit", "forbidden", 403, EDITOR),
            ("delay", "unauthenticated", 401, None),
            ("delay", "forbidden", 403, EDITOR),
        ]

    def test_the_edit_routes_are_same_origin_only(self, live: Organisers) -> None:
        festival = live.festival
        publisher = live.sign_in(PUBLISHER)
        status, _, headers = patch(
            festival, publisher, "Opener", {"delay": 5}, "?dry_run=1", if_match=etag(festival, "Opener")
        )
        assert status == 200 and not any(name.startswith("access-control-") for name in headers)
        status, _, headers = send(
            festival, "POST", "/stages/Main/delays?dry_run=1", publisher, {"from": "2026-07-03T21:30", "minutes": 5}
        )
        assert status == 200 and not any(name.startswith("access-control-") for name in headers)
        # A browser on another origin asks first (a PATCH, an Authorization header): API
        # Gateway's answer, as Chalice describes the API to it, allows only the public GET on
        # the set's path, and there is no such answer on the delays' path.
        from chalice.deploy.swagger import SwaggerGenerator

        from app import app

        handler = {"api_handler_arn": "arn:aws:lambda:eu-west-1:123456789012:function:api", "api_handler_name": "api"}
        paths = SwaggerGenerator("eu-west-1", handler).generate_swagger(app)["paths"]
        preflight = paths["/performances/{performance_id}"]["options"]["x-amazon-apigateway-integration"]
        allowed = preflight["responses"]["default"]["responseParameters"]
        assert allowed["method.response.header.Access-Control-Allow-Methods"] == "'GET,OPTIONS'"
        assert sorted(paths["/stages/{stage}/delays"]) == ["post"]


class TestAnswers:
    """Every answer is no-store, says what happened, writes nothing unless it is a 202, and
    leaves an audit line."""

    def test_a_stale_if_match_is_412_with_the_set_as_it_is_and_nothing_written(
        self, live: Organisers, caplog: pytest.LogCaptureFixture
    ) -> None:
        festival = live.festival
        publisher = live.sign_in(PUBLISHER)
        tag = etag(festival, "Opener")
        status, answer, headers = patch(festival, publisher, "Opener", {"delay": 10}, if_match=tag)
        assert status == 202 and headers["cache-control"] == "no-store"
        released(festival, answer)
        before = versions(festival)
        with caplog.at_level(logging.INFO, logger="festival.organisers"):
            status, stale, headers = patch(festival, publisher, "Opener", {"delay": 5}, if_match=tag)
        assert status == 412 and headers["cache-control"] == "no-store"
        assert stale["performance"] == performance(festival, "Opener")
        assert stale["performance"]["start"] == "2026-07-03T20:10"
        assert headers["etag"] == etag(festival, "Opener") != tag
        assert versions(festival) == before
        line = audit_lines(caplog)[-1]
        assert (line["action"], line["outcome"], line["status"], line["who"]) == ("edit", "stale", 412, PUBLISHER)
        assert line["performance"] == set_id(festival, "Opener") and "changed since it was read" in line["reason"]

    def test_without_if_match_428_a_refused_rule_422_a_bad_body_400_and_nothing_written(
        self, live: Organisers, caplog: pytest.LogCaptureFixture
    ) -> None:
        festival = live.festival
        publisher = live.sign_in(PUBLISHER)
        tag = etag(festival, "Late")
        with caplog.at_level(logging.INFO, logger="festival.organisers"):
            answers = [
                patch(festival, publisher, "Late", {"delay": 5}),
                patch(festival, publisher, "Late", {"delay": -60}, if_match=tag),
                patch(festival, publisher, "Late", {"delay": "soon"}, if_match=tag),
                patch(festival, publisher, "Late", b"{not json", if_match=tag),
                patch(festival, publisher, "Late", {"delay": 5}, "?dry_run=yes", if_match=tag),
                patch(festival, publisher, "Late", {"delay": 5, "note": "x" * 20_000}, if_match=tag),
                send(festival, "PATCH", "/performances/aaaaaaaaaaaaaaaa", publisher, {"delay": 5}, if_match=tag),
                send(festival, "POST", "/stages/Main/delays", publisher, {"from": "2026-07-03T21:30", "minutes": 300}),
                send(festival, "POST", "/stages/Main/delays", publisher, {"from": "21:30", "minutes": 5}),
            ]
        assert [status for status, _, _ in answers] == [428, 422, 400, 400, 400, 400, 404, 422, 400]
        assert all(headers["cache-control"] == "no-store" for _, _, headers in answers)
        refused = answers[1][1]
        assert (refused["file"], refused["line"]) == (KEY, 5) and "overlaps the set on line 3" in refused["Message"]
        assert '"Night Owl" would start at 2026-07-04T06:00' in answers[7][1]["Message"]
        assert answers[4][1]["Message"].startswith("dry_run: expected 1 (preview only) or 0")
        assert len(versions(festival)) == 1 and current_file(festival) == FRIDAY.encode()
        outcomes = [(line["action"], line["outcome"], line["status"]) for line in audit_lines(caplog)]
        assert outcomes == [
            ("edit", "precondition-required", 428),
            ("edit", "refused", 422),
            ("edit", "invalid", 400),
            ("edit", "invalid", 400),
            ("edit", "invalid", 400),
            ("edit", "invalid", 400),
            ("edit", "not-found", 404),
            ("delay", "refused", 422),
            ("delay", "invalid", 400),
        ]

    def test_a_dry_run_writes_nothing_and_says_so_in_the_audit(
        self, live: Organisers, caplog: pytest.LogCaptureFixture
    ) -> None:
        festival = live.festival
        publisher = live.sign_in(PUBLISHER)
        with caplog.at_level(logging.INFO, logger="festival.organisers"):
            status, answer, _ = send(
                festival,
                "POST",
                "/stages/Main/delays?dry_run=1",
                publisher,
                {"from": "2026-07-03T21:30", "minutes": 15},
            )
        assert status == 200 and len(versions(festival)) == 1
        (preview,) = answer["previews"]
        assert sorted(c["artist"] for c in preview["changelog"]) == ["Headliner", "Late", "Night Owl"]
        [line] = audit_lines(caplog)
        assert (line["action"], line["outcome"], line["dry_run"], line["stage"]) == ("delay", "dry-run", True, "Main")


class TestReleased:
    """The ingest releases an edit as any upload: the same ids, exactly the change asked
    for, `action: edit` and the author in the history."""

    def test_a_delay_cascades_across_midnight_into_the_festival_days_night(
        self, live: Organisers, caplog: pytest.LogCaptureFixture
    ) -> None:
        festival = live.festival
        publisher = live.sign_in(PUBLISHER)
        ids = {artist: set_id(festival, artist) for artist in ("Opener", "Headliner", "Late", "Night Owl", "Tent Act")}
        with caplog.at_level(logging.INFO, logger="festival.organisers"):
            status, answer, _ = send(
                festival,
                "POST",
                "/stages/Main/delays",
                publisher,
                {"from": "2026-07-03T21:30", "minutes": 20, "note": "The headliner is late"},
            )
        assert status == 202 and [f["file"] for f in answer["files"]] == [KEY]
        [line] = audit_lines(caplog)
        assert line["outcome"] == "ok" and line["files"] == [f"{KEY}@{answer['files'][0]['version']}"]
        released(festival, answer)
        newest = history(festival, publisher)[0]
        assert (newest["action"], newest["author"], newest["via"], newest["file"]) == (
            "edit",
            PUBLISHER,
            "api",
            "friday.csv",
        )
        assert newest["note"] == "The headliner is late" and newest["counts"]["moved"] == 3
        assert sorted(
            (c["change"], c["id"], c["stage"], c["start"], c["end"], c["from"]["start"])
            for c in changes_of(festival, newest["release"])
        ) == sorted(
            [
                ("moved", ids["Headliner"], "Main", "2026-07-03T21:50", "2026-07-03T23:20", "2026-07-03T21:30"),
                ("moved", ids["Late"], "Main", "2026-07-03T23:50", "2026-07-04T01:05", "2026-07-03T23:30"),
                ("moved", ids["Night Owl"], "Main", "2026-07-04T01:20", "2026-07-04T02:20", "2026-07-04T01:00"),
            ]
        )
        night = performance(festival, "Night Owl")
        assert (night["id"], night["day"], night["start"]) == (ids["Night Owl"], "2026-07-03", "2026-07-04T01:20")
        assert {artist: set_id(festival, artist) for artist in ids} == ids
        assert performance(festival, "Opener")["start"] == "2026-07-03T20:00"  # before `from`: not moved

    def test_a_cancellation_and_its_restore(self, live: Organisers) -> None:
        festival = live.festival
        publisher = live.sign_in(PUBLISHER)
        identity = set_id(festival, "Tent Act")
        for body, change in (({"status": "cancelled"}, "cancelled"), ({"status": ""}, "changed")):
            status, answer, _ = patch(festival, publisher, "Tent Act", body, if_match=etag(festival, "Tent Act"))
            assert status == 202, answer
            released(festival, answer)
            newest = history(festival, publisher)[0]
            assert (newest["action"], newest["author"], newest["total"]) == ("edit", PUBLISHER, 1)
            [only] = changes_of(festival, newest["release"])
            assert (only["change"], only["id"], only["stage"], only["start"]) == (
                change,
                identity,
                "Tent",
                "2026-07-03T22:00",
            )
        assert only["fields"] == ["status"]
        assert performance(festival, "Tent Act")["status"] == "scheduled"

    def test_a_move_to_another_stage_and_time(self, live: Organisers) -> None:
        festival = live.festival
        publisher = live.sign_in(PUBLISHER)
        identity = set_id(festival, "Night Owl")
        status, answer, _ = patch(
            festival,
            publisher,
            "Night Owl",
            {"stage": "Tent", "start": "00:30", "end": "01:30", "note": "Main's generator failed"},
            if_match=etag(festival, "Night Owl"),
        )
        assert status == 202, answer
        released(festival, answer)
        newest = history(festival, publisher)[0]
        assert (newest["action"], newest["author"], newest["note"]) == ("edit", PUBLISHER, "Main's generator failed")
        [only] = changes_of(festival, newest["release"])
        assert (only["change"], only["id"], only["stage"], only["start"], only["end"]) == (
            "moved",
            identity,
            "Tent",
            "2026-07-04T00:30",
            "2026-07-04T01:30",
        )
        assert only["from"] == {"stage": "Main", "start": "2026-07-04T01:00", "end": "2026-07-04T02:00"}
        assert performance(festival, "Night Owl")["stage"] == "Tent"

    def test_a_rollback_undoes_an_edit_like_any_upload(self, live: Organisers) -> None:
        festival = live.festival
        publisher = live.sign_in(PUBLISHER)
        before = performance(festival, "Late")
        status, answer, _ = patch(festival, publisher, "Late", {"delay": 10}, if_match=etag(festival, "Late"))
        assert status == 202
        released(festival, answer)
        edit = history(festival, publisher)[0]
        status, rolled, _ = send(festival, "POST", f"/releases/{edit['release']}/rollback", publisher, {})
        assert status == 202, rolled
        head = festival.s3.head_object(Bucket=festival.bucket, Key=KEY, VersionId=rolled["upload_version"])
        festival.deliver(
            festival.event(KEY, "ObjectCreated:Copy", etag=head["ETag"].strip('"'), version_id=rolled["upload_version"])
        )
        assert performance(festival, "Late") == before
        assert current_file(festival) == FRIDAY.encode()
        rollback = history(festival, publisher)[0]
        assert (rollback["action"], rollback["rollback_of"]) == ("rollback", edit["release"])


@pytest.fixture
def threaded(live: Organisers) -> Iterator[Organisers]:
    """The app answering requests from several threads at once, as `chalice local` (and
    Lambda's concurrent instances) do: the request being answered is each thread's own, as
    `chalice local` makes it (chalice.local.create_local_server), not one attribute that
    another thread's request overwrites."""
    from chalice.local import LocalChalice

    from app import app

    original = app.__class__

    class Threaded(LocalChalice, original):  # type: ignore[misc, valid-type]
        _THREAD_LOCAL = threading.local()

    app.__class__ = Threaded
    try:
        yield live
    finally:
        app.__class__ = original


class TestTwoOrganisersAtOnce:
    def test_of_concurrent_edits_from_one_read_one_is_202_and_the_rest_412_with_the_set(
        self, threaded: Organisers
    ) -> None:
        festival = threaded.festival
        publisher = threaded.sign_in(PUBLISHER)
        identity, tag = set_id(festival, "Opener"), etag(festival, "Opener")

        def delay_by(minutes: int) -> Any:
            return lambda: send(
                festival, "PATCH", f"/performances/{identity}", publisher, {"delay": minutes}, if_match=tag
            )

        answers = at_once(*(delay_by(minutes) for minutes in (5, 10, 15, 20, 25, 30)))
        statuses = sorted(status for status, _, _ in answers)
        assert statuses == [202, 412, 412, 412, 412, 412]
        [(_, won, _)] = [answer for answer in answers if answer[0] == 202]
        winner = next(
            minutes for minutes, answer in zip((5, 10, 15, 20, 25, 30), answers, strict=True) if answer[0] == 202
        )
        for status, body, headers in answers:
            if status == 412:  # the set as it is live now; its file's next version is being released
                assert body["performance"] == json.loads(festival.client.http.get(f"/performances/{identity}").body)
                assert "etag" not in headers and headers["retry-after"] == "5"
        moved = f"20:{winner:02d},21:{winner:02d},Opener"
        assert current_file(festival) == FRIDAY.replace("20:00,21:00,Opener", moved).encode()
        assert len(versions(festival)) == 2  # the upload and the winner's edit: no lost update
        released(festival, won)
        assert performance(festival, "Opener")["start"] == f"2026-07-03T20:{winner:02d}"

    @pytest.mark.parametrize("upload_lands", ["before-call", "after-call"])
    def test_an_edit_racing_an_upload_of_the_same_file_is_refused_or_superseded_never_half_applied(
        self, live: Organisers, upload_lands: str
    ) -> None:
        """An upload straight to the bucket is unconditional, so it is the newest version
        whichever comes first: one that lands between the edit's read and its write refuses
        the edit whole (412); one that lands just after replaces it whole (its event finds
        the upload current, and the upload is what goes live)."""
        from chalicelib.services import get_services

        festival = live.festival
        publisher = live.sign_in(PUBLISHER)
        upload = FRIDAY.replace("Tent Act", "Tent Headliner")
        identity, tag = set_id(festival, "Late"), etag(festival, "Late")
        uploaded: list[dict[str, Any]] = []

        def upload_now(**_: Any) -> None:
            if not uploaded:
                uploaded.append(festival.put(KEY, upload))

        events = get_services().s3_client.meta.events
        events.register_first(f"{upload_lands}.s3.PutObject", upload_now)
        try:
            status, answer, _ = send(
                festival, "PATCH", f"/performances/{identity}", publisher, {"delay": 10}, if_match=tag
            )
        finally:
            events.unregister(f"{upload_lands}.s3.PutObject", upload_now)
        assert (status, upload_lands) in ((412, "before-call"), (202, "after-call")), answer
        assert current_file(festival) == upload.encode()  # the upload is whole, and the newest
        if status == 202:
            written = festival.s3.get_object(Bucket=festival.bucket, Key=KEY, VersionId=answer["files"][0]["version"])
            assert written["Body"].read() == FRIDAY.replace("23:30,00:45,Late", "23:40,00:55,Late").encode()
            released(festival, answer)
        festival.deliver(uploaded[0])
        assert performance(festival, "Late")["start"] == "2026-07-03T23:30"
        assert json.loads(festival.client.http.get("/artists/Tent Headliner/performances").body)["items"]
        assert festival.client.http.get("/artists/Tent Act/performances").status_code == 404
        status, again, _ = patch(festival, publisher, "Late", {"delay": 10}, if_match=tag)
        assert status == 412 and again["performance"]["start"] == "2026-07-03T23:30"


def _schema(method: str, path: str, *where: str) -> dict[str, Any]:
    """A part of the OpenAPI description of an edit route, resolvable on its own."""
    from chalicelib.api.openapi import openapi_spec

    spec = openapi_spec()
    found: Any = spec["paths"][path][method]
    for key in where:
        found = found[key]
    return {**found, "components": spec["components"]}


def _answered(method: str, path: str, status: int, body: Any) -> None:
    import jsonschema

    schema = _schema(method, path, "responses", str(status), "content", "application/json", "schema")
    jsonschema.validate(body, schema)


class TestDescription:
    """What /openapi.json says of the edit routes is what they do: every answer has its
    declared shape, and the bodies it admits are exactly the ones the routes take."""

    def test_each_answer_is_as_described(self, live: Organisers) -> None:
        festival = live.festival
        publisher = live.sign_in(PUBLISHER)
        path, delays = "/performances/{performance_id}", "/stages/{stage}/delays"
        tag = etag(festival, "Late")
        for body, query, status in (
            ({"delay": 10}, "?dry_run=1", 200),
            ({"delay": -60}, "", 422),
            ({"delay": 10}, "", 202),
            ({"delay": 10}, "", 412),
        ):
            answer = patch(festival, publisher, "Late", body, query, if_match=tag)
            assert answer[0] == status, answer
            _answered("patch", path, status, answer[1])
        for body, status in (
            ({"from": "2026-07-03T20:00", "minutes": 300}, 422),
            ({"from": "2026-07-03T20:00", "minutes": "x"}, 400),
        ):
            answer = send(festival, "POST", "/stages/Main/delays", publisher, body)
            assert answer[0] == status, answer
            _answered("post", delays, status, answer[1])
        answer = send(
            festival, "POST", "/stages/Main/delays?dry_run=1", publisher, {"from": "2026-07-03T20:00", "minutes": 5}
        )
        _answered("post", delays, 200, answer[1])

    @pytest.mark.parametrize(
        "body",
        [
            {"delay": 15},
            {"delay": -1439},
            {"start": "23:30", "end": "25:00", "note": "rain"},
            {"stage": " Tent ", "status": ""},
            {"status": "cancelled"},
            {},
            {"note": "only a note"},
            {"colour": "red"},
            {"delay": 0},
            {"delay": 1440},
            {"delay": "15"},
            {"delay": True},
            {"delay": 5, "start": "20:00"},
            {"start": "8pm"},
            {"end": "30:00"},
            {"stage": ""},
            {"stage": "   "},
            {"stage": "Main\nStage"},
            {"status": "postponed"},
            {"delay": 5, "note": "x" * 501},
            {"delay": 5, "note": 7},
            [],
        ],
    )
    def test_an_edit_body_is_admitted_exactly_when_it_is_an_edit(self, body: Any) -> None:
        import jsonschema

        from chalicelib.edits.model import read_edit

        schema = _schema(
            "patch", "/performances/{performance_id}", "requestBody", "content", "application/json", "schema"
        )
        admitted = jsonschema.Draft202012Validator(schema).is_valid(body)
        assert admitted == (not isinstance(read_edit(body), str)), read_edit(body)

    @pytest.mark.parametrize(
        "body",
        [
            {"from": "2026-07-03T21:30", "minutes": 20},
            {"from": "2026-07-03T21:30", "minutes": -5, "note": "early"},
            {"from": "21:30", "minutes": 20},
            {"from": "2026-07-03T24:30", "minutes": 20},
            {"from": "2026-07-03T21:30"},
            {"from": "2026-07-03T21:30", "minutes": 0},
            {"from": "2026-07-03T21:30", "minutes": 20, "by": "me"},
        ],
    )
    def test_a_delay_body_is_admitted_exactly_when_it_is_a_delay(self, body: Any) -> None:
        import jsonschema

        from chalicelib.edits.model import read_delay

        schema = _schema("post", "/stages/{stage}/delays", "requestBody", "content", "application/json", "schema")
        admitted = jsonschema.Draft202012Validator(schema).is_valid(body)
        assert admitted == (not isinstance(read_delay("Main", body), str)), read_delay("Main", body)

    def test_a_stage_no_table_could_hold_is_refused_and_never_queried(self, live: Organisers) -> None:
        """DynamoDB refuses a key over its limit (which moto does not check): a stage name
        no set can have is answered without asking."""
        from tests.aws_calls import CallLog

        publisher = live.sign_in(PUBLISHER)
        calls = CallLog().attach("dynamodb")
        for stage in ("x" * 1025, "é" * 600, "%20"):
            status, body, _ = send(
                live.festival, "POST", f"/stages/{stage}/delays", publisher, {"from": "2026-07-03T21:30", "minutes": 5}
            )
            assert status == 422 and "no set on" in body["Message"], (stage[:10], body)
        stages = [c.params["ExpressionAttributeValues"][":stage"]["S"] for c in calls.calls if c.operation == "Query"]
        assert stages == [" "]  # the blank one, which no set has either
