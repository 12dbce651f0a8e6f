from __future__ import annotations

from typing import Any

import pytest

from casedesk.cases import actions
from casedesk.cases.models import Case, Status
from casedesk.core.errors import DomainError, NotFound
from tests import factories


def _order(org: Any) -> list[str]:
    return list(
        Case.objects.filter(organization=org)
        .exclude(status=Status.CLOSED)
        .order_by("rank")
        .values_list("subject", flat=True)
    )


@pytest.fixture
def three(contact_a: Any, product: Any) -> list[Case]:
    return [factories.make_case(contact_a, product, subject=s) for s in ("one", "two", "three")]


def test_new_cases_go_last_and_move(three: list[Case], contact_a: Any, org_a: Any) -> None:
    assert _order(org_a) == ["one", "two", "three"]
    actions.do_move_case_rank(actor=contact_a.user, case=three[2], direction="up")
    assert _order(org_a) == ["one", "three", "two"]
    actions.do_move_case_rank(actor=contact_a.user, case=three[0], direction="up")  # no-op
    assert _order(org_a) == ["one", "three", "two"]


def test_set_order_and_audit(three: list[Case], contact_a: Any, org_a: Any) -> None:
    actions.do_set_case_order(
        actor=contact_a.user,
        organization=org_a,
        numbers=[three[2].number, three[0].number, three[1].number],
    )
    assert _order(org_a) == ["three", "one", "two"]
    assert three[2].events.filter(kind="rank_changed", new_value="1").exists()


def test_tampered_order_changes_nothing(
    three: list[Case], contact_a: Any, org_a: Any, case_b: Case
) -> None:
    with pytest.raises(DomainError):
        actions.do_set_case_order(
            actor=contact_a.user,
            organization=org_a,
            numbers=[three[0].number, case_b.number, three[1].number],
        )
    with pytest.raises(DomainError):
        actions.do_set_case_order(
            actor=contact_a.user, organization=org_a, numbers=[three[0].number] * 3
        )
    assert _order(org_a) == ["one", "two", "three"]


def test_other_org_cannot_reorder(three: list[Case], contact_b: Any, org_a: Any) -> None:
    with pytest.raises(NotFound):
        actions.do_set_case_order(
            actor=contact_b.user, organization=org_a, numbers=[c.number for c in three]
        )
    with pytest.raises(NotFound):
        actions.do_move_case_rank(actor=contact_b.user, case=three[1], direction="up")


def test_closed_case_leaves_order_and_reopen_goes_last(
    three: list[Case], contact_a: Any, org_a: Any
) -> None:
    actions.do_change_case_status(actor=contact_a.user, case=three[0], status=Status.CLOSED)
    assert _order(org_a) == ["two", "three"]
    # Ranks are the positions the customer sees (the desk shows the rank): no gap stays.
    assert _ranks(org_a) == {"one": 0, "two": 1, "three": 2}
    actions.do_change_case_status(actor=contact_a.user, case=three[0], status=Status.OPEN)
    assert _order(org_a) == ["two", "three", "one"]
    assert _ranks(org_a) == {"two": 1, "three": 2, "one": 3}
    # Closing one in the middle closes its gap; the one before it keeps its place.
    actions.do_change_case_status(actor=contact_a.user, case=three[2], status=Status.CLOSED)
    assert _ranks(org_a) == {"two": 1, "three": 0, "one": 2}


def _ranks(org: Any) -> dict[str, int]:
    return dict(Case.objects.filter(organization=org).values_list("subject", "rank"))


def test_non_designated_colleague_cannot_reorder(
    three: list[Case], contact_a: Any, org_a: Any, product: Any
) -> None:
    from casedesk.core.errors import PermissionDenied
    from casedesk.customers.models import ContactRole

    colleague = factories.make_contact(org_a, email="colleague@a.test")
    ContactRole.objects.filter(contact=colleague).delete()
    with pytest.raises(PermissionDenied):
        actions.do_set_case_order(
            actor=colleague.user, organization=org_a, numbers=[c.number for c in three]
        )
    with pytest.raises(PermissionDenied):
        actions.do_move_case_rank(actor=colleague.user, case=three[2], direction="up")
    assert _order(org_a) == ["one", "two", "three"]


def test_subject_is_kept_on_one_line(contact_a: Any, product: Any) -> None:
    case = factories.make_case(contact_a, product, subject="Printer\nBcc: x@evil.test  ")
    assert case.subject == "Printer Bcc: x@evil.test"


def test_a_new_case_is_ranked_after_the_open_ones_of_its_organization(
    three: list[Case], contact_a: Any, contact_b: Any, org_a: Any, product: Any
) -> None:
    assert [c.rank for c in three] == [1, 2, 3]
    actions.do_change_case_status(actor=contact_a.user, case=three[2], status=Status.CLOSED)
    fourth = factories.make_case(contact_a, product, subject="four")
    elsewhere = factories.make_case(contact_b, product, subject="elsewhere")
    # The rank the INSERT chose is the one the object (and the API's answer) carries.
    assert (fourth.rank, elsewhere.rank) == (3, 1)
    assert _ranks(org_a) == {"one": 1, "two": 2, "three": 0, "four": 3}
