from django.contrib import admin

from yizhan.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created_at", "user", "kind", "title", "read_at", "emailed_at", "texted_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__username"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
