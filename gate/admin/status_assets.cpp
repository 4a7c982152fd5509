// The status page's stylesheet and script, served by the admin endpoint as
// /status.css and /status.js (no external asset, no library).
#include "gate/admin/status_page.h"

namespace httpgate::gate {

std::string_view statusStylesheet() {
  return R"css(body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#f6f6f4}
header{background:#223;color:#fff;padding:.6em 1.2em}header h1{margin:0;font-size:1.3em}
header p{margin:.2em 0 0;font-size:.9em}header a{color:#cde}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(28em,1fr));gap:1em;padding:1em}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.4em 1em 1em}
h2{font-size:1.1em;margin:.5em 0}h3{font-size:.95em;margin:.8em 0 .3em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:0}dt{color:#666}dd{margin:0}
table{border-collapse:collapse;width:100%;margin-top:.6em}
th,td{text-align:left;padding:.15em .5em;border-bottom:1px solid #eee;vertical-align:top;
overflow-wrap:break-word}
th{color:#666;font-weight:normal}
.bad{color:#b00}.warn{background:#fff3b0}.alarm{background:#f8c0c0}
svg{width:100%;height:auto;background:#fafafa;border:1px solid #eee}
svg text{font-size:20px;fill:#666}
.line{fill:none;stroke-width:1.5}
.c1xx{stroke:#888;color:#888}.c2xx{stroke:#2a7;color:#2a7}.c3xx{stroke:#37c;color:#37c}
.c4xx{stroke:#d80;color:#d80}.c5xx{stroke:#d33;color:#d33}
)css";
}

std::string_view statusScript() {
  return R"js("use strict";
// Refreshes the status page from /status.json every 2 seconds: every
// [data-path] element, every table (rebuilt from its array, column keys
// from its <th data-key>), the last reload, and the traffic chart. Values
// are set with textContent only: nothing from the document becomes markup.
(function () {
  const classes = ["1xx", "2xx", "3xx", "4xx", "5xx"];
  const svgNs = "http://www.w3.org/2000/svg";

  function at(doc, path, separator) {
    return path.split(separator).reduce((v, k) => (v === null || v === undefined ? undefined : v[k]), doc);
  }
  function show(v) {
    if (v === null || v === undefined) return "-";
    if (typeof v === "boolean") return v ? "yes" : "no";
    if (Array.isArray(v)) return v.map(show).join(", ");
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }
  function when(t) {
    if (typeof t !== "number") return "-";
    return new Date(t * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  }
  // Keys ending in "at" or "until", and not_after, are times (as the
  // server renders them).
  function cell(key, value) {
    return /(^|[_/])(at|until)$/.test(key) || key === "not_after" ? when(value) : show(value);
  }
  function mark(td, key, value) {
    if (key === "days_left" && typeof value === "number") {
      td.className = value < 7 ? "alarm" : value < 30 ? "warn" : "";
    }
  }
  function rebuild(table, rows) {
    const keys = Array.from(table.querySelectorAll("th")).map((th) => th.dataset.key);
    const body = document.createElement("tbody");
    for (const row of rows) {
      const tr = document.createElement("tr");
      for (const key of keys) {
        const td = document.createElement("td");
        const value = at(row, key, "/");
        td.textContent = cell(key, value);
        mark(td, key, value);
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    table.replaceChild(body, table.tBodies[0]);
  }
  function lastReload(reload) {
    const dd = document.getElementById("last-reload");
    if (!dd) return;
    dd.textContent = "";
    if (!reload) {
      dd.textContent = "none since the start";
    } else if (reload.ok) {
      dd.textContent = "ok, " + when(reload.at);
    } else {
      const span = document.createElement("span");
      span.className = "bad";
      span.textContent = "failed, " + when(reload.at) + ": " + reload.error;
      dd.appendChild(span);
    }
  }
  function draw(history) {
    const svg = document.getElementById("chart");
    if (!svg || !history) return;
    const width = 900, height = 200, n = history.at.length;
    let max = 1;
    for (const c of classes) for (const v of history.requests[c]) max = Math.max(max, v);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    for (const c of classes) {
      const points = history.requests[c].map((v, i) => {
        const x = width - (n - 1 - i) * (width / 900);
        const y = height - 4 - (v / max) * (height - 24);
        return x.toFixed(1) + "," + y.toFixed(1);
      });
      const line = document.createElementNS(svgNs, "polyline");
      line.setAttribute("points", points.join(" "));
      line.setAttribute("class", "line c" + c);
      svg.appendChild(line);
    }
    const labels = [
      [4, 14, "start", "peak " + max + " requests/s: 2xx green, 3xx blue, 4xx orange, 5xx red"],
      [4, height - 6, "start", "15 minutes ago"],
      [width - 4, height - 6, "end", "now"],
    ];
    for (const [x, y, anchor, words] of labels) {
      const label = document.createElementNS(svgNs, "text");
      label.setAttribute("x", String(x));
      label.setAttribute("y", String(y));
      label.setAttribute("text-anchor", anchor);
      label.textContent = words;
      svg.appendChild(label);
    }
    svg.dataset.samples = String(n);
    svg.dataset.drawn = String(Number(svg.dataset.drawn || "0") + 1);
  }
  function fill(doc) {
    for (const el of document.querySelectorAll("[data-path]")) {
      el.textContent = show(at(doc, el.dataset.path, "."));
    }
    const now = document.getElementById("now");
    if (now) now.textContent = when(doc.now);
    const tables = {
      workers: doc.gate.workers, listeners: doc.listeners, slowest: doc.traffic.slowest,
      ports: doc.backends.ports, hosts: doc.backends.hosts, apps: doc.apps,
      certificates: doc.certificates, acme: doc.acme,
    };
    for (const id in tables) {
      const table = document.getElementById(id);
      if (table && Array.isArray(tables[id])) rebuild(table, tables[id]);
    }
    lastReload(doc.gate.last_reload);
    draw(doc.traffic.history);
  }
  async function refresh() {
    try {
      const response = await fetch("/status.json", { cache: "no-store" });
      if (response.ok) fill(await response.json());
    } catch (e) {
      // The gate is restarting or gone: keep what is shown, try again.
    }
  }
  refresh();
  setInterval(refresh, 2000);
})();
)js";
}

}  // namespace httpgate::gate
