#!/bin/sh
# Put Infusion Room Monitor in this user's application menu, with its icon, or take it out again.
# User level only (XDG folders: $XDG_DATA_HOME, else ~/.local/share); nothing needs root.
#
#   sh scripts/install-desktop.sh install /absolute/path/to/infusion-monitor
#   sh scripts/install-desktop.sh uninstall
#
# The program can be the one in .venv (make install-desktop), a pipx install
# (~/.local/bin/infusion-monitor) or the bundle (dist/infusion-monitor/infusion-monitor).
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
APPS="$DATA/applications"
ICONS="$DATA/icons/hicolor"
NAME=infusion-monitor

refresh_menus() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$ICONS" 2>/dev/null || true
}

case "${1:-}" in
install)
    EXEC="${2:-}"
    case "$EXEC" in
        /*) ;;
        *) echo "install-desktop: give the absolute path of the infusion-monitor program." >&2; exit 2 ;;
    esac
    if [ ! -x "$EXEC" ]; then
        echo "install-desktop: $EXEC is not a program; give the path of infusion-monitor." >&2
        exit 2
    fi
    mkdir -p "$APPS" "$ICONS/scalable/apps"
    cp "$HERE/ui/icons/$NAME.svg" "$ICONS/scalable/apps/$NAME.svg"
    # PNGs too, for menus that do not draw SVG; rendered by Qt from the program's own Python.
    PYTHON="$(dirname "$EXEC")/python"
    RENDERED=$(mktemp -d)
    if [ -x "$PYTHON" ] && "$PYTHON" "$HERE/packaging/render_icons.py" "$RENDERED" --sizes 48,256 >/dev/null 2>&1; then
        for size in 48 256; do
            mkdir -p "$ICONS/${size}x${size}/apps"
            cp "$RENDERED/$NAME-$size.png" "$ICONS/${size}x${size}/apps/$NAME.png"
        done
    fi
    rm -rf "$RENDERED"
    case "$EXEC" in
        *[\"\`\$\\]*) echo "install-desktop: move the program to a path without \" \` \$ or \\ in it." >&2; exit 2 ;;
    esac
    ESCAPED=$(printf '%s' "$EXEC" | sed 's/[&|]/\\&/g')  # for sed's replacement text
    sed "s|@EXEC@|$ESCAPED|g" "$HERE/packaging/$NAME.desktop" > "$APPS/$NAME.desktop"
    if command -v desktop-file-validate >/dev/null 2>&1; then
        desktop-file-validate "$APPS/$NAME.desktop"
    fi
    refresh_menus
    echo "Installed $APPS/$NAME.desktop (runs $EXEC) and its icon in $ICONS."
    ;;
uninstall)
    rm -f "$APPS/$NAME.desktop" "$ICONS/scalable/apps/$NAME.svg" \
        "$ICONS/48x48/apps/$NAME.png" "$ICONS/256x256/apps/$NAME.png"
    refresh_menus
    echo "Removed Infusion Room Monitor from this user's application menu."
    ;;
*)
    echo "usage: sh scripts/install-desktop.sh install /absolute/path/to/infusion-monitor | uninstall" >&2
    exit 2
    ;;
esac
