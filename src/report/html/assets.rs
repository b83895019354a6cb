//! The HTML report's stylesheet and script, inlined into every page so a report is one file
//! that opens offline (no CDN, no fonts, no images).
//!
//! The script filters the check list by text, verdict and area. The initial filter can come
//! from the address: `report.html#verdict=FAIL,WARN&area=tools&q=ping`.

/// The stylesheet (light and dark).
pub const CSS: &str = r#"
:root{--bg:#fff;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--box:#f6f8fa;
--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--skip:#6e7781}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;
--line:#30363d;--box:#161b22;--pass:#3fb950;--fail:#f85149;--warn:#d29922;--skip:#8d96a0}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1100px;padding:16px 24px 48px;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid var(--line)}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:13px;vertical-align:middle}
.b-FAIL{background:var(--fail)}.b-WARN{background:var(--warn)}.b-PASS{background:var(--pass)}
table{border-collapse:collapse}td,th{border:1px solid var(--line);padding:3px 10px;text-align:right}
td:first-child,th:first-child{text-align:left}
.v{display:inline-block;min-width:44px;font-weight:600;font-family:ui-monospace,monospace}
.v-PASS{color:var(--pass)}.v-FAIL{color:var(--fail)}.v-WARN{color:var(--warn)}.v-SKIP{color:var(--skip)}
#filters{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:center;margin:8px 0;padding:8px;
background:var(--box);border:1px solid var(--line);border-radius:6px}
#q{flex:1 1 240px;padding:4px 8px}#shown{color:var(--muted)}
#check-list{list-style:none;margin:0;padding:0}
#check-list>li{border-bottom:1px solid var(--line)}
summary{cursor:pointer;padding:4px 0}summary .title{margin-left:6px}
summary .meta{color:var(--muted);margin-left:6px;font-size:12px}
.body{padding:4px 0 10px 52px}
.findings{margin:4px 0;padding-left:18px}.findings dl{margin:2px 0 6px}
.findings dt{color:var(--muted)}.findings dd{margin:0 0 2px 12px;white-space:pre-wrap;overflow-wrap:anywhere}
pre.transcript{background:var(--box);border:1px solid var(--line);border-radius:6px;padding:8px;
max-height:480px;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}
.chart{margin:8px 0}.chart svg{width:100%;max-width:720px;height:auto;background:var(--box)}
.chart text{font-size:10px;fill:var(--fg)}.chart .axes line{stroke:var(--muted)}
footer{margin-top:32px;color:var(--muted);font-size:12px}
"#;

/// The filter script.
pub const JS: &str = r#"
(function () {
  var q = document.getElementById('q');
  var area = document.getElementById('area');
  var boxes = Array.prototype.slice.call(document.querySelectorAll('#filters input[name=verdict]'));
  var items = Array.prototype.slice.call(document.querySelectorAll('#check-list > li'));
  var shown = document.getElementById('shown');
  var none = document.getElementById('none');
  function fromHash() {
    location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      if (i < 0) return;
      var k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));
      if (k === 'verdict') {
        var set = v.toUpperCase().split(',');
        boxes.forEach(function (b) { b.checked = set.indexOf(b.value) >= 0; });
      } else if (k === 'q') { q.value = v; }
      else if (k === 'area') { area.value = v; }
    });
  }
  function apply() {
    var text = q.value.trim().toLowerCase(), on = {}, a = area.value, n = 0;
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    items.forEach(function (li) {
      var show = !!on[li.getAttribute('data-verdict')] &&
        (!a || li.getAttribute('data-area') === a) &&
        (!text || li.getAttribute('data-search').indexOf(text) >= 0);
      li.hidden = !show;
      if (show) n++;
    });
    shown.textContent = n + ' of ' + items.length + ' shown';
    none.hidden = n > 0;
  }
  function expand(open) {
    items.forEach(function (li) {
      var d = li.querySelector('details');
      if (d && !li.hidden && d.querySelector('.body')) d.open = open;
    });
  }
  q.addEventListener('input', apply);
  area.addEventListener('change', apply);
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  document.getElementById('expand').addEventListener('click', function () { expand(true); });
  document.getElementById('collapse').addEventListener('click', function () { expand(false); });
  window.addEventListener('hashchange', function () { fromHash(); apply(); });
  fromHash();
  apply();
})();
"#;
