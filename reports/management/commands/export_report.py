from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports.aggregation import ReportUnavailable, UnitNotVisible, wave_report
from reports.auditor import audit_published
from reports.exporters import TidyExporter, UnitReportExporter
from reports.pages import unit_report_page
from reports.pdf import unit_report_pdf
from reports.viewers import Role, Viewer, leader_of
from surveys.audit import audit
from surveys.models import OrgUnit, Wave

FORMATS = ("csv", "xlsx", "pdf")


class Command(BaseCommand):
    help = (
        "Export exactly what a viewer may see of a wave: a leader of --unit (default), "
        "or --role analyst / hr for the whole organization."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--wave", required=True)
        parser.add_argument("--unit", help="unit code; the export is what a leader of it may see")
        parser.add_argument(
            "--role", choices=[Role.LEADER, Role.ANALYST, Role.HR], default=Role.LEADER
        )
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        wave = (
            Wave.objects.select_related("instrument_version").filter(slug=options["wave"]).first()
        )
        if wave is None:
            raise CommandError(f"unknown wave {options['wave']!r}")
        unit = None
        if options["unit"]:
            unit = OrgUnit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"unknown unit {options['unit']!r}")
        role = options["role"]
        if role == Role.LEADER:
            if unit is None:
                raise CommandError("--unit is required for a leader's export")
            viewer = leader_of(unit)
        else:
            viewer = Viewer(role)
        try:
            report = wave_report(wave=wave, viewer=viewer, unit=unit)
        except ReportUnavailable:
            raise CommandError(
                f"wave {wave.slug} has no report yet (status: {wave.status})"
            ) from None
        except UnitNotVisible:
            raise CommandError(f"unit {options['unit']} is not part of wave {wave.slug}") from None
        exposures = audit_published(report)
        if exposures:
            # Never write a file the independent auditor objects to.
            raise CommandError(
                "export refused by the privacy auditor:\n" + "\n".join(exposures[:20])
            )
        output: Path = options["output"]
        if options["format"] == "csv":
            # Everything the viewer may see, for every unit of their subtree (tidy format).
            with output.open("w", newline="", encoding="utf-8") as stream:
                TidyExporter(report).write_csv(stream)
        else:
            # The report of the focus unit, as its page shows it (readable sheets + figures).
            page = unit_report_page(report)
            if options["format"] == "xlsx":
                with output.open("wb") as binary:
                    UnitReportExporter(page).write_xlsx(binary)
            else:
                output.write_bytes(
                    unit_report_pdf(page, base_url=settings.SITE_URL + "/", actions=[])
                )
        audit(
            "export_report",
            "report.export",
            wave,
            format=options["format"],
            role=role,
            unit=options["unit"],
        )
        self.stdout.write(f"Wrote {options['output']}.")
