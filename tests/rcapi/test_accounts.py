"""Who is signed in, the account's extensions, and the numbers a user may send from."""

from __future__ import annotations

import pytest

from rcapi import Rejected
from tests.rcapi.support import client_for


def test_it_reads_the_signed_in_user(emulator):
    admin = emulator.user("admin")
    with client_for(emulator, "admin") as client:
        me = client.get_extension()
    assert me.id == admin["extension_id"]
    assert me.extension_number == admin["extension_number"]
    assert me.is_admin is True
    assert isinstance(me.account_id, int)
    assert me.status == "Enabled" and me.type == "User"


def test_it_lets_an_admin_read_another_extension(emulator):
    agent = emulator.user("agent")
    with client_for(emulator, "admin") as client:
        other = client.get_extension(extension_id=agent["extension_id"])
    assert (other.id, other.is_admin) == (agent["extension_id"], False)


def test_it_refuses_an_agent_reading_another_extension(emulator):
    admin = emulator.user("admin")
    with client_for(emulator, "agent") as client, pytest.raises(Rejected) as refused:
        client.list_phone_numbers(extension_id=admin["extension_id"])
    assert (refused.value.status, refused.value.error_code) == (403, "CMN-419")


def test_it_rejects_an_unknown_extension(emulator):
    with client_for(emulator, "admin") as client, pytest.raises(Rejected) as refused:
        client.get_extension(extension_id=1)
    assert (refused.value.status, refused.value.error_code) == (404, "CMN-102")
    assert refused.value.parameter_name == "extensionId"


def test_it_lists_the_accounts_extensions(emulator):
    with client_for(emulator, "agent") as client:
        page = client.list_extensions()
    numbers = [extension.extension_number or "" for extension in page.records]
    assert numbers == sorted(numbers)
    assert {u["extension_number"] for u in emulator.credentials["users"]} <= set(numbers)
    assert page.has_next is False


def test_it_lists_the_numbers_a_user_may_send_from(emulator):
    admin = emulator.user("admin")
    with client_for(emulator, "admin") as client:
        numbers = client.list_phone_numbers()
    senders = [n.phone_number for n in numbers if n.can_send_sms]
    assert senders == admin["sms_numbers"]
    assert all(isinstance(n.id, int) for n in numbers)
    mms = [n.phone_number for n in numbers if n.can_send_mms]
    assert mms == admin["sms_numbers"][:1]  # the toll-free number cannot send MMS
