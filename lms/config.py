"""Defaults. Override with LMS_* environment variables or instance/config.py."""

from datetime import timedelta


class Defaults:
    #: Generated into the instance folder on first run when not configured.
    SECRET_KEY: str | None = None
    #: Empty means instance/lms.sqlite3; set LMS_DATABASE_URL for PostgreSQL.
    DATABASE_URL = ""
    #: Redis for rate limits (and later the job queue); empty means in-process memory.
    REDIS_URL = ""
    #: Engine options; a database server (not SQLite) also gets pool_pre_ping (see create_app).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    SESSION_COOKIE_NAME = "bina_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Set LMS_SESSION_COOKIE_SECURE=true when served over HTTPS.
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    #: Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = 0

    # A CSRF token lives as long as the session: a long exam never loses its token.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Makassar"
    LANGUAGES = ("id", "en")

    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_STRATEGY = "moving-window"
    #: Failed logins allowed per account and per address before 429.
    LOGIN_FAILURE_LIMIT = "10 per 15 minutes"

    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIN_SIZE = 256
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/csv",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
    ]

    #: Run background jobs inline, in the request; None means inline when TESTING.
    JOBS_IMMEDIATE: bool | None = None
    #: Seconds after an exam's deadline in which saves already in flight are still accepted.
    EXAM_SAVE_GRACE_SECONDS = 15
    #: Commit the answer saves that arrive together in one transaction (lms/exams/saves.py).
    EXAM_SAVE_GROUP_COMMIT = True

    #: A profile of argon2.profiles for new password hashes.
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"

    #: Largest upload (and request body); above it the 413 page answers.
    MAX_CONTENT_LENGTH = 100 * 1024 * 1024
    #: Where uploaded files go; empty means instance/uploads.
    UPLOAD_FOLDER = ""
    #: Largest picture in a question, in bytes: it is loaded on a learner's phone during a
    #: timed exam.
    QUESTION_IMAGE_MAX_BYTES = 512 * 1024
    PEOPLE_PER_PAGE = 25

    #: Minutes before a class session starts from which participants may check in themselves.
    CLASS_CHECKIN_EARLY_MINUTES = 15
    #: Wrong check-in codes a person may type before 429 (guessing a code is then hopeless).
    CLASS_CHECKIN_FAILURE_LIMIT = "10 per 15 minutes"

    #: Partner institutions' logos: small pictures shown on their pages.
    INSTITUTION_LOGO_MAX_BYTES = 200 * 1024
    #: The signed document of a cooperation agreement (a PDF).
    AGREEMENT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    #: Agreements ending within this many days are flagged to admins.
    AGREEMENT_ENDING_DAYS = 90
    #: A virus scanner run on every uploaded file, the file's path appended, e.g.
    #: "clamdscan --no-summary --fdpass". Exit 0 = clean, 1 = infected; anything else, or no
    #: answer within SCAN_TIMEOUT seconds, refuses the file. Empty: files are not scanned.
    SCAN_COMMAND = ""
    SCAN_TIMEOUT = 120

    # Certificates (issue 6) ---------------------------------------------------------------
    #: The issuing body, one line per line, printed at the head of every certificate.
    CERTIFICATE_ISSUER = (
        "PEMERINTAH KOTA MAKASSAR\nBADAN KEPEGAWAIAN DAN PENGEMBANGAN SUMBER DAYA MANUSIA"
    )
    #: Logos and signatures on certificate templates; the background picture may be larger.
    CERTIFICATE_IMAGE_MAX_BYTES = 512 * 1024
    CERTIFICATE_BACKGROUND_MAX_BYTES = 2 * 1024 * 1024
    #: Sign every certificate PDF (PAdES), so that a PDF reader shows whether it was altered.
    CERTIFICATE_PDF_SIGNING = True
    #: A real key and certificate for signing PDFs (PEM files; the certificate file may hold
    #: the chain after it), e.g. one issued by BSrE. Empty: a key and a self-signed
    #: certificate are generated on first use in instance/keys/.
    CERTIFICATE_SIGNING_KEY = ""
    CERTIFICATE_SIGNING_CERT = ""
    #: The passphrase of CERTIFICATE_SIGNING_KEY, if it has one.
    CERTIFICATE_SIGNING_KEY_PASSWORD = ""
    #: A PDF anyone may upload on a verification page to compare with the one issued (never kept).
    CERTIFICATE_VERIFY_MAX_BYTES = 5 * 1024 * 1024
    #: Verification pages one address may open before 429: enough for a person, too few to guess
    #: codes.
    CERTIFICATE_VERIFY_RATE_LIMIT = "30 per minute"
    #: Where the public reaches this site, e.g. "https://bina.makassarkota.go.id/": the base of
    #: the verification URL in each certificate's QR code. Empty: the address of the request
    #: (or http://127.0.0.1:5000/ for certificates issued outside a request).
    PUBLIC_URL = ""
