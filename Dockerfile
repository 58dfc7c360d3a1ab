# One image for every process: web (gunicorn with uvicorn workers), worker, beat and the emulator.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app
COPY . .

# collectstatic runs with DEBUG off so that it writes the hashed, compressed files and the
# manifest that production serves through WhiteNoise.
RUN pip install . \
    && DJANGO_DEBUG=false python manage.py collectstatic --noinput \
    && mkdir -p /data \
    && chown app:app /data

USER app
EXPOSE 8000 8090
CMD ["gunicorn", "config.asgi", "--config", "config/gunicorn.py", "--bind", "0.0.0.0:8000"]
