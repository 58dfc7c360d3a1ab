"""The admins' pages of team mailboxes: the list with the two ways to connect one (RingCentral's
sign-in page, or a JWT credential), a team mailbox's name and members, and disconnecting it.
Every view checks first that the person is an admin (`inbox.web.admin_account_check`: a 404
otherwise)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.errors import SignInError
from accounts.services import extension_connect_jwt, extension_connect_start
from accounts.signals import extension_connected
from inbox.models import TeamMailbox
from inbox.team import selectors
from inbox.team.services import (
    NAME_MAX,
    TeamMailboxInvalid,
    team_mailbox_change,
    team_mailbox_disconnect,
)
from inbox.web import admin_account_check, client_ip, signed_in_user


class JwtConnectForm(forms.Form):
    jwt = forms.CharField(
        label="JWT credential",
        max_length=4096,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text="Made in RingCentral's Developer Console for the shared extension's user.",
    )


class TeamMailboxForm(forms.Form):
    name = forms.CharField(label="Name", max_length=NAME_MAX)
    members = forms.TypedMultipleChoiceField(
        label="Members", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, people: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        members = self.fields["members"]
        assert isinstance(members, forms.TypedMultipleChoiceField)
        members.choices = people


def _people(account_id: int) -> list[tuple[int, str]]:
    return [
        (person.pk, person.get_full_name() or person.username)
        for person in selectors.team_member_candidates(account_id=account_id)
    ]


@login_required
@never_cache
def team_mailboxes(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    rows = selectors.team_mailbox_rows_for_admin(user=user)
    return render(request, "inbox/team/list.html", {"rows": rows, "jwt_form": JwtConnectForm()})


@require_POST
@login_required
def team_connect(request: HttpRequest) -> HttpResponse:
    """Off to RingCentral's sign-in page, to sign in as the shared extension."""
    admin_account_check(user=signed_in_user(request))
    back = reverse("inbox:team_mailboxes")
    return redirect(extension_connect_start(session=request.session, next_url=back))


@require_POST
@login_required
@never_cache
def team_connect_jwt(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    account_id = admin_account_check(user=user)
    form = JwtConnectForm(request.POST)
    if form.is_valid():
        try:
            connected = extension_connect_jwt(assertion=form.cleaned_data["jwt"], by=user)
        except SignInError as refused:
            form.add_error("jwt", refused.message)
        else:
            extension_connected.send(
                sender=TeamMailbox, connected=connected, by=user, ip_address=client_ip(request)
            )
            team = TeamMailbox.objects.get(
                account_id=account_id, extension_id=connected.extension_id
            )
            return redirect("inbox:team_mailbox", team_id=team.pk)
    rows = selectors.team_mailbox_rows_for_admin(user=user)
    return render(request, "inbox/team/list.html", {"rows": rows, "jwt_form": form}, status=400)


@login_required
@never_cache
def team_mailbox(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team mailbox's name and members (admins)."""
    user = signed_in_user(request)
    team = selectors.team_mailbox_get_for_admin(user=user, team_id=team_id)
    people = _people(team.account_id)
    if request.method == "POST":
        form = TeamMailboxForm(request.POST, people=people)
        if form.is_valid():
            try:
                team_mailbox_change(
                    team=team,
                    name=form.cleaned_data["name"],
                    member_ids=form.cleaned_data["members"],
                    by=user,
                    ip_address=client_ip(request),
                )
            except TeamMailboxInvalid as refused:
                form.add_error(
                    None if refused.field == "__all__" else refused.field, refused.message
                )
            else:
                return redirect("inbox:team_mailboxes")
        status = 400
    else:
        members = list(team.members.values_list("pk", flat=True))
        form = TeamMailboxForm(initial={"name": team.name, "members": members}, people=people)
        status = 200
    context = {
        "team": team,
        "form": form,
        "connected": selectors.team_mailbox_is_connected(team),
    }
    return render(request, "inbox/team/edit.html", context, status=status)


@login_required
@never_cache
def team_mailbox_disconnect_view(request: HttpRequest, team_id: int) -> HttpResponse:
    """Ask, then disconnect: the session at RingCentral ends; members can no longer work it."""
    user = signed_in_user(request)
    team = selectors.team_mailbox_get_for_admin(user=user, team_id=team_id)
    if request.method == "POST":
        team_mailbox_disconnect(team=team, by=user, ip_address=client_ip(request))
        return redirect("inbox:team_mailboxes")
    return render(request, "inbox/team/confirm_disconnect.html", {"team": team})
