#!/bin/sh
# The clinic's own certificate authority and the broker's certificate (openssl), and
# optionally a client certificate per computer. docs/central-station.md, "Security".
#
#   sh make-certificates.sh FOLDER BROKER_HOST [CLIENT_NAME ...]
#
# FOLDER receives ca.crt (give it to every bedside and central station: --ca), ca.key (keep it
# offline), broker.crt/broker.key (for /etc/mosquitto/irm/) and, per CLIENT_NAME (a chair's
# name such as Chair-3, or central), NAME.crt/NAME.key (--cert/--key on that computer).
# BROKER_HOST is the name or IP address the bedsides use in mqtts://BROKER_HOST.
set -eu
[ $# -ge 2 ] || { echo "usage: sh make-certificates.sh FOLDER BROKER_HOST [CLIENT_NAME ...]" >&2; exit 2; }
folder=$1; host=$2; shift 2
mkdir -p "$folder"; cd "$folder"
umask 077
case "$host" in
    *[!0-9.]*) san="DNS:$host" ;;
    *) san="IP:$host" ;;
esac
if [ ! -f ca.key ]; then
    openssl req -x509 -newkey rsa:3072 -sha256 -days 3650 -nodes -keyout ca.key -out ca.crt \
        -subj "/CN=Infusion Room Monitor clinic CA" 2>/dev/null
fi
sign() {  # NAME EXTENSIONS
    openssl req -newkey rsa:3072 -sha256 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
    printf '%s\n' "$2" > "$1.ext"
    openssl x509 -req -sha256 -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
        -out "$1.crt" -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
sign broker "subjectAltName=$san
extendedKeyUsage=serverAuth"
for name in "$@"; do
    sign "$name" "extendedKeyUsage=clientAuth"
done
chmod 644 ca.crt broker.crt
echo "made in $folder: ca.crt, broker.crt/.key$( [ $# -gt 0 ] && echo ", and $* (.crt/.key)")"
