#!/bin/sh
# A throwaway PostgreSQL 15 for the tests and benches (docs/state.md).
#
#   pgctl.sh run CMD [ARG...]  start one in a new temporary directory, run
#                              CMD with it, stop it and remove the
#                              directory; exits with CMD's status
#   pgctl.sh start DIR         initdb into DIR (new or empty), start, print
#                              the URL
#   pgctl.sh stop DIR          stop and remove DIR
#   pgctl.sh restart DIR [fast|immediate]   (immediate: a crash)
#   pgctl.sh down DIR          stop it, keeping DIR
#   pgctl.sh up DIR            start it again (same port)
#   pgctl.sh url DIR [socket]  the URL (TCP on 127.0.0.1, or the socket)
#
# CMD (and whoever reads DIR/env) gets CCAKIT_PG_URL (TCP, 127.0.0.1, a
# free port), CCAKIT_PG_SOCKET_URL (the Unix socket in DIR),
# CCAKIT_PG_DIR and CCAKIT_PGCTL (this script, for restarts). The server
# trusts local connections of the user "ccakit" and has one database,
# "ccakit_test"; it runs without fsync (a crash of the server loses
# nothing, a crash of the machine would).
#
# The binaries: $PG_BINDIR, by default /usr/lib/postgresql/15/bin (Debian
# postgresql-15). Without them: one line, "skipped: ...", and exit 77.
# PostgreSQL refuses to run as root: as root, the server runs as $PG_USER,
# by default "postgres" if that user exists, else "nobody" (runuser or
# setpriv); the directory is given to that user.
set -eu

BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
if [ ! -x "$BINDIR/initdb" ] || [ ! -x "$BINDIR/pg_ctl" ] ||
    [ ! -x "$BINDIR/postgres" ]; then
	echo "skipped: $BINDIR not found (Debian package postgresql-15)"
	exit 77
fi

SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
DB=ccakit_test
ROLE=ccakit

if [ "$(id -u)" -eq 0 ]; then
	PGUSER_RUN=${PG_USER:-}
	if [ -z "$PGUSER_RUN" ]; then
		if id postgres >/dev/null 2>&1; then
			PGUSER_RUN=postgres
		else
			PGUSER_RUN=nobody
		fi
	fi
else
	PGUSER_RUN=
fi

# Run a server-side command as the unprivileged user, from a directory
# it can enter.
as_pg() {
	if [ -z "$PGUSER_RUN" ]; then
		(cd / && "$@")
	elif command -v runuser >/dev/null 2>&1; then
		(cd / && runuser -u "$PGUSER_RUN" -- "$@")
	else
		(cd / && setpriv --reuid="$(id -u "$PGUSER_RUN")" \
		    --regid="$(id -g "$PGUSER_RUN")" --clear-groups "$@")
	fi
}

random_port() {
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' \n')
	echo $((20000 + n % 40000))
}

url() {
	port=$(cat "$1/port")
	if [ "${2:-}" = socket ]; then
		echo "postgresql:///$DB?host=$1&port=$port&user=$ROLE"
	else
		echo "postgresql://$ROLE@127.0.0.1:$port/$DB"
	fi
}

start() {
	d=$1
	mkdir -p "$d"
	chmod 700 "$d"
	[ -z "$PGUSER_RUN" ] || chown "$PGUSER_RUN" "$d"
	if ! as_pg "$BINDIR/initdb" -D "$d/data" -U "$ROLE" -A trust \
	    -E UTF8 --locale=C --no-sync >"$d/initdb.log" 2>&1; then
		cat "$d/initdb.log" >&2
		echo "pgctl: initdb failed" >&2
		return 1
	fi
	# Small, quiet and local: the socket in the directory, TCP on
	# 127.0.0.1 only.
	cat >>"$d/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$d'
fsync = off
full_page_writes = off
shared_buffers = 16MB
max_connections = 200
log_min_messages = warning
EOF
	tries=0
	while :; do
		port=$(random_port)
		if as_pg "$BINDIR/pg_ctl" -D "$d/data" -l "$d/log" -w -t 60 \
		    -o "-p $port" start >/dev/null 2>&1; then
			break
		fi
		tries=$((tries + 1))
		# Another server on that port: draw again; else give up.
		if [ $tries -ge 20 ] || ! grep -q "could not \(bind\|create\)" \
		    "$d/log" 2>/dev/null; then
			cat "$d/log" >&2 2>/dev/null || true
			echo "pgctl: the server did not start" >&2
			return 1
		fi
	done
	echo "$port" >"$d/port"
	"$BINDIR/createdb" -h "$d" -p "$port" -U "$ROLE" "$DB"
	url "$d"
}

stop() {
	d=$1
	if [ -f "$d/data/postmaster.pid" ]; then
		as_pg "$BINDIR/pg_ctl" -D "$d/data" -m fast -w -t 60 stop \
		    >/dev/null 2>&1 || true
	fi
	case $d in
	/*/ccakit-pg.*|*/ccakit-pg.*) rm -rf "$d" ;;
	*) [ -f "$d/port" ] && rm -rf "$d" ;;
	esac
}

down() {
	as_pg "$BINDIR/pg_ctl" -D "$1/data" -m fast -w -t 60 stop >/dev/null
}

up() {
	as_pg "$BINDIR/pg_ctl" -D "$1/data" -l "$1/log" -w -t 60 \
	    -o "-p $(cat "$1/port")" start >/dev/null
}

restart() {
	as_pg "$BINDIR/pg_ctl" -D "$1/data" -l "$1/log" -w -t 60 \
	    -m "${2:-fast}" restart >/dev/null
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
start)
	start "$1"
	;;
stop)
	stop "$1"
	;;
restart)
	restart "$@"
	;;
down)
	down "$1"
	;;
up)
	up "$1"
	;;
url)
	url "$@"
	;;
run)
	[ $# -gt 0 ] || { echo "usage: pgctl.sh run CMD [ARG...]" >&2; exit 2; }
	D=$(mktemp -d "${TMPDIR:-/tmp}/ccakit-pg.XXXXXX")
	trap 'stop "$D"' EXIT
	trap 'exit 143' INT TERM
	start "$D" >/dev/null
	CCAKIT_PG_URL=$(url "$D")
	CCAKIT_PG_SOCKET_URL=$(url "$D" socket)
	CCAKIT_PG_DIR=$D
	CCAKIT_PGCTL=$SELF
	export CCAKIT_PG_URL CCAKIT_PG_SOCKET_URL CCAKIT_PG_DIR CCAKIT_PGCTL
	set +e
	"$@"
	st=$?
	set -e
	exit $st
	;;
*)
	echo "usage: pgctl.sh run CMD [ARG...] | start DIR | stop DIR |" \
	    "restart DIR [fast|immediate] | down DIR | up DIR |" \
	    "url DIR [socket]" >&2
	exit 2
	;;
esac
