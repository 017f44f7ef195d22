"""gunicorn settings for `make run` and production; override with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("LMS_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("LMS_WORKERS", multiprocessing.cpu_count() + 1))
# Threads keep a worker responsive while phones on slow links upload or read slowly.
worker_class = "gthread"
threads = int(os.environ.get("LMS_THREADS", 4))
timeout = 60
graceful_timeout = 30
forwarded_allow_ips = os.environ.get("LMS_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
# gunicorn names itself in a Server header but gives no version.
