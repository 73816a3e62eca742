# syntax=docker/dockerfile:1
# FlashScale's image for teams that build with Docker or BuildKit. CI builds
# the same image without a daemon (service/cmd/flashscale-image, see
# README.md); service/image's tests check the two agree on user,
# entrypoint, port, environment and labels.
#
#   docker build -t flashscale:1.4.0-abc1234 \
#     --build-arg VERSION=1.4.0-abc1234 --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg BUILD_TIME=$(date -u +%Y-%m-%dT%H:%M:%SZ) .
#
# One image for both colours: DEPLOY_COLOR is set by the Deployment.

ARG GO_VERSION=1.26
ARG NODE_VERSION=20

# The web shop; its build is the same on every platform.
FROM --platform=$BUILDPLATFORM node:${NODE_VERSION}-bookworm-slim AS web
WORKDIR /src/webapp
COPY webapp/package.json webapp/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY webapp/ ./
# Vite writes straight into ../service/web/dist, which the binary embeds.
RUN npm run build

# The binary: static (the runtime image has no libc), cross-compiled.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
ARG TARGETOS=linux
ARG TARGETARCH
ARG VERSION=dev
ARG COMMIT=unknown
ARG BUILD_TIME=unknown
WORKDIR /src
COPY go.mod go.sum ./
COPY service/ service/
COPY --from=web /src/service/web/dist/ service/web/dist/
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -buildvcs=false \
      -ldflags "-s -w \
        -X github.com/flashscale/flashscale/service/buildinfo.Version=${VERSION} \
        -X github.com/flashscale/flashscale/service/buildinfo.Commit=${COMMIT} \
        -X github.com/flashscale/flashscale/service/buildinfo.BuildTime=${BUILD_TIME}" \
      -o /out/flashscale ./service/cmd/flashscale \
 && mkdir -p /out/data

# Runtime: distroless static, non-root (65532), CA certificates, no shell.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
ARG BUILD_TIME=unknown
ARG SOURCE=https://github.com/flashscale/flashscale
LABEL org.opencontainers.image.version=$VERSION \
      org.opencontainers.image.revision=$COMMIT \
      org.opencontainers.image.created=$BUILD_TIME \
      org.opencontainers.image.source=$SOURCE \
      org.opencontainers.image.title=flashscale
COPY --from=build /out/flashscale /flashscale
# The SQLite store's directory for a local `docker run` without
# DATABASE_URL; unused (and read-only) in Kubernetes with PostgreSQL.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV PORT=8080 FLASHSCALE_DATA_DIR=/data
EXPOSE 8080
ENTRYPOINT ["/flashscale"]
CMD ["serve"]
