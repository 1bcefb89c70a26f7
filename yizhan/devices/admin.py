"""The device registry in the console: officers list, register, rotate and deactivate
the devices of stations in their region. A secret is shown once, on the page that
follows its creation, and never again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from yizhan.accounts.selectors import user_scope
from yizhan.core.errors import ApplicationError
from yizhan.devices.models import Device, DeviceSecret
from yizhan.devices.services import device_deactivate, device_register, device_secret_rotate
from yizhan.stations.access import ScopedAdminMixin
from yizhan.stations.models import Station

SECRETS_TEMPLATE = "devices/secrets_once.html"


class DeviceForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Device
        fields = ["station", "kind", "serial", "name"]

    def clean_serial(self) -> str:
        serial = str(self.cleaned_data.get("serial") or "").strip()
        if not serial.isascii() or not serial.isprintable() or " " in serial:
            raise forms.ValidationError(_("序列号只能包含字母、数字和符号，不含空格"))
        return serial


class DeviceSecretInline(admin.TabularInline):
    """When each key was made and retired (the keys themselves are never shown here)."""

    model = DeviceSecret
    extra = 0
    fields = ("created_at", "retired_at")
    readonly_fields = ("created_at", "retired_at")
    can_delete = False
    verbose_name_plural = _("密钥记录")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Device)
class DeviceAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    region_field = "station__region"
    form = DeviceForm
    list_display = ("serial", "name", "kind", "station", "active", "last_seen_at")
    list_filter = ("kind", "active", "station__kind")
    search_fields = ("serial", "name", "station__code", "station__name")
    list_select_related = ("station",)
    inlines = (DeviceSecretInline,)
    actions = ("rotate_secrets", "deactivate")

    def get_fields(self, request: HttpRequest, obj: Device | None = None) -> list[str]:  # type: ignore[override]
        if obj is None:
            return ["station", "kind", "serial", "name"]
        return ["station", "kind", "serial", "name", "active", "last_seen_at", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Device | None = None) -> list[str]:  # type: ignore[override]
        if obj is None:
            return []
        # Deactivation retires the keys: use the action, not the checkbox.
        return ["station", "kind", "serial", "active", "last_seen_at", "created_at"]

    def get_inlines(self, request: HttpRequest, obj: Device | None) -> list[Any]:  # type: ignore[override]
        return [DeviceSecretInline] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.related_model is Station:
            kwargs["queryset"] = Station.objects.filter(
                user_scope(user=request.user).q("region")
            ).order_by("code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # events keep their device; deactivate instead

    def save_model(self, request: HttpRequest, obj: Device, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            return
        device, secret = device_register(
            user=request.user,  # type: ignore[arg-type]
            station=obj.station,
            kind=obj.kind,
            serial=obj.serial,
            name=obj.name,
        )
        obj.pk = device.pk
        obj.created_at = device.created_at
        request._device_secret = (device, secret)  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: Device, post_url_continue: str | None = None
    ) -> HttpResponse:
        issued = getattr(request, "_device_secret", None)
        if issued is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": _("设备密钥"),
            "issued": [issued],
            "rotated": False,
            "opts": self.opts,
        }
        return TemplateResponse(request, SECRETS_TEMPLATE, context)

    @admin.action(description=_("更换所选设备的密钥"), permissions=["change"])
    def rotate_secrets(
        self, request: HttpRequest, queryset: QuerySet[Device]
    ) -> HttpResponse | None:
        issued = []
        for device in queryset.select_related("station").filter(active=True):
            try:
                secret = device_secret_rotate(user=request.user, device=device)  # type: ignore[arg-type]
            except ApplicationError as exc:
                self.message_user(request, f"{device.serial}: {exc.message}", messages.ERROR)
                continue
            issued.append((device, secret))
        if not issued:
            self.message_user(request, _("没有可更换密钥的启用设备"), messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("设备密钥"),
            "issued": issued,
            "rotated": True,
            "opts": self.opts,
        }
        return TemplateResponse(request, SECRETS_TEMPLATE, context)

    @admin.action(description=_("停用所选设备（密钥同时作废）"), permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        n = 0
        for device in queryset.filter(active=True):
            device_deactivate(user=request.user, device=device)  # type: ignore[arg-type]
            n += 1
        self.message_user(
            request, ngettext("已停用 %(n)d 台设备", "已停用 %(n)d 台设备", n) % {"n": n}
        )
