from __future__ import annotations

from django.urls import path

from inbox.workspace import views

urlpatterns = [
    path("theme/", views.theme_set, name="theme"),
    path("workspace/sidebar/", views.sidebar, name="sidebar"),
]
