"""The WSGI app bench_api.py runs under gunicorn: the whole site, plus two bare endpoints
that measure the ceiling of the stack (same server, same token auth and rate limiting, same
database): one INSERT, and one single-row SELECT. Not part of the product.

    gunicorn --pythonpath bench api_server:application
"""

from __future__ import annotations

import os

import django
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import include, path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casedesk.settings")
django.setup()

from ninja import NinjaAPI  # noqa: E402

from casedesk.api.auth import TokenAuth  # noqa: E402
from casedesk.api.errors import install_error_handlers  # noqa: E402
from casedesk.api.render import JsonRenderer  # noqa: E402

PING_TABLE = "bench_ping"

bare = NinjaAPI(
    urls_namespace="bench",
    auth=TokenAuth(),
    docs_url=None,
    openapi_url=None,
    renderer=JsonRenderer(),
)
install_error_handlers(bare)


@bare.post("/insert")
def insert(request: HttpRequest) -> dict[str, bool]:
    # One durable transaction with one INSERT, as an action would have.
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {PING_TABLE} (note) VALUES (%s)", ["ping"])  # noqa: S608
    return {"ok": True}


@bare.get("/select/{case_id}")
def select(request: HttpRequest, case_id: int) -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, number, subject FROM cases_case WHERE id = %s", [case_id])
        row = cursor.fetchone()
    return {"id": row[0], "number": row[1], "subject": row[2]} if row else {}


urlpatterns = [
    path("bench/", bare.urls),
    path("", include("casedesk.urls")),
]
handler404 = "casedesk.core.views.not_found"

settings.ROOT_URLCONF = __name__

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
