from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from inbox.views import HealthCheckApi

urlpatterns = [
    path("", include("inbox.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", include("inbox.api_urls")),
    path("healthz", HealthCheckApi.as_view(), name="healthz"),
    path("admin/", admin.site.urls),
]
