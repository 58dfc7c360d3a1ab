"""Exports as pages and downloads: a conversation (or a fax or voicemail) as CSV or as a
printable transcript, and, for admins, a whole mailbox or a search's results as CSV.

Each view finds the mailbox with `mailbox_get_for_user` first (a 404 for anyone who may not
open it), then the thread in the mailbox's index (a 404 when the index does not hold it).
Everything is read from the index: no RingCentral call. The CSVs are streamed
(`streams.CountedStream` over `rows.message_csv_rows`), and their audit entry is written when
the stream ends, with the rows that went out.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import User
from inbox.conversations.selectors import Mailbox, mailbox_get_for_user
from inbox.exports import selectors, services
from inbox.exports.rows import message_csv_rows
from inbox.exports.streams import CountedStream, Ended
from inbox.index.records import ThreadKey
from inbox.search.queries import SearchForm, SearchQuery
from inbox.search.selectors import search_people, search_scope_for_user
from inbox.web import client_ip, ringcentral_errors, signed_in_user

CSV_TYPE = "text/csv; charset=utf-8"


def _csv_response(lines: Iterator[str], *, file_name: str, ended: Ended) -> StreamingHttpResponse:
    response = StreamingHttpResponse(CountedStream(lines, ended=ended), content_type=CSV_TYPE)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="{file_name}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _thread_url(mailbox: Mailbox, thread: ThreadKey) -> str:
    kind, thread_id = thread
    return reverse(
        "inbox:thread" if kind == "conversation" else "inbox:message",
        args=[mailbox.extension_id, thread_id],
    )


def _not_indexed(request: HttpRequest, mailbox: Mailbox, thread: ThreadKey) -> HttpResponse:
    """A 404 that says why: the index does not hold this thread (yet)."""
    context = {"mailbox": mailbox, "back": _thread_url(mailbox, thread)}
    return render(request, "inbox/exports/not_indexed.html", context, status=404)


def _thread_csv(request: HttpRequest, extension_id: int, thread: ThreadKey) -> HttpResponseBase:
    user = signed_in_user(request)
    mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
    try:
        found = selectors.export_thread_get(mailbox=mailbox, thread=thread)
    except selectors.ThreadNotIndexed:
        return _not_indexed(request, mailbox, thread)
    ip_address = client_ip(request)

    def ended(rows: int, complete: bool) -> None:
        services.conversation_export_record(
            user=user, thread=found, form="CSV", rows=rows, complete=complete, ip_address=ip_address
        )

    lines = message_csv_rows(selectors.thread_rows(thread=found), selectors.party_names_lookup())
    kind, thread_id = thread
    return _csv_response(lines, file_name=f"{kind}-{thread_id}", ended=ended)


def _transcript(request: HttpRequest, extension_id: int, thread: ThreadKey) -> HttpResponse:
    user = signed_in_user(request)
    mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
    try:
        found = selectors.export_thread_get(mailbox=mailbox, thread=thread)
    except selectors.ThreadNotIndexed:
        return _not_indexed(request, mailbox, thread)
    transcript = selectors.transcript_get(thread=found)
    services.conversation_export_record(
        user=user,
        thread=found,
        form="Printable transcript",
        rows=len(transcript.messages),
        complete=True,
        ip_address=client_ip(request),
    )
    context = {"mailbox": mailbox, "transcript": transcript, "back": _thread_url(mailbox, thread)}
    return render(request, "inbox/exports/transcript.html", context)


@require_GET
@login_required
@ringcentral_errors
def conversation_csv(
    request: HttpRequest, extension_id: int, conversation_id: int
) -> HttpResponseBase:
    """The conversation's messages as CSV, oldest first."""
    return _thread_csv(request, extension_id, ("conversation", conversation_id))


@require_GET
@login_required
@ringcentral_errors
def message_csv(request: HttpRequest, extension_id: int, message_id: int) -> HttpResponseBase:
    """A fax or voicemail (a thread of its own) as CSV."""
    return _thread_csv(request, extension_id, ("message", message_id))


@require_GET
@login_required
@never_cache
@ringcentral_errors
def conversation_transcript(
    request: HttpRequest, extension_id: int, conversation_id: int
) -> HttpResponse:
    """The conversation as a page to print or save as PDF."""
    return _transcript(request, extension_id, ("conversation", conversation_id))


@require_GET
@login_required
@never_cache
@ringcentral_errors
def message_transcript(request: HttpRequest, extension_id: int, message_id: int) -> HttpResponse:
    """A fax or voicemail as a page to print or save as PDF."""
    return _transcript(request, extension_id, ("message", message_id))


@require_GET
@login_required
@ringcentral_errors
def mailbox_csv(request: HttpRequest, extension_id: int) -> HttpResponseBase:
    """Every message of the mailbox's index as CSV, newest first, with its conversation: for
    admins (403 for anyone else who may open the mailbox; 404 for everyone else)."""
    user = signed_in_user(request)
    mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
    if user.role != User.Role.ADMIN:
        raise PermissionDenied("Only admins export a whole mailbox.")
    ip_address = client_ip(request)

    def ended(rows: int, complete: bool) -> None:
        services.mailbox_export_record(
            user=user, mailbox=mailbox, rows=rows, complete=complete, ip_address=ip_address
        )

    lines = message_csv_rows(
        selectors.mailbox_rows(mailbox=mailbox),
        selectors.party_names_lookup(),
        conversation_column=True,
    )
    return _csv_response(lines, file_name=f"mailbox-{mailbox.extension_id}", ended=ended)


def _searched(query: SearchQuery) -> str:
    """What a search looked for, in a sentence's words: “refund” (type: fax, status: done)."""
    filters = ", ".join(
        f"{name}: {value}" for name, value in query.as_params().items() if name not in ("q", "page")
    )
    return f"“{query.text}”" + (f" ({filters})" if filters else "")


@require_GET
@login_required
@ringcentral_errors
def search_csv(request: HttpRequest) -> HttpResponseBase:
    """Every message a search finds, in its order, as CSV with each message's conversation
    and mailbox: for admins (403 for everyone else). The search's own scope decides what is
    read: only the mailboxes the person may open."""
    user = signed_in_user(request)
    if user.role != User.Role.ADMIN:
        raise PermissionDenied("Only admins export search results.")
    scope = search_scope_for_user(user=user)
    form = SearchForm(
        request.GET,
        mailboxes=[(m.extension_id, m.label) for m in scope.mailboxes],
        people=search_people(user=user, scope=scope),
    )
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return HttpResponse(
            f"This search cannot be exported: {errors}",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    query = SearchQuery.from_form(form)
    own = user.rc_extension_id
    chosen = scope.chosen(query.mailbox) or scope.chosen(own) or scope.mailboxes
    if query.is_empty or not chosen:
        return HttpResponse(
            "Search for something first: there is nothing to export.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    ip_address = client_ip(request)

    def ended(rows: int, complete: bool) -> None:
        services.search_export_record(
            user=user,
            mailbox=chosen[0],
            searched=_searched(query),
            rows=rows,
            complete=complete,
            ip_address=ip_address,
        )

    lines = message_csv_rows(
        selectors.search_rows(user=user, query=query),
        selectors.party_names_lookup(),
        conversation_column=True,
        mailbox_column=True,
    )
    return _csv_response(lines, file_name="search", ended=ended)
