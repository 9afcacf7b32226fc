#!/usr/bin/env bash
# `npm run services`: makes sure the services faucet's tests talk to answer on this machine —
# PostgreSQL 5432 (user postgres, trust, db test), MariaDB 3306 (root, empty password, db test),
# Redis 6379, NATS with JetStream 4222, RabbitMQ 5672 (guest/guest), Mosquitto 1883 — all on
# 127.0.0.1. A service that already answers is left alone; one that does not is installed from
# Debian's packages (when missing) and started. Needs root and apt on Debian; elsewhere it only
# reports what does not answer. Exits non-zero when a service still does not answer.
# Arguments name a subset: `scripts/services.sh postgres redis`.
set -uo pipefail

wanted=" ${*:-postgres mariadb redis nats rabbitmq mosquitto} "

HOST=127.0.0.1
apt_updated=0
failed=()

log() { printf '[services] %s\n' "$*"; }

# True when something accepts TCP connections on the port.
answers() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

wait_for() { # name port seconds
  local i
  for ((i = 0; i < $3 * 2; i++)); do
    answers "$2" && return 0
    sleep 0.5
  done
  return 1
}

can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

install() { # debian packages…
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! can_install; then
    log "cannot install ${missing[*]}: needs root and apt-get"
    return 1
  fi
  if [ $apt_updated = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  # policy-rc.d keeps the packages' own init scripts from starting daemons we start below.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  local rc=$?
  rm -f /usr/sbin/policy-rc.d
  return $rc
}

ensure() { # id name port function-that-installs-and-starts
  [[ "$wanted" == *" $1 "* ]] || return 0
  local name=$2 port=$3 start=$4
  if answers "$port"; then
    log "$name answers on $HOST:$port"
    return
  fi
  log "$name does not answer on $HOST:$port; starting it"
  if "$start" && wait_for "$name" "$port" 60; then
    log "$name answers on $HOST:$port"
  else
    log "$name could not be started"
    failed+=("$name")
  fi
}

start_postgres() {
  install postgresql || return 1
  local version conf
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    pg_createcluster "$version" main >/dev/null || return 1
  fi
  conf=/etc/postgresql/$version/main
  mkdir -p "$conf/conf.d"
  if [ ! -f "$conf/conf.d/90-faucet.conf" ]; then
    printf "listen_addresses = '127.0.0.1'\nport = 5432\n" >"$conf/conf.d/90-faucet.conf"
  fi
  # Trust local connections, as the tests expect (this machine is a throwaway test host).
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | cat - "$conf/pg_hba.conf" >"$conf/pg_hba.conf.new"
    mv "$conf/pg_hba.conf.new" "$conf/pg_hba.conf"
    chown postgres:postgres "$conf/pg_hba.conf"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null ||
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload || return 1
  wait_for PostgreSQL 5432 30 || return 1
  psql -h "$HOST" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 ||
    psql -h "$HOST" -U postgres -d postgres -qc "CREATE DATABASE test"
}

start_mariadb() {
  install mariadb-server || return 1
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null || return 1
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql \
    --bind-address=127.0.0.1 --port=3306 || return 1
  wait_for MariaDB 3306 30 || return 1
  # root with an empty password over TCP, and a `test` database.
  mariadb -uroot -e "CREATE DATABASE IF NOT EXISTS test;
    ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('');
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;" 2>/dev/null || true
}

start_redis() {
  install redis-server || return 1
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
}

start_nats() {
  install nats-server || return 1
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
}

start_rabbitmq() {
  install rabbitmq-server || return 1
  rabbitmq-server -detached
  # RabbitMQ takes a while to boot; ensure() waits for the port.
}

start_mosquitto() {
  install mosquitto || return 1
  local conf=/etc/mosquitto/mosquitto.conf
  if ! grep -q '^listener 1883' "$conf" 2>/dev/null; then
    printf 'listener 1883 127.0.0.1\nallow_anonymous true\n' >>"$conf"
  fi
  mkdir -p /run/mosquitto /var/log/mosquitto /var/lib/mosquitto
  chown mosquitto:mosquitto /run/mosquitto /var/log/mosquitto /var/lib/mosquitto 2>/dev/null || true
  mosquitto -d -c "$conf"
}

ensure postgres PostgreSQL 5432 start_postgres
ensure mariadb MariaDB 3306 start_mariadb
ensure redis Redis 6379 start_redis
ensure nats "NATS (JetStream)" 4222 start_nats
ensure rabbitmq RabbitMQ 5672 start_rabbitmq
ensure mosquitto Mosquitto 1883 start_mosquitto

if [ ${#failed[@]} -gt 0 ]; then
  log "not answering: ${failed[*]}"
  exit 1
fi
log "all services answer"
