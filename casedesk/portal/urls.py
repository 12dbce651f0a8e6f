from django.urls import path

from casedesk.portal import held_views, reminder_views, token_views, views

app_name = "portal"
urlpatterns = [
    path("", views.case_list, name="cases"),
    path("cases/new/", views.new_case, name="new_case"),
    path("requests/", held_views.held_requests, name="held_requests"),
    path("requests/<int:held_id>/decide/", held_views.decide, name="decide_held"),
    path("cases/order/", views.set_order, name="set_order"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/close/", views.close_case, name="close"),
    path("cases/<str:number>/reopen/", views.reopen_case, name="reopen"),
    path("cases/<str:number>/move/", views.move_case, name="move"),
    path("r/<str:token>/", reminder_views.reminder_link, name="reminder_link"),
    path("tokens/", token_views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", token_views.revoke_token, name="revoke_token"),
]
