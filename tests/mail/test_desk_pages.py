"""The desk's failed-mail pages: list with the error, one mail shown safely, retry, discard."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.mail import handling
from casedesk.mail.models import InboundMail
from tests import factories
from tests.mail.conftest import Ingest, make_mail

pytestmark = pytest.mark.django_db

HTML = (
    '<p onclick="steal()">Look:</p><script>alert(1)</script>'
    '<img src="cid:shot@a.test"><img src="https://tracker.test/p.gif">'
)


@pytest.fixture
def failed(ingest: Ingest, contact_a: Any, monkeypatch: Any) -> InboundMail:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database said no")

    monkeypatch.setattr(handling, "_new_case", broken)
    msg = make_mail(html=HTML, attachments=[("shot.png", factories.PNG_BYTES, "image/png")])
    # The inline image needs its Content-ID, as mail clients write it.
    msg = msg.replace(
        b"Content-Disposition: attachment",
        b"Content-ID: <shot@a.test>\n" + b"Content-Disposition: inline",
    )
    row = ingest(msg)
    monkeypatch.undo()
    return row


def test_failed_mail_is_listed_with_its_error_and_kept(
    failed: InboundMail, agent: Any, client: Client
) -> None:
    assert failed.state == InboundMail.State.FAILED
    client.force_login(agent)
    page = client.get(reverse("desk:mail_list")).content.decode()
    assert "Printing fails" in page
    assert "the database said no" in page


def test_one_mail_is_shown_sanitised_with_inline_images_ours(
    failed: InboundMail, agent: Any, client: Client
) -> None:
    client.force_login(agent)
    page = client.get(reverse("desk:mail", args=[failed.pk])).content.decode()
    assert "Look:" in page
    assert "<script>" not in page
    assert "steal()" not in page
    assert "tracker.test" not in page
    part = reverse("desk:mail_part", args=[failed.pk, 0])
    assert f'src="{part}"' in page
    image = client.get(part)
    assert image["Content-Type"] == "image/png"
    assert "sandbox" in image["Content-Security-Policy"]
    raw = client.get(reverse("desk:mail_raw", args=[failed.pk]))
    assert raw.content == bytes(failed.raw)


def test_retry_processes_it_and_discard_keeps_it(
    failed: InboundMail, ingest: Ingest, agent: Any, client: Client
) -> None:
    client.force_login(agent)
    client.post(reverse("desk:mail_retry", args=[failed.pk]))
    failed.refresh_from_db()
    assert failed.state == InboundMail.State.PROCESSED
    assert failed.case is not None
    assert failed.case.attachments.count() == 1

    other = ingest(b"garbage", source="pipe")
    InboundMail.objects.filter(pk=other.pk).update(state=InboundMail.State.FAILED)
    client.post(reverse("desk:mail_discard", args=[other.pk]), {"reason": "spam"})
    other.refresh_from_db()
    assert other.state == InboundMail.State.DISCARDED
    assert bytes(other.raw) == b"garbage"


def test_customers_cannot_see_stored_mail(
    failed: InboundMail, contact_a: Any, client: Client
) -> None:
    client.force_login(contact_a.user)
    assert client.get(reverse("desk:mail", args=[failed.pk])).status_code in (403, 404)
    assert client.post(reverse("desk:mail_retry", args=[failed.pk])).status_code in (403, 404)


def test_failed_mail_over_the_api(
    failed: InboundMail, ingest: Ingest, agent: Any, contact_a: Any
) -> None:
    from tests.api.conftest import Api, assert_error, token_for

    api = Api(Client(), token_for(agent))
    listing = api.get("/mail").json()
    assert [m["id"] for m in listing["items"]] == [failed.pk]
    assert "the database said no" in listing["items"][0]["error"]
    assert_error(api.get("/mail", {"state": "bogus"}), 422)
    assert_error(api.get("/mail", {"sort": "size"}), 422)
    retried = api.post(f"/mail/{failed.pk}/retry", {}).json()
    assert retried["state"] == "processed"
    assert retried["case"]

    other = ingest(b"garbage", source="pipe")
    InboundMail.objects.filter(pk=other.pk).update(state=InboundMail.State.FAILED)
    reader = Api(Client(), token_for(agent, scope="read"))
    assert_error(reader.post(f"/mail/{other.pk}/discard", {"reason": "spam"}), 403)
    assert api.post(f"/mail/{other.pk}/discard", {"reason": "spam"}).json()["state"] == (
        "discarded"
    )

    customer = Api(Client(), token_for(contact_a.user))
    assert_error(customer.get("/mail"), 403)
    assert_error(customer.get(f"/mail/{other.pk}"), 404)
    assert_error(customer.post(f"/mail/{other.pk}/retry", {}), 404)
