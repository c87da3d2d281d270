"""The audit log: one JSON line for every organiser action, refused ones included (a wrong
password, a missing or bad token, a role that may not): who, what, which file and
version, the outcome. Never a password or a token. CloudWatch Logs keeps the lines
(`make deploy`'s log group), searchable with Logs Insights (`filter event = "organiser"`)."""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger("festival.organisers")
log.setLevel(logging.INFO)


def audit(action: str, outcome: str, status: int, *, who: str | None = None, **fields: Any) -> None:
    """Log one organiser action: `action` (sign-in, draft, publish, rollback, history),
    `outcome` (ok, wrong-password, unauthenticated, forbidden, invalid, not-found,
    conflict...), the HTTP status, who (the e-mail; for a sign-in, the one typed) and what
    it was about (file, version, release...; None values are left out)."""
    line = {"event": "organiser", "action": action, "outcome": outcome, "status": status, "who": who}
    line.update({name: value for name, value in fields.items() if value is not None})
    log.log(logging.INFO if status < 400 else logging.WARNING, json.dumps(line, ensure_ascii=False))
