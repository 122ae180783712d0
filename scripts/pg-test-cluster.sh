#!/usr/bin/env bash
# Throwaway PostgreSQL servers for the tests, in DIR, never the machine's own server:
#
#   scripts/pg-test-cluster.sh start DIR   # prints `export ...` lines for the tests
#   scripts/pg-test-cluster.sh stop DIR    # stops both servers and removes DIR
#
# - a TLS server (`ssl = on`) on a free port from 55432 up, with a CA, a server
#   certificate for `localhost` (SAN) and a client certificate for the role `wt_cert`,
#   all made here with openssl. pg_hba: `wt_cert` by certificate only (hostssl ... cert),
#   members of `wt_password` by SCRAM password, everyone else trusted on loopback.
# - a plain-text server (`ssl = off`, trust on loopback) on the next free port.
#
# Exports: WT_TEST_TLS_DATABASE_URL (verify-full against the CA), WT_TEST_PG_TLS_DIR (the
# certificates: ca.pem, other-ca.pem, client.crt, client.key), WT_TEST_PG_TLS_PORT and
# WT_TEST_PG_PLAIN_PORT. Needs initdb, pg_ctl and openssl; as root, the servers run as the
# `postgres` user (initdb refuses root).
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
    echo "usage: $0 start|stop DIR" >&2
    exit 2
fi

bindir() {
    if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
    else
        ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
    fi
}
BIN=$(bindir)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ] || [ ! -x "$BIN/pg_ctl" ]; then
    echo "no initdb/pg_ctl found (Debian: apt-get install postgresql)" >&2
    exit 3
fi
if ! command -v openssl >/dev/null; then
    echo "no openssl found (Debian: apt-get install openssl)" >&2
    exit 3
fi

# As root, run the servers as `postgres`; otherwise as ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

if [ "$cmd" = stop ]; then
    for data in "$dir/tls" "$dir/plain"; do
        [ -f "$data/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    done
    rm -rf "$dir"
    exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
next_free_port() {
    local p=$1
    while ! port_free "$p"; do p=$((p + 1)); done
    echo "$p"
}

mkdir -p "$dir/certs"
certs="$dir/certs"
(
    cd "$certs"
    quiet() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; exit 1; }; }
    ec() { echo "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"; }
    # shellcheck disable=SC2046
    quiet openssl req -x509 $(ec) -keyout ca.key -out ca.pem -days 3 -subj "/CN=wt test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    # shellcheck disable=SC2046
    quiet openssl req -x509 $(ec) -keyout other-ca.key -out other-ca.pem -days 3 -subj "/CN=another CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    # shellcheck disable=SC2046
    quiet openssl req -new $(ec) -keyout server.key -out server.csr -subj "/CN=localhost"
    printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" > server.ext
    quiet openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3 \
        -extfile server.ext -out server.crt
    # The client certificate's CN is the role it logs in as.
    # shellcheck disable=SC2046
    quiet openssl req -new $(ec) -keyout client.key -out client.csr -subj "/CN=wt_cert"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=clientAuth" > client.ext
    quiet openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3 \
        -extfile client.ext -out client.crt
    chmod 600 ./*.key
    rm -f ./*.csr ./*.ext ./*.srl ca.key other-ca.key
)

tls_port=$(next_free_port 55432)
plain_port=$(next_free_port $((tls_port + 1)))

# Both data directories belong to the server's user; the certificates stay ours.
mkdir -p "$dir/tls" "$dir/plain" "$dir/sock"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir" "$dir/tls" "$dir/plain" "$dir/sock"
    chmod 755 "$dir" "$certs"
    chmod 644 "$certs"/*.pem "$certs"/*.crt
fi
for data in "$dir/tls" "$dir/plain"; do
    as_owner "$BIN/initdb" -D "$data" -U postgres --auth=trust --no-sync >/dev/null
done

install_owned() { # SRC DEST MODE: a copy the server's user owns
    cp "$1" "$2"
    chmod "$3" "$2"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$2"
}
install_owned "$certs/server.crt" "$dir/tls/server.crt" 644
install_owned "$certs/server.key" "$dir/tls/server.key" 600
install_owned "$certs/ca.pem" "$dir/tls/ca.pem" 644

common="listen_addresses = 'localhost'
unix_socket_directories = '$dir/sock'
max_connections = 300
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off"
as_owner tee -a "$dir/tls/postgresql.conf" >/dev/null <<EOF
$common
port = $tls_port
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_ca_file = 'ca.pem'
EOF
as_owner tee "$dir/tls/pg_hba.conf" >/dev/null <<'EOF'
local     all  all                        trust
hostssl   all  wt_cert       127.0.0.1/32 cert
hostssl   all  wt_cert       ::1/128      cert
hostnossl all  wt_cert       127.0.0.1/32 reject
hostnossl all  wt_cert       ::1/128      reject
host      all  +wt_password  127.0.0.1/32 scram-sha-256
host      all  +wt_password  ::1/128      scram-sha-256
host      all  all           127.0.0.1/32 trust
host      all  all           ::1/128      trust
EOF
as_owner tee -a "$dir/plain/postgresql.conf" >/dev/null <<EOF
$common
port = $plain_port
ssl = off
EOF

for data in "$dir/tls" "$dir/plain"; do
    as_owner "$BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null
done
as_owner "$BIN/psql" -h "$dir/sock" -p "$tls_port" -U postgres -d postgres -qAt \
    -c "CREATE ROLE wt_cert LOGIN CREATEDB" -c "CREATE ROLE wt_password NOLOGIN" >/dev/null

cat <<EOF
export WT_TEST_PG_TLS_DIR='$certs'
export WT_TEST_PG_TLS_PORT=$tls_port
export WT_TEST_PG_PLAIN_PORT=$plain_port
export WT_TEST_TLS_DATABASE_URL='postgres://postgres@localhost:$tls_port/postgres?sslmode=verify-full&sslrootcert=$certs/ca.pem'
EOF
