from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
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
    path("admin/", admin.site.urls),
]

handler404 = "surveys.views.home.not_found"
