"""Business calendars: holidays, closures, opening hours, the desk page and the admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.core import clock
from casedesk.core.errors import DomainError, NotFound
from casedesk.customers.models import Contract
from casedesk.demo import load_demo
from casedesk.sla import actions
from casedesk.sla import businesstime as bt
from casedesk.sla.calendars import business_calendar
from casedesk.sla.models import (
    Calendar,
    CalendarException,
    OpeningHours,
    SLAPolicy,
    SLATarget,
    SLATimer,
)
from tests import factories

OSLO = ZoneInfo("Europe/Oslo")


def oslo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def _version(calendar: Calendar) -> int:
    return Calendar.objects.values_list("version", flat=True).get(pk=calendar.pk)


@pytest.fixture
def at_christmas(frozen: Callable[[datetime], None]) -> None:
    """Wednesday 23 Dec 2026, 10:00 in Oslo: the day before the vendor's Christmas closure."""
    frozen(oslo(2026, 12, 23, 10))


# Seeding public holidays


def test_seeding_adds_public_holidays_once(office: Calendar) -> None:
    before = _version(office)
    added = actions.do_seed_public_holidays(calendar=office, years=[2026, 2027])
    names = dict(CalendarException.objects.filter(calendar=office).values_list("date", "name"))
    assert added == len(names) >= 20
    assert names[date(2026, 5, 17)] == "Grunnlovsdag"  # named in the calendar's language
    assert date(2026, 12, 25) in names
    assert date(2027, 12, 25) in names
    # Not public holidays in Norway: the vendor closes these itself (seed 000).
    assert date(2026, 12, 24) not in names
    assert date(2026, 12, 31) not in names
    assert CalendarException.objects.filter(opens__isnull=False).count() == 0
    assert office.version == _version(office) == before + 1

    assert actions.do_seed_public_holidays(calendar=office, years=[2026, 2027]) == 0
    assert CalendarException.objects.filter(calendar=office).count() == len(names)
    assert _version(office) == before + 1  # nothing changed, so nothing invalidated


def test_seeding_keeps_the_vendors_own_entry(office: Calendar) -> None:
    actions.do_add_calendar_exception(
        calendar=office, date=date(2026, 5, 14), name="Open anyway", intervals=[(time(9), time(12))]
    )
    actions.do_seed_public_holidays(calendar=office, years=[2026])
    [kept] = CalendarException.objects.filter(calendar=office, date=date(2026, 5, 14))
    assert (kept.name, kept.opens, kept.closes) == ("Open anyway", time(9), time(12))
    assert bt.is_open_at(business_calendar(office), oslo(2026, 5, 14, 10))
    assert not bt.is_open_at(business_calendar(office), oslo(2026, 5, 1, 10))  # seeded


@pytest.mark.parametrize(("country", "message"), [("", "country"), ("XX", "XX")])
def test_seeding_needs_a_known_country(office: Calendar, country: str, message: str) -> None:
    Calendar.objects.filter(pk=office.pk).update(country=country)
    office.refresh_from_db()
    with pytest.raises(DomainError, match=message):
        actions.do_seed_public_holidays(calendar=office, years=[2026])
    assert not CalendarException.objects.exists()


# Closures, shortened days and opening hours


def test_closure_moves_next_opening_and_removing_it_restores(office: Calendar) -> None:
    actions.do_seed_public_holidays(calendar=office, years=[2026])
    evening = oslo(2026, 12, 23, 17)
    assert bt.next_opening(business_calendar(office), evening) == oslo(2026, 12, 24, 8)

    before = office.version
    actions.do_add_calendar_exception(calendar=office, date=date(2026, 12, 24), name="Julaften")
    assert office.version == _version(office) == before + 1
    # 25 and 26 Dec are public holidays, 27 Dec a Sunday.
    assert bt.next_opening(business_calendar(office), evening) == oslo(2026, 12, 28, 8)

    actions.do_remove_calendar_exception(calendar=office, date=date(2026, 12, 24))
    assert office.version == before + 2
    assert bt.next_opening(business_calendar(office), evening) == oslo(2026, 12, 24, 8)
    with pytest.raises(NotFound):
        actions.do_remove_calendar_exception(calendar=office, date=date(2026, 12, 24))


