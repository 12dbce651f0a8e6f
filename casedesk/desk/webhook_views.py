"""The webhook delivery log: what was sent where, what came back, and sending again."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casedesk.core.ids import parse_id
from casedesk.core.views import current_user
from casedesk.customers.access import require_agent
from casedesk.webhooks import actions, queries
from casedesk.webhooks.access import access_delivery
from casedesk.webhooks.models import Delivery


@login_required
def delivery_log(request: HttpRequest) -> HttpResponse:
    user = require_agent(current_user(request))
    endpoint = request.GET.get("endpoint", "")
    status = request.GET.get("status", "")
    page = queries.delivery_log(
        user=user,
        endpoint_id=parse_id(endpoint),
        status=status if status in Delivery.Status.values else None,
        cursor=request.GET.get("after"),
    )
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "desk/webhooks.html",
        {
            "endpoints": queries.endpoints_with_counts(user=user),
            "page": page,
            "statuses": Delivery.Status.choices,
            "selected": {"endpoint": endpoint, "status": status},
            "params": params.urlencode(),
        },
    )


@login_required
def delivery_detail(request: HttpRequest, delivery_id: int) -> HttpResponse:
    user = require_agent(current_user(request))
    delivery = access_delivery(user=user, delivery_id=delivery_id)
    payload = json.dumps(delivery.payload, indent=2, ensure_ascii=False)
    return render(
        request, "desk/webhook_delivery.html", {"delivery": delivery, "payload_json": payload}
    )


@login_required
@require_POST
def redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    user = require_agent(current_user(request))
    delivery = access_delivery(user=user, delivery_id=delivery_id)
    actions.do_redeliver(actor=user, delivery=delivery)
    messages.success(request, _("The delivery is being sent again."))
    return redirect("desk:webhook_delivery", delivery_id=delivery_id)
