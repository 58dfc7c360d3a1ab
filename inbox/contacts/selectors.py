"""What a person may read of the address book, and the names other pages show for numbers.

Access: an account's contacts are for the people of that RingCentral account, all of them —
anyone who can see a conversation sees its contact, and every conversation a person may open
is of their own account. `contact_get_for_user` is the only way a page reaches a contact by id
(another account's id is a 404 like an id that does not exist).

`contact_names` is what the conversation pages ask, once per page for all its numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from inbox.models import Contact, ContactNumber

PAGE_SIZE = 50


def contact_names(*, account_id: int, numbers: Iterable[str]) -> dict[str, str]:
    """The account's contact names for these numbers (number → name), in one query; numbers
    no contact has are left out."""
    wanted = {number for number in numbers if number}
    if not wanted:
        return {}
    return dict(
        ContactNumber.objects.filter(account_id=account_id, number__in=wanted).values_list(
            "number", "contact__name"
        )
    )


def contact_for_number(*, account_id: int, number: str) -> Contact | None:
    """The account's contact with this number (E.164), or None."""
    if not number:
        return None
    found = (
        ContactNumber.objects.select_related("contact")
        .filter(account_id=account_id, number=number)
        .first()
    )
    return found.contact if found is not None else None


def contact_account_check(*, user: User) -> int:
    """The person's RingCentral account id; Http404 for anyone not signed in with RingCentral
    (the address book's pages do not exist for them)."""
    if not (
        user.is_authenticated
        and user.is_active
        and user.rc_account_id is not None
        and user.rc_extension_id is not None
    ):
        raise Http404("No such page.")
    return user.rc_account_id


def _with_numbers(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    return contacts.prefetch_related(
        Prefetch("numbers", queryset=ContactNumber.objects.order_by("id"))
    )


def contact_get_for_user(*, user: User, contact_id: int) -> Contact:
    """The contact if it is of `user`'s account, with its numbers; Http404 otherwise."""
    account_id = contact_account_check(user=user)
    found = _with_numbers(Contact.objects.filter(account_id=account_id, pk=contact_id)).first()
    if found is None:
        raise Http404("No such contact.")
    return found


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def contacts_for_user(*, user: User, search: str = "") -> QuerySet[Contact]:
    """The contacts of `user`'s account by name, with their numbers; `search` finds a name,
    a company, or (with three digits or more) a number, "(650) 555" as well as "+1650555"."""
    account_id = contact_account_check(user=user)
    contacts = Contact.objects.filter(account_id=account_id)
    text = " ".join(search.split())
    if text:
        matches = Q(name__icontains=text) | Q(company__icontains=text)
        digits = _digits(text)
        if len(digits) >= 3:
            matches |= Q(
                pk__in=ContactNumber.objects.filter(
                    account_id=account_id, number__contains=digits
                ).values("contact_id")
            )
        contacts = contacts.filter(matches)
    return _with_numbers(contacts.order_by("name", "id"))


def number_owners(*, account_id: int, numbers: Iterable[str]) -> dict[str, Contact]:
    """The account's contacts holding these numbers (number → contact), in one query."""
    wanted = set(numbers)
    if not wanted:
        return {}
    return {
        row.number: row.contact
        for row in ContactNumber.objects.select_related("contact").filter(
            account_id=account_id, number__in=wanted
        )
    }


@dataclass(frozen=True)
class ContactCard:
    """A number of a conversation as its details panel shows it: its contact, or what
    "Add to contacts" starts from (the name RingCentral gives, if any)."""

    number: str
    ringcentral_name: str
    contact: Contact | None


def contact_cards(*, account_id: int, parties: Iterable[tuple[str, str]]) -> list[ContactCard]:
    """For each (number, RingCentral's name) of a conversation, its contact, in one query."""
    shown = dict(parties)
    owners = number_owners(account_id=account_id, numbers=shown)
    return [ContactCard(number, name, owners.get(number)) for number, name in shown.items()]
