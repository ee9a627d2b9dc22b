# invrep as a container: a static binary on an empty base, CA certificates,
# a non-root user. Models and photos come in as volumes (docs/operations.md,
# "Running on Kubernetes"; point --models-dir or $INVREP_MODELS at the
# models' volume, since the image has no user cache).
#
#   docker build --build-arg COMMIT=$(git rev-parse HEAD) -t registry.example.org/invrep:latest .

FROM golang:1.26 AS build
ARG COMMIT=unknown
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The build line .ci/run runs as it stands (where docker is missing).
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.commit=${COMMIT}" -o /out/invrep ./cmd/invrep

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/invrep /usr/local/bin/invrep
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/invrep"]
