# syntax=docker/dockerfile:1
# privfed in a container: one image for every role (`privfed serve`, `orchestrator`, `agent`).
# Build: docker build -t privfed:0.1.0 .     Deploy: deploy/README.md, deploy/helm/privfed.

# The build image matches the toolchain CI tests with (Swift 6.3.1 on Debian 12).
FROM swift:6.3.1-bookworm AS build
# libsqlite3-dev and zlib1g-dev: the C libraries GRDB and the MNIST loader link against.
# Not version-pinned (DL3008): bookworm's security updates replace these versions, so a pin
# would stop the build; the base image tags pin the release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-dev zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The whole tree at once: resolving with Package.swift alone would fail on its local targets.
COPY . .
# --static-swift-stdlib: the runtime image then needs no Swift toolchain, only Debian's libraries.
RUN swift build -c release --product privfed --static-swift-stdlib \
    && mkdir -p /staging \
    && bin="$(swift build -c release --show-bin-path)" \
    && cp "$bin/privfed" /staging/ \
    && cp -R "$bin"/*.resources /staging/

FROM debian:bookworm-slim
# What the binary loads at run time: SQLite and zlib (the results database, gzip IDX files) and
# libcurl, which Foundation's networking module links even though privfed makes no HTTP calls.
# Unpinned for the same reason as in the build stage.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-0 zlib1g libcurl4 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 privfed \
    && useradd --system --uid 10001 --gid privfed --home-dir /var/lib/privfed --create-home privfed
# The resource bundles (the OpenAPI document) must sit beside the binary: SwiftPM finds them there.
COPY --from=build /staging/ /app/
# The shipped manifests and MNIST, so `serve` can start the seed's jobs; manifests name
# ../datasets/mnist, so both keep their relative layout under /app.
COPY --chown=root:root manifests /app/manifests
COPY --chown=root:root datasets/mnist /app/datasets/mnist
ENV PATH="/app:${PATH}"
# The database, the operator key, secrets files and local records live beside --db: a volume.
VOLUME ["/var/lib/privfed"]
WORKDIR /var/lib/privfed
USER 10001:10001
# 8001: HTTP API (serve); 8002: agent link, mutual TLS (serve --agent-port / orchestrator).
EXPOSE 8001 8002
# No HEALTHCHECK: the one image also runs agents, which serve no HTTP; the serve container's
# health route is GET /api/health, which the Helm chart probes.
ENTRYPOINT ["privfed"]
CMD ["--help"]
