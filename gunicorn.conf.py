"""gunicorn settings for production: ``gunicorn wsgi:app`` reads this file from the working directory.

Every setting can be overridden from the environment (WEB_CONCURRENCY, PORT, GUNICORN_TIMEOUT). Instances are
stateless: sessions are signed cookies, and the cache, rate-limit counters and queues live in Redis (REDIS_URL,
RATELIMIT_STORAGE_URI), so run as many instances as you like behind the load balancer.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak in any library can never take an instance down.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
