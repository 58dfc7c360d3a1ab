"""Presence's endpoints, all under a thread's address: the page's heartbeat and its poll of
who else is there (`thread_presence`), its goodbye (`thread_presence_leave`), and the
composer's question before it sends (`thread_replies_since`).

Each takes the mailbox and the conversation from the URL and checks access as the thread's
page does (a stranger gets a 404); each answers JSON. Nothing here calls RingCentral.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.errors import ReconnectRequired
from inbox.presence.selectors import presence_account_for_user, presence_for_thread, reply_since_get
from inbox.presence.services import presence_leave, presence_mark
from inbox.presence.store import KINDS
from inbox.ringcentral import InboxError
from inbox.web import signed_in_user

# a composer open longer than this is asked about replies of the last day only
LONGEST_TYPING_MS = 24 * 3600 * 1000


def _account_or_error(request: HttpRequest, extension_id: int) -> int | JsonResponse:
    try:
        return presence_account_for_user(user=signed_in_user(request), extension_id=extension_id)
    except ReconnectRequired as exc:
        return JsonResponse({"code": "reconnect", "message": str(exc)}, status=401)
    except InboxError as exc:
        return JsonResponse({"code": exc.code, "message": exc.message}, status=exc.status)


def _refused(message: str) -> JsonResponse:
    return JsonResponse({"code": "invalid", "message": message}, status=400)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def thread_presence(request: HttpRequest, extension_id: int, conversation_id: int) -> JsonResponse:
    """GET: who else is in the thread (`{"viewing": [...], "typing": [...], "text": ...}`).
    POST `kind=viewing|typing`: the person is there (the page's heartbeat) or typing."""
    account_id = _account_or_error(request, extension_id)
    if isinstance(account_id, JsonResponse):
        return account_id
    user = signed_in_user(request)
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in KINDS:
            return _refused('Say what the person is doing: kind is "viewing" or "typing".')
        presence_mark(
            account_id=account_id,
            extension_id=extension_id,
            conversation_id=conversation_id,
            user=user,
            kind=kind,
        )
    found = presence_for_thread(
        account_id=account_id,
        extension_id=extension_id,
        conversation_id=conversation_id,
        viewer=user,
    )
    return JsonResponse(
        {"viewing": list(found.viewing), "typing": list(found.typing), "text": found.text}
    )


@require_POST
@login_required
def thread_presence_leave(
    request: HttpRequest, extension_id: int, conversation_id: int
) -> JsonResponse:
    """The page closed the thread (another thread, another page, the tab hidden)."""
    account_id = _account_or_error(request, extension_id)
    if isinstance(account_id, JsonResponse):
        return account_id
    presence_leave(
        account_id=account_id,
        extension_id=extension_id,
        conversation_id=conversation_id,
        user=signed_in_user(request),
    )
    return JsonResponse({"left": True})


@require_GET
@login_required
@never_cache
def thread_replies_since(
    request: HttpRequest, extension_id: int, conversation_id: int
) -> JsonResponse:
    """`?typing_for=<ms>`: the newest reply someone else sent in the conversation since the
    person started typing that many milliseconds ago (`{"reply": null}` when there is none).
    The page sends how long ago, not when, so its clock and the server's need not agree."""
    account_id = _account_or_error(request, extension_id)
    if isinstance(account_id, JsonResponse):
        return account_id
    try:
        typing_for = int(request.GET.get("typing_for", ""))
    except ValueError:
        return _refused("Say how long ago typing started: typing_for, in milliseconds.")
    if not 0 <= typing_for <= LONGEST_TYPING_MS:
        return _refused("typing_for is between 0 and 86400000 milliseconds (a day).")
    now = timezone.now()
    reply = reply_since_get(
        user=signed_in_user(request),
        account_id=account_id,
        extension_id=extension_id,
        conversation_id=conversation_id,
        since=now - timedelta(milliseconds=typing_for),
    )
    if reply is None:
        return JsonResponse({"reply": None})
    return JsonResponse(
        {
            "reply": {
                "name": reply.name,
                "seconds_ago": reply.seconds_ago(now),
                "question": reply.question(now),
            }
        }
    )
