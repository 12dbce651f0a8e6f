"""Demo data: a fictional vendor, its products, five customers and their cases.

Loading twice changes nothing: reference data is matched by natural keys, and cases are
only generated for an installation that has none yet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from casedesk.accounts.models import User
from casedesk.cases import actions
from casedesk.cases.models import Case, Category, Channel, IntakeField, Message, Severity, Status
from casedesk.core import clock
from casedesk.customers.models import (
    Contact,
    ContactRole,
    Contract,
    Organization,
    Product,
    Site,
)
from casedesk.customers.zones import organization_time_zone
from casedesk.sla import actions as sla_actions
from casedesk.sla.models import (
    ALL_CHANNELS,
    Calendar,
    CalendarException,
    Metric,
    OpeningHours,
    SLAPolicy,
    SLATarget,
)

PASSWORD = "demo"  # noqa: S105 - printed for the demo on purpose


@dataclass(frozen=True)
class DemoOrg:
    name: str
    country: str
    language: str
    time_zone: str
    domain: str
    sites: tuple[str, ...]
    people: tuple[str, ...]
    level: str = Contract.SupportLevel.STANDARD
    standing: str = Contract.Standing.ACTIVE


PRODUCTS = (
    ("Journalia", "journalia", "Electronic health records"),
    ("Timeglass", "timeglass", "Time registration and payroll"),
    ("Roomwise", "roomwise", "Room and resource booking"),
)

ORGS = (
    DemoOrg(
        "Fjellvik Legesenter AS",
        "NO",
        "nb",
        "Europe/Oslo",
        "fjellvik.demo.test",
        ("Sentrum", "Nordbyen"),
        ("Ingrid Bakken", "Ola Nordmo", "Kari Lunde", "Per Strand"),
    ),
    DemoOrg(
        "Lövholmen Vård AB",
        "SE",
        "sv",
        "Europe/Stockholm",
        "lovholmen.demo.test",
        ("Huvudkontoret",),
        ("Anna Lindqvist", "Erik Sjöberg", "Maja Holm"),
        level=Contract.SupportLevel.ALWAYS,
    ),
    DemoOrg(
        "Havnely Revision ApS",
        "DK",
        "da",
        "Europe/Copenhagen",
        "havnely.demo.test",
        ("København",),
        ("Mette Kjær", "Søren Dahl", "Line Bech"),
    ),
    DemoOrg(
        "Zorggroep Lindewaard",
        "NL",
        "nl",
        "Europe/Amsterdam",
        "lindewaard.demo.test",
        ("Locatie Oost", "Locatie West"),
        ("Sanne de Vries", "Joost Bakker", "Eva Smit"),
    ),
    DemoOrg(
        "Woonzorg Ter Brugge vzw",
        "BE",
        "nl",
        "Europe/Brussels",
        "terbrugge.demo.test",
        ("Campus Noord",),
        ("Lies Peeters", "Tom Janssens", "An Maes"),
        standing=Contract.Standing.SUSPENDED,
    ),
)

SUBJECTS = {
    "en": [
        "Cannot print the monthly report",
        "How do I add a new employee?",
        "Error when saving a booking",
        "Idea: export to spreadsheet",
        "Login is very slow",
    ],
    "nb": [
        "Får ikke skrevet ut månedsrapporten",
        "Hvordan legger jeg til en ny ansatt?",
        "Feil ved lagring av timebok",
        "Ønske: eksport til regneark",
        "Innlogging går tregt",
    ],
    "sv": [
        "Kan inte skriva ut månadsrapporten",
        "Hur lägger jag till en ny anställd?",
        "Fel när bokningen sparas",
        "Önskemål: export till kalkylblad",
        "Inloggningen är seg",
    ],
    "da": [
        "Kan ikke udskrive månedsrapporten",
        "Hvordan opretter jeg en ny medarbejder?",
        "Fejl ved gem af booking",
        "Ønske: eksport til regneark",
        "Login er meget langsomt",
    ],
    "nl": [
        "Maandrapport kan niet worden afgedrukt",
        "Hoe voeg ik een nieuwe medewerker toe?",
        "Fout bij het opslaan van een reservering",
        "Idee: export naar spreadsheet",
        "Inloggen is erg traag",
    ],
}

AGENTS = (
    ("agent@demo.test", "Alex Agent", "en", True, False),
    ("nora@vendor.demo.test", "Nora Support", "nb", False, True),
    ("lars@vendor.demo.test", "Lars Consultant", "da", False, True),
)


def _user(email: str, name: str, language: str, tz: str, *, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"full_name": name, "language": language, "time_zone": tz, "is_staff": staff},
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def _reference_data() -> tuple[list[User], list[Product], list[Organization]]:
    agents = []
    for email, name, language, superuser, consultant in AGENTS:
        agent = _user(email, name, language, "Europe/Oslo", staff=True)
        if superuser and not agent.is_superuser:
            agent.is_superuser = True
            agent.save(update_fields=["is_superuser"])
        if consultant != agent.is_consultant:
            agent.is_consultant = consultant
            agent.save(update_fields=["is_consultant"])
        agents.append(agent)
    products = [
        Product.objects.get_or_create(code=code, defaults={"name": name})[0]
        for name, code, _ in PRODUCTS
    ]
    timeglass = products[1]
    for position, (key, label, kind, required) in enumerate(
        (
            ("where", "Where in the system", IntakeField.Kind.TEXT, True),
            ("logged_in_user", "Logged-in user", IntakeField.Kind.TEXT, True),
            ("employee", "Employee name or number", IntakeField.Kind.TEXT, False),
            ("date", "Date or payroll run", IntakeField.Kind.DATE, False),
            ("screenshot", "a screenshot", IntakeField.Kind.ATTACHMENT, False),
        )
    ):
        IntakeField.objects.get_or_create(
            product=timeglass,
            key=key,
            defaults={"label": label, "kind": kind, "required": required, "position": position},
        )
    organizations = [_organization(spec, products) for spec in ORGS]
    return agents, products, organizations


def _organization(spec: DemoOrg, products: list[Product]) -> Organization:
    org, _ = Organization.objects.get_or_create(
        name=spec.name,
        defaults={"country": spec.country, "language": spec.language, "time_zone": spec.time_zone},
    )
    sites = [Site.objects.get_or_create(organization=org, name=n)[0] for n in spec.sites]
    if not org.contracts.exists():
        contract = Contract.objects.create(
            organization=org,
            support_level=spec.level,
            standing=spec.standing,
            valid_from=date(2025, 1, 1),
        )
        contract.products.set(products)
    first_demo_contact = spec.country == "NO"
    for index, person in enumerate(spec.people):
        email = f"{_ascii(person.split()[0].lower())}@{spec.domain}"
        language = spec.language
        if first_demo_contact and index == 0:
            email, language = "contact@demo.test", "en"
        user = _user(email, person, language, organization_time_zone(org))
        contact, _ = Contact.objects.get_or_create(
            email=email,
            defaults={"organization": org, "name": person, "language": language, "user": user},
        )
        roles: list[dict[str, object]]
        if index < len(sites):
            roles = [{"role": ContactRole.Role.REFERENCE, "site": sites[index]}]
        elif index == len(sites):
            roles = [{"role": ContactRole.Role.GENERAL}, {"role": ContactRole.Role.TECHNICAL}]
        else:
            roles = [{"role": ContactRole.Role.RESPONSIBLE, "product": products[index % 3]}]
        if index == 0:
            roles.append({"role": ContactRole.Role.RESPONSIBLE, "product": products[0]})
        for role in roles:
            ContactRole.objects.get_or_create(contact=contact, **role)  # type: ignore[arg-type]
    return org


# Mail addresses are ASCII in practice (few servers take others): "Søren" is soren@….
_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})


def _ascii(name: str) -> str:
    return name.translate(_ASCII)


def _demo_cases(agents: list[User], products: list[Product]) -> None:
    rng = random.Random(2026)  # noqa: S311 - reproducible demo content, not security
    statuses = [
        Status.NEW,
        Status.OPEN,
        Status.WAITING_ON_CUSTOMER,
        Status.SOLUTION_PROPOSED,
        Status.ON_HOLD,
        Status.CLOSED,
    ]
    contacts = list(
        Contact.objects.filter(organization__contracts__standing=Contract.Standing.ACTIVE)
        .select_related("organization", "user")
        .order_by("id")
    )
    now = clock.now()
    for i in range(60):
        contact = contacts[i % len(contacts)]
        product = products[i % 2 * 2]  # Journalia and Roomwise: no intake fields needed
        subject = rng.choice(SUBJECTS[contact.language])
        # Each case's history happens at the times it shows: opened days ago, answered hours
        # later, closed a day after that (SLA clocks and the audit trail agree with it).
        opened = now - timedelta(days=60 - i, hours=rng.randint(0, 8))
        target, agent = statuses[i % len(statuses)], agents[i % len(agents)]
        _demo_case_history(i, contact, product, subject, opened, agent, target, rng)


def _demo_case_history(
    i: int,
    contact: Contact,
    product: Product,
    subject: str,
    opened: datetime,
    agent: User,
    target: str,
    rng: random.Random,
) -> None:
    assert contact.user is not None  # noqa: S101 - every demo contact can sign in
    with clock.pinned(opened):
        case = actions.do_create_case(
            actor=contact.user,
            requester=contact,
            product=product,
            subject=subject,
            description=f"{subject}.\n\n(Demo case {i + 1})",
            category=rng.choice(Category.values),
            severity=rng.choice([1, 1, 2, 2, 2, 3, 4, 5]),
        )
    if target != Status.NEW:
        with clock.pinned(opened + timedelta(hours=rng.randint(1, 5))):
            actions.do_assign_case(actor=agent, case=case, assignee=agent)
            then = (
                target
                if target in (Status.WAITING_ON_CUSTOMER, Status.SOLUTION_PROPOSED, Status.ON_HOLD)
                else None
            )
            actions.do_add_message(
                actor=agent,
                case=case,
                body="Thank you, we are on it.",
                kind=Message.Kind.REPLY,
                then_status=then,
            )
    if target == Status.CLOSED:
        with clock.pinned(opened + timedelta(days=1, hours=rng.randint(0, 4))):
            actions.do_change_case_status(actor=contact.user, case=case, status=Status.CLOSED)


# Minutes of business time per severity: first response, next response, resolution. A
# business day of the office calendar is 8 hours.
_HOUR, _BUSINESS_DAY = 60, 8 * 60
SLA_TARGETS = {
    1: (8 * _HOUR, 8 * _HOUR, 10 * _BUSINESS_DAY),
    2: (4 * _HOUR, 8 * _HOUR, 5 * _BUSINESS_DAY),
    3: (2 * _BUSINESS_DAY, 5 * _BUSINESS_DAY, 60 * _BUSINESS_DAY),
    4: (30, 60, 8 * _HOUR),
    5: (60, 120, 16 * _HOUR),
    6: (30, 60, 8 * _HOUR),
}
MEETING_MINUTES = 36 * _HOUR
# Targets of the standard policy for one intake channel only: a fault reported in the portal
# comes with the product's intake fields filled in and is triaged at once, while plain
# e-mail is read in rounds and often needs a question back, so its first answer may take
# a business day instead of 4 hours.
CHANNEL_TARGETS: dict[tuple[int, str, str], int] = {
    (Severity.FAULT, Metric.FIRST_RESPONSE, Channel.EMAIL): _BUSINESS_DAY
}


def _demo_hours(calendar: Calendar, weekdays: range, opens: time, closes: time) -> None:
    # Only a calendar without hours gets them, so a vendor's later edits survive a reload.
    if not OpeningHours.objects.filter(calendar=calendar).exists():
        for weekday in weekdays:
            sla_actions.do_set_opening_hours(
                calendar=calendar, weekday=weekday, intervals=[(opens, closes)]
            )


def _demo_policy(
    name: str,
    calendar: Calendar,
    *,
    default: bool,
    round_the_clock: set[int],
    per_channel: dict[tuple[int, str, str], int] | None = None,
) -> SLAPolicy:
    policy, _ = SLAPolicy.objects.get_or_create(
        name=name,
        defaults={
            "calendar": calendar,
            # One default per installation: a vendor's own default keeps that role.
            "is_default": default and not SLAPolicy.objects.filter(is_default=True).exists(),
        },
    )
    for severity, (first, following, resolution) in SLA_TARGETS.items():
        for metric, minutes in (
            (Metric.FIRST_RESPONSE, first),
            (Metric.NEXT_RESPONSE, following),
            (Metric.RESOLUTION, resolution),
            (Metric.MEETING, MEETING_MINUTES),
        ):
            SLATarget.objects.get_or_create(
                policy=policy,
                severity=severity,
                metric=metric,
                channel=ALL_CHANNELS,
                defaults={"minutes": minutes, "business_time": severity not in round_the_clock},
            )
    for (severity, channel_metric, channel), minutes in (per_channel or {}).items():
        SLATarget.objects.get_or_create(
            policy=policy,
            severity=severity,
            metric=channel_metric,
            channel=channel,
            defaults={"minutes": minutes, "business_time": severity not in round_the_clock},
        )
    return policy


def _demo_calendars() -> None:
    """An office calendar as in seed 000 (Mon-Fri 08-16, closed on public holidays and on
    24 and 31 Dec), a round-the-clock calendar, a default policy and a 24/7 policy."""
    office, _ = Calendar.objects.get_or_create(
        name="Office hours (Oslo)", defaults={"time_zone": "Europe/Oslo", "country": "NO"}
    )
    always, _ = Calendar.objects.get_or_create(
        name="Round the clock", defaults={"time_zone": "Europe/Oslo"}
    )
    _demo_hours(office, range(5), time(8), time(16))
    _demo_hours(always, range(7), time(0), time(0))
    year = clock.now().astimezone(ZoneInfo(office.time_zone)).year
    sla_actions.do_seed_public_holidays(calendar=office, years=[year, year + 1])
    for closure_year in (year, year + 1):
        for day, name in (
            (date(closure_year, 12, 24), "Julaften"),
            (date(closure_year, 12, 31), "Nyttårsaften"),
        ):
            if not CalendarException.objects.filter(calendar=office, date=day).exists():
                sla_actions.do_add_calendar_exception(calendar=office, date=day, name=name)
    _demo_policy(
        "Standard", office, default=True, round_the_clock=set(), per_channel=CHANNEL_TARGETS
    )
    # 24/7 customers: outages (4, 5, 6) are worked round the clock, the rest in office hours.
    always_policy = _demo_policy("24/7", office, default=False, round_the_clock={4, 5, 6})
    Contract.objects.filter(
        organization__name__in=[o.name for o in ORGS if o.level == Contract.SupportLevel.ALWAYS],
        support_level=Contract.SupportLevel.ALWAYS,
        sla_policy__isnull=True,
    ).update(sla_policy=always_policy)


def load_demo() -> list[tuple[str, str]]:
    with transaction.atomic():
        agents, products, _ = _reference_data()
    # Outside the block above: calendar actions run in their own durable transactions.
    _demo_calendars()
    if not Case.objects.exists():
        _demo_cases(agents, products)
    return [
        ("agent@demo.test", "agent (and administrator)"),
        ("contact@demo.test", "customer contact"),
    ]
