"""Admin for calendars and SLA policies.

The admin edits hour and exception rows directly, so every such edit ends in
``do_touch_calendar``: it bumps the calendar's version (dropping the cached conversion) and
recomputes the calendar's SLA clocks. The admin saves inside its own transaction and actions
are durable, so the touch runs on commit — after the new rows are visible, which is also the
order in which a version bump can never be cached against the old rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import time
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casedesk.cases.models import Severity
from casedesk.core import clock
from casedesk.core.errors import DomainError
from casedesk.sla import actions, tasks, timers
from casedesk.sla.models import (
    ALL_CHANNELS,
    TARGET_CHANNELS,
    Calendar,
    CalendarException,
    OpeningHours,
    SLAPolicy,
    SLATarget,
)


def _checkpoint(calendar_ids: set[int]) -> None:
    """Before admin rows change: bank running clocks' time under the hours still in force,
    so the change applies from now on and never rewrites the past."""
    now = clock.now()
    for calendar_id in calendar_ids:
        timers.checkpoint_calendar(calendar_id=calendar_id, at=now)


def _touch_on_commit(calendar_ids: set[int]) -> None:
    for calendar in Calendar.objects.filter(pk__in=calendar_ids):
        transaction.on_commit(partial(actions.do_touch_calendar, calendar=calendar))


def _kept_rows(formset: forms.BaseFormSet[Any]) -> list[dict[str, Any]]:
    """Cleaned data of the rows that will exist after saving (not blank, not deleted)."""
    return [
        data
        for form in formset.forms
        if (data := getattr(form, "cleaned_data", None)) and not data.get("DELETE")
    ]


def _check(intervals: list[tuple[time, time]]) -> None:
    try:
        actions.clean_intervals(intervals)
    except DomainError as error:
        raise ValidationError(error.message) from error


class CalendarForm(forms.ModelForm[Calendar]):
    class Meta:
        model = Calendar
        fields = ("name", "time_zone", "country")

    def clean_time_zone(self) -> str:
        value: str = self.cleaned_data["time_zone"].strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(
                _("Unknown time zone; use an IANA name such as Europe/Oslo.")
            ) from exc
        return value

    def clean_country(self) -> str:
        value: str = self.cleaned_data["country"].strip().upper()
        return value


class OpeningHoursFormSet(forms.BaseInlineFormSet[OpeningHours, Calendar, Any]):
    def clean(self) -> None:
        super().clean()
        by_weekday: dict[int, list[tuple[time, time]]] = defaultdict(list)
        for row in _kept_rows(self):
            if all(row.get(key) is not None for key in ("weekday", "opens", "closes")):
                by_weekday[row["weekday"]].append((row["opens"], row["closes"]))
        for intervals in by_weekday.values():
            _check(intervals)


class OpeningHoursInline(admin.TabularInline[OpeningHours, Calendar]):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0


class CalendarExceptionForm(forms.ModelForm[CalendarException]):
    class Meta:
        model = CalendarException
        fields = ("calendar", "date", "name", "opens", "closes")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens"), data.get("closes")
        if (opens is None) != (closes is None):
            # On the field, so the model's both-or-neither constraint is not reported twice.
            self.add_error(
                "closes" if closes is None else "opens",
                _("Give both an opening and a closing time, or neither to close all day."),
            )
        elif opens is not None and closes is not None:
            try:
                _check([(opens, closes)])
            except ValidationError as error:
                self.add_error("closes", error)
        return data


def _check_dates(rows: list[dict[str, Any]]) -> None:
    """Rows of one calendar: a date is closed all day or open in non-overlapping intervals."""
    by_date: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("date") is not None:
            by_date[row["date"]].append(row)
    for day, same_day in by_date.items():
        intervals = [(r["opens"], r["closes"]) for r in same_day if r.get("opens") is not None]
        if intervals and len(intervals) < len(same_day):
            raise ValidationError(
                _("%(date)s is both closed all day and open in some hours; choose one.")
                % {"date": day.isoformat()}
            )
        _check(intervals)


class CalendarExceptionFormSet(forms.BaseInlineFormSet[CalendarException, Calendar, Any]):
    def clean(self) -> None:
        super().clean()
        _check_dates(_kept_rows(self))


class CalendarExceptionInline(admin.TabularInline[CalendarException, Calendar]):
    model = CalendarException
    form = CalendarExceptionForm
    formset = CalendarExceptionFormSet
    extra = 1
    verbose_name_plural = gettext_lazy(
        "Holidays and closures from this year on (older ones: Holidays and closures list)"
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarException]:
        # Years of seeded holidays would make the page long; the past rarely needs editing.
        return super().get_queryset(request).filter(date__year__gte=clock.now().year)


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin[Calendar]):
    form = CalendarForm
    list_display = ("name", "time_zone", "country", "version")
    search_fields = ("name",)
    readonly_fields = ("version",)
    inlines = (OpeningHoursInline, CalendarExceptionInline)
    actions = ("seed_public_holidays",)

    def save_model(self, request: HttpRequest, obj: Calendar, form: Any, change: Any) -> None:
        if change:
            _checkpoint({obj.pk})
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: Any) -> None:
        super().save_related(request, form, formsets, change)
        edited = "time_zone" in form.changed_data or any(fs.has_changed() for fs in formsets)
        if change and edited:
            _touch_on_commit({form.instance.pk})

    @admin.action(description=gettext_lazy("Seed public holidays for this year and next"))
    def seed_public_holidays(self, request: HttpRequest, queryset: QuerySet[Calendar]) -> None:
        for calendar in queryset:
            year = clock.now().astimezone(ZoneInfo(calendar.time_zone)).year
            try:
                added = actions.do_seed_public_holidays(calendar=calendar, years=[year, year + 1])
            except DomainError as error:
                self.message_user(request, f"{calendar}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(calendar)s: %(count)d public holidays added.")
                    % {"calendar": calendar, "count": added},
                    messages.SUCCESS,
                )


class StandaloneExceptionForm(CalendarExceptionForm):
    """One row edited on its own: checked against the other rows on the same date."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and data.get("calendar") and data.get("date"):
            others = CalendarException.objects.filter(
                calendar=data["calendar"], date=data["date"]
            ).exclude(pk=self.instance.pk)
            rows = [{"date": o.date, "opens": o.opens, "closes": o.closes} for o in others]
            try:
                _check_dates([*rows, data])
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin[CalendarException]):
    form = StandaloneExceptionForm
    list_display = ("date", "name", "calendar", "opens", "closes")
    list_filter = ("calendar", ("date", admin.DateFieldListFilter))
    date_hierarchy = "date"
    search_fields = ("name",)

    def save_model(
        self, request: HttpRequest, obj: CalendarException, form: Any, change: Any
    ) -> None:
        calendar_ids = {obj.calendar_id}
        if change and "calendar" in form.changed_data:
            calendar_ids.add(form.initial["calendar"])
        _checkpoint(calendar_ids)
        super().save_model(request, obj, form, change)
        _touch_on_commit(calendar_ids)

    def delete_model(self, request: HttpRequest, obj: CalendarException) -> None:
        _checkpoint({obj.calendar_id})
        super().delete_model(request, obj)
        _touch_on_commit({obj.calendar_id})

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarException]) -> None:
        calendar_ids = set(queryset.values_list("calendar_id", flat=True))
        _checkpoint(calendar_ids)
        super().delete_queryset(request, queryset)
        _touch_on_commit(calendar_ids)


