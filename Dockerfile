# syntax=docker/dockerfile:1

# Build stage. Generated code (templ, sqlc) is committed, so no code
# generators are needed here.
FROM golang:1.26-bookworm AS build
# The image pins GOTOOLCHAIN=local; allow fetching the patch release go.mod
# asks for if the image is older.
ENV GOTOOLCHAIN=auto
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
# The build's name in rapport_build_info; empty: Go's module and VCS stamp.
#   docker build --build-arg VERSION=1.4.0 --build-arg COMMIT=$(git rev-parse HEAD) .
ARG VERSION=""
ARG COMMIT=""
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X rapport/internal/metrics.Version=${VERSION} -X rapport/internal/metrics.Commit=${COMMIT}" \
      -o /rapport ./cmd/rapport \
 && mkdir -p /empty/data

# Runtime stage: a static binary on distroless, running as the unprivileged
# "nonroot" user (uid 65532). The image carries no PostgreSQL: set
# DATABASE_URL to a server (see docker-compose.yml).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /rapport /usr/local/bin/rapport
# Writable directory for RAPPORT_DATA_DIR.
COPY --from=build --chown=65532:65532 /empty/data /data
ENV RAPPORT_ADDR=:8080 \
    RAPPORT_DATA_DIR=/data
USER 65532:65532
# 8080: the app; metrics only where RAPPORT_METRICS_ADDR says (e.g. :9090).
EXPOSE 8080
# Subcommands can be given as arguments: `docker run IMAGE migrate status`.
ENTRYPOINT ["/usr/local/bin/rapport"]
CMD ["serve"]
