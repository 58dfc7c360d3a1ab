"""Search's JSON API: `GET /api/search/`, the search page's search as data.

The same words, filters and pages as the page (`inbox.search.queries`), over the same
mailboxes (`search_scope_for_user`: every mailbox the caller may open; no other mailbox's rows
are read). The query is read twice: first by a serializer whose fields are what the schema
documents (types, formats, lengths: an empty `type=` is no type), then by the page's own
`SearchForm` on those values, for what only the caller's mailboxes and people decide (a
mailbox that is not theirs, an assignee who works none of them, a start after the end). A
mailbox that is not the caller's is refused exactly like one that does not exist.

Customer text is returned as it was written, as JSON data, never as HTML: the matches are
character offsets into it (`highlights`), computed by the rule that marks them on the page
(`inbox.search.highlight`). Nothing here calls RingCentral, apart from an admin's list of the
account's mailboxes (cached, as everywhere).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.forms.utils import ErrorDict
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.models import User
from inbox.api.auth import api_user
from inbox.api.errors import ErrorSerializer
from inbox.conversations.api import MailboxSerializer, mailbox_data
from inbox.conversations.queries import DIRECTION_CHOICES, TYPE_CHOICES
from inbox.path_ids import INT64_MAX
from inbox.ringcentral import HISTORY_START
from inbox.search.highlight import Span, match_spans, number_span
from inbox.search.queries import (
    ASSIGNEE_ME,
    ASSIGNEE_NOBODY,
    PAGE_MAX,
    STATUS_CHOICES,
    TEXT_MAX,
    SearchForm,
    SearchQuery,
)
from inbox.search.selectors import (
    PAGE_SIZE,
    SearchHit,
    SearchScope,
    search_for_user,
    search_people,
    search_scope_for_user,
)

TAG = "Search"
FIRST_DAY = HISTORY_START.date().isoformat()
OFFSETS_HELP = (
    "[start, end) character offsets into the text: `text[start:end]` is a matched word. "
    "Characters are Unicode code points (Python's string indices); JavaScript counts UTF-16 "
    "units, so index `Array.from(text)` there."
)


# --------------------------------------------------------------------------- the query


@extend_schema_serializer(component_name="SearchParameters")
class SearchParamsSerializer(serializers.Serializer[Any]):
    # the forms' "any" choice is the empty value, which the schema allows for every filter
    q = serializers.CharField(
        max_length=TEXT_MAX,
        # the length the schema gives is the length sent: spaces around the text count too
        trim_whitespace=False,
        help_text="What to look for: words (every one must be in the message, each matched "
        'from a word\'s start: "refund" finds "refunded"), a name (a party\'s RingCentral or '
        'address-book name), or a number of at least 3 digits ("415", "(650) 555-01"), '
        "anywhere in a party's number. Text with none of these finds nothing.",
    )
    mailbox = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=INT64_MAX,
        help_text="Only this mailbox: the extension id of one of yours (`GET /api/mailboxes/`). "
        "Any other id is refused (400), whether or not it exists.",
    )
    type = serializers.ChoiceField(
        choices=[c for c, _ in TYPE_CHOICES if c],
        required=False,
        help_text="text (SMS and MMS), pager, fax or voicemail.",
    )
    direction = serializers.ChoiceField(
        choices=[c for c, _ in DIRECTION_CHOICES if c],
        required=False,
        help_text="Inbound (received) or Outbound (sent).",
    )
    start = serializers.DateField(
        required=False, help_text=f"Sent or received from this day (UTC), {FIRST_DAY} on."
    )
    end = serializers.DateField(
        required=False,
        help_text=f"Sent or received until this day (UTC), inclusive; {FIRST_DAY} on, "
        "not before `start`.",
    )
    assignee = serializers.RegexField(
        rf"^(?:{ASSIGNEE_ME}|{ASSIGNEE_NOBODY}|[1-9][0-9]{{0,18}})$",
        required=False,
        trim_whitespace=False,  # the pattern the schema gives is matched against what is sent
        help_text="Conversations assigned to: `me`, `none` (nobody), or a person's id among "
        "those who work your mailboxes (another id is refused).",
    )
    status = serializers.ChoiceField(
        choices=[c for c, _ in STATUS_CHOICES if c],
        required=False,
        help_text="The conversation's: open (also one nobody has closed or snoozed), snoozed "
        "or done.",
    )
    page = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=PAGE_MAX,
        help_text=f"1: the best {PAGE_SIZE} hits. Pages stop at {PAGE_MAX}: narrow the search "
        "to reach further.",
    )


def _form_errors(errors: ErrorDict) -> dict[str, list[str]]:
    """The form's errors by field, a check of several fields (a start after the end) under
    DRF's own key for those."""
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): [
            str(message) for message in messages
        ]
        for field, messages in errors.items()
    }


