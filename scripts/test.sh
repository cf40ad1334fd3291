#!/usr/bin/env bash
# Runs the whole test suite with node:test through tsx. node --test takes no globs on
# Node 20, so the files are listed here. TZ=UTC: p0f's log times are local time, and the
# recorded truths were made in UTC.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files" >&2; exit 1; fi
export TZ=UTC
exec node --import tsx --test --test-concurrency=1 "$@" "${files[@]}"
