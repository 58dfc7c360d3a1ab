from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.live import stream, views

urlpatterns = [
    path("webhooks/ringcentral/<uuid:hook_id>/", views.webhook, name="webhook"),
    path("inbox/live/stream/", stream.live_stream, name="live_stream"),
    path("inbox/<int64:extension_id>/live/", views.live_state, name="live_state"),
    path("inbox/ops/", views.ops, name="ops"),
]
