"""The fax part of the JSON API: send a fax (multipart), resend or forward one RingCentral already
has, read a fax send's status, and list the cover pages RingCentral offers.

Writes need an `Idempotency-Key` header (a UUID): the same key again answers with the send
made the first time, so a script may retry a request whose answer it did not get. Faxes go out
from the caller's own extension: another mailbox's fax endpoints are a 404, like a stranger's.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inbox.api.auth import api_user
from inbox.api.errors import ErrorSerializer
from inbox.api.fields import JsonCharField, JsonIdField
from inbox.conversations import selectors
from inbox.fax.presenters import fax_send_data, fax_send_view
from inbox.fax.requests import fax_resend_request, fax_send_request
from inbox.fax.rules import MAX_COVER_TEXT, RESOLUTIONS, too_large_message
from inbox.fax.selectors import fax_cover_pages_for_user, fax_send_get_for_user
from inbox.fax.uploads import fax_upload_exceeded, fax_upload_limit_install
from inbox.models import Send
from inbox.path_ids import INT64_MAX
from inbox.sending.rules import SendInvalid

TAG = "Fax"

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.UUID,
    OpenApiParameter.HEADER,
    required=True,
    description="A UUID of your choosing, new for each fax: the same key again returns the "
    "send made the first time instead of sending again.",
)


class IdempotencyKeyRequired(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "idempotency_key_required"
    default_detail = (
        "Send an Idempotency-Key header with a UUID of your own, new for each fax, "
        "e.g. Idempotency-Key: 1b4e28ba-2fa1-11d2-883f-0016d3cca427."
    )


class DocumentsTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "documents_too_large"
    default_detail = too_large_message()


def idempotency_key(request: Request) -> uuid.UUID:
    raw = request.headers.get("Idempotency-Key", "").strip()
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise IdempotencyKeyRequired() from None


def own_mailbox(request: Request, extension_id: int) -> selectors.Mailbox:
    mailbox = selectors.mailbox_get_for_user(user=api_user(request), extension_id=extension_id)
    if not mailbox.is_own:
        raise Http404("Faxes are sent from your own mailbox.")
    return mailbox


def invalid(error: SendInvalid) -> exceptions.ValidationError:
    field = "non_field_errors" if error.field == "__all__" else error.field
    return exceptions.ValidationError({field: [error.message]})


class RecipientSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    status = serializers.CharField(allow_blank=True, help_text="RingCentral's messageStatus.")
    status_label = serializers.CharField()
    reason = serializers.CharField(allow_blank=True, help_text="Why it failed, in words.")


@extend_schema_serializer(component_name="FaxSend")
class FaxSendSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=Send.Status.choices)
    rc_status = serializers.CharField(allow_blank=True)
    status_label = serializers.CharField()
    detail = serializers.CharField(help_text="A sentence: the error, or what happens next.")
    final = serializers.BooleanField(help_text="Nothing will change any more.")
    can_cancel = serializers.BooleanField()
    can_resend = serializers.BooleanField()
    rc_message_id = serializers.CharField(allow_null=True)
    original_message_id = serializers.CharField(allow_null=True)
    send_at = serializers.DateTimeField(allow_null=True)
    recipients = RecipientSerializer(many=True)
    url = serializers.CharField(help_text="Where to read this send's status.")


def fax_send_response(send: Send, *, code: int = status.HTTP_200_OK) -> Response:
    data = fax_send_data(fax_send_view(send))
    data["url"] = reverse("api:fax_send", args=[send.extension_id, send.pk])
    return Response(FaxSendSerializer(data).data, status=code)


class FaxSendApi(APIView):
    """Queue a fax. The upload limit (50 MB of documents) is put in place before DRF reads
    the body, which its session authentication does to check CSRF."""

    @extend_schema_serializer(component_name="FaxSendInput")
    class InputSerializer(serializers.Serializer[Any]):
        to = serializers.ListField(
            child=serializers.CharField(max_length=200),
            help_text="Fax numbers (repeat the field), E.164 or national, e.g. +16505550123.",
        )
        documents = serializers.ListField(
            child=serializers.FileField(),
            help_text="One or more files (repeat the field): PDF, Word, Excel, PowerPoint, "
            "RTF, text, CSV, HTML, XML, TIFF, GIF, JPEG, BMP, PNG; 50 MB together at most.",
        )
        cover_index = serializers.IntegerField(
            max_value=INT64_MAX,
            required=False,
            min_value=0,
            default=0,
            help_text="A cover page id from fax-cover-pages; 0: none.",
        )
        cover_page_text = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=MAX_COVER_TEXT
        )
        resolution = serializers.ChoiceField(
            choices=RESOLUTIONS, required=False, help_text="Default: High."
        )
        send_at = serializers.DateTimeField(
            required=False,
            allow_null=True,
            default=None,
            help_text="When RingCentral should send it (ISO 8601; without an offset: UTC). "
            "At least a minute ahead; empty: now.",
        )

    parser_classes = (MultiPartParser,)

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        if request.method == "POST":
            fax_upload_limit_install(request)
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        operation_id="fax_send",
        summary="Send a fax (multipart/form-data)",
        parameters=[IDEMPOTENCY_KEY],
        request={"multipart/form-data": InputSerializer},
        responses={
            202: FaxSendSerializer,
            413: OpenApiResponse(
                ErrorSerializer, description="The documents are over 50 MB together."
            ),
        },
    )
    def post(self, request: Request, extension_id: int) -> Response:
        user = api_user(request)
        own_mailbox(request, extension_id)
        key = idempotency_key(request)
        posted = request.data  # read the body (through the upload limit) before asking
        if fax_upload_exceeded(request._request):
            raise DocumentsTooLarge()
        given = self.InputSerializer(data=posted)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            send = fax_send_request(
                user=user,
                to_numbers=data["to"],
                documents=data["documents"],
                cover_index=data["cover_index"],
                cover_page_text=data["cover_page_text"],
                resolution=data.get("resolution", ""),
                send_at=data["send_at"],
                idempotency_key=key,
            )
        except SendInvalid as error:
            raise invalid(error) from None
        return fax_send_response(send, code=status.HTTP_202_ACCEPTED)


class FaxResendApi(APIView):
    parser_classes = (JSONParser,)

    @extend_schema_serializer(component_name="FaxResendInput")
    class InputSerializer(serializers.Serializer[Any]):
        original_message_id = JsonIdField(
            help_text="A fax of your mailbox: a failed one to resend, or any one to forward.",
        )
        to = serializers.ListField(
            child=JsonCharField(max_length=200),
            required=False,
            help_text="Forward to these numbers. Without it, an outbound fax goes again to the "
            "recipients it failed to reach (all of them if none failed).",
        )

    @extend_schema(
        tags=[TAG],
        operation_id="fax_resend",
        summary="Resend or forward a fax without uploading it again",
        parameters=[IDEMPOTENCY_KEY],
        request=InputSerializer,
        responses={202: FaxSendSerializer},
    )
    def post(self, request: Request, extension_id: int) -> Response:
        user = api_user(request)
        own_mailbox(request, extension_id)
        key = idempotency_key(request)
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            send = fax_resend_request(
                user=user,
                original_message_id=data["original_message_id"],
                to_numbers=data.get("to"),
                idempotency_key=key,
            )
        except SendInvalid as error:
            raise invalid(error) from None
        return fax_send_response(send, code=status.HTTP_202_ACCEPTED)


class FaxSendDetailApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="fax_send_read",
        summary="A fax send and each recipient's status (read from the dashboard's database)",
        responses={200: FaxSendSerializer},
    )
    def get(self, request: Request, extension_id: int, send_id: int) -> Response:
        mailbox = own_mailbox(request, extension_id)
        send = fax_send_get_for_user(user=api_user(request), mailbox=mailbox, send_id=send_id)
        return fax_send_response(send)


class FaxCoverPageListApi(APIView):
    @extend_schema_serializer(component_name="FaxCoverPageList")
    class OutputSerializer(serializers.Serializer[Any]):
        @extend_schema_serializer(component_name="FaxCoverPage")
        class CoverPageSerializer(serializers.Serializer[Any]):
            id = serializers.IntegerField(help_text="What `cover_index` takes; 0: none.")
            name = serializers.CharField()

        cover_pages = CoverPageSerializer(many=True)

    @extend_schema(
        tags=[TAG],
        operation_id="fax_cover_pages_list",
        summary="The fax cover pages RingCentral offers (cached for an hour)",
        responses={200: OutputSerializer},
    )
    def get(self, request: Request, extension_id: int) -> Response:
        own_mailbox(request, extension_id)
        pages = fax_cover_pages_for_user(user=api_user(request))
        data = {"cover_pages": [{"id": page.id, "name": page.name} for page in pages]}
        return Response(self.OutputSerializer(data).data)
