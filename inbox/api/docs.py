"""The OpenAPI schema (`/api/schema/`) and its page (`/api/docs/`), whose errors (a 405, say)
are JSON like the rest of `/api/`, not YAML or HTML.

Not in `inbox.api.schema`: that module is the schema class every view's `@extend_schema`
needs while it is being defined, and these views are such views.
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
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


# Under the site's content security policy: the page's start-up script comes from this same
# address (`?script`) instead of inline, and Swagger UI's stylesheet draws its icons from
# data: URLs (templates/drf_spectacular/swagger_ui.html takes its inline style out).
@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class SchemaDocsApi(JsonErrorsMixin, SpectacularSwaggerSplitView):
    pass
