from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yizhan.notifications.models import Notification, SmsDelivery


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created_at", "user", "kind", "title", "read_at", "emailed_at", "texted_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__username"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(SmsDelivery)
class SmsDeliveryAdmin(admin.ModelAdmin[SmsDelivery]):
    """The SMS delivery log: superusers only (it shows who was texted, masked, and why a
    gateway refused); nobody edits it."""

    list_display = [
        "created_at",
        "kind",
        "phone_masked",
        "backend",
        "template",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "kind", "backend"]
    search_fields = ["phone_masked", "provider_message_id", "template"]
    readonly_fields = [f.name for f in SmsDelivery._meta.fields]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)
