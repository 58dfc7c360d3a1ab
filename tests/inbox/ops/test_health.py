from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings


class FakeRingCentral:
    """A local HTTP server that answers every request with one status and notes the paths."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.paths.append(self.path)
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeRingCentral:
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ringcentral(settings: Settings) -> Iterator[FakeRingCentral]:
    with FakeRingCentral(status=401) as server:
        settings.RINGCENTRAL_SERVER_URL = server.url
        yield server


@pytest.mark.django_db
def test_it_is_ok_when_everything_is_up(client: Client, ringcentral: FakeRingCentral) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok", "ringcentral": "ok"}
    assert ringcentral.paths == ["/restapi/v1.0"]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [200, 404, 500])
def test_it_counts_any_http_answer_as_reachable(
    client: Client, settings: Settings, status: int
) -> None:
    with FakeRingCentral(status=status) as server:
        settings.RINGCENTRAL_SERVER_URL = server.url

        response = client.get("/healthz")

    assert response.json()["ringcentral"] == "ok"


@pytest.mark.django_db
def test_it_is_unavailable_when_ringcentral_cannot_be_reached(
    client: Client, settings: Settings, unused_tcp_port: int
) -> None:
    settings.RINGCENTRAL_SERVER_URL = f"http://127.0.0.1:{unused_tcp_port}"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "ringcentral": f"error: cannot connect to http://127.0.0.1:{unused_tcp_port}/restapi/v1.0",
    }


@pytest.mark.django_db
def test_it_is_unavailable_when_the_broker_folder_is_missing(
    client: Client, settings: Settings, ringcentral: FakeRingCentral, tmp_path: Path
) -> None:
    missing = tmp_path / "missing"
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(missing),
        "data_folder_out": str(missing),
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"].startswith(f"error: cannot write to {missing}")


@pytest.mark.django_db
def test_it_is_unavailable_when_redis_is_down(
    client: Client, settings: Settings, ringcentral: FakeRingCentral, unused_tcp_port: int
) -> None:
    down = f"redis://127.0.0.1:{unused_tcp_port}/0"
    settings.CELERY_BROKER_URL = down
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": down}
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    report = response.json()
    assert report["database"] == "ok"
    assert report["cache"].startswith("error: ConnectionError")
    assert report["broker"].startswith("error: ConnectionError")
