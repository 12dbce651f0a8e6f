from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.expressions import Expression
from django.db.models.functions import Lower, Replace
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casedesk.core.timezones import check_time_zone


class Vendor(models.Model):
    """The company running this installation and its support policy switches (one row)."""

    name = models.CharField(_("name"), max_length=200, default="Support")
    hold_requests_from_non_designated = models.BooleanField(
        _("hold requests from non-designated contacts for approval"),
        default=False,
        help_text=_("Off: such requests are refused with the names of the reference persons."),
    )
    allow_emergencies_when_suspended = models.BooleanField(
        _("accept 'system down' from suspended customers"),
        default=False,
    )
    reminder_business_days = models.CharField(
        _("reminder schedule (business days)"),
        max_length=60,
        default="3,7",
        help_text=_("Days after a case starts waiting on the customer, e.g. 3,7."),
    )
    auto_close_after_reminders = models.PositiveSmallIntegerField(
        _("close automatically after this many reminders"),
        null=True,
        blank=True,
        help_text=_("Empty: never close automatically."),
    )

    class Meta:
        verbose_name = _("vendor settings")
        verbose_name_plural = _("vendor settings")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Vendor:
        vendor, _created = cls.objects.get_or_create(pk=1)
        return vendor

    def reminder_days(self) -> list[int]:
        days = sorted(
            {int(d) for d in self.reminder_business_days.split(",") if d.strip().isdigit()}
        )
        return [d for d in days if d > 0]


class Organization(models.Model):
    """A customer company of the vendor."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. NO"))
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    # Empty: the country's zone (customers.zones), so an organization in London is not
    # shown Oslo times because nobody chose a zone for it.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("Empty: the usual time zone of the organization's country."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.time_zone = self.time_zone.strip()
        try:
            check_time_zone(self.time_zone)
        except ValidationError as error:
            raise ValidationError({"time_zone": error}) from error


class Site(models.Model):
    """A campus or location of an organization; each needs its own reference person."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ("name",)
        constraints = (
            models.UniqueConstraint(fields=("organization", "name"), name="site_unique_name"),
        )
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return f"{self.organization} – {self.name}"


class Product(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    docs_url = models.URLField(_("documentation URL"), blank=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


# How phone numbers are written ("+47 912 34 567", "(030) 123-45.67"): what is left is what a
# phone line's caller ID says (customers.queries strips the same from the number asked for).
PHONE_SEPARATORS = (" ", "-", "(", ")", ".", "/")


def phone_digits() -> Expression:
    expression: Expression | str = "phone"
    for separator in PHONE_SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""))
    assert isinstance(expression, Expression)  # noqa: S101 - at least one separator
    return expression


class Contact(models.Model):
    """A person at a customer organization. Only designated contacts may open cases."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contacts"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact",
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), unique=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # The number without separators, kept by the database itself (a stored generated column,
    # so an index serves lookups whatever wrote the row).
    phone_key = models.GeneratedField(
        expression=phone_digits(),
        output_field=models.CharField(max_length=40),
        db_persist=True,
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = (
            # Mail routing finds contacts by address regardless of case: Bob@x and bob@x
            # must not be two people in two organizations.
            models.UniqueConstraint(Lower("email"), name="contact_email_ci_unique"),
        )
        # Integrations (the phone line) find callers by number.
        indexes = (models.Index(fields=("phone_key",), name="contact_phone_key"),)

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class ContactRole(models.Model):
    class Role(models.TextChoices):
        REFERENCE = "reference", _("Reference person (site)")
        GENERAL = "general", _("General contact")
        TECHNICAL = "technical", _("Technical contact")
        RESPONSIBLE = "responsible", _("Responsible person (product)")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, null=True, blank=True)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        verbose_name = _("contact role")
        verbose_name_plural = _("contact roles")
        constraints = (
            models.UniqueConstraint(
                fields=("contact", "role", "site", "product"), name="contactrole_unique"
            ),
            # A reference person is named per site, a responsible person per product.
            models.CheckConstraint(
                condition=~Q(role="reference") | Q(site__isnull=False),
                name="contactrole_reference_has_site",
            ),
            models.CheckConstraint(
                condition=~Q(role="responsible") | Q(product__isnull=False),
                name="contactrole_responsible_has_product",
            ),
        )

    def __str__(self) -> str:
        scope = self.site or self.product
        label = self.get_role_display()
        return f"{label} ({scope})" if scope else str(label)

    def clean(self) -> None:
        """A role names the contact's own organization's site and a product it has a
        contract for: otherwise the role is never used (reference persons are listed per
        organization, copies go per product) and the vendor believes a site is covered."""
        super().clean()
        errors: dict[str, str] = {}
        if self.role == self.Role.REFERENCE and self.site_id is None:
            errors["site"] = gettext("A reference person is named for a site: choose the site.")
        if self.role == self.Role.RESPONSIBLE and self.product_id is None:
            errors["product"] = gettext(
                "A responsible person is named for a product: choose the product."
            )
        # On add (a new contact with its roles) the contact is not saved yet, but the form
        # has set it with its organization.
        has_contact = self.contact_id is not None or self._meta.get_field("contact").is_cached(self)
        contact = self.contact if has_contact else None
        organization_id = contact.organization_id if contact is not None else None
        if contact is not None and organization_id is not None:
            if self.site is not None and self.site.organization_id != organization_id:
                errors["site"] = gettext(
                    "%(site)s belongs to another organization than the contact."
                ) % {"site": self.site}
            if (
                self.product_id is not None
                and not Contract.objects.filter(
                    organization_id=organization_id, products=self.product_id
                ).exists()
            ):
                errors["product"] = gettext(
                    "%(organization)s has no contract covering %(product)s; add the product "
                    "to a contract first."
                ) % {"organization": contact.organization, "product": self.product}
        if errors:
            raise ValidationError(errors)


class Contract(models.Model):
    class SupportLevel(models.TextChoices):
        STANDARD = "standard", _("Standard (opening hours)")
        ALWAYS = "24/7", _("24/7")

    class Standing(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended (unpaid invoices)")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contracts"
    )
    products = models.ManyToManyField(Product, related_name="contracts")
    support_level = models.CharField(
        _("support level"), max_length=10, choices=SupportLevel.choices, default="standard"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    standing = models.CharField(
        _("standing"), max_length=10, choices=Standing.choices, default="active"
    )
    sla_policy = models.ForeignKey(
        "sla.SLAPolicy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("SLA policy"),
        help_text=_("Empty: the default policy."),
    )

    class Meta:
        ordering = ("-valid_from",)
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = (
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="contract_valid_range",
            ),
        )

    def __str__(self) -> str:
        return f"{self.organization} {self.get_support_level_display()} {self.valid_from}"

    def clean(self) -> None:
        super().clean()
        # Said on the field, in words: the check constraint alone reads "Constraint
        # contract_valid_range is violated" (and is then skipped for this field).
        ends, starts = self.valid_to, self.valid_from
        if ends is not None and starts is not None and ends < starts:
            raise ValidationError({"valid_to": gettext("A contract cannot end before it starts.")})

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
