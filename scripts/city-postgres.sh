#!/usr/bin/env bash
# The three private PostgreSQL clusters of the city-tier benchmark (`make bench-city`): two
# street databases and one district database on loopback, each made and run by
# scripts/postgres.sh with a name, a port and the settings logical replication needs:
#   scripts/city-postgres.sh start|stop|url|status|halt street1|street2|district|all
# `url` prints one cluster's superuser URL; `halt` stops one at once (the benchmark's district
# outage). Leases are named after the calling shell, as for the tests' cluster.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

port_of() {
  case $1 in
    street1) echo 55441 ;;
    street2) echo 55442 ;;
    district) echo 55443 ;;
    *) echo "unknown cluster '$1': street1, street2, district or all" >&2; exit 2 ;;
  esac
}

# Every cluster may publish (wal_level=logical, read at start). A street's slot keeps WAL for a
# district that is away, but never more than max_slot_wal_keep_size: past it the slot is
# invalidated and the district's subscription must be made again (docs/city-scale.md).
options="-c wal_level=logical -c max_slot_wal_keep_size=4GB"

command=${1:-}
target=${2:-}
[ -n "$command" ] && [ -n "$target" ] || {
  echo "usage: $0 start|stop|url|status|halt street1|street2|district|all" >&2
  exit 2
}
if [ "$target" = all ]; then
  [ "$command" != url ] || { echo "url: name one cluster" >&2; exit 2; }
  targets="street1 street2 district"
else
  port_of "$target" >/dev/null
  targets=$target
fi
for cluster in $targets; do
  BINHE_PG_NAME="city-$cluster" BINHE_PG_PORT=$(port_of "$cluster") BINHE_PG_OPTIONS=$options \
    BINHE_PG_LEASE=${BINHE_PG_LEASE:-$PPID} "$here/postgres.sh" "$command"
done
