"""The Procfile, docker-compose.yml, Dockerfile and .env.example agree with the settings."""

from __future__ import annotations

import json
import os
import re
import runpy
import shlex
from typing import Any

import pytest
import yaml
from django.conf import settings
from gunicorn import util as gunicorn_util  # type: ignore[import-untyped]
from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]

from config.gunicorn import BoundedHttpToolsProtocol
from tests.config.environment import REPO, SETTINGS_SOURCE, names_read_by_settings

APP_SERVICES = ("web", "worker", "beat", "emulator")
DASHBOARD_SERVICES = ("web", "worker", "beat")


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return compose


def _services() -> dict[str, Any]:
    services: dict[str, Any] = _compose()["services"]
    return services


def _procfile() -> dict[str, list[str]]:
    processes = {}
    for line in (REPO / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = shlex.split(command)
    return processes


def _env_example() -> dict[str, str]:
    """Each variable in .env.example with the comment that describes it.

    Variables on consecutive lines share the comment above the first of them.
    """
    described: dict[str, str] = {}
    comment: list[str] = []
    previous = ""
    for line in (REPO / ".env.example").read_text().splitlines():
        match = re.match(r"([A-Z][A-Z0-9_]*)=", line)
        if line.startswith("#"):
            comment.append(line.lstrip("# "))
        elif match:
            previous = described[match.group(1)] = " ".join(comment).strip() or previous
            comment = []
        else:
            comment, previous = [], ""
    return described


def _argv(command: str | list[str]) -> list[str]:
    """The command a service runs; for `sh -c` scripts, the command the script ends by exec-ing."""
    argv = shlex.split(command) if isinstance(command, str) else [str(part) for part in command]
    if argv[:2] == ["sh", "-c"]:
        exec_lines = [line.strip() for line in argv[2].splitlines() if line.strip()]
        assert exec_lines[-1].startswith("exec "), argv[2]
        return shlex.split(exec_lines[-1])[1:]
    return argv


def _gunicorn_config(argv: list[str]) -> dict[str, Any]:
    """The settings of the gunicorn config file a gunicorn command names (`-c`/`--config`)."""
    for flag in ("-c", "--config"):
        if flag in argv:
            return runpy.run_path(str(REPO / argv[argv.index(flag) + 1]))
    return {}


def _gunicorn_worker_class(argv: list[str]) -> type[Any]:
    """The worker class a gunicorn command runs: its `-k`/`--worker-class`, else its config's."""
    name = next(
        (argv[argv.index(flag) + 1] for flag in ("-k", "--worker-class") if flag in argv),
        _gunicorn_config(argv).get("worker_class", "sync"),
    )
    return gunicorn_util.load_class(name)  # type: ignore[no-any-return]


def _what_it_runs(argv: list[str]) -> tuple[str, ...]:
    """What a command runs, so that uvicorn, runserver and gunicorn (with its worker class)
    count as serving the same app."""
    if argv[:3] == ["python", "manage.py", "runserver"]:
        return ("wsgi", settings.WSGI_APPLICATION)
    if argv[0] == "uvicorn":
        module, _, attribute = argv[1].partition(":")
        return ("asgi", f"{module}.{attribute or 'application'}")
    if argv[0] == "gunicorn":
        module, _, attribute = argv[1].partition(":")
        interface = "asgi" if issubclass(_gunicorn_worker_class(argv), UvicornWorker) else "wsgi"
        return (interface, f"{module}.{attribute or 'application'}")
    if argv[0] == "celery":
        queues = argv[argv.index("-Q") + 1] if "-Q" in argv else ""
        return ("celery", argv[argv.index("-A") + 1], argv[3], queues)
    if argv[:3] == ["python", "-m", "emulator"]:
        options = dict(zip(argv[4::2], argv[5::2], strict=False))
        return ("emulator", argv[3], options["--port"])
    return tuple(argv)


def test_it_has_exactly_the_four_local_processes() -> None:
    assert list(_procfile()) == ["web", "worker", "emulator", "beat"]


def test_it_has_a_compose_service_for_every_process() -> None:
    assert set(_services()) >= {*_procfile(), "postgres", "redis", "beat"}


@pytest.mark.parametrize("process", ["web", "worker", "emulator", "beat"])
def test_it_runs_the_same_command_in_compose_as_locally(process: str) -> None:
    local = _procfile()[process]
    deployed = _argv(_services()[process]["command"])

    assert _what_it_runs(deployed) == _what_it_runs(local)


def test_it_serves_the_dashboard_over_asgi_locally_in_compose_and_in_the_image() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    image = json.loads(
        next(line for line in dockerfile.splitlines() if line.startswith("CMD "))[4:]
    )
    commands = [_procfile()["web"], _argv(_services()["web"]["command"]), image]

    assert {_what_it_runs(argv) for argv in commands} == {("asgi", "config.asgi.application")}
    assert _procfile()["web"][0] == "uvicorn"
    assert all(argv[0] == "gunicorn" for argv in commands[1:])


def test_its_gunicorn_runs_uvicorn_workers_that_keep_the_request_bounds() -> None:
    compose = _argv(_services()["web"]["command"])
    bounds = _gunicorn_config(compose)
    worker = _gunicorn_worker_class(compose)

    assert issubclass(worker, UvicornWorker)
    assert worker.CONFIG_KWARGS["http"] == "httptools"
    assert {"limit_request_line", "limit_request_fields", "limit_request_field_size"} <= set(bounds)
    assert (
        BoundedHttpToolsProtocol.line_limit,
        BoundedHttpToolsProtocol.fields_limit,
        BoundedHttpToolsProtocol.field_size_limit,
    ) == (
        bounds["limit_request_line"],
        bounds["limit_request_fields"],
        bounds["limit_request_field_size"],
    )


def test_it_runs_celery_beat_in_compose() -> None:
    assert _argv(_services()["beat"]["command"])[:4] == ["celery", "-A", "config", "beat"]


def test_it_builds_one_image_for_every_app_service() -> None:
    services = _services()

    images = {services[name]["image"] for name in APP_SERVICES}
    builds = [services[name]["build"] for name in APP_SERVICES]

    assert len(images) == 1
    assert all(build == {"context": "."} for build in builds)


def test_it_checks_the_health_of_every_service() -> None:
    services = _services()

    assert all("healthcheck" in service for service in services.values())
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_it_keeps_data_in_named_volumes() -> None:
    compose = _compose()
    mounts = {
        name: [volume.split(":")[0] for volume in compose["services"][name]["volumes"]]
        for name in ("postgres", "redis", "emulator")
    }

    assert mounts == {
        "postgres": ["postgres-data"],
        "redis": ["redis-data"],
        "emulator": ["emulator-data"],
    }
    assert set(compose["volumes"]) == {
        "postgres-data",
        "redis-data",
        "emulator-data",
        "media-files",
    }


def test_it_shares_one_media_volume_between_web_and_worker() -> None:
    services = _services()

    for name in ("web", "worker"):
        assert "media-files:/data" in services[name]["volumes"]
        assert services[name]["environment"]["MEDIA_ROOT"].startswith("/data/")


def test_it_runs_postgres_16_and_redis_7_with_an_append_only_file() -> None:
    services = _services()

    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert "--appendonly yes" in " ".join(services["redis"]["command"])


def test_it_sets_only_variables_that_the_settings_read() -> None:
    services = _services()
    read = names_read_by_settings()

    for name in DASHBOARD_SERVICES:
        assert set(services[name]["environment"]) <= read, name


def test_it_runs_the_dashboard_in_production_mode() -> None:
    services = _services()

    for name in DASHBOARD_SERVICES:
        assert services[name]["environment"]["DJANGO_ENV"] == "production", name


def test_it_reads_the_environment_only_through_the_helpers() -> None:
    source = SETTINGS_SOURCE.read_text()

    assert "os.environ" not in source
    assert "getenv" not in source
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= names_read_by_settings()


def test_it_describes_every_setting_in_env_example() -> None:
    described = _env_example()

    missing = names_read_by_settings() - set(described)

    assert not missing
    assert all(described[name] for name in names_read_by_settings())


def test_it_lists_nothing_in_env_example_that_nothing_reads() -> None:
    compose_source = (REPO / "docker-compose.yml").read_text()

    unused = {
        name
        for name in _env_example()
        if name not in names_read_by_settings() and f"${{{name}" not in compose_source
    }

    assert not unused


def test_it_marks_the_production_requirements_in_env_example() -> None:
    described = _env_example()

    marked = {name for name, text in described.items() if "[production: required]" in text}

    assert marked == set(settings.PRODUCTION_REQUIRED)


def test_it_builds_a_slim_image_that_runs_as_a_normal_user() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    instructions = [line.split(None, 1) for line in dockerfile.splitlines() if line[:1].isupper()]

    assert instructions[0] == ["FROM", "python:3.11-slim"]
    assert ["USER", "app"] in instructions
    assert "pip install ." in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile


def test_it_has_an_executable_strict_ci_script() -> None:
    script = REPO / ".ci" / "run"

    assert os.access(script, os.X_OK)
    assert script.read_text().splitlines()[:2] == ["#!/usr/bin/env bash", "set -euo pipefail"]
