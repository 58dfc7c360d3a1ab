"""The admins' pages of team mailboxes."""

from __future__ import annotations

from django.urls import path

from inbox.team import views

urlpatterns = [
    path("team-mailboxes/", views.team_mailboxes, name="team_mailboxes"),
    path("team-mailboxes/connect/", views.team_connect, name="team_connect"),
    path("team-mailboxes/connect/jwt/", views.team_connect_jwt, name="team_connect_jwt"),
    path("team-mailboxes/<int:team_id>/", views.team_mailbox, name="team_mailbox"),
    path(
        "team-mailboxes/<int:team_id>/disconnect/",
        views.team_mailbox_disconnect_view,
        name="team_mailbox_disconnect",
    ),
]
