# syntax=docker/dockerfile:1
# One image runs the auth service (default), the sample API (`node dist/sample/main.js`) and the
# key CLI (`pico-auth-keys`). Build: docker build -t pico-server-auth .
# test/docker/ checks this file and reproduces the runtime stage without a Docker engine.

ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: all dependencies, TypeScript compiled to dist/ ---------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.web.json ./
COPY scripts/bundle.mjs ./scripts/
COPY src ./src
# tsc to dist/, then the service bundled into one file (dist/bundle/server.mjs): a faster start.
# Type declarations and source maps are for the npm package, not for the image: dropped here.
RUN npm run build \
 && find dist \( -name '*.d.ts' -o -name '*.map' \) -delete

# --- prod-deps: production dependencies only, from the lockfile ----------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# Only node_modules leaves this stage (the npm cache stays behind). Declarations and source maps
# are never read at run time.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && find node_modules \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -type f -delete

# --- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# Debian bookworm's tini, pinned (override with --build-arg when Debian publishes a new revision).
ARG TINI_VERSION=0.19.0-1+b3
# tini as PID 1: forwards SIGTERM to node (which drains and exits) and reaps zombies.
# The runtime never installs packages: npm, npx, corepack and yarn from the base image go (less
# attack surface; the service runs `node` only).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "tini=${TINI_VERSION}" \
 && rm -rf /var/lib/apt/lists/* \
 && rm -rf /usr/local/lib/node_modules /opt/yarn-* \
 && rm -f /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg
# MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (the main thread, V8's GC helpers,
# libuv's pool) an arena of its own that keeps what it freed; with two, one process's RSS after 15 s
# at 16 and 15 s at 200 connections was 147-148 MB against 154-155 (Node 24), at no measurable CPU
# cost (bench/PAIRS.md, "Memory under connections", 2026-12-01).
ENV NODE_ENV=production \
    PORT=8100 \
    MALLOC_ARENA_MAX=2
WORKDIR /app
# Everything the process reads is owned by root and read-only to it; it writes nothing outside
# /tmp, so the pod can run with readOnlyRootFilesystem and an emptyDir at /tmp.
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
RUN chmod 0755 dist/cli/main.js \
 && ln -s /app/dist/cli/main.js /usr/local/bin/pico-auth \
 && ln -s /app/dist/cli/main.js /usr/local/bin/pico-auth-keys
# The image's unprivileged `node` user (uid/gid 1000), as the chart's securityContext expects.
USER 1000:1000
EXPOSE 8100 8200 9100
ENTRYPOINT ["/usr/bin/tini", "--"]
# --max-semi-space-size=16: on Node 24 V8 grows the young generation to 64 MB under a burst of
# requests and keeps it (RSS 231 MB at 200 connections); capped at 16 MB per semi-space the RSS
# stays at 142 MB, at no measurable CPU cost (bench/PAIRS.md, "Memory under connections"; 8 MB
# cost ~17% CPU at 200 connections).
# --max-old-space-size=256: the old generation V8 gives a container whose memory limit is 512 MiB
# or less (the chart's is 256Mi): Node sizes the heap from the cgroup's limit, and from the host's
# RAM without one (4 GiB on a 24 GiB host), where V8 grows the old generation up to 4x its live size
# before a full GC (~15 MB live here, start-up garbage kept for minutes). With the flag the process
# collects as it does in such a pod wherever it runs: RSS at 200 connections 128 MB against 143-145
# (bench/PAIRS.md, 2026-12-01). The chart and k8s/ run the same command.
CMD ["node", "--max-semi-space-size=16", "--max-old-space-size=256", "dist/bundle/server.mjs"]

LABEL org.opencontainers.image.title="pico-server-auth" \
      org.opencontainers.image.description="Stateless multi-replica wallet authentication service" \
      org.opencontainers.image.licenses="MIT"
