from django.urls import path

from casedesk.desk import views

app_name = "desk"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/reply/", views.reply, name="reply"),
    path("cases/<str:number>/update/", views.update, name="update"),
]
