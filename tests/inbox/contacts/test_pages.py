"""The address book's pages: adding, changing and deleting a contact, each audited; numbers
read into E.164 with a sentence for a malformed one; a number of another contact refused with
its name; the search; and access (the people of the account, a 404 for anyone else)."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import AuditEntry, Contact, ContactNumber
from tests.inbox.conftest import extension_of
from tests.inbox.contacts.support import account_of, contact_make
from tests.support.emulator import RunningEmulator

LIST = reverse("inbox:contacts")
NEW = reverse("inbox:contact_new")


@pytest.fixture
def bob(bob_client: Client, rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(rc, "agent"))


def edit_url(contact: Contact) -> str:
    return reverse("inbox:contact_edit", args=[contact.pk])


def delete_url(contact: Contact) -> str:
    return reverse("inbox:contact_delete", args=[contact.pk])


def test_it_adds_a_contact_with_its_numbers_in_e164(bob_client: Client, bob: User) -> None:
    response = bob_client.post(
        NEW,
        {
            "name": " Fatima Rossi ",
            "company": "Rossi Bakery",
            "notes": "Prefers texts after 5 pm.",
            "numbers": "(650) 555-0123 (Mobile)\n+44 20 7946 0958",
        },
    )

    assert response.status_code == 302 and response["Location"] == LIST
    contact = Contact.objects.get(account_id=account_of(bob), name="Fatima Rossi")
    assert contact.company == "Rossi Bakery" and contact.created_by == bob
    numbers = [(n.number, n.label) for n in contact.numbers.order_by("id")]
    assert numbers == [("+16505550123", "Mobile"), ("+442079460958", "")]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CONTACT_ADD)
    assert (entry.actor, entry.account_id, entry.extension_id) == (
        bob,
        bob.rc_account_id,
        bob.rc_extension_id,
    )
    assert "Fatima Rossi" in entry.detail and "+16505550123" in entry.detail
    page = bob_client.get(LIST).content.decode()
    assert "Added Fatima Rossi to the contacts." in page
    assert "(650) 555-0123" in page and "Rossi Bakery" in page


@pytest.mark.parametrize(
    ("numbers", "sentence"),
    [
        ("12345", "“12345” is not a valid phone number: check the digits and the country code."),
        ("call me", "“call me” is not a phone number. Write it with its country code"),
        ("", "This field is required."),
        ("+1 650 555 0123 (" + "x" * 50 + ")", "is too long: at most 40 characters."),
    ],
)
def test_it_refuses_a_malformed_number_with_a_sentence(
    bob_client: Client, bob: User, numbers: str, sentence: str
) -> None:
    response = bob_client.post(NEW, {"name": "Fatima Rossi", "numbers": numbers})

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert sentence in page
    assert 'aria-invalid="true"' in page
    assert not Contact.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_refuses_a_missing_name_and_too_long_values(bob_client: Client, bob: User) -> None:
    missing = bob_client.post(NEW, {"name": "  ", "numbers": "+16505550123"})
    long = bob_client.post(NEW, {"name": "N" * 121, "numbers": "+16505550123"})

    assert missing.status_code == long.status_code == 400
    assert "This field is required." in missing.content.decode()
    assert "at most 120 characters" in html.unescape(long.content.decode())
    assert not Contact.objects.exists()


def test_it_refuses_a_number_of_another_contact_naming_it(bob_client: Client, bob: User) -> None:
    contact_make(account_id=account_of(bob), name="Fatima Rossi", numbers=["+16505550123"])

    response = bob_client.post(NEW, {"name": "Someone else", "numbers": "650-555-0123"})

    assert response.status_code == 400
    assert (
        "+16505550123 is already the number of Fatima Rossi: change or delete that contact first."
        in html.unescape(response.content.decode())
    )
    assert Contact.objects.count() == 1


def test_another_account_may_hold_the_same_number(bob_client: Client, bob: User) -> None:
    contact_make(account_id=account_of(bob) + 1, name="Elsewhere", numbers=["+16505550123"])

    response = bob_client.post(NEW, {"name": "Fatima Rossi", "numbers": "+16505550123"})

    assert response.status_code == 302
    assert ContactNumber.objects.filter(number="+16505550123").count() == 2


def test_it_changes_a_contact_and_its_numbers(bob_client: Client, bob: User) -> None:
    contact = contact_make(
        account_id=account_of(bob), name="Fatima", numbers=["+16505550123", "+16505550124"]
    )

    form = bob_client.get(edit_url(contact)).content.decode()
    response = bob_client.post(
        edit_url(contact),
        {
            "name": "Fatima Rossi",
            "company": "",
            "notes": "",
            "numbers": "+16505550124\n+16505550125",
        },
    )

    assert "+16505550123\n+16505550124</textarea>" in form
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "Fatima Rossi"
    assert sorted(contact.numbers.values_list("number", flat=True)) == [
        "+16505550124",
        "+16505550125",
    ]
    assert AuditEntry.objects.get(action=AuditEntry.Action.CONTACT_CHANGE).actor == bob


def test_a_change_may_keep_its_own_numbers_but_not_take_anothers(
    bob_client: Client, bob: User
) -> None:
    account = account_of(bob)
    contact = contact_make(account_id=account, name="Fatima", numbers=["+16505550123"])
    contact_make(account_id=account, name="Omar Haddad", numbers=["+16505550199"])

    kept = bob_client.post(edit_url(contact), {"name": "Fatima R", "numbers": "+16505550123"})
    taken = bob_client.post(
        edit_url(contact), {"name": "Fatima R", "numbers": "+16505550123\n+16505550199"}
    )

    assert kept.status_code == 302
    assert taken.status_code == 400
    assert "+16505550199 is already the number of Omar Haddad" in html.unescape(
        taken.content.decode()
    )
    assert list(contact.numbers.values_list("number", flat=True)) == ["+16505550123"]


def test_it_deletes_a_contact_after_a_confirmation(bob_client: Client, bob: User) -> None:
    contact = contact_make(
        account_id=account_of(bob), name="Fatima Rossi", numbers=["+16505550123"]
    )

    confirm = bob_client.get(delete_url(contact)).content.decode()
    response = bob_client.post(delete_url(contact))

    assert "Delete the contact Fatima Rossi?" in confirm
    assert response.status_code == 302
    assert not Contact.objects.exists() and not ContactNumber.objects.exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CONTACT_DELETE)
    assert entry.detail == "Fatima Rossi (+16505550123)"


def test_everyone_of_the_account_sees_and_changes_its_contacts(
    bob_client: Client, charlie_client: Client, alice_client: Client, bob: User
) -> None:
    contact = contact_make(
        account_id=account_of(bob), name="Fatima Rossi", numbers=["+16505550123"]
    )

    assert "Fatima Rossi" in charlie_client.get(LIST).content.decode()
    assert alice_client.get(edit_url(contact)).status_code == 200
    assert (
        charlie_client.post(edit_url(contact), {"name": "F. Rossi", "numbers": "+16505550123"})[
            "Location"
        ]
        == LIST
    )


def test_another_accounts_contact_is_a_404(bob_client: Client, bob: User) -> None:
    theirs = contact_make(
        account_id=account_of(bob) + 1, name="Not yours", numbers=["+16505550123"]
    )

    assert bob_client.get(edit_url(theirs)).status_code == 404
    assert (
        bob_client.post(edit_url(theirs), {"name": "Mine", "numbers": "+16505550124"}).status_code
        == 404
    )
    assert bob_client.get(delete_url(theirs)).status_code == 404
    assert bob_client.post(delete_url(theirs)).status_code == 404
    assert "Not yours" not in bob_client.get(LIST).content.decode()
    assert Contact.objects.get(pk=theirs.pk).name == "Not yours"


def test_people_without_ringcentral_get_404s(dave_client: Client) -> None:
    assert dave_client.get(LIST).status_code == 404
    assert dave_client.get(NEW).status_code == 404
    assert dave_client.post(NEW, {"name": "X", "numbers": "+16505550123"}).status_code == 404
    assert dave_client.get(reverse("inbox:contacts_export")).status_code == 404
    assert dave_client.get(reverse("inbox:contacts_import")).status_code == 404


def test_signing_in_is_required(client: Client, db: None) -> None:
    response = client.get(LIST)

    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_it_finds_contacts_by_name_company_or_number(bob_client: Client, bob: User) -> None:
    account = account_of(bob)
    contact_make(account_id=account, name="Fatima Rossi", numbers=["+16505550123"])
    contact_make(account_id=account, name="Omar Haddad", company="Haddad & Sons",
                 numbers=["+12095550777"])  # fmt: skip

    def shown(search: str) -> list[str]:
        page = bob_client.get(LIST, {"q": search}).content.decode()
        return [name for name in ("Fatima Rossi", "Omar Haddad") if f">{name}</a>" in page]

    assert shown("") == ["Fatima Rossi", "Omar Haddad"]
    assert shown("fatima") == ["Fatima Rossi"]
    assert shown("haddad &") == ["Omar Haddad"]
    assert shown("(209) 555-07") == ["Omar Haddad"]
    assert shown("5550123") == ["Fatima Rossi"]
    assert "No contact matches “nobody”." in bob_client.get(LIST, {"q": "nobody"}).content.decode()


def test_customer_text_is_escaped(bob_client: Client, bob: User) -> None:
    contact_make(account_id=account_of(bob), name="<script>alert(1)</script>",
                 notes="<b>bold</b>", numbers=["+16505550123"])  # fmt: skip

    page = bob_client.get(LIST).content.decode()

    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>bold</b>" not in page


def test_the_sidebar_links_to_the_contacts(bob_client: Client, bob: User) -> None:
    page = bob_client.get(LIST).content.decode()

    assert f'<a class="nav-link" href="{LIST}" aria-current="page">' in page