def test_shortened_day_replaces_earlier_entries_on_that_date(office: Calendar) -> None:
    day = date(2026, 12, 31)
    actions.do_add_calendar_exception(calendar=office, date=day, name="Closed")
    actions.do_add_calendar_exception(
        calendar=office,
        date=day,
        name="Nyttårsaften",
        intervals=[(time(10), time(12)), (time(8), time(9, 30))],
    )
    rows = list(CalendarException.objects.filter(calendar=office, date=day))
    assert [(r.opens, r.closes, r.name) for r in rows] == [
        (time(8), time(9, 30), "Nyttårsaften"),
        (time(10), time(12), "Nyttårsaften"),
    ]
    cal = business_calendar(office)
    assert bt.is_open_at(cal, oslo(2026, 12, 31, 11))
    assert not bt.is_open_at(cal, oslo(2026, 12, 31, 9, 45))
    assert not bt.is_open_at(cal, oslo(2026, 12, 31, 12))
    assert bt.business_minutes_between(cal, oslo(2026, 12, 31, 0), oslo(2027, 1, 1, 0)) == 210


def test_set_opening_hours_replaces_the_weekday(office: Calendar) -> None:
    saturday = oslo(2026, 3, 7, 11)
    assert not bt.is_open_at(business_calendar(office), saturday)
    actions.do_set_opening_hours(calendar=office, weekday=5, intervals=[(time(10), time(14))])
    assert bt.is_open_at(business_calendar(office), saturday)
    actions.do_set_opening_hours(
        calendar=office, weekday=0, intervals=[(time(8), time(11)), (time(12), time(0))]
    )
    monday = business_calendar(office)
    assert not bt.is_open_at(monday, oslo(2026, 3, 9, 11, 30))  # lunch
    assert bt.is_open_at(monday, oslo(2026, 3, 9, 23, 59))  # 00:00 = midnight at day's end
    assert OpeningHours.objects.filter(calendar=office, weekday=0).count() == 2
    actions.do_set_opening_hours(calendar=office, weekday=5, intervals=[])
    assert not bt.is_open_at(business_calendar(office), saturday)
    with pytest.raises(DomainError, match="weekday"):
        actions.do_set_opening_hours(calendar=office, weekday=7, intervals=[])


@pytest.mark.parametrize(
    ("intervals", "message"),
    [
        ([(time(16), time(8))], "after the opening time"),
        ([(time(8), time(8))], "after the opening time"),
        ([(time(8), time(12)), (time(11), time(16))], "overlaps"),
        ([(time(8), time(0)), (time(20), time(22))], "overlaps"),
        ([(time(8), time(12, 0, 0, 5))], "whole seconds"),
    ],
)
def test_invalid_intervals_are_refused(
    office: Calendar, intervals: list[tuple[time, time]], message: str
) -> None:
    before = _version(office)
    with pytest.raises(DomainError, match=message):
        actions.do_set_opening_hours(calendar=office, weekday=0, intervals=intervals)
    with pytest.raises(DomainError, match=message):
        actions.do_add_calendar_exception(
            calendar=office, date=date(2026, 6, 1), name="x", intervals=intervals
        )
    assert _version(office) == before
    assert OpeningHours.objects.filter(calendar=office, weekday=0).count() == 1
    assert not CalendarException.objects.exists()


def test_running_clocks_follow_a_new_closure(
    office: Calendar, contact_a: Any, product: Any, frozen: Callable[[datetime], None]
) -> None:
    actions.do_seed_public_holidays(calendar=office, years=[2026])
    policy = SLAPolicy.objects.create(name="Standard", calendar=office, is_default=True)
    SLATarget.objects.create(policy=policy, severity=2, metric="resolution", minutes=8 * 60)
    frozen(oslo(2026, 12, 23, 10))
    case = factories.make_case(contact_a, product, severity=2)
    timer = SLATimer.objects.get(case=case, metric="resolution")
    assert timer.due_at == oslo(2026, 12, 24, 10)  # 6 h on Wednesday, 2 h on Thursday

    # Two hours later the vendor closes Christmas Eve: the 2 hours already used stay used.
    frozen(oslo(2026, 12, 23, 12))
    actions.do_add_calendar_exception(calendar=office, date=date(2026, 12, 24), name="Julaften")
    timer.refresh_from_db()
    case.refresh_from_db()
    assert timer.due_at == oslo(2026, 12, 28, 10)  # 25-27 Dec are closed too
    assert case.queue_due_at == timer.due_at


# The desk page


@pytest.fixture
def christmas(office: Calendar) -> Calendar:
    actions.do_seed_public_holidays(calendar=office, years=[2026, 2027])
    actions.do_add_calendar_exception(calendar=office, date=date(2026, 12, 24), name="Julaften")
    actions.do_add_calendar_exception(
        calendar=office,
        date=date(2026, 12, 31),
        name="Nyttårsaften",
        intervals=[(time(8), time(12))],
    )
    return office


