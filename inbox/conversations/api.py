"""The inbox's JSON API under `/api/`: the same reads and writes as the pages, through the same
access helper (`mailbox_get_for_user`), selectors and services.

Session authentication serves the browser (with Django's CSRF check on writes), token
authentication (`Authorization: Token <key>`) serves scripts. Ids are strings in JSON:
RingCentral's int64 ids exceed what JavaScript numbers hold exactly. Errors are
`{"code": …, "message": …}` (see `inbox.api.errors`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inbox.api.auth import api_user
from inbox.api.errors import ErrorSerializer
from inbox.api.fields import JsonBooleanField
from inbox.conversations import selectors, services
from inbox.conversations.presenters import MessageView
from inbox.conversations.proxy import BadRange, attachment_open, attachment_response, parse_range
from inbox.conversations.queries import (
    DIRECTION_CHOICES,
    MAX_PAGE,
    READ_CHOICES,
    TYPE_CHOICES,
    ConversationQuery,
)
from inbox.ringcentral import InboxError
from inbox.web import client_ip

TAG = "Inbox"


class MailboxSerializer(serializers.Serializer[Any]):
    extension_id = serializers.CharField()
    extension_number = serializers.CharField()
    name = serializers.CharField()
    is_own = serializers.BooleanField()
    is_team = serializers.BooleanField(
        help_text="A team mailbox: a shared extension its members work together."
    )


class AttachmentSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=["image", "pdf", "audio", "file"])
    content_type = serializers.CharField()
    file_name = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    duration = serializers.IntegerField(allow_null=True, help_text="Seconds, for voicemail.")
    url = serializers.CharField(help_text="Where to download it (this API, streamed).")


class MessageSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    conversation_id = serializers.CharField(allow_null=True)
    type = serializers.ChoiceField(choices=["SMS", "MMS", "Pager", "Fax", "VoiceMail", "Text"])
    direction = serializers.ChoiceField(choices=["Inbound", "Outbound"])
    created = serializers.DateTimeField(allow_null=True)
    unread = serializers.BooleanField()
    text = serializers.CharField(allow_blank=True, help_text="As the customer wrote it: escape it.")
    preview = serializers.CharField(allow_blank=True)
    sender = serializers.CharField(allow_blank=True)
    other_party = serializers.CharField()
    other_number = serializers.CharField(allow_blank=True)
    status = serializers.CharField(allow_blank=True, help_text="RingCentral's messageStatus.")
    status_label = serializers.CharField(allow_blank=True)
    failure_reason = serializers.CharField(allow_blank=True)
    fax_page_count = serializers.IntegerField(allow_null=True)
    attachments = AttachmentSerializer(many=True)


def message_data(mailbox: selectors.Mailbox, message: MessageView) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "conversation_id": None
        if message.conversation_id is None
        else str(message.conversation_id),
        "type": message.type,
        "direction": message.direction,
        "created": message.created,
        "unread": message.unread,
        "text": message.text,
        "preview": message.preview,
        "sender": message.sender,
        "other_party": message.other_party,
        "other_number": message.other_number,
        "status": message.status,
        "status_label": message.status_label,
        "failure_reason": message.failure_reason,
        "fax_page_count": message.fax_page_count,
        "attachments": [
            {
                "id": str(a.id),
                "kind": a.kind,
                "content_type": a.content_type,
                "file_name": a.file_name,
                "size": a.size,
                "duration": a.duration,
                "url": reverse("api:attachment", args=[mailbox.extension_id, message.id, a.id]),
            }
            for a in message.attachments
        ],
    }


def mailbox_data(mailbox: selectors.Mailbox) -> dict[str, Any]:
    return {
        "extension_id": str(mailbox.extension_id),
        "extension_number": mailbox.extension_number,
        "name": mailbox.name,
        "is_own": mailbox.is_own,
        "is_team": mailbox.is_team,
    }


class MailboxListApi(APIView):
    @extend_schema_serializer(component_name="MailboxList")
    class OutputSerializer(serializers.Serializer[Any]):
        mailboxes = MailboxSerializer(many=True)

    @extend_schema(
        tags=[TAG],
        operation_id="mailboxes_list",
        summary="The mailboxes you may open",
        responses={200: OutputSerializer},
    )
    def get(self, request: Request) -> Response:
        boxes = selectors.mailboxes_for_user(user=api_user(request))
        return Response(self.OutputSerializer({"mailboxes": [mailbox_data(b) for b in boxes]}).data)


class ConversationListApi(APIView):
    @extend_schema_serializer(component_name="ConversationFilters")
    class FilterSerializer(serializers.Serializer[Any]):
        # the forms' "any" choice is the empty value, which the schema allows for every filter
        type = serializers.ChoiceField(choices=[c for c, _ in TYPE_CHOICES if c], required=False)
        direction = serializers.ChoiceField(
            choices=[c for c, _ in DIRECTION_CHOICES if c], required=False
        )
        read = serializers.ChoiceField(choices=[c for c, _ in READ_CHOICES if c], required=False)
        start = serializers.DateField(
            required=False, help_text="From this day (UTC), 2000-01-01 on; default: 30 days ago."
        )
        end = serializers.DateField(
            required=False, help_text="To this day (UTC), inclusive; 2000-01-01 on."
        )
        number = serializers.CharField(
            required=False,
            max_length=40,
            help_text=(
                "A whole phone number in any format (+16505550101, (650) 555-0101), or 3 or "
                "more of its digits (415, 555-01), found inside the other parties' numbers. "
                "A part of a number is looked up in what the inbox has indexed: over dates "
                "older than that, `number_part_unasked` is true and the list is empty."
            ),
        )
        page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    @extend_schema_serializer(component_name="ConversationList")
    class OutputSerializer(serializers.Serializer[Any]):
        mailbox = MailboxSerializer()
        unread_count = serializers.IntegerField()
        start = serializers.DateField(help_text="The window's first day.")
        page = serializers.IntegerField()
        has_next = serializers.BooleanField()
        conversations = MessageSerializer(many=True, help_text="The newest message of each.")
        number_part_unasked = serializers.BooleanField(
            help_text=(
                "`number` is a part of a number and the dates reach back beyond what the "
                "inbox has indexed: RingCentral finds whole numbers only, so nothing was "
                "looked up. Give the whole number, or later dates."
            )
        )

    @extend_schema(
        tags=[TAG],
        operation_id="conversations_list",
        summary="Conversations of a mailbox",
        parameters=[FilterSerializer],
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="A filter is not valid: see `fields`."
            ),
        },
    )
    def get(self, request: Request, extension_id: int) -> Response:
        user = api_user(request)
        mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
        # as documented first (an empty `type=` is no type), then the list's own rules
        self.FilterSerializer(data=request.query_params).is_valid(raise_exception=True)
        query, errors = ConversationQuery.from_params(request.query_params)
        if errors:
            raise serializers.ValidationError(errors)
        listing = selectors.conversation_list_for_user(user=user, mailbox=mailbox, query=query)
        data = {
            "mailbox": mailbox_data(mailbox),
            "unread_count": listing.unread.count,
            "start": query.effective_start(),
            "page": listing.page.page,
            "has_next": listing.page.has_next,
            "conversations": [message_data(mailbox, row) for row in listing.page.rows],
            "number_part_unasked": listing.number_part_unasked,
        }
        return Response(self.OutputSerializer(data).data)


class ConversationDetailApi(APIView):
    @extend_schema_serializer(component_name="Conversation")
    class OutputSerializer(serializers.Serializer[Any]):
        conversation_id = serializers.CharField()
        page = serializers.IntegerField()
        has_older = serializers.BooleanField()
        messages = MessageSerializer(many=True, help_text="Oldest first.")

    @extend_schema_serializer(component_name="ConversationPage")
    class PageSerializer(serializers.Serializer[Any]):
        page = serializers.IntegerField(
            required=False,
            default=1,
            min_value=1,
            max_value=MAX_PAGE,
            help_text="1: the newest 100.",
        )

    @extend_schema(
        tags=[TAG],
        operation_id="conversation_read",
        summary="The messages of a conversation",
        parameters=[PageSerializer],
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(ErrorSerializer, description="The page is not valid: see fields."),
        },
    )
    def get(self, request: Request, extension_id: int, conversation_id: int) -> Response:
        user = api_user(request)
        mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
        given = self.PageSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        thread = selectors.thread_get_for_user(
            user=user,
            mailbox=mailbox,
            conversation_id=conversation_id,
            page=given.validated_data["page"],
        )
        data = {
            "conversation_id": str(conversation_id),
            "page": thread.page,
            "has_older": thread.has_older,
            "messages": [message_data(mailbox, m) for m in thread.messages],
        }
        return Response(self.OutputSerializer(data).data)


class MessageDetailApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="message_read",
        summary="One message",
        responses={200: MessageSerializer},
    )
    def get(self, request: Request, extension_id: int, message_id: int) -> Response:
        user = api_user(request)
        mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
        message = selectors.message_get_for_user(user=user, mailbox=mailbox, message_id=message_id)
        return Response(MessageSerializer(message_data(mailbox, message)).data)


class ReadStatusInput(serializers.Serializer[Any]):
    read_status = serializers.ChoiceField(choices=["Read", "Unread"])


class DeleteInput(serializers.Serializer[Any]):
    purge = JsonBooleanField(
        default=False, help_text="Remove for good (admins only); otherwise restorable."
    )


class WriteOutput(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=["done", "partly", "failed"])
    message = serializers.CharField()
    audit_entry_id = serializers.CharField()


# A change to a message or a conversation: its few values come as JSON, else 415. A form's
# values are all text (`purge=0` would pass for false) and a body that is no form at all would
# read as an empty one. (A comment, not a docstring: drf-spectacular would show a docstring
# as the description of each operation.)
class WriteApi(APIView):
    parser_classes = (JSONParser,)


def write_response(result: services.WriteResult) -> Response:
    data = {
        "outcome": result.entry.outcome,
        "message": result.message,
        "audit_entry_id": str(result.entry.pk),
    }
    return Response(WriteOutput(data).data)


class MessageReadStatusUpdateApi(WriteApi):
    @extend_schema(
        tags=[TAG],
        operation_id="message_read_status_update",
        summary="Mark a message read or unread",
        request=ReadStatusInput,
        responses={200: WriteOutput},
    )
    def post(self, request: Request, extension_id: int, message_id: int) -> Response:
        user = api_user(request)
        mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
        given = ReadStatusInput(data=request.data)
        given.is_valid(raise_exception=True)
        result = services.message_read_status_set(
            user=user,
            mailbox=mailbox,
            message_id=message_id,
            read=given.validated_data["read_status"] == "Read",
        )
        return write_response(result)


class ConversationReadStatusUpdateApi(WriteApi):
    @extend_schema(
        tags=[TAG],
        operation_id="conversation_read_status_update",
        summary="Mark a conversation read (all its messages) or unread (its newest)",
        request=ReadStatusInput,
        responses={200: WriteOutput},
    )
    def post(self, request: Request, extension_id: int, conversation_id: int) -> Response:
        user = api_user(request)
        mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
        given = ReadStatusInput(data=request.data)
        given.is_valid(raise_exception=True)
        result = services.conversation_read_status_set(
            user=user,
            mailbox=mailbox,
            conversation_id=conversation_id,
            read=given.validated_data["read_status"] == "Read",
        )
        return write_response(result)


class MessageDeleteApi(WriteApi):
    @extend_schema(
        tags=[TAG],
        operation_id="message_delete",
        summary="Delete (or, admins, purge) a message",
        request=DeleteInput,
        responses={200: WriteOutput},
    )
    def post(self, request: Request, extension_id: int, message_id: int) -> Response:
        user = api_user(request)
        mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
        given = DeleteInput(data=request.data)
        given.is_valid(raise_exception=True)
        result = services.message_delete(
            user=user,
            mailbox=mailbox,
            message_id=message_id,
            purge=given.validated_data["purge"],
            ip_address=client_ip(request),
        )
        return write_response(result)


class ConversationDeleteApi(WriteApi):
    @extend_schema(
        tags=[TAG],
        operation_id="conversation_delete",
        summary="Delete (or, admins, purge) a conversation",
        request=DeleteInput,
        responses={200: WriteOutput},
    )
    def post(self, request: Request, extension_id: int, conversation_id: int) -> Response:
        user = api_user(request)
        mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
        given = DeleteInput(data=request.data)
        given.is_valid(raise_exception=True)
        result = services.conversation_delete(
            user=user,
            mailbox=mailbox,
            conversation_id=conversation_id,
            purge=given.validated_data["purge"],
            ip_address=client_ip(request),
        )
        return write_response(result)


class AttachmentDownloadApi(APIView):
    """The attachment proxy for API clients (token authentication included)."""

    @extend_schema(
        tags=[TAG],
        operation_id="attachment_download",
        summary="An attachment's content, streamed",
        parameters=[
            OpenApiParameter(
                "Range", OpenApiTypes.STR, OpenApiParameter.HEADER, description="bytes=first-last"
            ),
            OpenApiParameter("download", OpenApiTypes.BOOL, description="Force a download."),
        ],
        # the attachment's own content type (image/jpeg, application/pdf, audio/x-wav, …)
        responses={
            (200, "*/*"): OpenApiTypes.BINARY,
            (206, "*/*"): OpenApiTypes.BINARY,
            400: OpenApiResponse(
                ErrorSerializer, description="`download` is neither true nor false."
            ),
            416: OpenApiResponse(ErrorSerializer, description="The byte range cannot be served."),
        },
    )
    def get(
        self, request: Request, extension_id: int, message_id: int, attachment_id: int
    ) -> StreamingHttpResponse | HttpResponse:
        user = api_user(request)
        mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
        force = request.query_params.get("download", "")
        if force not in ("", "true", "false"):
            raise serializers.ValidationError({"download": ["Send true or false."]})
        try:
            byte_range = parse_range(request.headers.get("Range"))
        except BadRange:
            raise InboxError(
                "This byte range cannot be served: ask for one range, bytes=first-last.",
                status=416,
                code="range_not_satisfiable",
            ) from None
        download = attachment_open(
            user=user,
            mailbox=mailbox,
            message_id=message_id,
            attachment_id=attachment_id,
            byte_range=byte_range,
        )
        return attachment_response(download, force_download=force == "true")
