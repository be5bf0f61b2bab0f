#!/bin/sh
# Tools the tests use from the distribution, installed with apt-get when we are root;
# otherwise say how (the tests that need one are skipped without it):
# - poppler's pdftotext and pdftoppm read the PDF reports back;
# - mosquitto is the real MQTT broker of the central station's tests.
missing=""
{ command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; } || missing="poppler-utils"
{ command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; } || missing="$missing mosquitto"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing$missing for the tests"
    (apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null) \
        || echo "Could not install$missing; the tests that need them will be skipped."
else
    echo "For every test: sudo apt-get install -y$missing (the tests that need them are skipped without)."
fi
exit 0
