"""The JSON API for sending: SMS/MMS and pager messages from one's own mailbox, a send's
status, Retry and Cancel.

Every request that creates a send carries an `Idempotency-Key` header (a UUID): the same key
again returns the first send (200) instead of creating another (201), so a script may retry a
request whose answer it never got. Sends are queued, not sent, when the answer comes: follow
them with `GET …/sends/<id>/`. A mailbox other than one's own is a 404, for admins too
(RingCentral lets nobody send for someone else).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from django.http import Http404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.fields import empty
from rest_framework.parsers import BaseParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from inbox.api.auth import api_user
from inbox.api.errors import ErrorSerializer
from inbox.api.fields import JsonBooleanField, JsonCharField, JsonIdField
from inbox.models import Send
from inbox.sending import actions, selectors
from inbox.sending.presenters import send_view
from inbox.sending.requests import (
    RecipientOptedOut,
    pager_send_request_once,
    sms_send_request_once,
)
from inbox.sending.rules import SendInvalid
from inbox.sending.scheduling import FIELD as SCHEDULE_FIELD
from inbox.sending.views import own_mailbox, sending_mailbox
from inbox.web import client_ip

TAG = "Sending"
KEY_HEADER = "Idempotency-Key"

IDEMPOTENCY_KEY = OpenApiParameter(
    KEY_HEADER,
    OpenApiTypes.UUID,
    OpenApiParameter.HEADER,
    required=True,
    description="A new UUID per send. The same key again returns the first send (200) "
    "instead of sending twice.",
)


class Refused(APIException):
    """A send that cannot go out as asked: a sentence, and the field to change."""

    status_code = 400

    def __init__(self, message: str, *, code: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message, code)
        self.sentence = message
        self.short = code
        self.fields = fields


class Conflict(Refused):
    """The send is not in a state that allows this (retry what has not failed, cancel what
    has gone out)."""

    status_code = 409


def refused_response(exc: Refused) -> Response:
    data: dict[str, Any] = {"code": exc.short, "message": exc.sentence}
    if exc.fields is not None:
        data["fields"] = exc.fields
    return Response(data, status=exc.status_code)


# Turns `Refused` into `{"code", "message", "fields"}` (the handler would lose them). A comment,
# not a docstring: drf-spectacular would show it as the description of each operation. Bodies
# are JSON (an SMS's files: multipart): a form's values are all text.
class SendingApi(APIView):
    parser_classes: tuple[type[BaseParser], ...] = (JSONParser,)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Refused):
            return refused_response(exc)
        return super().handle_exception(exc)


def idempotency_key(request: Request) -> uuid.UUID:
    raw = request.headers.get(KEY_HEADER, "").strip()
    if not raw:
        raise Refused(
            f"Send an {KEY_HEADER} header with a new UUID, so a retried request sends once.",
            code="idempotency_key_missing",
        )
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Refused(
            f"The {KEY_HEADER} header must be a UUID, e.g. {uuid.uuid4()}.",
            code="idempotency_key_invalid",
        ) from None


def invalid(error: SendInvalid, *, renamed: dict[str, str] | None = None) -> Refused:
    """`error` as the API's answer, its field under the API's name for it (`renamed`: the
    services' names to the API's)."""
    field = {"__all__": "non_field_errors", **(renamed or {})}.get(error.field, error.field)
    code = "opted_out" if isinstance(error, RecipientOptedOut) else "invalid"
    return Refused(error.message, code=code, fields={field: [error.message]})


class SendOutput(serializers.Serializer[Any]):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=Send.Kind.choices)
    status = serializers.ChoiceField(
        choices=Send.Status.choices, help_text="Where the send is in the dashboard's pipeline."
    )
    state = serializers.ChoiceField(
        choices=[
            "scheduled", "queued", "sending", "retrying", "submitted", "sent", "delivered",
            "failed", "needs_review", "cancelled",
        ],
        help_text="What a person is shown: the pipeline's status and RingCentral's together.",
    )  # fmt: skip
    status_label = serializers.CharField(help_text="Queued, Sent, Delivered, Failed…")
    detail = serializers.CharField(
        help_text="A sentence: the place in the queue, or why it failed."
    )
    final = serializers.BooleanField(help_text="Nothing will change any more.")
    queue_position = serializers.IntegerField(allow_null=True)
    rc_message_id = serializers.CharField(allow_null=True)
    rc_status = serializers.CharField(help_text="RingCentral's messageStatus, once it has it.")
    error_code = serializers.CharField()
    conversation_id = serializers.CharField(allow_null=True)
    from_number = serializers.CharField()
    recipients = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField()
    retry_of = serializers.CharField(allow_null=True)
    created = serializers.DateTimeField()
    scheduled_for = serializers.DateTimeField(
        allow_null=True, help_text="A scheduled SMS: when it goes out (else null)."
    )


def send_data(send: Send) -> dict[str, Any]:
    position = selectors.send_queue_position(send=send)
    view = send_view(send, queue_position=position)
    data = {
        "id": str(send.pk),
        "kind": send.kind,
        "status": send.status,
        "state": view.state,
        "status_label": view.label,
        "detail": view.detail,
        "final": view.final,
        "queue_position": position,
        "rc_message_id": str(send.rc_message_id) if send.rc_message_id is not None else None,
        "rc_status": send.rc_status,
        "error_code": send.error_code,
        "conversation_id": str(send.conversation_id) if send.conversation_id else None,
        "from_number": send.from_number,
        "recipients": [str(r) for r in send.recipients],
        "text": send.text,
        "retry_of": str(send.retry_of_id) if send.retry_of_id is not None else None,
        "created": send.created_at,
        "scheduled_for": send.scheduled_for,
    }
    return dict(SendOutput(data).data)


def own_send(user: User, extension_id: int, send_id: int) -> Send:
    mailbox = sending_mailbox(user, extension_id)
    send = selectors.send_get_for_user(user=user, send_id=send_id)
    if send.owner_id != user.pk or send.extension_id != mailbox.extension_id:
        raise Http404("No such message.")
    return send


def created_response(send: Send, created: bool) -> Response:
    return Response(send_data(send), status=201 if created else 200)


CREATE_RESPONSES = {
    201: OpenApiResponse(SendOutput, description="Queued (or, with `scheduled_for`, scheduled)."),
    200: OpenApiResponse(SendOutput, description="The send this Idempotency-Key made before."),
    400: OpenApiResponse(ErrorSerializer, description="Refused: see `message` and `fields`."),
}
SMS_CREATE_RESPONSES = {
    **CREATE_RESPONSES,
    400: OpenApiResponse(
        ErrorSerializer,
        description="Refused: see `message` and `fields`. `code` is `invalid`, or "
        "`opted_out` when a recipient opted out of texts from `from_number` (they texted "
        "STOP, or it was recorded by hand): nothing is sent until they text START.",
    ),
}


class ScheduledForField(serializers.DateTimeField):
    """An ISO 8601 date and time with its offset (`Z` or `+02:00`): a time without one could
    be any of a day's moments, so it is refused rather than guessed."""

    default_error_messages = {
        "invalid": "Give the time as ISO 8601 with its offset, e.g. 2026-12-07T09:00:00Z or "
        "2026-12-07T09:00:00+01:00.",
        "naive": "Add the time's offset from UTC (Z, or e.g. +01:00): without it the time "
        "could be any of a day's moments.",
    }

    def to_internal_value(self, value: Any) -> datetime:
        if not isinstance(value, str):
            self.fail("invalid")
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid")
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.fail("naive")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            self.fail("invalid")


