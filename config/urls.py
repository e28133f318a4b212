from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from surveys.views import home

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("s/", include("surveys.urls")),
    path("hr/", include("surveys.urls_hr")),
    path("reports/", include("reports.urls")),
    path("actions/", include("reports.urls_public")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The admin signs in through the same page as everyone: login throttling, two-step code.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
        name="admin_login",
    ),
    path("admin/", admin.site.urls),
]

handler404 = "surveys.views.home.not_found"
