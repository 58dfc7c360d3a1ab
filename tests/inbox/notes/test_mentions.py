"""Who an `@word` in a note mentions: only members of the mailbox, by first name, first.last
or user name, whatever the case; anything else stays text."""

from __future__ import annotations

from accounts.models import User
from inbox.notes.presenters import Segment, mention_handle, mentioned, segments

SAM = User(pk=1, username="rc-1-102", first_name="Sam", last_name="Rivera")
ALEX = User(pk=2, username="rc-1-101", first_name="Alex", last_name="Morgan")
SAM_2 = User(pk=3, username="rc-1-104", first_name="Sam", last_name="Okafor")
MEMBERS = [SAM, ALEX]


def test_it_mentions_a_member_by_first_name_whatever_the_case() -> None:
    assert mentioned("@sam can you call them back?", MEMBERS) == [SAM]
    assert mentioned("Thanks @ALEX", MEMBERS) == [ALEX]


def test_it_mentions_by_first_dot_last_and_by_user_name() -> None:
    assert mentioned("@sam.rivera and @rc-1-101", MEMBERS) == [SAM, ALEX]


def test_punctuation_after_a_name_ends_it() -> None:
    assert mentioned("Over to you, @Sam. Or @Alex, if he is out!", MEMBERS) == [SAM, ALEX]


def test_each_member_is_mentioned_once_in_the_order_named() -> None:
    assert mentioned("@Alex @Sam @alex @sam.rivera", MEMBERS) == [ALEX, SAM]


def test_only_members_can_be_mentioned() -> None:
    assert mentioned("@Riley please look", MEMBERS) == []
    assert mentioned("@Riley please look", [*MEMBERS, User(pk=4, username="r", first_name="Riley")])


def test_unknown_words_and_addresses_stay_text() -> None:
    assert mentioned("mail sam@example.com or @nobody, @ Sam, @@Sam", MEMBERS) == []
    parts = segments("mail sam@example.com, @nobody", MEMBERS)
    assert parts == (Segment("mail sam@example.com, @nobody"),)


def test_a_first_name_two_members_share_mentions_neither_but_first_dot_last_does() -> None:
    members = [*MEMBERS, SAM_2]
    assert mentioned("@Sam", members) == []
    assert mentioned("@sam.okafor", members) == [SAM_2]
    assert mention_handle(SAM_2, members) == "Sam.Okafor"
    assert mention_handle(ALEX, members) == "Alex"


def test_the_text_is_cut_around_mentions_and_nothing_is_lost() -> None:
    text = "Hi @Sam, <b>call</b> @nobody\nand @alex."
    parts = segments(text, MEMBERS)
    assert "".join(part.text for part in parts) == text
    assert [(p.text, p.person) for p in parts if p.person] == [
        ("@Sam", "Sam Rivera"),
        ("@alex", "Alex Morgan"),
    ]
