"""A contact's name is shown wherever one of its numbers is, over the name RingCentral gives:
the conversation list's rows, the thread's title, heading and bubbles, the details panel, and
the views; a renamed contact at once (the rows' per-process cache sees the name). "Add to
contacts" in the details panel: prefilled with the number and RingCentral's name, one submit."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from inbox.models import AuditEntry, Contact
from inbox.ownership.selectors import party_label_of
from tests.emulator.factories import conversation_of, make_sms, unique_number
from tests.inbox.conftest import extension_of
from tests.inbox.contacts.support import account_of, contact_make, ringcentral_names
from tests.inbox.ownership.support import index_ready, indexed, mailbox_of
from tests.inbox.support import found, own_day
from tests.support.emulator import RunningEmulator


@pytest.fixture
def bob(bob_client: Client, rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(rc, "agent"))


class Conversation:
    def __init__(self, running: RunningEmulator, customer: str) -> None:
        extension = extension_of(running, "agent")
        self.customer = customer
        day, self.window = own_day()
        self.list_url = reverse("inbox:conversations", args=[extension])
        first = make_sms(running.db_path, extension, other_number=customer,
                         text="Is my order ready?", created_ts=day + 10)  # fmt: skip
        ringcentral_names(running, first, "F ROSSI MOBILE")
        self.url = reverse(
            "inbox:thread", args=[extension, conversation_of(running.db_path, first)]
        )


@pytest.fixture
def conversation(rc: RunningEmulator) -> Conversation:
    return Conversation(rc, unique_number())


def party_of_rows(page: str) -> list[str]:
    return re.findall(r'<span class="party">.*?</span></span>([^<]*)</span>', page, re.S)


def details_of(page: str) -> str:
    return found(r'(<aside class="details-pane".*?</aside>)', page)


def test_without_a_contact_ringcentrals_name_is_shown_and_add_to_contacts_offered(
    bob_client: Client, bob: User, conversation: Conversation
) -> None:
    page = bob_client.get(conversation.url).content.decode()

    assert '<h1 id="thread-title">F ROSSI MOBILE</h1>' in page
    details = details_of(page)
    form = found(r'(<form method="post" action="/contacts/add/">.*?</form>)', details)
    assert f'name="number" value="{conversation.customer}"' in form
    assert 'name="name" value="F ROSSI MOBILE"' in form
    assert "Add to contacts" in form
    assert f'name="next" value="{conversation.url}"' in form


def test_add_to_contacts_from_a_thread_is_one_submit(
    bob_client: Client, bob: User, conversation: Conversation
) -> None:
    response = bob_client.post(
        reverse("inbox:contact_add"),
        {"name": "Fatima Rossi", "number": conversation.customer, "next": conversation.url},
    )

    assert response.status_code == 302 and response["Location"] == conversation.url
    contact = Contact.objects.get(account_id=account_of(bob))
    assert contact.name == "Fatima Rossi"
    assert list(contact.numbers.values_list("number", flat=True)) == [conversation.customer]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CONTACT_ADD).count() == 1
    page = bob_client.get(conversation.url).content.decode()
    assert "Added Fatima Rossi to the contacts." in page
    details = details_of(page)
    assert "Add to contacts" not in details
    assert f'href="/contacts/{contact.pk}/?next=' in details and "Edit contact" in details


def test_add_to_contacts_refused_opens_the_form_with_the_reason(
    bob_client: Client, bob: User, conversation: Conversation
) -> None:
    contact_make(account_id=account_of(bob), name="Omar Haddad", numbers=[conversation.customer])

    response = bob_client.post(
        reverse("inbox:contact_add"),
        {"name": "Fatima Rossi", "number": conversation.customer, "next": conversation.url},
    )

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert f"{conversation.customer} is already the number of Omar Haddad" in page
    assert 'value="Fatima Rossi"' in page
    assert Contact.objects.count() == 1


def test_add_to_contacts_goes_back_only_within_the_site(
    bob_client: Client, bob: User, conversation: Conversation
) -> None:
    response = bob_client.post(
        reverse("inbox:contact_add"),
        {"name": "Fatima Rossi", "number": conversation.customer, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("inbox:contacts")


def test_the_contacts_name_is_shown_in_the_row_the_thread_and_the_details(
    bob_client: Client, bob: User, conversation: Conversation
) -> None:
    contact = contact_make(account_id=account_of(bob), name="Fatima Rossi",
                           company="Rossi Bakery", numbers=[conversation.customer])  # fmt: skip

    listing = bob_client.get(conversation.list_url, conversation.window).content.decode()
    thread = bob_client.get(conversation.url).content.decode()

    assert party_of_rows(listing) == ["Fatima Rossi"]
    assert "F ROSSI MOBILE" not in listing
    assert "Fatima Rossi · Inbox" in found(r"<title>(.*?)</title>", thread)
    assert '<h1 id="thread-title">Fatima Rossi</h1>' in thread
    assert "SMS from Fatima Rossi" in thread
    details = details_of(thread)
    assert '<p class="details-name">Fatima Rossi</p>' in details
    assert "Rossi Bakery" in details
    assert f'href="/contacts/{contact.pk}/?next=' in details

    # renamed: shown at once, the rows' cache notwithstanding
    contact.name = "Fatima Rossi-Lang"
    contact.save()
    again = bob_client.get(conversation.list_url, conversation.window).content.decode()
    assert party_of_rows(again) == ["Fatima Rossi-Lang"]
    assert (
        '<h1 id="thread-title">Fatima Rossi-Lang</h1>'
        in bob_client.get(conversation.url).content.decode()
    )

    # deleted: RingCentral's name again
    contact.delete()
    assert party_of_rows(
        bob_client.get(conversation.list_url, conversation.window).content.decode()
    ) == ["F ROSSI MOBILE"]


def test_a_list_page_looks_names_up_once(
    bob_client: Client, bob: User, rc: RunningEmulator
) -> None:
    extension = extension_of(rc, "agent")
    day, window = own_day()
    customers = [unique_number() for _ in range(5)]
    for i, customer in enumerate(customers):
        make_sms(rc.db_path, extension, other_number=customer, text="Hi", created_ts=day + i)
        contact_make(account_id=account_of(bob), name=f"Customer {i}", numbers=[customer])
    url = reverse("inbox:conversations", args=[extension])

    with CaptureQueriesContext(connection) as queries:
        page = bob_client.get(url, window).content.decode()

    assert sorted(party_of_rows(page)) == [f"Customer {i}" for i in range(5)]
    lookups = [q["sql"] for q in queries.captured_queries if "inbox_contactnumber" in q["sql"]]
    assert len(lookups) == 1


def test_the_views_show_the_contacts_name(bob_client: Client, bob: User) -> None:
    box = mailbox_of(bob)
    index_ready(box)
    indexed(box, parties=[{"number": "+16505550177", "name": "RC NAME"}])
    indexed(box, parties=[{"number": "+16505550178", "name": "Omar from RingCentral"}])
    contact_make(account_id=account_of(bob), name="Fatima Rossi", numbers=["+16505550177"])

    page = bob_client.get(
        reverse("inbox:ownership_view", args=[box.extension_id, "open"])
    ).content.decode()

    assert "Fatima Rossi" in page and "RC NAME" not in page
    assert "Omar from RingCentral" in page


def test_party_labels_prefer_the_contacts_name() -> None:
    parties = [{"number": "+16505550177", "name": "RC"}, {"number": "+16505550178", "name": ""}]

    assert party_label_of(parties) == "RC, (650) 555-0178"
    assert party_label_of(parties, {"+16505550178": "Omar"}) == "RC, Omar"
    assert party_label_of(parties, {"+16505550177": "Fatima"}) == "Fatima, (650) 555-0178"


def test_a_name_of_another_account_is_not_shown(
    bob_client: Client, bob: User, conversation: Conversation
) -> None:
    contact_make(account_id=account_of(bob) + 1, name="Elsewhere", numbers=[conversation.customer])

    page = bob_client.get(conversation.url).content.decode()

    assert "Elsewhere" not in page and "Add to contacts" in page
