"""Creating and revoking personal tokens in the desk and the portal, and from the shell."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.api.models import ApiToken
from casedesk.cli import main
from tests.api.conftest import Api


@pytest.mark.parametrize("who", ["agent", "contact_a"])
def test_token_is_shown_once_and_works(who: str, request: pytest.FixtureRequest) -> None:
    person = request.getfixturevalue(who)
    user = person if who == "agent" else person.user
    namespace = "desk" if who == "agent" else "portal"
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse(f"{namespace}:tokens"), {"name": "script", "scope": "read", "expires_in_days": 30}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    plaintext = re.search(r'id="new-token"[^>]*>(cdk_[\w-]+)<', response.content.decode())
    assert plaintext is not None
    token = plaintext.group(1)
    # Not shown again on the next visit; usable with the API.
    assert token not in client.get(reverse(f"{namespace}:tokens")).content.decode()
    assert Api(Client(), token).get("/me").json()["email"] == user.email
    stored = ApiToken.objects.get(owner=user)
    assert stored.scope == "read"
    assert stored.expires_at is not None
    client.post(reverse(f"{namespace}:revoke_token", args=[stored.pk]))
    assert Api(Client(), token).get("/me").status_code == 401


def test_cannot_revoke_someone_elses_token(agent: Any, contact_a: Any, contact_b: Any) -> None:
    from tests.api.conftest import token_for

    token_for(contact_b.user)
    theirs = ApiToken.objects.get(owner=contact_b.user)
    client = Client()
    client.force_login(contact_a.user)
    response = client.post(reverse("portal:revoke_token", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    # Contacts have no desk page, agents no portal one.
    assert client.get(reverse("desk:tokens")).status_code == 403


def test_invalid_form_is_422(contact_a: Any) -> None:
    client = Client()
    client.force_login(contact_a.user)
    response = client.post(reverse("portal:tokens"), {"name": "", "scope": "admin"})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_cli_prints_a_token(agent: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "token",
                "create",
                "--email",
                agent.email.upper(),
                "--scope",
                "write",
                "--expires",
                "7",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(owner=agent)
    assert printed.startswith(token.prefix)
    assert token.scope == "write"
    assert token.expires_at is not None
    assert main(["token", "create", "--email", "nobody@x.test"]) == 1
    assert main(["token", "create", "--email", agent.email, "--service"]) == 0
    assert ApiToken.objects.filter(owner=agent, kind="service").exists()