def test_calendar_pages_for_an_agent(
    client: Client,
    agent: Any,
    christmas: Calendar,
    frozen: Callable[[datetime], None],
) -> None:
    frozen(oslo(2026, 12, 23, 10))
    client.force_login(agent)
    listing = client.get(reverse("desk:calendars")).content.decode()
    assert reverse("desk:calendar", args=[christmas.pk]) in listing
    response = client.get(reverse("desk:calendar", args=[christmas.pk]))
    assert response.status_code == 200
    days = response.context["status"].days
    assert len(days) == 30
    assert (days[0].date, days[-1].date) == (date(2026, 12, 23), date(2027, 1, 21))
    page = response.content.decode()
    assert "Open now" in page
    by_date = {day.date: day for day in days}
    assert by_date[date(2026, 12, 23)].intervals == (("08:00", "16:00"),)
    assert by_date[date(2026, 12, 24)].closed
    assert by_date[date(2026, 12, 24)].name == "Julaften"
    assert by_date[date(2026, 12, 27)].closed
    assert not by_date[date(2026, 12, 27)].exception
    assert by_date[date(2026, 12, 31)].intervals == (("08:00", "12:00"),)
    assert by_date[date(2027, 1, 1)].name == "Første nyttårsdag"
    for text in ("Julaften", "Første juledag", "Nyttårsaften", "08:00–12:00", "Closed"):
        assert text in page
    assert client.get(reverse("desk:calendar", args=[christmas.pk + 1])).status_code == 404

    frozen(oslo(2026, 12, 23, 16))  # closing time
    response = client.get(reverse("desk:calendar", args=[christmas.pk]))
    status = response.context["status"]
    assert not status.open_now
    assert status.next_opening == oslo(2026, 12, 28, 8)
    assert status.next_opening.tzinfo == OSLO
    assert "Closed now" in response.content.decode()
    assert "12/28/2026" in response.content.decode()


def test_calendar_pages_are_for_agents_only(
    client: Client, contact_a: Any, office: Calendar
) -> None:
    for url in (reverse("desk:calendars"), reverse("desk:calendar", args=[office.pk])):
        assert client.get(url).status_code == 302  # to the login page
        client.force_login(contact_a.user)
        response = client.get(url)
        assert response.status_code == 403
        assert "for the support team" in response.content.decode()
        client.logout()


