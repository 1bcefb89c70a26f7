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

    # What only a superuser may change: rights, and whether an account is national.
    PRIVILEGED = ("is_superuser", "is_staff", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        readonly = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        return readonly + self.PRIVILEGED

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Nobody but a superuser edits their own account here (no self-promotion).
        if obj is not None and obj.pk == request.user.pk and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).filter(user_scope(user=request.user).q("region"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "region":
            kwargs["queryset"] = Region.objects.filter(user_scope(user=request.user).q(""))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
