"""The API: one NinjaAPI instance under /api/v1; each domain brings its own router."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import ValidationError, ValidationErrorContext

from casedesk.api.auth import TokenAuth, api_user
from casedesk.api.errors import install_error_handlers
from casedesk.api.models import ApiToken
from casedesk.api.render import JsonRenderer
from casedesk.api.schemas import MeOut, Ref, TokenOut, described, responses
from casedesk.cases.api import router as cases_router
from casedesk.customers.access import contact_for_user
from casedesk.customers.api import router as customers_router
from casedesk.mail.api import router as mail_router
from casedesk.sla.api import router as sla_router


class CasedeskApi(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        # A body that is one parameter is the whole body: its errors are at ["body", field],
        # not under the handler's parameter name (which is no part of the API).
        errors: list[dict[str, Any]] = []
        for context in error_contexts:
            single = getattr(context.model, "__read_from_single_attr__", None)
            for error in super().validation_error_from_error_contexts([context]).errors:
                loc = tuple(error["loc"])
                if single and loc[:2] == ("body", single):
                    error = {**error, "loc": ("body", *loc[2:])}
                errors.append(error)
        return ValidationError(errors)


api = CasedeskApi(
    title="Casedesk API",
    version="1",
    description=(
        "Cases, messages, customers and calendars of a Casedesk support desk. Authenticate "
        "with `Authorization: Bearer <token>`; tokens are created in the desk or portal "
        "(API tokens) or with `casedesk token create`. *Agents* are support team accounts "
        "(their personal tokens, and service tokens for integrations); *contacts* are "
        "customers' contact persons, who only ever see their own organization. A `read` "
        "token may call GET operations only; the others need `write`.\n\n"
        'Errors always have the shape `{"error": {"code", "message", "details"}}`. Every '
        "operation may answer 401 (`unauthenticated`, `token_expired`, `token_revoked`), "
        "429 `rate_limited` (with `Retry-After`) and 422 `validation_error` (`details.errors`: "
        '`loc`, `msg`, `type`, e.g. `loc: ["body", "severity"]`); every write may answer '
        "403 `insufficient_scope` to a read token. Times are UTC, e.g. "
        "`2026-03-06T14:30:00.000000Z`."
    ),
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=JsonRenderer(),
)
install_error_handlers(api)
api.add_router("/cases", cases_router)
api.add_router("/", customers_router)
api.add_router("/", sla_router)
api.add_router("/", mail_router)


@api.get(
    "/me",
    response=responses({200: MeOut}),
    url_name="me",
    tags=["tokens"],
    summary="Who the token belongs to, and what it may do",
    description=described(
        "The owner, their organization (contacts) and the token's kind, scope and expiry.",
        who="every token",
        scope="read",
    ),
)
def me(request: HttpRequest) -> MeOut:
    user = api_user(request)
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    contact = contact_for_user(user)
    return MeOut(
        id=user.pk,
        email=user.email,
        name=str(user),
        is_agent=user.is_agent,
        organization=Ref(id=contact.organization.pk, name=contact.organization.name)
        if contact
        else None,
        token=TokenOut(
            name=token.name,
            kind=token.kind,
            scope=token.scope,
            prefix=token.prefix,
            expires_at=token.expires_at,
        ),
    )
