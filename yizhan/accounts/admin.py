from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.regions.models import Region


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("管辖"), {"fields": ("region", "phone")}),
    )
    list_display = ("username", "last_name", "first_name", "region", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active")
    autocomplete_fields = ("region",)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).filter(user_scope(user=request.user).q("region"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "region":
            kwargs["queryset"] = Region.objects.filter(user_scope(user=request.user).q(""))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