def _query_read(request: Request, user: User, scope: SearchScope) -> SearchQuery:
    """The search the query string asks for, or a `ValidationError` (400) saying which values
    are not valid."""
    given = SearchParamsSerializer(data=request.query_params)
    given.is_valid(raise_exception=True)
    # the page's form, on the values as read (an id as its digits, a day as ISO): the caller's
    # mailboxes and people are its choices, as they are the page's
    values = {
        name: value.isoformat() if isinstance(value, date) else str(value)
        for name, value in given.validated_data.items()
    }
    form = SearchForm(
        values,
        mailboxes=[(m.extension_id, m.label) for m in (*scope.mailboxes, *scope.waiting)],
        people=search_people(user=user, scope=scope),
    )
    if not form.is_valid():
        raise serializers.ValidationError(_form_errors(form.errors))
    return SearchQuery.from_form(form)


# --------------------------------------------------------------------------- the answer


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "array",
            "items": {"type": "integer", "minimum": 0},
            "minItems": 2,
            "maxItems": 2,
        },
    }
)
class SpansField(serializers.ListField):
    """[start, end) pairs of character offsets."""


class HitThreadSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(
        help_text="conversation (SMS, pager), or message (a fax or voicemail on its own). "
        "`{kind, id}` is what the ownership changes (`…/threads/assign/`, …) take."
    )
    id = serializers.CharField(help_text="The conversation's id, or the message's (kind message).")


class SearchHitSerializer(serializers.Serializer[Any]):
    message_id = serializers.CharField()
    thread = HitThreadSerializer()
    mailbox = MailboxSerializer()
    type = serializers.CharField(help_text="RingCentral's: SMS, Pager, Fax or VoiceMail.")
    direction = serializers.CharField(help_text="Inbound or Outbound.")
    created = serializers.DateTimeField(allow_null=True)
    text = serializers.CharField(
        allow_blank=True,
        help_text="The message's whole text, as the customer wrote it: data, not HTML "
        "(escape it to show it in a page).",
    )
    highlights = SpansField(
        help_text=f"Where the searched words are in `text` (with `matched` words). {OFFSETS_HELP}"
    )
    party = serializers.CharField(
        help_text="The other parties: their address-book names first, else RingCentral's, "
        "else their numbers. As the customer gave it: escape it."
    )
    party_number = serializers.CharField(
        allow_blank=True, help_text="The first other party's number, formatted."
    )
    party_number_highlights = SpansField(
        help_text="Where the searched digits are in `party_number` (with `matched` number), "
        "whatever formatting lies between them."
    )
    matched = serializers.CharField(
        help_text="How it was found: words (in the text), name (a party's name) or number "
        "(a party's number). Names and numbers find a conversation once, at its last message."
    )
    stale = serializers.BooleanField(
        help_text="The mailbox's RingCentral session ended: what it holds here may be old."
    )
    web_url = serializers.URLField(help_text="The thread in the dashboard, at this message.")


@extend_schema_serializer(component_name="SearchResults")
class SearchOutput(serializers.Serializer[Any]):
    page = serializers.IntegerField()
    has_next = serializers.BooleanField(help_text="Whether a next page holds more hits.")
    next = serializers.URLField(
        allow_null=True, help_text="The next page of the same search; null on the last one."
    )
    searched = serializers.IntegerField(help_text="How many mailboxes were searched.")
    syncing = MailboxSerializer(
        many=True,
        help_text="Your mailboxes the dashboard has not read yet: not searched (nothing of "
        "theirs is in `hits`) until their first sync is in.",
    )
    hits = SearchHitSerializer(
        many=True,
        help_text="Best first: conversations a name finds, then messages by their words "
        "(ranked by how well and how recently they match); numbers: newest first.",
    )


