from django.urls import path

from casedesk.desk import calendar_views, intake_views, views

app_name = "desk"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/new/", intake_views.new_case, name="new_case"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/reply/", views.reply, name="reply"),
    path("cases/<str:number>/update/", views.update, name="update"),
    path("cases/<str:number>/meeting/", views.schedule_meeting, name="meeting"),
    path("calendars/", calendar_views.calendar_list, name="calendars"),
    path("calendars/<int:calendar_id>/", calendar_views.calendar_detail, name="calendar"),
]
