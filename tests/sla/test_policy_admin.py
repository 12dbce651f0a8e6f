"""Setting up SLA policies in the admin: targets that would break every case are refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from casedesk.sla.models import Calendar, SLAPolicy, SLATarget
from tests import factories


@pytest.fixture
def root_client(client: Client, db: None) -> Client:
    client.force_login(factories.make_agent("root@vendor.test", is_superuser=True))
    return client


def _policy_data(calendar: Calendar, targets: list[dict[str, Any]], **fields: Any) -> Any:
    data: dict[str, Any] = {
        "name": "Standard DK",
        "calendar": calendar.pk,
        "is_default": "on",
        "warning_percent": 80,
        "targets-TOTAL_FORMS": len(targets),
        "targets-INITIAL_FORMS": 0,
        "targets-MIN_NUM_FORMS": 0,
        "targets-MAX_NUM_FORMS": 1000,
        **fields,
    }
    for index, row in enumerate(targets):
        data.update({f"targets-{index}-{key}": value for key, value in row.items()})
    return data


def _errors(response: Any) -> str:
    assert response.status_code == 200, response.get("Location")
    inline = [str(e) for f in response.context["inline_admin_formsets"] for e in f.formset.errors]
    return " ".join([*inline, str(response.context["adminform"].form.errors)])


def test_a_target_of_zero_minutes_is_refused(root_client: Client, office: Calendar) -> None:
    # Due the moment a case opens: every case of that severity would breach at once.
    target = {"severity": 4, "metric": "first_response", "minutes": 0, "business_time": "on"}
    response = root_client.post(reverse("admin:sla_slapolicy_add"), _policy_data(office, [target]))
    assert "A target is at least 1 minute." in _errors(response)
    assert not SLAPolicy.objects.exists()


def test_a_zero_target_is_refused_by_the_model(office: Calendar) -> None:
    policy = SLAPolicy.objects.create(name="P", calendar=office)
    target = SLATarget(policy=policy, severity=2, metric="resolution", minutes=0)
    with pytest.raises(ValidationError) as raised:
        target.full_clean()
    assert raised.value.message_dict["minutes"] == ["A target is at least 1 minute."]


def test_severities_are_chosen_by_name_and_out_of_range_is_refused(
    root_client: Client, office: Calendar
) -> None:
    page = root_client.get(reverse("admin:sla_slapolicy_add"))
    assert "System down" in page.content.decode()
    target = {"severity": 7, "metric": "first_response", "minutes": 30, "business_time": "on"}
    response = root_client.post(reverse("admin:sla_slapolicy_add"), _policy_data(office, [target]))
    errors = _errors(response)
    assert "Constraint" not in errors
    assert "valid choice" in errors
    policy = SLAPolicy.objects.create(name="P", calendar=office)
    with pytest.raises(ValidationError) as raised:
        SLATarget(policy=policy, severity=7, metric="resolution", minutes=60).full_clean()
    assert raised.value.message_dict["severity"] == ["The severity is 1 to 6."]


def test_a_second_default_policy_is_told_which_one_is_the_default(
    root_client: Client, office: Calendar
) -> None:
    SLAPolicy.objects.create(name="Old default", calendar=office, is_default=True)
    response = root_client.post(reverse("admin:sla_slapolicy_add"), _policy_data(office, []))
    errors = _errors(response)
    assert "Old default is the default policy already" in errors
    assert "Constraint" not in errors


def test_warning_percent_out_of_range_is_told_in_words(
    root_client: Client, office: Calendar
) -> None:
    response = root_client.post(
        reverse("admin:sla_slapolicy_add"),
        _policy_data(office, [], warning_percent=100, is_default=""),
    )
    errors = _errors(response)
    assert "1 to 99 percent" in errors
    assert "Constraint" not in errors


def test_a_valid_policy_is_saved(root_client: Client, office: Calendar) -> None:
    target = {"severity": 4, "metric": "first_response", "minutes": 15, "business_time": ""}
    response = root_client.post(reverse("admin:sla_slapolicy_add"), _policy_data(office, [target]))
    assert response.status_code == 302
    saved = SLATarget.objects.get()
    assert (saved.severity, saved.minutes, saved.business_time) == (4, 15, False)


def _inline_data(policy: SLAPolicy, targets: list[dict[str, Any]]) -> Any:
    """The change form as the browser sends it back: the saved rows, then any new ones."""
    saved = list(policy.targets.order_by("severity", "metric", "channel"))
    rows = [
        {
            "id": t.pk,
            "policy": policy.pk,
            "severity": t.severity,
            "metric": t.metric,
            "channel": t.channel,
            "minutes": t.minutes,
            "business_time": "on" if t.business_time else "",
        }
        for t in saved
    ]
    data = _policy_data(policy.calendar, [*rows, *targets], name=policy.name)
    data["targets-INITIAL_FORMS"] = len(saved)
    return data


def test_channel_targets_round_trip_through_the_admin(
    root_client: Client, office: Calendar, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        {"severity": 2, "metric": "first_response", "channel": "", "minutes": 240},
        {"severity": 2, "metric": "first_response", "channel": "email", "minutes": 480},
    ]
    rows = [{**row, "business_time": "on"} for row in rows]
    response = root_client.post(reverse("admin:sla_slapolicy_add"), _policy_data(office, rows))
    assert response.status_code == 302, _errors(response)
    policy = SLAPolicy.objects.get()
    assert set(policy.targets.values_list("channel", "minutes")) == {("", 240), ("email", 480)}
    page = root_client.get(reverse("admin:sla_slapolicy_change", args=[policy.pk]))
    html = page.content.decode()
    assert "Every channel" in html
    assert '<option value="email" selected>E-mail</option>' in html
    # Move the e-mail target to the portal.
    data = _inline_data(policy, [])
    email_row = next(k for k, v in data.items() if k.endswith("-channel") and v == "email")
    data[email_row] = "portal"
    with django_capture_on_commit_callbacks(execute=True):
        response = root_client.post(reverse("admin:sla_slapolicy_change", args=[policy.pk]), data)
    assert response.status_code == 302, _errors(response)
    assert set(policy.targets.values_list("channel", "minutes")) == {("", 240), ("portal", 480)}


def test_a_duplicate_channel_target_is_refused_in_words_in_the_admin(
    root_client: Client, office: Calendar
) -> None:
    policy = SLAPolicy.objects.create(name="Standard DK", calendar=office)
    SLATarget.objects.create(
        policy=policy, severity=2, metric="first_response", channel="email", minutes=480
    )
    again = {"severity": 2, "metric": "first_response", "channel": "email", "minutes": 60}
    response = root_client.post(
        reverse("admin:sla_slapolicy_change", args=[policy.pk]),
        _inline_data(policy, [{**again, "policy": policy.pk, "business_time": "on"}]),
    )
    errors = _errors(response)
    assert "Constraint" not in errors
    expected = "already has a target for “2 – Fault in the system”, “First response” by “E-mail”"
    assert expected in errors
    assert policy.targets.count() == 1
    # Two new rows alike in one go: the form set says so before anything is saved.
    rows = [{**again, "channel": "", "business_time": "on"}] * 2
    response = root_client.post(
        reverse("admin:sla_slapolicy_add"), _policy_data(office, rows, name="Other")
    )
    errors = _errors(response)
    assert "Constraint" not in errors
    assert "Please correct the duplicate values" in errors
    assert not SLAPolicy.objects.filter(name="Other").exists()
