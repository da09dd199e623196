"""ZhengTong settings.

Everything that differs between the embedded default and production comes from
environment variables (django-environ). With no variables set the project runs
on SQLite, the in-memory channel layer, the local-memory cache and the
filesystem: no service to install.
"""

from __future__ import annotations

from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from backend import production_checks

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
PRODUCTION = env.bool("ZT_PRODUCTION", default=False)

# The embedded default needs a key that is stable across restarts but never
# shipped; production must set DJANGO_SECRET_KEY.
if PRODUCTION:
    # The repository's key, localhost origins…: ImproperlyConfigured, not a start.
    production_checks.check(env.ENVIRON)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=production_checks.EMBEDDED_SECRET_KEY)
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
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, no CDN
    "channels",
    "django_tasks",
    "django_tasks_db",
    "backend.directory",
    "backend.audit",
    "backend.workflow",
    "backend.approvals",
    "backend.documents",
    "backend.todo",
    "realtime",
    "push",
    "mobile_api",
    "backend.supervision",
    "backend.calls",
    "backend.twofactor",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so the PWA shell it serves carries the policy too.
    "csp.middleware.CSPMiddleware",
    "backend.common.input_guard.QueryGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backend.directory.admin_security.AdminIdleTimeoutMiddleware",
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
    _sqlite_synchronous = env.str("ZT_SQLITE_SYNCHRONOUS", default="NORMAL").upper()
    if _sqlite_synchronous not in {"NORMAL", "FULL", "EXTRA"}:
        raise ImproperlyConfigured("ZT_SQLITE_SYNCHRONOUS must be NORMAL, FULL or EXTRA")
    # IMMEDIATE transactions make SQLite take the write lock at BEGIN, so two
    # writers queue instead of failing half-way with "database is locked".
    # WAL lets readers run while a writer commits, and with synchronous=NORMAL
    # a commit is an append to the WAL without an fsync: it survives the
    # process dying (SIGKILL) but the last commits may be lost on power loss
    # (ZT_SQLITE_SYNCHRONOUS=FULL for an fsync per commit). The connection is
    # kept open (CONN_MAX_AGE) instead of reopened for every database call.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (f"PRAGMA journal_mode=WAL;PRAGMA synchronous={_sqlite_synchronous};"),
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)
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
# Passwords are checked only by the login service (lockout, audit): API and admin alike.
AUTHENTICATION_BACKENDS = ["backend.directory.auth_backends.LoginServiceBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env.bool("ZT_FAST_PASSWORD_HASHER", default=False):
    # Tests and benchmarks create hundreds of users; argon2 would dominate.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Checked when a person sets a new password (backend.directory.services.password_change).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "backend.directory.password_policy.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("ZT_PASSWORD_MIN_LENGTH", default=8)},
    },
    {"NAME": "backend.directory.password_policy.CommonPasswordValidator"},
    {
        "NAME": "backend.directory.password_policy.CharacterClassesValidator",
        "OPTIONS": {"min_classes": 3},
    },
    {
        "NAME": "backend.directory.password_policy.PasswordHistoryValidator",
        "OPTIONS": {"count": env.int("ZT_PASSWORD_HISTORY", default=5)},
    },
]
# A password older than this many days must be changed (0: never expires).
ZT_PASSWORD_MAX_AGE_DAYS = env.int("ZT_PASSWORD_MAX_AGE_DAYS", default=0)

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

