#!/bin/sh
# The PDF report tests read the report back with poppler's pdftotext and pdftoppm.
# Install them when we are root with apt-get; otherwise say how (those tests skip).
command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing poppler-utils for the PDF report tests"
    (apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null) \
        || echo "Could not install poppler-utils; the PDF report tests will be skipped."
else
    echo "For the PDF report tests: sudo apt-get install poppler-utils (they are skipped without it)."
fi
exit 0
