"""SLA targets per intake channel: a case follows its channel's own target where the policy
has one, else the target for every channel, from opening through every retarget."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.models import Case, Category, Channel, Contact, Product
from casedesk.sla import actions as sla_actions
from casedesk.sla.models import SLAPolicy, SLATarget, SLATimer
from casedesk.sla.policies import targets_for_policy
from tests.api.conftest import Api, token_for
from tests.factories import oslo

MONDAY_8 = (2026, 3, 9, 8, 0)  # the office calendar opens; 8 business hours a day


def _open(contact: Contact, product: Product, channel: str, *, severity: int = 2) -> Case:
    # As each way in opens a case: the system for e-mail, an agent for a caller, the
    # contact themselves in the portal or over the API.
    return actions.do_create_case(
        actor=None if channel == Channel.EMAIL else contact.user,
        requester=contact,
        product=product,
        subject=f"Fault reported by {channel}",
        description="It fails every time.",
        category=Category.PROBLEM,
        severity=severity,
        channel=channel,
        uploads=[],
    )


def _timer(case: Case, metric: str) -> SLATimer:
    return SLATimer.objects.get(case=case, metric=metric)


@pytest.fixture
def email_answers_in_a_day(policy: SLAPolicy) -> SLATarget:
    # The policy's fault target for every channel is 4 business hours (tests/conftest.py).
    return SLATarget.objects.create(
        policy=policy, severity=2, metric="first_response", channel="email", minutes=8 * 60
    )


def test_email_and_portal_cases_get_their_channels_targets_and_others_fall_back(
    sla: Any, frozen: Any, contact_a: Any, product: Any, email_answers_in_a_day: SLATarget
) -> None:
    frozen(oslo(*MONDAY_8))
    by_email = _open(contact_a, product, Channel.EMAIL)
    by_portal = _open(contact_a, product, Channel.PORTAL)
    by_api = _open(contact_a, product, Channel.API)  # no target of its own: falls back
    first = {case.channel: _timer(case, "first_response") for case in (by_email, by_portal, by_api)}
    assert first["email"].due_at == oslo(2026, 3, 9, 16, 0)
    assert first["portal"].due_at == oslo(2026, 3, 9, 12, 0)
    assert first["api"].due_at == oslo(2026, 3, 9, 12, 0)
    assert [first[c].target_channel for c in ("email", "portal", "api")] == ["email", "", ""]
    # Metrics without a channel target follow the policy's target for every channel.
    resolutions = {_timer(c, "resolution").due_at for c in (by_email, by_portal, by_api)}
    assert resolutions == {oslo(2026, 3, 13, 16, 0)}  # 5 business days
    assert _timer(by_email, "resolution").target_channel == ""
    by_email.refresh_from_db()
    assert by_email.queue_due_at == first["email"].due_at


def test_a_channel_target_of_a_contracts_own_policy(
    frozen: Any, office: Any, policy: SLAPolicy, contact_a: Any, product: Any
) -> None:
    # The contract's policy decides, not the default's channel targets.
    own = SLAPolicy.objects.create(name="Own", calendar=office)
    SLATarget.objects.create(policy=own, severity=2, metric="first_response", minutes=60)
    SLATarget.objects.create(
        policy=own, severity=2, metric="first_response", channel="email", minutes=120
    )
    SLATarget.objects.create(
        policy=policy, severity=2, metric="first_response", channel="email", minutes=8 * 60
    )
    contact_a.organization.contracts.update(sla_policy=own)
    frozen(oslo(*MONDAY_8))
    by_email = _open(contact_a, product, Channel.EMAIL)
    by_portal = _open(contact_a, product, Channel.PORTAL)
    assert _timer(by_email, "first_response").due_at == oslo(2026, 3, 9, 10, 0)
    assert _timer(by_portal, "first_response").due_at == oslo(2026, 3, 9, 9, 0)
    assert not SLATimer.objects.filter(metric="resolution").exists()  # none in that policy


def test_cached_targets_cost_no_query_per_case_for_any_channel(
    sla: Any,
    frozen: Any,
    contact_a: Any,
    product: Any,
    email_answers_in_a_day: SLATarget,
) -> None:
    frozen(oslo(*MONDAY_8))
    for channel in (Channel.EMAIL, Channel.PORTAL):
        _open(contact_a, product, channel)  # loads each channel's targets once
    counts = {}
    for channel in (Channel.EMAIL, Channel.PORTAL):
        with CaptureQueriesContext(connection) as opened:
            _open(contact_a, product, channel)
        counts[channel] = len(opened)
    assert counts[Channel.EMAIL] == counts[Channel.PORTAL]
    with CaptureQueriesContext(connection) as read:
        targets = targets_for_policy(None, 2, Channel.EMAIL)
    assert [q["sql"] for q in read] == ["SELECT number FROM core_configversion WHERE id = 1"]
    assert targets["first_response"].channel == "email"
    assert targets["resolution"].channel == ""


def test_a_new_channel_target_counts_for_the_next_case(
    sla: Any, frozen: Any, contact_a: Any, policy: SLAPolicy, product: Any
) -> None:
    frozen(oslo(*MONDAY_8))
    before = _open(contact_a, product, Channel.EMAIL)  # cached: no e-mail target yet
    SLATarget.objects.create(
        policy=policy, severity=2, metric="first_response", channel="email", minutes=8 * 60
    )
    after = _open(contact_a, product, Channel.EMAIL)
    assert _timer(before, "first_response").due_at == oslo(2026, 3, 9, 12, 0)
    assert _timer(after, "first_response").due_at == oslo(2026, 3, 9, 16, 0)


def test_severity_change_retargets_on_the_cases_channel(
    sla: Any,
    frozen: Any,
    contact_a: Any,
    product: Any,
    agent: Any,
    policy: SLAPolicy,
) -> None:
    # System down: 30 minutes for every channel, an hour by e-mail.
    SLATarget.objects.create(
        policy=policy, severity=4, metric="first_response", channel="email", minutes=60
    )
    frozen(oslo(*MONDAY_8))
    by_email = _open(contact_a, product, Channel.EMAIL)
    by_portal = _open(contact_a, product, Channel.PORTAL)
    frozen(oslo(2026, 3, 9, 8, 10))
    for case in (by_email, by_portal):
        actions.do_change_case_severity(actor=agent, case=case, severity=4)
    email_first, portal_first = (
        _timer(by_email, "first_response"),
        _timer(by_portal, "first_response"),
    )
    assert (email_first.consumed_seconds, portal_first.consumed_seconds) == (600, 600)
    assert email_first.due_at == oslo(2026, 3, 9, 9, 0)
    assert email_first.target_channel == "email"
    assert portal_first.due_at == oslo(2026, 3, 9, 8, 30)
    assert portal_first.target_channel == ""
    # Back to a fault, which has no e-mail target here: the one for every channel again.
    actions.do_change_case_severity(actor=agent, case=by_email, severity=2)
    email_first = _timer(by_email, "first_response")
    assert (email_first.due_at, email_first.target_channel) == (oslo(2026, 3, 9, 12, 0), "")


def test_a_policy_change_retargets_only_the_channels_cases(
    sla: Any,
    frozen: Any,
    contact_a: Any,
    product: Any,
    policy: SLAPolicy,
) -> None:
    frozen(oslo(*MONDAY_8))
    by_email = _open(contact_a, product, Channel.EMAIL)
    by_portal = _open(contact_a, product, Channel.PORTAL)
    SLATarget.objects.create(
        policy=policy, severity=2, metric="first_response", channel="email", minutes=8 * 60
    )
    frozen(oslo(2026, 3, 9, 9, 0))
    assert sla_actions.do_retarget_policy_cases(policy_id=policy.pk) == 2
    assert _timer(by_email, "first_response").due_at == oslo(2026, 3, 9, 16, 0)
    assert _timer(by_portal, "first_response").due_at == oslo(2026, 3, 9, 12, 0)


def test_the_api_and_the_desk_say_which_channels_target_applies(
    sla: Any,
    frozen: Any,
    contact_a: Any,
    product: Any,
    agent: Any,
    client: Client,
    email_answers_in_a_day: SLATarget,
) -> None:
    agent_api = Api(Client(), token_for(agent))
    frozen(oslo(*MONDAY_8))
    by_email = _open(contact_a, product, Channel.EMAIL)
    by_portal = _open(contact_a, product, Channel.PORTAL)
    body = agent_api.get(f"/cases/{by_email.number}").json()
    targets = {t["metric"]: t["target_channel"] for t in body["sla"]}
    assert targets == {"first_response": "email", "resolution": None}
    listed = agent_api.get("/cases", {"q": by_email.number}).json()["items"]
    assert next(i["sla"] for i in listed if i["number"] == by_email.number) == body["sla"]
    portal = agent_api.get(f"/cases/{by_portal.number}").json()["sla"]
    assert {t["target_channel"] for t in portal} == {None}
    client.force_login(agent)
    page = client.get(reverse("desk:case", args=[by_email.number])).content.decode()
    assert "E-mail target" in page
    page = client.get(reverse("desk:case", args=[by_portal.number])).content.decode()
    assert "E-mail target" not in page


# One target per policy, severity, metric and channel; "every channel" is a value of its own.


def test_a_second_target_for_the_same_channel_is_refused_in_words(policy: SLAPolicy) -> None:
    SLATarget.objects.create(
        policy=policy, severity=2, metric="first_response", channel="email", minutes=480
    )
    # A channel of its own beside the target for every channel is the point.
    SLATarget(
        policy=policy, severity=2, metric="first_response", channel="portal", minutes=60
    ).full_clean()
    for channel, words in (
        ("email", "by “E-mail”; change that one instead."),
        ("", "for every channel; choose a channel for this one"),
    ):
        duplicate = SLATarget(
            policy=policy, severity=2, metric="first_response", channel=channel, minutes=60
        )
        with pytest.raises(ValidationError) as raised:
            duplicate.full_clean()
        assert list(raised.value.message_dict) == ["channel"]
        (message,) = raised.value.message_dict["channel"]
        assert "“2 – Fault in the system”, “First response”" in message
        assert words in message
    # Changing the one that exists is no duplicate of itself.
    SLATarget.objects.get(
        policy=policy, severity=2, metric="first_response", channel=""
    ).full_clean()


def test_the_database_holds_one_target_per_channel_and_only_intake_channels(
    policy: SLAPolicy,
) -> None:
    # On SQLite and PostgreSQL alike: the blank channel is no NULL, so it clashes too.
    for channel in ("", "email"):
        if channel:
            SLATarget.objects.create(
                policy=policy, severity=2, metric="first_response", channel=channel, minutes=1
            )
        with pytest.raises(IntegrityError), transaction.atomic():
            SLATarget.objects.create(
                policy=policy, severity=2, metric="first_response", channel=channel, minutes=2
            )
    with pytest.raises(IntegrityError), transaction.atomic():
        # Agents answer in the desk; no case comes in by it.
        SLATarget.objects.create(
            policy=policy, severity=2, metric="first_response", channel="desk", minutes=2
        )