# Content-Security-Policy (django-csp) for every response: the PWA is built by
# Vite with no inline script; Vue/Vant set style attributes (hence inline
# styles); images include data: (the watermark) and blob: (local previews);
# the WebSocket is same-origin ('self' covers ws:/wss: to this host); the
# service worker and manifest are ours. Extra origins (a CDN, an SSO page)
# go in ZT_CSP_EXTRA_CONNECT / ZT_CSP_EXTRA_IMG.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *env.list("ZT_CSP_EXTRA_IMG", default=[])],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF, *env.list("ZT_CSP_EXTRA_CONNECT", default=[])],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "media-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# /api/docs/ and /api/schema/: "public", "staff" (is_staff accounts only) or "off" (404).
ZT_API_DOCS = env.str("ZT_API_DOCS", default="staff" if PRODUCTION else "public")
# Reverse proxies in front of daphne that append to X-Forwarded-For (nginx: 1).
# The client IP is the hop before them (backend.common.client_ip); 0 = REMOTE_ADDR.
ZT_TRUSTED_PROXIES = env.int("ZT_TRUSTED_PROXIES", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mobile_api.auth.DeviceSessionAuthentication",
        "mobile_api.auth.BearerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["mobile_api.permissions.SignedInWithCurrentPassword"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mobile_api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "mobile_api.parsers.GuardedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("ZT_LOGIN_RATE", default="30/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Every DRF throttle counts per client IP the same way (mobile_api.throttles).
    "NUM_PROXIES": ZT_TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "政通 ZhengTong API",
    "DESCRIPTION": "REST surface for the ZhengTong PWA and native clients.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["mobile_api.docs.ApiDocsAccess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # 3.1: plain JSON Schema, so the tests validate with `jsonschema` and the
    # WebSocket frame models (pydantic) sit beside the REST components as they are.
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mobile_api.schema_hooks.contract",
    ],
    # `<id:…>` (backend.common.input_guard.IdConverter) is an integer path parameter.
    "PATH_CONVERTER_OVERRIDES": {"id": int},
    "ENUM_NAME_OVERRIDES": {
        "MessageKindEnum": ["text", "image", "file", "system", "card"],
        "MemberRoleEnum": ["owner", "admin", "member"],
        "AttachmentKindEnum": ["image", "file"],
        "ConversationKindEnum": ["direct", "group"],
        "DeliveryChannelEnum": "push.models.Delivery.Channel",
        "DeliveryStateEnum": "push.models.Delivery.State",
        "DocumentStatusEnum": ["running", "returned", "withdrawn", "distributed"],
        "ReceiptStatusEnum": ["delivered", "refused", "signed", "handling", "done"],
        "RecipientRoleEnum": ["main", "copy"],
        "DocumentUrgencyEnum": ["normal", "urgent", "extra_urgent"],
        "SupervisionRoleEnum": ["lead", "assist", "sub"],
        "SupervisionStatusEnum": ["active", "applied", "done"],
        "SupervisionApplicationStatusEnum": ["pending", "approved", "returned"],
        "CallMediaEnum": "backend.calls.models.Call.Media",
        "CallModeEnum": "backend.calls.models.Call.Mode",
        "CallStateEnum": "backend.calls.models.Call.State",
        "CallParticipantStateEnum": "backend.calls.models.CallParticipant.State",
        "TwoFactorMethodEnum": ["totp", "sms", "recovery"],
        "TwoFactorEnrolMethodEnum": ["totp", "sms"],
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
# 审批: 催办 is offered this long after a request is submitted (the approver had no time yet).
ZT_APPROVAL_URGE_AFTER_MINUTES = env.int("ZT_APPROVAL_URGE_AFTER_MINUTES", default=30)
ZT_TEXT_MAX_CHARS = env.int("ZT_TEXT_MAX_CHARS", default=5000)
# The sender may recall a message this long after sending it (24 h, as in 钉钉).
ZT_RECALL_WINDOW_SECONDS = env.int("ZT_RECALL_WINDOW_SECONDS", default=24 * 3600)
ZT_UPLOAD_MAX_BYTES = env.int("ZT_UPLOAD_MAX_BYTES", default=100 * 1024 * 1024)
# An upload that nothing uses (never sent, or its message recalled) this long after
# it was made is removed from storage (剩余信息保护; realtime.services.attachments).
ZT_UPLOAD_UNUSED_SECONDS = env.int("ZT_UPLOAD_UNUSED_SECONDS", default=24 * 3600)
# Images: one frame's pixels, and an animation's frames × width × height.
ZT_IMAGE_MAX_PIXELS = env.int("ZT_IMAGE_MAX_PIXELS", default=40_000_000)
ZT_IMAGE_MAX_TOTAL_PIXELS = env.int("ZT_IMAGE_MAX_TOTAL_PIXELS", default=60_000_000)
# JSON bodies and socket frames: nesting deeper than this is refused (too_deep).
ZT_JSON_MAX_DEPTH = env.int("ZT_JSON_MAX_DEPTH", default=32)
# 公文 正文 and 附件 files (docs/documents.md).
ZT_DOCUMENT_MAX_BYTES = env.int("ZT_DOCUMENT_MAX_BYTES", default=50 * 1024 * 1024)
ZT_WS_MAX_FRAME_BYTES = env.int("ZT_WS_MAX_FRAME_BYTES", default=64 * 1024)
# Bytes one WebSocket may have waiting beyond the transport's 64 KB buffer
# (a client that stops reading) before it is closed with 4408 (realtime.transport);
# must exceed the largest burst a healthy client gets (a full `resume` reply).
# A buffer that has not drained for ZT_WS_STALL_SECONDS while more comes also closes.
ZT_WS_MAX_BUFFERED_BYTES = env.int("ZT_WS_MAX_BUFFERED_BYTES", default=16 * 1024 * 1024)
ZT_WS_STALL_SECONDS = env.int("ZT_WS_STALL_SECONDS", default=60)
ZT_WS_RATE_PER_SECOND = env.float("ZT_WS_RATE_PER_SECOND", default=20.0)
ZT_WS_RATE_BURST = env.int("ZT_WS_RATE_BURST", default=60)
# One person's message sends, REST and every socket together (shared through the cache):
# at most rate × window per window of that many seconds. Default: the socket's rate.
ZT_SEND_RATE_PER_SECOND = env.float("ZT_SEND_RATE_PER_SECOND", default=ZT_WS_RATE_PER_SECOND)
ZT_SEND_RATE_WINDOW_SECONDS = env.int("ZT_SEND_RATE_WINDOW_SECONDS", default=10)
ZT_RESUME_MAX_EVENTS = env.int("ZT_RESUME_MAX_EVENTS", default=1000)
# Roles whose holders see full personal mobiles and employee numbers in their
# unit and the units below it (backend.directory.selectors.ContactScope).
ZT_DIRECTORY_CONTACT_ROLES: list[str] = env.list(
    "ZT_DIRECTORY_CONTACT_ROLES", default=["unit_admin", "clerk"]
)
# A native client's bearer token expires after this long unused (sliding, per device).
ZT_TOKEN_IDLE_SECONDS = env.int("ZT_TOKEN_IDLE_SECONDS", default=30 * 24 * 3600)
# A browser session ends after this long without an API request (0: never; 等保 idle timeout).
ZT_SESSION_IDLE_SECONDS = env.int("ZT_SESSION_IDLE_SECONDS", default=8 * 3600)
# The Django admin's own idle timeout (never longer than the PWA's; 0: the PWA's).
ZT_ADMIN_IDLE_SECONDS = env.int("ZT_ADMIN_IDLE_SECONDS", default=0)
# Two-factor login (backend/twofactor, docs/security.md): the step after the password.
ZT_TWO_FACTOR_CHALLENGE_SECONDS = env.int("ZT_TWO_FACTOR_CHALLENGE_SECONDS", default=300)
ZT_TWO_FACTOR_SETUP_SECONDS = env.int("ZT_TWO_FACTOR_SETUP_SECONDS", default=900)
ZT_TWO_FACTOR_MAX_ATTEMPTS = env.int("ZT_TWO_FACTOR_MAX_ATTEMPTS", default=5)
ZT_TWO_FACTOR_SMS_CODE_SECONDS = env.int("ZT_TWO_FACTOR_SMS_CODE_SECONDS", default=300)
ZT_TWO_FACTOR_SMS_RESEND_SECONDS = env.int("ZT_TWO_FACTOR_SMS_RESEND_SECONDS", default=60)
ZT_TWO_FACTOR_SMS_PER_LOGIN = env.int("ZT_TWO_FACTOR_SMS_PER_LOGIN", default=3)
ZT_TWO_FACTOR_SMS_PER_HOUR = env.int("ZT_TWO_FACTOR_SMS_PER_HOUR", default=5)
# A device's "last used" is written at most this often.
ZT_DEVICE_TOUCH_SECONDS = env.int("ZT_DEVICE_TOUCH_SECONDS", default=60)
ZT_LOGIN_MAX_FAILURES = env.int("ZT_LOGIN_MAX_FAILURES", default=5)
# Per (number, source IP): the first lock lasts this long, each next one twice as long…
ZT_LOGIN_LOCK_SECONDS = env.int("ZT_LOGIN_LOCK_SECONDS", default=15 * 60)
# …up to this (a day); a source quiet for this long after its lock starts over.
ZT_LOGIN_LOCK_MAX_SECONDS = env.int("ZT_LOGIN_LOCK_MAX_SECONDS", default=24 * 3600)
# The audit log (docs/security.md): entries are kept in the table at least this
# long (never less than 180 days, 等保三级), then `audit_archive` moves them to
# hashed, signed JSONL files in ZT_AUDIT_ARCHIVE_DIR. Archives are signed with
# HMAC-SM3 under ZT_AUDIT_ARCHIVE_KEY (derived from SECRET_KEY when unset).
ZT_AUDIT_RETENTION_DAYS = max(180, env.int("ZT_AUDIT_RETENTION_DAYS", default=180))
ZT_AUDIT_ARCHIVE_DIR = Path(env.str("ZT_AUDIT_ARCHIVE_DIR", default=str(VAR_DIR / "audit-archive")))
ZT_AUDIT_ARCHIVE_KEY = env.str("ZT_AUDIT_ARCHIVE_KEY", default="")
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
    default={
        "urgent": "ZT_URGENT",
        "deadline": "ZT_DEADLINE",
        "overdue": "ZT_OVERDUE",
        "login_code": "ZT_LOGIN_CODE",
    },
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

# 公文 layout (backend/documents/layout): a directory with a unit's own fonts
# (方正小标宋, 仿宋_GB2312, 黑体, 楷体_GB2312, 宋体), found by file name; empty: the
# project's Noto Serif SC / Noto Sans SC (docs/documents.md ("The layout")).
ZT_DOCUMENT_FONTS_DIR = env.str("ZT_DOCUMENT_FONTS_DIR", default="")
# 督办 lights: yellow this many days (or fewer) before an unmet milestone or the deadline.
ZT_SUPERVISION_YELLOW_DAYS: dict[str, int] = env.json(
    "ZT_SUPERVISION_YELLOW_DAYS", default={"important": 5, "normal": 3}
)

# Calls: media servers (backend/calls/media, docs/operations.md "Calls: Janus and coturn").
# STUN/TURN for every call: ZT_STUN_URLS ("stun:turn.example.gov.cn:3478") and ZT_TURN_URLS
# ("turn:turn.example.gov.cn:3478?transport=udp", "turns:turn.example.gov.cn:5349") with
# coturn's use-auth-secret scheme: per user per call, expiring after ZT_TURN_TTL_SECONDS.
ZT_STUN_URLS: list[str] = env.list("ZT_STUN_URLS", default=[])
ZT_TURN_URLS: list[str] = env.list("ZT_TURN_URLS", default=[])
ZT_TURN_SECRET = env.str("ZT_TURN_SECRET", default="")  # coturn static-auth-secret
ZT_TURN_TTL_SECONDS = env.int("ZT_TURN_TTL_SECONDS", default=600)
# Janus (VideoRoom) for meetings above the mesh limit; unset = no SFU (the embedded default).
# ZT_JANUS_URL is the server's own way in (HTTP API, e.g. http://127.0.0.1:8088/janus), with
# ZT_JANUS_API_SECRET (janus.jcfg api_secret); ZT_JANUS_PUBLIC_URL is what browsers open
# (wss://…/janus). Participants get tokens signed with ZT_JANUS_TOKEN_SECRET (janus.jcfg
# token_auth_secret) valid ZT_JANUS_TOKEN_TTL_SECONDS; rooms are created with
# ZT_JANUS_ADMIN_KEY (janus.plugin.videoroom.jcfg admin_key). None of them reaches a client.
ZT_JANUS_URL = env.str("ZT_JANUS_URL", default="")
ZT_JANUS_PUBLIC_URL = env.str("ZT_JANUS_PUBLIC_URL", default="")
ZT_JANUS_API_SECRET = env.str("ZT_JANUS_API_SECRET", default="")
ZT_JANUS_TOKEN_SECRET = env.str("ZT_JANUS_TOKEN_SECRET", default="")
ZT_JANUS_ADMIN_KEY = env.str("ZT_JANUS_ADMIN_KEY", default="")
# Janus checks a signed token on every request of the session (keep-alives included), so it
# must outlive the longest meeting; leaving revokes it at once (the room's allowed list).
ZT_JANUS_TOKEN_TTL_SECONDS = env.int("ZT_JANUS_TOKEN_TTL_SECONDS", default=12 * 3600)
ZT_JANUS_TIMEOUT_SECONDS = env.float("ZT_JANUS_TIMEOUT_SECONDS", default=5.0)
# Per-publisher bitrate cap (REMB) in a room: 50 people × 50 subscriptions must fit a downlink.
ZT_JANUS_ROOM_BITRATE = env.int("ZT_JANUS_ROOM_BITRATE", default=256_000)
if ZT_JANUS_PUBLIC_URL:
    # The browser opens the Janus WebSocket itself.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["connect-src"].append(ZT_JANUS_PUBLIC_URL)

# Calls (docs/calls.md): full mesh up to ZT_CALL_MESH_LIMIT joined people, the SFU above it.
ZT_CALL_MESH_LIMIT = env.int("ZT_CALL_MESH_LIMIT", default=4)
ZT_CALL_MAX_PARTICIPANTS = env.int("ZT_CALL_MAX_PARTICIPANTS", default=50)
ZT_CALL_RING_SECONDS = env.int("ZT_CALL_RING_SECONDS", default=45)
ZT_CALL_REJOIN_SECONDS = env.int("ZT_CALL_REJOIN_SECONDS", default=30)
ZT_CALL_SIGNAL_MAX_BYTES = env.int("ZT_CALL_SIGNAL_MAX_BYTES", default=32 * 1024)

# 督办 催办: at most one per task (so per owner) in this many minutes (0: no limit).
ZT_SUPERVISION_URGE_INTERVAL_MINUTES = env.int("ZT_SUPERVISION_URGE_INTERVAL_MINUTES", default=30)
