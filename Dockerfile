# One image recipe for every patentflow service; the SERVICE build arg picks which one.
#
#   docker build --build-arg SERVICE=inventory -t patentflow/inventory .
#   docker run --rm -e PATENTFLOW_AUTH_SECRET=... -p 8001:8001 patentflow/inventory
#
# SERVICE is one of: inventory, evaluation, matching, transactions, pledge, projection
# (a directory under services/). docker-compose.yml builds all six.

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: resolve the service's locked dependencies into /app/.venv ------------------------------------
FROM ${PYTHON_IMAGE} AS build

ARG SERVICE
ARG UV_VERSION=0.13.8

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1

RUN pip install "uv==${UV_VERSION}"

WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY contracts/ contracts/
COPY libs/ libs/
COPY services/ services/

# --no-editable installs the workspace packages into the venv itself, so the runtime stage needs no /src.
RUN if [ -z "${SERVICE}" ] || [ ! -f "services/${SERVICE}/pyproject.toml" ]; then \
        echo "build with --build-arg SERVICE=<a directory under services/>, got '${SERVICE}'" >&2; exit 1; \
    fi \
 && uv sync --frozen --no-dev --no-editable --package "patentflow-${SERVICE}"

# --- runtime: the venv and nothing else, run by an unprivileged user -------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG SERVICE

ENV SERVICE=${SERVICE} \
    PATH=/app/.venv/bin:${PATH} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATENTFLOW_HTTP_HOST=0.0.0.0

RUN groupadd --system --gid 10001 patentflow \
 && useradd --system --uid 10001 --gid patentflow --home-dir /app --no-create-home --shell /usr/sbin/nologin patentflow

COPY --from=build /app/.venv /app/.venv

WORKDIR /app
USER 10001:10001

LABEL org.opencontainers.image.title="patentflow-${SERVICE}"

# Ready means Mongo and Kafka answer. The port is PATENTFLOW_HTTP_PORT, or the service's default when unset.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import importlib, os, urllib.request; s = os.environ['SERVICE']; port = os.environ.get('PATENTFLOW_HTTP_PORT') or importlib.import_module(f'patentflow.{s}.config').Settings.model_fields['http_port'].default; urllib.request.urlopen(f'http://127.0.0.1:{port}/health/ready', timeout=4)"]

# exec: python becomes PID 1 and receives SIGTERM, so uvicorn drains consumers and the outbox relay.
CMD ["sh", "-c", "exec python -m patentflow.${SERVICE}"]
