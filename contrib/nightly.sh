#!/bin/sh
# A nightly metascan run: one dated JSON report per night, compared with an accepted baseline.
#
#   contrib/nightly.sh REPORT_DIR INPUT...
#
#   REPORT_DIR/metascan-YYYY-MM-DD.json   the night's report (written atomically by metascan: a killed run
#                                         never leaves a partial one, and a rerun on the same day replaces it
#                                         only with a complete one)
#   REPORT_DIR/baseline.json              the accepted findings: made from the first complete night's report;
#                                         to accept tonight's findings, copy a report made without a baseline
#                                         over it (fingerprints only, no secrets: it can be committed)
#   REPORT_DIR/latest.json                a symbolic link to the newest report
#
# Exit status: metascan's: 0 nothing new, 1 new findings (a line on stderr says where), 2 errors; 2 also
# when metascan ended without writing tonight's report (a crash: its exit code is then not a verdict).  The
# first complete night creates the baseline and exits 0 ("baseline created"): its findings are accepted, not new.
#
# Environment:
#   METASCAN               the command to run, split on spaces ("python3 -m metascan"); default: the metascan
#                          beside this script (a venv's bin/), else the one in the venv of the checkout the
#                          script lives in (../.venv/bin/metascan), else metascan on PATH (cron's PATH is short)
#   METASCAN_SUBCOMMAND    scan (default) or another command taking the same output options
#   METASCAN_ARGS          more options, split on spaces, e.g. "--fail-on high --config /etc/metascan.toml"
#   METASCAN_NIGHTLY_DATE  the date in the report's name (default: today, UTC)
#   METASCAN_KEEP_DAYS     delete dated reports older than this many days (default: 90; 0 keeps them all)
#   METASCAN_FINGERPRINT_KEY or --fingerprint-key in METASCAN_ARGS: the same key every night, or the
#                          baseline cannot be used (metascan refuses a baseline made with another key)
set -u

if [ "$#" -lt 2 ]; then
    echo "usage: $0 REPORT_DIR INPUT..." >&2
    exit 2
fi
dir=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${METASCAN:-}" ]; then
    metascan=$METASCAN
elif [ -x "$here/metascan" ]; then
    metascan=$here/metascan
elif [ -x "$here/../.venv/bin/metascan" ]; then
    metascan=$here/../.venv/bin/metascan
elif command -v metascan >/dev/null 2>&1; then
    metascan=metascan
else
    echo "metascan nightly: metascan not found beside $0, in $here/../.venv/bin or on PATH; set METASCAN" >&2
    exit 2
fi
subcommand=${METASCAN_SUBCOMMAND:-scan}
extra=${METASCAN_ARGS:-}
day=${METASCAN_NIGHTLY_DATE:-$(date -u +%Y-%m-%d)}
keep=${METASCAN_KEEP_DAYS:-90}

mkdir -p "$dir" || exit 2
report="$dir/metascan-$day.json"
baseline="$dir/baseline.json"

# The report is replaced atomically (a new file renamed into place), so a new inode means this run wrote it.
inode() { ls -di "$1" 2>/dev/null | awk '{print $1}'; }
before=$(inode "$report")

if [ -f "$baseline" ]; then
    # shellcheck disable=SC2086  # METASCAN and METASCAN_ARGS are split on purpose
    $metascan $subcommand --format json --output "$report" --baseline "$baseline" $extra "$@"
else
    # shellcheck disable=SC2086
    $metascan $subcommand --format json --output "$report" $extra "$@"
fi
rc=$?
after=$(inode "$report")
written=0
if [ -n "$after" ] && [ "$after" != "$before" ]; then
    written=1
fi
if [ "$written" -eq 0 ] && [ "$rc" -le 1 ]; then
    echo "metascan nightly: metascan exited $rc without writing $report (it crashed; see its messages above)" >&2
    rc=2
fi

if [ "$written" -eq 1 ] && [ "$rc" -le 1 ] && [ ! -f "$baseline" ]; then
    # The first complete run becomes the baseline (never a run with errors: it may have missed things), and
    # its findings are what the baseline accepts: nothing is new tonight.
    cp "$report" "$dir/.baseline.json.tmp" && mv "$dir/.baseline.json.tmp" "$baseline" || exit 2
    echo "metascan nightly: baseline created from $report" >&2
    rc=0
fi
if [ "$written" -eq 1 ]; then
    ln -sfn "metascan-$day.json" "$dir/latest.json"
fi
case $rc in
    0) ;;
    1) echo "metascan nightly: new findings, see $report" >&2 ;;
    *) echo "metascan nightly: metascan failed (exit $rc)$([ "$written" -eq 1 ] && echo ", see $report")" >&2 ;;
esac

if [ "$keep" -gt 0 ]; then
    find "$dir" -maxdepth 1 -name 'metascan-*.json' -mtime +"$keep" -exec rm -f {} + 2>/dev/null
fi
# Temporary files a killed run left behind (hidden, beside the report; never the report itself).
find "$dir" -maxdepth 1 -name '.metascan-*.json.*.tmp' -mmin +60 -exec rm -f {} + 2>/dev/null
exit "$rc"
