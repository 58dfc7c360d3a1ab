"""The live inbox's HTTP side: RingCentral's webhook, the change counter open pages poll while
their event stream is down (inbox.live.stream pushes it otherwise), and the operations page
for admins.

The webhook answers at once: it checks the token, records the event and enqueues a sync;
nothing in it calls RingCentral. The counter reads the cache (the database on a miss), never
RingCentral.
"""

from __future__ import annotations

import json
import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.errors import ReconnectRequired
from accounts.models import User
from inbox.conversations import selectors
from inbox.history.selectors import history_progress
from inbox.live.selectors import live_counter_get, ops_report_for_user, subscription_for_hook
from inbox.live.subscriptions import token_matches
from inbox.live.sync import mailbox_event_record, mailbox_viewed
from inbox.models import MailboxSubscription
from inbox.ringcentral import InboxError

MAX_NOTIFICATION_BYTES = 256 * 1024  # an instant SMS with its attachments' metadata fits


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@csrf_exempt  # RingCentral cannot hold a CSRF token; the verification token stands in for it
@require_POST
def webhook(request: HttpRequest, hook_id: uuid.UUID) -> HttpResponse:
    """RingCentral's deliveries for one subscription (REFERENCE §16.5).

    The creation handshake (an empty POST with `Validation-Token`) gets the header back.
    A notification must carry the subscription's verification token, as `Verification-Token`
    or, as RingCentral's newer guide names it, `Validation-Token`; anything else is refused
    with 403 and changes nothing."""
    subscription = subscription_for_hook(hook_id=hook_id)
    if subscription is None:
        raise Http404("No such webhook.")
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > MAX_NOTIFICATION_BYTES:
        return HttpResponse(status=413)
    body = request.body
    validation = request.headers.get("Validation-Token", "")
    if not body.strip() and validation:
        response = HttpResponse(status=200)
        response["Validation-Token"] = validation[:200]
        return response
    token = request.headers.get("Verification-Token") or validation
    if not token or not token_matches(subscription=subscription, token=token):
        return HttpResponse(status=403)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(status=400)
    if not isinstance(payload, dict):
        return HttpResponse(status=400)
    named = str(payload.get("subscriptionId") or "")
    if subscription.rc_subscription_id and named and named != subscription.rc_subscription_id:
        return HttpResponse(status=403)
    if subscription.status in (
        MailboxSubscription.Status.CREATING,
        MailboxSubscription.Status.ACTIVE,
    ):
        mailbox_event_record(subscription=subscription)
    return HttpResponse(status=200)


@require_GET
@login_required
@never_cache
def live_state(request: HttpRequest, extension_id: int) -> JsonResponse:
    """`{"counter": n}`: the mailbox's change counter. Pages poll it every 2 s while their
    event stream is down, and fetch
    themselves again when it moves."""
    user = _user(request)
    try:
        mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    except ReconnectRequired as exc:
        return JsonResponse({"code": "reconnect", "message": str(exc)}, status=401)
    except InboxError as exc:
        return JsonResponse({"code": exc.code, "message": exc.message}, status=exc.status)
    mailbox_viewed(account_id=mailbox.account_id, extension_id=mailbox.extension_id)
    counter = live_counter_get(account_id=mailbox.account_id, extension_id=mailbox.extension_id)
    return JsonResponse({"counter": counter})


@require_GET
@login_required
@never_cache
def ops(request: HttpRequest) -> HttpResponse:
    """How the live inbox is doing, per mailbox of the admin's account, with each mailbox's
    rate budget read from the budget itself and the back-fill of its history (no RingCentral
    call). Agents get a 404."""
    user = _user(request)
    report = ops_report_for_user(user=user)
    assert user.rc_account_id is not None  # the report is an admin's of their account
    history = history_progress(
        account_id=user.rc_account_id,
        mailboxes=[(b.extension_id, b.name, b.extension_number) for b in report.mailboxes],
    )
    return render(request, "inbox/live/ops.html", {"report": report, "history": history})
