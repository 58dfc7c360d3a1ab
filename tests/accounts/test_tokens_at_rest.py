"""Tokens are encrypted at rest with the configured keys, can be re-encrypted with a new key,
and appear in plain text nowhere: not in any table, not in any log, not in any page."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts import services
from accounts.errors import ReconnectRequired
from accounts.models import RingCentralCredential
from accounts.tokens import TokenDecryptionError, token_decrypt, token_encrypt
from tests.accounts.support import PROFILE, issued_tokens, sign_in

pytestmark = pytest.mark.django_db

QUIET_LOGGERS = ("requests_oauthlib", "oauthlib", "urllib3", "django")


def every_stored_text() -> list[str]:
    """Every value of every column of every table, read with raw SQL, as text."""
    texts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        texts.append(bytes(value).decode("utf-8", "replace"))
                    elif value is not None:
                        texts.append(str(value))
    return texts


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture):
    """caplog at DEBUG for every logger, including those that do not propagate (django)
    and those the settings quieten (requests_oauthlib, oauthlib, urllib3)."""
    caplog.set_level(logging.DEBUG)
    for name in QUIET_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    django_logger = logging.getLogger("django")
    django_logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        django_logger.removeHandler(caplog.handler)


def test_it_keeps_no_token_in_plain_text_in_the_database_logs_or_pages(
    client: Client, rc_fresh, all_logs: pytest.LogCaptureFixture
) -> None:
    user = sign_in(client, rc_fresh, "admin")
    page = client.get(PROFILE).content.decode()
    RingCentralCredential.objects.filter(user=user).update(access_expires_at=None)
    services.ringcentral_client_for(user).close()  # a refresh: a second pair of tokens
    tokens = issued_tokens(rc_fresh)

    stored = "\n".join(every_stored_text())
    logged = "\n".join(
        [all_logs.text]
        + [record.getMessage() for record in all_logs.records]
        + [repr(record.args) for record in all_logs.records]
    )

    assert len(tokens) == 4  # two access and two refresh tokens, all of this user
    assert any(record.name == "accounts.services" for record in all_logs.records)
    assert any(record.name.startswith("urllib3") for record in all_logs.records)
    for token in tokens:
        assert token not in stored
        assert token not in logged
        assert token not in page
    credential = RingCentralCredential.objects.get(user=user)
    assert token_decrypt(credential.access_token_encrypted) in tokens
    assert token_decrypt(credential.refresh_token_encrypted) in tokens


def test_it_encrypts_with_the_first_key_and_decrypts_with_any(settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old]
    sealed_with_old = token_encrypt("a-token")

    settings.TOKEN_ENCRYPTION_KEYS = [new, old]
    sealed_with_new = token_encrypt("a-token")

    assert token_decrypt(sealed_with_old) == token_decrypt(sealed_with_new) == "a-token"
    assert Fernet(new.encode()).decrypt(sealed_with_new.encode()) == b"a-token"
    settings.TOKEN_ENCRYPTION_KEYS = [new]
    with pytest.raises(TokenDecryptionError) as failure:
        token_decrypt(sealed_with_old)
    assert "a-token" not in str(failure.value)


def test_it_re_encrypts_every_credential_with_the_newest_key(client: Client, rc, settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old]
    user = sign_in(client, rc, "agent")
    before = RingCentralCredential.objects.get(user=user)
    access = token_decrypt(before.access_token_encrypted)
    refresh = token_decrypt(before.refresh_token_encrypted)
    settings.TOKEN_ENCRYPTION_KEYS = [new, old]

    output = StringIO()
    call_command("rotate_token_keys", stdout=output)
    settings.TOKEN_ENCRYPTION_KEYS = [new]

    after = RingCentralCredential.objects.get(user=user)
    assert "Encrypted the tokens of 1 RingCentral credential(s) again" in output.getvalue()
    assert after.access_token_encrypted != before.access_token_encrypted
    assert token_decrypt(after.access_token_encrypted) == access
    assert token_decrypt(after.refresh_token_encrypted) == refresh
    with services.ringcentral_client_for(user) as ringcentral:
        assert ringcentral.get_extension().id == user.rc_extension_id


def test_it_asks_to_reconnect_when_no_key_opens_the_stored_tokens(
    client: Client, rc, settings
) -> None:
    user = sign_in(client, rc, "agent")
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(ReconnectRequired, match="encryption keys changed"):
        services.ringcentral_client_for(user)

    assert RingCentralCredential.objects.get(user=user).status == "reconnect"
