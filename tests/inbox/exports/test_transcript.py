"""The printable transcript: who the conversation is with and in which mailbox, every Alive
message oldest first with its sender, time, text and attachments, customer text escaped; a
print button run by a script of the site's own (no inline code); and, while the mailbox's
older history is still being indexed and the thread is not known whole, a notice saying from
when on it holds the messages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import IndexedConversation, MailboxSync
from tests.inbox.contacts.support import account_of, contact_make
from tests.inbox.exports.support import index_fill, mailbox_of, with_fields
from tests.inbox.index.support import CUSTOMER, OWN, at, conversation_of, fax, sms

CONVERSATION = conversation_of(OWN, CUSTOMER)
NOTICE = "are not in this transcript yet: the mailbox's older history is still being indexed."


def transcript_of(client: Client, user: User, conversation_id: int = CONVERSATION) -> str:
    url = reverse("inbox:conversation_transcript", args=[user.rc_extension_id, conversation_id])
    response = client.get(url)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    return response.content.decode()


def texts_in_order(page: str) -> list[str]:
    return re.findall(r'<p class="transcript-text">(.*?)</p>', page, re.S)


def test_it_shows_the_conversation_with_every_message_escaped(
    bob_client: Client, bob: User
) -> None:
    contact_make(account_id=account_of(bob), name="Fatima Rossi", numbers=[CUSTOMER])
    index_fill(
        bob,
        [
            sms(direction="Inbound", text="<script>alert('hi')</script> & more", created=at(1)),
            sms(direction="Outbound", text="We never run that.", created=at(2), pictures=1),
            with_fields(
                sms(direction="Outbound", text="Are you there?", created=at(3)),
                messageStatus="DeliveryFailed",
                deliveryErrorCode="SMS-UP-410",
            ),
            sms(direction="Inbound", text="Deleted words", created=at(4), availability="Deleted"),
        ],
    )

    page = transcript_of(bob_client, bob)

    assert '<h1 id="transcript-title">Transcript: Fatima Rossi</h1>' in page
    assert "Fatima Rossi, (415) 555-0142" in page
    assert bob.get_full_name() in page  # the mailbox's label
    assert "<script>alert" not in page
    assert texts_in_order(page) == [
        "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt; &amp; more",
        "We never run that.",
        "Are you there?",
    ]
    assert "Deleted words" not in page
    assert "attachment-2 (image/png)" in page
    assert "Failed: the number cannot receive text messages" in page
    assert re.search(r"<h2 [^>]*>Fatima Rossi <span[^>]*>\(415\) 555-0142</span></h2>", page)
    assert '<time datetime="2026-01-01T00:01:00+00:00">Jan 1, 2026, 12:01 a.m.</time>' in page
    # printing: the button (shown by the site's own script), the print stylesheet
    assert re.search(r'<button type="button" class="button" data-transcript-print hidden>', page)
    assert "Print or save as PDF" in page
    assert re.search(r'<script src="/static/js/transcript[.\w]*js" defer></script>', page)
    assert re.search(r'<link rel="stylesheet" href="/static/css/transcript[.\w]*css">', page)
    assert NOTICE not in page


def test_a_fax_has_a_transcript_of_its_own(bob_client: Client, bob: User) -> None:
    document = fax(pages=3, created=at(5))
    index_fill(bob, [document])
    url = reverse("inbox:message_transcript", args=[bob.rc_extension_id, document.id])

    page = bob_client.get(url).content.decode()

    assert "Fax received" in page
    assert "attachment-1 (application/pdf, 3 pages)" in page
    assert NOTICE not in page  # one message: indexed, it is whole


def history(user: User, **fields: object) -> None:
    account_id, extension_id = mailbox_of(user)
    MailboxSync.objects.filter(account_id=account_id, extension_id=extension_id).update(**fields)


def test_while_older_history_is_indexed_it_says_from_when_it_holds_the_thread(
    bob_client: Client, bob: User
) -> None:
    index_fill(bob, [sms(text="Hello again", created=at(1))])
    window = datetime(2025, 11, 1, tzinfo=UTC)
    history(bob, index_window_start=window, history_start=datetime(2025, 9, 14, tzinfo=UTC))

    page = transcript_of(bob_client, bob)
    assert (
        f'Messages before <time datetime="2025-09-14T00:00:00+00:00">Sep 14, 2025</time> {NOTICE}'
        in page
    )

    history(bob, history_start=None)
    assert "Nov 1, 2025</time> " + NOTICE in transcript_of(bob_client, bob)

    IndexedConversation.objects.filter(thread_id=CONVERSATION).update(whole=True)
    assert NOTICE not in transcript_of(bob_client, bob)

    IndexedConversation.objects.filter(thread_id=CONVERSATION).update(whole=False)
    history(bob, history_done_at=datetime(2025, 12, 1, tzinfo=UTC))
    assert NOTICE not in transcript_of(bob_client, bob)
