from __future__ import annotations

from cryptography.fernet import Fernet

from tests.config.environment import (
    clean_environment,
    production_environment,
    run_python,
    settings_in_subprocess,
)

SETUP = "import django; django.setup()"


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_it_refuses_to_start_in_production_without_its_settings() -> None:
    result = run_python(SETUP, clean_environment(DJANGO_ENV="production"))

    assert result.returncode != 0
    message = _last_line(result.stderr)
    assert message.startswith("django.core.exceptions.ImproperlyConfigured")
    for name in (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "TOKEN_ENCRYPTION_KEYS",
        "RINGCENTRAL_SERVER_URL",
        "RINGCENTRAL_CLIENT_ID",
        "RINGCENTRAL_CLIENT_SECRET",
        "RINGCENTRAL_REDIRECT_URI",
    ):
        assert name in message


def test_it_names_only_the_missing_settings() -> None:
    env = production_environment(REDIS_URL="", RINGCENTRAL_CLIENT_SECRET="")

    result = run_python(SETUP, env)

    assert result.returncode != 0
    message = _last_line(result.stderr)
    assert message.endswith("which are not set: REDIS_URL, RINGCENTRAL_CLIENT_SECRET")


def test_it_starts_in_production_with_its_settings() -> None:
    values = settings_in_subprocess(production_environment(), "DEBUG", "ALLOWED_HOSTS")

    assert values == {"DEBUG": False, "ALLOWED_HOSTS": ["inbox.example.com"]}


def test_it_passes_the_deployment_checks_without_warnings_in_production() -> None:
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'DEBUG'])",
        production_environment(),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNING" not in result.stderr


def test_it_secures_cookies_and_https_in_production() -> None:
    values = settings_in_subprocess(
        production_environment(),
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
    )

    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 31_536_000,
    }


def test_it_runs_locally_without_any_server() -> None:
    values = settings_in_subprocess(
        clean_environment(),
        "DEBUG",
        "DATABASES",
        "CACHES",
        "CELERY_BROKER_URL",
        "CELERY_BROKER_TRANSPORT_OPTIONS",
        "BASE_DIR",
    )

    base = values["BASE_DIR"]
    database = values["DATABASES"]["default"]
    assert values["DEBUG"] is True
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == f"{base}/var/db.sqlite3"
    assert values["CACHES"]["default"]["BACKEND"].endswith("FileBasedCache")
    assert values["CELERY_BROKER_URL"] == "filesystem://localhost/"
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"]["data_folder_in"] == (
        f"{base}/var/celery/messages"
    )


def test_it_uses_postgres_and_redis_when_given_their_urls() -> None:
    values = settings_in_subprocess(
        clean_environment(
            DATABASE_URL="postgres://alice:pw@db.example.com:5433/inbox",
            REDIS_URL="redis://cache.example.com:6379/2",
        ),
        "DATABASES",
        "CACHES",
        "CELERY_BROKER_URL",
    )

    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == (
        "db.example.com",
        5433,
        "inbox",
    )
    assert values["CACHES"]["default"]["LOCATION"] == "redis://cache.example.com:6379/2"
    assert values["CELERY_BROKER_URL"] == "redis://cache.example.com:6379/2"


def test_it_points_at_the_emulator_demo_app_by_default() -> None:
    values = settings_in_subprocess(
        clean_environment(),
        "RINGCENTRAL_SERVER_URL",
        "RINGCENTRAL_CLIENT_ID",
        "RINGCENTRAL_CLIENT_SECRET",
        "RINGCENTRAL_REDIRECT_URI",
    )

    assert values == {
        "RINGCENTRAL_SERVER_URL": "http://127.0.0.1:8090",
        "RINGCENTRAL_CLIENT_ID": "demo-inbox-client",
        "RINGCENTRAL_CLIENT_SECRET": "demo-inbox-secret",
        "RINGCENTRAL_REDIRECT_URI": "http://127.0.0.1:8000/accounts/callback/",
    }


def test_it_derives_the_development_token_key_from_the_secret_key() -> None:
    first = settings_in_subprocess(clean_environment(SECRET_KEY="one"), "TOKEN_ENCRYPTION_KEYS")
    again = settings_in_subprocess(clean_environment(SECRET_KEY="one"), "TOKEN_ENCRYPTION_KEYS")
    other = settings_in_subprocess(clean_environment(SECRET_KEY="two"), "TOKEN_ENCRYPTION_KEYS")

    keys = first["TOKEN_ENCRYPTION_KEYS"]
    assert len(keys) == 1
    assert keys == again["TOKEN_ENCRYPTION_KEYS"]
    assert keys != other["TOKEN_ENCRYPTION_KEYS"]
    token = Fernet(keys[0]).encrypt(b"refresh-token")
    assert Fernet(keys[0]).decrypt(token) == b"refresh-token"


def test_it_keeps_token_keys_in_the_order_given() -> None:
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    values = settings_in_subprocess(
        clean_environment(TOKEN_ENCRYPTION_KEYS=f" {new} , {old} "), "TOKEN_ENCRYPTION_KEYS"
    )

    assert values["TOKEN_ENCRYPTION_KEYS"] == [new, old]


def test_it_rejects_a_token_key_that_is_not_a_fernet_key() -> None:
    good = Fernet.generate_key().decode()

    result = run_python(SETUP, clean_environment(TOKEN_ENCRYPTION_KEYS=f"{good},not-a-key"))

    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS: key number 2 is not a Fernet key" in result.stderr
    assert "not-a-key" not in _last_line(result.stderr)


def test_it_rejects_an_unknown_environment_name() -> None:
    result = run_python(SETUP, clean_environment(DJANGO_ENV="prod"))

    assert result.returncode != 0
    assert "DJANGO_ENV must be 'development' or 'production', not 'prod'" in result.stderr


def test_it_rejects_a_debug_value_that_is_not_a_boolean() -> None:
    result = run_python(SETUP, clean_environment(DJANGO_DEBUG="maybe"))

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false, not 'maybe'" in result.stderr


def test_it_reads_comma_separated_hosts() -> None:
    values = settings_in_subprocess(
        clean_environment(
            ALLOWED_HOSTS="inbox.example.com, .example.org",
            CSRF_TRUSTED_ORIGINS="https://inbox.example.com",
        ),
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
    )

    assert values == {
        "ALLOWED_HOSTS": ["inbox.example.com", ".example.org"],
        "CSRF_TRUSTED_ORIGINS": ["https://inbox.example.com"],
    }
