#!/bin/sh
# Can Qt start here, on the platform the next command will use? If not, name the missing
# system libraries and the Debian/Ubuntu packages that hold them; install those when we are
# root with apt-get, otherwise print the exact command to run.
#
#   sh scripts/ensure-qt-libs.sh PYTHON offscreen   # make test: the headless platform
#   sh scripts/ensure-qt-libs.sh PYTHON display     # make run: the platform Qt picks for this
#                                                   # display (xcb for X11, wayland, ...)
#
# The check starts a real QApplication with the Qt modules the program uses; what is missing is
# read from ldd on Qt's platform plugin and modules and from Qt's own plugin diagnostics.
PY="$1"
MODE="${2:-offscreen}"
# What a minimal Debian/Ubuntu lacks for Qt's wheels (installed all at once when we are root).
PKGS="libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libpulse0"

if [ "$MODE" = offscreen ]; then
    QT_QPA_PLATFORM=offscreen
    export QT_QPA_PLATFORM
elif [ -z "${QT_QPA_PLATFORM:-}" ] && [ "$(uname -s)" = Linux ] \
        && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "make run opens a window, and there is no display here (DISPLAY and WAYLAND_DISPLAY are unset)." >&2
    echo "Run it from a desktop session (or: xvfb-run make run). Without a window," >&2
    echo "'.venv/bin/infusion-monitor record --help' records from a monitor." >&2
    exit 1
fi

# The platforms Qt may load: the one asked for, else X11 and/or Wayland as the session has them.
platforms() {
    if [ -n "${QT_QPA_PLATFORM:-}" ]; then
        echo "${QT_QPA_PLATFORM%%:*}"
        return
    fi
    [ -n "${WAYLAND_DISPLAY:-}" ] && echo wayland
    [ -n "${DISPLAY:-}" ] && echo xcb
}

QT_LOG=$(mktemp)
trap 'rm -f "$QT_LOG"' EXIT

qt_starts() {
    QT_DEBUG_PLUGINS=1 "$PY" -c '
import sys
from PySide6.QtWidgets import QApplication
from PySide6 import QtMultimedia  # the alarm sound
app = QApplication(sys.argv[:1])
print("Qt starts on the", app.platformName(), "platform", file=sys.stderr)
' >"$QT_LOG" 2>&1
}

# Libraries the dynamic linker cannot find: ldd on the platform plugins and the Qt modules
# used, plus what Qt's plugin loader reported ("libX.so.N: cannot open shared object file").
missing_libs() {
    qt=$("$PY" -c 'import os, PySide6; print(os.path.dirname(PySide6.__file__))' 2>/dev/null) || return
    files="$qt/QtWidgets.abi3.so $qt/QtMultimedia.abi3.so"
    for p in $(platforms); do files="$files $qt/Qt/plugins/platforms/libq$p.so"; done
    {
        command -v ldd >/dev/null 2>&1 && for f in $files; do
            [ -f "$f" ] && ldd "$f" 2>/dev/null | awk '/not found/ {print $1}'
        done
        grep -o 'lib[A-Za-z0-9_.+-]*\.so[.0-9]*: cannot open shared object file' "$QT_LOG" | cut -d: -f1
    } | sort -u
}

# Debian's package name for a library: libfoo-bar.so.N -> libfoo-barN, libfoo2.so.N -> libfoo2-N.
package_of() {
    case "$1" in *.so.*) ;; *) return ;; esac
    base=${1%%.so.*}
    version=${1#*.so.}
    version=${version%%.*}
    case "$base" in
        libglib-2.0 | libgthread-2.0 | libgobject-2.0 | libgio-2.0 | libgmodule-2.0) echo libglib2.0-0; return ;;
    esac
    name=$(echo "$base" | tr 'A-Z' 'a-z')
    case "$name" in
        *[0-9]) echo "$name-$version" ;;
        *) echo "$name$version" ;;
    esac
}

not_installed() {
    # Of the packages given, those dpkg does not list as installed (all of them without dpkg).
    for p in "$@"; do
        if command -v dpkg-query >/dev/null 2>&1; then
            dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
        fi
        printf '%s ' "$p"
    done
}

if qt_starts; then
    exit 0
fi
LIBS=$(missing_libs | tr '\n' ' ')
NEEDED=$(for lib in $LIBS; do package_of "$lib"; done | sort -u | tr '\n' ' ')
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    INSTALL=$(not_installed $(printf "%s\n" $PKGS $NEEDED | sort -u))
    if [ -n "$INSTALL" ]; then
        echo "Installing system libraries Qt needs: $INSTALL"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $INSTALL >/dev/null
        qt_starts && exit 0
        LIBS=$(missing_libs | tr '\n' ' ')
    fi
fi
PLATFORMS="${QT_QPA_PLATFORM:-$(platforms | tr '\n' ' ' | sed 's/ $//; s/ / or /')}"
WHERE="${PLATFORMS:+the $PLATFORMS platform}"
WHERE="${WHERE:-its default platform}"
if [ -n "$LIBS" ]; then
    echo "Qt cannot start on $WHERE: these system libraries are missing: $LIBS" >&2
    [ -z "$NEEDED" ] && NEEDED=$(not_installed $PKGS)
    echo "Install them with:" >&2
    echo "  sudo apt-get install $NEEDED" >&2
else
    echo "Qt cannot start on $WHERE. Qt said:" >&2
    grep -v '^QFactoryLoader\|^Found metadata\|^Got keys\|^checking directory\|^looking at\|^"' "$QT_LOG" | tail -n 8 >&2
    MISSING=$(not_installed $PKGS)
    [ -n "$MISSING" ] && echo "Packages Qt usually needs that are not installed: sudo apt-get install $MISSING" >&2
fi
exit 1
