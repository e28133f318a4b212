"""Report pages for leaders, equity analysts and HR admins, mounted at /reports/."""

from django.urls import path, register_converter

from reports.views import actions, equity, exports, participation, renders, unit_report, waves


class ExportFormatConverter:
    regex = "csv|xlsx"  # PDFs are prepared by the worker (views.renders)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormatConverter, "export_format")

app_name = "reports"

urlpatterns = [
    path("", waves.wave_list, name="waves"),
    path("pdf/<uuid:pk>/", renders.render_status, name="render"),
    path("pdf/<uuid:pk>/state/", renders.render_state, name="render_state"),
    path("pdf/<uuid:pk>/download/", renders.render_download, name="render_download"),
    path("<slug:slug>/export/pdf/", renders.unit_pdf, name="pdf"),
    path("<slug:slug>/equity/export/pdf/", renders.equity_pdf, name="equity_pdf"),
    path("<slug:slug>/u/<str:code>/export/pdf/", renders.unit_pdf, name="unit_pdf"),
    path("<slug:slug>/", unit_report.unit_report, name="report"),
    path("<slug:slug>/export/<export_format:fmt>/", exports.unit_export, name="export"),
    path("<slug:slug>/participation/", participation.wave_participation, name="participation"),
    path("<slug:slug>/equity/", equity.equity, name="equity"),
    path(
        "<slug:slug>/equity/export/<export_format:fmt>/",
        exports.equity_export,
        name="equity_export",
    ),
    path("<slug:slug>/u/<str:code>/", unit_report.unit_report, name="unit"),
    path(
        "<slug:slug>/u/<str:code>/export/<export_format:fmt>/",
        exports.unit_export,
        name="unit_export",
    ),
    path("<slug:slug>/u/<str:code>/actions/", actions.action_list, name="actions"),
    path("<slug:slug>/u/<str:code>/actions/<int:pk>/", actions.action_edit, name="action_edit"),
    path(
        "<slug:slug>/u/<str:code>/actions/<int:pk>/status/",
        actions.action_status,
        name="action_status",
    ),
    path(
        "<slug:slug>/u/<str:code>/actions/<int:pk>/publish/",
        actions.action_publish_view,
        name="action_publish",
    ),
    path(
        "<slug:slug>/u/<str:code>/actions/<int:pk>/delete/",
        actions.action_delete_view,
        name="action_delete",
    ),
]
