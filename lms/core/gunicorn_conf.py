"""gunicorn settings for `make run` and production; override with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("LMS_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("LMS_WORKERS", multiprocessing.cpu_count() + 1))
# Threads keep a worker responsive while requests wait: for phones on slow links to upload or
# read, and for the commit of an exam's answer saves (lms/exams/saves.py). Eight rather than
# four: with four, a worker's saves waiting for their commit left the CPU idle while requests
# queued (bench/README.md, exam saves: 3 x 8 against 3 x 4).
worker_class = "gthread"
threads = int(os.environ.get("LMS_THREADS", 8))
timeout = 60
graceful_timeout = 30
forwarded_allow_ips = os.environ.get("LMS_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
# gunicorn names itself in a Server header but gives no version.
