from django.urls import path

from casedesk.desk import (
    calendar_views,
    held_views,
    intake_views,
    mail_views,
    token_views,
    views,
    webhook_views,
)

app_name = "desk"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/new/", intake_views.new_case, name="new_case"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/reply/", views.reply, name="reply"),
    path("cases/<str:number>/update/", views.update, name="update"),
    path("cases/<str:number>/meeting/", views.schedule_meeting, name="meeting"),
    path("held/", held_views.held_requests, name="held_requests"),
    path("mail/", mail_views.mail_list, name="mail_list"),
    path("mail/<int:inbound_id>/", mail_views.mail_detail, name="mail"),
    path("mail/<int:inbound_id>/retry/", mail_views.mail_retry, name="mail_retry"),
    path("mail/<int:inbound_id>/discard/", mail_views.mail_discard, name="mail_discard"),
    path("mail/<int:inbound_id>/raw/", mail_views.mail_raw, name="mail_raw"),
    path("mail/<int:inbound_id>/part/<int:index>/", mail_views.mail_part, name="mail_part"),
    path("calendars/", calendar_views.calendar_list, name="calendars"),
    path("calendars/<int:calendar_id>/", calendar_views.calendar_detail, name="calendar"),
    path("tokens/", token_views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", token_views.revoke_token, name="revoke_token"),
    path("webhooks/", webhook_views.delivery_log, name="webhooks"),
    path("webhooks/<int:delivery_id>/", webhook_views.delivery_detail, name="webhook_delivery"),
    path(
        "webhooks/<int:delivery_id>/redeliver/",
        webhook_views.redeliver,
        name="webhook_redeliver",
    ),
]
