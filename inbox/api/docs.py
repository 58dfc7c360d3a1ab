"""The OpenAPI schema (`/api/schema/`) and its page (`/api/docs/`), whose errors (a 405, say)
are JSON like the rest of `/api/`, not YAML or HTML.

Not in `inbox.api.schema`: that module is the schema class every view's `@extend_schema`
needs while it is being defined, and these views are such views.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

JSON = "application/json"


class JsonErrorsMixin:
    """Errors as JSON (a 405, say) from a view whose answers are YAML or HTML."""

    def handle_exception(self, exc: Exception) -> Response:
        request = self.request  # type: ignore[attr-defined]
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSON
        response: Response = super().handle_exception(exc)  # type: ignore[misc]
        return response


class SchemaApi(JsonErrorsMixin, SpectacularAPIView):
    pass


class SchemaDocsApi(JsonErrorsMixin, SpectacularSwaggerView):
    pass
