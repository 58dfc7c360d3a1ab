from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.forms import ModelForm
from django.http import HttpRequest

from accounts.models import RingCentralCredential, User
from accounts.services import user_role_for

if TYPE_CHECKING:
    _UserAdminBase = DjangoUserAdmin[User]
    _CredentialInlineBase = admin.StackedInline[RingCentralCredential, User]
else:
    _UserAdminBase = DjangoUserAdmin
    _CredentialInlineBase = admin.StackedInline


class RingCentralCredentialInline(_CredentialInlineBase):
    """The state of the person's RingCentral connection; never the tokens."""

    model = RingCentralCredential
    can_delete = False
    fields = readonly_fields = (
        "status",
        "status_reason",
        "access_expires_at",
        "refresh_expires_at",
        "refreshed_at",
        "verified_at",
        "scope",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(_UserAdminBase):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            "RingCentral",
            {
                "fields": (
                    "role",
                    "role_granted",
                    "rc_is_admin",
                    "rc_account_id",
                    "rc_extension_id",
                    "rc_extension_number",
                    "sms_numbers",
                )
            },
        ),
    )
    readonly_fields = ("role", "rc_is_admin")
    list_display = ("username", "email", "role", "rc_extension_id", "is_staff", "is_active")
    list_filter = ("role", "role_granted", "is_staff", "is_superuser", "is_active")
    inlines = (RingCentralCredentialInline,)

    def save_model(
        self, request: HttpRequest, obj: User, form: ModelForm[User], change: bool
    ) -> None:
        # the role in force follows the grant made here (and what RingCentral said)
        obj.role = user_role_for(rc_is_admin=obj.rc_is_admin, role_granted=obj.role_granted)
        super().save_model(request, obj, form, change)
