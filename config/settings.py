"""Django settings, all read from the environment (see `.env.example`).

Without any variables set, the project runs locally with no servers: SQLite in `var/`, a file
cache, and Celery on kombu's filesystem transport. `DJANGO_ENV=production` turns on the
production settings and refuses to start without the secrets and servers production needs.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be 'development' or 'production', not {DJANGO_ENV!r}."
    )
IS_PRODUCTION = DJANGO_ENV == "production"

# Production has no defaults for its secrets or the servers it talks to.
PRODUCTION_REQUIRED = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "TOKEN_ENCRYPTION_KEYS",
    "RINGCENTRAL_SERVER_URL",
    "RINGCENTRAL_CLIENT_ID",
    "RINGCENTRAL_CLIENT_SECRET",
    "RINGCENTRAL_REDIRECT_URI",
)
if IS_PRODUCTION:
    _missing = [name for name in PRODUCTION_REQUIRED if not env_str(name)]
    if _missing:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs these environment variables, which are not set: "
            + ", ".join(_missing)
        )

# --- Core -----------------------------------------------------------------------------------

SECRET_KEY = env_str(
    "SECRET_KEY", "django-insecure-local-development-only-never-use-this-key-in-production"
)
DEBUG = env_bool("DJANGO_DEBUG", default=not IS_PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "accounts",
    "inbox",
]

MIDDLEWARE = [
    # outermost, so it times everything else (off unless SERVER_TIMING is set)
    "config.server_timing.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security_policy.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # before anything reads the request: see "Request limits" below
    "inbox.web.Utf8RequiredMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.ReconnectMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # request.htmx: which part of a page a partial request asks for
    "django_htmx.middleware.HtmxMiddleware",
]

# `Server-Timing` with each response's time and CPU time (config/server_timing.py): for the
# benchmarks, which report CPU-ms per view
SERVER_TIMING = env_bool("SERVER_TIMING", default=False)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "inbox.workspace.context.workspace",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
# where signing in lands when no page was asked for (`?next=`): the person's own mailbox
LOGIN_REDIRECT_URL = "inbox:inbox"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    # `Authorization: Token <key>` for scripts, or the browser's session (with CSRF on writes);
    # the token first, so that an anonymous request gets 401 with `WWW-Authenticate: Token`
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "inbox.api.auth.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "inbox.api.schema.InboxAutoSchema",
    "EXCEPTION_HANDLER": "inbox.api.errors.api_exception_handler",
}
# The OpenAPI schema at /api/schema/ and its page at /api/docs/ (assets served from here)
SPECTACULAR_SETTINGS = {
    "TITLE": "Team Inbox API",
    "DESCRIPTION": "Conversations, threads and attachments of RingCentral mailboxes.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # ids in addresses (inbox.path_ids): 0 and larger numbers are not ids, the route answers 404
    "PATH_CONVERTER_OVERRIDES": {
        "int64": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}
    },
}

# --- Database -------------------------------------------------------------------------------

_database: dict[str, Any] = dict(
    dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,
    )
)
if _database["ENGINE"] == "django.db.backends.sqlite3" and _database["NAME"] != ":memory:":
    _sqlite_file = Path(_database["NAME"])
    _sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    _database["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DATABASES = {"default": _database}

# --- Cache and Celery -----------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
# Put before every cache key, in Redis and in the file cache alike: instances that share one
# Redis (or one var/cache) keep apart by giving each a prefix of its own.
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "inbox")
CELERY_FILESYSTEM_DIR = Path(env_str("CELERY_FILESYSTEM_DIR", str(VAR_DIR / "celery")))

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    if REDIS_URL.startswith("redis://"):
        # kombu's Redis transport, surviving the broker's restart (see config/redis_broker.py);
        # a `rediss://` address keeps kombu's own, which reads TLS from the scheme
        CELERY_BROKER_TRANSPORT = "config.redis_broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {"visibility_timeout": 3600}
else:
    # A file cache, shared by the web and worker processes on one machine.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
    CELERY_BROKER_URL = "filesystem://localhost/"
    # kombu's filesystem transport, writing each message file whole (see config/broker.py)
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "messages"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "messages"),
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        # kombu looks for new messages once a second by default: too slow for a send queue
        "polling_interval": 0.1,
    }
    (CELERY_FILESYSTEM_DIR / "messages").mkdir(parents=True, exist_ok=True)
    (CELERY_FILESYSTEM_DIR / "control").mkdir(parents=True, exist_ok=True)

# The database rows are the truth about work done, so task results are not stored.
CELERY_RESULT_BACKEND = None

# --- Sending (inbox.sending.pipeline) ----------------------------------------------------------

# The queue every task of the send pipeline and of admins' bulk delete jobs goes to (their
# follow-ups included); blank: the route table of config/celery.py (RingCentral calls on
# `ringcentral`, recovery on `default`). Tests point it at their worker.
SEND_TASK_QUEUE = env_str("SEND_TASK_QUEUE")
# A send claimed by a worker that has not finished within this many seconds is taken to have
# lost its worker; longer than a slot wait plus a call's timeouts (30 + 35 s).
SEND_LEASE_SECONDS = env_int("SEND_LEASE_SECONDS", default=120)
# A queued send still waiting this many seconds after it was due is enqueued again (the broker
# may have lost its message, or hold it for a dead worker until the visibility timeout).
SEND_OVERDUE_SECONDS = env_int("SEND_OVERDUE_SECONDS", default=30)
# How often Celery beat runs the recovery of stuck sends, in seconds.
SEND_RECOVER_EVERY = env_int("SEND_RECOVER_EVERY", default=15)

# Files of sends (MMS attachments, fax documents): web and worker must share this folder.
# Never served by the web server: only the worker reads them, to upload them to RingCentral.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# --- Live updates (inbox.live) ---------------------------------------------------------------

# Where RingCentral reaches this dashboard's webhook (`<base>/webhooks/ringcentral/<hook>/`):
# the public origin in production; locally the development server, which the emulator reaches.
WEBHOOK_BASE_URL = env_str("WEBHOOK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Seconds between the periodic ISync of each mailbox open in a browser or subscribed (a safety
# net for lost notifications, and the only source of changes where RingCentral cannot reach the
# webhook); 3 a minute fit well inside the Light group's 50.
LIVE_SYNC_EVERY = env_int("LIVE_SYNC_EVERY", default=20)
# Seconds between checks of the WebHook subscriptions (renewal, blacklisting, missing ones).
LIVE_SUBSCRIPTION_CHECK_EVERY = env_int("LIVE_SUBSCRIPTION_CHECK_EVERY", default=300)
# Lifetime asked for each subscription, in seconds (RingCentral's own default is 7 days);
# it is renewed when less than a quarter of it is left.
LIVE_SUBSCRIPTION_TTL = env_int("LIVE_SUBSCRIPTION_TTL", default=604800)
# The queue of every live-update task; blank: the route table of config/celery.py. Tests point
# it at their own worker.
LIVE_TASK_QUEUE = env_str("LIVE_TASK_QUEUE")

# --- History back-fill (inbox.history) -------------------------------------------------------

# The queue of every task of the history back-fill; blank: the route table of config/celery.py
# (the `history` queue, apart from sends and syncs). Tests point it at their own worker.
HISTORY_TASK_QUEUE = env_str("HISTORY_TASK_QUEUE")
# Seconds between Celery beat's rounds that start or continue back-fills and mark mailboxes
# nobody's session can read any more as stale.
HISTORY_EVERY = env_int("HISTORY_EVERY", default=60)
# Seconds between two re-checks of a back-filled history for messages deleted, purged or
# restored elsewhere (in RingCentral's own apps); each is a call or two of the Light group.
HISTORY_RECHECK_EVERY = env_int("HISTORY_RECHECK_EVERY", default=6 * 3600)

# --- RingCentral ----------------------------------------------------------------------------

# The defaults point at the local emulator and its demo app.
RINGCENTRAL_SERVER_URL = env_str("RINGCENTRAL_SERVER_URL", "http://127.0.0.1:8090").rstrip("/")
RINGCENTRAL_CLIENT_ID = env_str("RINGCENTRAL_CLIENT_ID", "demo-inbox-client")
RINGCENTRAL_CLIENT_SECRET = env_str("RINGCENTRAL_CLIENT_SECRET", "demo-inbox-secret")
RINGCENTRAL_REDIRECT_URI = env_str(
    "RINGCENTRAL_REDIRECT_URI", "http://127.0.0.1:8000/accounts/callback/"
)
# Where browsers open RingCentral's sign-in page, when they reach the platform at another
# origin than this server does (docker-compose: the emulator is http://emulator:8090 inside).
RINGCENTRAL_AUTHORIZE_URL = env_str("RINGCENTRAL_AUTHORIZE_URL", RINGCENTRAL_SERVER_URL).rstrip("/")


def _key_from_secret(secret: str) -> str:
    digest = hashlib.sha256(f"token-encryption:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


# The first key encrypts; every key decrypts, so keys can be rotated.
TOKEN_ENCRYPTION_KEYS = env_list("TOKEN_ENCRYPTION_KEYS") or [_key_from_secret(SECRET_KEY)]
for _position, _key in enumerate(TOKEN_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            f"TOKEN_ENCRYPTION_KEYS: key number {_position} is not a Fernet key. Make one with "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"`.'
        ) from None

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# --- Request limits -------------------------------------------------------------------------

# What one request may hold before it is refused unread (inbox.web.bad_request answers: 413
# for a body too large, 400 for too many fields or files, and 400 for an address, query or
# form that is not UTF-8, which inbox.web.Utf8RequiredMiddleware checks). Django's defaults,
# stated here because the pages and the API rely on them: a form or JSON body of 2.5 MB at most
# (files do not count: a fax's 50 MB are capped by inbox/fax/uploads.py as they arrive, MMS
# files by inbox/sending/rules.py), files above 2.5 MB in temporary files rather than memory,
# 1,000 fields or query parameters, 100 files (a fax takes any number of documents up to 50 MB
# together, an MMS 10). The request line and headers are bounded before Django by gunicorn
# (config/gunicorn.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 100

# --- Security -------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
X_FRAME_OPTIONS = "DENY"

if IS_PRODUCTION:
    # TLS ends at the reverse proxy, which must set X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # The container health check calls /healthz over plain HTTP from inside.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Content security policy ----------------------------------------------------------------

# One policy for every response, in development and tests too (django-csp leaves alone a
# response that sets its own, as the attachment proxy does). Scripts and styles come only from
# static/: no inline script, event handler attribute, <style> or style="…" anywhere, so a
# customer's text that slipped through escaping could still run nothing.
# The one exception is templates/500.html, self-contained so that it renders when the rest of
# the site cannot: its <style> is allowed by its hash, taken from the file itself. Forms may
# also lead to RingCentral's sign-in page, whose origin the middleware adds from
# RINGCENTRAL_AUTHORIZE_URL (config/security_policy.py).


def _inline_style_hashes(template: Path) -> list[str]:
    blocks = re.findall(r"<style>(.*?)</style>", template.read_text(encoding="utf-8"), re.S)
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in blocks
    ]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", *_inline_style_hashes(BASE_DIR / "templates" / "500.html")],
        # data: for the tab's icon with the unread count drawn on it (static/js/workspace.js)
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "config.log_redaction.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's default handlers, which include e-mailing request details.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # These log request headers and tokens at DEBUG.
        "requests_oauthlib": {"level": "WARNING"},
        "oauthlib": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}
