#!/usr/bin/env bash
# Copy the front-end libraries Yingji uses from the npm registry into static/vendor/.
# Run once when upgrading a library; the copied files are committed, nothing downloads at run time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/src/yingji/core/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --loglevel=error leaflet@1.9.4 htmx.org@2.0.11 echarts@5.6.0 >/dev/null 2>&1
for pkg in leaflet-1.9.4 htmx.org-2.0.11 echarts-5.6.0; do mkdir "$pkg" && tar xzf "$pkg.tgz" -C "$pkg"; done
rm -rf "$dest" && mkdir -p "$dest/leaflet/images" "$dest/htmx" "$dest/echarts"
cp leaflet-1.9.4/package/dist/leaflet.js leaflet-1.9.4/package/dist/leaflet.js.map leaflet-1.9.4/package/dist/leaflet.css leaflet-1.9.4/package/LICENSE "$dest/leaflet/"
cp leaflet-1.9.4/package/dist/images/*.png "$dest/leaflet/images/"
cp htmx.org-2.0.11/package/dist/htmx.min.js htmx.org-2.0.11/package/LICENSE "$dest/htmx/"
cp echarts-5.6.0/package/dist/echarts.min.js echarts-5.6.0/package/LICENSE "$dest/echarts/"
cat > "$dest/VERSIONS.md" <<'TXT'
Vendored by scripts/vendor_static.sh from the npm registry; each folder keeps its LICENSE.
| library | version | licence |
| --- | --- | --- |
| leaflet | 1.9.4 | BSD-2-Clause |
| htmx.org | 2.0.11 | 0BSD |
| echarts | 5.6.0 | Apache-2.0 |
TXT
echo "vendored into $dest"
