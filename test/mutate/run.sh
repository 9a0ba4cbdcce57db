#!/usr/bin/env bash
# Mutation testing of the security core with gremlins (make mutate,
# make mutate-gate). Usage: test/mutate/run.sh TARGET...
#
# Each target is a package, the files of it left unmutated, the tests each
# mutant runs and a minimum score. The score is killed / (killed + lived +
# timed out): gremlins' own "test efficacy" leaves timed-out mutants out, so
# a run where the machine was too slow for every mutant would read 100 %;
# here a timeout counts against the score, and a target with nothing killed
# fails whatever its percentage. Equivalent mutants (test/mutate/equivalents.md)
# count as lived: gremlins has no ignore list.
#
# Environment: GREMLINS (the binary, required), MUTATE_WORKERS (2),
# MUTATE_TIMEOUT_COEFFICIENT (60), MUTATE_OUT (where the reports go),
# MUTATE_NICE (15: the machine is shared).
set -uo pipefail
cd "$(dirname "$0")/../.."

: "${GREMLINS:?GREMLINS must name the gremlins binary (make mutate builds it)}"
workers=${MUTATE_WORKERS:-2}
# gremlins' timeout per mutant is the coverage run's time times this. The
# coverage run can be as short as 0.7 s when Go's build cache is warm, while
# each mutant recompiles and relinks its package's test binary: at 10 on a
# loaded 2-core machine, most authn mutants "timed out" (and so were never
# judged). 60 leaves ≥ 40 s; a mutant that loops forever costs that once.
coef=${MUTATE_TIMEOUT_COEFFICIENT:-60}
out=${MUTATE_OUT:-$HOME/.cache/dockmaster/mutate}
nice=${MUTATE_NICE:-15}
mkdir -p "$out"

# target → package ; exclude regexp (paths relative to the package) ;
# go test flags for each mutant's run (through GOFLAGS: gremlins has no
# flag for them) ; minimum score in %.
spec() {
  case $1 in
  rbac) echo './authserver/internal/rbac;;;95' ;;
  # authn's tests hash at bcrypt's lowest cost except the two about the cost.
  authn) echo './authserver/internal/authn;;;90' ;;
  # The grant step (endpoint_grant.go); the endpoint's other files are
  # covered by their own tests and are not mutated here.
  grant) echo './authserver/internal/tokenserver;(^|/)(endpoint|endpoint_audit|endpoint_response|endpoint_settings|refresh|sessions)\.go$|registrytest/;;90' ;;
  # Minting (mint.go, mintertokens.go). The real-registry tests take
  # minutes each and are not what pins these files: skipped per mutant.
  mint) echo './authserver/internal/token;(^|/)(keyring|keys)\.go$;-skip=^TestRealRegistry;90' ;;
  events) echo './authserver/internal/events;;;85' ;;
  *) return 1 ;;
  esac
}

# num KEY FILE: the number after "KEY: " in gremlins' summary.
num() { grep -o "$1: [0-9]*" "$2" | head -1 | grep -o '[0-9]*$' || echo 0; }

fail=0
for t in "$@"; do
  if ! s=$(spec "$t"); then
    echo "mutate: unknown target $t (rbac authn grant mint events)"
    exit 2
  fi
  IFS=';' read -r pkg ex flags min <<<"$s"
  start=$(date +%s)
  args=(unleash --invert-logical --workers "$workers" --timeout-coefficient "$coef" -S lt -o "$out/$t.json")
  [ -n "$ex" ] && args+=(--exclude-files "$ex")
  # --test-cpu is not used: gremlins v0.6.0 passes it to go test as one
  # argument ("-cpu 1"), which the test binary refuses, so every mutant
  # would count as killed. GOMAXPROCS=1 is the working equivalent.
  # -vet=off: go test vets every package it builds; the mutants need not
  # pass vet, and it is a good part of each mutant's cost.
  GOFLAGS="${GOFLAGS:+$GOFLAGS }-vet=off${flags:+ $flags}" GOMAXPROCS=1 nice -n "$nice" "$GREMLINS" "${args[@]}" "$pkg" >"$out/$t.txt" 2>&1
  rc=$?
  secs=$(($(date +%s) - start))
  grep -E '^ *(LIVED|TIMED OUT)' "$out/$t.txt"
  killed=$(num Killed "$out/$t.txt")
  lived=$(num Lived "$out/$t.txt")
  timedout=$(num 'Timed out' "$out/$t.txt")
  notcov=$(num 'Not covered' "$out/$t.txt")
  judged=$((killed + lived + timedout))
  score=0
  ((judged > 0)) && score=$((killed * 1000 / judged))
  verdict=ok
  if ((rc != 0)); then
    verdict="FAIL (gremlins exited $rc; see $out/$t.txt)"
  elif ((killed == 0)); then
    verdict="FAIL (nothing killed)"
  elif ((score < min * 10)); then
    verdict="FAIL (below $min %)"
  fi
  printf 'mutate: %-6s %d.%d %% (killed %d, lived %d, timed out %d, not covered %d; target %d %%) %ss: %s\n' \
    "$t" $((score / 10)) $((score % 10)) "$killed" "$lived" "$timedout" "$notcov" "$min" "$secs" "$verdict"
  [ "$verdict" = ok ] || fail=1
done
exit $fail
