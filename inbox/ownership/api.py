"""Ownership's JSON API: the views with their counts and their conversations (across the
mailboxes one works, or of one mailbox), a thread's owner, status and events, and the changes
(assign, close, reopen, snooze, wake) to one or many threads of a mailbox.

Mailboxes are reached through `mailbox_get_for_user`: a stranger's is a 404. Ids are strings
in answers, and numbers or their digits in bodies. No request here calls RingCentral.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from inbox.api.auth import api_user
from inbox.api.fields import ID_DIGITS, JsonIdField
from inbox.conversations.api import MailboxSerializer, mailbox_data
from inbox.conversations.queries import (
    DIRECTION_CHOICES,
    MAX_PAGE,
    READ_CHOICES,
    TYPE_CHOICES,
)
from inbox.conversations.selectors import Mailbox, mailbox_get_for_user
from inbox.ownership import selectors, services
from inbox.ownership.presenters import (
    THREAD_KINDS,
    VIEWS,
    ThreadKey,
    event_sentence,
    person_label,
    status_label,
)
from inbox.path_ids import INT64_MAX

TAG = "Ownership"
F = TypeVar("F", bound=Callable[..., Any])
VIEW_NAMES = [name for name, _label in VIEWS]

VIEW_PARAMETER = OpenApiParameter(
    "view",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=VIEW_NAMES,
    description="mine: open and assigned to you; unassigned: open and assigned to nobody "
    "(across mailboxes: in team mailboxes); open; snoozed; done.",
)
KIND_PARAMETER = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(THREAD_KINDS),
    description="conversation (SMS, pager), or message (a fax or voicemail on its own).",
)


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    name = serializers.CharField()


def person_data(user: User | None) -> dict[str, str] | None:
    return None if user is None else {"id": str(user.pk), "name": person_label(user)}


# Choices in answers are plain text with their values in the description: an enum would
# appear in several components, which the schema's enum naming cannot tell apart.
VIEW_HELP = "mine, unassigned, open, snoozed or done."
KIND_HELP = "conversation (SMS, pager), or message (a fax or voicemail on its own)."
STATUS_HELP = "open, snoozed or done."


class ViewCountSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(help_text=VIEW_HELP)
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField(help_text="The conversations in the view.")


@extend_schema_serializer(component_name="OwnershipViews")
class ViewsOutput(serializers.Serializer[Any]):
    views = ViewCountSerializer(many=True)
    syncing = MailboxSerializer(
        many=True,
        help_text="Mailboxes not read yet: their conversations are not in the views yet.",
    )


@extend_schema_serializer(component_name="ViewFilters")
class ViewFilterSerializer(serializers.Serializer[Any]):
    # the forms' "any" choice is the empty value, which the schema allows for every filter
    type = serializers.ChoiceField(choices=[c for c, _ in TYPE_CHOICES if c], required=False)
    direction = serializers.ChoiceField(
        choices=[c for c, _ in DIRECTION_CHOICES if c], required=False
    )
    read = serializers.ChoiceField(choices=[c for c, _ in READ_CHOICES if c], required=False)
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=MAX_PAGE)


class ViewConversationSerializer(serializers.Serializer[Any]):
    extension_id = serializers.CharField(help_text="The mailbox.")
    kind = serializers.CharField(help_text=KIND_HELP)
    id = serializers.CharField(help_text="The conversation's id, or the message's (kind message).")
    other_party = serializers.CharField(help_text="As the customer gave it: escape it.")
    preview = serializers.CharField(allow_blank=True, help_text="The last message: escape it.")
    last_message_at = serializers.DateTimeField(allow_null=True)
    type = serializers.CharField(help_text="The last message's: SMS, Pager, Fax or VoiceMail.")
    direction = serializers.CharField()
    unread_count = serializers.IntegerField(help_text="Received messages nobody has read.")
    status = serializers.CharField(help_text=STATUS_HELP)
    status_label = serializers.CharField()
    snoozed_until = serializers.DateTimeField(allow_null=True)
    assignee = PersonSerializer(allow_null=True)


@extend_schema_serializer(component_name="OwnershipView")
class ViewOutput(serializers.Serializer[Any]):
    view = serializers.CharField(help_text=VIEW_HELP)
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField(help_text="The conversations in the view, on every page.")
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    syncing = MailboxSerializer(many=True)
    conversations = ViewConversationSerializer(many=True)


def _views_data(user: User, scope: selectors.Scope) -> dict[str, Any]:
    return {
        "views": [vars(c) for c in selectors.view_counts(user=user, scope=scope)],
        "syncing": [mailbox_data(m) for m in scope.syncing],
    }


def _view_data(request: Request, scope: selectors.Scope, view: str) -> dict[str, Any]:
    user = api_user(request)
    view = selectors.view_check(view)
    given = ViewFilterSerializer(data=request.query_params)
    given.is_valid(raise_exception=True)
    data = given.validated_data
    filters = selectors.ViewFilters(
        type=data.get("type", ""), direction=data.get("direction", ""), read=data.get("read", "")
    )
    found = selectors.view_page(
        user=user, scope=scope, view=view, filters=filters, page=data["page"]
    )
    return {
        "view": found.view,
        "label": found.label,
        "count": found.count,
        "page": found.page,
        "has_next": found.has_next,
        "syncing": [mailbox_data(m) for m in scope.syncing],
        "conversations": [
            {
                "extension_id": str(row.mailbox.extension_id),
                "kind": row.thread_kind,
                "id": str(row.thread_id),
                "other_party": row.party,
                "preview": row.preview,
                "last_message_at": row.last_message_at,
                "type": row.type,
                "direction": row.direction,
                "unread_count": row.unread_count,
                "status": row.status,
                "status_label": status_label(row.status, row.snoozed_until),
                "snoozed_until": row.snoozed_until,
                "assignee": None
                if row.assignee_id is None
                else {"id": str(row.assignee_id), "name": row.assignee_label},
            }
            for row in found.rows
        ],
    }


class ViewListApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="views_list",
        summary="The views across your mailboxes (your own and your team mailboxes), counted",
        responses={200: ViewsOutput},
    )
    def get(self, request: Request) -> Response:
        user = api_user(request)
        scope = selectors.scope_for_user(user=user)
        return Response(ViewsOutput(_views_data(user, scope)).data)


class ViewReadApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="view_read",
        summary="A view's conversations across your mailboxes",
        parameters=[VIEW_PARAMETER, ViewFilterSerializer],
        responses={200: ViewOutput},
    )
    def get(self, request: Request, view: str) -> Response:
        scope = selectors.scope_for_user(user=api_user(request))
        return Response(ViewOutput(_view_data(request, scope, view)).data)


class MailboxViewListApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="mailbox_views_list",
        summary="The views of a mailbox, counted",
        responses={200: ViewsOutput},
    )
    def get(self, request: Request, extension_id: int) -> Response:
        user = api_user(request)
        mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
        scope = selectors.scope_of_mailbox(mailbox=mailbox)
        return Response(ViewsOutput(_views_data(user, scope)).data)


class MailboxViewReadApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="mailbox_view_read",
        summary="A view's conversations in a mailbox",
        parameters=[VIEW_PARAMETER, ViewFilterSerializer],
        responses={200: ViewOutput},
    )
    def get(self, request: Request, extension_id: int, view: str) -> Response:
        mailbox = mailbox_get_for_user(user=api_user(request), extension_id=extension_id)
        scope = selectors.scope_of_mailbox(mailbox=mailbox)
        return Response(ViewOutput(_view_data(request, scope, view)).data)


# --------------------------------------------------------------------------- one thread


class EventSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    kind = serializers.CharField(
        help_text="assigned, unassigned, closed, reopened, snoozed or woke."
    )
    sentence = serializers.CharField(help_text='What happened, e.g. "Alex assigned this to Sam".')
    actor = PersonSerializer(allow_null=True, help_text="None: the dashboard itself.")
    created_at = serializers.DateTimeField()


class ThreadStateSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text=KIND_HELP)
    id = serializers.CharField()
    status = serializers.CharField(help_text=STATUS_HELP)
    status_label = serializers.CharField()
    snoozed_until = serializers.DateTimeField(allow_null=True)
    assignee = PersonSerializer(allow_null=True)


@extend_schema_serializer(component_name="ThreadOwnership")
class ThreadDetailOutput(ThreadStateSerializer):
    events = EventSerializer(many=True, help_text="Oldest first.")


def _state_data(mailbox: Mailbox, key: ThreadKey) -> dict[str, Any]:
    state = selectors.thread_state(mailbox=mailbox, key=key)
    status = state.status if state else selectors.OPEN.value
    until = state.snoozed_until if state else None
    return {
        "kind": key[0],
        "id": str(key[1]),
        "status": status,
        "status_label": status_label(status, until),
        "snoozed_until": until,
        "assignee": person_data(state.assignee if state else None),
    }


class ThreadOwnershipApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="thread_ownership_read",
        summary="Who owns a conversation, its status, and what happened to them",
        parameters=[KIND_PARAMETER],
        responses={200: ThreadDetailOutput},
    )
    def get(self, request: Request, extension_id: int, kind: str, thread_id: int) -> Response:
        mailbox = mailbox_get_for_user(user=api_user(request), extension_id=extension_id)
        if kind not in THREAD_KINDS:
            raise Http404("No such conversation.")
        key = (kind, thread_id)
        data = _state_data(mailbox, key)
        data["events"] = [
            {
                "id": str(event.pk),
                "kind": event.kind,
                "sentence": event_sentence(event),
                "actor": None
                if event.actor_id is None
                else {"id": str(event.actor_id), "name": event.actor_label},
                "created_at": event.created_at,
            }
            for event in selectors.thread_events(mailbox=mailbox, key=key)
        ]
        return Response(ThreadDetailOutput(data).data)


# --------------------------------------------------------------------------- changes


class ThreadIdField(JsonIdField):
    """A thread's id. Its digits may run past the largest id (the schema cannot bound a
    text's number): such an id names no thread, and is a 404 as it is in an address."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and ID_DIGITS.fullmatch(data) and int(data) > INT64_MAX:
            raise NotFound()
        return super().to_internal_value(data)


class ThreadKeySerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=list(THREAD_KINDS), help_text=KIND_HELP)
    id = ThreadIdField(help_text="The conversation's id, or the message's (kind message).")


class ThreadsInput(serializers.Serializer[Any]):
    threads = serializers.ListField(
        child=ThreadKeySerializer(),
        min_length=1,
        max_length=services.MANY_MAX,
        help_text=f"The conversations to change, 1 to {services.MANY_MAX}.",
    )


class AssignInput(ThreadsInput):
    assignee_id = JsonIdField(
        allow_null=True,
        help_text="Someone who can open the mailbox (a team mailbox's members, the admins; "
        "one's own mailbox: oneself), or null for nobody.",
    )


class SnoozeInput(ThreadsInput):
    until = serializers.DateTimeField(help_text="When it wakes: a time in the future.")


class ChangeOutput(serializers.Serializer[Any]):
    changed = serializers.IntegerField(help_text="Conversations whose state changed.")
    message = serializers.CharField(help_text="What happened, as a sentence.")
    threads = ThreadStateSerializer(many=True, help_text="Each conversation as it is now.")


THREADS_EXAMPLE = [{"kind": "conversation", "id": "1234567890"}]


# Each change takes JSON only (a form's values are all text). (A comment, not a docstring:
# drf-spectacular would show a docstring as each operation's description.)
class ChangeApi(APIView):
    parser_classes = (JSONParser,)
    input_serializer: type[ThreadsInput] = ThreadsInput
    action = ""

    def change_of(self, data: dict[str, Any]) -> services.Change:
        return services.Change(self.action)

    def post(self, request: Request, extension_id: int) -> Response:
        user = api_user(request)
        mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
        given = self.input_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        keys: list[ThreadKey] = list(
            dict.fromkeys((t["kind"], t["id"]) for t in given.validated_data["threads"])
        )
        try:
            result = services.threads_change(
                user=user, groups=[(mailbox, keys)], change=self.change_of(given.validated_data)
            )
        except services.OwnershipRefused as refused:
            raise serializers.ValidationError({refused.field: [refused.message]}) from None
        data = {
            "changed": result.changed,
            "message": result.message,
            "threads": [_state_data(mailbox, key) for key in keys],
        }
        return Response(ChangeOutput(data).data)


