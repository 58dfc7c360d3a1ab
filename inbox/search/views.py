"""The search page: `GET /inbox/search/` (the sidebar's box leads here) shows the search form
and a page of what it finds in every mailbox the person may open, as
`inbox.search.selectors.search_for_user` reads it from the index. Nothing here calls
RingCentral (an admin's list of the account's mailboxes aside, cached as everywhere).

The form's controls ask htmx for the results alone (`#search-results`): the page answers with
that part, the tab's title, and the fields' errors swapped in beside their fields; without
JavaScript the same form loads the whole page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.errors import ReconnectRequired
from accounts.models import User
from accounts.services import NOT_CONNECTED
from inbox.search.queries import PAGE_MAX, SearchForm, SearchQuery
from inbox.search.selectors import (
    search_for_user,
    search_history_pending,
    search_people,
    search_scope_for_user,
)
from inbox.web import ringcentral_errors, signed_in_user

# the part of the page htmx asks for when the form changes
RESULTS = "search-results"
FIELDS = ("q", "mailbox", "type", "direction", "start", "end", "assignee", "status")
PAGE_ERROR = f"Results have pages 1 to {PAGE_MAX}: narrow the search to reach further."


@require_GET
@login_required
@never_cache
@ringcentral_errors
def search(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user.rc_extension_id is None:
        raise ReconnectRequired(NOT_CONNECTED)
    scope = search_scope_for_user(user=user)
    form = SearchForm(
        request.GET or None,
        mailboxes=[(mailbox.extension_id, mailbox.label) for mailbox in scope.mailboxes],
        people=search_people(user=user, scope=scope),
    )
    for name in FIELDS:
        # each control names the place its errors appear, also when htmx fills it in later
        form.fields[name].widget.attrs["aria-describedby"] = f"id_{name}_error"
    query: SearchQuery | None = SearchQuery()  # nothing asked yet
    if form.is_bound:
        query = SearchQuery.from_form(form) if form.is_valid() else None
        if "page" in form.errors:  # an address's page, not a field: said above the form
            form.add_error(None, PAGE_ERROR)
    searching = query is not None and not query.is_empty
    found = search_for_user(user=user, query=query, scope=scope) if query and searching else None
    searched = scope.chosen(query.mailbox) if query is not None else scope.mailboxes
    own = next((m for m in (*scope.mailboxes, *scope.waiting) if m.is_own), None)
    context: dict[str, Any] = {
        "form": form,
        "fields": [form[name] for name in FIELDS],
        "query": query,
        "searching": searching,
        "found": found,
        "scope": scope,
        "history": search_history_pending(mailboxes=searched) if searching else (),
        # what the page follows live: the searched mailboxes, and those not indexed yet
        "followed": [m.extension_id for m in (*searched, *scope.waiting)],
        "live_mailbox": own,
        "filtered": query is not None and bool(query.as_params(text="", page=1)),
    }
    if found is not None and query is not None:
        here = reverse("inbox:search")
        if query.page > 1:
            context["previous_page"] = f"{here}?{urlencode(query.as_params(page=query.page - 1))}"
        if found.has_next:
            context["next_page"] = f"{here}?{urlencode(query.as_params(page=query.page + 1))}"
        if found.hits and user.role == User.Role.ADMIN:
            # every result, not this page's: streamed as CSV and audited (`inbox.exports`)
            export = reverse("inbox:search_export_csv")
            context["export_url"] = f"{export}?{urlencode(query.as_params(page=1))}"
    if getattr(request, "htmx", False) and request.htmx.target == RESULTS:  # type: ignore[attr-defined]
        return render(request, "inbox/search/results.html", context)
    return render(request, "inbox/search/page.html", context)
