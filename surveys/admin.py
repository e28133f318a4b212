"""Django admin for HR admins: units, leaders, instruments and waves. Never responses."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from surveys.instruments.definition import InstrumentError
from surveys.models import AuditEntry, Instrument, InstrumentVersion, Leadership, OrgUnit, Wave
from surveys.services.instruments import instrument_version_import
from surveys.services.units import UnitError, unit_create, unit_update
from surveys.services.waves import WaveError, wave_update_thresholds


class LeadershipInline(admin.TabularInline):
    model = Leadership
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "depth")
    search_fields = ("code", "name")
    list_filter = ("depth",)
    autocomplete_fields = ("parent",)
    inlines = [LeadershipInline]

    def save_model(self, request: HttpRequest, obj: OrgUnit, form: Any, change: bool) -> None:
        # The tree's paths are written only by the unit services.
        try:
            if change:
                original = OrgUnit.objects.get(pk=obj.pk)
                parent = obj.parent
                obj.parent = original.parent
                unit_update(unit=obj, name=obj.name, parent=parent, by=request.user)
            else:
                created = unit_create(
                    code=obj.code, name=obj.name, parent=obj.parent, by=request.user
                )
                obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
        except UnitError as error:
            self.message_user(request, str(error), messages.ERROR)


@admin.register(Leadership)
class LeadershipAdmin(admin.ModelAdmin):
    list_display = ("user", "unit")
    autocomplete_fields = ("user", "unit")
    search_fields = ("user__username", "unit__code", "unit__name")


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(InstrumentVersion)
class InstrumentVersionAdmin(admin.ModelAdmin):
    list_display = ("instrument", "version", "created_on")
    readonly_fields = ("checksum", "created_on")

    def get_readonly_fields(
        self, request: HttpRequest, obj: InstrumentVersion | None = None
    ) -> Any:
        if obj is not None and obj.is_in_use:
            return ("instrument", "version", "definition", "checksum", "created_on")
        return self.readonly_fields

    def save_model(
        self, request: HttpRequest, obj: InstrumentVersion, form: Any, change: bool
    ) -> None:
        try:
            saved = instrument_version_import(document=obj.definition, by=request.user)
            obj.pk = saved.pk
        except InstrumentError as error:
            self.message_user(request, "; ".join(error.errors), messages.ERROR)


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "status", "opens_on", "closes_on", "min_group_size")
    list_filter = ("status",)
    search_fields = ("slug", "name")
    filter_horizontal = ("units",)
    readonly_fields = ("status", "data_version")

    def get_readonly_fields(self, request: HttpRequest, obj: Wave | None = None) -> Any:
        if obj is not None and obj.status != Wave.Status.DRAFT:
            return (*self.readonly_fields, "instrument_version")
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Wave, form: Any, change: bool) -> None:
        if change:
            original = Wave.objects.get(pk=obj.pk)
            try:
                wave_update_thresholds(
                    wave=original,
                    min_group_size=obj.min_group_size,
                    min_comment_group_size=obj.min_comment_group_size,
                    min_equity_group_size=obj.min_equity_group_size,
                    by=request.user,
                )
            except WaveError as error:
                self.message_user(request, str(error), messages.ERROR)
                for field in ("min_group_size", "min_comment_group_size", "min_equity_group_size"):
                    setattr(obj, field, getattr(original, field))
        super().save_model(request, obj, form, change)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("on", "actor_name", "action", "target")
    list_filter = ("action",)
    search_fields = ("actor_name", "action", "target")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.site_header = _("Continuum administration")
