from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from casedesk.cases.attachments import Upload, clean_filename
from casedesk.cases.models import Attachment, Case, IntakeField
from casedesk.core.errors import DomainError, ErrorCode
from tests import factories


def _stored_files(settings: Any) -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_screenshot_is_stored_outside_db(case_a: Case, settings: Any) -> None:
    [att] = Attachment.objects.filter(case=case_a)
    assert att.filename == "screen.png"
    assert att.content_type == "image/png"
    assert len(_stored_files(settings)) == 1
    assert not att.file.name.endswith("screen.png")  # the user's name never reaches the disk


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (
            Upload("big.png", io.BytesIO(factories.PNG_BYTES), 11 * 2**20),
            ErrorCode.ATTACHMENT_TOO_LARGE,
        ),
        (Upload("tool.exe", io.BytesIO(b"MZ..."), 5), ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED),
        (
            Upload("page.png", io.BytesIO(b"<html><script>"), 14),
            ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED,
        ),
        (Upload("noext", io.BytesIO(b"x"), 1), ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_kept(
    contact_a: Any, product: Any, settings: Any, upload: Upload, code: ErrorCode
) -> None:
    with pytest.raises(DomainError) as info:
        factories.make_case(contact_a, product, uploads=[factories.png_upload(), upload])
    assert info.value.code == code
    assert Case.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert _stored_files(settings) == []


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("", "attachment"),
        ("Årsrapport ønsker.pdf", "Årsrapport ønsker.pdf"),
    ],
)
def test_filenames_are_cleaned(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


def test_required_intake_fields(contact_a: Any, product: Any) -> None:
    IntakeField.objects.create(product=product, key="where", label="Where in the system")
    IntakeField.objects.create(product=product, key="day", label="Date", kind="date")
    IntakeField.objects.create(product=product, key="shot", label="a screenshot", kind="attachment")
    assert contact_a.user is not None
    from casedesk.cases import actions

    kwargs: dict[str, Any] = {
        "actor": contact_a.user,
        "requester": contact_a,
        "product": product,
        "subject": "Payroll",
        "description": "Wrong total",
        "category": "problem",
        "severity": 2,
    }
    with pytest.raises(DomainError) as info:
        actions.do_create_case(**kwargs, intake_data={"day": "not a date"})
    assert info.value.code == ErrorCode.MISSING_REQUIRED_FIELD
    assert set(info.value.details) == {"where", "day", "shot"}
    assert Case.objects.count() == 0
    # A key the product does not ask for is named, not silently dropped.
    with pytest.raises(DomainError) as info:
        actions.do_create_case(
            **kwargs,
            intake_data={"where": "Payroll > Run", "day": "2026-11-02", "junk": "x"},
            uploads=[factories.png_upload()],
        )
    assert set(info.value.details) == {"junk"}
    case = actions.do_create_case(
        **kwargs,
        intake_data={"where": "Payroll > Run", "day": "2026-11-02"},
        uploads=[factories.png_upload()],
    )
    assert case.intake_data == {"where": "Payroll > Run", "day": "2026-11-02"}
