"""Helpers for the settings tests: which variables the settings read, and running Django in a
subprocess with exactly the environment a test gives it."""

from __future__ import annotations

import ast
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[2]
SETTINGS_SOURCE = REPO / "config" / "settings.py"
ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_list"}


def names_read_by_settings() -> set[str]:
    """Every variable name passed as a literal to one of the config.env helpers."""
    tree = ast.parse(SETTINGS_SOURCE.read_text())
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ENV_HELPERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without any variable the settings read, plus `variables`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in names_read_by_settings() and name != "DJANGO_SETTINGS_MODULE"
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(variables)
    return env


def production_environment(**overrides: str) -> dict[str, str]:
    variables = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "inbox.example.com",
        "DATABASE_URL": "postgres://inbox:secret@db.example.com:5432/inbox",
        "REDIS_URL": "redis://cache.example.com:6379/0",
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "RINGCENTRAL_SERVER_URL": "https://platform.ringcentral.com",
        "RINGCENTRAL_CLIENT_ID": "client-id",
        "RINGCENTRAL_CLIENT_SECRET": "client-secret",
        "RINGCENTRAL_REDIRECT_URI": "https://inbox.example.com/accounts/callback/",
    }
    variables.update(overrides)
    return clean_environment(**{name: value for name, value in variables.items() if value})


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_in_subprocess(env: dict[str, str], *names: str) -> dict[str, Any]:
    """The values of the named settings as a fresh process with `env` sees them."""
    code = (
        "import json, sys, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))\n"
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return values
