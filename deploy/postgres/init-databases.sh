#!/bin/bash
# Runs once, on the first start of an empty PostgreSQL volume: one database per service.
set -euo pipefail
for db in techbridge_intake techbridge_matching techbridge_agreements techbridge_evaluation; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "CREATE DATABASE \"$db\" OWNER \"$POSTGRES_USER\";"
done