def _spans(spans: list[Span]) -> list[list[int]]:
    return [[start, end] for start, end in spans]


def hit_data(request: Request, query: SearchQuery, hit: SearchHit) -> dict[str, Any]:
    number = number_span(hit.party_number, query.digits if hit.matched == "number" else "")
    return {
        "message_id": str(hit.message_id),
        "thread": {"kind": hit.thread_kind, "id": str(hit.thread_id)},
        "mailbox": mailbox_data(hit.mailbox),
        "type": hit.type,
        "direction": hit.direction,
        "created": hit.created_at,
        "text": hit.text,
        "highlights": _spans(match_spans(hit.text, query.words if hit.matched == "words" else ())),
        "party": hit.party,
        "party_number": hit.party_number,
        "party_number_highlights": _spans([number] if number else []),
        "matched": hit.matched,
        "stale": hit.stale,
        "web_url": request.build_absolute_uri(hit.url),
    }


def _next_url(request: Request, query: SearchQuery) -> str:
    params = urlencode(query.as_params(page=query.page + 1))
    return request.build_absolute_uri(f"{reverse('api:search')}?{params}")


EXAMPLE_MAILBOX = {
    "extension_id": "62961025004",
    "extension_number": "201",
    "name": "Support Line",
    "is_own": False,
    "is_team": True,
}
EXAMPLE_TEXT = 'Still no <b>refund</b> for order #1042: "refunds take 5 days" you said'
EXAMPLE_RESULTS = {
    "page": 1,
    "has_next": True,
    "next": "https://inbox.example.com/api/search/?q=refund&mailbox=62961025004&page=2",
    "searched": 1,
    "syncing": [],
    "hits": [
        {
            "message_id": "3071234567016",
            "thread": {"kind": "conversation", "id": "4820197563429008164"},
            "mailbox": EXAMPLE_MAILBOX,
            "type": "SMS",
            "direction": "Inbound",
            "created": "2026-03-02T14:05:11Z",
            "text": EXAMPLE_TEXT,
            "highlights": [[12, 18], [41, 48]],
            "party": "Fatima Rossi",
            "party_number": "(415) 555-0142",
            "party_number_highlights": [],
            "matched": "words",
            "stale": False,
            "web_url": "https://inbox.example.com/inbox/62961025004/messages/3071234567016/"
            "#message-3071234567016",
        }
    ],
}
EXAMPLE_INVALID = {
    "code": "invalid",
    "message": "Some of the values sent are not valid; see `fields`.",
    "fields": {
        "mailbox": ["Choose one of your mailboxes, or all of them."],
    },
}


class SearchApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="search",
        summary="Search the messages of every mailbox you may open",
        description="Words, names and numbers across your own mailbox and your team "
        "mailboxes (admins: every mailbox of the account), as the search page finds them, "
        "from the dashboard's index of the last 30 days and the history it has read (never "
        "from RingCentral). Messages RingCentral deleted are not found.",
        parameters=[SearchParamsSerializer],
        responses={
            200: SearchOutput,
            400: OpenApiResponse(
                ErrorSerializer,
                description="A value is not valid (see `fields`, by parameter; a start after "
                "the end is under `non_field_errors`): a day not in YYYY-MM-DD or before "
                f"{FIRST_DAY}, an unknown type, direction or status, a mailbox that is not "
                f"one of yours, an assignee who works none of them, a page past {PAGE_MAX}, a "
                f"search longer than {TEXT_MAX} characters; or the query could not be read.",
            ),
        },
        examples=[
            OpenApiExample(
                "Words in a team mailbox",
                value=EXAMPLE_RESULTS,
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Values not valid",
                value=EXAMPLE_INVALID,
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        user = api_user(request)
        scope = search_scope_for_user(user=user)
        query = _query_read(request, user, scope)
        found = search_for_user(user=user, query=query, scope=scope)
        has_next = found.has_next and found.page < PAGE_MAX
        data = {
            "page": found.page,
            "has_next": has_next,
            "next": _next_url(request, query) if has_next else None,
            "searched": found.searched,
            "syncing": [mailbox_data(m) for m in found.waiting],
            "hits": [hit_data(request, query, hit) for hit in found.hits],
        }
        return Response(SearchOutput(data).data)
