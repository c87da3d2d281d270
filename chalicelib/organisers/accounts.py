"""Signing in: an e-mail and a password in, an hour's ID token out, through Cognito's
server-side flow (AdminInitiateAuth), which only the API's IAM role may call. A new
account's first sign-in sets its own password (Cognito's NEW_PASSWORD_REQUIRED), in the
same request: the caller sends the temporary password and `new_password` together."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.organisers.tokens import role_of

# A wrong password, an unknown e-mail and a disabled account all say the same: no enumeration.
_NOT_SIGNED_IN = frozenset(
    {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException", "PasswordResetRequiredException"}
)
_BAD_NEW_PASSWORD = frozenset({"InvalidPasswordException", "InvalidParameterException"})
_BUSY = frozenset({"TooManyRequestsException", "TooManyFailedAttemptsException", "LimitExceededException"})


@dataclass(frozen=True)
class Session:
    """A signed-in organiser: the token to send as `Authorization: Bearer`."""

    token: str
    expires_in: int
    role: str | None  # None: the account is in neither group
    email: str


@dataclass(frozen=True)
class Refusal:
    """Why there is no session: `wrong` (e-mail or password), `new-password` (required, or
    the one given breaks the pool's policy: `message` says how), `busy` (too many tries)."""

    kind: str
    message: str = ""


class Accounts:
    """The organisers' pool, as the API's sign-in uses it."""

    def __init__(self, client: Any, pool_id: str, client_id: str) -> None:
        self._client = client
        self._pool = pool_id
        self._app = client_id

    def sign_in(self, email: str, password: str, new_password: str | None) -> Session | Refusal:
        try:
            answer = self._client.admin_initiate_auth(
                UserPoolId=self._pool,
                ClientId=self._app,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
            if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
                if not new_password:
                    return Refusal("new-password")
                answer = self._client.admin_respond_to_auth_challenge(
                    UserPoolId=self._pool,
                    ClientId=self._app,
                    ChallengeName="NEW_PASSWORD_REQUIRED",
                    Session=answer["Session"],
                    ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": new_password},
                )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in _NOT_SIGNED_IN:
                return Refusal("wrong")
            if code in _BAD_NEW_PASSWORD and new_password:
                return Refusal("new-password", str(error.response.get("Error", {}).get("Message", "")))
            if code in _BAD_NEW_PASSWORD:  # an e-mail Cognito cannot even look up
                return Refusal("wrong")
            if code in _BUSY:
                return Refusal("busy")
            raise
        result = answer.get("AuthenticationResult")
        if not result:  # another challenge (MFA is not set up on this pool): not signed in
            return Refusal("wrong")
        claims = _claims(result["IdToken"])
        groups = claims.get("cognito:groups")
        return Session(
            token=result["IdToken"],
            expires_in=int(result.get("ExpiresIn", 3600)),
            role=role_of(groups if isinstance(groups, list) else []),
            email=str(claims.get("email", email)),
        )


def _claims(token: str) -> dict[str, Any]:
    """The claims of a token Cognito just handed us (over TLS: not verified again here)."""
    try:
        payload = token.split(".")[1]
        value = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}
    return value if isinstance(value, dict) else {}
