#!/usr/bin/env bash
# Checks the start-up cache of the jhmm launcher (issue 15) on a copy of the launcher and the
# built jar in a scratch directory: the first short command trains the cache, the next ones use
# it, a rebuilt jar retrains, and whatever the JVM says about a cache it cannot use goes to
# stderr, so that `jhmm run --json` prints exactly the JSON a plain `java -jar` prints.
# Usage: launcher-test.sh REPOSITORY_ROOT JAR
set -euo pipefail

repo="$1"
built_jar="$2"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

mkdir -p "$scratch/cli/target" "$scratch/scenarios"
cp "$repo/jhmm" "$scratch/"
cp "$built_jar" "$scratch/cli/target/jhmm.jar"
cp "$repo/scenarios/cpu-tour.scn" "$scratch/scenarios/"
state="$scratch/cli/target/launcher"
scenario="$scratch/scenarios/cpu-tour.scn"

failures=0
fail() {
    echo "launcher-test: FAIL: $*" >&2
    failures=$((failures + 1))
}

# Runs the launcher with `run --json` on the tour; its stdout and stderr land in $1.out, $1.err.
launch() {
    "$scratch/jhmm" run --json "$scenario" > "$scratch/$1.out" 2> "$scratch/$1.err" \
        || fail "$1: exit code $?: $(cat "$scratch/$1.err")"
}

trainings() {
    grep -c 'training the start-up cache' "$scratch/$1.err" || true
}

# stdout must be the JSON report and nothing else: what java -jar prints without the launcher.
same_json() {
    cmp -s "$scratch/expected.out" "$scratch/$1.out" \
        || fail "$1: stdout is not the plain JSON report: $(diff "$scratch/expected.out" "$scratch/$1.out" | head -n 5)"
}

launch first
java="$(sed -n 2p "$state/java")"
[[ -x "$java" ]] || fail "the Java found was not kept in $state/java"
"$java" -jar "$scratch/cli/target/jhmm.jar" run --json "$scenario" > "$scratch/expected.out"
same_json first
[[ "$(trainings first)" == 1 ]] || fail "first: the first short command did not train the cache"
[[ -f "$state/jhmm.aot" && -f "$state/jhmm.aot.stamp" ]] || fail "first: no cache or no stamp after training"
ls "$state" | grep -Eq '\.[0-9]+$' && fail "first: a temporary file was left in $state: $(ls "$state")"

launch second
same_json second
[[ ! -s "$scratch/second.err" ]] || fail "second: a fresh cache made the launcher or the JVM say: $(cat "$scratch/second.err")"

# A rebuilt jar (here: the same bytes, a new modification time) invalidates the cache: the JVM
# would refuse it, so the launcher trains again.
old_cache="$scratch/old.aot"
cp "$state/jhmm.aot" "$old_cache"
touch -d '+1 second' "$scratch/cli/target/jhmm.jar"
launch rebuilt
same_json rebuilt
[[ "$(trainings rebuilt)" == 1 ]] || fail "rebuilt: a new jar did not retrain the cache"

# A cache the JVM cannot use although its stamp matches (trained for the old jar): the JVM
# complains, on stderr only.
cp "$old_cache" "$state/jhmm.aot"
launch refused
same_json refused
grep -q 'aot' "$scratch/refused.err" || fail "refused: the JVM did not report the stale cache (the check proves nothing)"

# A kept Java that is no longer there is probed again.
printf '%s\n%s\n' "${JAVA_HOME:-}" "$scratch/no-such-jdk/bin/java" > "$state/java"
launch reprobed
same_json reprobed
[[ "$(sed -n 2p "$state/java")" == "$java" ]] || fail "reprobed: the launcher did not find and keep a Java again"

# Concurrent launches after a rebuild: one trains, none prints anything but the report.
touch -d '+2 seconds' "$scratch/cli/target/jhmm.jar"
for i in 1 2 3; do launch "concurrent$i" & done
wait
total=0
for i in 1 2 3; do
    same_json "concurrent$i"
    total=$((total + $(trainings "concurrent$i")))
done
# Without flock (util-linux) each launch may train, into a file of its own: still safe, not single.
if command -v flock >/dev/null 2>&1; then
    [[ "$total" == 1 ]] || fail "concurrent: $total of 3 concurrent launches trained the cache, not 1"
fi
launch after
[[ ! -s "$scratch/after.err" ]] || fail "after: the cache trained concurrently is not used cleanly: $(cat "$scratch/after.err")"

if (( failures > 0 )); then
    echo "launcher-test: $failures failure(s)" >&2
    exit 1
fi
echo "launcher-test: the start-up cache trains, retrains on a new jar and keeps stdout clean"
