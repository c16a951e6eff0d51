#!/bin/sh
# The SVG memory map in a real browser: Debian's chromium, headless, loads each
# map as an <img> and reports its natural size; a file the browser cannot
# render (not well-formed XML, cut tags) loads as nothing. First a deliberately
# broken SVG must be reported broken (the check can fail), then the built-in
# example's map and a map of a description with hostile names must render.
# Usage: svg_browser.sh RETYPE PYTHON. Exit 77 (ctest: skipped, "Not
# Run") only when no chromium is installed.
set -u
retype=$1
python=$2
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "chromium is not installed (scripts/deps.sh installs it): the browser check did not run"
    exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/retype-svg.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# Loads each SVG named on the command line as an <img> in one page and prints,
# per file, "NAME rendered WxH" or "NAME broken".
render() {
    {
        echo '<!DOCTYPE html><html><body>'
        for f in "$@"; do echo "<img data-name=\"$(basename "$f")\" src=\"file://$f\">"; done
        cat <<'HTML'
<script>
for (const img of document.images) {
    const done = (r) => img.setAttribute('data-result', r);
    const check = () => done(img.naturalWidth > 0 ? 'rendered ' + img.naturalWidth + 'x' + img.naturalHeight : 'broken');
    if (img.complete) check(); else { img.onload = check; img.onerror = () => done('broken'); }
}
</script></body></html>
HTML
    } > "$dir/page.html"
    # A private profile, no sandbox (CI runs as root), no GPU; the virtual time
    # budget lets the images load before the DOM is printed.
    "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$dir/profile" --allow-file-access-from-files \
        --virtual-time-budget=5000 --dump-dom "file://$dir/page.html" 2>/dev/null > "$dir/dom.html"
    "$python" - "$dir/dom.html" <<'PY'
import sys, html.parser
class P(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'img':
            print(a.get('data-name'), a.get('data-result', 'no-result'))
P().feed(open(sys.argv[1]).read())
PY
}

fail=0
"$retype" plan --svg "$dir/plan.svg" > /dev/null || { echo "FAIL: retype plan --svg exited $?"; fail=1; }
# A broken file must be caught: the map with its closing tags cut off.
head -c 2000 "$dir/plan.svg" > "$dir/broken.svg"
# Hostile names: markup, quotes, an ampersand and a 3000-character title (the old format buffer held 1024).
long=$(printf 'T%.0s' $(seq 1 3000))
cat > "$dir/hostile.toml" <<TOML
name = "<script>alert(1)</script> & \"quotes\" ]]> $long"
[platform]
name = "<svg onload=x>"
arch = "aarch64"
ram = [ { base = 0x40000000, size = 0x40000000 } ]
reserved = [ { base = 0x40000000, size = 0x100000, name = "</title><script>" } ]
kernel_image = { size = 0x200000 }
rootserver = { size = 0x400000 }
[[component]]
name = "<b>&'\"x"
image_size = 0x10000
TOML
"$retype" plan "$dir/hostile.toml" --svg "$dir/hostile.svg" > "$dir/hostile.txt" 2>&1
status=$?
if [ $status -gt 1 ]; then
    echo "FAIL: retype plan on the hostile description exited $status:"; cat "$dir/hostile.txt"; fail=1
fi
for f in plan hostile; do
    # Well-formed XML, no element the description injected, the long title whole.
    if ! "$python" - "$dir/$f.svg" <<'PY'
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
bad = [e.tagName for e in doc.getElementsByTagName('*') if e.tagName in ('script', 'b', 'svg') and e is not doc.documentElement]
if bad:
    sys.exit('injected elements: %s' % bad)
texts = ''.join(t.firstChild.data for t in doc.getElementsByTagName('text') if t.firstChild)
if 'hostile' in sys.argv[1] and 'T' * 3000 not in texts:
    sys.exit('the long title was cut')
PY
    then
        echo "FAIL: $f.svg is not a well-formed, injection-free SVG"; fail=1
    fi
done
render "$dir/broken.svg" "$dir/plan.svg" "$dir/hostile.svg" > "$dir/results.txt"
cat "$dir/results.txt"
grep -qx "broken.svg broken" "$dir/results.txt" ||
    { echo "FAIL: the cut SVG was not reported broken: this check cannot see a broken file"; fail=1; }
for f in plan hostile; do
    grep -q "^$f.svg rendered [1-9]" "$dir/results.txt" || { echo "FAIL: chromium did not render $f.svg"; fail=1; }
done
# A picture for people: build/<preset>/tests/plan/plan-chromium.png.
"$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$dir/profile" --hide-scrollbars \
    --window-size=1300,760 --screenshot="$PWD/plan-chromium.png" "file://$dir/plan.svg" > /dev/null 2>&1
exit $fail
