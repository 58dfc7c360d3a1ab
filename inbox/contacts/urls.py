"""The address book's pages."""

from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.contacts import views

urlpatterns = [
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/new/", views.contact_new, name="contact_new"),
    path("contacts/add/", views.contact_add, name="contact_add"),
    path("contacts/export.csv", views.contacts_export, name="contacts_export"),
    path("contacts/import/", views.contacts_import, name="contacts_import"),
    path("contacts/<int64:contact_id>/", views.contact_edit, name="contact_edit"),
    path("contacts/<int64:contact_id>/delete/", views.contact_delete, name="contact_delete"),
]
