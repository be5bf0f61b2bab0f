#!/bin/sh
# Check the desktop bundle as a clinic's computer would run it: no Python, no source tree.
#   sh scripts/bundle-check.sh dist/infusion-monitor     (make bundle-check)
# Runs the bundled record on the in-process simulator and on infusion-sim's pseudo-terminal,
# lists the scenarios, then opens review on the new recording and live on the simulator, each
# offscreen, saving its first window to a PNG (INFUSION_MONITOR_SELF_CHECK) and closing.
# Everything is written to a temporary folder, printed at the end with the screenshots.
set -eu
BUNDLE=$(cd "${1:-dist/infusion-monitor}" && pwd)
MONITOR="$BUNDLE/infusion-monitor"
SIM="$BUNDLE/infusion-sim"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bundle-check.XXXXXX")
cd "$WORK"
# A new user's home: nothing remembered, nothing written to the real one; no Python to fall back on.
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/home/.local/share"
export QT_QPA_PLATFORM=offscreen PATH=/usr/bin:/bin
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV
mkdir -p "$HOME"
fail() { echo "bundle-check: FAILED: $*" >&2; echo "(files in $WORK)" >&2; exit 1; }

echo "== version"
"$MONITOR" --version

echo "== record --port sim:stable (in-process simulator)"
"$MONITOR" record --port sim:stable --protocol datex --duration 60 --speed 60 --jsonl --out s.irm.sqlite > s.jsonl \
    || fail "record exited with $?"
HR=$(grep -c '"parameter": "HR", "value": [0-9]' s.jsonl || true)
[ "$HR" -gt 5 ] || fail "record printed $HR heart-rate readings"
echo "$HR heart-rate readings; $(wc -l < s.jsonl) lines"

echo "== infusion-sim --list-scenarios"
"$SIM" --list-scenarios > scenarios.txt
grep -q '^ketamine-typical ' scenarios.txt || fail "no ketamine-typical scenario"
wc -l < scenarios.txt

echo "== infusion-sim --pty into record (the serial path)"
"$SIM" --protocol datex --scenario stable --pty --speed 20 --duration 120 > sim.out 2> sim.err &
SIM_PID=$!
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    [ -s sim.out ] && break
    sleep 0.5
done
PORT=$(head -n 1 sim.out)
[ -n "$PORT" ] || fail "infusion-sim printed no port: $(cat sim.err)"
"$MONITOR" record --port "$PORT" --protocol datex --duration 30 --speed 20 --jsonl --out pty.irm.sqlite > pty.jsonl \
    || fail "record from $PORT exited with $?"
kill "$SIM_PID" 2>/dev/null || true
wait "$SIM_PID" 2>/dev/null || true
HR=$(grep -c '"parameter": "HR", "value": [0-9]' pty.jsonl || true)
[ "$HR" -gt 3 ] || fail "record from the pty printed $HR heart-rate readings"
echo "$HR heart-rate readings from $PORT"

echo "== review s.irm.sqlite (offscreen, saved to review.png)"
INFUSION_MONITOR_SELF_CHECK="$WORK/review.png" "$MONITOR" review s.irm.sqlite 2> review.err \
    || fail "review exited with $?: $(tail -n 3 review.err)"
[ -s review.png ] || fail "review saved no window"

echo "== live --port sim:ketamine-typical (offscreen, saved to live.png)"
INFUSION_MONITOR_SELF_CHECK="$WORK/live.png" "$MONITOR" live --port sim:ketamine-typical --protocol datex \
    --speed 30 --recordings "$WORK/recordings" 2> live.err || fail "live exited with $?: $(tail -n 3 live.err)"
[ -s live.png ] || fail "live saved no window"
if grep -q "Qt Multimedia cannot load" live.err; then
    fail "the alarm sound's Qt Multimedia is missing from the bundle: $(grep 'Qt Multimedia' live.err)"
fi
ls "$WORK/recordings"/*.irm.sqlite >/dev/null 2>&1 || fail "live wrote no recording"

echo "bundle-check: passed. Screenshots: $WORK/review.png $WORK/live.png"
