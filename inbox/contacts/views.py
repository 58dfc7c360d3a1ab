"""The address book's pages: the list with its search, adding (also in one step from a
conversation), changing and deleting a contact, and the CSV export and import.

Every view first checks that the person is signed in with RingCentral
(`contact_account_check`: everyone else gets a 404); a contact is found with
`contact_get_for_user`, within the person's own account.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from inbox.contacts import selectors, services
from inbox.contacts.forms import ContactForm, ImportForm, QuickContactForm, too_large_message
from inbox.contacts.rules import ContactInvalid, NumberEntry
from inbox.contacts.uploads import import_upload_exceeded, import_upload_limit_install
from inbox.models import Contact
from inbox.web import client_ip, same_site, signed_in_user


def _list_url() -> str:
    return reverse("inbox:contacts")


def _next_of(request: HttpRequest) -> str:
    return same_site(request, request.POST.get("next") or request.GET.get("next") or "")


def _blame(form: ContactForm | QuickContactForm, invalid: ContactInvalid) -> None:
    field = invalid.field if invalid.field in form.fields else None
    if field is None and "number" in form.fields:
        field = "number"
    form.add_error(field, invalid.message)


@require_GET
@login_required
@never_cache
def contact_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    search = request.GET.get("q", "")[:100]
    contacts = selectors.contacts_for_user(user=user, search=search)
    page = Paginator(contacts, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inbox/contacts/list.html",
        {"page": page, "search": search},
    )


def _contact_form_page(
    request: HttpRequest, form: ContactForm, *, contact: Contact | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "inbox/contacts/edit.html",
        {"form": form, "contact": contact, "next": _next_of(request)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def contact_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    selectors.contact_account_check(user=user)
    if request.method != "POST":
        # prefilled from a conversation: its number and the name RingCentral gives
        initial = {
            "name": request.GET.get("name", "")[:120],
            "numbers": request.GET.get("number", "")[:40],
        }
        return _contact_form_page(request, ContactForm(initial=initial), contact=None)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            contact = services.contact_create(
                user=user, data=form.contact_input(), ip_address=client_ip(request)
            )
        except ContactInvalid as invalid:
            _blame(form, invalid)
        else:
            messages.success(request, f"Added {contact.name} to the contacts.")
            return redirect(_next_of(request) or _list_url())
    return _contact_form_page(request, form, contact=None, status=400)


@require_POST
@login_required
def contact_add(request: HttpRequest) -> HttpResponse:
    """The "Add to contacts" of a conversation's details: its number and a name, one submit,
    back to the conversation. A refusal opens the whole form with the values and the reason."""
    user = signed_in_user(request)
    selectors.contact_account_check(user=user)
    quick = QuickContactForm(request.POST)
    if quick.is_valid():
        try:
            contact = services.contact_create(
                user=user, data=quick.contact_input(), ip_address=client_ip(request)
            )
        except ContactInvalid as invalid:
            _blame(quick, invalid)
        else:
            messages.success(request, f"Added {contact.name} to the contacts.")
            return redirect(_next_of(request) or _list_url())
    form = ContactForm(
        {"name": request.POST.get("name", ""), "numbers": request.POST.get("number", "")}
    )
    form.is_valid()
    for field, errors in quick.errors.items():
        target = "numbers" if field == "number" else field
        for error in errors:
            if error not in form.errors.get(target, []):
                form.add_error(target if target in form.fields else None, error)
    return _contact_form_page(request, form, contact=None, status=400)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    user = signed_in_user(request)
    contact = selectors.contact_get_for_user(user=user, contact_id=contact_id)
    if request.method != "POST":
        initial = {
            "name": contact.name,
            "company": contact.company,
            "notes": contact.notes,
            "numbers": "\n".join(
                NumberEntry(n.number, n.label).as_text for n in contact.numbers.all()
            ),
        }
        return _contact_form_page(request, ContactForm(initial=initial), contact=contact)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.contact_update(
                user=user, contact=contact, data=form.contact_input(), ip_address=client_ip(request)
            )
        except ContactInvalid as invalid:
            _blame(form, invalid)
        else:
            messages.success(request, f"Saved {contact.name}.")
            return redirect(_next_of(request) or _list_url())
    return _contact_form_page(request, form, contact=contact, status=400)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def contact_delete(request: HttpRequest, contact_id: int) -> HttpResponse:
    user = signed_in_user(request)
    contact = selectors.contact_get_for_user(user=user, contact_id=contact_id)
    if request.method != "POST":
        return render(request, "inbox/contacts/confirm_delete.html", {"contact": contact})
    name = contact.name
    services.contact_delete(user=user, contact=contact, ip_address=client_ip(request))
    messages.success(request, f"Deleted the contact {name}.")
    return redirect(_list_url())


@require_GET
@login_required
def contacts_export(request: HttpRequest) -> StreamingHttpResponse:
    """The account's contacts as CSV, streamed; cells a spreadsheet would run as formulas
    are written as text."""
    user = signed_in_user(request)
    selectors.contact_account_check(user=user)
    services.contacts_export_record(user=user, ip_address=client_ip(request))
    response = StreamingHttpResponse(
        services.contacts_csv_rows(user=user), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="contacts-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _body_read(request: HttpRequest) -> bool:
    return request.POST is not None and request.FILES is not None


@csrf_exempt  # checked by `_contacts_import`, once the upload limit is in place
@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def contacts_import(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST":
        import_upload_limit_install(request)
    return _contacts_import(request)


@csrf_protect
def _contacts_import(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    selectors.contact_account_check(user=user)
    context: dict[str, Any] = {"report": None, "refusal": ""}
    status = 200
    if request.method != "POST":
        form = ImportForm()
    elif _body_read(request) and import_upload_exceeded(request):
        form = ImportForm()
        context["refusal"] = too_large_message()
        status = 413
    else:
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                context["report"] = services.contacts_import(
                    user=user, text=form.cleaned_data["file"], ip_address=client_ip(request)
                )
            except services.ImportUnreadable as unreadable:
                form.add_error("file", str(unreadable))
        if not form.is_valid():
            status = 400
    context["form"] = form
    return render(request, "inbox/contacts/import.html", context, status=status)
