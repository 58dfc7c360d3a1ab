from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from inbox.ops.views import HealthCheckApi
from inbox.web import favicon

handler400 = "inbox.web.bad_request"
handler500 = "inbox.web.server_error"

urlpatterns = [
    path("", include("inbox.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", include("inbox.api_urls")),
    path("healthz", HealthCheckApi.as_view(), name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
]
