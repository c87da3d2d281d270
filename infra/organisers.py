"""`make organiser EMAIL=... ROLE=publisher|editor STAGE=dev|prod`: invite one organiser.

Cognito makes the account (no one signs up by themselves) and mails it a temporary
password; the first sign-in on the organiser's page asks for a password of its own. The
role is the account's group: `publishers` publish, roll back and edit live sets;
`editors` keep drafts, preview them and read the history. Inviting an account again
changes its role.

POOL=... instead of STAGE names a pool directly (`make run`'s, which it prints).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

GROUPS = {"publisher": "publishers", "editor": "editors"}


def invite(cognito: Any, pool: str, email: str, role: str, *, password: str | None = None) -> bool:
    """Make the account (mailed a temporary password, unless `password` sets its own) and
    put it in the role's group, and in that one only; returns whether it is new."""
    created = True
    try:
        request: dict[str, Any] = {
            "UserPoolId": pool,
            "Username": email,
            "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            "DesiredDeliveryMediums": ["EMAIL"],
        }
        if password is not None:
            request["MessageAction"] = "SUPPRESS"
        cognito.admin_create_user(**request)
    except cognito.exceptions.UsernameExistsException:
        created = False
    if password is not None:
        cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
    for other in set(GROUPS.values()) - {GROUPS[role]}:
        cognito.admin_remove_user_from_group(UserPoolId=pool, Username=email, GroupName=other)
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=GROUPS[role])
    return created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.organisers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--email", required=True, help="the organiser's e-mail address (their sign-in name)")
    parser.add_argument("--role", required=True, choices=sorted(GROUPS), help="publisher or editor")
    parser.add_argument("--stage", help="the deployment (its stack names the pool)")
    parser.add_argument("--pool", help="the user pool's id, instead of --stage (`make run`'s, say)")
    args = parser.parse_args(argv)
    import boto3

    pool = args.pool
    if pool is None:
        from infra.deploy import stack_name, stage_output

        if not args.stage:
            parser.error("give --stage (or --pool)")
        pool = stage_output(boto3.client("cloudformation"), args.stage, "OrganiserPoolId")
        if pool is None:
            print(f"no stack {stack_name(args.stage)}: deploy first", file=sys.stderr)
            return 2
    created = invite(boto3.client("cognito-idp"), pool, args.email, args.role)
    if created:
        print(f"invited {args.email} as a {args.role}: Cognito mails them a temporary password, good for 7 days")
    else:
        print(f"{args.email} already had an account: it is now a {args.role}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
