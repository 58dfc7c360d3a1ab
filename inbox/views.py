from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inbox.health import health_report, is_healthy


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "inbox/home.html")


class HealthCheckApi(APIView):
    """200 when the database, cache, broker and RingCentral server are all reachable, else 503."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        database = serializers.CharField()
        cache = serializers.CharField()
        broker = serializers.CharField()
        ringcentral = serializers.CharField()

    def get(self, request: Request) -> Response:
        report = health_report()
        response = Response(
            self.OutputSerializer(report).data, status=200 if is_healthy(report) else 503
        )
        response["Cache-Control"] = "no-store"
        return response
