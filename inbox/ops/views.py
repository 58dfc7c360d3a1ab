"""`/healthz`: whether the services the dashboard needs answer (for load balancers and
`docker compose`'s health check)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inbox.ops.health import health_report, is_healthy


class HealthCheckApi(APIView):
    """200 when the database, cache, broker and RingCentral server are all reachable, else 503."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        database = serializers.CharField()
        cache = serializers.CharField()
        broker = serializers.CharField()
        ringcentral = serializers.CharField()

    @extend_schema(
        tags=["Service"],
        operation_id="health_check",
        summary="Whether the services the dashboard needs are reachable",
        responses={200: OutputSerializer, 503: OutputSerializer},
    )
    def get(self, request: Request) -> Response:
        report = health_report()
        response = Response(
            self.OutputSerializer(report).data, status=200 if is_healthy(report) else 503
        )
        response["Cache-Control"] = "no-store"
        return response
