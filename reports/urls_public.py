"""Public "You said, we did" pages for staff (no login), mounted at /actions/."""

from django.urls import path

from reports.views import public_actions

app_name = "public_actions"

urlpatterns = [
    path("<slug:slug>/<str:code>/", public_actions.unit_actions, name="unit"),
]
