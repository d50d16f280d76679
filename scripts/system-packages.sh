#!/usr/bin/env bash
# Debian packages fieldcert needs besides Python, Node and npm, installed with apt when missing
# (as root, or through sudo). `make install` runs it for the PDF reports, `make test` (through
# scripts/test.sh) for the reports and the browser tests.
#
#   bash scripts/system-packages.sh reports [browser]
#
# reports: WeasyPrint lays out the PDFs (backend/reports) with Pango, subsets fonts with
#          HarfBuzz-subset (WeasyPrint's first-steps guide for Debian names these three
#          libraries) and embeds Noto Sans / Serif CJK SC, which fontconfig must find.
# browser: Chromium for tests/browser, with the same CJK font (else Chinese is drawn as boxes).
set -euo pipefail

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

declare -A PACKAGES=(
    [reports]="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk"
    [browser]="chromium fontconfig fonts-noto-cjk"
)

[ "$#" -gt 0 ] || die "usage: $0 reports|browser ..."
wanted=()
for group in "$@"; do
    [ -n "${PACKAGES[$group]:-}" ] || die "unknown group '$group' (reports, browser)"
    # shellcheck disable=SC2206  # the lists are space-separated package names
    wanted+=(${PACKAGES[$group]})
done

# The fonts the PDFs name (backend/reports/templates/base.css); fontconfig must know them.
have_report_fonts() {
    command -v fc-list >/dev/null 2>&1 &&
        fc-list 'Noto Sans CJK SC' family | grep -q . &&
        fc-list 'Noto Serif CJK SC' family | grep -q .
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    # Not Debian: nothing to install with apt; say what is needed instead of guessing.
    if have_report_fonts; then
        exit 0
    fi
    echo "warning: not a Debian system; install Pango >= 1.44, HarfBuzz-subset, fontconfig" \
        "and the Noto Sans CJK SC / Noto Serif CJK SC fonts yourself (${wanted[*]} on Debian)" >&2
    exit 0
fi

missing=()
for package in "${wanted[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)"
    if [ "$status" != "installed" ] && [[ ! " ${missing[*]} " =~ " $package " ]]; then
        missing+=("$package")
    fi
done
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

echo "missing Debian packages: ${missing[*]}; installing them with apt-get"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 ||
        die "${missing[*]} missing and installing needs root: run 'apt-get install ${missing[*]}' as root"
    sudo=(sudo)
fi
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    die "apt-get update failed: install ${missing[*]} by hand ('apt-get install ${missing[*]}')"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    "${missing[@]}" || die "apt-get install ${missing[*]} failed: install them by hand"

for group in "$@"; do
    case "$group" in
        reports) have_report_fonts || die "fontconfig finds no Noto Sans/Serif CJK SC after installing fonts-noto-cjk" ;;
        browser) command -v chromium >/dev/null 2>&1 || die "chromium still not on PATH after installing it" ;;
    esac
done
