"""The organisers' side, black box through the API: accounts and their tokens, the two
roles, drafts, publishing, the history, rolling back, and the audit log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import boto3
import pytest
from joserfc import jwk, jwt
from moto.utilities.utils import load_resource

from tests.conftest import EDITOR, PASSWORD, PUBLISHER, REGION, Festival, Organisers, csv_text
from tests.test_previews import HEADER, LIVE, NEXT

LATER = csv_text(
    "Main,2026-07-03,18:00,19:00,Opener,indie pop,,",
    "Tent,2026-07-03,20:00,21:00,Headliner,,,",
    "Main,2026-07-04,22:30,23:30,Newcomer,,,",  # moved half an hour
    header=HEADER,
)
FILE = "day 1.csv"
DRAFT_PATH = "/drafts/day%201.csv"


def call(
    festival: Festival, method: str, path: str, token: str | None = None, body: Any = None, csv: bool = False
) -> tuple[int, Any, dict[str, str]]:
    headers = {"Content-Type": "text/csv" if csv else "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = body if csv or body is None else json.dumps(body)
    answer = getattr(festival.client.http, method.lower())(path, headers=headers, body=data)
    return answer.status_code, json.loads(answer.body or b"null"), {k.lower(): v for k, v in answer.headers.items()}


def upload_versions(festival: Festival, prefix: str) -> list[str]:
    listed = festival.s3.list_object_versions(Bucket=festival.bucket, Prefix=prefix)
    return sorted(v["VersionId"] for v in listed.get("Versions", []) + listed.get("DeleteMarkers", []))


def live(festival: Festival) -> list[tuple[str, str, str, str]]:
    """The live sets: id, stage, start, artist."""
    return sorted((i["id"], i["stage"], i["slot"], i["artist"]) for i in festival.items())


def deliver_copy(festival: Festival, file: str, version: str) -> None:
    """The event S3 sends for the API's server-side copy (moto's in-process S3 sends none)."""
    head = festival.s3.head_object(Bucket=festival.bucket, Key=f"uploads/{file}", VersionId=version)
    festival.deliver(
        festival.event(f"uploads/{file}", "ObjectCreated:Copy", etag=head["ETag"].strip('"'), version_id=version)
    )


def history(festival: Festival, token: str) -> list[dict[str, Any]]:
    status, body, _ = call(festival, "GET", "/releases", token)
    assert status == 200, body
    items: list[dict[str, Any]] = body["items"]
    return items


# Forged tokens: moto signs every pool with one key pair, shipped in its package.
PRIVATE_KEY = jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))


def claims(organisers: Organisers, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    found = {
        "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{organisers.pool}",
        "sub": "7f6a3c1e-0000-4000-8000-000000000001",
        "aud": organisers.app_client,
        "token_use": "id",
        "iat": now,
        "exp": now + 3600,
        "email": PUBLISHER,
        "cognito:groups": ["publishers"],
    }
    found.update(changes)
    return found


def signed(payload: dict[str, Any], header: dict[str, Any] | None = None) -> str:
    return str(jwt.encode(header or {"alg": "RS256", "kid": "dummy"}, payload, PRIVATE_KEY))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unsigned(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"


def forged(kind: str, organisers: Organisers) -> str:
    if kind == "alg none":
        return unsigned({"alg": "none", "kid": "dummy"}, claims(organisers)) + "."
    if kind == "alg none with a signature":
        return unsigned({"alg": "none", "kid": "dummy"}, claims(organisers)) + "." + b64(b"x" * 256)
    if kind == "HS256 signed with the public key":
        public = load_resource("cognitoidp/resources/jwks-public.json")["keys"][0]
        message = unsigned({"alg": "HS256", "kid": "dummy"}, claims(organisers))
        secret = json.dumps(public).encode()
        return message + "." + b64(hmac.new(secret, message.encode(), hashlib.sha256).digest())
    if kind == "a bad signature":
        good = signed(claims(organisers, email="someone@example.org"))
        header, _, signature = good.split(".")
        return f"{header}.{b64(json.dumps(claims(organisers)).encode())}.{signature}"
    if kind == "expired":
        return signed(claims(organisers, exp=int(time.time()) - 3600))
    if kind == "an unknown key id":
        return signed(claims(organisers), {"alg": "RS256", "kid": "another"})
    if kind == "a publisher of another pool":  # a real token of moto's, signed with the same key
        cognito = organisers.cognito
        pool = cognito.create_user_pool(PoolName="elsewhere", UsernameAttributes=["email"])["UserPool"]["Id"]
        app = cognito.create_user_pool_client(UserPoolId=pool, ClientName="page")["UserPoolClient"]["ClientId"]
        cognito.create_group(UserPoolId=pool, GroupName="publishers")
        Organisers(organisers.festival, pool, app).invite("mallory@example.org", "publishers")
        return str(
            cognito.admin_initiate_auth(
                UserPoolId=pool,
                ClientId=app,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "mallory@example.org", "PASSWORD": PASSWORD},
            )["AuthenticationResult"]["IdToken"]
        )
    if kind == "another app client's":
        app = organisers.cognito.create_user_pool_client(UserPoolId=organisers.pool, ClientName="other")
        return str(
            organisers.cognito.admin_initiate_auth(
                UserPoolId=organisers.pool,
                ClientId=app["UserPoolClient"]["ClientId"],
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": PUBLISHER, "PASSWORD": PASSWORD},
            )["AuthenticationResult"]["IdToken"]
        )
    if kind == "an access token (token_use access)":
        return str(
            organisers.cognito.admin_initiate_auth(
                UserPoolId=organisers.pool,
                ClientId=organisers.app_client,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": PUBLISHER, "PASSWORD": PASSWORD},
            )["AuthenticationResult"]["AccessToken"]
        )
    if kind == "not ASCII":
        header, payload, signature = signed(claims(organisers)).split(".")
        return f"{header}.{payload}é.{signature}"
    if kind == "in no group":
        return signed(claims(organisers, **{"cognito:groups": ["admins"]}))
    raise AssertionError(kind)


FORGERIES = [
    "alg none",
    "alg none with a signature",
    "HS256 signed with the public key",
    "a bad signature",
    "expired",
    "an unknown key id",
    "a publisher of another pool",
    "another app client's",
    "an access token (token_use access)",
    "in no group",
    "not ASCII",
]


class TestSigningIn:
    def test_a_publisher_and_an_editor_get_a_token_and_their_role(self, organisers: Organisers) -> None:
        for email, role in ((PUBLISHER, "publisher"), (EDITOR, "editor")):
            status, body, headers = call(
                organisers.festival, "POST", "/sessions", body={"email": email, "password": PASSWORD}
            )
            assert status == 200 and body["role"] == role and body["email"] == email
            assert body["expires_in"] == 3600 and body["token"].count(".") == 2
            assert headers["cache-control"] == "no-store"

    def test_a_wrong_password_and_an_unknown_account_get_the_same_401(
        self, organisers: Organisers, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="festival.organisers"):
            wrong = call(organisers.festival, "POST", "/sessions", body={"email": PUBLISHER, "password": "Wrong-1234"})
            unknown = call(
                organisers.festival, "POST", "/sessions", body={"email": "who@example.org", "password": "Wrong-1234"}
            )
        assert wrong[0] == unknown[0] == 401
        assert wrong[1] == unknown[1]
        assert wrong[1]["code"] == "wrong-password"  # what the page translates, beside the English message
        assert wrong[2]["www-authenticate"] == unknown[2]["www-authenticate"] == 'Bearer realm="organisers"'
        lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "festival.organisers"]
        assert [(line["action"], line["outcome"], line["who"]) for line in lines] == [
            ("sign-in", "wrong-password", PUBLISHER),
            ("sign-in", "wrong-password", "who@example.org"),
        ]
        assert "Wrong-1234" not in caplog.text

    def test_a_first_sign_in_sets_the_password(self, organisers: Organisers) -> None:
        organisers.invite("new@example.org", "editors", password=None)
        festival = organisers.festival
        first = {"email": "new@example.org", "password": "Temporary-pass-1"}
        status, body, _ = call(festival, "POST", "/sessions", body=first)
        assert status == 409 and body["Code"] == "NewPasswordRequired"
        status, body, _ = call(festival, "POST", "/sessions", body={**first, "new_password": "short"})
        assert status == 400 and body["Code"] == "InvalidPassword" and "new_password" in body["Message"]
        status, body, _ = call(festival, "POST", "/sessions", body={**first, "new_password": "My-own-password-1"})
        assert status == 200 and body["role"] == "editor"
        assert organisers.sign_in("new@example.org", "My-own-password-1")
        status, _, _ = call(festival, "POST", "/sessions", body=first)
        assert status == 401  # the temporary password is gone

    def test_an_account_in_no_group_may_not_sign_in(self, organisers: Organisers) -> None:
        organisers.invite("nobody@example.org", None)
        status, body, _ = call(
            organisers.festival, "POST", "/sessions", body={"email": "nobody@example.org", "password": PASSWORD}
        )
        assert status == 403 and "no role" in body["Message"]

    @pytest.mark.parametrize(
        "body",
        [b"", b"[]", b"not json", b'{"email": "a@b.c"}', b'{"email": 7, "password": "x"}', b'{"password": "x"}'],
    )
    def test_a_malformed_sign_in_is_400_naming_what_is_wrong(self, organisers: Organisers, body: bytes) -> None:
        answer = organisers.festival.client.http.post(
            "/sessions", body=body, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 400, answer.body


class TestTokens:
    @pytest.mark.parametrize("kind", FORGERIES)
    def test_a_forged_token_is_401_and_changes_nothing(self, organisers: Organisers, kind: str) -> None:
        festival = organisers.festival
        festival.upload(f"uploads/{FILE}", LIVE)
        before = (live(festival), upload_versions(festival, "uploads/"), upload_versions(festival, "drafts/"))
        token = forged(kind, organisers)
        [release] = [r["release"] for r in history(festival, organisers.sign_in(PUBLISHER))]
        attempts = [
            call(festival, "PUT", DRAFT_PATH, token, NEXT, csv=True),
            call(festival, "POST", "/releases", token, {"file": FILE, "draft_version": "x"}),
            call(festival, "POST", f"/releases/{release}/rollback", token, {}),
            call(festival, "GET", "/releases", token),
        ]
        for status, body, headers in attempts:
            assert status == 401, body
            assert headers["www-authenticate"].startswith("Bearer")
        assert (live(festival), upload_versions(festival, "uploads/"), upload_versions(festival, "drafts/")) == before

    def test_no_token_or_another_scheme_is_401_on_every_organiser_route(self, organisers: Organisers) -> None:
        festival = organisers.festival
        for headers in ({}, {"Authorization": "Basic cGlhOnB3"}, {"Authorization": "Bearer "}):
            for method, path in (
                ("put", DRAFT_PATH),
                ("post", "/releases"),
                ("get", "/releases"),
                ("post", "/releases/2026-06-01T12:00:00.000Z/rollback"),
            ):
                content = {"Content-Type": "text/csv" if method == "put" else "application/json"}
                answer = getattr(festival.client.http, method)(path, headers={**headers, **content}, body=b"")
                assert answer.status_code == 401, (method, path, headers)
                assert answer.headers["WWW-Authenticate"] == 'Bearer realm="organisers"'

    def test_the_pools_keys_are_fetched_once_and_again_once_for_an_unknown_key(self, organisers: Organisers) -> None:
        from chalicelib.services import get_services

        festival = organisers.festival
        token = organisers.sign_in(EDITOR)
        for _ in range(3):
            assert call(festival, "GET", "/releases", token)[0] == 200
        keys = get_services().organiser_keys
        assert keys.fetches == 1
        for _ in range(3):  # made-up key ids: one more fetch, not one a request
            assert call(festival, "GET", "/releases", forged("an unknown key id", organisers))[0] == 401
        assert keys.fetches == 2
        assert call(festival, "GET", "/releases", token)[0] == 200 and keys.fetches == 2

    def test_organiser_routes_have_no_cors_and_the_public_api_keeps_it(self, organisers: Organisers) -> None:
        festival = organisers.festival
        token = organisers.sign_in(EDITOR)
        _, _, headers = call(festival, "GET", "/releases", token)
        assert not any(name.startswith("access-control-") for name in headers)
        assert festival.client.http.get("/stages").headers["Access-Control-Allow-Origin"] == "*"


class TestRoles:
    def test_an_editor_keeps_drafts_and_reads_the_history_but_may_not_publish_or_roll_back(
        self, organisers: Organisers, caplog: pytest.LogCaptureFixture
    ) -> None:
        festival = organisers.festival
        festival.upload(f"uploads/{FILE}", LIVE)
        editor = organisers.sign_in(EDITOR)
        status, draft, _ = call(festival, "PUT", DRAFT_PATH, editor, NEXT, csv=True)
        assert status == 200 and draft["draft_version"]
        [release] = history(festival, editor)
        before = (live(festival), upload_versions(festival, "uploads/"))
        with caplog.at_level(logging.INFO, logger="festival.organisers"):
            published = call(
                festival, "POST", "/releases", editor, {"file": FILE, "draft_version": draft["draft_version"]}
            )
            rolled = call(festival, "POST", f"/releases/{release['release']}/rollback", editor, {})
        assert published[0] == rolled[0] == 403
        assert (live(festival), upload_versions(festival, "uploads/")) == before
        lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "festival.organisers"]
        lines = [line for line in lines if line["action"] in ("publish", "rollback")]
        assert [(line["action"], line["outcome"], line["who"], line["status"]) for line in lines] == [
            ("publish", "forbidden", EDITOR, 403),
            ("rollback", "forbidden", EDITOR, 403),
        ]


class TestPublishing:
    def test_a_published_draft_changes_the_live_sets_as_its_preview_said(
        self, organisers: Organisers, caplog: pytest.LogCaptureFixture
    ) -> None:
        festival = organisers.festival
        festival.upload(f"uploads/{FILE}", LIVE)
        publisher = organisers.sign_in(PUBLISHER)
        status, draft, _ = call(festival, "PUT", DRAFT_PATH, organisers.sign_in(EDITOR), NEXT, csv=True)
        assert status == 200 and draft["status"] == "ok"
        assert festival.s3.get_object(Bucket=festival.bucket, Key=f"drafts/{FILE}", VersionId=draft["draft_version"])[
            "Metadata"
        ] == {"author": EDITOR}
        before = live(festival)
        with caplog.at_level(logging.INFO, logger="festival.organisers"):
            status, accepted, _ = call(
                festival,
                "POST",
                "/releases",
                publisher,
                {"file": FILE, "draft_version": draft["draft_version"], "note": "Storm: Main moves indoors"},
            )
        assert status == 202 and accepted["file"] == FILE
        assert live(festival) == before  # the ingest applies it, as any upload
        deliver_copy(festival, FILE, accepted["upload_version"])

        [published, uploaded] = history(festival, publisher)
        assert published["action"] == "publish" and published["author"] == PUBLISHER and published["via"] == "api"
        assert published["note"] == "Storm: Main moves indoors" and published["file"] == FILE
        assert published["counts"] == draft["changes"]
        assert uploaded["action"] == "upload" and uploaded["author"] is None and uploaded["via"] == "bucket"
        changes = json.loads(festival.client.http.get(f"/changes/{published['release']}").body)["items"]
        assert sorted((c["change"], c["id"], c["artist"]) for c in changes) == sorted(
            (c["change"], c["id"], c["artist"]) for c in draft["changelog"]
        )
        assert sorted((s["id"], s["artist"]) for s in draft["sets"]) == sorted((i, a) for i, _, _, a in live(festival))
        lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "festival.organisers"]
        line = next(line for line in lines if line["action"] == "publish")
        assert line["who"] == PUBLISHER and line["file"] == FILE and line["version"] == draft["draft_version"]
        # The public API never shows an organiser's e-mail.
        for path in ("/changes", f"/changes/{published['release']}", "/schedule.json"):
            assert PUBLISHER not in festival.client.http.get(path).body.decode()

    def test_publishing_a_draft_version_that_is_not_there_is_404(self, organisers: Organisers) -> None:
        festival = organisers.festival
        status, body, _ = call(
            festival, "POST", "/releases", organisers.sign_in(PUBLISHER), {"file": FILE, "draft_version": "nope"}
        )
        assert status == 404 and FILE in body["Message"]

    @pytest.mark.parametrize(
        "body",
        [
            {"file": "day.txt", "draft_version": "v"},
            {"file": FILE},
            {"file": FILE, "draft_version": "v", "note": "x" * 501},
            {"file": FILE, "draft_version": "v", "note": "evil \u202e note"},
        ],
    )
    def test_a_malformed_publish_is_400(self, organisers: Organisers, body: dict[str, Any]) -> None:
        status, answer, _ = call(organisers.festival, "POST", "/releases", organisers.sign_in(PUBLISHER), body)
        assert status == 400, answer

    def test_a_draft_over_2_mb_is_413_and_not_kept(self, organisers: Organisers) -> None:
        festival = organisers.festival
        big = NEXT + "Main,2026-07-05,10:00,11:00,Filler,,," + " " * (2 * 1024 * 1024) + "\n"
        status, _, _ = call(festival, "PUT", DRAFT_PATH, organisers.sign_in(EDITOR), big, csv=True)
        assert status == 413 and upload_versions(festival, "drafts/") == []


class TestRollingBack:
    def test_a_rollback_brings_back_the_sets_with_their_ids_and_an_older_one_is_409(
        self, organisers: Organisers
    ) -> None:
        festival = organisers.festival
        festival.upload(f"uploads/{FILE}", LIVE)
        publisher = organisers.sign_in(PUBLISHER)
        states = [live(festival)]
        for text in (NEXT, LATER):
            _, draft, _ = call(festival, "PUT", DRAFT_PATH, publisher, text, csv=True)
            _, accepted, _ = call(
                festival, "POST", "/releases", publisher, {"file": FILE, "draft_version": draft["draft_version"]}
            )
            deliver_copy(festival, FILE, accepted["upload_version"])
            states.append(live(festival))
        later, middle, first = history(festival, publisher)

        status, rolled, _ = call(
            festival, "POST", f"/releases/{later['release']}/rollback", publisher, {"note": "Oops"}
        )
        assert status == 202 and rolled["file"] == FILE
        deliver_copy(festival, FILE, rolled["upload_version"])
        assert live(festival) == states[1]  # the same sets, with the same ids
        rollback = history(festival, publisher)[0]
        assert rollback["action"] == "rollback" and rollback["author"] == PUBLISHER
        assert rollback["rollback_of"] == later["release"] and rollback["note"] == "Oops"
        assert [r["release"] for r in history(festival, publisher)[1:]] == [
            later["release"],
            middle["release"],
            first["release"],
        ]  # never rewritten

        status, conflict, _ = call(festival, "POST", f"/releases/{middle['release']}/rollback", publisher, {})
        assert status == 409 and conflict["later"] == rollback["release"]
        assert rollback["release"] in conflict["Message"]
        status, conflict, _ = call(festival, "POST", f"/releases/{first['release']}/rollback", publisher, {})
        assert status == 409 and conflict["later"] == rollback["release"]
        assert live(festival) == states[1]

    def test_the_first_release_of_a_file_has_nothing_to_bring_back(self, organisers: Organisers) -> None:
        festival = organisers.festival
        festival.upload(f"uploads/{FILE}", LIVE)
        publisher = organisers.sign_in(PUBLISHER)
        [first] = history(festival, publisher)
        status, body, _ = call(festival, "POST", f"/releases/{first['release']}/rollback", publisher, {})
        assert status == 409 and "nothing before it" in body["Message"]

    def test_a_file_changed_since_its_release_is_409_until_that_version_is_applied(
        self, organisers: Organisers
    ) -> None:
        festival = organisers.festival
        festival.upload(f"uploads/{FILE}", LIVE)
        festival.upload(f"uploads/{FILE}", NEXT)
        publisher = organisers.sign_in(PUBLISHER)
        latest = history(festival, publisher)[0]
        festival.put(f"uploads/{FILE}", LATER)  # its event is on its way
        status, body, _ = call(festival, "POST", f"/releases/{latest['release']}/rollback", publisher, {})
        assert status == 409 and "changed since" in body["Message"]

    def test_a_version_uploaded_while_the_rollback_copies_wins_and_the_rollback_is_409(
        self, organisers: Organisers
    ) -> None:
        from chalicelib.services import get_services

        festival = organisers.festival
        festival.upload(f"uploads/{FILE}", LIVE)
        festival.upload(f"uploads/{FILE}", NEXT)
        publisher = organisers.sign_in(PUBLISHER)
        latest = history(festival, publisher)[0]

        def upload_first(**_: Any) -> None:  # between the rollback's look and its copy
            festival.put(f"uploads/{FILE}", LATER)

        get_services().s3_client.meta.events.register_first("before-call.s3.CopyObject", upload_first)
        status, body, _ = call(festival, "POST", f"/releases/{latest['release']}/rollback", publisher, {})
        assert status == 409 and "changed while" in body["Message"]
        current = festival.s3.get_object(Bucket=festival.bucket, Key=f"uploads/{FILE}")
        assert current["Body"].read().decode() == LATER and "action" not in current["Metadata"]

    def test_an_unknown_query_parameter_is_400_once_signed_in(self, organisers: Organisers) -> None:
        festival = organisers.festival
        token = organisers.sign_in(PUBLISHER)
        for method, path, csv in (
            ("GET", "/releases?bogus=1", False),
            ("POST", "/releases?bogus=1", False),
            ("PUT", f"{DRAFT_PATH}?bogus=1", True),
            ("POST", "/releases/2026-06-01T12:00:00.000Z/rollback?bogus=1", False),
        ):
            status, body, _ = call(festival, method, path, token, NEXT if csv else {}, csv=csv)
            assert status == 400 and body["Message"].startswith("bogus: unknown parameter"), (method, path)
        status, body, _ = call(festival, "GET", "/releases?limit=0", token)
        assert status == 400 and body["Message"].startswith("limit")

    def test_an_unknown_or_malformed_release_is_404_or_400(self, organisers: Organisers) -> None:
        festival = organisers.festival
        publisher = organisers.sign_in(PUBLISHER)
        assert call(festival, "POST", "/releases/2026-06-01T12:00:00.000Z/rollback", publisher, {})[0] == 404
        assert call(festival, "POST", "/releases/yesterday/rollback", publisher, {})[0] == 400


def test_the_harness_makes_the_templates_pool_groups_and_app_client(organisers: Organisers) -> None:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool = cognito.describe_user_pool(UserPoolId=organisers.pool)["UserPool"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert {g["GroupName"] for g in cognito.list_groups(UserPoolId=organisers.pool)["Groups"]} == {
        "publishers",
        "editors",
    }
    app = cognito.describe_user_pool_client(UserPoolId=organisers.pool, ClientId=organisers.app_client)
    assert app["UserPoolClient"]["ExplicitAuthFlows"] == ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_importing_the_api_loads_no_organiser_module() -> None:
    """A public read's cold start does not pay for the organisers' side: its modules are
    imported by the organiser routes' handlers only."""
    import subprocess
    import sys

    code = "import sys, app; print(sorted(m for m in sys.modules if m.startswith('chalicelib.organisers')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"