class CancelOnReplyField(JsonBooleanField):
    # a form (multipart) that leaves it out means the default, as JSON does, not "unticked"
    default_empty_html = empty


class SmsSendApi(SendingApi):
    parser_classes = (JSONParser, MultiPartParser)

    @extend_schema_serializer(component_name="SmsSendInput")
    class InputSerializer(serializers.Serializer[Any]):
        from_number = JsonCharField(
            help_text="One of the mailbox's text-enabled numbers (yours, or the team "
            "mailbox's), in E.164."
        )
        to = serializers.ListField(
            child=JsonCharField(),
            min_length=1,
            help_text="Phone numbers; written any common way, normalised to E.164.",
        )
        text = JsonCharField(required=False, allow_blank=True, trim_whitespace=False, default="")
        attachments = serializers.ListField(
            child=serializers.FileField(),
            required=False,
            default=list,
            help_text="MMS files (multipart/form-data): up to 10, 1.5 MB together.",
        )
        conversation_id = JsonIdField(required=False, allow_null=True, default=None)
        scheduled_for = ScheduledForField(
            required=False,
            allow_null=True,
            default=None,
            help_text="Send later: when to send it, ISO 8601 with an offset (`Z` or "
            "`+01:00`), at least a minute and at most 365 days ahead. The dashboard holds it "
            "(`status` `scheduled`) until then; `POST …/sends/{id}/cancel/` cancels it. "
            "Empty: now.",
        )
        cancel_on_reply = CancelOnReplyField(
            required=False,
            default=True,
            help_text="With `scheduled_for`: cancel it if the customer writes first — in "
            "the conversation `conversation_id`, or without one, any text from a recipient "
            "to `from_number`.",
        )

    @extend_schema(
        tags=[TAG],
        operation_id="sms_send",
        summary="Queue an SMS (or, with attachments, an MMS) from your own or a team mailbox, "
        "now or for later",
        parameters=[IDEMPOTENCY_KEY],
        request={
            "application/json": InputSerializer,
            "multipart/form-data": InputSerializer,
        },
        responses=SMS_CREATE_RESPONSES,
    )
    def post(self, request: Request, extension_id: int) -> Response:
        user = api_user(request)
        mailbox = sending_mailbox(user, extension_id)
        key = idempotency_key(request)
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            send, created = sms_send_request_once(
                user=user,
                mailbox=mailbox,
                from_number=data["from_number"],
                to_numbers=data["to"],
                text=data["text"],
                attachments=data["attachments"],
                conversation_id=data["conversation_id"],
                idempotency_key=key,
                scheduled_for=data["scheduled_for"],
                cancel_on_reply=data["cancel_on_reply"],
                ip_address=client_ip(request),
            )
        except SendInvalid as error:
            raise invalid(error, renamed={SCHEDULE_FIELD: "scheduled_for"}) from None
        return created_response(send, created)


