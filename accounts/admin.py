from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User

if TYPE_CHECKING:
    _UserAdminBase = DjangoUserAdmin[User]
else:
    _UserAdminBase = DjangoUserAdmin


@admin.register(User)
class UserAdmin(_UserAdminBase):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("RingCentral", {"fields": ("role", "rc_account_id", "rc_extension_id")}),
    )
    list_display = ("username", "email", "role", "rc_extension_id", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