class SLATargetForm(forms.ModelForm[SLATarget]):
    # The severities by name: a vendor setting targets does not know that 4 is "system down".
    severity = forms.TypedChoiceField(
        label=gettext_lazy("severity"), choices=Severity.choices, coerce=int
    )
    # The blank choice named for what it does, not "---------": it is a target of its own.
    channel = forms.ChoiceField(
        label=gettext_lazy("channel"),
        choices=[(ALL_CHANNELS, gettext_lazy("Every channel")), *TARGET_CHANNELS],
        required=False,
        help_text=SLATarget._meta.get_field("channel").help_text,
    )

    class Meta:
        model = SLATarget
        fields = ("severity", "metric", "channel", "minutes", "business_time")


class SLATargetInline(admin.TabularInline[SLATarget, SLAPolicy]):
    model = SLATarget
    form = SLATargetForm
    ordering = ("severity", "metric", "channel")
    extra = 0


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin[SLAPolicy]):
    list_display = ("name", "calendar", "is_default", "warning_percent")
    list_filter = ("is_default", "calendar")
    search_fields = ("name",)
    inlines = (SLATargetInline,)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: Any) -> None:
        super().save_related(request, form, formsets, change)
        if change:
            # Open cases under this policy get the new targets, keeping consumed time.
            policy_id = form.instance.pk
            transaction.on_commit(lambda: tasks.retarget_policy_cases(policy_id))
