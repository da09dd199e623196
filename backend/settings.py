"""ZhengTong settings.

Everything that differs between the embedded default and production comes from
environment variables (django-environ). With no variables set the project runs
on SQLite, the in-memory channel layer, the local-memory cache and the
filesystem: no service to install.
"""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
PRODUCTION = env.bool("ZT_PRODUCTION", default=False)

# The embedded default needs a key that is stable across restarts but never
# shipped; production must set DJANGO_SECRET_KEY.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="zt-embedded-insecure-key-only-for-local-use-" + "x" * 20,
)
ALLOWED_HOSTS: list[str] = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list(
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    default=["http://127.0.0.1:8000", "http://localhost:8000"],
)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "backend.directory",
    "backend.audit",
    "backend.workflow",
    "backend.approvals",
    "backend.todo",
    "realtime",
    "push",
    "mobile_api",
    "backend.supervision",
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
]

ROOT_URLCONF = "backend.urls"
ASGI_APPLICATION = "backend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'zhengtong.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions make SQLite take the write lock at BEGIN, so two
    # writers queue instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 30}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL: str | None = env.str("REDIS_URL", default=None) or None

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 times reads out after 5 s, while channels-redis blocks
                # up to 5 s per read: give the socket room or idle sockets die.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                # One channel per server process receives every event for that
                # process (see realtime.bus); bursts must not hit capacity.
                "capacity": 20000,
                "expiry": 60,
                "group_expiry": 300,
                "prefix": env.str("ZT_CHANNEL_PREFIX", default="zt"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("ZT_CACHE_PREFIX", default="zt"),
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 20000, "expiry": 60},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "directory.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env.bool("ZT_FAST_PASSWORD_HASHER", default=False):
    # Tests and benchmarks create hundreds of users; argon2 would dominate.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The built PWA. Benchmarks point ZT_PWA_DIST at a frozen copy so that a
# rebuild during a run cannot swap the hashed files under the server.
PWA_DIST = Path(env.str("ZT_PWA_DIST", default=str(BASE_DIR / "pwa" / "dist")))
MEDIA_ROOT = Path(env.str("ZT_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("ZT_SESSION_AGE", default=7 * 24 * 3600)
CSRF_COOKIE_HTTPONLY = False  # the PWA reads it to send X-CSRFToken

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "mobile_api.auth.BearerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mobile_api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("ZT_LOGIN_RATE", default="30/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "政通 ZhengTong API",
    "DESCRIPTION": "REST surface for the ZhengTong PWA and native clients.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # 3.1: plain JSON Schema, so the tests validate with `jsonschema` and the
    # WebSocket frame models (pydantic) sit beside the REST components as they are.
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mobile_api.schema_hooks.contract",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MessageKindEnum": ["text", "image", "file", "system", "card"],
        "MemberRoleEnum": ["owner", "admin", "member"],
        "AttachmentKindEnum": ["image", "file"],
        "ConversationKindEnum": ["direct", "group"],
        "DeliveryChannelEnum": "push.models.Delivery.Channel",
        "DeliveryStateEnum": "push.models.Delivery.State",
        "SupervisionRoleEnum": ["lead", "assist", "sub"],
        "SupervisionStatusEnum": ["active", "applied", "done"],
        "SupervisionApplicationStatusEnum": ["pending", "approved", "returned"],
    },
}

