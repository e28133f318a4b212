"""The HR admin's pages, under /hr/ (see surveys.views.hr)."""

from django.urls import path

from surveys.views.hr import (
    audit,
    dashboard,
    instruments,
    paper,
    rosters,
    sending,
    waves,
)

app_name = "hr"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("waves/new/", waves.wave_create_view, name="wave_create"),
    path("waves/<slug:slug>/", waves.wave_detail, name="wave_detail"),
    path("waves/<slug:slug>/edit/", waves.wave_edit, name="wave_edit"),
    path("waves/<slug:slug>/stage/", waves.wave_transition, name="wave_transition"),
    path("waves/<slug:slug>/checklist/", waves.wave_checklist, name="wave_checklist"),
    path("waves/<slug:slug>/privacy/", waves.wave_privacy_preview, name="wave_privacy"),
    path("waves/<slug:slug>/send/invitations/", sending.send_invitations, name="send_invitations"),
    path("waves/<slug:slug>/send/reminders/", sending.send_reminders, name="send_reminders"),
    path("waves/<slug:slug>/roster/", rosters.roster_upload, name="roster_upload"),
    path(
        "waves/<slug:slug>/roster/<uuid:upload_id>/",
        rosters.roster_preview,
        name="roster_preview",
    ),
    path(
        "waves/<slug:slug>/roster/<uuid:upload_id>/confirm/",
        rosters.roster_confirm,
        name="roster_confirm",
    ),
    path(
        "waves/<slug:slug>/roster/<uuid:upload_id>/cancel/",
        rosters.roster_cancel,
        name="roster_cancel",
    ),
    path("waves/<slug:slug>/paper/", paper.paper_upload, name="paper_upload"),
    path("waves/<slug:slug>/paper/confirm/", paper.paper_confirm, name="paper_confirm"),
    path("instruments/", instruments.instrument_list, name="instruments"),
    path("instruments/import/", instruments.instrument_import, name="instrument_import"),
    path(
        "instruments/<str:code>/v<int:version>/",
        instruments.instrument_preview,
        name="instrument_preview",
    ),
    path(
        "instruments/<str:code>/v<int:version>/download/",
        instruments.instrument_download,
        name="instrument_download",
    ),
    path("audit/", audit.audit_log, name="audit"),
]
