"""Django settings. The only module that reads NORTHLINE_* environment variables.

Every variable is listed in ENVIRONMENT below and documented in docs/configuration.md
(a test fails when one is missing there).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

ENVIRONMENT: dict[str, str] = {
    "NORTHLINE_DATA_DIR": "~/.northline",
    "NORTHLINE_DATABASE_URL": "sqlite:///<NORTHLINE_DATA_DIR>/northline.sqlite3",
    "NORTHLINE_SECRET_KEY": "generated into <NORTHLINE_DATA_DIR>/secret_key on first run",
    "NORTHLINE_DEBUG": "false",
    "NORTHLINE_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "NORTHLINE_CSRF_TRUSTED_ORIGINS": "",
    "NORTHLINE_SECURE_COOKIES": "false",
    "NORTHLINE_EMAIL_URL": "console:",
    "NORTHLINE_EMAIL_FROM": "Northline <northline@localhost>",
    "NORTHLINE_MAX_BODY_BYTES": "10485760",
    "NORTHLINE_LOGIN_RATE": "10/900",
    "NORTHLINE_TASKS": "database",
    "NORTHLINE_SEMANTIC_MODEL": "",
    "NORTHLINE_PROCESSING_PROCESSES": "",  # the usable cores (decision 0052)
}


def env(name: str) -> str:
    """The variable's value, or its documented default."""
    if name not in ENVIRONMENT:
        raise KeyError(f"{name} is not a documented setting")
    return os.environ.get(name, ENVIRONMENT[name])


def env_bool(name: str) -> bool:
    value = env(name).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}: expected true or false, got {value!r}")


def env_int(name: str) -> int:
    value = env(name).strip()
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a whole number, got {value!r}") from None


def env_processes(name: str) -> int:
    """A number of processes, at least 1; empty: the cores this process may run on."""
    if not env(name).strip():
        return (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )
    count = env_int(name)
    if count < 1:
        raise ImproperlyConfigured(f"{name}: expected at least 1, got {count}")
    return count


def env_list(name: str) -> list[str]:
    return [item.strip() for item in env(name).split(",") if item.strip()]


def parse_rate(name: str) -> tuple[int, int]:
    """'10/900' → (10 attempts, per 900 seconds)."""
    value = env(name)
    count, _, seconds = value.partition("/")
    try:
        parsed = int(count), int(seconds)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}: expected ATTEMPTS/SECONDS such as 10/900, got {value!r}"
        ) from None
    if parsed[0] < 1 or parsed[1] < 1:
        raise ImproperlyConfigured(f"{name}: both numbers must be positive, got {value!r}")
    return parsed


def database_config(url: str) -> dict[str, object]:
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as error:
        raise ImproperlyConfigured(f"NORTHLINE_DATABASE_URL: {error} (got {url!r})") from None
    engine = str(config["ENGINE"])
    if engine.endswith("sqlite3"):
        # A web server on SQLite: WAL for concurrent readers, a busy timeout instead of
        # "database is locked", foreign keys enforced, immediate transactions for writers.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
            ),
        }
    elif "postgresql" in engine:
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ImproperlyConfigured(
            f"NORTHLINE_DATABASE_URL: only sqlite:// and postgres:// are supported, got {url!r}"
        )
    return config


def email_config(url: str) -> dict[str, object]:
    """console: | file:///path | smtp://user:password@host:port?tls=true|ssl=true."""
    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": parsed.path,
        }
    if parsed.scheme == "smtp":
        query = parse_qs(parsed.query)
        flag = lambda key: query.get(key, ["false"])[0].lower() in {"1", "true", "yes"}  # noqa: E731
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or 25,
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_TLS": flag("tls"),
            "EMAIL_USE_SSL": flag("ssl"),
        }
    raise ImproperlyConfigured(
        f"NORTHLINE_EMAIL_URL: expected console:, file:///PATH or smtp://..., got {url!r}"
    )


def secret_key(data_dir: Path) -> str:
    """NORTHLINE_SECRET_KEY, or a key generated once and kept in the data directory."""
    if os.environ.get("NORTHLINE_SECRET_KEY"):
        return os.environ["NORTHLINE_SECRET_KEY"]
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("NORTHLINE_DATA_DIR")).expanduser().resolve()

SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("NORTHLINE_DEBUG")
ALLOWED_HOSTS = env_list("NORTHLINE_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("NORTHLINE_CSRF_TRUSTED_ORIGINS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("NORTHLINE_SECURE_COOKIES")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "northline.core",
    "northline.accounts",
    "northline.strategy",
    "northline.insights",
    "northline.planning",
    "northline.roadmap",
    "northline.experiments",
    "northline.metrics",
    "northline.collaboration",
    "northline.portal",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs' Swagger UI from the installed package, not a CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "northline.core.pages.DomainErrorMiddleware",
]

ROOT_URLCONF = "northline.urls"
WSGI_APPLICATION = "northline.wsgi.application"

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
                "northline.core.context.shell",
            ],
        },
    },
]

DATABASES = {
    "default": database_config(
        os.environ.get("NORTHLINE_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'northline.sqlite3'}"
    )
}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_RATE = parse_rate("NORTHLINE_LOGIN_RATE")

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("NORTHLINE_MAX_BODY_BYTES")
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

globals().update(email_config(env("NORTHLINE_EMAIL_URL")))
DEFAULT_FROM_EMAIL = env("NORTHLINE_EMAIL_FROM")

TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }.get(env("NORTHLINE_TASKS"), "invalid"),
    }
}
if TASKS["default"]["BACKEND"] == "invalid":
    raise ImproperlyConfigured(
        f"NORTHLINE_TASKS: expected database or immediate, got {env('NORTHLINE_TASKS')!r}"
    )

# The semantic text tier's model folder (sentence-transformers format); empty: the tier is off.
SEMANTIC_MODEL = env("NORTHLINE_SEMANTIC_MODEL").strip()

# Processes a processing batch may use (decision 0043): 1 keeps it in the worker alone.
PROCESSING_PROCESSES = env_processes("NORTHLINE_PROCESSING_PROCESSES")

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
# WhiteNoise serves the package's static files straight from the apps: no collectstatic step.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"northline": {"level": "INFO"}},
}
