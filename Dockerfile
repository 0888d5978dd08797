# syntax=docker/dockerfile:1
# One image for every role of Mobility Concierge:
#   docker run IMAGE rasa | actions | web | sms-sender | migrate | train | reminders | backup | ...
# (the arguments of `python -m bot`; see README, "Production"). Build from the repository root:
#   docker build -t mobility-concierge .                   # with the model trained in the build
#   docker build --target runtime -t mobility-concierge .  # without: mount a model at MODEL_PATH

# --- runtime: Python 3.10, the locked runtime dependencies (hashes checked), the project --------
FROM python:3.10-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONPATH=/app \
    VAR_DIR=/app/var \
    MODEL_PATH=/app/models/concierge.tar.gz \
    KNOWLEDGE_DIR=/app/knowledge \
    RASA_TELEMETRY_ENABLED=false

# tzdata: the dealership's time zone (zoneinfo) and Rasa's scheduler need the system database.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first, so editing the code does not reinstall them. Only the runtime lock: no test
# tools in production. --require-hashes: every file must match the hash locked in the repository.
COPY requirements.lock ./
RUN python -m pip install --require-hashes --no-deps -r requirements.lock

COPY . .
# A user of its own; it may write only runtime state (VAR_DIR) and the model directory.
RUN groupadd --system --gid 10001 concierge \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/concierge \
        --shell /usr/sbin/nologin concierge \
    && mkdir -p /app/var /app/models \
    && chown concierge:concierge /app/var /app/models

USER concierge
EXPOSE 5005 5055 8000
# Every role answers the same check: it finds the role from PID 1 and probes what that role serves.
HEALTHCHECK --interval=30s --timeout=10s --start-period=180s --retries=3 \
    CMD ["python", "-m", "bot", "healthcheck"]
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]

# --- train: the model, from config.yml, domain.yml and data/ (about 5 minutes, 1.7 GiB of RAM) --
FROM runtime AS train
USER root
# Rasa's training cache (.rasa/) stays in this stage; only the model is copied on.
RUN python -m bot train

# --- the default image: runtime with the trained model in it ------------------------------------
FROM runtime
COPY --from=train --chown=concierge:concierge /app/models/ /app/models/
