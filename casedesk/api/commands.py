"""`casedesk token create`: a token for scripts and operations, printed once."""

from __future__ import annotations

import sys

from casedesk.accounts.models import User
from casedesk.api.actions import do_create_api_token
from casedesk.api.models import ApiToken
from casedesk.core.errors import DomainError


def create_token(*, email: str, scope: str, expires: int | None, name: str, service: bool) -> int:
    owner = User.objects.filter(email__iexact=email.strip()).first()
    if owner is None:
        print(f"casedesk token: no user with the e-mail {email}", file=sys.stderr)
        return 1
    try:
        new = do_create_api_token(
            actor=None,
            owner=owner,
            name=name,
            scope=scope,
            expires_in_days=expires,
            kind=ApiToken.Kind.SERVICE if service else ApiToken.Kind.PERSONAL,
        )
    except DomainError as error:
        print(f"casedesk token: {error.message}", file=sys.stderr)
        return 1
    # Only the token on standard output, so scripts can capture it.
    print(new.plaintext)
    return 0
