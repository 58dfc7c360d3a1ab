"""`ringcentral_client_for` and `ringcentral_call`: tokens refreshed ahead of expiry, sessions
that end, and the "Reconnect to RingCentral" page people see then."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.errors import ReconnectRequired
from accounts.models import RingCentralCredential, User
from accounts.services import rate_budget as real_rate_budget  # before the tests patch it
from accounts.tasks import rc_verify_connection
from accounts.tokens import token_decrypt
from rcapi import LocalRateBudget, RedisRateBudget, Unavailable
from tests.accounts.support import (
    PROFILE,
    extension_answer,
    operation_count,
    sign_in,
    start_sign_in,
)
from tests.support.emulator import RunningEmulator

pytestmark = pytest.mark.django_db


def expire_soon(user: User, seconds: float) -> None:
    RingCentralCredential.objects.filter(user=user).update(
        access_expires_at=timezone.now() + timedelta(seconds=seconds)
    )


def revoke_sessions(running: RunningEmulator, which: str) -> None:
    response = requests.post(
        f"{running.url}/_emulator/revoke",
        json={"extensionId": running.user(which)["extension_id"]},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def set_faults(running: RunningEmulator, **plan: object) -> None:
    response = requests.put(f"{running.url}/_emulator/faults", json=plan, timeout=10)
    assert response.status_code == 200, response.text


def test_it_uses_a_fresh_token_as_it_is(client: Client, rc) -> None:
    user = sign_in(client, rc, "agent")
    before = operation_count(rc, "getToken")

    with services.ringcentral_client_for(user) as ringcentral:
        extension = ringcentral.get_extension()

    assert extension.id == user.rc_extension_id
    assert ringcentral.budget_key == f"ext:{user.rc_extension_id}"
    assert operation_count(rc, "getToken") == before


def test_it_refreshes_a_token_that_is_about_to_expire(client: Client, rc) -> None:
    user = sign_in(client, rc, "agent")
    old_access = token_decrypt(user.rc_credential.access_token_encrypted)
    old_refresh = token_decrypt(user.rc_credential.refresh_token_encrypted)
    expire_soon(user, 90)
    before = operation_count(rc, "getToken")

    with services.ringcentral_client_for(user) as ringcentral:
        extension = ringcentral.get_extension()

    credential = RingCentralCredential.objects.get(user=user)
    assert extension.id == user.rc_extension_id
    assert operation_count(rc, "getToken") == before + 1
    assert token_decrypt(credential.access_token_encrypted) != old_access
    assert token_decrypt(credential.refresh_token_encrypted) != old_refresh
    assert credential.access_expires_at is not None
    assert credential.access_expires_at > timezone.now() + timedelta(minutes=50)
    assert credential.access_lifetime == pytest.approx(3600, abs=2)
    assert extension_answer(rc, old_access) == 401  # the platform ended the old token


def test_it_refreshes_short_lived_tokens_at_half_their_life(
    client: Client, settings, emulator_factory
) -> None:
    running = emulator_factory("--access-token-ttl", "60")
    settings.RINGCENTRAL_SERVER_URL = settings.RINGCENTRAL_AUTHORIZE_URL = running.url
    user = sign_in(client, running, "agent")
    signed_in = operation_count(running, "getToken")

    services.ringcentral_client_for(user).close()
    expire_soon(user, 25)
    services.ringcentral_client_for(user).close()

    assert user.rc_credential.access_lifetime == pytest.approx(60, abs=2)
    assert operation_count(running, "getToken") == signed_in + 1


def test_it_asks_to_reconnect_when_the_refresh_is_refused(client: Client, rc_fresh) -> None:
    user = sign_in(client, rc_fresh, "agent")
    expire_soon(user, 30)
    revoke_sessions(rc_fresh, "agent")

    with pytest.raises(ReconnectRequired, match="Reconnect to RingCentral"):
        services.ringcentral_client_for(user)
    calls = operation_count(rc_fresh, "getToken")
    with pytest.raises(ReconnectRequired):
        services.ringcentral_client_for(user)

    credential = RingCentralCredential.objects.get(user=user)
    assert credential.status == RingCentralCredential.Status.RECONNECT
    assert credential.status_reason == services.SESSION_ENDED
    assert operation_count(rc_fresh, "getToken") == calls  # not asked again


def test_it_asks_to_reconnect_when_a_call_finds_the_session_revoked(
    client: Client, rc_fresh
) -> None:
    user = sign_in(client, rc_fresh, "agent")
    revoke_sessions(rc_fresh, "agent")

    with pytest.raises(ReconnectRequired):
        services.ringcentral_call(user, lambda ringcentral: ringcentral.get_extension())

    assert RingCentralCredential.objects.get(user=user).status == "reconnect"


def test_it_carries_on_with_a_valid_token_while_refreshing_fails(client: Client, rc_fresh) -> None:
    user = sign_in(client, rc_fresh, "agent")
    token = token_decrypt(user.rc_credential.access_token_encrypted)
    expire_soon(user, 60)
    set_faults(rc_fresh, error_rate=1.0)

    ringcentral = services.ringcentral_client_for(user)
    set_faults(rc_fresh)

    with ringcentral:
        assert ringcentral.get_extension().id == user.rc_extension_id
    credential = RingCentralCredential.objects.get(user=user)
    assert token_decrypt(credential.access_token_encrypted) == token
    assert credential.status == "connected"


def test_it_reports_a_transient_failure_when_an_expired_token_cannot_be_refreshed(
    client: Client, rc_fresh
) -> None:
    user = sign_in(client, rc_fresh, "agent")
    expire_soon(user, -5)
    set_faults(rc_fresh, error_rate=1.0)

    with pytest.raises(Unavailable):
        services.ringcentral_client_for(user)

    assert RingCentralCredential.objects.get(user=user).status == "connected"


def test_it_does_not_refresh_a_refused_token_that_was_already_replaced(client: Client, rc) -> None:
    user = sign_in(client, rc, "agent")
    stored = token_decrypt(user.rc_credential.access_token_encrypted)
    before = operation_count(rc, "getToken")

    token = services._access_token_for(user, refused="a-token-another-process-replaced")

    assert token == stored
    assert operation_count(rc, "getToken") == before


def test_it_asks_people_without_a_connection_to_sign_in(django_user_model) -> None:
    user = django_user_model.objects.create_user(username="local", rc_extension_id=5)

    with pytest.raises(ReconnectRequired, match="not connected to your RingCentral account"):
        services.ringcentral_client_for(user)


def test_it_shows_the_reconnect_prompt_after_the_session_is_revoked(
    client: Client, rc_fresh
) -> None:
    sign_in(client, rc_fresh, "agent")
    revoke_sessions(rc_fresh, "agent")

    response = client.get(PROFILE)

    page = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="reconnect-title">Reconnect to RingCentral</h1>' in page
    assert "Your RingCentral session has ended" in page
    assert '<button type="submit" class="button">Reconnect to RingCentral</button>' in page
    assert f'<input type="hidden" name="next" value="{PROFILE}">' in page
    assert "Traceback" not in page


def test_it_keeps_showing_the_prompt_without_asking_ringcentral_again(
    client: Client, rc_fresh
) -> None:
    sign_in(client, rc_fresh, "agent")
    revoke_sessions(rc_fresh, "agent")
    client.get(PROFILE)
    total = rc_fresh.request_counts()["total"]

    response = client.get(PROFILE)

    assert response.status_code == 200
    assert "Reconnect to RingCentral" in response.content.decode()
    assert rc_fresh.request_counts()["total"] == total


def test_it_reconnects_with_the_prompts_button(client: Client, rc_fresh) -> None:
    user = sign_in(client, rc_fresh, "agent")
    revoke_sessions(rc_fresh, "agent")
    assert "Reconnect to RingCentral" in client.get(PROFILE).content.decode()

    # the button submits the prompt's form: GET /accounts/login/?next=/accounts/profile/
    start_sign_in(client, PROFILE)
    again = sign_in(client, rc_fresh, "agent")
    page = client.get(PROFILE).content.decode()

    assert again.pk == user.pk
    assert RingCentralCredential.objects.get(user=user).status == "connected"
    assert "You are signed in" in page


def test_it_checks_the_connection_at_most_once_a_minute(client: Client, rc) -> None:
    user = sign_in(client, rc, "agent")
    before = operation_count(rc, "readExtension")

    first = client.get(PROFILE)
    second = client.get(PROFILE)

    assert first.status_code == second.status_code == 200
    assert operation_count(rc, "readExtension") == before + 1
    assert RingCentralCredential.objects.get(user=user).verified_at is not None


def test_it_shows_the_signed_in_page_when_ringcentral_cannot_be_reached(
    client: Client, rc_fresh
) -> None:
    sign_in(client, rc_fresh, "agent")
    set_faults(rc_fresh, error_rate=1.0)

    response = client.get(PROFILE)

    page = response.content.decode()
    assert response.status_code == 200
    assert "You are signed in" in page
    assert "RingCentral could not be reached just now" in page


def test_it_verifies_a_connection_in_a_task(client: Client, rc) -> None:
    user = sign_in(client, rc, "agent")

    rc_verify_connection(user.pk)

    assert RingCentralCredential.objects.get(user=user).verified_at is not None


def test_it_marks_the_connection_in_a_task_when_the_session_ended(client: Client, rc_fresh) -> None:
    user = sign_in(client, rc_fresh, "agent")
    revoke_sessions(rc_fresh, "agent")

    rc_verify_connection(user.pk)

    assert RingCentralCredential.objects.get(user=user).status == "reconnect"


def test_it_shares_one_rate_budget_per_process_in_memory_or_redis(settings) -> None:
    settings.REDIS_URL = ""
    local = real_rate_budget()
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    shared = real_rate_budget()

    assert isinstance(local, LocalRateBudget)
    assert isinstance(shared, RedisRateBudget)
    assert real_rate_budget() is shared


def test_it_notices_a_revoked_session_once_the_last_check_is_a_minute_old(
    client: Client, rc_fresh
) -> None:
    user = sign_in(client, rc_fresh, "agent")
    assert "You are signed in" in client.get(PROFILE).content.decode()
    revoke_sessions(rc_fresh, "agent")

    within_the_minute = client.get(PROFILE).content.decode()
    RingCentralCredential.objects.filter(user=user).update(
        verified_at=timezone.now() - services.VERIFY_EVERY
    )
    after_it = client.get(PROFILE).content.decode()

    assert "You are signed in" in within_the_minute
    assert "Reconnect to RingCentral" in after_it


def test_it_queues_the_verification_task_with_the_ringcentral_tasks() -> None:
    from config import celery_app

    route = celery_app.amqp.router.route({}, "accounts.tasks.rc_verify_connection")

    assert route["queue"].name == "ringcentral"


def test_it_lets_the_verification_task_of_a_deleted_user_end_quietly() -> None:
    rc_verify_connection(987654321)
