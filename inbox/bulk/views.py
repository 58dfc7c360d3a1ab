"""Admins' bulk deletion and the audit log, as pages.

Every view checks first that the person is an admin (`inbox.web.admin_account_check`: everyone
else gets a 404, before anything is read); jobs are found with `bulk_job_get_for_user`, by the
mailbox and id in the URL, within the admin's own account. The job page and its progress JSON
read the database only, so the page may poll as often as it likes at no RingCentral cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from inbox.bulk import selectors as bulk_selectors
from inbox.bulk import services
from inbox.bulk.selectors import AuditFilter
from inbox.conversations import selectors
from inbox.conversations.queries import ConversationQuery
from inbox.csv_cells import CsvLines
from inbox.csv_cells import csv_cell as csv_cell  # the rule's former home here still names it
from inbox.models import AuditEntry, BulkDeleteJob
from inbox.web import admin_account_check, client_ip, ringcentral_errors, signed_in_user

MAX_TICKED = 1000  # conversations ticked one by one; "all matching" has no such limit


def _job_url(job: BulkDeleteJob) -> str:
    return reverse("inbox:bulk_job", args=[job.extension_id, job.id])


@require_POST
@login_required
@ringcentral_errors
def bulk_preview(request: HttpRequest, extension_id: int) -> HttpResponse:
    """Count the selection through RingCentral and show it for confirmation."""
    user = signed_in_user(request)
    admin_account_check(user=user)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    back = reverse("inbox:conversations", args=[mailbox.extension_id])
    query: ConversationQuery | None = None
    ids: list[int] = []
    if request.POST.get("all_matching") == "1":
        query, errors = ConversationQuery.from_params(request.POST)
        if errors:
            messages.error(request, "The filters of this selection are not valid; try again.")
            return redirect(back)
    else:
        raw = request.POST.getlist("conversation")
        if not all(value.isdigit() and len(value) <= 19 for value in raw):
            return HttpResponse("Conversation ids must be numbers.", status=400)
        ids = list(dict.fromkeys(int(value) for value in raw))
        if len(ids) > MAX_TICKED:
            messages.error(
                request,
                f"Tick at most {MAX_TICKED} conversations, or select all that match the filter.",
            )
            return redirect(back)
    try:
        job = services.bulk_job_preview(
            user=user,
            mailbox=mailbox,
            ip_address=client_ip(request),
            query=query,
            conversation_ids=ids,
        )
    except services.BulkError as failure:
        messages.error(request, failure.message)
        return redirect(back)
    return redirect(_job_url(job))


@require_GET
@login_required
@never_cache
def bulk_job(request: HttpRequest, extension_id: int, job_id: int) -> HttpResponse:
    """The job: its preview and confirmation, then its progress, then its report."""
    user = signed_in_user(request)
    job = bulk_selectors.bulk_job_get_for_user(user=user, extension_id=extension_id, job_id=job_id)
    return render(
        request,
        "inbox/bulk/job.html",
        {
            "job": job,
            "progress": bulk_selectors.bulk_job_progress(job=job),
            "failures": bulk_selectors.bulk_job_failures(job=job)[:500],
            "left": bulk_selectors.bulk_job_left(job=job),
            "can_restore": services.bulk_job_can_restore(job),
            "can_purge": services.bulk_job_can_purge(job),
            "list_url": reverse("inbox:conversations", args=[job.extension_id])
            + (f"?{urlencode(job.filters)}" if job.filters else ""),
        },
    )


@require_GET
@login_required
@never_cache
def bulk_job_progress(request: HttpRequest, extension_id: int, job_id: int) -> JsonResponse:
    """The job's progress as JSON, from the database alone; a job whose worker stopped is
    handed to a new one."""
    user = signed_in_user(request)
    job = bulk_selectors.bulk_job_get_for_user(user=user, extension_id=extension_id, job_id=job_id)
    services.bulk_job_revive(job=job)
    return JsonResponse(bulk_selectors.bulk_job_progress(job=job).as_json())


def _job_action(request: HttpRequest, extension_id: int, job_id: int, action: str) -> HttpResponse:
    user = signed_in_user(request)
    job = bulk_selectors.bulk_job_get_for_user(user=user, extension_id=extension_id, job_id=job_id)
    typed = request.POST.get("typed_count", "")
    ip = client_ip(request)
    try:
        if action == "confirm":
            purge = request.POST.get("purge") == "1"
            services.bulk_job_confirm(
                user=user, job=job, typed_count=typed, purge=purge, ip_address=ip
            )
            messages.success(request, "Started. You may leave this page; the job carries on.")
        elif action == "cancel":
            services.bulk_job_cancel(user=user, job=job)
            messages.info(request, "Cancelling: the job stops after the request in flight.")
        elif action == "restore":
            services.bulk_job_restore(user=user, job=job, ip_address=ip)
            messages.success(request, "Restoring the deleted conversations.")
        else:
            services.bulk_job_purge(user=user, job=job, typed_count=typed, ip_address=ip)
            messages.success(request, "Purging the deleted conversations.")
    except services.BulkError as failure:
        messages.error(request, failure.message)
    return redirect(_job_url(job))


@require_POST
@login_required
def bulk_job_confirm(request: HttpRequest, extension_id: int, job_id: int) -> HttpResponse:
    return _job_action(request, extension_id, job_id, "confirm")


@require_POST
@login_required
def bulk_job_cancel(request: HttpRequest, extension_id: int, job_id: int) -> HttpResponse:
    return _job_action(request, extension_id, job_id, "cancel")


@require_POST
@login_required
def bulk_job_restore(request: HttpRequest, extension_id: int, job_id: int) -> HttpResponse:
    return _job_action(request, extension_id, job_id, "restore")


@require_POST
@login_required
def bulk_job_purge(request: HttpRequest, extension_id: int, job_id: int) -> HttpResponse:
    return _job_action(request, extension_id, job_id, "purge")


# --------------------------------------------------------------------------- audit log

AUDIT_PAGE = 100


@require_GET
@login_required
@never_cache
def audit_log(request: HttpRequest) -> HttpResponse:
    """The account's audit log, filtered, newest first; and the latest bulk jobs."""
    user = signed_in_user(request)
    admin_account_check(user=user)
    filters, errors = AuditFilter.from_params(request.GET)
    entries = bulk_selectors.audit_entries_for_user(user=user, filters=filters)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    shown = list(entries[(page - 1) * AUDIT_PAGE : page * AUDIT_PAGE + 1])
    mailboxes = bulk_selectors.audit_mailboxes_for_user(user=user, chosen=filters.extension_id)
    labels = {mailbox.extension_id: mailbox.label for mailbox in mailboxes}
    rows = bulk_selectors.audit_rows_named(
        user=user, entries=shown[:AUDIT_PAGE], mailbox_labels=labels
    )
    return render(
        request,
        "inbox/bulk/audit_log.html",
        {
            "entries": rows,
            "has_next": len(shown) > AUDIT_PAGE,
            "page": page,
            "filters": filters,
            "errors": errors,
            "actions": AuditEntry.Action.choices,
            "actors": bulk_selectors.audit_actors_for_user(user=user),
            "mailboxes": mailboxes,
            "query": urlencode(filters.as_params()),
            "jobs": bulk_selectors.bulk_jobs_for_user(user=user, limit=20),
        },
    )


@require_GET
@login_required
def audit_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered audit log as CSV, streamed; cells a spreadsheet would run as formulas are
    written as text (`inbox.csv_cells`)."""
    user = signed_in_user(request)
    admin_account_check(user=user)
    filters, _ = AuditFilter.from_params(request.GET)
    entries = bulk_selectors.audit_entries_for_user(user=user, filters=filters)
    lines = CsvLines()
    header = [
        "time", "actor", "ip_address", "action", "outcome", "account_id", "extension_id",
        "conversation_id", "conversation_ids", "message_count", "message_ids", "detail",
    ]  # fmt: skip

    def rows() -> Iterator[str]:
        yield lines.line(header)
        for e in entries.iterator(chunk_size=500):
            conversations = " ".join(str(c) for c in e.conversation_ids)
            row = [
                e.created_at.isoformat(), e.actor_label, e.ip_address, e.get_action_display(),
                e.get_outcome_display(), e.account_id, e.extension_id, e.conversation_id,
                conversations, e.message_count, " ".join(str(m) for m in e.message_ids), e.detail,
            ]  # fmt: skip
            yield lines.line(row)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
