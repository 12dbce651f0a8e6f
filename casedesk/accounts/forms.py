"""Forms of the sign-in pages that Django's own need adjusting for."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import forms as auth_forms
from django.utils import translation

from casedesk.customers.models import Vendor


class PasswordResetForm(auth_forms.PasswordResetForm):
    """The reset mail in the account's language, not the browser's that asked for it (a
    colleague's, or English on a shared machine), and under the vendor's name."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        context = {**context, "vendor": Vendor.current().name}
        with translation.override(user.language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )
