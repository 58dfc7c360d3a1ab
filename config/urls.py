from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from inbox.site_views import favicon
from inbox.views import HealthCheckApi

handler500 = "inbox.site_views.server_error"

urlpatterns = [
    path("", include("inbox.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", include("inbox.api_urls")),
    path("healthz", HealthCheckApi.as_view(), name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
]
