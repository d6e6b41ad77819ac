#!/usr/bin/env bash
# Refreshes the vendored front-end files. Not part of set-up: a fresh clone already has
# the built files committed, so it runs without npm. Run this only to upgrade versions.
#
# GOV.UK Frontend is compiled from its Sass with Arial rather than GDS Transport, whose
# licence limits it to GOV.UK domains (see docs/decisions/0003-govuk-frontend-vendored.md).
set -euo pipefail
GOVUK_FRONTEND_VERSION=6.6.0
AXE_CORE_VERSION=4.14.1
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "govuk-frontend@$GOVUK_FRONTEND_VERSION" "sass@1" "axe-core@$AXE_CORE_VERSION"
cat > seip.scss <<'SCSS'
@use "pkg:govuk-frontend" as * with (
  $govuk-font-family: (arial, sans-serif),
  $govuk-include-default-font-face: false,
  $govuk-assets-path: "/static/govuk/assets/"
);
SCSS
npx sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps seip.scss govuk-frontend.min.css
static="$here/src/seip/core/static/govuk"
cp govuk-frontend.min.css "$static/"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$static/"
# GOV.UK Frontend is MIT licensed (its package.json); it ships no separate licence file.
node -e "console.log(require('./node_modules/govuk-frontend/package.json').license)" > "$static/LICENSE"
echo "$GOVUK_FRONTEND_VERSION" > "$static/VERSION"
vendor="$here/tests/browser/vendor"
cp node_modules/axe-core/axe.min.js "$vendor/"
cp node_modules/axe-core/LICENSE "$vendor/axe-core.LICENSE"
echo "$AXE_CORE_VERSION" > "$vendor/AXE_VERSION"
echo "vendored govuk-frontend $GOVUK_FRONTEND_VERSION and axe-core $AXE_CORE_VERSION"
