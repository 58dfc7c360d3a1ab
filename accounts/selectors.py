"""Reads about the people who use the inbox."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import RingCentralCredential, User


@dataclass(frozen=True)
class Profile:
    """What the signed-in page shows about a person."""

    name: str
    email: str
    extension_number: str
    role: str
    sms_numbers: tuple[str, ...]
    connected: bool


def credential_get_for_user(*, user: User) -> RingCentralCredential | None:
    return RingCentralCredential.objects.filter(user=user).first()


def profile_for_user(*, user: User) -> Profile:
    credential = credential_get_for_user(user=user)
    return Profile(
        name=user.get_full_name() or user.username,
        email=user.email,
        extension_number=user.rc_extension_number,
        role=User.Role(user.role).label,
        sms_numbers=tuple(str(number) for number in user.sms_numbers or ()),
        connected=credential is not None
        and credential.status == RingCentralCredential.Status.CONNECTED,
    )
