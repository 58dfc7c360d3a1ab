from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox import live_views

urlpatterns = [
    path("webhooks/ringcentral/<uuid:hook_id>/", live_views.webhook, name="webhook"),
    path("inbox/<int64:extension_id>/live/", live_views.live_state, name="live_state"),
    path("inbox/ops/", live_views.ops, name="ops"),
]