class PagerSendApi(SendingApi):
    @extend_schema_serializer(component_name="PagerSendInput")
    class InputSerializer(serializers.Serializer[Any]):
        to = serializers.ListField(
            child=JsonIdField(),
            required=False,
            default=list,
            help_text="Extension ids of people of your account (optional with reply_on).",
        )
        text = JsonCharField(trim_whitespace=False)
        reply_on = JsonIdField(
            required=False,
            allow_null=True,
            default=None,
            help_text="The message answered.",
        )
        conversation_id = JsonIdField(required=False, allow_null=True, default=None)

    @extend_schema(
        tags=[TAG],
        operation_id="pager_send",
        summary="Queue a pager message to people of your account",
        parameters=[IDEMPOTENCY_KEY],
        request=InputSerializer,
        responses=CREATE_RESPONSES,
    )
    def post(self, request: Request, extension_id: int) -> Response:
        user = api_user(request)
        own_mailbox(user, extension_id)
        key = idempotency_key(request)
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            send, created = pager_send_request_once(
                user=user,
                to_extension_ids=data["to"],
                text=data["text"],
                reply_on=data["reply_on"],
                conversation_id=data["conversation_id"],
                idempotency_key=key,
            )
        except SendInvalid as error:
            raise invalid(error) from None
        return created_response(send, created)


class SendDetailApi(SendingApi):
    @extend_schema(
        tags=[TAG],
        operation_id="send_detail",
        summary="A send and its status (read from the dashboard, never from RingCentral)",
        responses={200: SendOutput},
    )
    def get(self, request: Request, extension_id: int, send_id: int) -> Response:
        return Response(send_data(own_send(api_user(request), extension_id, send_id)))


class SendRetryApi(SendingApi):
    @extend_schema(
        tags=[TAG],
        operation_id="send_retry",
        summary="Send a failed message again, as a new send linked to it",
        parameters=[IDEMPOTENCY_KEY],
        request=None,
        responses={
            **CREATE_RESPONSES,
            409: OpenApiResponse(ErrorSerializer, description="It has not failed."),
        },
    )
    def post(self, request: Request, extension_id: int, send_id: int) -> Response:
        user = api_user(request)
        own_send(user, extension_id, send_id)
        key = idempotency_key(request)
        existed = Send.objects.filter(owner=user, idempotency_key=key).exists()
        try:
            retry = actions.send_retry(user=user, send_id=send_id, idempotency_key=key)
        except SendInvalid as error:
            raise Conflict(error.message, code="conflict") from None
        return created_response(retry, not existed)


class SendCancelApi(SendingApi):
    @extend_schema(
        tags=[TAG],
        operation_id="send_cancel",
        summary="Cancel a send that has not gone out",
        request=None,
        responses={
            200: SendOutput,
            409: OpenApiResponse(ErrorSerializer, description="It has gone out already."),
        },
    )
    def post(self, request: Request, extension_id: int, send_id: int) -> Response:
        user = api_user(request)
        own_send(user, extension_id, send_id)
        try:
            send = actions.send_cancel(user=user, send_id=send_id)
        except SendInvalid as error:
            raise Conflict(error.message, code="conflict") from None
        return Response(send_data(send))
