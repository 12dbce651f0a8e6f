from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from casedesk.accounts.forms import PasswordResetForm
from casedesk.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="core/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="core/password_reset.html",
            email_template_name="core/email/password_reset.txt",
            subject_template_name="core/email/password_reset_subject.txt",
            form_class=PasswordResetForm,
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="core/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="core/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="core/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("attachments/<int:attachment_id>/", core_views.attachment, name="attachment"),
    path("portal/", include("casedesk.portal.urls")),
    path("desk/", include("casedesk.desk.urls")),
    path("api/v1/", include("casedesk.api.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

# JSON for /api/ paths, the site's pages elsewhere.
handler400 = "casedesk.api.handlers.bad_request"
handler403 = "casedesk.api.handlers.permission_denied"
handler404 = "casedesk.api.handlers.not_found"
handler500 = "casedesk.api.handlers.server_error"