TASKS = {
    "default": {
        "BACKEND": env.str("ZT_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("ZT_LOG_LEVEL", "INFO")},
}

# --- ZhengTong product limits (all configurable) ---
ZT_GROUP_MEMBER_LIMIT = env.int("ZT_GROUP_MEMBER_LIMIT", default=2000)
ZT_TEXT_MAX_CHARS = env.int("ZT_TEXT_MAX_CHARS", default=5000)
ZT_RECALL_WINDOW_SECONDS = env.int("ZT_RECALL_WINDOW_SECONDS", default=120)
ZT_UPLOAD_MAX_BYTES = env.int("ZT_UPLOAD_MAX_BYTES", default=100 * 1024 * 1024)
ZT_WS_MAX_FRAME_BYTES = env.int("ZT_WS_MAX_FRAME_BYTES", default=64 * 1024)
ZT_WS_RATE_PER_SECOND = env.float("ZT_WS_RATE_PER_SECOND", default=20.0)
ZT_WS_RATE_BURST = env.int("ZT_WS_RATE_BURST", default=60)
ZT_RESUME_MAX_EVENTS = env.int("ZT_RESUME_MAX_EVENTS", default=1000)
ZT_LOGIN_MAX_FAILURES = env.int("ZT_LOGIN_MAX_FAILURES", default=5)
ZT_LOGIN_LOCK_SECONDS = env.int("ZT_LOGIN_LOCK_SECONDS", default=15 * 60)
ZT_WS_TICKET_SECONDS = env.int("ZT_WS_TICKET_SECONDS", default=60)
ZT_WS_ALLOWED_ORIGINS: list[str] = env.list("ZT_WS_ALLOWED_ORIGINS", default=CSRF_TRUSTED_ORIGINS)

WHITENOISE_ROOT = PWA_DIST if PWA_DIST.exists() else None
# whitenoise wants callables here (a string is taken as a regex).
from backend import static_rules as _static_rules  # noqa: E402

WHITENOISE_IMMUTABLE_FILE_TEST = _static_rules.immutable_file_test
WHITENOISE_ADD_HEADERS_FUNCTION = _static_rules.add_headers
CSRF_FAILURE_VIEW = "mobile_api.errors.csrf_failure"

# --- Out-of-band reach: web push and SMS (docs/notifications.md) ---
# VAPID: production sets the pair (`manage.py vapid_keys` prints one); without
# them the embedded default creates one on first use and keeps it in var/.
ZT_VAPID_PRIVATE_KEY = env.str("ZT_VAPID_PRIVATE_KEY", default="")
ZT_VAPID_PUBLIC_KEY = env.str("ZT_VAPID_PUBLIC_KEY", default="")
ZT_VAPID_SUBJECT = env.str("ZT_VAPID_SUBJECT", default="mailto:admin@zhengtong.local")
ZT_VAPID_KEY_FILE = Path(env.str("ZT_VAPID_KEY_FILE", default=str(VAR_DIR / "vapid.json")))
ZT_VAPID_JWT_SECONDS = env.int("ZT_VAPID_JWT_SECONDS", default=12 * 3600)
ZT_PUSH_TIMEOUT_SECONDS = env.float("ZT_PUSH_TIMEOUT_SECONDS", default=10.0)
# Plain-http push endpoints are refused unless this is on (DEBUG, the test push service).
ZT_PUSH_ALLOW_HTTP_LOOPBACK = env.bool("ZT_PUSH_ALLOW_HTTP_LOOPBACK", default=DEBUG)
ZT_PUSH_MAX_SUBSCRIPTIONS = env.int("ZT_PUSH_MAX_SUBSCRIPTIONS", default=10)
# Chat messages to someone without a visible tab wait this long for more from the
# same conversation, then go as one push ("3条新消息").
ZT_PUSH_COALESCE_SECONDS = env.int("ZT_PUSH_COALESCE_SECONDS", default=10)
# The wall clock of quiet hours (免打扰时段): 22:00 means 22:00 here.
ZT_QUIET_HOURS_TZ = env.str("ZT_QUIET_HOURS_TZ", default=TIME_ZONE)
# 加急: recipients who have not read it after this long get an SMS.
ZT_URGENT_SMS_AFTER_SECONDS = env.int("ZT_URGENT_SMS_AFTER_SECONDS", default=300)
# 再次提醒 of one 加急 message at most this often.
ZT_URGENT_REMIND_INTERVAL_SECONDS = env.int("ZT_URGENT_REMIND_INTERVAL_SECONDS", default=60)
# Delivery retries: attempt n waits base * 2**(n-1) seconds, at most max.
ZT_DELIVERY_MAX_ATTEMPTS = env.int("ZT_DELIVERY_MAX_ATTEMPTS", default=6)
ZT_DELIVERY_BACKOFF_SECONDS = env.float("ZT_DELIVERY_BACKOFF_SECONDS", default=10.0)
ZT_DELIVERY_BACKOFF_MAX_SECONDS = env.float("ZT_DELIVERY_BACKOFF_MAX_SECONDS", default=600.0)
# A delivery still `sending` this long after its claim was cut off by a crash.
ZT_DELIVERY_STALE_SECONDS = env.int("ZT_DELIVERY_STALE_SECONDS", default=300)

ZT_SMS_GATEWAY = env.str("ZT_SMS_GATEWAY", default="console")
ZT_SMS_SIGN_NAME = env.str("ZT_SMS_SIGN_NAME", default="政通")
# kind -> provider template id (the template's text is registered with the provider).
ZT_SMS_TEMPLATES: dict[str, str] = env.json(
    "ZT_SMS_TEMPLATES",
    default={"urgent": "ZT_URGENT", "deadline": "ZT_DEADLINE", "overdue": "ZT_OVERDUE"},
)
ZT_SMS_TIMEOUT_SECONDS = env.float("ZT_SMS_TIMEOUT_SECONDS", default=10.0)
ZT_SMS_MAX_PER_HOUR = env.int("ZT_SMS_MAX_PER_HOUR", default=5)
ZT_SMS_MAX_PER_DAY = env.int("ZT_SMS_MAX_PER_DAY", default=10)
ZT_SMS_HTTP_URL = env.str("ZT_SMS_HTTP_URL", default="")
ZT_SMS_HTTP_HEADERS: dict[str, str] = env.json("ZT_SMS_HTTP_HEADERS", default={})
ZT_SMS_HTTP_BODY = env.json("ZT_SMS_HTTP_BODY", default=None)
ZT_SMS_HTTP_SUCCESS = env.str("ZT_SMS_HTTP_SUCCESS", default="code=0")
ZT_SMS_HTTP_MESSAGE_ID = env.str("ZT_SMS_HTTP_MESSAGE_ID", default="msgId")
ZT_SMS_HTTP_ERROR_MESSAGE = env.str("ZT_SMS_HTTP_ERROR_MESSAGE", default="message")
ZT_SMS_HTTP_TRANSIENT_CODES: list[str] = env.list("ZT_SMS_HTTP_TRANSIENT_CODES", default=[])
ZT_SMS_TENCENT_SECRET_ID = env.str("ZT_SMS_TENCENT_SECRET_ID", default="")
ZT_SMS_TENCENT_SECRET_KEY = env.str("ZT_SMS_TENCENT_SECRET_KEY", default="")
ZT_SMS_TENCENT_APP_ID = env.str("ZT_SMS_TENCENT_APP_ID", default="")
ZT_SMS_TENCENT_REGION = env.str("ZT_SMS_TENCENT_REGION", default="ap-guangzhou")
ZT_SMS_TENCENT_ENDPOINT = env.str("ZT_SMS_TENCENT_ENDPOINT", default="sms.tencentcloudapi.com")
ZT_SMS_TENCENT_PROTOCOL = env.str("ZT_SMS_TENCENT_PROTOCOL", default="https")
ZT_SMS_ALIYUN_ACCESS_KEY_ID = env.str("ZT_SMS_ALIYUN_ACCESS_KEY_ID", default="")
ZT_SMS_ALIYUN_ACCESS_KEY_SECRET = env.str("ZT_SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
ZT_SMS_ALIYUN_ENDPOINT = env.str("ZT_SMS_ALIYUN_ENDPOINT", default="dysmsapi.aliyuncs.com")
ZT_SMS_ALIYUN_PROTOCOL = env.str("ZT_SMS_ALIYUN_PROTOCOL", default="https")

# 督办 lights: yellow this many days (or fewer) before an unmet milestone or the deadline.
ZT_SUPERVISION_YELLOW_DAYS: dict[str, int] = env.json(
    "ZT_SUPERVISION_YELLOW_DAYS", default={"important": 5, "normal": 3}
)