def _change_schema(
    operation_id: str, summary: str, request: Any, example: dict[str, Any]
) -> Callable[[F], F]:
    return extend_schema(
        tags=[TAG],
        operation_id=operation_id,
        summary=summary,
        request=request,
        responses={200: ChangeOutput},
        examples=[OpenApiExample("One conversation", value=example, request_only=True)],
    )


class ThreadsAssignApi(ChangeApi):
    input_serializer = AssignInput

    def change_of(self, data: dict[str, Any]) -> services.Change:
        return services.Change("assign", assignee_id=data["assignee_id"])

    @_change_schema(
        "threads_assign",
        "Assign conversations to someone, or to nobody",
        AssignInput,
        {"threads": THREADS_EXAMPLE, "assignee_id": None},
    )
    def post(self, request: Request, extension_id: int) -> Response:
        return super().post(request, extension_id)


class ThreadsCloseApi(ChangeApi):
    action = "close"

    @_change_schema(
        "threads_close", "Close conversations (Done)", ThreadsInput, {"threads": THREADS_EXAMPLE}
    )
    def post(self, request: Request, extension_id: int) -> Response:
        return super().post(request, extension_id)


class ThreadsReopenApi(ChangeApi):
    action = "reopen"

    @_change_schema(
        "threads_reopen", "Reopen conversations", ThreadsInput, {"threads": THREADS_EXAMPLE}
    )
    def post(self, request: Request, extension_id: int) -> Response:
        return super().post(request, extension_id)


class ThreadsSnoozeApi(ChangeApi):
    input_serializer = SnoozeInput

    def change_of(self, data: dict[str, Any]) -> services.Change:
        until: datetime = data["until"]
        return services.Change("snooze", until=until)

    @_change_schema(
        "threads_snooze",
        "Snooze conversations until a time",
        SnoozeInput,
        {"threads": THREADS_EXAMPLE, "until": "2099-01-05T09:00:00Z"},
    )
    def post(self, request: Request, extension_id: int) -> Response:
        return super().post(request, extension_id)


class ThreadsWakeApi(ChangeApi):
    action = "wake"

    @_change_schema(
        "threads_wake", "Wake snoozed conversations", ThreadsInput, {"threads": THREADS_EXAMPLE}
    )
    def post(self, request: Request, extension_id: int) -> Response:
        return super().post(request, extension_id)