def test_calendar_page_query_count_is_small_and_flat(
    client: Client,
    agent: Any,
    christmas: Calendar,
    at_christmas: None,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(agent)
    url = reverse("desk:calendar", args=[christmas.pk])
    with django_assert_max_num_queries(8) as before:
        client.get(url)
    actions.do_seed_public_holidays(calendar=christmas, years=range(2000, 2040))
    for day in range(2, 20):
        actions.do_add_calendar_exception(
            calendar=christmas, date=date(2027, 1, day), name=f"Closure {day}"
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


# The admin


@pytest.fixture
def root_client(client: Client, db: None) -> Client:
    client.force_login(factories.make_agent("root@vendor.test", is_superuser=True))
    return client


def _add_row(data: dict[str, Any], prefix: str, **fields: object) -> None:
    """Fill in one more (extra) row of an inline formset."""
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = n + 1
    data.update({f"{prefix}-{n}-{name}": value for name, value in fields.items()})


def _change_form_data(response: Any) -> dict[str, Any]:
    """What the browser would post back unchanged: main form, management forms, inlines."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for bound in form:
            value = bound.value()
            if value is not None and value is not False:
                data[bound.html_name] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            if form.instance.pk is not None:
                add(form)
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"]
    return data


def test_calendar_admin_pages_load(root_client: Client, christmas: Calendar) -> None:
    assert root_client.get(reverse("admin:sla_calendar_changelist")).status_code == 200
    response = root_client.get(reverse("admin:sla_calendar_change", args=[christmas.pk]))
    assert response.status_code == 200
    assert "Julaften" in response.content.decode()
    assert root_client.get(reverse("admin:sla_calendarexception_changelist")).status_code == 200
    policy = SLAPolicy.objects.create(name="Standard", calendar=christmas, is_default=True)
    assert root_client.get(reverse("admin:sla_slapolicy_changelist")).status_code == 200
    assert (
        root_client.get(reverse("admin:sla_slapolicy_change", args=[policy.pk])).status_code == 200
    )


def test_inline_edit_in_admin_is_checked_and_bumps_version(
    root_client: Client, christmas: Calendar, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("admin:sla_calendar_change", args=[christmas.pk])
    data = _change_form_data(root_client.get(url))
    before = _version(christmas)
    overlapping = {**data}
    _add_row(overlapping, "hours", weekday=0, opens="15:00", closes="18:00")
    with django_capture_on_commit_callbacks(execute=True):
        response = root_client.post(url, overlapping)
    assert response.status_code == 200
    assert "overlaps another interval" in response.content.decode()
    assert _version(christmas) == before
    assert OpeningHours.objects.filter(calendar=christmas, weekday=0).count() == 1

    monday = next(
        key[: -len("-weekday")]
        for key, value in data.items()
        if key.startswith("hours-") and key.endswith("-weekday") and value == 0
    )
    data[f"{monday}-closes"] = "12:00"
    _add_row(data, "exceptions", date="2027-01-04", name="Stocktaking")
    with django_capture_on_commit_callbacks(execute=True):
        response = root_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    christmas.refresh_from_db()
    assert christmas.version == before + 1
    cal = business_calendar(christmas)
    assert not bt.is_open_at(cal, oslo(2026, 12, 28, 13))  # Monday, now closing at 12
    assert not bt.is_open_at(cal, oslo(2027, 1, 4, 9))  # the new closure
    assert bt.is_open_at(cal, oslo(2027, 1, 5, 13))


def test_admin_exception_delete_and_seed_action(
    root_client: Client, office: Calendar, django_capture_on_commit_callbacks: Any
) -> None:
    changelist = reverse("admin:sla_calendar_changelist")
    action = {"action": "seed_public_holidays", "_selected_action": [office.pk]}
    response = root_client.post(changelist, action, follow=True)
    year = clock.now().astimezone(OSLO).year
    seeded = CalendarException.objects.filter(calendar=office)
    assert {d.year for d in seeded.values_list("date", flat=True)} == {year, year + 1}
    assert "public holidays added" in response.content.decode()
    count, version = seeded.count(), _version(office)
    root_client.post(changelist, action)
    assert (seeded.count(), _version(office)) == (count, version)

    first = seeded.first()
    assert first is not None
    with django_capture_on_commit_callbacks(execute=True):
        root_client.post(
            reverse("admin:sla_calendarexception_delete", args=[first.pk]), {"post": "yes"}
        )
    assert seeded.count() == count - 1
    assert _version(office) == version + 1


# Demo data


def test_demo_calendars_and_policies(db: None) -> None:
    def snapshot() -> tuple[object, ...]:
        return (
            list(Calendar.objects.order_by("pk").values_list("pk", "version")),
            list(CalendarException.objects.order_by("pk").values_list("pk", flat=True)),
            OpeningHours.objects.count(),
            list(SLAPolicy.objects.order_by("pk").values_list("name", "is_default", "calendar")),
            SLATarget.objects.count(),
            list(Contract.objects.order_by("pk").values_list("sla_policy", flat=True)),
        )

    load_demo()
    state = snapshot()
    load_demo()
    assert snapshot() == state
    office = Calendar.objects.get(name="Office hours (Oslo)")
    year = clock.now().astimezone(OSLO).year
    closed = set(
        CalendarException.objects.filter(calendar=office, opens__isnull=True).values_list(
            "date", flat=True
        )
    )
    for y in (year, year + 1):
        assert {date(y, 5, 17), date(y, 12, 24), date(y, 12, 25), date(y, 12, 31)} <= closed
    always = Calendar.objects.get(name="Round the clock")
    assert OpeningHours.objects.filter(calendar=always, opens=time(0), closes=time(0)).count() == 7
    standard = SLAPolicy.objects.get(is_default=True)
    assert standard.calendar == office
    # One target per severity and metric for every channel, and e-mail's own first response
    # to a fault: longer than the portal's, both in business time.
    assert standard.targets.filter(channel="").count() == 24
    by_channel = dict(
        standard.targets.filter(severity=2, metric="first_response").values_list(
            "channel", "minutes"
        )
    )
    assert set(by_channel) == {"", "email"}
    assert by_channel["email"] > by_channel[""]
    assert not standard.targets.filter(business_time=False).exists()
    night = Contract.objects.get(support_level="24/7").sla_policy
    assert night is not None
    assert night.calendar == office  # outages round the clock, the rest in office hours
    assert set(night.targets.filter(business_time=False).values_list("severity", flat=True)) == {
        4,
        5,
        6,
    }
