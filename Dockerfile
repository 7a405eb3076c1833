# Dockerfile: an image with nsgflow in /usr/local/bin (and its man page),
# for jobs such as the Kubernetes Job of docs/shards.md. Its RUN lines are
# the README's installation steps, line for line, and its packages those of
# the Makefile's dependency step (tests/e2e/27_readme.sh checks both).
#
#   docker build -t nsgflow .
FROM debian:12
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y build-essential pkg-config zlib1g-dev libyajl-dev libsqlite3-dev libcurl4-openssl-dev libexpat1-dev libssl-dev libcmocka-dev sqlite3 python3 groff-base
WORKDIR /src
COPY . .
RUN make
RUN make install PREFIX=/usr/local
CMD ["nsgflow", "--help"]
