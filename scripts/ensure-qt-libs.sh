#!/bin/sh
# Qt's wheels need a few system libraries that a minimal Debian/Ubuntu lacks.
# Install them when we are root with apt-get; otherwise say exactly what to run.
PY="$1"
PKGS="libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libpulse0"

qt_loads() {
    QT_QPA_PLATFORM=offscreen "$PY" -c 'from PySide6 import QtWidgets, QtGui' >/dev/null 2>&1
}

missing_pkgs() {
    # Only ask dpkg when it exists; print the packages not yet installed.
    command -v dpkg-query >/dev/null 2>&1 || { echo "$PKGS"; return; }
    for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || printf '%s ' "$p"
    done
}

MISSING=$(missing_pkgs)
if qt_loads && [ -z "$MISSING" ]; then
    exit 0
fi
if [ -n "$MISSING" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system libraries Qt needs: $MISSING"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $MISSING >/dev/null
fi
if qt_loads; then
    exit 0
fi
echo "Qt cannot load its system libraries. Install them with:" >&2
echo "  sudo apt-get install $PKGS" >&2
exit 1
