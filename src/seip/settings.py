"""SEIP's one settings module.

Everything that varies between a laptop, CI and a county's production service is read
through the typed helpers in :mod:`seip.env`. Production (``SEIP_PRODUCTION=true``)
refuses to start without its secrets rather than falling back to anything guessable.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from seip.env import env_bool, env_int, env_list, env_secret, env_str, local_secret
from seip.keys.master import parse_master_keys

BASE_DIR = Path(__file__).resolve().parent
PRODUCTION = env_bool("SEIP_PRODUCTION", False)
DEBUG = env_bool("SEIP_DEBUG", False) and not PRODUCTION
DATA_DIR = Path(env_str("SEIP_DATA_DIR", "var")).resolve()

_secret = env_secret("SEIP_SECRET_KEY")
if _secret is None:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SEIP_SECRET_KEY (or SEIP_SECRET_KEY_FILE) must be set when SEIP_PRODUCTION=true"
        )
    _secret = local_secret(DATA_DIR / "secret_key")
SECRET_KEY = _secret

# The data key encrypts files and sensitive text at rest (seip.core.crypto). It is kept
# apart from the database so a copied database alone reveals nothing encrypted.
_data_key = env_secret("SEIP_DATA_KEY")
if _data_key is None:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SEIP_DATA_KEY (or SEIP_DATA_KEY_FILE) must be set when SEIP_PRODUCTION=true"
        )
    _data_key = local_secret(DATA_DIR / "data_key", fernet=True)
DATA_KEY = _data_key

# Master keys wrap each student's data key (seip.keys, P14, P22): an ordered list of
# id:base64key entries, the first current, the rest kept only to unwrap until rotated.
# The key store holds each data key's second secret, which shredding destroys; it lives
# outside the database and must be left out of database and media backups (see
# docs/operations.md, "Key management").
_master_keys = env_secret("SEIP_MASTER_KEYS")
if _master_keys is None:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SEIP_MASTER_KEYS (or SEIP_MASTER_KEYS_FILE) must be set when SEIP_PRODUCTION=true"
        )
    _master_keys = "local:" + local_secret(DATA_DIR / "master_key", fernet=True)
MASTER_KEYS = parse_master_keys(_master_keys)
KEY_STORE_DIR = Path(env_str("SEIP_KEY_STORE_DIR", str(DATA_DIR / "keys"))).resolve()
# Production refuses a key store inside the data folder (a plain copy of that folder would
# carry the secrets that shredding destroys) unless this says it is deliberate.
KEY_STORE_IN_DATA_DIR_ALLOWED = env_bool("SEIP_KEY_STORE_IN_DATA_DIR", False)

# Blind indexes (seip.keys.fields): exact-match look-ups on sealed identity fields (UPN,
# name with date of birth) by HMAC under this key. Kept outside the database: with a dump
# alone, an index cannot be tested against a guessed UPN. See ADR 0034.
_index_key = env_secret("SEIP_INDEX_KEY")
if _index_key is None:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SEIP_INDEX_KEY (or SEIP_INDEX_KEY_FILE) must be set when SEIP_PRODUCTION=true"
        )
    _index_key = local_secret(DATA_DIR / "index_key", fernet=True)
INDEX_KEY = _index_key.encode()

# Unsigned referral drafts belong to the school and are purged after this many days (P25).
DRAFT_RETENTION_DAYS = env_int("SEIP_DRAFT_RETENTION_DAYS", 30)
# A signed audit checkpoint is written automatically after every this many events (0: off).
AUDIT_CHECKPOINT_EVERY = env_int("SEIP_AUDIT_CHECKPOINT_EVERY", 1000)
if AUDIT_CHECKPOINT_EVERY < 0:
    raise ImproperlyConfigured("SEIP_AUDIT_CHECKPOINT_EVERY must be 0 or more")
# Every signed checkpoint is also appended here, outside the database (ADR 0025); empty:
# <data folder>/audit-witness.jsonl, refused in production (seip.audit.witness).
AUDIT_WITNESS = env_str("SEIP_AUDIT_WITNESS")
# ...and mailed to these addresses (comma-separated), if any.
AUDIT_WITNESS_EMAIL = env_list("SEIP_AUDIT_WITNESS_EMAIL")

ALLOWED_HOSTS = env_list(
    "SEIP_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("SEIP_ALLOWED_HOSTS must be set when SEIP_PRODUCTION=true")
CSRF_TRUSTED_ORIGINS = env_list("SEIP_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks_db",
    "seip.core",
    "seip.audit",
    "seip.organisations",
    "seip.accounts",
    "seip.notices",
    "seip.consultations",
    "seip.referrals",
    "seip.students",
    "seip.records",
    "seip.keys",
    "seip.provision",
    "seip.placements",
    "seip.attendance",
    "seip.behaviour",
    "seip.progress",
    "seip.imports",
    "seip.sharing",
    "seip.transfers",
    "seip.rights",
    "seip.retention",
    "seip.backups",
    "seip.bundles",
    "seip.concerns",
    "seip.tasks",
    "seip.reports",
    "seip.moves",
    "seip.impact",
    "seip.notifications",
    "seip.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which is the first to read a body: refuses one larger than
    # the view accepts from its Content-Length, then counts what arrives (issue 15).
    "seip.core.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "seip.accounts.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Axes last, as its documentation asks, so it sees the final response of a login.
    "axes.middleware.AxesMiddleware",
]

# Request bodies (issue 15). A form without a file may be up to 2.5 MB (Django's default,
# stated here); a view that takes files says how much more with
# ``seip.core.uploads.upload_limit``, and UploadLimitMiddleware refuses anything larger
# with a 413 before reading it. Files up to 10 MB (a note's attachment, a signed form)
# stay in memory and never touch a temporary file on disk; only a school's import file,
# up to 100 MB, is spooled, and deleted when the request ends.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20

ROOT_URLCONF = "seip.urls"
WSGI_APPLICATION = "seip.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "seip.home.context_processors.branding",
            ],
        },
    }
]
FORM_RENDERER = "seip.core.forms.GovUKFormRenderer"

# Databases ------------------------------------------------------------------------------
# SQLite is the embedded default. WAL lets readers run beside one writer; IMMEDIATE takes
# the write lock when a transaction starts instead of upgrading mid-way (the usual cause
# of "database is locked"); the timeout makes a second writer wait rather than fail.
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    DATABASES["default"].setdefault("TEST", {})
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "seip.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("SEIP_SQLITE_TIMEOUT", 20),
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts and sign-in -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out login before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout: five failures for one account from one address locks that pair for 15 minutes.
AXES_FAILURE_LIMIT = env_int("SEIP_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
# Hard lockout only for one account from one client address, so that an attacker guessing
# from their own address cannot lock the real person out; across addresses, each account
# (and each address) is slowed instead by seip.accounts.throttle (ADR 0024).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "seip.accounts.throttle.client_address"
#: Reverse proxies in front of SEIP that append to X-Forwarded-For: the client address is
#: taken that many hops from the right. 0 means use the connection's address.
TRUSTED_PROXIES = env_int("SEIP_TRUSTED_PROXIES", 0)
#: Failed passwords for one account (from anywhere) before each further try must wait.
LOGIN_SLOWDOWN_AFTER = env_int("SEIP_LOGIN_SLOWDOWN_AFTER", 5)
#: Failed passwords from one client address (for any accounts) before it is slowed.
LOGIN_ADDRESS_SLOWDOWN_AFTER = env_int("SEIP_LOGIN_ADDRESS_SLOWDOWN_AFTER", 30)
#: The first wait in seconds; it doubles with each further failure, up to the cap.
LOGIN_DELAY_SECONDS = env_int("SEIP_LOGIN_DELAY_SECONDS", 2)
LOGIN_DELAY_CAP_SECONDS = 15 * 60
#: How long an enrolment (second-factor set-up) link stays valid.
ENROLMENT_LINK_HOURS = env_int("SEIP_ENROLMENT_LINK_HOURS", 72)
# A reset link works for an hour (Django's default is three days); one use, since it stops
# working once the password changes.
PASSWORD_RESET_TIMEOUT = env_int("SEIP_PASSWORD_RESET_MINUTES", 60) * 60
AXES_USERNAME_FORM_FIELD = "email"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # Axes would otherwise log the username, which is personal data.
AXES_ENABLE_ACCESS_FAILURE_LOG = False

OTP_TOTP_ISSUER = "SEIP"

# Idle sessions end after 30 minutes: the cookie is renewed on every request, so the
# clock measures idleness rather than time since sign-in.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Security baseline ----------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SEIP_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SEIP_HSTS_SECONDS", 63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a reverse proxy that terminates TLS, trust its scheme header.
    if env_bool("SEIP_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app folders: a fresh clone runs without collectstatic or npm.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

# Logging: structured and free of personal data. Request paths can carry identifiers, so
# Django's request logger is kept at WARNING and nothing logs a username or a name.
# Email: the DPO is told of new data-protection concerns (P23). Messages carry no personal
# content. Outside production they are printed to the console; production sends through
# SMTP with the SEIP_EMAIL_* settings.
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("SEIP_EMAIL_HOST", "localhost"),
                "port": env_int("SEIP_EMAIL_PORT", 587),
                "username": env_str("SEIP_EMAIL_USER"),
                "password": env_secret("SEIP_EMAIL_PASSWORD") or "",
                "use_tls": env_bool("SEIP_EMAIL_USE_TLS", True),
            },
        }
        if PRODUCTION
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = env_str("SEIP_EMAIL_FROM", "seip@localhost")
# Notifications (issue 19): links in emails sent by the worker, which has no request to
# take the site's address from, start with this (for example https://seip.example.org).
SITE_URL = env_str("SEIP_SITE_URL").rstrip("/")
# The hour (local time) the worker sends each day's digest of what is due.
DIGEST_HOUR = env_int("SEIP_DIGEST_HOUR", 7)

# Long imports run as background tasks (issue 7): Django's task framework with the database
# backend, so no broker is needed. Run the worker beside the web server: `seip worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# JSON lines in production for log shippers, plain text on a developer's terminal.
LOG_FORMAT = env_str("SEIP_LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("SEIP_LOG_FORMAT must be 'plain' or 'json'")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "seip.core.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("SEIP_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # A PDF's layout steps and warnings can quote the document; never log its content.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}

# dumpdata writes sealed fields as ciphertext, dates of birth included (ADR 0034).
SERIALIZATION_MODULES = {"json": "seip.keys.serial_json", "jsonl": "seip.keys.serial_jsonl"}
