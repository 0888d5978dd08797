#!/usr/bin/env bash
# `scripts/timed.sh "what" command...`: runs a long step of `make run` saying what it is doing,
# how long it has been going every 30 s (no silent multi-minute pauses), and how long it took.
set -u
what=$1
shift
start=$SECONDS
echo "==> $what"
( while sleep 30; do echo "    ... $what: $((SECONDS - start)) s so far"; done ) &
ticker=$!
"$@"
status=$?
kill "$ticker" 2>/dev/null
wait "$ticker" 2>/dev/null
if [ "$status" -eq 0 ]; then
  echo "==> $what: done in $((SECONDS - start)) s"
else
  echo "==> $what: FAILED after $((SECONDS - start)) s (exit $status)"
fi
exit "$status"
