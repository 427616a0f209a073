#!/bin/sh
# Instructions per call of (a) the direct function pointer and (b) the
# in-process runtime with the full policy, and b − a: the bench runs each path
# twice under QEMU with the counting plugin, SMALL and then LARGE calls, and
# the difference of the two counts over LARGE − SMALL is what one call costs
# (start, load and exit cancel out).
#
# usage: count_instructions.sh BENCH_BINARY PLUGIN_COUNTER.so ECHO_PLUGIN.so RAW_ECHO [SMALL LARGE]
set -eu
bench=$1 counter=$2 echo_plugin=$3 raw_echo=$4
small=${5:-2000} large=${6:-10000}

count() {  # path calls → instructions
    BENCH_ONLY="instructions-$1" BENCH_CALLS="$2" qemu-x86_64 -plugin "$counter" "$bench" "$echo_plugin" "$raw_echo" 256 \
        2>&1 >/dev/null | awk '/^instructions / { print $2 }'
}

per_call() {  # path → instructions per call
    first=$(count "$1" "$small")
    second=$(count "$1" "$large")
    if [ -z "$first" ] || [ -z "$second" ]; then
        echo "count_instructions: no count for ($1); is qemu-user installed?" >&2
        exit 1
    fi
    echo $(( (second - first) / (large - small) ))
}

echo "counting instructions under QEMU ($small and $large calls of each path; a minute or two)" >&2
a=$(per_call a)
b=$(per_call b)
echo "(a) direct function pointer:        $a instructions per call"
echo "(b) in-process runtime + policy:    $b instructions per call"
echo "b - a (host overhead per call):     $((b - a)) instructions"
