# Sourced, not run: the test services on free loopback ports, for
# deploy/test and tests/chaos/run (one way of starting them):
#   ns_start_pg DIR FIRST_PORT        a private PostgreSQL (deploy/pg) in DIR
#                                     on the first free port of FIRST_PORT..+99;
#                                     exports NS_TEST_PG (a libpq conninfo)
#   ns_start_s3 FIRST_PORT BUCKET     the signature-checking S3 server
#                                     (deploy/s3) in a new directory under
#                                     /var/tmp, on 5 free ports from FIRST_PORT
#                                     (tried in steps of 10, 40 times); exports
#                                     its AWS_* settings and NS_TEST_S3_BUCKET
#                                     (BUCKET, made here)
#   ns_stop_services                  stops what the two started
# Each returns nonzero, having said why on stderr, when it cannot start.

NS_DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS_PG_DIR=
NS_S3_DIR=

# Is something listening on 127.0.0.1:$1?
ns_port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

ns_start_pg() {
  local dir=$1 first=$2 port
  mkdir -p "$dir"
  chmod 755 "$(dirname "$dir")" "$dir" # the postgres user runs the server in it
  for port in $(seq "$first" $((first + 99))); do
    ns_port_in_use "$port" && continue
    if NS_TEST_PG=$("$NS_DEPLOY_DIR/pg" start "$dir" "$port"); then
      export NS_TEST_PG
      NS_PG_DIR=$dir
      return 0
    fi
    # only a port taken in the meantime is worth another try
    grep -q "Address already in use" "$dir/postgres.log" 2>/dev/null || break
    "$NS_DEPLOY_DIR/pg" stop "$dir" || true
    : >"$dir/postgres.log"
  done
  echo "cannot start PostgreSQL in $dir (log: $dir/postgres.log)" >&2
  return 1
}

ns_start_s3() {
  local first=$1 bucket=$2 port p env
  # Swift keeps metadata in extended attributes: under /var/tmp (a disk,
  # where /tmp may be a tmpfs without them)
  NS_S3_DIR=$(mktemp -d /var/tmp/ns-s3.XXXXXX)
  chmod 755 "$NS_S3_DIR"
  for port in $(seq "$first" 10 $((first + 390))); do
    for p in $(seq "$port" $((port + 4))); do
      ns_port_in_use "$p" && continue 2
    done
    if env=$("$NS_DEPLOY_DIR/s3" start "$NS_S3_DIR" "$port"); then
      set -a
      eval "$env"
      set +a
      export NS_TEST_S3_BUCKET=$bucket
      /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" s3 mb "s3://$bucket" >/dev/null ||
        { echo "cannot create the bucket $bucket on $AWS_ENDPOINT_URL" >&2; return 1; }
      return 0
    fi
    "$NS_DEPLOY_DIR/s3" stop "$NS_S3_DIR" || true
  done
  echo "cannot start the S3 server in $NS_S3_DIR" >&2
  return 1
}

ns_stop_services() {
  local rc=0
  if [ -n "$NS_PG_DIR" ]; then
    "$NS_DEPLOY_DIR/pg" stop "$NS_PG_DIR" >/dev/null 2>&1 ||
      { echo "could not stop PostgreSQL in $NS_PG_DIR" >&2; rc=1; }
    NS_PG_DIR=
  fi
  if [ -n "$NS_S3_DIR" ]; then
    "$NS_DEPLOY_DIR/s3" stop "$NS_S3_DIR" >/dev/null 2>&1 ||
      { echo "could not stop the S3 server in $NS_S3_DIR" >&2; rc=1; }
    rm -rf "$NS_S3_DIR"
    NS_S3_DIR=
  fi
  return $rc
}
