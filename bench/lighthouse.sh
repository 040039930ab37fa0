#!/usr/bin/env bash
# Lighthouse scores of the patient pages, as a browser sees them from the demo (`make run`).
#
#   bash bench/lighthouse.sh            # starts the demo on port 8766, scores, stops it
#   URL=http://127.0.0.1:8000 bash bench/lighthouse.sh   # scores a demo already running
#
# Lighthouse is pinned here, not in package.json: it is a measuring tool, not something the
# suite needs, so `make test` does not install its 200 packages. It runs Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
LIGHTHOUSE_VERSION=12.8.2
TOOLS=var/lighthouse
PAGES=${PAGES:-"/ /guidance/ /find-your-massage/ /massages/ /book/"}
CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
export CHROME_PATH

if [ ! -x "$TOOLS/node_modules/.bin/lighthouse" ]; then
    mkdir -p "$TOOLS"
    (cd "$TOOLS" && npm init -y >/dev/null && npm install --no-audit --no-fund "lighthouse@$LIGHTHOUSE_VERSION" >/dev/null)
fi

server_pid=""
if [ -z "${URL:-}" ]; then
    PORT=8766
    URL=http://127.0.0.1:$PORT
    # The demo stops by itself after ten minutes even if this script is interrupted.
    PORT=$PORT setsid timeout 600 make run >"$TOOLS/server.log" 2>&1 &
    server_pid=$!
    trap 'kill -- -"$server_pid" 2>/dev/null || true' EXIT
    for _ in $(seq 120); do
        curl -fs -o /dev/null "$URL/" && break
        sleep 1
    done
fi

printf '%-22s %-8s %5s %5s %5s %7s %8s\n' page form perf a11y best CLS LCP
for page in $PAGES; do
    for form in desktop mobile; do
        preset=""
        [ "$form" = desktop ] && preset="--preset=desktop"
        out="$TOOLS/$(echo "$page" | tr '/' '_')-$form.json"
        "$TOOLS/node_modules/.bin/lighthouse" "$URL$page" $preset --quiet \
            --only-categories=performance,accessibility,best-practices \
            --chrome-flags="--headless=new --no-sandbox" --output=json --output-path="$out" >/dev/null 2>&1 || {
            echo "$page $form: Lighthouse did not finish (see $out)"
            continue
        }
        node -e '
            const r = require(process.argv[1]);
            const s = (k) => Math.round(r.categories[k].score * 100);
            const cls = r.audits["cumulative-layout-shift"].numericValue.toFixed(3);
            const lcp = Math.round(r.audits["largest-contentful-paint"].numericValue) + "ms";
            console.log([process.argv[2].padEnd(22), process.argv[3].padEnd(8), String(s("performance")).padStart(5),
                String(s("accessibility")).padStart(5), String(s("best-practices")).padStart(5), cls.padStart(7),
                lcp.padStart(8)].join(" "));
        ' "$(pwd)/$out" "$page" "$form"
    done
done
