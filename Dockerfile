# Microblog: one image for the web server and the task worker.
# Configured only by the environment variables listed in the README.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=microblog.settings.prod \
    GUNICORN_BIND=0.0.0.0:8000

# gettext compiles the translation catalogues at build time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The same release commands as docs/deployment.md; the build-time values are throwaway.
RUN export SECRET_KEY=build-only ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    && python manage.py collectstatic --no-input -v0 \
    && python manage.py compilemessages --ignore=.venv -v0 \
    && useradd --system --uid 10001 --home-dir /app app

USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "microblog.wsgi"]
